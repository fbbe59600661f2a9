"""Shared loop of the per-family generator tests: draw puzzles, check they parse back, solve them.

``solved_puzzles(family, n, uniform)`` draws puzzle ``i`` from ``random.Random(f"test:{family}:{i}")``
(the seeds the per-family tests' measured bounds were taken with), checks that its prompt parses
back to the generated task and renders again to the same text, solves it, and checks that a
``deduced`` answer is the gold one. It yields ``(puzzle, task, prompt, solution)`` so that each
family asserts what it knows about the other statuses.
"""

from __future__ import annotations

import random

import hybrid
from hybrid.families.base import Puzzle


def pairs(task):
    """A task's examples as (source, target) pairs."""
    return [(e.source, e.target) for e in task.examples]


def solved_puzzles(family: str, n: int, uniform: bool = False):
    """Generate, round-trip and solve ``n`` puzzles of ``family`` (see the module docstring)."""
    fam = hybrid.get_family(family)
    for i in range(n):
        puzzle = fam.generate(random.Random(f"test:{family}:{i}"), uniform=uniform)
        assert isinstance(puzzle, Puzzle) and puzzle.rule
        prompt = fam.render_prompt(puzzle.task)
        task = hybrid.parse(prompt)
        assert (task.family, pairs(task), task.query, task.meta) == (
            family, pairs(puzzle.task), puzzle.task.query, puzzle.task.meta)
        assert fam.render_prompt(task) == prompt
        sol = hybrid.solve(prompt)
        if sol.status == "deduced":
            assert sol.answer == puzzle.answer, (prompt, puzzle.rule)
        yield puzzle, task, prompt, sol
