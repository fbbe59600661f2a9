"""The same search as ``search.py`` (same rule space, same steps, same proof), solved with
python-constraint instead of CP-SAT.

It is the baseline the CP-SAT path is benchmarked against. python-constraint has no optimiser:
step 1 tries support sizes 0, 1, 2, ... per output bit, the first size with a solution being the
minimum; step 2 asks, per bit, for a support of that size giving the query the other value. Each
call enumerates at most 2**8 assignments, so it finishes; the deadline is checked between calls.
"""

from __future__ import annotations

from ...deadline import Deadline, TimeLimitReached
from ...task import Task
from ..base import SearchResult
from .search import BitProblem, FlipResult, MinResult, bit_mask, prepare, search

__all__ = ["PythonConstraintEngine", "min_sizes_python_constraint", "search_python_constraint"]

_NAMES = [f"s{i}" for i in range(8)]


def _support(clauses: list[int], k: int) -> int | None:
    """A support of exactly ``k`` input bits meeting every clause mask, or None."""
    import constraint

    if 0 in clauses:
        return None
    p = constraint.Problem()
    p.addVariables(_NAMES, [0, 1])
    for m in clauses:
        vs = [_NAMES[i] for i in range(8) if (m >> (7 - i)) & 1]
        p.addConstraint(lambda *v: any(v), vs)
    p.addConstraint(constraint.ExactSumConstraint(k), _NAMES)
    sol = p.getSolution()
    if sol is None:
        return None
    return bit_mask(i for i in range(8) if sol[_NAMES[i]])


class PythonConstraintEngine:
    """The per-bit search on python-constraint (the simple search baseline), same protocol as the CP-SAT engine."""
    name = "python-constraint"

    def min_supports(self, problem: BitProblem, deadline: Deadline) -> MinResult:
        """``SearchEngine.min_supports`` with python-constraint: supports of growing size, smallest first."""
        sups = []
        for j in range(8):
            clauses = problem.clauses(j).tolist()
            for k in range(9):
                deadline.check("bit_manipulation python-constraint search")
                s = _support(clauses, k)
                if s is not None:
                    sups.append(s)
                    break
            else:  # cannot happen: all 8 bits tell distinct inputs apart
                return MinResult(None, False, f"no support for output bit {j}")
        return MinResult(sups, True)

    def flips(self, problem, sizes, targets, deadline) -> FlipResult:
        """``SearchEngine.flips`` with python-constraint: one bounded-size support search per bit."""
        flips = {}
        for j, w in targets.items():
            deadline.check("bit_manipulation python-constraint search")
            s = _support(problem.clauses(j).tolist() + problem.query_clauses(j, w).tolist(), sizes[j])
            if s is not None:
                flips[j] = s
        return FlipResult(flips, True)


def min_sizes_python_constraint(xs, ys, time_limit: float | Deadline) -> list[int] | None:
    """Minimum support size of every output bit (None: contradictory examples, or out of time)."""
    deadline = Deadline.coerce(time_limit)
    problem = prepare(xs, ys, 0)
    if not isinstance(problem, BitProblem):
        return None
    try:
        got = PythonConstraintEngine().min_supports(problem, deadline)
    except TimeLimitReached:
        return None
    return None if got.supports is None else [bin(s).count("1") for s in got.supports]


def search_python_constraint(task: Task, time_limit: float | Deadline) -> SearchResult:
    """Baseline fallback: ``BitManipulation.search``'s steps with python-constraint as the solver."""
    from . import _io

    deadline = Deadline.coerce(time_limit)
    xs, ys, q = _io(task)
    return search(prepare(xs, ys, q), PythonConstraintEngine(), deadline)
