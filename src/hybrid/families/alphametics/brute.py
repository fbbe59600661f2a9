"""The ``brute`` back end and the kernel's slow reference: every permutation of digits, checked.

``itertools.permutations(range(10), n)`` over the puzzle's ``n`` letters (alphabetical order),
so it visits ``10! / (10 - n)!`` assignments: 30 240 for 5 letters, 604 800 for 7, 3 628 800 for
10. Each is checked exactly (leading zeros, then the equation as integer arithmetic: the place-value
weights for a linear puzzle, the products of the word values otherwise). Meant for small puzzles;
it checks the deadline every 4 096 assignments, so a large one stops at the time limit.
"""

from __future__ import annotations

import itertools
from math import prod

from hybrid import Deadline

from .equation import Equation, net_coefficients
from .solver import Enumeration

__all__ = ["solutions_brute"]

_CHECK_EVERY = 4096


def solutions_brute(eq: Equation, max_solutions: int | None = None, deadline: Deadline | None = None) -> Enumeration:
    """Every solution (letter -> digit dicts, in the order of their digits in alphabetical letter
    order), up to ``max_solutions`` (None: no cap)."""
    deadline = Deadline.coerce(deadline)
    letters = eq.letters
    lead = [i for i, c in enumerate(letters) if c in eq.leading]
    if eq.linear:
        weights = net_coefficients(eq)
        w = [weights[c] for c in letters]

        def ok(p):
            return sum(a * b for a, b in zip(w, p)) == 0
    else:
        pos = {c: i for i, c in enumerate(letters)}
        terms = [(s, [[pos[c] for c in word] for word in ws]) for s, ws in eq.terms]

        def value(idx, p):
            v = 0
            for i in idx:
                v = v * 10 + p[i]
            return v

        def ok(p):
            return sum(s * prod(value(idx, p) for idx in ws) for s, ws in terms) == 0

    found = []
    nodes = 0
    for nodes, p in enumerate(itertools.permutations(range(10), len(letters)), 1):
        if nodes % _CHECK_EVERY == 0 and deadline.expired():
            return Enumeration(found, complete=False, timed_out=True, nodes=nodes)
        if any(p[i] == 0 for i in lead) or not ok(p):
            continue
        if max_solutions is not None and len(found) == max_solutions:
            return Enumeration(found, complete=False, capped=True, nodes=nodes)
        found.append(dict(zip(letters, p)))
    return Enumeration(found, complete=True, nodes=nodes)

