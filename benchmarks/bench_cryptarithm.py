#!/usr/bin/env python
"""Latency of the cryptarithm paths on the same dev rows: catalog recall + numba join (after
warm-up), CP-SAT, and optionally the python-constraint baseline.

    .venv/bin/python benchmarks/bench_cryptarithm.py [--data ../shared/data/dev.csv]
        [--rows 60] [--time-limit 10] [--baseline] [--json]
    .venv/bin/python benchmarks/bench_cryptarithm.py --ceiling [--json]

The catalog path is timed on every cryptarithm row (it is cheap); the search paths on the first
``--rows`` rows. Each path's median and p95 are printed side by side, with the share of rows
where the path's top answer matches the labelled one and the share it proved complete (every
answer of a consistent rule represented: the proof behind ``deduced``).

``--ceiling`` instead splits the rows by what the prompt shows (query operator seen or not; every
answer glyph shown somewhere in the prompt or not) and counts the rows ``hybrid.solve`` gets right
in each cell: the table behind the ceiling argument in docs/families/cryptarithm.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from hybrid.data import default_dev_csv, labelled_tasks
from hybrid.families import get_family
from hybrid.families.base import SearchResult
from hybrid.families.cryptarithm.baseline import search_python_constraint
from hybrid.families.cryptarithm.search import search_cpsat


def _time(fn, tasks):
    """Latency of ``fn`` (a list of hypotheses or a ``SearchResult``) per task, its top-1 rate,
    and how often it proved its answers complete (``complete`` status)."""
    ms, hits, complete = [], 0, 0
    for t in tasks:
        t0 = time.perf_counter()
        got = fn(t)
        ms.append((time.perf_counter() - t0) * 1000.0)
        hyps = got.hypotheses if isinstance(got, SearchResult) else got
        complete += (got.status if isinstance(got, SearchResult) else "complete") == "complete"
        hits += bool(hyps) and hyps[0].answer == t.meta["answer"]
    a = np.array(ms)
    return {"rows": len(tasks), "median_ms": float(np.median(a)), "p95_ms": float(np.percentile(a, 95)),
            "max_ms": float(a.max()), "top1_exact": hits / max(1, len(tasks)),
            "complete": complete / max(1, len(tasks))}


def ceiling_table(tasks) -> list[dict]:
    """Rows and correct answers per (query operator seen?, answer glyphs all shown?) cell."""
    import hybrid

    cells: dict[tuple[bool, bool], list[int]] = {}
    for t in tasks:
        shown = set(t.query)
        for e in t.examples:
            shown |= set(e.source) | set(e.target)
        key = (t.query[2] in {e.source[2] for e in t.examples}, set(t.meta["answer"]) <= shown)
        cell = cells.setdefault(key, [0, 0])
        cell[0] += 1
        cell[1] += hybrid.solve(t).answer == t.meta["answer"]
    return [{"query_operator_seen": k[0], "answer_glyphs_shown": k[1], "rows": v[0], "correct": v[1]}
            for k, v in sorted(cells.items(), reverse=True)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(default_dev_csv()))
    ap.add_argument("--rows", type=int, default=60, help="rows for the search paths")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--baseline", action="store_true", help="also time python-constraint")
    ap.add_argument("--ceiling", action="store_true",
                    help="only the rows/correct table by what the prompt shows (no timing)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    fam = get_family("cryptarithm")
    index = fam._index()
    tasks = [t for t in labelled_tasks(args.data) if t.family == "cryptarithm"]
    if not tasks:
        print("no cryptarithm rows in", args.data, file=sys.stderr)
        return 1
    if args.ceiling:
        table = ceiling_table(tasks)
        if args.json:
            print(json.dumps(table, indent=2))
            return 0
        print(f"{'query operator':16s} {'answer glyphs':14s} {'rows':>5s} {'correct':>8s}")
        for c in table:
            print(f"{'seen' if c['query_operator_seen'] else 'unseen':16s} "
                  f"{'all shown' if c['answer_glyphs_shown'] else 'one unseen':14s} {c['rows']:5d} {c['correct']:8d}")
        return 0
    for t in tasks[:5]:  # warm-up: catalog load and numba compilation
        fam.candidates(t)
    sub = tasks[: args.rows]
    results = {"catalog (all rows)": _time(fam.candidates, tasks),
               f"catalog (first {len(sub)})": _time(fam.candidates, sub),
               f"cp-sat (first {len(sub)})": _time(lambda t: search_cpsat(t, args.time_limit, index), sub)}
    if args.baseline:
        results[f"python-constraint (first {len(sub)})"] = _time(
            lambda t: search_python_constraint(t, args.time_limit, index), sub)
    if args.json:
        print(json.dumps({"time_limit_s": args.time_limit, "paths": results}, indent=2))
        return 0
    print(f"{'path':34s} {'rows':>5s} {'median ms':>10s} {'p95 ms':>10s} {'max ms':>10s} {'top-1':>7s} "
          f"{'complete':>9s}")
    for name, r in results.items():
        print(f"{name:34s} {r['rows']:5d} {r['median_ms']:10.2f} {r['p95_ms']:10.2f} {r['max_ms']:10.1f} "
              f"{r['top1_exact']:7.1%} {r['complete']:9.1%}")
    print(f"(search time limit {args.time_limit:g} s per row)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
