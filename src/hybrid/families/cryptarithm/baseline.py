"""python-constraint formulation of the cryptarithm rule space: the benchmark baseline.

Variables: one per digit glyph (domain 0-9, all different), one per operator glyph (domain: the
variant ids), one shared reversal flag (per-operator reversal when no rule fits with one flag,
as in the join and CP-SAT). Each example is a function constraint that looks its result up in
the variant result table. python-constraint has no time limit of its own, so the constraint
functions check the deadline and abort the search when it has passed.

Returns a ``SearchResult``: ``complete`` when the backtracking enumerated every solution (so every
answer is represented), ``infeasible`` when it finished with none, ``partial`` when it stopped at
``max_solutions``, ``time_limit`` when the deadline stopped it.
"""

from __future__ import annotations

import numpy as np

from ...deadline import Deadline
from ...errors import TaskParseError
from ..base import SearchResult
from .operations import VARIANTS
from .search import index_glyphs, task_shapes

__all__ = ["search_python_constraint"]

MAX_BASELINE_SOLUTIONS = 512


class _OutOfTime(Exception):
    pass


def _solve(task, table, deadline: Deadline, mixed: bool, max_solutions: int):
    import constraint

    shapes = task_shapes(task)
    glyphs, ops = index_glyphs(shapes)
    p = constraint.Problem()
    gnames = [f"g{i}" for i in range(len(glyphs))]
    onames = [f"o{i}" for i in range(len(ops))]
    p.addVariables(gnames, list(range(10)))
    p.addVariables(onames, list(range(len(VARIANTS))))
    p.addVariable("rev", [0, 1])
    if len(gnames) > 1:
        p.addConstraint(constraint.AllDifferentConstraint(), gnames)
    var_rev = [v[0] for v in VARIANTS]
    for op, operands, res, shape in shapes:
        deadline.check("cryptarithm python-constraint model")
        res_glyphs = [c for c in res if c != op]

        def check(v, r, a1, a2, b1, b2, *rd, _shape=shape):
            if deadline.expired():
                raise _OutOfTime
            if not mixed and var_rev[v] != r:
                return False
            row = table[v, a1 * 10 + a2, b1 * 10 + b2]
            if len(_shape) > row.shape[0]:
                return False
            k = 0
            for i, s in enumerate(_shape):
                c = int(row[i])
                if s:
                    if c != s:
                        return False
                else:
                    if c != rd[k]:
                        return False
                    k += 1
            return len(_shape) == row.shape[0] or row[len(_shape)] == -1

        names = [onames[ops[op]], "rev"] + [gnames[glyphs[c]] for c in operands] + [gnames[glyphs[c]] for c in res_glyphs]
        p.addConstraint(constraint.FunctionConstraint(check), names)
    found_map, found_var, seen = [], [], set()
    out_of_time = stopped = False
    try:
        for sol in p.getSolutionIter():
            key = (tuple(sol[g] for g in gnames), tuple(sol[o] for o in onames))
            if key in seen:  # solutions differing only in an unused reversal flag (mixed)
                continue
            seen.add(key)
            found_map.append(list(key[0]))
            found_var.append(list(key[1]))
            if len(found_map) >= max_solutions:
                stopped = True
                break
    except _OutOfTime:
        out_of_time = True
    return glyphs, ops, found_map, found_var, out_of_time, stopped


def search_python_constraint(task, time_limit, index=None, max_solutions: int = MAX_BASELINE_SOLUTIONS) -> SearchResult:
    """Hypotheses for ``task`` found by python-constraint's backtracking; ``time_limit`` is seconds
    or a ``Deadline``."""
    from ...deadline import TimeLimitReached
    from .answers import expansion_status, hypotheses_from_solutions
    from .solver import Prepared

    if index is None:
        from .. import get_family

        index = get_family("cryptarithm")._index()
    if not task.examples:
        raise TaskParseError("cryptarithm: no example lines (a task needs at least one example)")
    deadline = Deadline.coerce(time_limit)
    glyphs, _ = index_glyphs(task_shapes(task))
    if len(glyphs) > 10:
        return SearchResult([], "infeasible", f"the examples show {len(glyphs)} digit glyphs; a one-to-one map "
                                              "to 0-9 allows 10")
    try:
        for mixed in (False, True):
            glyphs, ops, found_map, found_var, out_of_time, stopped = _solve(task, index["table"], deadline, mixed,
                                                                             max_solutions)
            if found_map or out_of_time:
                break
    except TimeLimitReached as exc:
        return SearchResult([], "time_limit", str(exc))
    if not found_map:
        if out_of_time:
            return SearchResult([], "time_limit", "python-constraint found no rule before the time limit")
        return SearchResult([], "infeasible", "python-constraint: no rule reproduces every example (search finished)")
    prep = Prepared(task.query, glyphs, ops, *([None] * 8))
    stats: dict = {}
    hyps = hypotheses_from_solutions(prep, np.array(found_map, np.int8), np.array(found_var, np.int32),
                                     stopped or out_of_time, mixed, index, stats=stats,
                                     examples=[e.source for e in task.examples])
    for h in hyps:
        h.source = "search"
    if out_of_time:
        return SearchResult(hyps, "time_limit", "python-constraint stopped at the time limit")
    if stopped:
        return SearchResult(hyps, "partial", f"stopped at {max_solutions} solutions")
    status, note = expansion_status(stats)
    if not hyps and status == "complete":
        status, note = "partial", "no consistent rule defines the query's result"
    return SearchResult(hyps, status, note or f"python-constraint enumerated all {len(found_map)} solutions")
