#!/usr/bin/env python
"""Old trace grammar (version 1) vs new (version 2): train the same tiny CPU model on each, generate
on held-out dev rows, grade with ``hybrid grade --audit`` (issue 11, item 4).

    nice python -m benchmarks.bench_recall_grammar [--data ../shared/data/dev.csv] [--out /tmp/recall_grammar]
        [--train-rows 40] [--eval-rows 10] [--base-steps 150] [--steps 50] [--batch-size 4] [--gen-batch 35]
        [--max-length 2048] [--top-k 4] [--seed 0] [--threads 1] [--md PATH] [--json PATH]

What it does, seeded end to end (split, batches, initial weights; greedy decoding):

1. The dev rows are split by the prompt hash ``train-recall`` uses (``hybrid.model.split``, 20%
   held out, seed 0). From the *training* side, per family, the first ``--train-rows`` rows (file
   order) for which both grammars export a trace (``iter_records``: statuses deduced, ambiguous
   and guessed; rows whose answer differs from the label skipped) and whose grammar-2 record fits
   ``--max-length`` characters (= tokens of the char tokenizer). The *same rows* go into both
   training files, so the grammars differ in layout only.
2. For each grammar: ``train_recall(..., tiny=True)`` (the ``hybrid train-recall OUT --tiny
   --traces FILE`` path: a Llama of 2 layers, hidden 128, with a char tokenizer; ``--base-steps``
   full steps, then ``--steps`` LoRA r=8 steps), validation loss on 16 held-out traces.
3. Greedy generation (``hybrid.model.generate``) on the first ``--eval-rows`` held-out rows of each
   family (every held-out row, whatever its status: nothing is filtered by whether the library
   solves it), ``max_new_tokens`` = the longest training trace of that grammar + 64.
4. ``hybrid.grade(..., audit=True, grammar=N)``: accuracy (strict, tolerant), boxed answers, trace-ok
   rate, line verdicts, and the false-"ok" rate per family.

Writes OUT/train_v{1,2}.jsonl, OUT/model_v{1,2}/, OUT/gen_v{1,2}.jsonl, OUT/grade_v{1,2}.json and a
markdown table (``--md``, default OUT/report.md).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

__all__ = ["main", "select_rows", "run_grammar", "format_table"]

_ROOT = Path(__file__).resolve().parents[1]


def select_rows(tasks, per_family: int, max_chars: int, top_k: int, time_limit: float):
    """``{grammar: [records]}`` for the same training rows in both grammars (see the docstring)."""
    from hybrid.model.traces import iter_records

    out = {1: [], 2: []}
    count: dict = {}
    for task in tasks:
        if count.get(task.family, 0) >= per_family:
            continue
        kw = dict(statuses=("deduced", "ambiguous", "guessed"), time_limit=time_limit)
        r2 = list(iter_records([task], grammar=2, k=top_k, **kw))
        r1 = list(iter_records([task], grammar=1, **kw))
        if not (r1 and r2):
            continue
        if 2 + sum(len(m["content"]) + 1 for m in r2[0]["messages"]) > max_chars:
            continue
        r1[0]["id"] = task.meta.get("id")
        out[1].append(r1[0])
        out[2].append(r2[0])
        count[task.family] = count.get(task.family, 0) + 1
    return out


def run_grammar(g: int, records, val_records, eval_tasks, data: str, out: Path, args, log) -> dict:
    """Train on ``records`` (grammar ``g``), generate on ``eval_tasks``, grade; returns the report."""
    from hybrid.model.generate import generate_for_tasks
    from hybrid.model.grade import grade
    from hybrid.model.recaller import LMRecaller
    from hybrid.model.train import items_from_traces, train_recall

    mdir = out / f"model_v{g}"
    items = items_from_traces(records)
    val = items_from_traces(val_records)[:16]
    t0 = time.perf_counter()
    res = train_recall(items, str(mdir), tiny=True, steps=args.steps, base_steps=args.base_steps, lr=3e-3,
                       base_lr=3e-3, batch_size=args.batch_size, rank=8, context="prompt", seed=args.seed,
                       max_length=args.max_length, threads=args.threads, progress=False, val_items=val,
                       checkpoint_every=50, tiny_kwargs={"hidden": 128, "layers": 2, "heads": 4})
    train_s = time.perf_counter() - t0
    logs = [json.loads(line) for line in open(mdir / "train_log.jsonl", encoding="utf-8")]
    losses = {st: [r["loss"] for r in logs if r.get("stage") == st and "loss" in r] for st in ("base", "lora")}
    vals = [r["val_loss"] for r in logs if "val_loss" in r]
    log(f"grammar {g}: trained {res['items']} items in {train_s:.0f} s; last loss {losses['lora'][-1:]}, "
        f"val {vals[-1:]}")
    rec = LMRecaller.load(str(mdir), device="cpu")
    longest = max(len(r["messages"][-1]["content"]) for r in records)
    t0 = time.perf_counter()
    gens = generate_for_tasks(rec, eval_tasks, max_new_tokens=longest + 64, batch_size=args.gen_batch)
    gen_s = time.perf_counter() - t0
    with open(out / f"gen_v{g}.jsonl", "w", encoding="utf-8") as fh:
        for x in gens:
            fh.write(json.dumps(x, ensure_ascii=False) + "\n")
    log(f"grammar {g}: generated {len(gens)} in {gen_s:.0f} s")
    rep = grade(gens, data, audit=True, grammar=g, time_limit=1.0, per_row=True)
    rep["train"] = {"items": res["items"], "seconds": round(train_s, 1), "base_loss_last": losses["base"][-1:],
                    "lora_loss_last": losses["lora"][-1:], "val_loss": vals, "finished": res["finished"]}
    rep["generate_seconds"] = round(gen_s, 1)
    rep["max_new_tokens"] = longest + 64
    (out / f"grade_v{g}.json").write_text(json.dumps(rep, ensure_ascii=False, indent=1))
    return rep


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def format_table(reps: dict) -> str:
    """One row per (family, grammar): accuracy, boxed, trace ok, line verdicts, false-ok rate."""
    lines = ["| family | grammar | rows | strict | tolerant | boxed | trace ok | lines true/false/unparseable |"
             " ok checks | false-ok rate |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    fams = sorted({f for r in reps.values() for f in r["families"]})
    for f in [*fams, "all"]:
        for g in sorted(reps):
            d = reps[g]["overall"] if f == "all" else reps[g]["families"].get(f)
            if d is None:
                continue
            ln = d["lines"]
            lines.append(f"| {f} | v{g} | {d['rows']} | {_pct(d['strict_acc'])} | {_pct(d['tolerant_acc'])} | "
                         f"{d['boxed']} | {_pct(d['trace_ok_rate'])} | {ln['true']}/{ln['false']}/{ln['unparseable']}"
                         f" | {d['ok_checks']} | {_pct(d['false_ok_rate'])} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_recall_grammar", description=__doc__.split("\n")[0])
    p.add_argument("--data", default=str(_ROOT.parent / "shared" / "data" / "dev.csv"))
    p.add_argument("--out", type=Path, default=Path("/tmp/recall_grammar"))
    p.add_argument("--train-rows", type=int, default=40, help="training rows per family (same rows, both grammars)")
    p.add_argument("--eval-rows", type=int, default=10, help="held-out rows per family to generate on")
    p.add_argument("--gen-batch", type=int, default=35, help="rows per generate call")
    p.add_argument("--base-steps", type=int, default=150)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--max-length", type=int, default=2048, help="tokens (= chars) per training sequence")
    p.add_argument("--top-k", type=int, default=4, help="grammar 2: hypotheses tried per equation trace")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--grammars", type=int, nargs="+", default=[1, 2], choices=(1, 2))
    p.add_argument("--md", type=Path, default=None, help="markdown report (default OUT/report.md)")
    p.add_argument("--json", type=Path, default=None, help="all results as JSON (default OUT/results.json)")
    args = p.parse_args(argv)

    import torch

    from hybrid.data import labelled_tasks
    from hybrid.model.split import DEFAULT_HOLDOUT, select

    torch.set_num_threads(args.threads)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    tasks = [t for t in labelled_tasks(args.data) if t.meta.get("answer") is not None]
    train = select(tasks, "train", DEFAULT_HOLDOUT, args.seed)
    held = select(tasks, "heldout", DEFAULT_HOLDOUT, args.seed)
    t0 = time.perf_counter()
    recs = select_rows(train, args.train_rows, args.max_length, args.top_k, time_limit=1.0)
    # Validation traces: held-out rows past the ones generated on, same selection rule.
    eval_tasks, per = [], {}
    rest = []
    for t in held:
        if per.get(t.family, 0) < args.eval_rows:
            per[t.family] = per.get(t.family, 0) + 1
            eval_tasks.append(t)
        else:
            rest.append(t)
    val = select_rows(rest, 3, args.max_length, args.top_k, time_limit=1.0)
    log(f"selected {len(recs[2])} training rows, {len(eval_tasks)} held-out rows to generate on "
        f"({time.perf_counter() - t0:.0f} s)")
    for g in args.grammars:
        with open(args.out / f"train_v{g}.jsonl", "w", encoding="utf-8") as fh:
            for r in recs[g]:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    reps = {}
    for g in args.grammars:
        reps[g] = run_grammar(g, recs[g], val[g], eval_tasks, args.data, args.out, args, log)
    table = format_table(reps)
    conf = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    head = [f"Tiny-model comparison, trace grammar v1 vs v2 (`python -m benchmarks.bench_recall_grammar`, {conf})", ""]
    for g, r in reps.items():
        tr = r["train"]
        head.append(f"* v{g}: {tr['items']} training traces, {tr['seconds']} s training (base loss "
                    f"{tr['base_loss_last']}, LoRA loss {tr['lora_loss_last']}, val loss {tr['val_loss'][-1:]}), "
                    f"{r['generate_seconds']} s generating (max {r['max_new_tokens']} new tokens)")
    md = "\n".join(head + ["", table, ""])
    (args.md or args.out / "report.md").write_text(md)
    (args.json or args.out / "results.json").write_text(json.dumps({"config": conf, "reports": reps}, indent=1))
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
