#!/usr/bin/env python
"""Latency and accuracy of the bit_manipulation paths on the same dev rows.

    .venv/bin/python benchmarks/bench_bit_manipulation.py [--data ../shared/data/dev.csv]
        [--limit N] [--search-limit N] [--time-limit S] [--json]
    .venv/bin/python benchmarks/bench_bit_manipulation.py --twofold   # prior/coverage choices, 2-fold
    .venv/bin/python benchmarks/bench_bit_manipulation.py --rare N    # generated rules of unseen shapes

Paths: ``catalog`` (hybrid.solve without search: numba truth-table match + prior ranking; the
≤ 5 ms target applies to its median), ``kernel`` (the matching kernel alone), ``cpsat`` (the
per-bit minimum-support fallback alone, proof of uniqueness included) and ``python-constraint``
(same search, baseline solver).
Times are per row after a warm-up pass (JIT compile and catalog load excluded); accuracy is exact
match with the row's answer. The search paths run on the first ``--search-limit`` rows.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

import hybrid
from hybrid.data import default_dev_csv, labelled_tasks
from hybrid.families.bit_manipulation import search_python_constraint

if __package__ in (None, ""):  # run as a script: make the benchmarks package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.harness import time_answers  # noqa: E402


def run(name, fn, tasks):
    return time_answers(name, fn, tasks)


#: The catalog choices compared by --twofold (keyword arguments of build.build_payload).
VARIANTS = {
    "shapes>=1 row (builder 2)": dict(min_weight=1.0, coverage=False),
    "all seen shapes": dict(min_weight=0.0, coverage=False),
    "shapes>=1 row + coverage": dict(min_weight=1.0, coverage=True),
    "all seen + coverage (ships)": dict(min_weight=0.0, coverage=True),
    "all seen + cov + amounts": dict(min_weight=0.0, coverage=True, use_amounts=True),
    "all seen + cov, EM all arities": dict(min_weight=0.0, coverage=True, all_arities=True),
    "all seen + cov + amounts, EM all ar.": dict(min_weight=0.0, coverage=True, use_amounts=True, all_arities=True),
}


def _first_match(payload, task):
    from hybrid.families.bit_manipulation.kernels import match_tables

    tables = payload["tables"]
    xs = np.array([int(e.source, 2) for e in task.examples], np.int64)
    ys = np.array([int(e.target, 2) for e in task.examples], np.uint8)
    idx = np.empty(len(tables), np.int64)
    ans = np.empty(len(tables), np.uint8)
    n = match_tables(tables, xs, ys, int(task.query, 2), idx, ans)
    return [format(int(a), "08b") for a in ans[:n]]


def _score(payload, tasks, answers):
    out = {"right": 0, "no_match": 0, "deduced": 0, "deduced_wrong": 0}
    for t, hidden in zip(tasks, answers):
        found = _first_match(payload, t)
        if not found:
            out["no_match"] += 1
            continue
        # entries are stored in the default recaller's order: the first match is the pipeline's answer
        out["right"] += found[0] == hidden
        if len(set(found)) == 1:
            out["deduced"] += 1
            out["deduced_wrong"] += found[0] != hidden
    return out


def twofold(tasks, as_json=False):
    """Learn each catalog choice on even rows, score odd rows, and the reverse; plus in-sample."""
    from hybrid.families.bit_manipulation import build as C

    rows = C.row_explanations(tasks)
    io = [([int(e.source, 2) for e in t.examples] + [int(t.query, 2)],
           [int(e.target, 2) for e in t.examples] + [int(t.meta["answer"], 2)]) for t in tasks]
    halves = [list(range(0, len(tasks), 2)), list(range(1, len(tasks), 2))]
    results = []
    for name, kw in VARIANTS.items():
        t0 = time.perf_counter()
        held = {"right": 0, "no_match": 0, "deduced": 0, "deduced_wrong": 0}
        sizes = []
        for train, test in ((halves[0], halves[1]), (halves[1], halves[0])):
            payload, params = C.build_payload(None, rows=[rows[i] for i in train], rows_io=[io[i] for i in train], **kw)
            sizes.append(params["entries"])
            r = _score(payload, [tasks[i] for i in test], [tasks[i].meta["answer"] for i in test])
            held = {k: held[k] + r[k] for k in held}
        payload, params = C.build_payload(None, rows=rows, rows_io=io, **kw)
        ins = _score(payload, tasks, [t.meta["answer"] for t in tasks])
        results.append({"choice": name, "twofold": held, "in_sample": ins, "entries_folds": sizes,
                        "entries_full": params["entries"], "seconds": round(time.perf_counter() - t0, 1)})
    if as_json:
        print(json.dumps(results, indent=2))
        return
    n = len(tasks)
    print(f"{'choice':38s} {'2-fold right':>12s} {'no match':>8s} {'deduced':>8s} {'ded.wrong':>9s} "
          f"{'in-sample':>9s} {'deduced':>8s} {'entries':>8s}")
    for r in results:
        h, i = r["twofold"], r["in_sample"]
        print(f"{r['choice']:38s} {h['right']:>7d}/{n:<4d} {h['no_match']:8d} {h['deduced']:8d} {h['deduced_wrong']:9d} "
              f"{i['right']:>4d}/{n:<4d} "
              f"{i['deduced']:8d} {r['entries_full']:8d}")


def rare(tasks, n, time_limit, as_json=False):
    """Generated rules whose shape no dev row supports (the coverage set's smoothed shapes): the
    catalog as shipped against the builder-2 catalog (shapes >= 1 row) plus the CP-SAT fallback."""
    import random

    from hybrid.families.bit_manipulation import build as C
    from hybrid.families.bit_manipulation.generator import random_task

    fam = hybrid.get_family("bit_manipulation")
    rows = C.row_explanations(tasks)
    seen, _ = C.learn_prior(rows, use_amounts=False)
    unseen = [[list(k), g, 1.0] for k, g in C.coverage_shapes() if (k, g) not in seen]
    rng = random.Random(7)
    gen = [random_task(rng, unseen) for _ in range(n)]
    new, _ = C.build_payload(None, rows=rows)
    old, _ = C.build_payload(None, rows=rows, min_weight=1.0, coverage=False)
    res = {"unseen_shapes": len(unseen), "tasks": n, "new_catalog": _score(new, [g[0] for g in gen], [g[1] for g in gen])}
    r_old = {"right": 0, "no_match": 0, "cpsat_right": 0}
    for task, hidden, _, _ in gen:
        found = _first_match(old, task)
        if found:
            r_old["right"] += found[0] == hidden
            continue
        r_old["no_match"] += 1
        hyps = fam.search(task, time_limit).hypotheses
        ok = bool(hyps) and hyps[0].answer == hidden
        r_old["right"] += ok
        r_old["cpsat_right"] += ok
    res["builder2_catalog_plus_cpsat"] = r_old
    print(json.dumps(res, indent=None if not as_json else 2))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(default_dev_csv()))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--search-limit", type=int, default=300)
    ap.add_argument("--time-limit", type=float, default=2.0, help="seconds per search")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--twofold", action="store_true", help="compare catalog choices on a 2-fold split")
    ap.add_argument("--rare", type=int, default=0, help="N generated tasks of shapes no dev row supports")
    args = ap.parse_args(argv)
    tasks = [t for t in labelled_tasks(args.data) if t.family == "bit_manipulation"]
    if args.limit:
        tasks = tasks[: args.limit]
    if args.twofold:
        return twofold(tasks, args.json)
    if args.rare:
        return rare(tasks, args.rare, args.time_limit, args.json)
    fam = hybrid.get_family("bit_manipulation")

    def kernel(t):
        idx, ans = fam.match(t)
        return format(int(ans[0]), "08b") if len(ans) else None

    def top(found):
        """The top answer of a ``SearchResult`` (hypotheses are ranked by prior, best first)."""
        return found.hypotheses[0].answer if found.hypotheses else None

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
