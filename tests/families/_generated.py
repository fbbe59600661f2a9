"""Shared loop of the per-family generator tests: draw puzzles, check they parse back, solve them.

``solved_puzzles(family, n, uniform)`` draws puzzle ``i`` from ``random.Random(f"test:{family}:{i}")``
(the seeds the per-family tests' measured bounds were taken with), checks that its prompt parses
back to the generated task and renders again to the same text, solves it, and checks that a
``deduced`` answer is the gold one. It yields ``(puzzle, task, prompt, solution)`` so that each
family asserts what it knows about the other statuses.
"""

from __future__ import annotations

import random
from collections import Counter

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


def drawn_puzzles(family: str, n: int, uniform: bool = False) -> list[Puzzle]:
    """``n`` puzzles of ``family`` for the frequency tests (seeds ``freq:{family}:{i}``)."""
    fam = hybrid.get_family(family)
    return [fam.generate(random.Random(f"freq:{family}:{i}"), uniform=uniform) for i in range(n)]


def assert_example_counts_follow(puzzles, generator, tol: float = 0.04) -> None:
    """The share of puzzles with each number of examples is within ``tol`` of the generator's
    measured weights (``generator.N_EXAMPLES`` / ``N_EXAMPLES_WEIGHTS``)."""
    counts = Counter(len(p.task.examples) for p in puzzles)
    total = sum(generator.N_EXAMPLES_WEIGHTS)
    for k, w in zip(generator.N_EXAMPLES, generator.N_EXAMPLES_WEIGHTS, strict=True):
        assert abs(counts[k] / len(puzzles) - w / total) < tol, (k, counts[k], w / total)
