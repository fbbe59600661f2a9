"""gravity: exact g-interval fitting, answers split at the query's rounding boundaries.

The generator below is our reconstruction of the real one (docs/families/gravity.md):
``g ~ U(4.9, 19.6)``, ``t = round(U(1, 5), 2)``, ``d = round(0.5*g*t**2, 2)`` printed with ``str``.
"""

import math
import random
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

import hybrid
from hybrid.families._interval import answer_pieces, consistent_interval

from ..conftest import sample_rows_of


def _printed(g: float, t: str) -> str:
    return str(round(0.5 * g * float(t) ** 2, 2))


def make_task(rng: random.Random, g: float | None = None):
    """A random task as the generator draws it; returns (task, hidden answer, g)."""
    g = rng.uniform(4.9, 19.6) if g is None else g
    ts = [str(round(rng.uniform(1, 5), 2)) for _ in range(rng.randint(3, 5))]
    q = str(round(rng.uniform(1, 5), 2))
    task = hybrid.Task.from_pairs("gravity", [(t, _printed(g, t)) for t in ts], q)
    return task, _printed(g, q), g


def test_prompt_round_trip_and_format():
    prompt = ("In Alice's Wonderland, the gravitational constant has been secretly changed. "
              "Here are some example observations:\n"
              "For t = 1.0s, distance = 5.0 m\nFor t = 2.0s, distance = 20.0 m\n"
              "For t = 3.0s, distance = 45.0 m\nFor t = 4.0s, distance = 80.0 m\n"
              "Now, determine the falling distance for t = 5.0s given d = 0.5*g*t^2.")
    sol = hybrid.solve(prompt)
    # g in [9.999375, 10.000625] -> d(5) in [124.992, 125.008]: three printed values; the middle
    # one holds 64% of the interval, and str() prints it without the trailing zero.
    assert (sol.answer, sol.status, sol.method) == ("125.0", "ambiguous", "direct")
    assert sorted(a[0] for a in sol.alternatives) == ["124.99", "125.01"]
    assert abs(sol.alternatives[0][2] - 0.18) < 1e-9


def test_one_decimal_print_and_deduced():
    # Many long drops pin g tightly; a short query drop then has a single printed value.
    g = 9.81
    ts = ["4.91", "4.97", "5.0", "4.83", "4.77"]
    task = hybrid.Task.from_pairs("gravity", [(t, _printed(g, t)) for t in ts], "1.0")
    sol = hybrid.solve(task)
    assert (sol.answer, sol.status) == ("4.9", "deduced")  # 4.905 rounds to 4.9 in floats


def test_wide_interval_is_ambiguous_and_ranked_by_mass():
    task = hybrid.Task.from_pairs("gravity", [("1.0", "4.9"), ("1.01", "5.0")], "5.0")
    sol = hybrid.solve(task)
    assert sol.status == "ambiguous" and len(sol.alternatives) >= 1
    fam = hybrid.get_family("gravity")
    hyps = fam.candidates(task)
    assert abs(sum(h.prior for h in hyps) - 1.0) < 1e-9
    assert [h.prior for h in hyps] == sorted((h.prior for h in hyps), reverse=True)
    assert sol.answer == hyps[0].answer


def test_contradictory_examples_are_unsolved():
    task = hybrid.Task.from_pairs("gravity", [("1.0", "4.9"), ("2.0", "40.0")], "3.0")
    sol = hybrid.solve(task)
    assert sol.status == "unsolved" and sol.answer is None


def _pieces_reference(lo: Fraction, hi: Fraction, cq: Fraction, n: int = 400):
    """Slow reference: sample the interval densely and record the exactly rounded query value."""
    seen = []
    for i in range(n + 1):
        k = lo + (hi - lo) * i / n
        v = k * cq * 100
        cents = math.floor(v + Fraction(1, 2))
        if not seen or seen[-1] != cents:
            seen.append(cents)
    return seen


@settings(max_examples=150, deadline=None)
@given(st.integers(4900, 19600), st.integers(1, 3000), st.integers(100, 500))
def test_answer_pieces_match_reference(lo_milli, width_micro, tq_centi):
    lo = Fraction(lo_milli, 1000)
    hi = lo + Fraction(width_micro, 10**6)
    cq = Fraction(tq_centi, 100) ** 2 / 2
    pieces = answer_pieces(lo, hi, cq)
    assert pieces[0][0] == lo and pieces[-1][1] == hi
    assert all(a < b for a, b in pieces) and all(pieces[i][1] == pieces[i + 1][0] for i in range(len(pieces) - 1))
    # Each piece's interior rounds to one value, consecutive pieces to consecutive values.
    mids = [math.floor((a + b) / 2 * cq * 100 + Fraction(1, 2)) for a, b in pieces]
    assert mids == list(range(mids[0], mids[0] + len(mids)))
    ref = _pieces_reference(lo, hi, cq)
    assert set(ref) <= set(mids) and len(mids) - len(ref) <= 2  # sampling may miss sliver pieces


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_hidden_g_is_always_consistent_and_deduced_answers_are_right(seed):
    rng = random.Random(seed)
    task, hidden, g = make_task(rng)
    fam = hybrid.get_family("gravity")
    lo, hi = consistent_interval((fam.coef(e.source), Fraction(e.target)) for e in task.examples)
    assert lo <= Fraction(g) <= hi
    sol = hybrid.solve(task)
    assert sol.status in {"deduced", "ambiguous"}
    answers = [sol.answer] + [a[0] for a in sol.alternatives]
    assert hidden in answers  # the true answer is never ruled out
    if sol.status == "deduced":
        assert sol.answer == hidden
    # Soundness: the reported rule reproduces every example as printed.
    assert all(fam.predict(sol.hypothesis.rule, e.source) == e.target for e in task.examples)


def test_recovery_rate_on_generated_tasks():
    """Top answer == hidden answer on >= 85% of generated tasks (Bayes rate measured ~89%), and
    the reported probability is calibrated: mean top prior within 0.04 of the hit rate."""
    rng = random.Random(20240611)
    fam = hybrid.get_family("gravity")
    hits = deduced = 0
    top_p = 0.0
    n = 400
    for _ in range(n):
        task, hidden, _ = make_task(rng)
        sol = hybrid.solve(task)
        hits += sol.answer == hidden
        deduced += sol.status == "deduced"
        top_p += fam.candidates(task)[0].prior
    assert hits / n >= 0.85
    assert abs(top_p / n - hits / n) < 0.04
    assert 0.45 <= deduced / n <= 0.8


def test_dev_rows(dev_by_family):
    rows = sample_rows_of(dev_by_family, "gravity", 400, seed=5)
    sols = [(hybrid.solve(r.prompt), r.answer) for r in rows]
    assert all(s.answer == a for s, a in sols if s.status == "deduced")
    assert sum(s.answer == a for s, a in sols) / len(sols) >= 0.87
