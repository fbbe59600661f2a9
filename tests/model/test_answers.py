"""Answer escaping and extraction: every answer comes back exactly from its \\boxed{}."""

from __future__ import annotations

import os

import pytest

from hybrid.data import default_dev_csv, read_csv, sample_csv
from hybrid.model.answers import boxed, escape_answer, extract_answer, score_answer


def _answers():
    out = [r.answer for r in read_csv(sample_csv()) if r.answer is not None]
    dev = default_dev_csv()
    if dev and os.path.isfile(dev):
        out += [r.answer for r in read_csv(dev) if r.answer is not None]
    return out


def test_every_data_answer_round_trips():
    answers = _answers()
    hard = [a for a in answers if any(c in a for c in "{}\\")]
    bad = [a for a in answers if extract_answer(f"Apply: x\n{boxed(a)}")[0] != a.strip()]
    assert not bad, bad[:5]
    # The escaping matters: written raw, a brace-matching reader loses some of these.
    if hard:
        raw_bad = [a for a in hard if extract_answer("\\boxed{" + a + "}")[0] != a]
        assert raw_bad


@pytest.mark.parametrize("answer", ["}", "{", "\\", "}{\\", "a}b{c", "\\}", "{}", "%}|)", "x y"])
def test_round_trip_hand_picked(answer):
    assert extract_answer("reasoning \\boxed{wrong}\n" + boxed(answer) + "\n")[0] == answer
    assert escape_answer(answer).count("\\") >= sum(answer.count(c) for c in "{}\\")


def test_extraction_fallbacks():
    assert extract_answer("\\boxed{\\frac{1}{2}}") == ("\\frac{1}{2}", "boxed")
    assert extract_answer("x \\boxed{12") == ("12", "boxed-unclosed")
    assert extract_answer("blah\nAnswer: 42\n") == ("42", "answer-line")
    assert extract_answer("Apply: 53@59 ; got 5233\n") == ("5233", "apply-line")
    assert extract_answer("Apply: 93 -> XCIII") == ("XCIII", "apply-line")
    assert extract_answer("no answer here") == (None, "none")
    assert extract_answer("") == (None, "none")


def test_scores_strict_and_tolerant():
    assert score_answer("19.60", "19.6") == (False, True)
    assert score_answer("19.6", "19.6") == (True, True)
    assert score_answer("20.0", "19.6") == (False, False)
    # Codes need an exact match, even when they look like numbers.
    assert score_answer("01110101", "01110100") == (False, False)
    assert score_answer("1300", "1301") == (False, False)
    assert score_answer(None, "x") == (False, False)
    assert score_answer(" XCIII ", "XCIII") == (True, True)
