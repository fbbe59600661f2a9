"""Generator of ``unit_conversion`` puzzles, in the data's exact wording, with gold answers.

The draw, reverse-engineered from the 1,196 dev rows (docs/families/unit_conversion.md; the dev
vs generated table is on that page):

* 3, 4 or 5 examples, drawn with the dev counts as weights (404 / 390 / 402 rows); the unit is always ``m``;
* the factor ``f ~ uniform(0.5, 2.0)``, continuous, except for a share ``atom_weight`` (0.4%)
  of rows whose factor is exactly one of the sixteen one-decimal values 0.5, 0.6, ..., 2.0
  (the family's ``prior``, which states the measured distribution once for the solver and here);
* every example measurement and the query ``x = round(uniform(5, 50), 2)``, independent, printed
  with ``str`` (``20.0``: a tenth of them show one decimal);
* the converted value ``x * f`` in floats, printed ``f"{x * f:.2f}"`` (always two decimals,
  ``16.10``); the gold answer is the same computation on the query.

``uniform=True`` draws ``f`` evenly over [0.5, 2.0] with no extra weight on the one-decimal
factors (they are points of that range, so an even draw practically never hits one).

>>> import random
>>> p = generate(random.Random(0))
>>> p.rule.startswith("y = x * f with f = ")
True
"""

from __future__ import annotations

import random

from ...task import Example, Task
from ..base import Puzzle

__all__ = ["N_EXAMPLES", "N_EXAMPLES_WEIGHTS", "X_RANGE", "UNIT", "HEADER", "draw_factor", "draw_measurement", "printed", "generate",
           "render_prompt", "features", "example_features"]

N_EXAMPLES = (3, 4, 5)
#: How often the dev rows show 3, 4 and 5 examples (the draw's weights).
N_EXAMPLES_WEIGHTS = (404, 390, 402)
#: Range of the measurements, before rounding to two decimals.
X_RANGE = (5.0, 50.0)
UNIT = "m"
HEADER = "In Alice's Wonderland, a secret unit conversion is applied to measurements. For example:"
EXAMPLE = "{} m becomes {}"
QUERY = "Now, convert the following measurement: {} {}"


def _prior():
    from . import UnitConversion

    return UnitConversion.prior


def one_decimal_factors() -> list[float]:
    """The one-decimal factors of the range (0.5, 0.6, ..., 2.0), as floats."""
    p = _prior()
    return [float(k) for k in p.atoms(p.low, p.high)]


def draw_factor(rng: random.Random, uniform: bool = False) -> float:
    """The hidden factor: one of the one-decimal factors with probability ``atom_weight`` (not when
    ``uniform``), else uniform over [0.5, 2.0]."""
    p = _prior()
    if not uniform and rng.random() < p.atom_weight:
        return rng.choice(one_decimal_factors())
    return rng.uniform(float(p.low), float(p.high))


def draw_measurement(rng: random.Random) -> str:
    """A measurement as the data prints it: ``str(round(uniform(5, 50), 2))``."""
    return str(round(rng.uniform(*X_RANGE), 2))


def printed(f: float, x: str) -> str:
    """The converted value the generator prints for ``x`` under ``f`` (floats, two decimals)."""
    return f"{float(x) * f:.2f}"


def generate(rng: random.Random, *, uniform: bool = False, f: float | None = None,
             n_examples: int | None = None) -> Puzzle:
    """One puzzle (``f`` and ``n_examples`` may be fixed; otherwise drawn)."""
    f = draw_factor(rng, uniform) if f is None else f
    n = rng.choices(N_EXAMPLES, N_EXAMPLES_WEIGHTS)[0] if n_examples is None else n_examples
    xs = [draw_measurement(rng) for _ in range(n + 1)]
    *shown, query = xs
    task = Task.from_pairs("unit_conversion", [(x, printed(f, x)) for x in shown], query, unit=UNIT)
    return Puzzle(task, printed(f, query), f"y = x * f with f = {f!r}, printed with two decimals")


def render_prompt(task: Task) -> str:
    """The prompt exactly as the data prints it (the query's unit from ``task.meta``, else ``m``)."""
    return "\n".join([HEADER, *(EXAMPLE.format(e.source, e.target) for e in task.examples),
                      QUERY.format(task.query, task.meta.get("unit", UNIT))])


def _measurement_bin(x: str) -> str:
    v = float(x)
    return "50.0" if v == 50.0 else f"{int(v // 5) * 5}-{int(v // 5) * 5 + 5}"


def _decimals(s: str) -> str:
    return str(len(s.split(".", 1)[1])) if "." in s else "0"


def _factor_features(task: Task, answer: str) -> dict[str, str]:
    """Where the interval of factors that reproduces the examples and the answer lies: the bin of
    its midpoint (15 equal bins of [0.5, 2.0]) and whether it holds a one-decimal factor."""
    from fractions import Fraction

    from .. import get_family
    from .._interval import consistent_set

    fam = get_family("unit_conversion")
    s = consistent_set((fam.coef(e.source), Fraction(e.target))
                       for e in (*task.examples, Example(task.query, answer)))
    if s is None or s is True:
        return {"f (interval midpoint, 15 bins)": "none", "interval holds a one-decimal factor": "none"}
    p = _prior()
    lo = float(p.low)
    k = min(max(int((float(s.point()) - lo) / 0.1), 0), 14)
    atoms = p.atoms(s.lo - Fraction(1, 10**9), s.hi + Fraction(1, 10**9))
    return {"f (interval midpoint, 15 bins)": f"{lo + k / 10:.1f}-{lo + (k + 1) / 10:.1f}",
            "interval holds a one-decimal factor": str(bool(atoms))}


def features(task: Task, answer: str) -> dict[str, str]:
    """Per-puzzle features compared between dev and generated puzzles (``python -m``)."""
    xs = [e.source for e in task.examples]
    return {
        "examples per prompt": str(len(xs)),
        **_factor_features(task, answer),
        "query unit": task.meta.get("unit", "(none)"),
        "query measurement": _measurement_bin(task.query),
        "query: decimals printed": _decimals(task.query),
        "answer ends in 0": str(answer.endswith("0")),
        "example measurements repeat": str(len(set(xs)) < len(xs)),
    }


def example_features(task: Task) -> list[dict[str, str]]:
    """Per-example-line features."""
    out = []
    for e in task.examples:
        out.append({"example measurement": _measurement_bin(e.source),
                    "example measurement: decimals printed": _decimals(e.source),
                    "example converted value: decimals printed": _decimals(e.target)})
    return out


if __name__ == "__main__":  # python -m hybrid.families.unit_conversion.generator DEV.csv GENERATED.csv
    import sys

    from .._generator_stats import main

    sys.exit(main("unit_conversion", features, example_features))
