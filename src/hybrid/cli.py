"""The ``hybrid`` command line.

    hybrid solve [PROMPT | -f FILE | -]  [--json] [--no-search] [--time-limit S]
    hybrid eval CSV [--family F ...] [--limit N] [--json] [--show-wrong N] [--workers N] [--no-progress]
    hybrid demo [--json]                      solve the bundled sample and print accuracy
    hybrid build-catalog [--data CSV] [--family F ...] [--out DIR]
    hybrid generate FAMILY|all N [--seed S] [--out FILE] [--uniform] [--engine ray] [--shards DIR [--resume]]

Bad input exits with status 2 and a one-line message; no command prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .errors import HybridError, InternalError

__all__ = ["main", "build_parser"]


def _add_solve(sub):
    p = sub.add_parser("solve", help="solve one puzzle prompt (argument, file or stdin)")
    p.add_argument("prompt", nargs="?", help="prompt text, or '-' for stdin (default: stdin)")
    p.add_argument("-f", "--file", help="read the prompt from this file")
    p.add_argument("--json", action="store_true", help="print the full Solution as JSON")
    p.add_argument("--no-search", action="store_true", help="do not run the CP-SAT fallback")
    p.add_argument("--time-limit", type=float, default=None, help="seconds for the fallback search")
    p.add_argument("--recaller", default="prior", help="prior | lm:PATH[,adapter=PATH]")
    p.add_argument("--min-confidence", type=float, default=0.0, metavar="P",
                   help="abstain (no answer) when the answer's confidence is below P")
    p.set_defaults(func=_cmd_solve)


def _add_eval(sub):
    p = sub.add_parser("eval", help="evaluate on a labelled CSV (id,prompt,answer)")
    p.add_argument("csv", help="CSV file with prompt and answer columns")
    p.add_argument("--family", action="append", help="only these families (repeatable)")
    p.add_argument("--limit", type=int, help="at most N rows per family")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--show-wrong", type=int, default=0, metavar="N", help="list up to N wrong rows")
    p.add_argument("--no-search", action="store_true", help="do not run the CP-SAT fallback")
    p.add_argument("--time-limit", type=float, default=None, help="seconds for each fallback search")
    p.add_argument("--recaller", default="prior", help="prior | lm:PATH[,adapter=PATH]")
    p.add_argument("--workers", type=int, default=None,
                   help="processes (local) or Ray actors to solve with; 0 = every core (every CPU of the Ray "
                        "cluster); default 1 for local, every CPU for ray")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="local processes, or Ray Data actors (pip install 'hybrid[ray]'; joins the cluster "
                        "named by RAY_ADDRESS, else starts Ray on this machine)")
    p.add_argument("--out", metavar="DIR",
                   help="write per-row results as sharded JSONL (DIR/part-K.jsonl, a ledger and a manifest)")
    p.add_argument("--resume", action="store_true",
                   help="with --out: continue the run in DIR, skipping the shards already finished")
    p.add_argument("--shard-rows", type=int, default=None, metavar="N",
                   help="rows per shard when the input is one file (default 2000; a directory of "
                        "*.jsonl/*.csv/*.parquet files is one shard per file)")
    p.add_argument("--output-format", choices=("jsonl", "parquet"), default="jsonl",
                   help="with --out: write the per-row results as part-K.jsonl or part-K.parquet")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--min-confidence", type=float, default=0.0, metavar="P",
                   help="abstain below this confidence (abstained rows count as not answered)")
    p.add_argument("--calibration", action="store_true",
                   help="print the reliability table (confidence bins -> observed accuracy, ECE) per family")
    p.add_argument("--coverage", action="store_true", help="print the accuracy/coverage curve per family")
    p.add_argument("--folds", type=int, default=None, metavar="K",
                   help="with --calibration/--coverage: nested K-fold check, catalogs rebuilt from the other "
                        "folds' rows (default 2; 0 = in-sample, shipped catalogs)")
    p.add_argument("--plot-dir", metavar="DIR", help="with --calibration: write reliability_<family>.png here")
    p.set_defaults(func=_cmd_eval)


def _add_demo(sub):
    p = sub.add_parser("demo", help="solve the bundled sample puzzles; print answers, rules, accuracy")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_demo)


def _add_build(sub):
    p = sub.add_parser("build-catalog", help="rebuild the catalogs (deterministic)")
    p.add_argument("--data", help="labelled CSV to learn vocabularies/priors from (default ../shared/data/dev.csv)")
    p.add_argument("--family", action="append", help="only these families (repeatable)")
    p.add_argument("--out", help="output directory (default: the catalog directory)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_cmd_build)


def _add_generate(sub):
    p = sub.add_parser("generate", help="generate fresh puzzles with gold answers, in the data's exact format")
    p.add_argument("family", help="family name, or 'all' for every family with a generator")
    p.add_argument("n", type=int, help="puzzles per family")
    p.add_argument("--seed", type=int, default=0, help="seed (the same seed gives the same puzzles)")
    p.add_argument("--out", default="-", help="output file (.csv: id,prompt,answer,family,rule; .jsonl; .parquet); - = stdout")
    p.add_argument("--format", choices=("csv", "jsonl", "parquet"), help="override the format chosen from --out (.parquet: Parquet, needs pyarrow)")
    p.add_argument("--uniform", action="store_true", help="draw rules evenly over the rule space, not as in the data")
    p.add_argument("--start", type=int, default=0, help="first puzzle index (to regenerate a slice)")
    p.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    from .engine.cli_args import add_engine_args

    add_engine_args(p, directory="--shards", unit="puzzles", default_shard_rows=10000, output_format=False,
                    directory_help="keep the run's parts here (part-K.csv|jsonl, a ledger, a manifest; a directory "
                                   "input for 'hybrid eval'); with --resume: continue it")
    p.set_defaults(func=_cmd_generate)


def _cmd_generate(args) -> int:
    from itertools import chain

    from ._files import check_output_path
    from .families import Family, family_names, get_family
    from .generate import generate, write_generated

    if args.family == "all":
        names = [n for n in family_names() if type(get_family(n)).generate is not Family.generate]
    else:
        _check_families([args.family])
        names = [args.family]
    if args.n < 0:
        raise HybridError(f"N must be >= 0, got {args.n}")
    if args.out != "-":
        check_output_path(args.out, force=args.force)
    if args.engine == "ray" or args.shards or args.resume or args.workers is not None:
        return _generate_sharded(args, names)
    rows = chain.from_iterable(generate(n, args.n, seed=args.seed, uniform=args.uniform, start=args.start)
                               for n in names)
    count = write_generated(rows, args.out, args.format, progress_total=args.n * len(names))
    if args.out != "-":
        print(f"wrote {count} puzzles ({', '.join(names)}) to {args.out}", file=sys.stderr)
    return 0


def _generate_sharded(args, names) -> int:
    """``generate --engine ray`` / ``--shards DIR``: shard by shard, resumable, then joined."""
    from .engine.generating import generate_run

    if args.resume and not args.shards:
        raise HybridError("--resume needs --shards DIR (the run to continue)")
    if args.workers is not None and args.workers < 0:
        raise HybridError(f"--workers must be >= 0, got {args.workers}")
    workers = (1 if args.engine == "local" else None) if args.workers is None else (args.workers or None)
    s = generate_run(names, args.n, args.out, seed=args.seed, uniform=args.uniform, start=args.start,
                     fmt=args.format, engine=args.engine, workers=workers, shard_rows=args.shard_rows,
                     shards_dir=args.shards, resume=args.resume, progress=args.out != "-")
    print(f"{s.engine}: {len(s.finished)} shard(s) generated, {s.skipped} already done (of {s.shards}); "
          f"{s.rows} puzzles ({', '.join(names)})" + (f" in {args.out}" if args.out != "-" else ""), file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``hybrid`` command line's argument parser (every subcommand)."""
    parser = argparse.ArgumentParser(prog="hybrid", description="Catalog recall + verification puzzle solver")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"hybrid {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_add_solve, _add_eval, _add_demo, _add_build, _add_generate):
        add(sub)
    for add in _extra_commands():
        add(sub)
    return parser


