"""CP-SAT fallback and the python-constraint baseline: operations as small integer linear forms.

When no catalog variant fits an operator's examples, each glyph gets integer coefficients

    result = c_a * a + c_b * b + c_ab * a * b + c_0     (a, b read in the row's direction)

with ``c_a, c_b`` in {-2..2, 100}, ``c_ab`` in {-1, 0, 1}, ``c_0`` in -9..9 — a superset of the
catalog's additions, subtractions, multiplications (with offsets) and concatenations, so the search
also finds unseen variants such as ``2a-b`` or ``a+b+3``. Operand values are known constants, so
each example is one linear constraint over the coefficients; the objective prefers small
coefficients. Both the reading direction and the sign position (glyph before/after the digits)
are read off the printed results. Every search is bounded by ``time_limit``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ...task import Task
from .._equation_ops import OPERATIONS, format_result
from ..base import Hypothesis
from .model import Prior, Rule, glyph_class, lines_by_glyph, split

__all__ = ["LinearOp", "search_cpsat", "search_python_constraint", "COEF_AB", "COEF_AB_PROD", "COEF_0"]

COEF_AB = (-2, -1, 0, 1, 2, 100)
COEF_AB_PROD = (-1, 0, 1)
COEF_0 = tuple(range(-9, 10))


@dataclass(frozen=True)
class LinearOp:
    """An operation found by search: ``c_a*a + c_b*b + c_ab*a*b + c_0``."""

    ca: int
    cb: int
    cab: int
    c0: int
    reverse: bool
    sign: str = "pre"
    width: int = 0
    family: str = "linear"

    @property
    def name(self) -> str:
        return f"{'rev:' if self.reverse else ''}lin({self.ca},{self.cb},{self.cab},{self.c0})"

    def value(self, a: str, b: str) -> int:
        if self.reverse:
            a, b = a[::-1], b[::-1]
        x, y = int(a), int(b)
        return self.ca * x + self.cb * y + self.cab * x * y + self.c0

    def fn(self, a: str, b: str, neg: str = "-") -> str | None:
        return format_result(self.value(a, b), self.reverse, self.sign, neg, self.width)

    def describe(self) -> str:
        text = f"{self.ca}*a + {self.cb}*b + {self.cab}*a*b + {self.c0}"
        return f"reversed digits: {text}, result reversed" if self.reverse else text


def _read_result(res: str, glyph: str, reverse: bool):
    """Printed result -> (signed value, sign position or None, width) or None if unreadable."""
    sign = None
    digits = res
    if len(res) > 1 and res.startswith(glyph):
        sign, digits = "pre", res[1:]
    elif len(res) > 1 and res.endswith(glyph):
        sign, digits = "suf", res[:-1]
    if not digits.isdigit():
        return None
    width = 4 if len(digits) == 4 and (digits[-1] if reverse else digits[0]) == "0" else 0
    value = int(digits[::-1] if reverse else digits)
    return (-value if sign else value), sign, width


def _glyph_setup(lines, glyph, reverse):
    rows, signs, widths = [], set(), set()
    for a, b, res in lines:
        r = _read_result(res, glyph, reverse)
        if r is None:
            return None
        value, sign, width = r
        if sign:
            signs.add(sign)
        widths.add(width)
        x, y = (int(a[::-1]), int(b[::-1])) if reverse else (int(a), int(b))
        rows.append((x, y, value))
    if len(signs) > 1:
        return None
    return rows, (signs.pop() if signs else "pre"), max(widths)


def _fits(op: LinearOp, lines, glyph) -> bool:
    return all(op.fn(a, b, glyph) == res for a, b, res in lines)


def _solve_glyph_cpsat(lines, glyph, reverse, time_limit) -> LinearOp | None:
    from ortools.sat.python import cp_model

    setup = _glyph_setup(lines, glyph, reverse)
    if setup is None or time_limit <= 0:
        return None
    rows, sign, width = setup
    m = cp_model.CpModel()
    ca = m.NewIntVarFromDomain(cp_model.Domain.FromValues(list(COEF_AB)), "ca")
    cb = m.NewIntVarFromDomain(cp_model.Domain.FromValues(list(COEF_AB)), "cb")
    cab = m.NewIntVar(min(COEF_AB_PROD), max(COEF_AB_PROD), "cab")
    c0 = m.NewIntVar(min(COEF_0), max(COEF_0), "c0")
    for x, y, value in rows:
        m.Add(x * ca + y * cb + (x * y) * cab + c0 == value)
    abs_vars = []
    for v, lo, hi in ((ca, -2, 100), (cb, -2, 100), (cab, -1, 1), (c0, -9, 9)):
        t = m.NewIntVar(0, max(abs(lo), abs(hi)), f"abs_{v.Name()}")
        m.AddAbsEquality(t, v)
        abs_vars.append(t)
    m.Minimize(sum(abs_vars))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = 1
    status = solver.Solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    op = LinearOp(solver.Value(ca), solver.Value(cb), solver.Value(cab), solver.Value(c0), reverse, sign, width)
    return op if _fits(op, lines, glyph) else None


def _solve_glyph_pc(lines, glyph, reverse, time_limit) -> LinearOp | None:
    import constraint

    setup = _glyph_setup(lines, glyph, reverse)
    if setup is None or time_limit <= 0:
        return None
    rows, sign, width = setup
    p = constraint.Problem()
    p.addVariable("ca", list(COEF_AB))
    p.addVariable("cb", list(COEF_AB))
    p.addVariable("cab", list(COEF_AB_PROD))
    p.addVariable("c0", list(COEF_0))
    for x, y, value in rows:
        p.addConstraint(lambda ca, cb, cab, c0, x=x, y=y, v=value: ca * x + cb * y + cab * x * y + c0 == v,
                        ("ca", "cb", "cab", "c0"))
    best = None
    deadline = time.perf_counter() + time_limit
    for sol in p.getSolutionIter():
        cost = abs(sol["ca"]) + abs(sol["cb"]) + abs(sol["cab"]) + abs(sol["c0"])
        if best is None or cost < best[0]:
            best = (cost, sol)
        if time.perf_counter() > deadline:
            break
    if best is None:
        return None
    s = best[1]
    op = LinearOp(s["ca"], s["cb"], s["cab"], s["c0"], reverse, sign, width)
    return op if _fits(op, lines, glyph) else None


def _search(task: Task, time_limit: float, solve_glyph, prior: Prior | None, source: str) -> list[Hypothesis]:
    deadline = time.perf_counter() + max(0.0, time_limit)
    by = lines_by_glyph([(e.source, e.target) for e in task.examples])
    qa, qg, qb = split(task.query)
    if not (qa.isdigit() and qb.isdigit()):
        return []
    out: list[Hypothesis] = []
    for reverse in (False, True):
        found = {}
        for g, ls in by.items():
            op = solve_glyph(ls, g, reverse, deadline - time.perf_counter())
            if op is None:
                break
            found[g] = op
        if len(found) != len(by):
            continue
        base = (prior.mode_score(reverse) if prior else 0.5) * 1e-3  # search rules rank below catalog ones
        gq = glyph_class(qg, set(by) | {qg})
        if qg in found:
            qops, guess = [found[qg]], False
        else:
            qops = sorted((o for o in OPERATIONS if o.reverse == reverse),
                          key=lambda o: -(prior.score(o, gq, set()) if prior else 0.0))
            guess = True
        for op in qops:
            ans = op.fn(qa, qb, qg)
            if ans is None:
                continue
            assign = dict(found)
            assign[qg] = op
            rule = Rule(reverse, tuple(sorted(assign.items(), key=lambda kv: kv[0])))
            score = prior.score(op, gq, set()) if (prior and guess) else 1.0
            out.append(Hypothesis(rule=rule, text=rule.text(), prior=base * score, guess=guess,
                                  source=source, answer=ans))
    return out


def search_cpsat(task: Task, time_limit: float, prior: Prior | None = None) -> list[Hypothesis]:
    """CP-SAT over linear forms per glyph; hypotheses for the query (guessed if its glyph is unseen)."""
    return _search(task, time_limit, _solve_glyph_cpsat, prior, "search")


def search_python_constraint(task: Task, time_limit: float, prior: Prior | None = None) -> list[Hypothesis]:
    """The same formulation solved with python-constraint (the benchmark baseline)."""
    return _search(task, time_limit, _solve_glyph_pc, prior, "search")
