"""The catalog path: lay a linear alphametic out as columns and run the numba kernel under a deadline.

``column_problem`` numbers the letters in assignment order and builds the kernel's arrays;
``enumerate_columns`` runs ``kernels.column_search`` once per digit of the first letter (ten
slices of the search), checking the deadline between slices, and stops after ``max_solutions + 1``
solutions (the extra one only proves that the cap was hit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hybrid import Deadline, TimeLimitReached

from .equation import Equation, column_coefficients
from .kernels import column_search

__all__ = ["ColumnProblem", "column_problem", "enumerate_columns", "Enumeration"]

# How many digits a column's last letter keeps, by its weight mod 10 (fewer is better).
_BRANCHES = {w: sum(1 for d in range(10) if (w * d) % 10 == 0) for w in range(10)}


@dataclass(frozen=True)
class ColumnProblem:
    """The kernel's view of a linear alphametic: ``order[j]`` is the letter assigned at level ``j``."""

    order: tuple[str, ...]
    coef: np.ndarray
    col_of: np.ndarray
    closes_to: np.ndarray
    leading: np.ndarray


@dataclass
class Enumeration:
    """What one enumeration found: ``solutions`` (letter -> digit dicts, sorted by the answer's
    digits), whether it was ``complete`` (every solution is listed), ``capped`` (more than the cap
    exist) or stopped by the deadline (``timed_out``), and the kernel's ``nodes``."""

    solutions: list
    complete: bool
    capped: bool = False
    timed_out: bool = False
    nodes: int = 0


def column_problem(eq: Equation) -> ColumnProblem:
    """Number the letters (first column where they weigh, units first; in a column, the letter that
    closes it last) and build the kernel arrays."""
    cols = column_coefficients(eq)
    n_cols = eq.columns
    first = {c: next((k for k, w in enumerate(ws) if w != 0), n_cols) for c, ws in cols.items()}
    lead = eq.leading

    def key(c):
        k = first[c]
        w = cols[c][k] % 10 if k < n_cols else 0
        # the column's closer is the letter with the fewest digits left by the residue table;
        # leading letters (no 0) go first among the rest
        return (k, -_BRANCHES[w], c not in lead, c)

    order = sorted(eq.letters, key=key)
    n = len(order)
    coef = np.zeros((n_cols, n), dtype=np.int64)
    for j, c in enumerate(order):
        coef[:, j] = cols[c]
    col_of = np.array([first[c] for c in order], dtype=np.int64)
    closes_to = np.full(n, -1, dtype=np.int64)
    for j in range(n):
        k = col_of[j]
        if k < n_cols and (j == n - 1 or col_of[j + 1] != k):
            closes_to[j] = col_of[j + 1] if j + 1 < n else n_cols
    leading = np.array([c in lead for c in order], dtype=np.bool_)
    return ColumnProblem(tuple(order), coef, col_of, closes_to, leading)


def enumerate_columns(eq: Equation, residue: np.ndarray, max_solutions: int,
                      deadline: Deadline | None = None) -> Enumeration:
    """Every solution of a linear alphametic up to ``max_solutions`` (catalog table + numba)."""
    deadline = Deadline.coerce(deadline)
    prob = column_problem(eq)
    found: list[np.ndarray] = []
    nodes = 0
    want = max_solutions + 1
    timed_out = False
    for d0 in range(10):
        try:
            deadline.check("alphametics column search")
        except TimeLimitReached:
            timed_out = True
            break
        rows, k = column_search(prob.coef, prob.col_of, prob.closes_to, prob.leading, residue, d0,
                                want - sum(len(r) for r in found))
        nodes += int(k)
        if len(rows):
            found.append(rows)
        if sum(len(r) for r in found) >= want:
            break
    rows = np.concatenate(found) if found else np.zeros((0, len(prob.order)), np.int8)
    capped = len(rows) > max_solutions
    sols = [{c: int(d) for c, d in zip(prob.order, row)} for row in rows]
    sols.sort(key=lambda a: [a[c] for c in eq.letters])
    if capped:
        sols = sols[:max_solutions]
    return Enumeration(sols, complete=not capped and not timed_out, capped=capped, timed_out=timed_out, nodes=nodes)