def _extra_commands():
    """Subcommands contributed by optional modules (model-side commands, benchmarks)."""
    found = []
    for module in ("hybrid.model.cli",):
        try:
            mod = __import__(module, fromlist=["add_commands"])
        except ImportError:
            continue
        found.extend(getattr(mod, "COMMANDS", ()))
    return found


def _recaller(spec: str | None):
    if not spec or spec == "prior":
        return None
    if spec.startswith("lm:"):
        try:
            from .model.recaller import LMRecaller
        except ImportError as exc:
            raise HybridError(f"--recaller lm: needs the model extra (pip install 'hybrid[model]'): {exc}") from None
        return LMRecaller.from_spec(spec[3:])
    raise HybridError(f"unknown recaller {spec!r}; use 'prior' or 'lm:PATH[,adapter=PATH]'")


def _check_families(names) -> None:
    from .families import family_names

    known = family_names()
    for f in names or ():
        if f not in known:
            raise HybridError(f"--family: unknown family {f!r}; expected one of {', '.join(known)}")


def _time_limit(args):
    from .pipeline import DEFAULT_TIME_LIMIT

    t = DEFAULT_TIME_LIMIT if args.time_limit is None else args.time_limit
    if not t > 0:
        raise HybridError(f"--time-limit must be > 0 seconds, got {t} (use --no-search to skip the search)")
    return t


