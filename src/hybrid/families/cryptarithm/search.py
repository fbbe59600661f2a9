"""CP-SAT fallback: the same rule space as the catalog, searched directly, with a uniqueness proof.

Model: one integer digit variable per glyph (AllDifferent), one variant variable per operator
glyph, one shared reversal flag, and per example a table constraint over
``(variant, reversal, a1, a2, b1, b2, result digits...)`` holding every row of the result table
whose printed shape (length, sign position) and glyph equalities match the example. When no rule
fits under one reversal flag, the model is rebuilt with each operator reversing on its own (the
join's fallback too).

``search_cpsat`` first enumerates up to ``max_solutions`` solutions (they weigh the answers as the
catalog path does) on a share of the budget (``ENUM_SHARE``, ``ENUM_MAX_SECONDS``: CP-SAT's
enumerate-all mode runs without its reducing presolve, which costs about a second on the largest
example tables). If CP-SAT proves that enumeration exhaustive, the result is ``complete``.
Otherwise, when the query's answer is a function of a solution (its operator and operand glyphs
all appear in the examples), every answer found is excluded (``answer != A``: the query, printed as
``A``, forbidden as one more table) and the model re-solved: INFEASIBLE proves ``complete``, a new
solution adds its answer and the loop goes on, UNKNOWN (time) gives ``time_limit``. No solution and
INFEASIBLE gives ``infeasible``.
"""

from __future__ import annotations

import numpy as np

from ...deadline import Deadline, TimeLimitReached
from ...errors import TaskParseError
from ..base import SearchResult
from .operations import PAD, SIGN, VARIANTS
from .patterns import pattern_key

__all__ = ["search_cpsat", "shape_rows", "task_shapes", "index_glyphs", "MAX_SEARCH_SOLUTIONS",
           "MAX_SEARCH_ANSWERS"]

