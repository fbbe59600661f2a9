"""Adversarial soundness and time-limit tests for gravity and unit_conversion.

The rule space (``hybrid.families._interval``): a real constant ``k`` printing ``R(k * c(x))``,
the exact product rounded to cents with ties to even; ``k`` in the generator's range when some
constant there fits, else any ``k > 0``; for unit conversion also the one-decimal factors
computed in floats. The brute-force reference below does not use the library's interval code: it
evaluates that definition point by point, on a fine grid of ``k`` plus every exact point where an
example's or the query's printed value can change (cell endpoints, query rounding boundaries) and
the midpoints between consecutive such points, so it visits every piece of the step function.

For a few hundred seeded tasks with altered, dropped, contradictory and tie-constructed examples,
every ``deduced`` answer must be the only answer any consistent rule gives, and an exhaustive
recall must list exactly the reference's answers.
"""

from __future__ import annotations

import math
import random
import time
from fractions import Fraction

import pytest

import hybrid
from hybrid.families._interval import MAX_ANSWERS
from hybrid.families.base import SearchResult

HALF = Fraction(1, 2)
GRID = 200
SPACES = {
    # family: (low, high, coefficient of the printed input, atoms as (numerators, denominator))
    "gravity": (Fraction("4.9"), Fraction("19.6"), lambda x: Fraction(x) ** 2 / 2, None),
    "unit_conversion": (Fraction("0.5"), Fraction("2.0"), lambda x: Fraction(x), range(5, 21)),
}


def _cents_text(family: str, cents: int) -> str:
    if family == "gravity":  # str(round(v, 2)) of the generator
        return str(float(Fraction(cents, 100)))
    return f"{cents // 100}.{cents % 100:02d}"


def reference_answers(family: str, examples, query: str) -> tuple[set[str], bool]:
    """Every printed answer of every rule of the space that reproduces the examples.

    Returns ``(answers, too_many)``: ``too_many`` when the consistent constants span more than
    ``MAX_ANSWERS`` query values (the reference then only proves there are at least two).
    """
    low, high, coef, atoms = SPACES[family]
    pairs = []
    for x, y in examples:
        yc = Fraction(y) * 100
        if yc.denominator != 1:
            return set(), False  # no rule prints three decimals (atoms print two as well)
        pairs.append((coef(x), yc.numerator))
    cq = coef(query)

    def consistent(k: Fraction) -> bool:
        return all(round(k * c * 100) == yc for c, yc in pairs)

    # Where an example's printed value changes: both ends of its cell.
    los = [(yc - HALF) / (100 * c) for c, yc in pairs if c != 0]
    his = [(yc + HALF) / (100 * c) for c, yc in pairs if c != 0]
    ends = los + his

    def scan(lo: Fraction, hi: Fraction, positive_only: bool) -> tuple[set[str], bool]:
        if lo > hi:
            return set(), False
        pts = {lo, hi} | {lo + (hi - lo) * i / GRID for i in range(GRID + 1)}
        pts |= {e for e in ends if lo <= e <= hi}
        if cq != 0:  # where the query's printed value changes
            j0 = math.ceil(lo * cq * 100 - HALF)
            j1 = math.floor(hi * cq * 100 - HALF)
            if j1 - j0 + 1 > 4 * MAX_ANSWERS:
                return set(), True
            pts |= {(j + HALF) / (100 * cq) for j in range(j0, j1 + 1)}
        pts = sorted(pts)
        pts += [(a + b) / 2 for a, b in zip(pts, pts[1:])]
        out = set()
        for k in pts:
            if positive_only and k <= 0:
                continue
            if consistent(k):
                out.add(_cents_text(family, round(k * cq * 100)))
        return out, False

    # Consistent constants lie in the intersection of the closed cells (the scan decides which).
    lo_h, hi_h = (max(los), min(his)) if los else (low, high)
    answers, too_many = scan(max(lo_h, low), min(hi_h, high), False)
    if not answers and not too_many:  # nothing in the generator's range: any k > 0
        answers, too_many = scan(max(lo_h, Fraction(0)), hi_h, True)
    if atoms is not None:  # one-decimal factors, computed as the generator does (floats)
        for m in atoms:
            f = m / 10
            if all(Fraction(f"{float(x) * f:.2f}") == Fraction(y) for x, y in examples):
                answers.add(f"{float(query) * f:.2f}")
    return answers, too_many


# ---------------------------------------------------------------------------- task generation
def _print(family: str, k: float, x: str) -> str:
    if family == "gravity":
        return str(round(0.5 * k * float(x) ** 2, 2))
    return f"{float(x) * k:.2f}"


