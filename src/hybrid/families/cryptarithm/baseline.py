"""python-constraint formulation of the cryptarithm rule space: the benchmark baseline.

Variables: one per digit glyph (domain 0-9, all different), one per operator glyph (domain: the
variant ids), one shared reversal flag. Each example is a function constraint that looks its
result up in the variant result table. python-constraint has no time limit of its own, so the
constraint functions check the clock and abort the search when the limit has passed.
"""

from __future__ import annotations

import time

import numpy as np

from .operations import VARIANTS
from .search import index_glyphs, task_shapes

__all__ = ["search_python_constraint"]

MAX_BASELINE_SOLUTIONS = 512


class _OutOfTime(Exception):
    pass


def search_python_constraint(task, time_limit: float, index=None, max_solutions: int = MAX_BASELINE_SOLUTIONS):
    """Hypotheses for ``task`` found by python-constraint's backtracking within ``time_limit``."""
    import constraint

    from . import hypotheses_from_solutions
    from .solver import Prepared

    if index is None:
        from .. import get_family

        index = get_family("cryptarithm")._index()
    table = index["table"]
    deadline = time.perf_counter() + time_limit
    shapes = task_shapes(task)
    glyphs, ops = index_glyphs(shapes)
    if len(glyphs) > 10:
        return []
    p = constraint.Problem()
    gnames = [f"g{i}" for i in range(len(glyphs))]
    onames = [f"o{i}" for i in range(len(ops))]
    p.addVariables(gnames, list(range(10)))
    p.addVariables(onames, list(range(len(VARIANTS))))
    p.addVariable("rev", [0, 1])
    p.addConstraint(constraint.AllDifferentConstraint(), gnames)
    var_rev = [v[0] for v in VARIANTS]
    for op, operands, res, shape in shapes:
        res_glyphs = [c for c in res if c != op]

        def check(v, r, a1, a2, b1, b2, *rd, _shape=shape):
            if time.perf_counter() > deadline:
                raise _OutOfTime
            if var_rev[v] != r:
                return False
            row = table[v, a1 * 10 + a2, b1 * 10 + b2]
            k = 0
            for i, s in enumerate(_shape):
                c = int(row[i]) if i < row.shape[0] else -1
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
    found_map, found_var = [], []
    try:
        for sol in p.getSolutionIter():
            found_map.append([sol[g] for g in gnames])
            found_var.append([sol[o] for o in onames])
            if len(found_map) >= max_solutions:
                break
    except _OutOfTime:
        pass
    if not found_map:
        return []
    prep = Prepared(task.query, glyphs, ops, *([None] * 8))
    hyps = hypotheses_from_solutions(prep, np.array(found_map, np.int8), np.array(found_var, np.int32),
                                     len(found_map) >= max_solutions, False, index)
    for h in hyps:
        h.source = "search"
    return hyps
