"""gravity: exact g-interval fitting, answers split at the query's rounding boundaries.

Generated tasks come from the family's generator (``gravity/generator.py``, docs/families/gravity.md):
``g ~ U(4.9, 19.6)``, ``t = round(U(1, 5), 2)``, ``d = round(0.5*g*t**2, 2)`` printed with ``str``.
"""

import random
from fractions import Fraction

from hypothesis import example, given, settings
from hypothesis import strategies as st

import hybrid
from hybrid.families._interval import Interval, answer_pieces, consistent_interval, consistent_set
from hybrid.families.gravity.generator import draw_g, generate
from hybrid.families.gravity.generator import printed as _printed

from ..conftest import sample_rows_of


def make_task(rng: random.Random, g: float | None = None):
    """A random task as the generator draws it (``gravity/generator.py``); (task, hidden answer, g)."""
    g = draw_g(rng) if g is None else g
    puzzle = generate(rng, g=g)
    return puzzle.task, puzzle.answer, g


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


def _pieces_reference(iv: Interval, cq: Fraction, n: int = 400):
    """Slow reference: evaluate the exactly rounded query value (cents, ties to even, as Python
    rounds a Fraction) at n+1 evenly spaced constants of the interval, its endpoints included
    when they belong to it."""
    seen = []
    for i in range(n + 1):
        k = iv.lo + (iv.hi - iv.lo) * i / n
        if k not in iv:
            continue
        cents = round(k * cq * 100)
        if not seen or seen[-1] != cents:
            seen.append(cents)
    return seen


@settings(max_examples=150, deadline=None)
@given(st.integers(4900, 19600), st.integers(1, 3000), st.integers(100, 500), st.booleans(), st.booleans())
# The closed interval [9.787, 9.790] ends exactly on a rounding tie of the query (9.79 * 0.5 * 100
# = 489.5, which rounds to the even 490): the library used to drop that endpoint's answer (it only
# cut strictly inside the interval), so this case failed whenever hypothesis drew it.
@example(lo_milli=9787, width_micro=3000, tq_centi=100, lo_closed=True, hi_closed=True)
@example(lo_milli=9787, width_micro=3000, tq_centi=100, lo_closed=True, hi_closed=False)
# ... and one whose endpoint tie rounds down to the interior's value (488.5 -> 488): no extra answer.
@example(lo_milli=9767, width_micro=3000, tq_centi=100, lo_closed=True, hi_closed=True)
def test_answer_pieces_match_reference(lo_milli, width_micro, tq_centi, lo_closed, hi_closed):
    lo = Fraction(lo_milli, 1000)
    iv = Interval(lo, lo + Fraction(width_micro, 10**6), lo_closed, hi_closed)
    cq = Fraction(tq_centi, 100) ** 2 / 2
    pieces = answer_pieces(iv, cq)
    js = [j for j, _ in pieces]
    assert js == list(range(js[0], js[0] + len(js)))  # consecutive printed values
    # The pieces partition the interval: ordered, adjacent, each inside it, each printing its j.
    assert pieces[0][1].lo == iv.lo and pieces[-1][1].hi == iv.hi
    for (_, p), (_, q) in zip(pieces, pieces[1:]):
        assert p.hi == q.lo and p.hi_closed != q.lo_closed
    for j, p in pieces:
        assert p.lo in iv or not p.lo_closed
        assert round(p.point() * cq * 100) == j
        for k in (p.lo, p.hi):
            if k in p:
                assert round(k * cq * 100) == j
    ref = _pieces_reference(iv, cq)
    assert set(ref) <= set(js) and len(js) - len(ref) <= 2  # sampling may miss sliver pieces
    # The endpoints are answered exactly, ties included.
    for k in (iv.lo, iv.hi):
        if k in iv:
            assert round(k * cq * 100) in js


def test_consistent_set_open_and_closed_ends():
    # 4.9 at t=1 (c = 1/2): 490 cents is even, so both ties print 4.9: closed [9.79, 9.81].
    s = consistent_set([(Fraction(1, 2), Fraction("4.9"))])
    assert (s.lo, s.hi, s.lo_closed, s.hi_closed) == (Fraction("9.79"), Fraction("9.81"), True, True)
    # 4.91: 491 is odd, a tie rounds away from it: open (9.81, 9.83).
    s = consistent_set([(Fraction(1, 2), Fraction("4.91"))])
    assert (s.lo, s.hi, s.lo_closed, s.hi_closed) == (Fraction("9.81"), Fraction("9.83"), False, False)
    # Touching at an open end: empty. Touching at two closed ends: one point. (9.81 * 100 / 654
    # = 1.5 cents, a tie that rounds to the even 2 cents.)
    assert consistent_set([(Fraction(1, 2), Fraction("4.9")), (Fraction(1, 2), Fraction("4.91"))]) is None
    s = consistent_set([(Fraction(1, 2), Fraction("4.9")), (Fraction(1, 654), Fraction("0.02"))])
    assert (s.lo, s.hi, s.lo_closed, s.hi_closed) == (Fraction("9.81"), Fraction("9.81"), True, True)
    assert consistent_set([(Fraction(1, 2), Fraction("4.905"))]) is None  # 3 decimals: never printed


def test_query_equal_to_an_example_time_is_deduced_as_that_example():
    # The interval's endpoints are ties of the example at t = 1.0; the same t as query is the same
    # computation, so it prints the same value at every consistent constant.
    task = hybrid.Task.from_pairs("gravity", [("1.0", "4.9")], "1.0")
    sol = hybrid.solve(task)
    assert (sol.answer, sol.status, sol.proof) == ("4.9", "deduced", "complete")


def test_endpoint_on_a_query_tie_is_not_deduced():
    # g in [9.79, 9.81] closed (4.9 at t=1). Query t=3: 4.5*g in [44.055, 44.145]: both ends are
    # ties; 44.055 rounds to the even 44.06 and 44.145 to 44.14, so 44.06..44.14 are all printed.
    task = hybrid.Task.from_pairs("gravity", [("1.0", "4.9")], "3.0")
    fam = hybrid.get_family("gravity")
    answers = sorted(h.answer for h in fam.candidates(task))
    assert answers == [str(x / 100) for x in range(4406, 4415)]
    # Same with the open interval of 4.91 (491 cents is odd): (9.81, 9.83) -> 4.5*g in
    # (44.145, 44.235): both ends are ties excluded from the set, so 44.15..44.23.
    task = hybrid.Task.from_pairs("gravity", [("1.0", "4.91")], "3.0")
    answers = sorted(h.answer for h in fam.candidates(task))
    assert answers == [str(x / 100) for x in range(4415, 4424)]


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
    # Soundness: the reported rule reproduces every example, exactly and in floats.
    assert fam.verify(sol.hypothesis, task)
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