#: Solutions enumerated (for the answer weights) before the proof by exclusion takes over.
MAX_SEARCH_SOLUTIONS = 512
#: Distinct answers after which the exclusion loop stops (``partial``).
MAX_SEARCH_ANSWERS = 24
#: The enumeration runs on at most this share of the time left, and at most this many seconds;
#: the exclusion loop (the proof) gets the rest.
ENUM_SHARE = 0.25
ENUM_MAX_SECONDS = 0.5
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
    digit_pos = [i for i in range(n) if shape[i] != SIGN]
    if n == 0 or n > table.shape[-1]:
        return np.zeros((0, 6 + len(digit_pos)), np.int64)  # no variant prints that many characters
    t = table.reshape(len(VARIANTS), 10000, table.shape[-1]).astype(np.int64)
    mask = np.ones(t.shape[:2], dtype=bool)
    for i in range(table.shape[-1]):
        if i < n:
            mask &= (t[:, :, i] == SIGN) if shape[i] == SIGN else (t[:, :, i] >= 0) & (t[:, :, i] < 10)
        else:
            mask &= t[:, :, i] == PAD
    vs, ab = np.nonzero(mask)
    a, b = ab // 100, ab % 100
    rev = np.array([v[0] for v in VARIANTS], dtype=np.int64)[vs]
    cols = [vs, rev, a // 10, a % 10, b // 10, b % 10] + [t[vs, ab, i] for i in digit_pos]
    rows = np.stack(cols, axis=1) if len(vs) else np.zeros((0, 6 + len(digit_pos)), np.int64)
    if len(_shape_cache) < 256:
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


def _equality_filter(rows: np.ndarray, chars: list[str], first: int = 2) -> np.ndarray:
    """Keep table rows whose digit columns (from ``first``) agree with the example's glyph
    equalities: equal glyphs carry equal digits and distinct glyphs distinct digits (the
    one-to-one map). This is what AllDifferent would enforce anyway; doing it up front keeps the
    table constraints small, so building the model stays well inside the time limit."""
    if len(rows) == 0:
        return rows
    keep = np.ones(len(rows), dtype=bool)
    for i in range(len(chars)):
        for j in range(i + 1, len(chars)):
            same = rows[:, first + i] == rows[:, first + j]
            keep &= same if chars[i] == chars[j] else ~same
    return rows[keep]


def _line(ex, i: int) -> str:
    return f"line {ex.line}" if ex.line else f"example {i}"


class _Model:
    """The CP-SAT model of one task under one reversal convention."""

    def __init__(self, task, index, mixed: bool, deadline: Deadline):
        from ortools.sat.python import cp_model

        self.cp_model = cp_model
        self.task, self.index, self.mixed = task, index, mixed
        self.table = index["table"]
        shapes = task_shapes(task)
        self.glyphs, self.ops = index_glyphs(shapes)
        self.infeasible = ""
        m = self.m = cp_model.CpModel()
        self.x = [m.NewIntVar(0, 9, f"g{i}") for i in range(len(self.glyphs))]
        if len(self.x) > 1:
            m.AddAllDifferent(self.x)
        self.sel = [m.NewIntVar(0, len(VARIANTS) - 1, f"op{i}") for i in range(len(self.ops))]
        rev = None if mixed else m.NewIntVar(0, 1, "rev")
        done: set = set()
        for i, ((op, operands, res, shape), ex) in enumerate(zip(shapes, task.examples, strict=True), 1):
            deadline.check("cryptarithm CP-SAT model")
            if (ex.source, ex.target) in done:
                continue  # a repeated example adds nothing
            done.add((ex.source, ex.target))
            chars = list(operands) + [c for c in res if c != op]
            rows = _equality_filter(shape_rows(self.table, shape), chars)
            if len(rows) == 0:
                self.infeasible = f"no operation variant prints the shape of {_line(ex, i)} ({ex.source} = {ex.target})"
                return
            digits = [self.x[self.glyphs[c]] for c in chars]
            if mixed:
                m.AddAllowedAssignments([self.sel[self.ops[op]]] + digits, np.delete(rows, 1, axis=1).tolist())
            else:
                m.AddAllowedAssignments([self.sel[self.ops[op]], rev] + digits, rows.tolist())

    def solver(self, deadline: Deadline, enumerate_all: bool):
        s = self.cp_model.CpSolver()
        s.parameters.max_time_in_seconds = deadline.cpsat_seconds()
        s.parameters.enumerate_all_solutions = enumerate_all
        s.parameters.num_workers = 1
        return s

    # ---------------------------------------------------------------- the query's answer
    def query_vars(self):
        """The query's operand glyph variables and operator variable, or None when one of them
        is not in the examples (its answer is then not a function of a solution)."""
        q = self.task.query
        if q[2] not in self.ops or any(c not in self.glyphs for c in q[:2] + q[3:]):
            return None
        return self.sel[self.ops[q[2]]]

    def forbid_undefined_query(self) -> None:
        """Only rules under which the query's result is defined (``max mod min`` of 0 is not)."""
        q = self.task.query
        order = list(dict.fromkeys(q[:2] + q[3:]))
        t = self.table.reshape(len(VARIANTS), 10000, self.table.shape[-1])
        vs, ab = np.nonzero(t[:, :, 0] == PAD)
        if len(vs) == 0:
            return
        digits = np.stack([ab // 1000, ab // 100 % 10, ab // 10 % 10, ab % 10], axis=1)
        rows = _equality_filter(np.concatenate([vs[:, None], digits], axis=1), list(q[:2] + q[3:]), first=1)
        pos = [1 + (q[:2] + q[3:]).index(c) for c in order]
        rows = rows[:, [0] + pos]
        if len(rows):
            self.m.AddForbiddenAssignments([self.query_vars()] + [self.x[self.glyphs[c]] for c in order],
                                           np.unique(rows, axis=0).tolist())

    def forbid_answer(self, answer: str) -> None:
        """Add ``answer != A``: the tuples under which the query prints ``answer`` are exactly the
        index entries of the pattern of ``query = answer`` (its glyphs must all be task glyphs)."""
        q = self.task.query
        key, order = pattern_key(q[:2] + q[3:], answer, q[2])
        k = self.index["_key_id"].get(key)
        if k is None:
            return  # no rule prints it: nothing to exclude
        s, e = int(self.index["starts"][k]), int(self.index["starts"][k + 1])
        rows = np.concatenate([np.asarray(self.index["var"][s:e], np.int64)[:, None],
                               np.asarray(self.index["letters"][s:e, : len(order)], np.int64)], axis=1)
        self.m.AddForbiddenAssignments([self.query_vars()] + [self.x[self.glyphs[c]] for c in order], rows.tolist())


def _answer(table, gmap: list[int], opvar: list[int], glyphs: dict, ops: dict, query: str):
    """``(answer, blind)``: the query's printed answer under one solution (None when undefined);
    ``blind`` when it needs a digit no glyph of the task holds."""
    from .answers import render

    gm = {g: gmap[i] for g, i in glyphs.items()}
    om = {g: opvar[j] for g, j in ops.items()}
    ans = render(table, gm, om, query)
    if ans is not None:
        return ans, False
    v = om[query[2]]
    a, b = gm[query[0]] * 10 + gm[query[1]], gm[query[3]] * 10 + gm[query[4]]
    return None, bool(table[v, a, b, 0] != PAD)


def search_cpsat(task, time_limit, index, max_solutions: int = MAX_SEARCH_SOLUTIONS,
                 max_answers: int = MAX_SEARCH_ANSWERS) -> SearchResult:
    """CP-SAT search with a proof of uniqueness; ``time_limit`` is seconds or a ``Deadline``.

    Returns a ``SearchResult``: ``complete`` (every answer of a consistent rule is represented:
    enumeration proven exhaustive, or each other answer excluded and the model INFEASIBLE),
    ``infeasible`` (no rule fits, proven), ``time_limit`` or ``partial`` (answer cap reached, or the
    query's answer is not a function of a solution and there are more than ``max_solutions``).
    """
    deadline = Deadline.coerce(time_limit)
    if not task.examples:
        raise TaskParseError("cryptarithm: no example lines (a task needs at least one example)")
    found_map: list[list[int]] = []
    found_var: list[list[int]] = []
    model = None
    try:
        shapes = task_shapes(task)
        glyphs, _ = index_glyphs(shapes)
        if len(glyphs) > 10:
            return SearchResult([], "infeasible", f"the examples show {len(glyphs)} digit glyphs; a one-to-one "
                                                  "map to 0-9 allows 10")
        for mixed in (False, True):
            model = _Model(task, index, mixed, deadline)
            if model.infeasible:
                return SearchResult([], "infeasible", model.infeasible)
            cp = model.cp_model
            # enumeration (for the answers' weights) on a share of the budget: CP-SAT's
            # enumerate-all mode cannot use its reducing presolve and is slow on big tables
            enum_deadline = Deadline(min(ENUM_MAX_SECONDS, deadline.remaining() * ENUM_SHARE))
            status, stopped = _enumerate(model, enum_deadline, max_solutions, found_map, found_var)
            if status == cp.OPTIMAL and not stopped:
                return _result(model, found_map, found_var, "complete",
                               f"CP-SAT enumerated all {len(found_map)} solutions")
            if status == cp.UNKNOWN and not found_map:
                # the enumeration's share ran out first: is there a rule at all?
                deadline.check("cryptarithm CP-SAT search")
                solver = model.solver(deadline, False)
                status = solver.Solve(model.m)
                if status in (cp.OPTIMAL, cp.FEASIBLE):
                    found_map.append([int(solver.Value(v)) for v in model.x])
                    found_var.append([int(solver.Value(v)) for v in model.sel])
            if status == cp.INFEASIBLE:
                if not mixed:
                    continue
                return SearchResult([], "infeasible", "CP-SAT: no glyph map and operator variants reproduce "
                                                      "every example (INFEASIBLE)")
            if status not in (cp.OPTIMAL, cp.FEASIBLE):
                if status == cp.UNKNOWN:
                    return SearchResult([], "time_limit", "CP-SAT found no rule before the time limit")
                raise RuntimeError(f"CP-SAT returned {solver_status_name(status)}")
            break
        # more solutions than enumerated, or the enumeration's time share ran out
        if model.query_vars() is None:
            why = (f"stopped at {max_solutions} solutions" if stopped else
                   f"enumerated {len(found_map)} solutions in its share of the time limit")
            return _result(model, found_map, found_var, "partial",
                           f"{why}; the query's operator or a query glyph is not in the examples, so its answer "
                           "is a guess")
        return _exclude_answers(model, deadline, found_map, found_var, max_answers)
    except TimeLimitReached as exc:
        if model is not None and found_map:
            return _result(model, found_map, found_var, "time_limit", str(exc))
        return SearchResult([], "time_limit", str(exc))


def solver_status_name(status) -> str:
    """CP-SAT's name for a solver status (OPTIMAL, FEASIBLE, INFEASIBLE, ...)."""
    from ortools.sat.python import cp_model

    return cp_model.CpSolver().StatusName(status) if hasattr(cp_model.CpSolver, "StatusName") else str(status)


def _enumerate(model: _Model, deadline: Deadline, max_solutions: int, found_map, found_var):
    cp = model.cp_model
    stopped = [False]
    x, sel = model.x, model.sel

    class _Collect(cp.CpSolverSolutionCallback):
        def on_solution_callback(self):
            found_map.append([self.Value(v) for v in x])
            found_var.append([self.Value(v) for v in sel])
            if len(found_map) >= max_solutions:
                stopped[0] = True
                self.StopSearch()

    status = model.solver(deadline, True).Solve(model.m, _Collect())
    if found_map and status == cp.INFEASIBLE:  # cannot happen; never call found solutions infeasible
        status = cp.FEASIBLE
    return status, stopped[0]


def _exclude_answers(model: _Model, deadline: Deadline, found_map, found_var, max_answers: int) -> SearchResult:
    """Prove the answers found are all: forbid each, re-solve until INFEASIBLE."""
    cp = model.cp_model
    table, glyphs, ops, q = model.table, model.glyphs, model.ops, model.task.query
    answers: list[str] = []
    for gm, ov in zip(found_map, found_var, strict=True):
        ans, blind = _answer(table, gm, ov, glyphs, ops, q)
        if blind:
            return _result(model, found_map, found_var, "partial",
                           "an answer needs a digit no example shows a glyph for; other answers not excluded")
        if ans is not None and ans not in answers:
            answers.append(ans)
    model.forbid_undefined_query()
    for a in answers:
        model.forbid_answer(a)
    while True:
        if len(answers) > max_answers:
            return _result(model, found_map, found_var, "partial", f"stopped after {len(answers)} distinct answers")
        deadline.check("cryptarithm CP-SAT proof")
        solver = model.solver(deadline, False)
        status = solver.Solve(model.m)
        if status == cp.INFEASIBLE:
            return _result(model, found_map, found_var, "complete",
                           f"CP-SAT: every other answer than {', '.join(answers)} is infeasible")
        if status not in (cp.OPTIMAL, cp.FEASIBLE):
            return _result(model, found_map, found_var, "time_limit",
                           f"CP-SAT could not exclude answers other than {', '.join(answers)} in time")
        gm = [int(solver.Value(v)) for v in model.x]
        ov = [int(solver.Value(v)) for v in model.sel]
        found_map.append(gm)
        found_var.append(ov)
        ans, blind = _answer(table, gm, ov, glyphs, ops, q)
        if blind:
            return _result(model, found_map, found_var, "partial",
                           "an answer needs a digit no example shows a glyph for; other answers not excluded")
        if ans is None or ans in answers:  # cannot happen: the model forbids both
            raise RuntimeError(f"CP-SAT returned an excluded answer {ans!r}")
        answers.append(ans)
        model.forbid_answer(ans)


def _result(model: _Model, found_map, found_var, status: str, note: str) -> SearchResult:
    from .answers import expansion_status, hypotheses_from_solutions, no_answer_hypothesis
    from .solver import Prepared

    prep = Prepared(model.task.query, model.glyphs, model.ops, *([None] * 8))
    stats: dict = {}
    hyps = hypotheses_from_solutions(prep, np.array(found_map, dtype=np.int8).reshape(len(found_map), -1),
                                     np.array(found_var, dtype=np.int32).reshape(len(found_var), -1),
                                     status != "complete", model.mixed, model.index, stats=stats,
                                     examples=[e.source for e in model.task.examples])
    for h in hyps:
        h.source = "search"
    if status == "complete":
        status, why = expansion_status(stats)
        if why:
            note = f"{note}; {why}"
        if not hyps and status == "complete":
            if model.query_vars() is not None and found_map:
                # every consistent rule leaves the query's result undefined: one of them says so
                hyps = [no_answer_hypothesis(prep, sol_map=found_map, sol_var=found_var, source="search")]
            else:
                status, note = "partial", f"{note}; no answer of the consistent rules could be weighed"
    return SearchResult(hyps, status, note)
