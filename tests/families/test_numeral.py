import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hybrid
from hybrid.families.numeral import to_roman

from ..conftest import sample_rows_of


def _reference_roman(n: int) -> str:
    """Independent slow reference: digit by digit with the classic (one, five, ten) patterns."""
    units = [("I", "V", "X"), ("X", "L", "C"), ("C", "D", "M"), ("M", "?", "?")]
    pats = ["", "a", "aa", "aaa", "ab", "b", "ba", "baa", "baaa", "ac"]
    out = ""
    for power, d in enumerate(reversed(str(n))):
        one, five, ten = units[power]
        out = pats[int(d)].replace("a", one).replace("b", five).replace("c", ten) + out
    return out


@given(st.integers(1, 3999))
def test_table_matches_reference(n):
    assert to_roman(n) == _reference_roman(n)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 3999), min_size=3, max_size=5, unique=True), st.integers(1, 3999))
def test_generated_tasks_are_deduced(examples, query):
    task = hybrid.Task.from_pairs("numeral", [(n, to_roman(n)) for n in examples], query)
    sol = hybrid.solve(task)
    assert (sol.answer, sol.status, sol.method) == (to_roman(query), "deduced", "catalog")


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_generator_puzzles_are_deduced(seed, uniform):
    """Puzzles of the family's generator (``numeral/generator.py``): 1..100 as in the data, or
    the whole table with ``uniform``."""
    import random

    from hybrid.families.numeral.generator import generate

    puzzle = generate(random.Random(seed), uniform=uniform)
    sol = hybrid.solve(puzzle.task)
    assert (sol.answer, sol.status) == (puzzle.answer, "deduced")


def test_examples_outside_the_system_are_unsolved_not_guessed():
    task = hybrid.Task.from_pairs("numeral", [("4", "IIII"), ("9", "VIIII")], "14")
    sol = hybrid.solve(task)
    assert sol.status == "unsolved" and sol.answer is None


def test_out_of_range_query_is_unsolved():
    sol = hybrid.solve(hybrid.Task.from_pairs("numeral", [("4", "IV")], "4000"))
    assert sol.answer is None and sol.status == "unsolved"


def test_dev_rows(dev_by_family):
    rows = sample_rows_of(dev_by_family, "numeral", 300, seed=3)
    assert all(hybrid.solve(r.prompt).answer == r.answer for r in rows)


def test_to_roman_rejects_out_of_range():
    with pytest.raises(ValueError):
        to_roman(0)
