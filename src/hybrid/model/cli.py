"""Model-side subcommands, added to ``hybrid`` by the core CLI (``COMMANDS``).

    hybrid export-traces CSV OUT.jsonl [--family F ...] [--include-ambiguous] [--include-guessed]
                                       [--split all|train|heldout] [--limit N] [--no-search] [--force]
                                       [--grammar 2|1] [--top-k 8] [--keep-wrong] [--system TEXT]
                                       [--instruction TEXT] [--chat-template TOKDIR] [--max-chars N]
                                       [--max-tokens N --tokenizer DIR] [--ratio FAMILY=W ...]
                                       [--shuffle] [--val-fraction F]
    hybrid grade GENERATIONS.jsonl --data CSV [--audit] [--grammar 2|1|auto] [--json] [--plot-dir DIR] [--rows]
    hybrid generate-traces MODEL CSV OUT.jsonl [--split heldout] [--limit N] [--max-new-tokens 512] [--batch 8]
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
    p.add_argument("--time-limit", type=float, default=None, help="seconds for each solve")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.add_argument("--grammar", type=int, choices=(1, 2), default=2, help="trace grammar (2: working shown; 1: old)")
    p.add_argument("--top-k", type=int, default=8, help="equation families: hypotheses tried per trace (default 8)")
    p.add_argument("--keep-wrong", action="store_true",
                   help="also rows whose answer differs from the label, with their honest status (never rewritten)")
    p.add_argument("--system", default=None, help="system prompt (a first 'system' message)")
    p.add_argument("--instruction", default=None, help="instruction appended to the prompt (default: the \\boxed{} one)")
    p.add_argument("--chat-template", metavar="TOKDIR", default=None,
                   help="add 'text': the chat rendered by this local tokenizer's template, ending with EOS")
    p.add_argument("--tokenizer", metavar="DIR", default=None, help="local tokenizer for --max-tokens")
    p.add_argument("--max-tokens", type=int, default=None, help="drop records longer than N tokens (--tokenizer)")
    p.add_argument("--max-chars", type=int, default=None, help="drop records longer than N characters")
    p.add_argument("--ratio", action="append", default=None, metavar="FAMILY=W",
                   help="family mix weights (repeatable); families not named are dropped")
    p.add_argument("--shuffle", action="store_true", help="shuffle the records (seeded by --seed)")
    p.add_argument("--val-fraction", type=float, default=None,
                   help="also write OUT.val.jsonl: this fraction of rows by the train-recall prompt-hash split")
    from ..engine.cli_args import add_engine_args

    add_engine_args(p)
    p.set_defaults(func=_cmd_export)


def _cmd_export(args) -> int:
    from ..pipeline import DEFAULT_TIME_LIMIT

    statuses = ("deduced",) + (("ambiguous",) if args.include_ambiguous else ()) + (
        ("guessed",) if args.include_guessed else ())
    import os

    from .render import INSTRUCTION
    from .traces import TraceStats, check_output_path, iter_records, iter_shaped, shape_records, write_split

    tl = DEFAULT_TIME_LIMIT if args.time_limit is None else args.time_limit
    if tl <= 0:
        raise HybridError(f"--time-limit must be > 0, got {tl} (use --no-search to skip the fallback search)")
    if args.top_k < 1:
        raise HybridError(f"--top-k must be >= 1, got {args.top_k}")
    for name in ("max_chars", "max_tokens"):
        v = getattr(args, name)
        if v is not None and v < 1:
            raise HybridError(f"--{name.replace('_', '-')} must be >= 1, got {v}")
    if args.val_fraction is not None and not 0.0 < args.val_fraction < 1.0:
        raise HybridError(f"--val-fraction must be between 0 and 1, got {args.val_fraction}")
    if args.max_tokens is not None and not (args.tokenizer or args.chat_template):
        raise HybridError("--max-tokens needs --tokenizer DIR (or --chat-template DIR)")
    ratios = None
    if args.ratio:
        from ..families import FAMILY_NAMES

        ratios = {}
        for item in args.ratio:
            fam, sep, w = item.partition("=")
            try:
                weight = float(w)
            except ValueError:
                weight = -1.0
            if not sep or fam not in FAMILY_NAMES or weight < 0:
                raise HybridError(f"--ratio {item!r}: expected FAMILY=WEIGHT with a known family and a weight >= 0")
            ratios[fam] = weight
    outs = [args.out]
    if args.val_fraction is not None:
        root, ext = os.path.splitext(args.out)
        outs.append(f"{root}.val{ext or '.jsonl'}")
    for o in outs:
        check_output_path(o, [args.csv], args.force)
    if len(set(map(os.path.abspath, outs))) != len(outs):
        raise HybridError("the train and val outputs would be the same file")
    tok = None
    tok_dir = args.chat_template or args.tokenizer
    if tok_dir:
        if not os.path.isdir(tok_dir):
            raise HybridError(f"{tok_dir!r} is not a local tokenizer directory (nothing is downloaded)")
        try:
            from transformers import AutoTokenizer

            tok = AutoTokenizer.from_pretrained(tok_dir, local_files_only=True)
        except ImportError as exc:
            raise HybridError(f"--chat-template/--tokenizer need the model extra: {exc}") from None
        except (OSError, ValueError) as exc:
            raise HybridError(f"cannot load a tokenizer from {tok_dir}: {exc}") from None
        if args.chat_template and not getattr(tok, "chat_template", None):
            raise HybridError(f"{tok_dir}: the tokenizer has no chat template")
    from ..engine.cli_args import engine_kwargs, use_engine

    # Without --ratio and --shuffle every option is per record, so the export streams from the
    # solver (or the engine's work directory) to the output files in constant memory; ratios and
    # shuffling need every record at once.
    streaming = ratios is None and not args.shuffle
    shape = {"max_chars": args.max_chars, "max_tokens": args.max_tokens, "tokenizer": tok,
             "chat_template": bool(args.chat_template)}
    st = TraceStats()

    def sink(records):
        if streaming:
            return write_split(iter_shaped(records, stats=st, **shape), outs[0], outs[-1] if args.val_fraction else None,
                               args.val_fraction, args.seed)
        recs = shape_records(records, ratios=ratios, shuffle=args.shuffle, seed=args.seed, stats=st, **shape)
        return write_split(recs, outs[0], outs[-1] if args.val_fraction else None, args.val_fraction, args.seed)

    if use_engine(args):  # --engine ray, --work DIR, --workers N: sharded and resumable
        from ..engine import export_traces_run

        if args.limit is not None:
            raise HybridError("--limit works with the local engine without --work only")
        counts, run_stats, _ = export_traces_run(
            args.csv, **engine_kwargs(args), statuses=statuses, search=not args.no_search, time_limit=tl,
            grammar=args.grammar, k=args.top_k, wrong="keep" if args.keep_wrong else "skip",
            instruction=args.instruction, system=args.system, families=_families(args), split=args.split,
            holdout=args.holdout, seed=args.seed, sink=sink)
        skipped = st.skipped
        st = run_stats
        for why, n in skipped.items():
            st.skipped[why] = st.skipped.get(why, 0) + n
    else:
        counts = sink(iter_records(_tasks(args), statuses=statuses, search=not args.no_search, time_limit=tl,
                                   stats=st, progress=not args.no_progress, grammar=args.grammar, k=args.top_k,
                                   wrong="keep" if args.keep_wrong else "skip",
                                   instruction=args.instruction or INSTRUCTION, system=args.system))
    if args.val_fraction is not None:
        print(f"wrote {counts['train']} traces to {outs[0]} and {counts['val']} to {outs[1]} (val fraction "
              f"{args.val_fraction}, seed {args.seed})")
    else:
        print(f"wrote {counts['train']} traces to {args.out}")
    d = st.to_dict()
    d["by_family"] = counts["by_family"]
    line_note = f"; {st.lines_true}/{st.lines} trace lines true" if args.grammar == 2 else ""
    print(f"{st.rows} rows; {st.reverified}/{st.written} traces re-verified line by line{line_note}")
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
    p.add_argument("--val-traces", default=None, help="validation traces (.jsonl); default with --traces: its held-out rows")
    p.add_argument("--val-max", type=int, default=64, help="at most N validation items (loss logged at checkpoints)")
    p.add_argument("--dtype", choices=("auto", "float32", "bfloat16", "float16"), default=None,
                   help="load dtype of --base")
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
    val_items = []
    if args.traces:
        recs = read_records(args.traces)
        if fams:
            recs = [r for r in recs if r.get("family") in fams]
        # Held-out rows stay out of training here too, by the same prompt-hash split.
        from .split import is_heldout
        from .traces import record_prompt

        held = [is_heldout(record_prompt(r), args.holdout, args.seed) for r in recs]
        val_items = items_from_traces([r for r, h in zip(recs, held, strict=True) if h])[: args.val_max]
        if args.val_traces:
            val_items = items_from_traces(read_records(args.val_traces))[: args.val_max]
        items = items_from_traces([r for r, h in zip(recs, held, strict=True) if not h])
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
                       progress=not args.no_progress, val_items=val_items, dtype=args.dtype)
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


# ---------------------------------------------------------------------- grade
def _add_grade(sub):
    p = sub.add_parser("grade", help="score a model's generations (final answers; --audit: every trace line)")
    p.add_argument("generations", help="JSON lines: {id, text} or chat records (messages)")
    p.add_argument("--data", required=True, help="labelled CSV (id,prompt,answer)")
    p.add_argument("--audit", action="store_true", help="check every trace line under the trace grammar")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--rows", action="store_true", help="with --json: one entry per generation too")
    p.add_argument("--plot-dir", default=None, help="with --audit: write first_false_<family>.png here")
    p.add_argument("--time-limit", type=float, default=None, help="seconds per solve (the puzzle's status)")
    p.add_argument("--grammar", choices=("2", "1", "auto"), default="2",
                   help="with --audit: the trace grammar (2: Try/Check/Apply/Status; 1: the old Recall layout; "
                        "auto: per generation)")
    from ..engine.cli_args import add_engine_args

    add_engine_args(p)
    p.set_defaults(func=_cmd_grade)


def _cmd_grade(args) -> int:
    from .grade import format_grade, grade, plot_first_false

    gram = args.grammar if args.grammar == "auto" else int(args.grammar)
    from ..engine.cli_args import engine_kwargs, use_engine

    if use_engine(args):  # --engine ray, --work DIR, --workers N: sharded and resumable
        from ..engine import grade_run

        rep, _ = grade_run(args.generations, args.data, audit=args.audit, time_limit=args.time_limit,
                           per_row=args.rows, grammar=gram, **engine_kwargs(args))
    else:
        rep = grade(args.generations, args.data, audit=args.audit, time_limit=args.time_limit, per_row=args.rows,
                    grammar=gram)
    if args.plot_dir:
        if not args.audit:
            raise HybridError("--plot-dir needs --audit")
        paths = plot_first_false(rep, args.plot_dir)
        if not paths:
            print("matplotlib is not installed (bench extra): no plots written", file=sys.stderr)
        rep["plots"] = paths
    if args.json:
        print(json.dumps(rep, ensure_ascii=False))
    else:
        print(format_grade(rep))
        for pth in rep.get("plots", []):
            print(f"wrote {pth}")
    return 0


# ---------------------------------------------------------------------- generate-traces
def _add_gen(sub):
    p = sub.add_parser("generate-traces", help="greedy generations of a trace-trained model, for hybrid grade")
    p.add_argument("model", help="what --recaller lm: takes: DIR (a train-recall output) [,adapter=DIR][,device=...]")
    p.add_argument("csv", help="labelled CSV (id,prompt,answer)")
    p.add_argument("out", help="output .jsonl ({id, family, prompt, text} per row)")
    _split_args(p, "heldout")
    p.add_argument("--max-new-tokens", type=int, default=512, help="tokens written per row at most (default 512)")
    p.add_argument("--batch", type=int, default=8, help="rows per generate call")
    p.add_argument("--system", default=None, help="system prompt (as given to export-traces)")
    p.add_argument("--instruction", default=None, help="instruction text (as given to export-traces)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--force", action="store_true", help="overwrite an existing output")
    p.set_defaults(func=_cmd_gen)


def _cmd_gen(args) -> int:
    _need_model_extra()
    import torch

    from .generate import generate_for_tasks
    from .recaller import LMRecaller
    from .render import INSTRUCTION
    from .traces import check_output_path, write_records

    if args.max_new_tokens < 1 or args.batch < 1:
        raise HybridError("--max-new-tokens and --batch must be >= 1")
    check_output_path(args.out, [args.csv], args.force)
    torch.set_num_threads(max(1, args.threads))
    rec = LMRecaller.from_spec(args.model)
    tasks = _tasks(args)
    gens = generate_for_tasks(rec, tasks, max_new_tokens=args.max_new_tokens, batch_size=args.batch,
                              instruction=args.instruction or INSTRUCTION, system=args.system)
    write_records(args.out, gens)
    print(f"wrote {len(gens)} generations to {args.out}")
    return 0


COMMANDS = (_add_export, _add_train, _add_report, _add_grade, _add_gen)