def _print_exact(family: str, k: Fraction, x: str) -> str:
    _, _, coef, _ = SPACES[family]
    return _cents_text(family, round(k * coef(x) * 100))


def make_task(family: str, rng: random.Random):
    """A generated task with one of several alterations; returns (examples, query, kind)."""
    low, high, _, _ = SPACES[family]
    lo_x, hi_x = (1, 5) if family == "gravity" else (5, 50)
    kind = rng.choice(["plain", "alter", "drop", "contradict", "tie", "same_x", "far", "outside", "zero"])
    k = rng.uniform(float(low), float(high))
    n = rng.randint(1, 4)
    xs = [str(round(rng.uniform(lo_x, hi_x), 2)) for _ in range(n)]
    q = str(round(rng.uniform(lo_x, hi_x), 2))
    examples = [(x, _print(family, k, x)) for x in xs]
    if kind == "alter":
        i = rng.randrange(n)
        y = Fraction(examples[i][1]) + Fraction(rng.choice([-3, -2, -1, 1, 2, 3]), 100)
        examples[i] = (examples[i][0], _cents_text(family, int(y * 100)) if y > 0 else "0.00")
    elif kind == "drop":
        examples = examples[:1]
    elif kind == "contradict":
        k2 = rng.uniform(float(low), float(high))
        x = str(round(rng.uniform(lo_x, hi_x), 2))
        examples.append((x, _print(family, k2, x)))
    elif kind == "tie":
        # An exact constant with 3-4 decimals, examples printed exactly (ties to even): interval
        # endpoints land on ties of the examples and, often, of the query.
        ke = Fraction(rng.randrange(int(low * 1000), int(high * 1000)), 1000)
        xs = [str(Fraction(rng.randrange(lo_x * 10, hi_x * 10), 10)) for _ in range(n)]
        xs = [x if "/" not in x else str(float(Fraction(x))) for x in xs]
        examples = [(x, _print_exact(family, ke, x)) for x in xs]
        q = rng.choice([*xs, str(float(Fraction(xs[0]) * 3)), str(float(Fraction(xs[0]) / 3 * 2))])
        q = q if len(q.split(".")[-1]) <= 4 else xs[0]
    elif kind == "same_x":
        q = rng.choice(xs)
    elif kind == "far":
        q = str(round(rng.uniform(hi_x, rng.choice([4, 40]) * hi_x), 2))
    elif kind == "outside":
        k = float(high) * rng.uniform(1.2, 3.0)
        examples = [(x, _print(family, k, x)) for x in xs]
    elif kind == "zero":
        examples.append(("0", "0.00" if family == "unit_conversion" else "0.0"))
        if rng.random() < 0.5:
            q = "0"
    return examples, q, kind


def _answers_of(recalled) -> tuple[set[str], str]:
    if isinstance(recalled, SearchResult):
        return {h.answer for h in recalled.hypotheses}, recalled.status
    return {h.answer for h in recalled}, "complete"


@pytest.mark.parametrize("family,seed,n_tasks", [("gravity", 101, 300), ("unit_conversion", 202, 300)])
def test_every_deduced_answer_is_the_only_consistent_answer(family, seed, n_tasks):
    rng = random.Random(seed)
    fam = hybrid.get_family(family)
    counts = dict(tried=0, deduced=0, proven_unique=0, contradicted=0, unsolved=0, ambiguous=0,
                  sets_equal=0, capped=0)
    for _ in range(n_tasks):
        examples, q, kind = make_task(family, rng)
        task = hybrid.Task.from_pairs(family, examples, q, **({"unit": "m"} if family == "unit_conversion" else {}))
        ref, too_many = reference_answers(family, examples, q)
        sol = hybrid.solve(task, time_limit=10)
        counts["tried"] += 1
        got, status = _answers_of(fam.candidates(task))
        if too_many or status == "partial":  # more than MAX_ANSWERS answers: listed in part
            counts["capped"] += 1
            assert status == "partial" and sol.status == "ambiguous", (examples, q)
            assert too_many or (len(ref) > MAX_ANSWERS and got <= ref), (examples, q)
            continue
        if status == "complete":
            assert got == ref, (kind, examples, q, got, ref)
            counts["sets_equal"] += 1
        if sol.status == "deduced":
            counts["deduced"] += 1
            if ref == {sol.answer}:
                counts["proven_unique"] += 1
            else:
                counts["contradicted"] += 1
        elif sol.status == "unsolved":
            counts["unsolved"] += 1
            assert not ref, (kind, examples, q, ref)
        else:
            counts["ambiguous"] += 1
            assert sol.answer in ref and len(ref) > 1, (kind, examples, q, sol.answer, ref)
    print(f"\n{family}: {counts}")
    assert counts["contradicted"] == 0
    # The generated mix must exercise every outcome.
    assert counts["deduced"] >= 30 and counts["ambiguous"] >= 30 and counts["unsolved"] >= 10
    assert counts["capped"] >= 1


