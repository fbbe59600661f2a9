"""The same per-bit minimum-support problem as ``search.py``, solved with python-constraint.

It is the baseline the CP-SAT path is benchmarked against: same clauses, same answer, no
optimiser (sizes are tried in increasing order, first solution wins).
"""

from __future__ import annotations

import time

from ...families.base import Hypothesis
from ...task import Task
from .search import pair_constraints

__all__ = ["min_sizes_python_constraint", "search_python_constraint"]


def _min_size(xs, ys, j: int, deadline: float) -> int | None:
    import constraint

    clauses = pair_constraints(xs, ys, j)
    if any(not c for c in clauses):
        return None
    for k in range(9):
        if time.perf_counter() > deadline:
            return None
        p = constraint.Problem()
        names = [f"s{i}" for i in range(8)]
        p.addVariables(names, [0, 1])
        for clause in clauses:
            vs = [names[i] for i in clause]
            p.addConstraint(lambda *v: any(v), vs)
        p.addConstraint(constraint.ExactSumConstraint(k), names)
        if p.getSolution() is not None:
            return k
    return None


def min_sizes_python_constraint(xs, ys, time_limit: float) -> list[int] | None:
    deadline = time.perf_counter() + time_limit
    sizes = []
    for j in range(8):
        k = _min_size(xs, ys, j, deadline)
        if k is None:
            return None
        sizes.append(k)
    return sizes


def search_python_constraint(task: Task, time_limit: float) -> list[Hypothesis]:
    """Baseline fallback: same hypothesis as ``BitManipulation.search``, found with python-constraint."""
    from . import _io, _search_hypothesis

    xs, ys, q = _io(task)
    sizes = min_sizes_python_constraint(xs, ys, time_limit)
    if sizes is None:
        return []
    return _search_hypothesis(xs, ys, q, sizes, "python-constraint")
