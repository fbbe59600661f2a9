"""CP-SAT fallback of equation_numeric (and the python-constraint baseline), with a proof of how
many answers the examples leave.

**The search's rule space** (``SPACE`` below, independent of the catalog's). A rule is

* one reading direction for the whole row, as in the catalog: plain, or *reversed* (both operands
  read right-to-left, the result printed right-to-left, leading zeros kept);
* for every operator glyph ``g`` of the row, a *linear form*

      value = c_a * a + c_b * b + c_ab * a * b + c_0     (a, b: the operands in the row's direction)

  with ``c_a, c_b`` in ``COEF_AB`` = {-2, -1, 0, 1, 2, 100}, ``c_ab`` in ``COEF_AB_PROD`` =
  {-1, 0, 1}, ``c_0`` in ``COEF_0`` = -9..9 (6 x 6 x 3 x 19 = 2,052 forms), a *sign position*
  ``pre``/``suf`` (the glyph is printed before/after the digits of a negative value) and a
  *width* 0 or 4 (the digits are zero-padded to 4, as concatenations print);
* the printed result is ``format_result(value, reverse, sign, g, width)``, the catalog's printer.

That is ``2 x (2,052 x 2 x 2)^glyphs`` rules. It holds the catalog's additions and
multiplications with their +-1 offsets, ``a-b`` and ``b-a`` (both sign positions) and the
concatenations (``c_a = 100``, width 4), plus forms the catalog lacks (``a+b+3``, ``2a-b``); it does
not hold ``|a-b|``, ``-|a-b|`` or ``max mod min`` (not linear). The search runs only when no
catalog rule reproduces the examples, and a ``deduced`` answer from it means: *every rule of this
space that reproduces the examples gives the query this answer*.

**Why "answer != found" is a linear constraint.** In a fixed direction a printed result fixes the
value (the digits read back, negative when the glyph stands before or after them) and restricts
the sign position (to the side shown, when negative) and the width (0 unless the digits carry a
leading zero that only 4-digit padding explains; 4 impossible for a short positive result), so the
example lines of a glyph are linear equalities over its four coefficients plus finite sets of
allowed sign positions and widths. Glyphs share nothing but the direction, so a direction is
feasible iff every glyph's lines are. The query's value ``v_q = c_a*qa + c_b*qb + c_ab*qa*qb +
c_0`` is a CP-SAT expression of the query glyph's coefficients, and for a fixed direction, sign
position and width the printer is injective in the value (the digits give ``|v|``, the glyph its
sign). So the answers are ``{print(v, dir, s, w)}`` over the feasible values ``v`` and the allowed
``(s, w)`` (enumerated outside the model: at most 4), and "answer != every found answer" within a
direction is exactly "``v_q`` not in the found values".

**Steps** (``_search``; ``_cpsat_values`` and ``_pc_values`` are the two solvers):

1. Per direction, read every example line (``read_result``). A line no rule can print (not
   digits with an optional glyph sign, a non-canonical zero padding, ``|value|`` above
   ``VALUE_BOUND``) makes the direction infeasible at once, before any solver runs.
2. Each non-query glyph: one solve (minimum total ``|coefficient|``). INFEASIBLE kills the
   direction; UNKNOWN (budget spent) gives ``time_limit``.
3. The query glyph: minimise the same cost under its lines and ``v_q not in found``; OPTIMAL or
   FEASIBLE adds the value and forbids it; INFEASIBLE proves the list complete; UNKNOWN gives
   ``time_limit``. At most ``MAX_VALUES`` distinct values per direction: finding one more stops
   the loop with ``partial``.
4. One hypothesis per distinct printed answer (values found in cost order, so the simplest
   rule giving each answer ranks first).

Status: ``complete`` (every answer of the space is listed, so one answer is proven unique),
``infeasible`` (no rule of the space fits, proven for both directions), ``time_limit`` (the
deadline stopped a solve or a loop), ``partial`` (more than ``MAX_VALUES`` values in a direction,
or the query glyph appears in no example: the linear forms then leave the answer free, and the
hypotheses are the catalog's operations ranked by the prior, marked ``guess``).

Every loop that grows with the input (lines, glyphs, found values) checks the ``Deadline``;
CP-SAT runs under ``deadline.cpsat_seconds()`` with one worker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...deadline import Deadline
from ...errors import TaskParseError
from ...task import Task
from ..base import Hypothesis, SearchResult
from ..equations.model import Prior, Rule, glyph_class, lines_by_glyph, split
from ..equations.operations import OPERATIONS, format_result

__all__ = ["LinearOp", "search_cpsat", "search_python_constraint", "read_result", "COEF_AB", "COEF_AB_PROD",
           "COEF_0", "SIGNS", "WIDTHS", "VALUE_BOUND", "MAX_VALUES", "SPACE"]

COEF_AB = (-2, -1, 0, 1, 2, 100)
COEF_AB_PROD = (-1, 0, 1)
COEF_0 = tuple(range(-9, 10))
SIGNS = ("pre", "suf")
WIDTHS = (0, 4)
#: Largest operand (two digits, read in either direction).
OPERAND_MAX = 99
#: No linear form of the space reaches a value of larger magnitude (100*99 + 100*99 + 99*99 + 9).
VALUE_BOUND = (max(abs(c) for c in COEF_AB) * OPERAND_MAX * 2 + max(abs(c) for c in COEF_AB_PROD) * OPERAND_MAX ** 2
               + max(abs(c) for c in COEF_0))
#: Distinct query values enumerated per direction before the search stops with ``partial``.
MAX_VALUES = 8
#: The search's rule space in one line (``Solution.note`` and the docs quote it).
SPACE = ("per glyph c_a*a + c_b*b + c_ab*a*b + c_0 (c_a, c_b in {-2..2, 100}, c_ab in {-1, 0, 1}, c_0 in -9..9), "
         "sign before/after, width 0/4; one reading direction per row")

_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class LinearOp:
    """An operation of the search space: ``c_a*a + c_b*b + c_ab*a*b + c_0``, printed with the
    glyph ``sign`` (``pre``/``suf``) when negative and zero-padded to ``width`` digits."""

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
        """A unique name: ``lin(ca,cb,cab,c0)``, prefixed ``rev:`` for reversed reading."""
        return f"{'rev:' if self.reverse else ''}lin({self.ca},{self.cb},{self.cab},{self.c0})"

    @property
    def cost(self) -> int:
        """The sum of absolute coefficients (simpler operations are tried first)."""
        return abs(self.ca) + abs(self.cb) + abs(self.cab) + abs(self.c0)

    def value(self, a: str, b: str) -> int:
        """The operation's value on the printed operands (reversed first when the row reads reversed)."""
        if self.reverse:
            a, b = a[::-1], b[::-1]
        x, y = int(a), int(b)
        return self.ca * x + self.cb * y + self.cab * x * y + self.c0

    def fn(self, a: str, b: str, neg: str = "-") -> str | None:
        """The result as the generator prints it (sign glyph ``neg``, padding, reversal), or None."""
        return format_result(self.value(a, b), self.reverse, self.sign, neg, self.width)

    def expression(self) -> str:
        """The formula as text, e.g. ``a*b - 1``."""
        terms = []
        for c, t in ((self.ca, "a"), (self.cb, "b"), (self.cab, "a*b")):
            if c:
                terms.append(f"{'-' if c < 0 else '+'} {'' if abs(c) == 1 else f'{abs(c)}*'}{t}")
        if self.c0 or not terms:
            terms.append(f"{'-' if self.c0 < 0 else '+'} {abs(self.c0)}")
        text = " ".join(terms)
        return text[2:] if text.startswith("+ ") else "-" + text[2:]

    def describe(self) -> str:
        """The formula with its printing details (padding, sign side, reversal)."""
        text = self.expression()
        extras = []
        if self.width:
            extras.append(f"padded to {self.width} digits")
        extras.append(f"sign glyph {'before' if self.sign == 'pre' else 'after'} a negative result")
        text = f"{text} ({', '.join(extras)})"
        return f"reversed digits: {text}, result reversed" if self.reverse else text


