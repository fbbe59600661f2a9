"""Generator of ``gravity`` puzzles, in the data's exact wording, with gold answers.

The draw, reverse-engineered from the 1,198 dev rows (docs/families/gravity.md; the dev vs
generated table is on that page):

* 3, 4 or 5 examples, drawn with the dev counts as weights (363 / 408 / 427 rows);
* ``g ~ uniform(4.9, 19.6)``, continuous (the family's ``prior``: 0.5x to 2x Earth's 9.8);
* every example time and the query time ``t = round(uniform(1, 5), 2)``, independent, printed
  with ``str`` (``1.5``, ``3.0``: a tenth of them show one decimal);
* ``d = round(0.5 * g * t**2, 2)`` in floats, printed with ``str`` (``42.2``, never ``42.20``);
  the gold answer is the same computation at the query time.

The dev draw of ``g`` is already even over the rule space (the range of ``g``), so
``uniform=True`` draws exactly the same puzzles.

>>> import random
>>> p = generate(random.Random(0))
>>> p.rule.startswith("d = 0.5*g*t^2 with g = ")
True
"""

from __future__ import annotations

import random

from ...task import Example, Task
from ..base import Puzzle

__all__ = ["N_EXAMPLES", "N_EXAMPLES_WEIGHTS", "T_RANGE", "HEADER", "draw_g", "draw_time", "printed", "generate", "render_prompt",
           "features", "example_features"]

N_EXAMPLES = (3, 4, 5)
#: How often the dev rows show 3, 4 and 5 examples (the draw's weights).
N_EXAMPLES_WEIGHTS = (363, 408, 427)
#: Range of the times (seconds), before rounding to two decimals.
T_RANGE = (1.0, 5.0)
HEADER = ("In Alice's Wonderland, the gravitational constant has been secretly changed. "
          "Here are some example observations:")
EXAMPLE = "For t = {}s, distance = {} m"
QUERY = "Now, determine the falling distance for t = {}s given d = 0.5*g*t^2."


def _range():
    from . import Gravity

    return float(Gravity.prior.low), float(Gravity.prior.high)


def draw_g(rng: random.Random) -> float:
    """The hidden constant, uniform over the family's range [4.9, 19.6]."""
    return rng.uniform(*_range())


def draw_time(rng: random.Random) -> str:
    """A time as the data prints it: ``str(round(uniform(1, 5), 2))``."""
    return str(round(rng.uniform(*T_RANGE), 2))


def printed(g: float, t: str) -> str:
    """The distance the generator prints for time ``t`` under ``g`` (float arithmetic, ``str``)."""
    return str(round(0.5 * g * float(t) ** 2, 2))


def generate(rng: random.Random, *, uniform: bool = False, g: float | None = None,
             n_examples: int | None = None) -> Puzzle:
    """One puzzle (``g`` and ``n_examples`` may be fixed; otherwise drawn)."""
    g = draw_g(rng) if g is None else g
    n = rng.choices(N_EXAMPLES, N_EXAMPLES_WEIGHTS)[0] if n_examples is None else n_examples
    times = [draw_time(rng) for _ in range(n + 1)]
    *shown, query = times
    task = Task.from_pairs("gravity", [(t, printed(g, t)) for t in shown], query)
    return Puzzle(task, printed(g, query), f"d = 0.5*g*t^2 with g = {g!r}, printed str(round(d, 2))")


def render_prompt(task: Task) -> str:
    """The prompt exactly as the data prints it."""
    return "\n".join([HEADER, *(EXAMPLE.format(e.source, e.target) for e in task.examples),
                      QUERY.format(task.query)])


def _seconds_bin(t: str) -> str:
    v = float(t)
    return "5.0" if v == 5.0 else f"{int(v)}-{int(v) + 1}"


def _decimals(s: str) -> str:
    return str(len(s.split(".", 1)[1])) if "." in s else "0"


def _g_bin(task: Task, answer: str) -> str:
    """Which of 15 equal bins of [4.9, 19.6] holds the midpoint of the interval of ``g`` that
    reproduces the examples and the answer (what the dev table of docs/families/gravity.md uses)."""
    from fractions import Fraction

    from .. import get_family
    from .._interval import consistent_set

    fam = get_family("gravity")
    s = consistent_set((fam.coef(e.source), Fraction(e.target))
                       for e in (*task.examples, Example(task.query, answer)))
    if s is None or s is True:
        return "none"
    lo, hi = _range()
    k = int((float(s.point()) - lo) / ((hi - lo) / 15))
    k = min(max(k, 0), 14)
    a = lo + k * (hi - lo) / 15
    return f"{a:.2f}-{a + (hi - lo) / 15:.2f}"


def features(task: Task, answer: str) -> dict[str, str]:
    """Per-puzzle features compared between dev and generated puzzles (``python -m``)."""
    ts = [e.source for e in task.examples]
    return {
        "examples per prompt": str(len(ts)),
        "g (interval midpoint, 15 bins)": _g_bin(task, answer),
        "query time: decimals printed": _decimals(task.query),
        "query time (s)": _seconds_bin(task.query),
        "answer: decimals printed": _decimals(answer),
        "example times repeat": str(len(set(ts)) < len(ts)),
    }


def example_features(task: Task) -> list[dict[str, str]]:
    """Per-example-line features."""
    return [{"example time (s)": _seconds_bin(e.source),
             "example time: decimals printed": _decimals(e.source),
             "example distance: decimals printed": _decimals(e.target)} for e in task.examples]


if __name__ == "__main__":  # python -m hybrid.families.gravity.generator DEV.csv GENERATED.csv
    import sys

    from .._generator_stats import main

    sys.exit(main("gravity", features, example_features))
