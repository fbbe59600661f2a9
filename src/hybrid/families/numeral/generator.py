"""Generator of ``numeral`` puzzles, in the data's exact wording, with gold answers.

The draw, measured on the 1,182 dev rows (table on docs/families/numeral.md):

* 3, 4 or 5 examples, drawn with the dev counts as weights (444 / 358 / 380 rows);
* every example number and the query drawn independently and uniformly from 1..100, with
  replacement (63 dev rows repeat an example number where independent draws predict 71; 48 rows
  ask for a number an example already shows, 46 predicted);
* the rule: standard subtractive Roman numerals (every dev row fits the table).

``uniform=True`` draws the numbers evenly over the whole rule space instead: the catalog's table,
1..3999 (there is a single rule, so "evenly over the rule space" means evenly over its entries).

>>> import random
>>> p = generate(random.Random(0))
>>> p.answer == to_roman(int(p.task.query)), p.rule
(True, 'roman numerals')
"""

from __future__ import annotations

import random

from ...task import Task
from ..base import Puzzle
from . import MAX_VALUE, to_roman

__all__ = ["N_EXAMPLES", "N_EXAMPLES_WEIGHTS", "DATA_RANGE", "HEADER", "generate", "render_prompt", "features", "example_features"]

#: Examples per prompt (drawn evenly).
N_EXAMPLES = (3, 4, 5)
#: How often the dev rows show 3, 4 and 5 examples (the draw's weights).
N_EXAMPLES_WEIGHTS = (444, 358, 380)
#: The numbers the dev rows use (examples and queries).
DATA_RANGE = (1, 100)
HEADER = ("In Alice's Wonderland, numbers are secretly converted into a different numeral system. "
          "Some examples are given below:")
QUERY = "Now, write the number {} in the Wonderland numeral system."


def generate(rng: random.Random, *, uniform: bool = False, n_examples: int | None = None) -> Puzzle:
    """One puzzle: ``n_examples`` (default 3-5) numbers and a query, all independent draws."""
    lo, hi = (1, MAX_VALUE) if uniform else DATA_RANGE
    n = rng.choices(N_EXAMPLES, N_EXAMPLES_WEIGHTS)[0] if n_examples is None else n_examples
    numbers = [rng.randint(lo, hi) for _ in range(n + 1)]
    *shown, query = numbers
    task = Task.from_pairs("numeral", [(str(v), to_roman(v)) for v in shown], str(query))
    return Puzzle(task, to_roman(query), "roman numerals")


def render_prompt(task: Task) -> str:
    """The prompt exactly as the data prints it."""
    lines = [HEADER, *(f"{e.source} -> {e.target}" for e in task.examples), QUERY.format(task.query)]
    return "\n".join(lines)


def _decade(v: int) -> str:
    if v > 100:
        return ">100"
    lo = (v - 1) // 10 * 10 + 1
    return f"{lo}-{lo + 9}"


def features(task: Task, answer: str) -> dict[str, str]:
    """Per-puzzle features compared between dev and generated puzzles (``python -m``)."""
    shown = [int(e.source) for e in task.examples]
    q = int(task.query)
    return {
        "examples per prompt": str(len(shown)),
        "query number": _decade(q),
        "example numbers repeat": str(len(set(shown)) < len(shown)),
        "query is an example number": str(q in shown),
        "answer length (characters)": str(len(answer)) if len(answer) < 7 else "7+",
    }


def example_features(task: Task) -> list[dict[str, str]]:
    """Per-example-line features."""
    return [{"example number": _decade(int(e.source))} for e in task.examples]


if __name__ == "__main__":  # python -m hybrid.families.numeral.generator DEV.csv GENERATED.csv
    import sys

    from .._generator_stats import main

    sys.exit(main("numeral", features, example_features))