def _cmd_solve(args) -> int:
    from .parse import MAX_PROMPT_CHARS
    from .pipeline import solve

    if args.file:
        from ._files import read_regular_text

        prompt = read_regular_text(args.file, "prompt file", max_bytes=MAX_PROMPT_CHARS * 4)
    elif args.prompt and args.prompt != "-":
        prompt = args.prompt
    else:
        prompt = sys.stdin.read(MAX_PROMPT_CHARS + 1)
    sol = solve(prompt, recaller=_recaller(args.recaller), search=not args.no_search, time_limit=_time_limit(args),
                min_confidence=args.min_confidence)
    if args.json:
        print(json.dumps(sol.to_dict(), ensure_ascii=False))
    else:
        print(sol.answer if sol.answer is not None else "(no answer)")
        conf = "-" if sol.confidence is None else f"{sol.confidence:.3f}"
        print(f"status: {sol.status}  confidence: {conf}  proof: {sol.proof}  family: {sol.family}  method: {sol.method}  "
              f"consistent: {sol.n_consistent}  verifications: {sol.n_verifications}  "
              f"time: {sol.timings.get('total', 0):.1f} ms")
        if sol.rule:
            print(f"rule: {sol.rule}")
        if sol.note:
            print(f"note: {sol.note}")
        for ans, rule, _ in sol.alternatives[:3]:
            print(f"also consistent: {ans}  ({rule})")
    return 0 if sol.answer is not None else 1


def _cmd_calibration(args) -> int:
    from .calibration import calibration_report, collect_outcomes, format_calibration, kfold_outcomes, plot_reliability

    folds = 2 if args.folds is None else args.folds
    log = (lambda m: print(m, file=sys.stderr)) if not (args.no_progress or args.json) else None
    if folds == 0:
        outs = collect_outcomes(args.csv, families=args.family, time_limit=_time_limit(args),
                                workers=None if args.workers == 0 else args.workers)
    else:
        outs = kfold_outcomes(args.csv, folds=folds, families=args.family, time_limit=_time_limit(args), log=log)
    rep = calibration_report(outs, folds=folds)
    plots = [str(p) for p in plot_reliability(rep, args.plot_dir)] if args.plot_dir else []
    if args.json:
        print(json.dumps({**rep.to_dict(), "plots": plots}, ensure_ascii=False))
    else:
        print(format_calibration(rep, coverage=args.coverage))
        for p in plots:
            print(f"wrote {p}")
    return 0


