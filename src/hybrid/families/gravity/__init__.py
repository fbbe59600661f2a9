"""gravity: ``d = 0.5*g*t^2`` with a secret ``g``; examples give ``t`` and the printed ``d``.

Generator (reverse-engineered from the 1,198 dev rows, see docs/families/gravity.md):
``g ~ uniform(4.9, 19.6)`` (continuous, not rounded), ``t = round(uniform(1, 5), 2)``,
``d = round(0.5 * g * t**2, 2)`` printed with ``str`` (so ``42.2``, ``30.0``: no trailing zero).
Solving is exact interval fitting of ``g`` (``_interval.ScaledMeasureFamily``), which also
states the rule space exactly: real ``g > 0`` (in [4.9, 19.6] when some such ``g`` fits) printing
``0.5*g*t^2`` rounded to cents, ties to even, in exact arithmetic. ``candidates`` lists one
hypothesis per distinct printed answer (at most ``MAX_ANSWERS``, else the result is ``partial``).

The generator (``generator.py``) draws puzzles exactly so and prints them in the data's wording.

Input limits: at most ``max_examples`` (100) examples; every number is a plain unsigned ASCII
decimal of at most 12 digits before the point, 12 after it and 40 characters (``_measure``);
``max_field_chars`` (64) characters per field. A time of 0 is accepted (it prints 0.0 for every
``g``); signs, exponents, ``inf``/``nan`` and non-ASCII digits are rejected with
``TaskParseError`` naming the line and field, values past a limit with ``InputLimitError``.
"""

from __future__ import annotations

import re
from fractions import Fraction

from ...task import Example
from .. import register_family
from .._interval import ConstantPrior, ScaledMeasureFamily
from .._measure import check_number

_LINE = re.compile(r"^For t\s*=\s*(\S+?)\s*s,\s*distance\s*=\s*(\S+)\s*m$")


@register_family
class Gravity(ScaledMeasureFamily):
    name = "gravity"
    prompt_header = r"gravitational constant has been secretly changed"
    prompt_query = r"^Now, determine the falling distance for t\s*=\s*(\S+?)\s*s\s+given d = 0\.5\*g\*t\^2\.?$"
    constant_name = "g"
    # Range: every dev row's interval lies inside [4.938, 19.583] and the interval midpoints
    # are flat across it (docs/families/gravity.md); 4.9..19.6 is 0.5x..2x Earth's 9.8.
    prior = ConstantPrior(low=Fraction("4.9"), high=Fraction("19.6"))
    line_pattern = _LINE
    line_fields = ("time", "distance")
    line_layout = "For t = <seconds>s, distance = <meters> m"

    def example_line(self, example: Example) -> str:
        return f"For t = {example.source}s, distance = {example.target} m"

    def parse_query(self, text: str, line: int | None = None):
        q, meta = super().parse_query(text, line)
        return check_number(q, self.name, "query time", line, text), meta

    def coef(self, x: str) -> Fraction:
        t = Fraction(x)
        return t * t / 2

    def forward(self, k: float, x: str) -> float:
        t = float(x)
        return 0.5 * k * t**2

    def fmt(self, value: float) -> str:
        return str(value)

    # ------------------------------------------------------------------ generating
    def generate(self, rng, *, uniform: bool = False, **options):
        """A puzzle drawn as the data draws them (``generator.py``; options: ``g``, ``n_examples``)."""
        from .generator import generate

        return generate(rng, uniform=uniform, **options)

    def render_prompt(self, task) -> str:
        from .generator import render_prompt

        return render_prompt(task)
