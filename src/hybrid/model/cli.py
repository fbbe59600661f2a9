"""Model-side subcommands, added to ``hybrid`` by the core CLI (``COMMANDS``).

    hybrid export-traces CSV OUT.jsonl [--family F ...] [--include-ambiguous] [--include-guessed]
                                       [--split all|train|heldout] [--limit N] [--no-search]
    hybrid train-recall OUT (--tiny | --base DIR) [--traces FILE.jsonl | --data CSV] [--rank 8]
                            [--target-modules q_proj,v_proj] [--steps N] [--base-steps N] ...
    hybrid recall-report CSV [--recaller prior] [--recaller lm:SPEC ...] [--split heldout] [--json]

This module imports without torch; the commands that need it say so with a ``HybridError``.
"""

from __future__ import annotations

import json
import sys

from ..errors import HybridError

__all__ = ["COMMANDS"]


def _families(args):
    from ..families import FAMILY_NAMES

    for f in args.family or ():
        if f not in FAMILY_NAMES:
            raise HybridError(f"--family: unknown family {f!r}; expected one of {', '.join(FAMILY_NAMES)}")
    return args.family or None


def _tasks(args):
    import os

    from ..data import labelled_tasks
    from .split import select

    if not os.path.isfile(args.csv):
        raise HybridError(f"{args.csv}: no such file")
    if not 0.0 < args.holdout < 1.0:
        raise HybridError(f"--holdout must be between 0 and 1, got {args.holdout}")
    tasks = [t for t in labelled_tasks(args.csv, families=_families(args)) if t.meta.get("answer") is not None]
    tasks = select(tasks, args.split, args.holdout, args.seed)
    if args.limit is not None:
        if args.limit < 1:
            raise HybridError(f"--limit must be >= 1, got {args.limit}")
        per: dict = {}
        kept = []
        for t in tasks:
            per[t.family] = per.get(t.family, 0) + 1
            if per[t.family] <= args.limit:
                kept.append(t)
        tasks = kept
    if not tasks:
        raise HybridError(f"{args.csv}: no labelled rows for these families and split")
    return tasks


def _split_args(p, default: str):
    from .split import DEFAULT_HOLDOUT, DEFAULT_SEED

    p.add_argument("--family", action="append", help="only these families (repeatable)")
    p.add_argument("--split", choices=("all", "train", "heldout"), default=default,
                   help=f"which side of the prompt-hash split to use (default {default})")
    p.add_argument("--holdout", type=float, default=DEFAULT_HOLDOUT, help="held-out fraction of the split")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the split")
    p.add_argument("--limit", type=int, help="at most N rows per family")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _need_model_extra():
    try:
        import peft  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        raise HybridError(f"this command needs the model extra (pip install 'hybrid[model]'): {exc}") from None


# ---------------------------------------------------------------------- export-traces
def _add_export(sub):
    p = sub.add_parser("export-traces", help="write recall+verification traces (chat JSONL) for solved rows")
    p.add_argument("csv", help="labelled CSV (id,prompt,answer)")
    p.add_argument("out", help="output .jsonl file")
    _split_args(p, "all")
    p.add_argument("--include-ambiguous", action="store_true", help="also rows solved with status ambiguous")
    p.add_argument("--include-guessed", action="store_true", help="also rows solved with status guessed")
    p.add_argument("--no-search", action="store_true", help="do not run the CP-SAT fallback")
    p.add_argument("--time-limit", type=float, default=None, help="seconds for each fallback search")
    p.set_defaults(func=_cmd_export)


def _cmd_export(args) -> int:
    from ..pipeline import DEFAULT_TIME_LIMIT
    from .traces import export_traces

    statuses = ("deduced",) + (("ambiguous",) if args.include_ambiguous else ()) + (
        ("guessed",) if args.include_guessed else ())
    tl = DEFAULT_TIME_LIMIT if args.time_limit is None else args.time_limit
    if tl < 0:
        raise HybridError(f"--time-limit must be >= 0, got {tl}")
    tasks = _tasks(args)
    st = export_traces(tasks, args.out, statuses=statuses, search=not args.no_search, time_limit=tl,
                       progress=not args.no_progress)
    d = st.to_dict()
    print(f"wrote {st.written} traces of {st.rows} rows to {args.out}; "
          f"{st.reverified}/{st.written} re-verified line by line")
    for f, n in d["by_family"].items():
        print(f"  {f}: {n}")
    for why, n in d["skipped"].items():
        print(f"  skipped ({why}): {n}")
    return 0


