"""The generators of numeral, unit_conversion, gravity and cipher (``<family>/generator.py``).

* (``render_prompt`` on every dev prompt, and determinism for a seed: ``test_generators.py``);
* generated prompts parse back to the generated task, and the rule string reproduces the examples;
* the solver's ``deduced`` answers on generated puzzles equal the gold answers;
* draws follow the measured frequencies (docs/families/*.md).
"""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

import hybrid

from ._generated import assert_example_counts_follow, drawn_puzzles, solved_puzzles

FAMILIES = ("numeral", "unit_conversion", "gravity", "cipher")
#: Generated puzzles solved per family (the whole file runs in a few seconds).
N_SOLVED = 600


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("uniform", [False, True])
def test_generated_puzzles_parse_back_and_deduced_answers_are_gold(family, uniform):
    status = Counter()
    hits = 0
    for puzzle, _task, _prompt, sol in solved_puzzles(family, N_SOLVED if not uniform else N_SOLVED // 3, uniform):
        status[sol.status] += 1
        hits += sol.answer == puzzle.answer
        if sol.status != "deduced":  # the gold answer is never ruled out
            assert sol.status == "ambiguous" and puzzle.answer in [sol.answer, *(a[0] for a in sol.alternatives)]
    n = sum(status.values())
    if family in ("numeral", "cipher"):  # 5,000 of 5,000 deduced when measured (docs)
        assert status["deduced"] >= 0.97 * n and hits >= 0.98 * n
    else:  # ~60% deduced, ~90% right (the information limit, docs)
        assert 0.45 * n <= status["deduced"] <= 0.8 * n and hits >= 0.82 * n




@pytest.mark.parametrize("family", FAMILIES)
def test_example_counts_follow_the_dev_counts(family):
    import importlib

    gen = importlib.import_module(f"hybrid.families.{family}.generator")
    puzzles = drawn_puzzles(family, 1500)
    assert {len(p.task.examples) for p in puzzles} == {3, 4, 5}
    assert_example_counts_follow(puzzles, gen)


# ------------------------------------------------------------------ numeral
def test_numeral_ranges_and_rule():
    from hybrid.families.numeral import to_roman

    dev = drawn_puzzles("numeral", 400)
    numbers = [int(e.source) for p in dev for e in p.task.examples] + [int(p.task.query) for p in dev]
    assert min(numbers) == 1 and max(numbers) == 100
    assert all(p.answer == to_roman(int(p.task.query)) for p in dev)
    assert all(e.target == to_roman(int(e.source)) for p in dev for e in p.task.examples)
    wide = drawn_puzzles("numeral", 200, uniform=True)
    numbers = [int(e.source) for p in wide for e in p.task.examples]
    assert max(numbers) > 3000 and sum(n > 100 for n in numbers) > 0.9 * len(numbers)


# ------------------------------------------------------------------ measurement families
def _constant(rule: str) -> float:
    m = re.search(r"with (?:g|f) = ([0-9.e-]+),", rule)
    assert m, rule
    return float(m.group(1))


def test_gravity_rule_reproduces_examples_and_ranges():
    from hybrid.families.gravity.generator import printed

    puzzles = drawn_puzzles("gravity", 400)
    gs = [_constant(p.rule) for p in puzzles]
    assert all(4.9 <= g <= 19.6 for g in gs) and min(gs) < 6 and max(gs) > 18.5
    for p, g in zip(puzzles, gs):
        assert all(printed(g, e.source) == e.target for e in p.task.examples)
        assert printed(g, p.task.query) == p.answer
        assert all(1.0 <= float(e.source) <= 5.0 for e in p.task.examples)
    # str printing: one-decimal values appear, two-decimal values never end in 0
    targets = [e.target for p in puzzles for e in p.task.examples]
    assert any(len(t.split(".")[1]) == 1 for t in targets)
    assert not any(len(t.split(".")[1]) == 2 and t.endswith("0") for t in targets)


def test_unit_conversion_rule_reproduces_examples_and_ranges():
    from hybrid.families.unit_conversion.generator import printed

    puzzles = drawn_puzzles("unit_conversion", 400)
    fs = [_constant(p.rule) for p in puzzles]
    assert all(0.5 <= f <= 2.0 for f in fs)
    for p, f in zip(puzzles, fs):
        assert all(printed(f, e.source) == e.target for e in p.task.examples)
        assert printed(f, p.task.query) == p.answer and p.task.meta == {"unit": "m"}
        assert all(5.0 <= float(e.source) <= 50.0 for e in p.task.examples)
    assert all(len(e.target.split(".")[1]) == 2 for p in puzzles for e in p.task.examples)


def test_unit_conversion_one_decimal_factors_share():
    from hybrid.families.unit_conversion import UnitConversion
    from hybrid.families.unit_conversion.generator import draw_factor, one_decimal_factors

    atoms = set(one_decimal_factors())
    assert len(atoms) == 16 and {0.5, 0.7, 2.0} <= atoms
    rng = random.Random(5)
    n = 40_000
    hit = sum(draw_factor(rng) in atoms for _ in range(n))
    expected = n * UnitConversion.prior.atom_weight  # 160
    assert 0.6 * expected <= hit <= 1.4 * expected
    rng = random.Random(5)
    assert sum(draw_factor(rng, uniform=True) in atoms for _ in range(n)) == 0


def test_unit_conversion_one_decimal_factor_puzzles_are_answered_by_the_factor():
    fam = hybrid.get_family("unit_conversion")
    for i in range(60):
        p = fam.generate(random.Random(i), f=0.7)
        sol = hybrid.solve(p.task)
        assert sol.answer == p.answer and "= 0.7 exactly" in sol.rule


# ------------------------------------------------------------------ cipher
def test_cipher_vocabulary_is_the_catalogs():
    from hybrid.families.cipher.generator import vocabulary

    assert vocabulary() == sorted(hybrid.get_family("cipher").catalog()["words"])


def test_cipher_rule_and_shapes():
    from hybrid.families.cipher.generator import encrypt, shape_of

    puzzles = drawn_puzzles("cipher", 400)
    shapes = Counter()
    for p in puzzles:
        m = re.fullmatch(r"letter substitution \(plain -> cipher\): ([a-z]{26}) -> ([a-z]{26})", p.rule)
        assert m and sorted(m.group(2)) == list(m.group(1))
        key = dict(zip(m.group(1), m.group(2)))
        assert all(encrypt(key, e.target) == e.source for e in p.task.examples)
        assert encrypt(key, p.answer) == p.task.query
        for plain in [e.target for e in p.task.examples] + [p.answer]:
            shapes[shape_of(plain)] += 1
    assert set(shapes) == {"S V O", "the A S V", "S V P L", "S V the A O"}
    total = sum(shapes.values())
    assert all(abs(c / total - 0.25) < 0.04 for c in shapes.values())


def test_dev_sentences_all_fit_the_generators_shapes(dev_by_family):
    from hybrid.families.cipher.generator import shape_of

    rows = dev_by_family["cipher"]
    plains = [e.target for r in rows for e in hybrid.parse(r.prompt).examples] + [r.answer for r in rows]
    assert Counter(shape_of(s) for s in plains)["other"] == 0
