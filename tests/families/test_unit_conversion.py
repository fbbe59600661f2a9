"""unit_conversion: exact factor-interval fitting, two-decimal printing, one-decimal atoms.

Generated tasks come from the family's generator (``unit_conversion/generator.py``, docs/families/unit_conversion.md):
``f ~ U(0.5, 2.0)``, ``x = round(U(5, 50), 2)``, printed ``f"{x*f:.2f}"``.
"""

import random
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

import hybrid
from hybrid.families._interval import ConstantPrior, consistent_interval
from hybrid.families.unit_conversion.generator import draw_factor, generate

from ..conftest import sample_rows_of


def make_task(rng: random.Random, f: float | None = None):
    """A task from the generator (``unit_conversion/generator.py``) with a continuous factor
    (``uniform=True``: no one-decimal atoms) unless ``f`` is given; (task, hidden answer, f)."""
    f = draw_factor(rng, uniform=True) if f is None else f
    puzzle = generate(rng, f=f)
    return puzzle.task, puzzle.answer, f


def test_prompt_keeps_trailing_zero():
    prompt = ("In Alice's Wonderland, a secret unit conversion is applied to measurements. For example:\n"
              "10.0 m becomes 15.00\n40.0 m becomes 60.00\n44.4 m becomes 66.60\n"
              "Now, convert the following measurement: 12.2 m")
    sol = hybrid.solve(prompt)
    # f in [1.4999, 1.50011] (from 40.0 and 44.4): 12.2*f in [18.2999, 18.3001] -> '18.30'.
    assert (sol.answer, sol.status) == ("18.30", "deduced")


def _interval_reference(pairs, near: Fraction, step=Fraction(1, 10**6)):
    """Slow reference: scan a 1e-6 grid of factors around ``near`` (x >= 5 keeps any consistent
    interval narrower than 0.002) and keep those whose products round to every y."""
    base = round(near / step)
    ok = [k for k in (m * step for m in range(base - 3000, base + 3001))
          if all(round(k * c * 100) == y * 100 for c, y in pairs)]
    return (ok[0], ok[-1]) if ok else None


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_consistent_interval_matches_grid_reference(seed):
    rng = random.Random(seed)
    f = Fraction(rng.randrange(500_000, 2_000_000), 10**6)
    xs = [Fraction(rng.randrange(500, 5000), 100) for _ in range(2)]
    pairs = [(x, Fraction(round(f * x * 100), 100)) for x in xs]
    lo, hi = consistent_interval(pairs)
    ref = _interval_reference(pairs, f)
    assert ref is not None and lo <= ref[0] <= ref[1] <= hi
    step = Fraction(1, 10**6)
    assert ref[0] - lo <= step and hi - ref[1] <= step  # the exact interval is not wider than needed


def test_contradictions_and_zero_coefficients():
    assert consistent_interval([(Fraction(10), Fraction("10.00")), (Fraction(20), Fraction("25.00"))]) is None
    assert consistent_interval([(Fraction(0), Fraction("1.00"))]) is None
    assert consistent_interval([(Fraction(0), Fraction("0.00")), (Fraction(2), Fraction("3.00"))]) == (
        Fraction("1.4975"), Fraction("1.5025"))


def test_single_constant_on_a_query_tie_is_answered_exactly():
    # 10 m -> 10.00 allows [0.9995, 1.0005] (closed: 1000 cents is even); 30 m -> 30.02 allows
    # [1.0005, 1.000833...] (closed). Only f = 1.0005 fits both; 50 m -> 50.025, a tie that
    # rounds to the even 50.02.
    task = hybrid.Task.from_pairs("unit_conversion", [("10", "10.00"), ("30", "30.02")], "50", unit="m")
    iv = hybrid.get_family("unit_conversion").interval(task)
    assert (iv.lo, iv.hi) == (Fraction("1.0005"), Fraction("1.0005"))
    sol = hybrid.solve(task)
    assert (sol.answer, sol.status, sol.proof) == ("50.02", "deduced", "complete")


def test_prior_atoms_and_mass():
    p = ConstantPrior(Fraction("0.5"), Fraction("2.0"), Fraction("0.1"), 0.004)
    assert p.n_atoms == 16
    assert p.atoms(Fraction("0.69"), Fraction("0.71")) == [Fraction("0.7")]
    assert p.atoms(Fraction("2.0"), Fraction("2.5")) == [Fraction(2)]
    assert abs(p.density_mass(Fraction("0.5"), Fraction("2.0")) - 0.996) < 1e-12
    assert p.density_mass(Fraction("2.1"), Fraction("2.2")) == 0.0


def test_one_decimal_factor_wins_when_inside_the_interval():
    # Factor exactly 0.7: the atom holds far more mass than the sliver intervals around it.
    rng = random.Random(7)
    for _ in range(20):
        task, hidden, _ = make_task(rng, f=0.7)
        sol = hybrid.solve(task)
        assert sol.answer == hidden
        assert "exactly" in sol.rule


def test_factor_outside_the_prior_range_is_still_answered():
    task = hybrid.Task.from_pairs("unit_conversion", [("10.0", "30.00"), ("20.0", "60.00")], "5.0")
    sol = hybrid.solve(task)
    assert sol.answer == "15.00"


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_hidden_factor_is_never_ruled_out_and_deduced_is_right(seed):
    rng = random.Random(seed)
    task, hidden, _ = make_task(rng)
    fam = hybrid.get_family("unit_conversion")
    sol = hybrid.solve(task)
    assert sol.status in {"deduced", "ambiguous"}
    assert hidden in [sol.answer] + [a[0] for a in sol.alternatives]
    if sol.status == "deduced":
        assert sol.answer == hidden
    assert all(fam.predict(sol.hypothesis.rule, e.source) == e.target for e in task.examples)


def test_recovery_rate_on_generated_tasks():
    """Top answer == hidden on >= 85% of generated tasks (Bayes rate measured ~89%); the top
    prior is calibrated to within 0.04."""
    rng = random.Random(99)
    fam = hybrid.get_family("unit_conversion")
    n, hits, top_p = 400, 0, 0.0
    for _ in range(n):
        task, hidden, _ = make_task(rng)
        hits += hybrid.solve(task).answer == hidden
        top_p += fam.candidates(task)[0].prior
    assert hits / n >= 0.85
    assert abs(top_p / n - hits / n) < 0.04


def test_dev_rows(dev_by_family):
    rows = sample_rows_of(dev_by_family, "unit_conversion", 400, seed=5)
    sols = [(hybrid.solve(r.prompt), r.answer) for r in rows]
    assert all(s.answer == a for s, a in sols if s.status == "deduced")
    assert all(len(a.split(".")[1]) == 2 for s, a in sols if s.answer == a)
    assert sum(s.answer == a for s, a in sols) / len(sols) >= 0.87
