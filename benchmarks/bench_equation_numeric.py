#!/usr/bin/env python
"""Latency and accuracy of the equation_numeric paths on the same dev rows.

    .venv/bin/python benchmarks/bench_equation_numeric.py [--data ../shared/data/dev.csv] [--limit N]

Paths: ``catalog`` (hybrid.solve without search: table recall + prior), ``cpsat`` (the CP-SAT
linear-form fallback alone, with its proof of how many answers the linear forms leave) and
``python-constraint`` (the same search, baseline). Times are
per row after one warm-up pass; accuracy is exact match with the row's answer.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import hybrid
from hybrid.data import default_dev_csv, labelled_tasks
from hybrid.families.equation_numeric.search import search_cpsat, search_python_constraint

if __package__ in (None, ""):  # run as a script: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.harness import time_answers  # noqa: E402


def run(name, fn, tasks):
    r = time_answers(name, fn, tasks)
    print(f"{name:18s} rows={r['rows']} answered={r['answered']} exact={r['exact']} ({r['exact'] / r['rows']:.1%})  "
          f"median={r['median_ms']:.3f} ms  p95={r['p95_ms']:.3f} ms  max={r['max_ms']:.1f} ms")


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

    def top(found):
        hyps = found.hypotheses  # a SearchResult: hypotheses plus how far the search went
        return max(hyps, key=lambda h: h.prior).answer if hyps else None

    run("catalog", lambda t: hybrid.solve(t, search=False).answer, tasks)
    run("cpsat", lambda t: top(search_cpsat(t, args.time_limit, prior=prior)), tasks)
    run("python-constraint", lambda t: top(search_python_constraint(t, args.time_limit, prior=prior)), tasks)


if __name__ == "__main__":
    main()
