"""What every built-in family's generator (``<family>/generator.py``) must do, in one place:

* ``render_prompt`` reproduces every dev prompt of the family character for character;
* draws are deterministic for a seed (both the dev-frequency draw and ``uniform=True``), and
  different seeds give different puzzles.

The per-family files (``test_generators_measure_<family>.py``) check what is specific: the
measured frequencies, the rule reproducing the examples, and the solver's ``deduced`` answers
equalling the gold ones.
"""

from __future__ import annotations

import pytest

import hybrid
from hybrid.families import FAMILY_NAMES
from hybrid.generate import generate_row


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_render_prompt_reproduces_every_dev_prompt(dev_by_family, family):
    fam = hybrid.get_family(family)
    rows = dev_by_family[family]
    assert len(rows) > 500
    mismatched = [r.prompt for r in rows if fam.render_prompt(hybrid.parse(r.prompt)) != r.prompt]
    assert mismatched == []


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_deterministic_for_a_seed(family):
    a = [generate_row(family, i, seed=7) for i in range(5)]
    assert a == [generate_row(family, i, seed=7) for i in range(5)]
    assert [r["prompt"] for r in a] != [r["prompt"] for r in (generate_row(family, i, seed=8) for i in range(5))]
    assert len({r["prompt"] for r in a}) == 5
    u = [generate_row(family, i, seed=7, uniform=True) for i in range(5)]
    assert u == [generate_row(family, i, seed=7, uniform=True) for i in range(5)]