@dataclass(frozen=True)
class GlyphLines:
    """One glyph's example lines read in one direction: ``rows`` of ``(a, b, value)`` and the sign
    positions and widths every line allows."""

    rows: tuple[tuple[int, int, int], ...]
    signs: tuple[str, ...]
    widths: tuple[int, ...]


def read_result(res: str, glyph: str, reverse: bool) -> tuple[int, frozenset, frozenset] | None:
    """What a printed result says in one direction: ``(value, allowed signs, allowed widths)``, or
    None when no rule of the space prints it.

    >>> value, signs, widths = read_result("0594", "*", True)
    >>> value, sorted(signs), sorted(widths)
    (4950, ['pre', 'suf'], [0, 4])
    >>> read_result("2)", ")", True)
    (-2, frozenset({'suf'}), frozenset({0}))
    >>> value, signs, widths = read_result("0532", "/", False)
    >>> value, sorted(signs), sorted(widths)
    (532, ['pre', 'suf'], [4])
    """
    if _DIGITS.fullmatch(res):
        digits, signs, negative = res, frozenset(SIGNS), False
    elif len(res) > 1 and res[0] == glyph and _DIGITS.fullmatch(res, 1):
        digits, signs, negative = res[1:], frozenset({"pre"}), True
    elif len(res) > 1 and res[-1] == glyph and _DIGITS.fullmatch(res, 0, len(res) - 1):
        digits, signs, negative = res[:-1], frozenset({"suf"}), True
    else:
        return None
    if len(digits) > len(str(VALUE_BOUND)):
        return None
    shown = digits[::-1] if reverse else digits
    magnitude = int(shown)
    if negative and magnitude == 0:  # format_result never prints a sign on 0
        return None
    widths = frozenset(w for w in WIDTHS if str(magnitude).zfill(w) == shown)
    value = -magnitude if negative else magnitude
    if not widths or abs(value) > VALUE_BOUND:
        return None
    return value, signs, widths


