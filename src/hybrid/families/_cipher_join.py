"""CP-SAT join of competing vocabulary words for the cipher family."""

from __future__ import annotations

from ortools.sat.python import cp_model


def _compatible(a: dict, b: dict) -> bool:
    for c, p in a.items():
        if b.get(c, p) != p:
            return False
    inv_a = {p: c for c, p in a.items()}
    for c, p in b.items():
        if inv_a.get(p, c) != c:
            return False
    return True


def enumerate_consistent(options: list[list[dict]], limit: int, time_limit: float = 2.0) -> list[tuple[int, ...]]:
    """All (up to ``limit``) choices of one option per slot whose letter additions are pairwise compatible.

    ``options[k][j]`` is the cipher->plain letters that choosing word j for slot k adds to the map.
    """
    model = cp_model.CpModel()
    x = [[model.NewBoolVar(f"w{k}_{j}") for j in range(len(opts))] for k, opts in enumerate(options)]
    for row in x:
        model.AddExactlyOne(row)
    for k1 in range(len(options)):
        for k2 in range(k1 + 1, len(options)):
            for j1, a in enumerate(options[k1]):
                for j2, b in enumerate(options[k2]):
                    if not _compatible(a, b):
                        model.AddBoolOr([x[k1][j1].Not(), x[k2][j2].Not()])

    found: list[tuple[int, ...]] = []

    class Collect(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self):
            found.append(tuple(next(j for j, v in enumerate(row) if self.Value(v)) for row in x))
            if len(found) >= limit:
                self.StopSearch()

    solver = cp_model.CpSolver()
    solver.parameters.enumerate_all_solutions = True
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    solver.Solve(model, Collect())
    return sorted(found)
