#!/usr/bin/env python
"""Latency and accuracy of the bit_manipulation paths on the same dev rows.

    .venv/bin/python benchmarks/bench_bit_manipulation.py [--data ../shared/data/dev.csv]
        [--limit N] [--search-limit N] [--time-limit S] [--json]

Paths: ``catalog`` (hybrid.solve without search: numba truth-table match + prior ranking; the
≤ 5 ms target applies to its median), ``kernel`` (the matching kernel alone), ``cpsat`` (the
per-bit minimum-support fallback alone) and ``python-constraint`` (same problem, baseline).
Times are per row after a warm-up pass (JIT compile and catalog load excluded); accuracy is exact
match with the row's answer. The search paths run on the first ``--search-limit`` rows.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

import hybrid
from hybrid.data import default_dev_csv, labelled_tasks
from hybrid.families.bit_manipulation import search_python_constraint


def _pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def run(name, fn, tasks):
    for t in tasks[:20]:  # warm-up: catalog load, numba compile/cache load, ortools import
        fn(t)
    times, hits, answered = [], 0, 0
    for t in tasks:
        t0 = time.perf_counter()
        ans = fn(t)
        times.append((time.perf_counter() - t0) * 1000.0)
        answered += ans is not None
        hits += ans == t.meta["answer"]
    n = len(tasks)
    return {"path": name, "rows": n, "answered": answered, "exact": hits, "accuracy": round(hits / n, 4),
            "median_ms": round(statistics.median(times), 4), "p95_ms": round(_pct(times, 0.95), 4),
            "max_ms": round(max(times), 3)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(default_dev_csv()))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--search-limit", type=int, default=300)
    ap.add_argument("--time-limit", type=float, default=2.0, help="seconds per search")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    tasks = [t for t in labelled_tasks(args.data) if t.family == "bit_manipulation"]
    if args.limit:
        tasks = tasks[: args.limit]
    fam = hybrid.get_family("bit_manipulation")

    def kernel(t):
        idx, ans = fam.match(t)
        return format(int(ans[0]), "08b") if len(ans) else None

    def top(hyps):
        return hyps[0].answer if hyps else None

    search_tasks = tasks[: args.search_limit]
    rows = [
        run("catalog", lambda t: hybrid.solve(t, search=False).answer, tasks),
        run("kernel", kernel, tasks),
        run("cpsat", lambda t: top(fam.search(t, args.time_limit)), search_tasks),
        run("python-constraint", lambda t: top(search_python_constraint(t, args.time_limit)), search_tasks),
    ]
    header = fam.catalog()["_header"]
    meta = {"catalog_entries": header["entries"], "catalog_payload_bytes": header["payload_bytes"],
            "catalog_build_seconds": header["build_seconds"], "numpy": np.__version__}
    if args.json:
        print(json.dumps({"family": "bit_manipulation", "paths": rows, **meta}, indent=2))
        return
    print(f"bit_manipulation: {header['entries']} catalog entries, payload {header['payload_bytes']} bytes")
    print(f"{'path':18s} {'rows':>5s} {'exact':>6s} {'acc':>7s} {'median ms':>10s} {'p95 ms':>9s} {'max ms':>9s}")
    for r in rows:
        print(f"{r['path']:18s} {r['rows']:5d} {r['exact']:6d} {r['accuracy']:7.2%} {r['median_ms']:10.3f} "
              f"{r['p95_ms']:9.3f} {r['max_ms']:9.1f}")


if __name__ == "__main__":
    main()