def read_lines(lines, glyph: str, reverse: bool) -> GlyphLines | None:
    """Every line of one glyph read in one direction; None when some line (or the lines together:
    two sign positions, no common width, one operand pair with two values) rules the glyph out."""
    rows: dict[tuple[int, int], int] = {}
    signs, widths = set(SIGNS), set(WIDTHS)
    for a, b, res in lines:
        r = read_result(res, glyph, reverse)
        if r is None:
            return None
        value, s, w = r
        signs &= s
        widths &= w
        x, y = (int(a[::-1]), int(b[::-1])) if reverse else (int(a), int(b))
        if not signs or not widths or rows.setdefault((x, y), value) != value:
            return None
    return GlyphLines(tuple((x, y, v) for (x, y), v in rows.items()), tuple(sorted(signs)), tuple(sorted(widths)))


# ------------------------------------------------------------------------------------- solvers
#: A solver: ``(rows, query operands or None, deadline, limit) -> (solutions, status)``. With a
#: query, ``solutions`` are ``(coefficients, v_q)`` with distinct ``v_q`` in order of cost and
#: ``status`` is ``complete`` (no other value), ``partial`` (``limit + 1`` values found: stopped),
#: ``infeasible`` or ``time_limit``; without one, at most one solution (the cheapest) and
#: ``complete`` / ``infeasible`` / ``time_limit``.


