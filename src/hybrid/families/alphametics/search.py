"""The ``cpsat`` back end: plain CP-SAT, enumerating solutions with no-goods.

Model: one integer variable per letter (1-9 for a letter that leads a word of two or more
letters, else 0-9), ``AllDifferent`` over them, and the equation. A linear puzzle is one linear
constraint ``sum(weight[L] * x[L]) == 0`` with the place-value weights; a puzzle with products
gets one variable per word (its place-value sum) and one per product
(``AddMultiplicationEquality``, two factors at a time), then the signed sum of the terms.

Enumeration, two ways (``solutions_cpsat(method=...)``), both stopping as ``capped`` at the
``max_solutions + 1``-th solution and as ``time_limit`` when the deadline (UNKNOWN / FEASIBLE)
ends them:

* ``enumerate`` (default): one solve with ``enumerate_all_solutions``; OPTIMAL / INFEASIBLE
  means every solution was reported (``complete``; none at all proves there is no solution);
* ``nogood``: solve; forbid the solution found (``AddForbiddenAssignments`` on the letters) and
  solve again; INFEASIBLE ends it (``complete``). Simpler to trust, slower: every re-solve
  starts from scratch.
"""

from __future__ import annotations

from hybrid import Deadline

from .equation import Equation, net_coefficients
from .solver import Enumeration

__all__ = ["solutions_cpsat", "build_model"]


def build_model(eq: Equation):
    """``(model, letter variables in alphabetical order)`` for ``eq``."""
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    x = {c: m.NewIntVar(1 if c in eq.leading else 0, 9, c) for c in eq.letters}
    m.AddAllDifferent(list(x.values()))
    if eq.linear:
        w = net_coefficients(eq)
        m.Add(sum(w[c] * x[c] for c in eq.letters if w[c]) == 0)
    else:
        words: dict = {}

        def word_var(word):
            if word not in words:
                hi = 10 ** len(word) - 1
                v = m.NewIntVar(0, hi, f"w_{word}")
                m.Add(v == sum(10 ** i * x[c] for i, c in enumerate(reversed(word))))
                words[word] = v
            return words[word]

        terms = []
        for k, (s, ws) in enumerate(eq.terms):
            acc, digits = word_var(ws[0]), len(ws[0])
            for j, word in enumerate(ws[1:], 1):
                digits += len(word)
                p = m.NewIntVar(0, 10 ** digits - 1, f"p{k}_{j}")
                m.AddMultiplicationEquality(p, [acc, word_var(word)])
                acc = p
            terms.append(s * acc)
        m.Add(sum(terms) == 0)
    return m, [x[c] for c in eq.letters]


def solutions_cpsat(eq: Equation, max_solutions: int, deadline: Deadline | None = None, workers: int = 1,
                    method: str = "enumerate") -> Enumeration:
    """Every solution up to ``max_solutions``.

    ``method="enumerate"`` (the default): one solve with ``enumerate_all_solutions``, a callback
    collecting each solution (CP-SAT then keeps every feasible solution through presolve); OPTIMAL
    means every solution was reported, INFEASIBLE that there is none. ``method="nogood"``: solve,
    forbid the solution found, solve again, until INFEASIBLE. Both give the same sets; the first is
    10-30x faster on puzzles with many solutions (docs/families/alphametics.md).
    """
    if method not in ("enumerate", "nogood"):
        raise ValueError(f"method must be 'enumerate' or 'nogood', got {method!r}")
    deadline = Deadline.coerce(deadline)
    model, xs = build_model(eq)
    if method == "nogood":
        return _nogood(eq, model, xs, max_solutions, deadline, workers)
    return _enumerate(eq, model, xs, max_solutions, deadline, workers)


def _solver(deadline: Deadline, workers: int):
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = deadline.cpsat_seconds()
    solver.parameters.num_workers = workers
    return solver


def _invalid(eq: Equation, model) -> RuntimeError:
    # a bug in build_model, not a property of the puzzle: never reported as a proof
    return RuntimeError(f"alphametics: invalid CP-SAT model for {eq.text!r}: {model.Validate()}")


def _enumerate(eq, model, xs, max_solutions, deadline, workers) -> Enumeration:
    from ortools.sat.python import cp_model

    if deadline.expired():
        return Enumeration([], complete=False, timed_out=True)
    found: dict[tuple, dict] = {}
    capped = [False]

    class _Collect(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self):
            values = tuple(int(self.Value(v)) for v in xs)
            if values in found:
                return
            if len(found) == max_solutions:
                capped[0] = True
                self.StopSearch()
                return
            found[values] = dict(zip(eq.letters, values))

    solver = _solver(deadline, workers)
    solver.parameters.enumerate_all_solutions = True
    status = solver.Solve(model, _Collect())
    sols = _sorted(eq, list(found.values()))
    nodes = int(solver.NumBranches())
    if status == cp_model.MODEL_INVALID:
        raise _invalid(eq, model)
    if capped[0]:
        return Enumeration(sols, complete=False, capped=True, nodes=nodes)
    if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        return Enumeration(sols, complete=True, nodes=nodes)
    return Enumeration(sols, complete=False, timed_out=True, nodes=nodes)  # FEASIBLE / UNKNOWN: the time limit


def _nogood(eq, model, xs, max_solutions, deadline, workers) -> Enumeration:
    from ortools.sat.python import cp_model

    found: list[dict] = []
    nodes = 0
    while True:
        if deadline.expired():
            return Enumeration(_sorted(eq, found), complete=False, timed_out=True, nodes=nodes)
        solver = _solver(deadline, workers)
        status = solver.Solve(model)
        nodes += int(solver.NumBranches())
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = [int(solver.Value(v)) for v in xs]
            if len(found) == max_solutions:
                return Enumeration(_sorted(eq, found), complete=False, capped=True, nodes=nodes)
            found.append(dict(zip(eq.letters, values)))
            model.AddForbiddenAssignments(xs, [values])
        elif status == cp_model.INFEASIBLE:
            return Enumeration(_sorted(eq, found), complete=True, nodes=nodes)
        elif status == cp_model.MODEL_INVALID:
            raise _invalid(eq, model)
        else:  # UNKNOWN: the time limit
            return Enumeration(_sorted(eq, found), complete=False, timed_out=True, nodes=nodes)


def _sorted(eq: Equation, sols: list[dict]) -> list[dict]:
    return sorted(sols, key=lambda a: [a[c] for c in eq.letters])
