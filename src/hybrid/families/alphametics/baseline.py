"""The ``python-constraint`` back end: python-constraint's own word-math formulation.

This is how python-constraint's bundled examples (``examples/wordmath``) solve SEND + MORE =
MONEY: one variable per letter over 0-9, ``AllDifferentConstraint()``, ``NotInSetConstraint([0])``
on the leading letters, and a ``FunctionConstraint`` per suffix of columns: for ``k`` = 1, 2, ...
the equation taken modulo ``10**k`` (it involves only the letters of the ``k`` lowest columns,
so the backtracking solver prunes a wrong units digit before it assigns the high ones), the last
one being the exact equation. Taking every word modulo ``10**k`` is valid for products too, so the
same formulation covers ``*``. (``ExactSumConstraint`` with place-value multipliers is not usable:
its pruning assumes non-negative multipliers, and the result side of an equation weighs
negatively.)

python-constraint has no time limit of its own: every constraint function checks the deadline
and aborts the search (``time_limit``) once it has passed.
"""

from __future__ import annotations

import time

from hybrid import Deadline

from .equation import Equation
from .solver import Enumeration

__all__ = ["solutions_python_constraint"]


class _OutOfTime(Exception):
    pass


def _suffix_check(eq: Equation, letters: list[str], k: int | None, end: float):
    """A constraint function over ``letters``: the equation modulo ``10**k`` (exact for None)."""
    pos = {c: i for i, c in enumerate(letters)}
    terms = []
    for s, ws in eq.terms:
        words = [[pos[c] for c in (w if k is None else w[-k:])] for w in ws]
        terms.append((s, words))
    mod = None if k is None else 10 ** k
    clock = time.perf_counter

    def check(*digits):
        if clock() > end:
            raise _OutOfTime
        total = 0
        for s, words in terms:
            p = 1
            for idx in words:
                v = 0
                for i in idx:
                    v = v * 10 + digits[i]
                p *= v
            total += s * p
        return total == 0 if mod is None else total % mod == 0

    return check


def solutions_python_constraint(eq: Equation, max_solutions: int, deadline: Deadline | None = None) -> Enumeration:
    """Every solution up to ``max_solutions``, found by python-constraint's backtracking solver."""
    import constraint

    deadline = Deadline.coerce(deadline)
    end = time.perf_counter() + min(deadline.remaining(), 1e9)
    p = constraint.Problem()
    p.addVariables(list(eq.letters), list(range(10)))
    p.addConstraint(constraint.AllDifferentConstraint(), list(eq.letters))
    if eq.leading:
        p.addConstraint(constraint.NotInSetConstraint([0]), sorted(eq.leading))
    for k in range(1, eq.columns + 1):
        if k == eq.columns:
            k = None  # the last suffix is the whole equation, checked exactly
        cols = sorted({c for w in eq.words for c in (w if k is None else w[-k:])})
        p.addConstraint(constraint.FunctionConstraint(_suffix_check(eq, cols, k, end)), cols)
    found: list[dict] = []
    try:
        for sol in p.getSolutionIter():
            if len(found) == max_solutions:
                return Enumeration(_sorted(eq, found), complete=False, capped=True)
            found.append({c: int(sol[c]) for c in eq.letters})
    except _OutOfTime:
        return Enumeration(_sorted(eq, found), complete=False, timed_out=True)
    return Enumeration(_sorted(eq, found), complete=True)


def _sorted(eq: Equation, sols: list[dict]) -> list[dict]:
    return sorted(sols, key=lambda a: [a[c] for c in eq.letters])