def _cpsat_values(rows, query, deadline: Deadline, limit: int):
    from ortools.sat.python import cp_model

    if deadline.expired():
        return [], "time_limit"
    m = cp_model.CpModel()
    ca = m.NewIntVarFromDomain(cp_model.Domain.FromValues(list(COEF_AB)), "ca")
    cb = m.NewIntVarFromDomain(cp_model.Domain.FromValues(list(COEF_AB)), "cb")
    cab = m.NewIntVarFromDomain(cp_model.Domain.FromValues(list(COEF_AB_PROD)), "cab")
    c0 = m.NewIntVarFromDomain(cp_model.Domain.FromValues(list(COEF_0)), "c0")
    for i, (x, y, value) in enumerate(rows):
        if i % 64 == 0 and deadline.expired():
            return [], "time_limit"
        m.Add(x * ca + y * cb + (x * y) * cab + c0 == value)
    costs = []
    for v, top in ((ca, max(abs(c) for c in COEF_AB)), (cb, max(abs(c) for c in COEF_AB)),
                   (cab, max(abs(c) for c in COEF_AB_PROD)), (c0, max(abs(c) for c in COEF_0))):
        t = m.NewIntVar(0, top, f"abs_{v.Name()}")
        m.AddAbsEquality(t, v)
        costs.append(t)
    m.Minimize(sum(costs))
    vq = None
    if query is not None:
        qx, qy = query
        vq = m.NewIntVar(-VALUE_BOUND, VALUE_BOUND, "vq")
        m.Add(vq == qx * ca + qy * cb + (qx * qy) * cab + c0)
    out: list = []
    while True:
        if deadline.expired():
            return out, "time_limit"
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = deadline.cpsat_seconds()
        solver.parameters.num_workers = 1
        status = solver.Solve(m)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            coefs = (solver.Value(ca), solver.Value(cb), solver.Value(cab), solver.Value(c0))
            if vq is None:
                return [(coefs, None)], "complete"
            value = solver.Value(vq)
            out.append((coefs, value))
            if len(out) > limit:
                return out, "partial"
            m.Add(vq != value)  # "answer != found", in values (see the module docstring)
        elif status == cp_model.INFEASIBLE:
            return out, ("complete" if out else "infeasible")
        else:  # UNKNOWN: the time ran out before a proof
            return out, "time_limit"


def _pc_values(rows, query, deadline: Deadline, limit: int):
    """The same problem with python-constraint: every solution is enumerated (the space has 2,052
    coefficient tuples), the cheapest kept per query value."""
    import constraint

    if deadline.expired():
        return [], "time_limit"
    p = constraint.Problem()
    p.addVariable("ca", list(COEF_AB))
    p.addVariable("cb", list(COEF_AB))
    p.addVariable("cab", list(COEF_AB_PROD))
    p.addVariable("c0", list(COEF_0))
    for x, y, value in rows:
        p.addConstraint(lambda ca, cb, cab, c0, x=x, y=y, v=value: ca * x + cb * y + cab * x * y + c0 == v,
                        ("ca", "cb", "cab", "c0"))
    best: dict = {}
    for i, sol in enumerate(p.getSolutionIter()):
        if i % 64 == 0 and deadline.expired():
            return _by_cost(best), "time_limit"
        coefs = (sol["ca"], sol["cb"], sol["cab"], sol["c0"])
        cost = sum(abs(c) for c in coefs)
        value = None if query is None else coefs[0] * query[0] + coefs[1] * query[1] + coefs[2] * query[0] * query[1] + coefs[3]
        cur = best.get(value)
        if cur is None or (cost, coefs) < cur:
            best[value] = (cost, coefs)
    if not best:
        return [], "infeasible"
    out = _by_cost(best)
    if query is None:
        return out[:1], "complete"
    if len(out) > limit:
        return out[:limit + 1], "partial"
    return out, "complete"


def _by_cost(best: dict) -> list:
    return [(coefs, value) for value, (cost, coefs) in sorted(best.items(), key=lambda kv: (kv[1], kv[0] or 0))]


