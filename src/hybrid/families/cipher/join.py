"""CP-SAT join of competing vocabulary words for the cipher family.

Each slot (a distinct query word with cipher letters the examples never show) must take exactly
one of its options (a vocabulary word, i.e. the cipher->plain letters it adds to the map), and the
letters all slots add must stay one-to-one. The model is linear in the input: one Boolean per
option, one per (cipher letter, plain letter) pair equal to "some chosen option adds it", at most one
plain letter per cipher letter and one cipher letter per plain letter. (The previous model added a
clause for every incompatible pair of options of every pair of slots: quadratic, 800 MB for a few
hundred words.)

``enumerate_consistent`` enumerates the solutions under the caller's ``Deadline`` and says how far
it got: ``complete`` (every solution was found, or none exists: then ``infeasible``),
``partial`` (stopped at ``limit`` solutions), ``time_limit`` (the budget ran out first).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...deadline import Deadline

__all__ = ["JoinResult", "enumerate_consistent"]


@dataclass
class JoinResult:
    """Choices found (``choices[i][k]`` = option index of slot k), sorted, and how far the
    enumeration went: ``complete`` / ``infeasible`` / ``partial`` / ``time_limit``."""

    choices: list[tuple[int, ...]] = field(default_factory=list)
    status: str = "complete"
    note: str = ""


def enumerate_consistent(options: list[list[dict]], limit: int,
                         deadline: Deadline | float | None = None) -> JoinResult:
    """All (up to ``limit``) choices of one option per slot whose letter additions are jointly
    one-to-one.

    ``options[k][j]`` is the cipher->plain letters that choosing word j for slot k adds to the map.
    Each option must itself be one-to-one (``cipher._fits`` guarantees it).
    """
    from ortools.sat.python import cp_model  # imported on first use: it costs ~0.3 s and ~70 MB

    deadline = Deadline.coerce(deadline)
    if any(not opts for opts in options):
        return JoinResult([], "infeasible", "a word has no option")
    if not options:
        return JoinResult([()], "complete")
    model = cp_model.CpModel()
    pair: dict = {}
    users: dict[tuple[str, str], list] = {}
    x = []
    for k, opts in enumerate(options):
        deadline.check("recall: cipher join model")
        row = []
        for j, opt in enumerate(opts):
            v = model.NewBoolVar(f"w{k}_{j}")
            for c, p in opt.items():
                y = pair.get((c, p))
                if y is None:
                    y = pair[(c, p)] = model.NewBoolVar(f"{c}>{p}")
                    users[(c, p)] = []
                model.AddImplication(v, y)
                users[(c, p)].append(v)
            row.append(v)
        model.AddExactlyOne(row)
        x.append(row)
    for key, y in pair.items():  # a pair is used only when some chosen option adds it
        model.AddBoolOr([y.Not(), *users[key]])
    by_cipher: dict[str, list] = {}
    by_plain: dict[str, list] = {}
    for (c, p), y in pair.items():
        by_cipher.setdefault(c, []).append(y)
        by_plain.setdefault(p, []).append(y)
    for group in (*by_cipher.values(), *by_plain.values()):
        if len(group) > 1:
            model.AddAtMostOne(group)

    found: list[tuple[int, ...]] = []
    stopped = {"limit": False, "time": False}

    class Collect(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self):
            found.append(tuple(next(j for j, v in enumerate(row) if self.Value(v)) for row in x))
            if len(found) >= limit:
                stopped["limit"] = True
                self.StopSearch()
            elif deadline.expired():
                stopped["time"] = True
                self.StopSearch()

    deadline.check("recall: cipher join")
    solver = cp_model.CpSolver()
    solver.parameters.enumerate_all_solutions = True
    solver.parameters.max_time_in_seconds = deadline.cpsat_seconds()
    solver.parameters.num_workers = 1
    status = solver.Solve(model, Collect())
    choices = sorted(set(found))
    if stopped["limit"]:
        return JoinResult(choices, "partial", f"stopped after {limit} joint word choices")
    if status == cp_model.OPTIMAL and not stopped["time"]:
        return JoinResult(choices, "complete")
    if status == cp_model.INFEASIBLE:
        return JoinResult([], "infeasible", "no joint word choice keeps the letter map one-to-one")
    return JoinResult(choices, "time_limit",
                      f"the joint word choice enumeration ran out of time after {len(choices)} choices")
