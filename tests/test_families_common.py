"""One suite every registered family runs: parse/render round trip, catalog load, solve, soundness.

Family-specific accuracy targets live in tests/families/test_<family>.py.
"""

import pytest

import hybrid
from hybrid.families import FAMILY_NAMES

from .conftest import sample_rows_of

ROWS_PER_FAMILY = 25


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_registered_with_its_name(name):
    fam = hybrid.get_family(name)
    assert fam.name == name and isinstance(fam, hybrid.Family)


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_example_lines_round_trip(name, dev_by_family):
    fam = hybrid.get_family(name)
    for row in sample_rows_of(dev_by_family, name, ROWS_PER_FAMILY):
        task = hybrid.parse(row.prompt)
        for ex in task.examples:
            again = fam.parse_example(fam.example_line(ex), ex.line)
            assert (again.source, again.target) == (ex.source, ex.target)
        rebuilt = hybrid.Task.from_pairs(name, [(e.source, e.target) for e in task.examples], task.query, **task.meta)
        assert rebuilt.examples == tuple(hybrid.Example(e.source, e.target) for e in task.examples)


@pytest.mark.parametrize("name", [n for n in FAMILY_NAMES])
def test_catalog_loads_when_the_family_has_one(name):
    fam = hybrid.get_family(name)
    if not fam.has_catalog:
        assert fam.catalog() is None
        return
    header = fam.catalog()["_header"]
    assert header["family"] == name and str(header["builder_version"]) == str(fam.builder_version)
    assert header["entries"] > 0


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_solutions_are_sound(name, dev_by_family):
    """Every answered row's top rule reproduces every example; deduced means all consistent rules agree."""
    fam = hybrid.get_family(name)
    for row in sample_rows_of(dev_by_family, name, ROWS_PER_FAMILY, seed=1):
        sol = hybrid.solve(row.prompt, time_limit=5.0)
        assert sol.family == name and sol.status in hybrid.solution.STATUSES
        if sol.answer is None:
            assert sol.status == "unsolved"
            continue
        task = hybrid.parse(row.prompt)
        assert fam.verify(sol.hypothesis, task), f"{row.id}: reported rule does not reproduce the examples"
        assert fam.apply(sol.hypothesis, task) == sol.answer
        if sol.status == "deduced":
            assert sol.alternatives == []
        assert sol.n_consistent >= 1 and sol.n_verifications >= 1