# ------------------------------------------------------------------------------ bad input
GRAVITY = ("In Alice's Wonderland, the gravitational constant has been secretly changed. Here are some "
           "example observations:\n{lines}\nNow, determine the falling distance for t = {q}s given d = 0.5*g*t^2.")
UNIT = ("In Alice's Wonderland, a secret unit conversion is applied to measurements. For example:\n{lines}\n"
        "Now, convert the following measurement: {q} m")


def _gravity(pairs, q):
    return GRAVITY.format(lines="\n".join(f"For t = {t}s, distance = {d} m" for t, d in pairs), q=q)


def _unit(pairs, q):
    return UNIT.format(lines="\n".join(f"{x} m becomes {y}" for x, y in pairs), q=q)


@pytest.mark.parametrize("make", [_gravity, _unit])
@pytest.mark.parametrize("bad,error", [
    ("²", hybrid.TaskParseError), ("٣", hybrid.TaskParseError), ("1e999", hybrid.TaskParseError),
    ("inf", hybrid.TaskParseError), ("nan", hybrid.TaskParseError), ("-2.0", hybrid.TaskParseError),
    ("1" * 5000, hybrid.InputLimitError), ("1" * 13, hybrid.InputLimitError),
    ("1." + "5" * 13, hybrid.InputLimitError),
])
def test_bad_numbers_are_rejected_naming_the_line(make, bad, error):
    good = [("1.0", "4.9"), ("2.0", "19.6")] if make is _gravity else [("10.0", "15.00"), ("20.0", "30.00")]
    prompts = [make(good, bad), make([(bad, good[0][1]), good[1]], "3.0"), make([(good[0][0], bad), good[1]], "3.0")]
    for line, prompt in zip((4, 2, 2), prompts):
        with pytest.raises(error) as info:
            hybrid.solve(prompt, time_limit=1)
        assert f"line {line}" in str(info.value)


def test_zero_time_and_zero_measurement_are_answered_honestly():
    sol = hybrid.solve(_gravity([("1.0", "4.9"), ("2.0", "19.6")], "0"))
    assert (sol.answer, sol.status) == ("0.0", "deduced")  # d = 0 for every g
    sol = hybrid.solve(_unit([("10.0", "15.00")], "0"))
    assert (sol.answer, sol.status) == ("0.00", "deduced")
    # An example at t = 0 constrains nothing, but must print 0: no g fits (the recall proves it;
    # the pipeline's fallback stage may then report 'partial').
    sol = hybrid.solve(hybrid.Task.from_pairs("gravity", [("0", "1.0")], "1.0"))
    assert sol.status == "unsolved" and sol.proof in ("infeasible", "partial")
    assert hybrid.get_family("gravity").candidates(hybrid.Task.from_pairs("gravity", [("0", "1.0")], "1.0")) == []


# ------------------------------------------------------------------------------ time limits
@pytest.mark.parametrize("family,pairs,q", [
    ("gravity", [("1.0", "4.9"), ("1.01", "5.0")], "400"),
    ("gravity", [("1.0", "4.9")], "999999999999.999999999999"),
    ("unit_conversion", [("10.0", "15.00"), ("11.0", "16.50")], "1000000"),
    ("unit_conversion", [("5.0", "5.00")], "999999999999.99"),
])
def test_far_queries_return_within_the_limit(family, pairs, q):
    task = hybrid.Task.from_pairs(family, pairs, q)
    t0 = time.perf_counter()
    sol = hybrid.solve(task, time_limit=1.0)
    assert time.perf_counter() - t0 < 2 * 1.0 + 1
    assert sol.status == "ambiguous" and sol.proof == "partial"  # thousands of answers, 64 listed
    assert len(sol.alternatives) <= 8 and sol.n_consistent <= MAX_ANSWERS + 16


def test_many_examples_return_within_the_limit():
    rng = random.Random(5)
    g = 9.8123  # 0.5 * g * 3.0**2 = 44.155..., far from a rounding tie
    pairs = [(str(round(rng.uniform(1, 5), 2)), "") for _ in range(100)]
    pairs = [(t, _print("gravity", g, t)) for t, _ in pairs]
    t0 = time.perf_counter()
    sol = hybrid.solve(hybrid.Task.from_pairs("gravity", pairs, "3.0"), time_limit=1.0)
    assert time.perf_counter() - t0 < 3 and sol.status == "deduced"
    with pytest.raises(hybrid.InputLimitError, match="limit is 100"):
        hybrid.solve(_gravity(pairs * 2, "3.0"))
