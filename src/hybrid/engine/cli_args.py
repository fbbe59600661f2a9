"""The engine's command-line options, for commands defined outside ``hybrid.cli``.

    from hybrid.engine.cli_args import add_engine_args, engine_kwargs, use_engine
    add_engine_args(parser)                  # --engine --workers --work --resume --shard-rows --output-format
    if use_engine(args):
        recs, stats, summary = export_traces_run(args.csv, **engine_kwargs(args), ...)
"""

from __future__ import annotations

from ..errors import HybridError

__all__ = ["add_engine_args", "engine_kwargs", "use_engine"]


def add_engine_args(p, *, directory: str = "--work", unit: str = "rows", default_shard_rows: int = 2000,
                    directory_help: str | None = None, output_format: bool = True) -> None:
    """Add ``--engine``, ``--workers``, the run directory option (``--work DIR`` by default),
    ``--resume``, ``--shard-rows`` and (with ``output_format``) ``--output-format`` to an
    ``argparse`` parser. ``hybrid generate`` names its directory ``--shards`` and counts puzzles."""
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="ray: shard by shard on Ray Data actors (pip install 'hybrid[ray]'; joins the cluster "
                        "named by RAY_ADDRESS, else starts Ray on this machine)")
    p.add_argument("--workers", type=int, default=None,
                   help=f"with --engine ray or {directory}: actors / processes (0 = every CPU; default: every CPU "
                        "for ray, 1 for local)")
    p.add_argument(directory, metavar="DIR",
                   help=directory_help or ("keep the sharded run here (per-row records part-K, a ledger, a manifest); "
                                           "with --resume: continue it, skipping the shards already finished"))
    p.add_argument("--resume", action="store_true", help=f"with {directory}: continue the run in DIR")
    p.add_argument("--shard-rows", type=int, default=None, metavar="N",
                   help=f"{unit} per shard when the input is one file (default {default_shard_rows})")
    if output_format:
        p.add_argument("--output-format", choices=("jsonl", "parquet"), default="jsonl",
                       help=f"format of the per-row records in {directory} (part-K.jsonl or part-K.parquet)")


def use_engine(args) -> bool:
    """Whether the command should run on the sharded engine (``--engine ray``, ``--work`` ...)."""
    return args.engine == "ray" or bool(args.work) or args.resume or args.workers is not None


def engine_kwargs(args) -> dict:
    """The keyword arguments of ``export_traces_run`` / ``grade_run`` from the parsed options."""
    if args.resume and not args.work:
        raise HybridError("--resume needs --work DIR (the run to continue)")
    if args.workers is not None and args.workers < 0:
        raise HybridError(f"--workers must be >= 0, got {args.workers}")
    workers = (1 if args.engine == "local" else None) if args.workers is None else (args.workers or None)
    return {"work": args.work, "engine": args.engine, "workers": workers, "shard_rows": args.shard_rows,
            "resume": args.resume, "output": args.output_format,
            "progress": not (getattr(args, "no_progress", False) or getattr(args, "json", False))}
