"""CP-SAT fallback: the same rule space as the catalog, searched directly.

Model: one integer digit variable per glyph (AllDifferent), one variant variable per operator
glyph, one shared reversal flag, and per example a table constraint over
``(variant, reversal, a1, a2, b1, b2, result digits...)`` holding every row of the result table
whose printed shape (length, sign position) matches the example. Solutions are enumerated up
to a cap within the time limit and turned into hypotheses exactly as the catalog path does.
"""

from __future__ import annotations

import time

import numpy as np

from .operations import PAD, SIGN, VARIANTS

__all__ = ["search_cpsat", "shape_rows", "task_shapes", "index_glyphs"]

#: Solutions collected before the search stops.
MAX_SEARCH_SOLUTIONS = 512
_shape_cache: dict = {}


def task_shapes(task):
    """Per example: operator glyph, operand glyphs, and the result split into digit glyphs and
    sign positions (a result character equal to the operator glyph is the sign)."""
    out = []
    for ex in task.examples:
        op = ex.source[2]
        res = ex.target
        shape = tuple(SIGN if c == op else 0 for c in res)
        out.append((op, ex.source[:2] + ex.source[3:], res, shape))
    return out


def shape_rows(table: np.ndarray, shape: tuple) -> np.ndarray:
    """``int64[n, 6 + len]``: (variant, rev, a1, a2, b1, b2, result digits) for every table row
    printing ``shape`` (its length and where the sign stands)."""
    hit = _shape_cache.get(shape)
    if hit is not None:
        return hit
    n = len(shape)
    t = table.reshape(len(VARIANTS), 10000, table.shape[-1]).astype(np.int64)
    mask = np.ones(t.shape[:2], dtype=bool)
    for i in range(table.shape[-1]):
        if i < n:
            mask &= (t[:, :, i] == SIGN) if shape[i] == SIGN else (t[:, :, i] >= 0) & (t[:, :, i] < 10)
        else:
            mask &= t[:, :, i] == PAD
    vs, ab = np.nonzero(mask)
    a, b = ab // 100, ab % 100
    digit_pos = [i for i in range(n) if shape[i] != SIGN]
    rev = np.array([v[0] for v in VARIANTS], dtype=np.int64)[vs]
    cols = [vs, rev, a // 10, a % 10, b // 10, b % 10] + [t[vs, ab, i] for i in digit_pos]
    rows = np.stack(cols, axis=1) if len(vs) else np.zeros((0, 6 + len(digit_pos)), np.int64)
    _shape_cache[shape] = rows
    return rows


def index_glyphs(shapes) -> tuple[dict[str, int], dict[str, int]]:
    """Number the task's digit glyphs and operator glyphs in order of first appearance."""
    glyphs: dict[str, int] = {}
    ops: dict[str, int] = {}
    for op, operands, res, _ in shapes:
        ops.setdefault(op, len(ops))
        for c in operands + "".join(c for c in res if c != op):
            glyphs.setdefault(c, len(glyphs))
    return glyphs, ops


def _equality_filter(rows: np.ndarray, chars: list[str]) -> np.ndarray:
    """Keep table rows whose digit columns agree with the example's glyph equalities: equal
    glyphs carry equal digits and distinct glyphs distinct digits (the one-to-one map). This is
    what AllDifferent would enforce anyway; doing it up front keeps the table constraints small,
    so building the model stays well inside the time limit."""
    if len(rows) == 0:
        return rows
    keep = np.ones(len(rows), dtype=bool)
    for i in range(len(chars)):
        for j in range(i + 1, len(chars)):
            same = rows[:, 2 + i] == rows[:, 2 + j]
            keep &= same if chars[i] == chars[j] else ~same
    return rows[keep]


def search_cpsat(task, time_limit: float, index, max_solutions: int = MAX_SEARCH_SOLUTIONS):
    """Hypotheses for ``task`` from CP-SAT (empty when it finds nothing within ``time_limit``)."""
    from ortools.sat.python import cp_model

    from . import hypotheses_from_solutions
    from .solver import Prepared

    t0 = time.perf_counter()
    table = index["table"]
    shapes = task_shapes(task)
    glyphs, ops = index_glyphs(shapes)
    if len(glyphs) > 10:
        return []
    m = cp_model.CpModel()
    x = [m.NewIntVar(0, 9, f"g{i}") for i in range(len(glyphs))]
    m.AddAllDifferent(x)
    sel = [m.NewIntVar(0, len(VARIANTS) - 1, f"op{i}") for i in range(len(ops))]
    rev = m.NewIntVar(0, 1, "rev")
    for op, operands, res, shape in shapes:
        chars = list(operands) + [c for c in res if c != op]
        rows = _equality_filter(shape_rows(table, shape), chars)
        if len(rows) == 0:
            return []
        digits = [x[glyphs[c]] for c in chars]
        m.AddAllowedAssignments([sel[ops[op]], rev] + digits, rows.tolist())
        if time.perf_counter() - t0 > time_limit:
            return []  # building the model already used the whole budget
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit - (time.perf_counter() - t0))
    solver.parameters.enumerate_all_solutions = True
    solver.parameters.num_workers = 1

    found_map: list[list[int]] = []
    found_var: list[list[int]] = []

    class _Collect(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self):
            found_map.append([self.Value(v) for v in x])
            found_var.append([self.Value(v) for v in sel])
            if len(found_map) >= max_solutions:
                self.StopSearch()

    solver.Solve(m, _Collect())
    if not found_map:
        return []
    sol_map = np.array(found_map, dtype=np.int8)
    sol_var = np.array(found_var, dtype=np.int32)
    prep = Prepared(task.query, glyphs, ops, *([None] * 8))
    hyps = hypotheses_from_solutions(prep, sol_map, sol_var, len(found_map) >= max_solutions, False, index)
    for h in hyps:
        h.source = "search"
    return hyps