def _cmd_eval_sharded(args):
    """``eval --engine ray`` or ``eval --out DIR``: a sharded, resumable run, then the report."""
    import tempfile
    import time

    from .engine import eval_report, iter_results, run
    from .engine.shards import lookup_prompts

    for flag, bad in (("--calibration", args.calibration), ("--coverage", args.coverage), ("--limit", args.limit)):
        if bad:
            raise HybridError(f"{flag} works with the local engine without --out only")
    if args.resume and not args.out:
        raise HybridError("--resume needs --out DIR (the run to continue)")
    if args.workers is not None and args.workers < 0:
        raise HybridError(f"--workers must be >= 0, got {args.workers}")
    if args.workers is None:  # the default: one process locally, every CPU on Ray
        workers = 1 if args.engine == "local" else None
    else:
        workers = args.workers or None  # 0: every core
    progress = not (args.no_progress or args.json)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hybrid-eval-") as tmp:
        out = args.out or os.path.join(tmp, "run")
        summary = run(args.csv, out, engine=args.engine, workers=workers, shard_rows=args.shard_rows,
                      resume=args.resume, search=not args.no_search, time_limit=_time_limit(args),
                      min_confidence=args.min_confidence, families=args.family, recaller=args.recaller,
                      progress=progress, output=args.output_format)
        rep = eval_report(iter_results(out), seconds=time.perf_counter() - t0, keep_wrong=args.show_wrong)
        missing = [w["id"] for w in rep.wrong if "error" not in w]
        if missing:
            found = lookup_prompts(out, missing)
            for w in rep.wrong:
                if "error" not in w:
                    w["prompt"] = found.get(w["id"], "")
    if args.out and not args.json:
        print(f"{summary.engine}: {len(summary.finished)} shard(s) solved, {summary.skipped} already done "
              f"(of {summary.shards}); results in {args.out}", file=sys.stderr)
    return rep


def _cmd_eval(args) -> int:
    from .evaluate import evaluate, format_report

    _check_families(args.family)
    if args.engine == "ray" or args.out or args.resume:
        rep = _cmd_eval_sharded(args)
    elif args.calibration or args.coverage:
        args.workers = 1 if args.workers is None else args.workers
        return _cmd_calibration(args)
    else:
        workers = 1 if args.workers is None else args.workers
        rep = evaluate(args.csv, families=args.family, limit=args.limit, recaller=_recaller(args.recaller),
                       search=not args.no_search, time_limit=_time_limit(args),
                       progress=not (args.no_progress or args.json), keep_wrong=args.show_wrong,
                       workers=None if workers == 0 else workers, min_confidence=args.min_confidence)
    if args.json:
        print(json.dumps(rep.to_dict(), ensure_ascii=False))
        return 0
    print(format_report(rep))
    for w in rep.wrong:
        print()
        if "error" in w:
            print(f"[{w['family']}] {w['id']}: error: {w['error']}")
            continue
        print(f"[{w['family']}] {w['id']}: expected {w['expected']!r}, got {w['got']!r} ({w['status']})")
        print(f"  rule: {w['rule']}")
        print("  " + w["prompt"].replace("\n", "\n  "))
    return 0


def _cmd_demo(args) -> int:
    from .data import sample_csv
    from .evaluate import evaluate, format_report

    out = []

    def show(row, sol):
        if isinstance(sol, Exception):
            out.append({"id": row.id, "error": str(sol)})
            return
        out.append({"family": sol.family, "answer": sol.answer, "expected": row.answer, "status": sol.status,
                    "rule": sol.rule})
        if not args.json:
            mark = "ok " if sol.answer == row.answer else "XX "
            print(f"{mark}{sol.family:17s} {str(sol.answer):32s} [{sol.status}] {(sol.rule or '')[:90]}")

    rep = evaluate(sample_csv(), on_result=show)
    if args.json:
        print(json.dumps({"rows": out, "report": rep.to_dict()}, ensure_ascii=False))
    else:
        print()
        print(format_report(rep))
    return 0


def _cmd_build(args) -> int:
    from .build import build_all
    _check_families(args.family)
    build_all(data=args.data, families=args.family, directory=args.out, progress=not args.no_progress)
    return 0


def main(argv=None) -> int:
    """Run the ``hybrid`` command line; returns the exit status (0 ok, 1 internal error or failed check, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except InternalError as exc:  # a bug inside a solve, wrapped: one line, status 1
        if os.environ.get("HYBRID_DEBUG"):
            raise
        print(f"hybrid: internal error: {' '.join(str(exc).split())} (set HYBRID_DEBUG=1 to see the traceback)",
              file=sys.stderr)
        return 1
    except HybridError as exc:
        print(f"hybrid: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hybrid: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug, not bad input: still one line, unless asked for the traceback
        if os.environ.get("HYBRID_DEBUG"):
            raise
        msg = " ".join(str(exc).split())
        print(f"hybrid: internal error: {type(exc).__name__}: {msg} (set HYBRID_DEBUG=1 to see the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
