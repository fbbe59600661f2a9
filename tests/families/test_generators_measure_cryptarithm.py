"""The cryptarithm generator (``cryptarithm/generator.py``).

* ``render_prompt`` reproduces every dev prompt character for character;
* generated prompts parse back to the generated task;
* the solver's ``deduced`` answers on generated puzzles equal the gold answers, and for the other
  statuses the gold answer is among the exhaustive recall's answers (up to which spare glyph
  prints a digit the prompt never shows) unless the recall stopped short;
* draws are deterministic for a seed and follow the measured frequencies (docs/families/cryptarithm.md).
"""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

import hybrid
from hybrid.families.base import SearchResult

from ._generated import assert_example_counts_follow, drawn_puzzles, solved_puzzles

#: Generated puzzles solved (dev-like draw; a third as many with ``uniform=True``).
N_SOLVED = 150


def _shown(task) -> set[str]:
    return {c for e in task.examples for c in e.source + e.target} | set(task.query)


def _same_up_to_unseen(gold: str, ans: str, shown: set[str]) -> bool:
    """Equal, except that a glyph the prompt never shows may be any other such glyph (one to one)."""
    if len(gold) != len(ans):
        return False
    pairing: dict[str, str] = {}
    for g, a in zip(gold, ans):
        if g in shown or a in shown:
            if g != a:
                return False
        elif pairing.setdefault(g, a) != a:
            return False
    return len(set(pairing.values())) == len(pairing)


def test_same_up_to_unseen():
    shown = set("ab+")
    assert _same_up_to_unseen("a#", "a$", shown)
    assert not _same_up_to_unseen("a#", "b$", shown)
    assert not _same_up_to_unseen("#$", "%%", shown)
    assert not _same_up_to_unseen("a#", "aa", shown)


@pytest.mark.parametrize("uniform", [False, True])
def test_generated_puzzles_parse_back_and_deduced_answers_are_gold(uniform):
    fam = hybrid.get_family("cryptarithm")
    status, recall = Counter(), Counter()
    hits = 0
    n = N_SOLVED if not uniform else N_SOLVED // 3
    for puzzle, task, prompt, sol in solved_puzzles("cryptarithm", n, uniform):
        status[sol.status] += 1
        hits += sol.answer == puzzle.answer
        if sol.status == "deduced":
            continue
        assert sol.status in ("ambiguous", "guessed"), (prompt, sol.status, sol.note)
        # the gold answer is never ruled out: every answer of the exhaustive recall is listed
        cands = fam.candidates(task, 10.0)
        if isinstance(cands, SearchResult):
            recall[cands.status] += 1
            if cands.status != "complete":  # partial / time_limit: stopped short, nothing to check
                assert cands.status != "infeasible", prompt
                continue
            cands = cands.hypotheses
        recall["complete"] += 1
        shown = _shown(task)
        assert any(_same_up_to_unseen(puzzle.answer, h.answer, shown) for h in cands), (prompt, puzzle.answer)
    # measured: ~40% deduced, ~60% right (docs/families/cryptarithm.md, "Generator")
    assert recall["complete"] >= 0.5 * sum(recall.values())
    if not uniform:
        assert 0.25 * n <= status["deduced"] <= 0.6 * n and hits >= 0.45 * n, (status, hits)
    else:
        assert status["deduced"] >= 0.15 * n, status




def test_glyph_level_frequencies_follow_dev():
    from hybrid.families.cryptarithm import generator as gen

    puzzles = drawn_puzzles("cryptarithm", 1500)
    n = len(puzzles)
    assert_example_counts_follow(puzzles, gen)
    ops = [{e.source[2] for e in p.task.examples} | {p.task.query[2]} for p in puzzles]
    n_ops = Counter(len(o) for o in ops)
    # dev: 10 / 235 / 372 of 617 rows show 1 / 2 / 3 operator glyphs
    assert abs(n_ops[3] / n - 372 / 617) < 0.05 and abs(n_ops[2] / n - 235 / 617) < 0.05
    seen = sum(p.task.query[2] in {e.source[2] for e in p.task.examples} for p in puzzles)
    assert abs(seen / n - 492 / 617) < 0.04  # dev: query operator in an example in 492 rows
    standard = sum(o <= set("+-*") for o in ops)
    assert abs(standard / n - 372 / 617) < 0.05
    lengths = Counter(len(e.target) for p in puzzles for e in p.task.examples)
    n_lines = sum(lengths.values())
    # dev: results of 1 / 2 / 3 / 4 characters on 113 / 714 / 869 / 829 of 2,525 example lines
    for k, d in {1: 113, 2: 714, 3: 869, 4: 829}.items():
        assert abs(lengths[k] / n_lines - d / 2525) < 0.06, (k, lengths)
    glyphs = {c for p in puzzles for e in p.task.examples for c in e.source + e.target} - set("+-*")
    assert glyphs == set(gen.DIGIT_GLYPHS)


def test_rules_follow_the_measured_structure():
    from hybrid.families.cryptarithm import generator as gen
    from hybrid.families.cryptarithm.generator import ROLE_FAMILIES as ROLES
    from hybrid.families.cryptarithm.generator import is_normal
    from hybrid.families.equations.operations import BY_NAME

    rng = random.Random(3)
    for standard, p_rev, allowed in ((True, 166 / 368, {(False, 1), (True, 2)}),
                                     (False, 84 / 245, {(False, 2), (True, 2), (True, 3)})):
        rev = Counter()
        normals = Counter()
        for _ in range(2000):
            reverse, ops = gen.draw_rule(rng, standard=standard)
            rev[reverse] += 1
            assert all(o.reverse == reverse and o.family in ROLES[r] for r, o in ops.items())
            normals[(reverse, sum(is_normal(o) for o in ops.values()))] += 1
        assert abs(rev[True] / 2000 - p_rev) < 0.04
        assert set(normals) == allowed
    # reversed rows with other glyphs: the twist is b-a, sign after the digits, 30 times in 32
    twisted = Counter(o.name for _ in range(1000) for o in gen.draw_rule(rng, standard=False)[1].values()
                      if o.reverse and not is_normal(o))
    assert twisted["rev:rsub[suf]"] > 0.85 * sum(twisted.values())
    # uniform: every variant of both directions, no roles
    drawn = Counter(o.name for _ in range(3000) for o in gen.draw_rule(rng, uniform=True)[1].values())
    assert set(drawn) == set(BY_NAME)
    # the rule text names every operator glyph of the prompt
    for p in drawn_puzzles("cryptarithm", 100):
        for g in {e.source[2] for e in p.task.examples}:
            assert re.search(re.escape(f"'{g}' = "), p.rule)


def test_uniform_operands_cover_the_whole_range():
    puzzles = drawn_puzzles("cryptarithm", 300, uniform=True)
    std = sum({e.source[2] for e in p.task.examples} <= set("+-*") for p in puzzles)
    assert std < 0.05 * len(puzzles)  # glyphs drawn evenly from the 16 free symbols
    rev = sum(p.rule.startswith("reversed") for p in puzzles)
    assert 0.4 * len(puzzles) <= rev <= 0.6 * len(puzzles)
