"""unit_conversion: a secret factor maps ``<value> <unit>`` to a printed number.

Generator (reverse-engineered from the 1,196 dev rows, see docs/families/unit_conversion.md):
factor ``f ~ uniform(0.5, 2.0)`` (continuous) with a small share of round one-decimal factors
(0.5, 0.6, ..., 2.0), ``x = round(uniform(5, 50), 2)``, printed ``f"{x * f:.2f}"`` (always two
decimals: ``16.10``). The unit is always ``m``. Solving is exact interval fitting of ``f``
(``_interval.ScaledMeasureFamily``), which also states the rule space exactly: real ``f > 0`` (in
[0.5, 2.0] when some such ``f`` fits) printing ``x*f`` rounded to cents, ties to even, in exact
arithmetic, plus the one-decimal atoms computed in floats. ``candidates`` lists one hypothesis per
distinct printed answer (at most ``MAX_ANSWERS``, else the result is ``partial``).

The generator (``generator.py``) draws puzzles exactly so and prints them in the data's wording.

Input limits: at most ``max_examples`` (100) examples; every number is a plain unsigned ASCII
decimal of at most 12 digits before the point, 12 after it and 40 characters (``_measure``);
``max_field_chars`` (64) characters per field, the query's unit included. A measurement of 0 is
accepted (it converts to 0.00 under every factor); signs, exponents, ``inf``/``nan`` and
non-ASCII digits are rejected with ``TaskParseError`` naming the line and field, values past a
limit with ``InputLimitError``.
"""

from __future__ import annotations

import re
from fractions import Fraction

from ...errors import InputLimitError, TaskParseError
from ...task import Example
from .. import register_family
from .._interval import ConstantPrior, ScaledMeasureFamily
from .._measure import check_number

_LINE = re.compile(r"^(\S+)\s+(\S+)\s+becomes\s+(\S+)$")


@register_family
class UnitConversion(ScaledMeasureFamily):
    name = "unit_conversion"
    prompt_header = r"secret unit conversion is applied to measurements"
    prompt_query = r"^Now, convert the following measurement:\s*(.+?)\s*$"
    constant_name = "factor"
    # Range: every dev interval lies in [0.5016, 2.0001], midpoints flat across [0.5, 2].
    # Atoms: 7 dev rows have an interval containing a one-decimal factor where chance predicts
    # about 1, and all 7 answers agree with that factor, so ~6/1196 = 0.5% of rows draw one.
    prior = ConstantPrior(low=Fraction("0.5"), high=Fraction("2.0"),
                          atom_step=Fraction("0.1"), atom_weight=0.004)
    line_pattern = _LINE
    line_groups = (1, 3)
    line_fields = ("measurement", "converted value")
    line_layout = "<value> <unit> becomes <value>"

    def example_line(self, example: Example) -> str:
        return f"{example.source} m becomes {example.target}"

    def parse_query(self, text: str, line: int | None = None):
        """``'8.32 m'`` -> ``('8.32', {'unit': 'm'})``; a bare number is accepted too."""
        if len(text) > self.max_field_chars:
            raise InputLimitError(f"unit_conversion: the query has {len(text)} characters; the limit is "
                                  f"{self.max_field_chars} (max_field_chars)", line=line)
        parts = text.split()
        if len(parts) not in (1, 2):
            raise TaskParseError("unit_conversion: expected '<value> <unit>' as the query", line=line, text=text)
        q = check_number(parts[0], self.name, "query measurement", line, text)
        return q, ({"unit": parts[1]} if len(parts) == 2 else {})

    def coef(self, x: str) -> Fraction:
        return Fraction(x)

    def forward(self, k: float, x: str) -> float:
        return float(x) * k

    def fmt(self, value: float) -> str:
        return f"{value:.2f}"

    def fmt_cents(self, cents: int) -> str:
        sign = "-" if cents < 0 else ""
        q, r = divmod(abs(cents), 100)
        return f"{sign}{q}.{r:02d}"

    # ------------------------------------------------------------------ generating
    def generate(self, rng, *, uniform: bool = False, **options):
        """A puzzle drawn as the data draws them (``generator.py``; options: ``f``, ``n_examples``)."""
        from .generator import generate

        return generate(rng, uniform=uniform, **options)

    def render_prompt(self, task) -> str:
        from .generator import render_prompt

        return render_prompt(task)
