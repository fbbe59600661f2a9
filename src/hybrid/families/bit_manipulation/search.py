"""CP-SAT fallback: a per-output-bit rule found from the examples alone.

For each output bit, choose the fewest input bits such that no two examples agree on all chosen
bits yet disagree on the output; the output bit is then a boolean function of the chosen bits
(read off the examples). Set cover in disguise: for every pair of examples whose output bit
differs, at least one chosen input bit must differ. CP-SAT minimises the number of chosen bits
under a time limit; the tied optima are then enumerated (at most C(8, k) subsets per bit) to tell
whether the query's answer is forced (``deduced``-grade) or only the likeliest (``guess``).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

__all__ = ["PerBitRule", "pair_constraints", "fit_support", "solve_cpsat", "rule_from_supports", "supports_fit"]


@dataclass(frozen=True)
class PerBitRule:
    """Output bit j = tables[j][tuple of input bits supports[j]] (bit 0 = most significant)."""

    supports: tuple[tuple[int, ...], ...]
    tables: tuple[tuple[tuple[tuple[int, ...], int], ...], ...]
    fallback: tuple[int, ...]  # the bit used when the query shows an unseen input pattern

    def apply(self, x: int) -> tuple[int, bool]:
        """(output, whether every bit was read from a seen pattern)."""
        out, seen_all = 0, True
        for j, (sup, tab) in enumerate(zip(self.supports, self.tables, strict=True)):
            key = tuple((x >> (7 - i)) & 1 for i in sup)
            d = dict(tab)
            if key in d:
                b = d[key]
            else:
                b, seen_all = self.fallback[j], False
            out |= b << (7 - j)
        return out, seen_all

    def text(self) -> str:
        parts = []
        for j, sup in enumerate(self.supports):
            parts.append(f"y{j}=f({','.join(f'x{i}' for i in sup)})" if sup else f"y{j}={self.fallback[j]}")
        return "per-bit: " + " ".join(parts)


def _bit(v: int, i: int) -> int:
    return (v >> (7 - i)) & 1


def pair_constraints(xs, ys, j: int) -> list[list[int]]:
    """For output bit j: one clause per pair of examples with different outputs, listing the
    input bits that tell them apart (one of them must be chosen)."""
    clauses = []
    for p, q in itertools.combinations(range(len(xs)), 2):
        if _bit(ys[p], j) != _bit(ys[q], j):
            clauses.append([i for i in range(8) if _bit(xs[p], i) != _bit(xs[q], i)])
    return clauses


def supports_fit(xs, ys, j: int, support) -> dict | None:
    table: dict = {}
    for x, y in zip(xs, ys, strict=True):
        key = tuple(_bit(x, i) for i in support)
        if table.setdefault(key, _bit(y, j)) != _bit(y, j):
            return None
    return table


def solve_cpsat(xs, ys, time_limit: float) -> list[int] | None:
    """Minimum support size for every output bit (one CP-SAT model), or None if it finds none."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    chosen = [[model.NewBoolVar(f"s{j}_{i}") for i in range(8)] for j in range(8)]
    for j in range(8):
        for clause in pair_constraints(xs, ys, j):
            if not clause:
                return None  # equal inputs, different outputs: no function fits
            model.AddBoolOr([chosen[j][i] for i in clause])
    model.Minimize(sum(chosen[j][i] for j in range(8) for i in range(8)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, float(time_limit))
    solver.parameters.num_workers = 1
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [sum(int(solver.Value(chosen[j][i])) for i in range(8)) for j in range(8)]


def fit_support(xs, ys, j: int, k: int) -> list[tuple[tuple[int, ...], dict]]:
    """Every support of size k that explains output bit j, with its partial table."""
    out = []
    for sup in itertools.combinations(range(8), k):
        tab = supports_fit(xs, ys, j, sup)
        if tab is not None:
            out.append((sup, tab))
    return out


def rule_from_supports(xs, ys, query: int, sizes: list[int], deadline: float | None = None):
    """Turn per-bit minimum sizes into (rule, forced): ``forced`` is True when every tied minimal
    support of every bit gives the query the same bit, read from a seen pattern."""
    supports, tables, fallback = [], [], []
    forced = True
    for j in range(8):
        options = fit_support(xs, ys, j, sizes[j])
        if not options:
            return None, False
        ones = sum(_bit(y, j) for y in ys)
        default = 1 if 2 * ones > len(ys) else 0
        votes = set()
        for sup, tab in options:
            key = tuple(_bit(query, i) for i in sup)
            votes.add(tab.get(key, -1))
            if deadline is not None and time.perf_counter() > deadline:
                break
        if len(votes) != 1 or -1 in votes:
            forced = False
        sup, tab = options[0]
        supports.append(sup)
        tables.append(tuple(sorted(tab.items())))
        fallback.append(default)
    return PerBitRule(tuple(supports), tuple(tables), tuple(fallback)), forced