# ---------------------------------------------------------------------- train-recall
def _add_train(sub):
    p = sub.add_parser("train-recall", help="LoRA-tune a local causal LM to rank candidates (peft)")
    p.add_argument("out", help="output directory (adapter/, base/ with --tiny, checkpoints, log)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--traces", help="train on exported traces (.jsonl) instead of (prompt -> candidate) pairs")
    src.add_argument("--data", help="labelled CSV for (prompt -> correct candidate) pairs (default: the dev CSV)")
    model = p.add_mutually_exclusive_group(required=True)
    model.add_argument("--base", help="local base model directory (never downloaded)")
    model.add_argument("--tiny", action="store_true", help="build a small model + char tokenizer from the data")
    from .split import DEFAULT_HOLDOUT, DEFAULT_SEED

    p.add_argument("--family", action="append", help="only these families (repeatable)")
    p.add_argument("--holdout", type=float, default=DEFAULT_HOLDOUT, help="fraction of rows held out (not trained on)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the split and of training")
    p.add_argument("--limit", type=int, help="at most N training items")
    p.add_argument("--rank", type=int, default=8, help="LoRA rank (1..32)")
    p.add_argument("--alpha", type=int, default=None, help="LoRA alpha (default 2 x rank)")
    p.add_argument("--target-modules", default=None, help="comma-separated module names (default: peft's for the architecture)")
    p.add_argument("--steps", type=int, default=300, help="LoRA steps")
    p.add_argument("--base-steps", type=int, default=None, help="--tiny: full steps on the base first (default 2 x --steps)")
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--negatives", type=int, default=3, help="pairs: other candidates per item for the ranking loss")
    p.add_argument("--rank-weight", type=float, default=1.0, help="weight of the ranking loss (0 = plain LM loss)")
    p.add_argument("--context", choices=("compact", "prompt"), default="compact", help="pairs: how the task is shown")
    p.add_argument("--max-length", type=int, default=512, help="tokens per sequence (the tiny model's positions)")
    p.add_argument("--max-minutes", type=float, default=None, help="stop after this long (resume by re-running)")
    p.add_argument("--checkpoint-every", type=int, default=50)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (the machine is shared)")
    p.add_argument("--no-resume", action="store_true", help="ignore existing checkpoints")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_cmd_train)


def _cmd_train(args) -> int:
    _need_model_extra()
    from ..data import default_dev_csv, labelled_tasks
    from .split import select
    from .traces import read_records
    from .train import items_from_tasks, items_from_traces, train_recall

    fams = _families(args)
    if not 0.0 <= args.holdout < 1.0:
        raise HybridError(f"--holdout must be in [0, 1), got {args.holdout}")
    for name in ("steps", "batch_size", "checkpoint_every", "max_length"):
        if getattr(args, name) < 1:
            raise HybridError(f"--{name.replace('_', '-')} must be >= 1")
    context = args.context
    if args.traces:
        recs = read_records(args.traces)
        if fams:
            recs = [r for r in recs if r.get("family") in fams]
        # Held-out rows stay out of training here too, by the same prompt-hash split.
        from .render import INSTRUCTION
        from .split import is_heldout

        recs = [r for r in recs if not is_heldout(r["messages"][0]["content"][: -len(INSTRUCTION) - 1].strip(),
                                                  args.holdout, args.seed)]
        items = items_from_traces(recs)
        context = "prompt"
    else:
        path = args.data or str(default_dev_csv())
        import os

        if not os.path.isfile(path):
            raise HybridError(f"{path}: no such file")
        tasks = [t for t in labelled_tasks(path, families=fams) if t.meta.get("answer") is not None]
        tasks = select(tasks, "train", args.holdout, args.seed) if args.holdout > 0 else tasks
        print(f"building (prompt -> candidate) pairs from {len(tasks)} training rows ...", file=sys.stderr)
        items = items_from_tasks(tasks, context=context, negatives=args.negatives)
    if args.limit:
        items = items[: args.limit]
    targets = [m.strip() for m in args.target_modules.split(",")] if args.target_modules else None
    base_steps = (2 * args.steps if args.base_steps is None else args.base_steps) if args.tiny else 0
    res = train_recall(items, args.out, base=args.base, tiny=args.tiny, rank=args.rank, alpha=args.alpha,
                       target_modules=targets, steps=args.steps, base_steps=base_steps, lr=args.lr,
                       base_lr=args.lr, batch_size=args.batch_size, rank_weight=args.rank_weight, context=context,
                       checkpoint_every=args.checkpoint_every, resume=not args.no_resume, seed=args.seed,
                       max_length=args.max_length, max_minutes=args.max_minutes, threads=args.threads,
                       progress=not args.no_progress)
    print(json.dumps(res))
    if not res["finished"]:
        print(f"stopped at {res['stage']} step {res['step']}: re-run the same command to resume", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------- recall-report
def _add_report(sub):
    p = sub.add_parser("recall-report", help="compare recallers (R@1, R@8, verifications, ambiguous/guess accuracy)")
    p.add_argument("csv", help="labelled CSV (id,prompt,answer)")
    p.add_argument("--recaller", action="append", help="prior | lm:PATH[,adapter=PATH] (repeatable; default: prior)")
    _split_args(p, "heldout")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads for LM recallers")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=_cmd_report)


def _cmd_report(args) -> int:
    from ..recall import PriorRecaller
    from .report import format_report, recall_report

    specs = args.recaller or ["prior"]
    recallers = {}
    for spec in specs:
        if spec == "prior":
            recallers["prior"] = PriorRecaller()
        elif spec.startswith("lm:"):
            _need_model_extra()
            import torch

            torch.set_num_threads(max(1, args.threads))
            from .recaller import LMRecaller

            recallers[spec] = LMRecaller.from_spec(spec[3:])
        else:
            raise HybridError(f"unknown recaller {spec!r}; use 'prior' or 'lm:PATH[,adapter=PATH]'")
    tasks = _tasks(args)
    rep = recall_report(tasks, recallers, progress=not (args.no_progress or args.json))
    rep["split"] = {"split": args.split, "holdout": args.holdout, "seed": args.seed, "rows": len(tasks)}
    if args.json:
        print(json.dumps(rep, ensure_ascii=False))
    else:
        print(format_report(rep))
    return 0


COMMANDS = (_add_export, _add_train, _add_report)
