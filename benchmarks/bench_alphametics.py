#!/usr/bin/env python
"""Alphametics: the catalog path (column tables + numba kernel) vs plain CP-SAT vs python-constraint.

    python -m benchmarks.bench_alphametics [--quick] [--n 1000] [--time-limit 10] [--seed 0]
        [--paths catalog cpsat python-constraint] [--out docs/benchmarks_alphametics.md] [--json PATH]
    python -m benchmarks.bench_alphametics --soundness 1000     # every claim of hybrid.solve re-checked

The corpus is ``--n`` puzzles (``--quick``: 100) from ``Alphametics.generate`` with its defaults:
2-6 addends of 2-10 letters each, the result spelled with the same letters (at most 10 letters
per word, at most 10 distinct letters per puzzle), each with at least one solution (the planted
one). Puzzle ``i`` comes from ``random.Random(f"{seed}:alphametics-bench:{i}")``.

Every path is the family's back end of that name (``Family.backends()``), called as
``backend(task, Deadline(time_limit))``; each lists every solution up to the family's cap (64).
All paths run in this process, one after the other, on the same puzzles, after one warm-up call
(numba cache load, ortools import) that is reported apart. Per path: latency p50/p95/max over the
puzzles, the status of each call (complete / partial = more than 64 solutions / time_limit), the
solutions found, and on how many puzzles it agrees with the catalog (same status; the same
solution set where both listed every solution).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import hybrid
from hybrid.families.alphametics import MAX_SOLUTIONS

from .harness import machine_description

__all__ = ["main", "corpus", "run_path", "summarise", "soundness"]

_ROOT = Path(__file__).resolve().parents[1]
PATHS = ("catalog", "cpsat", "python-constraint")
LABELS = {"catalog": "catalog (column tables + numba)", "cpsat": "plain CP-SAT",
          "python-constraint": "python-constraint (word-math)", "brute": "brute force (permutations)"}


def corpus(n: int, seed: int = 0) -> list:
    """``n`` generated puzzles (``hybrid.Puzzle``), deterministic for ``seed``."""
    fam = hybrid.get_family("alphametics")
    return [fam.generate(random.Random(f"{seed}:alphametics-bench:{i}")) for i in range(n)]


def run_path(name: str, puzzles: list, time_limit: float, progress: bool = True) -> dict:
    """Run one back end on every puzzle; return the warm-up time and one record per puzzle."""
    from tqdm import tqdm

    backend = hybrid.get_family("alphametics").backends()[name]
    warm = hybrid.Task.from_pairs("alphametics", [], "SEND + MORE = MONEY")
    t0 = time.perf_counter()
    backend(warm, hybrid.Deadline(time_limit))
    warm_ms = (time.perf_counter() - t0) * 1000.0
    rows = []
    for p in tqdm(puzzles, desc=name, unit="puzzle", disable=not progress, file=sys.stderr):
        t0 = time.perf_counter()
        res = backend(p.task, hybrid.Deadline(time_limit))
        ms = (time.perf_counter() - t0) * 1000.0
        answers = sorted(h.answer for h in res.hypotheses)
        rows.append({"ms": ms, "status": res.status, "answers": answers, "planted": p.answer in answers})
    return {"warm_ms": warm_ms, "rows": rows}


def _pct(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summarise(name: str, run: dict, reference: dict | None) -> dict:
    rows = run["rows"]
    ms = [r["ms"] for r in rows]
    statuses = {s: sum(r["status"] == s for r in rows) for s in ("complete", "partial", "time_limit", "infeasible")}
    out = {"path": name, "puzzles": len(rows), "warm_ms": run["warm_ms"], "p50_ms": _pct(ms, 0.5),
           "p95_ms": _pct(ms, 0.95), "max_ms": max(ms) if ms else float("nan"),
           "mean_ms": statistics.fmean(ms) if ms else float("nan"), "total_s": sum(ms) / 1000.0, **statuses,
           "solutions": sum(len(r["answers"]) for r in rows), "with_solution": sum(bool(r["answers"]) for r in rows),
           "planted_found": sum(r["planted"] for r in rows),
           "unique": sum(r["status"] == "complete" and len(r["answers"]) == 1 for r in rows)}
    if reference is not None:
        # same status, and the same solution set where both listed every solution (a capped run lists
        # some 64 of the solutions, which need not be the same 64)
        out["agrees_with_catalog"] = sum(a["status"] == b["status"] and (a["status"] != "complete" or a["answers"] == b["answers"])
                                         for a, b in zip(rows, reference["rows"]))
    return out


def _by_letters(puzzles, runs) -> list[dict]:
    """p50 / p95 per path for puzzles grouped by their number of distinct letters."""
    from hybrid.families.alphametics.equation import parse_equation

    groups = {"2-6": range(2, 7), "7-8": range(7, 9), "9-10": range(9, 11)}
    n_letters = [len(parse_equation(p.task.query).letters) for p in puzzles]
    out = []
    for label, span in groups.items():
        idx = [i for i, k in enumerate(n_letters) if k in span]
        row = {"letters": label, "puzzles": len(idx)}
        for name, run in runs.items():
            ms = [run["rows"][i]["ms"] for i in idx]
            row[name] = (_pct(ms, 0.5), _pct(ms, 0.95))
        out.append(row)
    return out


def _fmt(v: float) -> str:
    return "–" if v != v else (f"{v:.3f}" if v < 1 else f"{v:.1f}" if v < 100 else f"{v:.0f}")


def markdown(summaries, by_letters, args, wall_s: float, machine: dict) -> str:
    cmd = "python -m benchmarks.bench_alphametics" + (" --quick" if args.quick else "")
    if args.n is not None:
        cmd += f" --n {args.n}"
    if args.time_limit != 10.0:
        cmd += f" --time-limit {args.time_limit:g}"
    v = machine.get("versions", {})
    lines = [
        "# Alphametics: catalog vs plain CP-SAT vs python-constraint",
        "",
        f"> Generated by `{cmd}` ({wall_s:.0f} s wall) on "
        f"{datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}. Every number below was measured in "
        "that run; rerun the command rather than editing this file.",
        "",
        f"Machine: {machine.get('cpu')}, {machine.get('usable_cores')} usable cores, {machine.get('memory_gib')} GiB; "
        f"python {v.get('python')}, ortools {v.get('ortools')}, numba {v.get('numba')}, "
        f"python-constraint {v.get('python-constraint')}; commit {machine.get('commit')}.",
        "",
        f"**Corpus**: {summaries[0]['puzzles']} puzzles from `Alphametics.generate` (seed {args.seed}): 2-6 addends "
        "of 2-10 letters, the sum spelled with the same letters (at most 10 letters per word and 10 distinct "
        "letters per puzzle); each has at least its planted solution. **Paths**: the family's back ends by name, "
        f"`backend(task, Deadline({args.time_limit:g}))`, each listing every solution up to {MAX_SOLUTIONS} "
        "(`partial` = more exist). One warm-up call per path (numba cache load, ortools import) is reported "
        "apart. All paths ran in one process, one after the other. *Agrees with catalog*: same status, and the "
        "same solution set where both listed every solution.",
        "",
        "| path | p50 ms | p95 ms | max ms | mean ms | warm-up ms | complete | partial (>64) | time limit "
        "| solutions found | puzzles with a solution | planted found | single solution | agrees with catalog |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summaries:
        lines.append(
            f"| {LABELS.get(s['path'], s['path'])} | {_fmt(s['p50_ms'])} | {_fmt(s['p95_ms'])} | {_fmt(s['max_ms'])} | "
            f"{_fmt(s['mean_ms'])} | {_fmt(s['warm_ms'])} | {s['complete']} | {s['partial']} | {s['time_limit']} | "
            f"{s['solutions']} | {s['with_solution']} | {s['planted_found']} | {s['unique']} | "
            f"{s.get('agrees_with_catalog', '–')} |")
    lines += ["", "Latency by distinct letters per puzzle (p50 / p95 ms):", "",
              "| letters | puzzles | " + " | ".join(LABELS.get(s["path"], s["path"]) for s in summaries) + " |",
              "|---|---:|" + "---:|" * len(summaries)]
    for row in by_letters:
        cells = [f"{_fmt(row[s['path']][0])} / {_fmt(row[s['path']][1])}" for s in summaries]
        lines.append(f"| {row['letters']} | {row['puzzles']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _random_linear(rng: random.Random) -> str:
    """Any linear equation over at most 6 letters: repeated letters, cancellations, signs on both sides
    (often infeasible, sometimes with many solutions)."""
    alphabet = rng.sample("ABCDEFGHIJ", rng.randint(2, 6))

    def side(n):
        words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(n)]
        return words[0] + "".join(f" {rng.choice('+-')} {w}" for w in words[1:])

    return f"{side(rng.randint(2, 4))} = {side(rng.randint(1, 2))}"


def soundness(n: int, seed: int = 0, time_limit: float = 10.0, progress: bool = True) -> dict:
    """Solve ``n`` puzzles with ``hybrid.solve`` and check every claim against an independent back end.

    Puzzles cycle through generated ``+``, ``-`` and ``*`` puzzles and arbitrary linear equations
    over at most 6 letters. The oracle is the brute force for puzzles of at most 6 letters, else
    CP-SAT for linear puzzles (the pipeline answered them with the catalog kernel) and
    python-constraint for products (the pipeline answered them with CP-SAT). A claim is
    *contradicted* when a ``deduced`` answer is not the oracle's single solution, an ``ambiguous``
    answer with proof ``complete`` does not list exactly the oracle's solutions, or an ``infeasible``
    proof meets an oracle solution.
    """
    from tqdm import tqdm

    from hybrid.families.alphametics.equation import format_assignment, parse_equation

    fam = hybrid.get_family("alphametics")
    backends = fam.backends()
    counts = {"tried": 0, "deduced": 0, "deduced_confirmed": 0, "ambiguous_complete": 0,
              "ambiguous_confirmed": 0, "infeasible": 0, "infeasible_confirmed": 0, "unproven": 0,
              "contradicted": 0}
    contradictions = []
    for i in tqdm(range(n), desc="soundness", unit="puzzle", disable=not progress, file=sys.stderr):
        rng = random.Random(f"{seed}:alphametics-soundness:{i}")
        kind = i % 4
        if kind == 3:
            text = _random_linear(rng)
        else:
            text = fam.generate(rng, operator="+-*"[kind]).task.query
        eq = parse_equation(text)
        task = hybrid.Task.from_pairs("alphametics", [], text)
        sol = hybrid.solve(task, time_limit=time_limit)
        oracle_name = "brute" if len(eq.letters) <= 6 else ("cpsat" if eq.linear else "python-constraint")
        ref = backends[oracle_name](task, hybrid.Deadline(max(time_limit, 60.0)))
        want = sorted(h.answer for h in ref.hypotheses)
        got = sorted([sol.answer] + [a for a, _, _ in sol.alternatives]) if sol.answer else []
        counts["tried"] += 1
        ok = True
        if sol.status == "deduced":
            counts["deduced"] += 1
            ok = ref.status == "complete" and want == [sol.answer] and fam.verify(sol.hypothesis, task)
            counts["deduced_confirmed"] += ok
        elif sol.status == "ambiguous" and sol.proof == "complete":
            counts["ambiguous_complete"] += 1
            ok = ref.status == "complete" and len(want) == sol.n_consistent and set(got) <= set(want)
            counts["ambiguous_confirmed"] += ok
        elif sol.status == "unsolved" and sol.proof == "infeasible":
            counts["infeasible"] += 1
            ok = ref.status == "infeasible"
            counts["infeasible_confirmed"] += ok
        else:
            counts["unproven"] += 1
            ok = sol.answer is None or sol.answer in want or ref.status != "complete"
        if not ok:
            counts["contradicted"] += 1
            contradictions.append({"puzzle": text, "status": sol.status, "proof": sol.proof, "answer": sol.answer,
                                   "oracle": oracle_name, "oracle_status": ref.status, "oracle_solutions": want[:5]})
        assert all(format_assignment(dict(h.rule)) == h.answer for h in ref.hypotheses)
    return {"counts": counts, "contradictions": contradictions}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_alphametics", description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="100 puzzles instead of 1,000")
    ap.add_argument("--n", type=int, default=None, help="puzzles (default 1000, --quick 100)")
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per call (default 10)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--paths", nargs="+", default=list(PATHS), choices=[*PATHS, "brute"])
    ap.add_argument("--out", type=Path, default=_ROOT / "docs" / "benchmarks_alphametics.md")
    ap.add_argument("--json", type=Path, default=None, help="also write the raw records here")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--soundness", type=int, metavar="N", default=None,
                    help="instead: solve N puzzles with hybrid.solve and check every claim against another back end")
    args = ap.parse_args(argv)
    if args.soundness is not None:
        t0 = time.perf_counter()
        rep = soundness(args.soundness, args.seed, args.time_limit, progress=not args.no_progress)
        print(json.dumps({**rep, "seconds": round(time.perf_counter() - t0, 1)}, indent=1))
        return 1 if rep["counts"]["contradicted"] else 0

    t_start = time.perf_counter()
    n = args.n if args.n is not None else (100 if args.quick else 1000)
    puzzles = corpus(n, args.seed)
    runs = {name: run_path(name, puzzles, args.time_limit, progress=not args.no_progress) for name in args.paths}
    reference = runs.get("catalog")
    summaries = [summarise(name, run, reference if name != "catalog" else None) for name, run in runs.items()]
    wall = time.perf_counter() - t_start
    text = markdown(summaries, _by_letters(puzzles, runs), args, wall, machine_description())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    print(text)
    if args.json:
        args.json.write_text(json.dumps({"summaries": summaries, "queries": [p.task.query for p in puzzles],
                                         "runs": runs}, default=str))
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