# ------------------------------------------------------------------------------------- search
def _search(task: Task, deadline: Deadline, values_fn, prior: Prior | None, source: str = "search") -> SearchResult:
    by = lines_by_glyph([(e.source, e.target) for e in task.examples])
    qa, qg, qb = split(task.query)
    by_answer: dict[str, Hypothesis] = {}
    statuses: list[str] = []
    notes: list[str] = []
    for reverse in (False, True):
        direction = "reversed" if reverse else "plain"
        read: dict[str, GlyphLines] = {}
        dead = None
        for g, ls in by.items():
            if deadline.expired():
                dead = "time_limit"
                break
            r = read_lines(ls, g, reverse)
            if r is None:
                dead = "infeasible"
                break
            read[g] = r
        found: dict[str, LinearOp] = {}
        if dead is None:
            for g, r in read.items():
                if g == qg:
                    continue
                sols, st = values_fn(r.rows, None, deadline, 1)
                if st != "complete":
                    dead = st
                    break
                found[g] = LinearOp(*sols[0][0], reverse, r.signs[0], r.widths[0])
        if dead is not None:
            statuses.append(dead)
            if dead == "time_limit":
                notes.append(f"{direction} reading: time limit before every glyph was decided")
            continue
        base = (prior.mode_score(reverse) if prior else 0.5) * 1e-3  # search rules rank below catalog ones
        if qg in read:
            r = read[qg]
            q = (int(qa[::-1]), int(qb[::-1])) if reverse else (int(qa), int(qb))
            sols, st = values_fn(r.rows, q, deadline, MAX_VALUES)
            statuses.append(st)
            if st == "partial":
                notes.append(f"{direction} reading: more than {MAX_VALUES} query values; stopped")
            elif st == "time_limit":
                notes.append(f"{direction} reading: time limit after {len(sols)} query value(s)")
            for coefs, value in sols:
                for s in (r.signs if value < 0 else r.signs[:1]):
                    for w in r.widths:
                        op = LinearOp(*coefs, reverse, s, w)
                        ans = op.fn(qa, qb, qg)
                        if ans in by_answer:
                            continue
                        assign = dict(found)
                        assign[qg] = op
                        rule = Rule(reverse, tuple(sorted(assign.items(), key=lambda kv: kv[0])))
                        by_answer[ans] = Hypothesis(rule=rule, text=rule.text(), prior=base / (1 + op.cost),
                                                    complexity=op.cost, source=source, answer=ans)
        else:
            # The query glyph is in no example: any linear form fits it, so the answer is free.
            # Offer the catalog's operations as guesses, ranked by the prior.
            statuses.append("partial")
            notes.append("the query's operator appears in no example: guessed")
            gq = glyph_class(qg, set(by) | {qg})
            for op in sorted((o for o in OPERATIONS if o.reverse == reverse),
                             key=lambda o: -(prior.score(o, gq, set()) if prior else 0.0)):
                ans = op.fn(qa, qb, qg)
                if ans is None or ans in by_answer:
                    continue
                assign = dict(found)
                assign[qg] = op
                rule = Rule(reverse, tuple(sorted(assign.items(), key=lambda kv: kv[0])))
                score = prior.score(op, gq, set()) if prior else 1.0
                by_answer[ans] = Hypothesis(rule=rule, text=rule.text(), prior=base * score, guess=True,
                                            source=source, answer=ans)
    hyps = list(by_answer.values())
    if "time_limit" in statuses:
        status = "time_limit"
    elif "partial" in statuses:
        status = "partial"
    elif not hyps:
        status = "infeasible"
    else:
        status = "complete"
    if status == "complete":
        notes.append(f"answer != found is infeasible: {len(hyps)} answer(s) in the linear-form space")
    elif status == "infeasible":
        notes.append("no linear form of the search space reproduces the examples (both readings)")
    return SearchResult(hyps, status, "; ".join(notes))


def _checked(task: Task) -> None:
    """The module-level entry points accept any Task: hold it to the family's parsing rules."""
    from .. import get_family

    if not isinstance(task, Task) or task.family != "equation_numeric":
        raise TaskParseError("search_cpsat / search_python_constraint take an equation_numeric Task")
    get_family("equation_numeric").validate(task)


def search_cpsat(task: Task, time_limit: float | Deadline, prior: Prior | None = None) -> SearchResult:
    """CP-SAT over the linear-form space with a proof of how many answers it leaves
    (``time_limit``: seconds or a ``Deadline``)."""
    _checked(task)
    return _search(task, Deadline.coerce(time_limit), _cpsat_values, prior)


def search_python_constraint(task: Task, time_limit: float | Deadline, prior: Prior | None = None) -> SearchResult:
    """The same search solved with python-constraint (the benchmark baseline)."""
    _checked(task)
    return _search(task, Deadline.coerce(time_limit), _pc_values, prior)
