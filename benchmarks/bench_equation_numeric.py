#!/usr/bin/env python
"""Latency and accuracy of the equation_numeric paths on the same dev rows.

    .venv/bin/python benchmarks/bench_equation_numeric.py [--data ../shared/data/dev.csv] [--limit N]

Paths: ``catalog`` (hybrid.solve without search: table recall + prior), ``cpsat`` (the CP-SAT
linear-form fallback alone) and ``python-constraint`` (the same formulation, baseline). Times are
per row after one warm-up pass; accuracy is exact match with the row's answer.
"""

from __future__ import annotations

import argparse
import statistics
import time

import hybrid
from hybrid.data import default_dev_csv, labelled_tasks
from hybrid.families.equation_numeric.search import search_cpsat, search_python_constraint


def _pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def run(name, fn, tasks):
    for t in tasks[:20]:  # warm-up: catalog load, numba/ortools imports
        fn(t)
    times, hits, answered = [], 0, 0
    for t in tasks:
        t0 = time.perf_counter()
        ans = fn(t)
        times.append((time.perf_counter() - t0) * 1000.0)
        answered += ans is not None
        hits += ans == t.meta["answer"]
    n = len(tasks)
    print(f"{name:18s} rows={n} answered={answered} exact={hits} ({hits / n:.1%})  "
          f"median={statistics.median(times):.3f} ms  p95={_pct(times, 0.95):.3f} ms  max={max(times):.1f} ms")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(default_dev_csv()))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--time-limit", type=float, default=2.0, help="seconds per search")
    args = ap.parse_args(argv)
    tasks = [t for t in labelled_tasks(args.data) if t.family == "equation_numeric"]
    if args.limit:
        tasks = tasks[: args.limit]
    fam = hybrid.get_family("equation_numeric")
    prior = fam._prior()

    def top(hyps):
        return max(hyps, key=lambda h: h.prior).answer if hyps else None

    run("catalog", lambda t: hybrid.solve(t, search=False).answer, tasks)
    run("cpsat", lambda t: top(search_cpsat(t, args.time_limit, prior=prior)), tasks)
    run("python-constraint", lambda t: top(search_python_constraint(t, args.time_limit, prior=prior)), tasks)


if __name__ == "__main__":
    main()
