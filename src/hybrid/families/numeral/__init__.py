"""numeral: integers written in a hidden numeral system — in every generated row, Roman numerals.

Catalog: the numeral table for 1..3999 (standard subtractive Roman numerals). The single
hypothesis "Roman numerals" is verified against every example; when the examples do not fit the
table the task is reported ``unsolved`` rather than guessed.

Rule space and soundness: the space is that one table, so ``candidates`` is exhaustive (one
hypothesis, the whole space): ``deduced`` means the examples fit the table and the query is in
1..3999. A query outside the table (0, 4000, 10**100) is answered honestly: ``unsolved``, no
rule of the space writes it.

Generator: ``generator.py`` draws puzzles as the data does (3-5 examples, numbers uniform on
1..100; ``uniform=True``: on the whole table 1..3999) and prints them in the data's wording.

Input limits: at most ``max_examples`` (100) examples; numbers are ASCII digits only (``[0-9]``:
superscript and other Unicode digits are rejected, although ``'²'.isdigit()`` is True) with at
most ``MAX_DIGITS`` (1000) digits, which is also ``max_field_chars``; numerals are at most
``max_field_chars`` characters. Numbers are never converted with ``int`` beyond 4 significant
digits, so Python's 4300-digit int-string limit cannot be reached.
"""

from __future__ import annotations

import re

from ...errors import InputLimitError, TaskParseError
from ...task import Example, Task
from .. import register_family
from .._schemas import NUMERAL
from ..base import Family, Hypothesis
from .payload import NumeralPayload

_LINE = re.compile(r"^([0-9]+)\s*->\s*(\S+)$")
_NUMBER = re.compile(r"^[0-9]+$")
#: Most digits accepted in a number (the dev rows use 1..100; the table ends at 3999).
MAX_DIGITS = 1000
_VALUES = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
MAX_VALUE = 3999


def to_roman(n: int) -> str:
    """Standard Roman numeral of ``1 <= n <= 3999``.

    >>> to_roman(1994)
    'MCMXCIV'
    """
    if not 1 <= n <= MAX_VALUE:
        raise ValueError(f"Roman numerals cover 1..{MAX_VALUE}, got {n}")
    out = []
    for value, sym in _VALUES:
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)


@register_family
class Numeral(Family):
    name = "numeral"
    prompt_header = r"numbers are secretly converted into a different numeral system"
    prompt_query = r"^Now, write the number\s+(\S+)\s+in the Wonderland numeral system\.?$"
    has_catalog = True
    payload_schema = NUMERAL
    payload_type = NumeralPayload
    builder_version = "1"

    max_examples = 100
    max_field_chars = MAX_DIGITS

    def parse_example(self, text: str, line: int | None = None) -> Example:
        if len(text) > 2 * self.max_field_chars + 8:
            raise InputLimitError(f"numeral: example line has {len(text)} characters; the limit is "
                                  f"{self.max_field_chars} per number and per numeral", line=line)
        m = _LINE.match(text.strip())
        if not m:
            raise TaskParseError("numeral: expected '<integer> -> <numeral>' (ASCII digits 0-9)", line=line, text=text)
        number, numeral = m.group(1), m.group(2)
        if len(number) > MAX_DIGITS:
            raise InputLimitError(f"numeral: example number has {len(number)} digits; the limit is {MAX_DIGITS}",
                                  line=line)
        if len(numeral) > self.max_field_chars:
            raise InputLimitError(f"numeral: example numeral has {len(numeral)} characters; the limit is "
                                  f"{self.max_field_chars}", line=line)
        return Example(number, numeral, line)

    def parse_query(self, text: str, line: int | None = None):
        q = text.strip()
        if not _NUMBER.match(q):
            raise TaskParseError("numeral: the query must be a non-negative integer in ASCII digits 0-9",
                                 line=line, text=text[:80])
        if len(q) > MAX_DIGITS:
            raise InputLimitError(f"numeral: the query has {len(q)} digits; the limit is {MAX_DIGITS}", line=line)
        return q, {}

    def build_catalog(self, tasks, progress: bool = False):
        table = [to_roman(n) for n in range(1, MAX_VALUE + 1)]
        # The prior counts how often the dev rows' examples fit the table (every row, in practice).
        fits = sum(1 for t in tasks if all(self._fits(table, ex) for ex in t.examples))
        payload = {"systems": [{"name": "roman", "table": table, "first": 1, "fits": fits}]}
        return payload, {"systems": ["roman"], "range": [1, MAX_VALUE], "entries": len(table)}

    @staticmethod
    def _value(text: str) -> int | None:
        """The integer written by ASCII digits ``text`` when it has at most 4 significant digits
        (enough for the table), else None; never calls ``int`` on a long string."""
        digits = text.lstrip("0") or "0"
        if len(digits) > 4 or not _NUMBER.match(digits):
            return None
        return int(digits)

    @classmethod
    def _fits(cls, table, ex: Example) -> bool:
        n = cls._value(ex.source)
        return n is not None and 1 <= n <= len(table) and table[n - 1] == ex.target

    def candidates(self, task: Task, deadline=None) -> list[Hypothesis]:
        self.check_limits(task)
        return [Hypothesis(rule=s.table, text=f"{s.name} numerals (table {s.first}..{len(s.table)})",
                           prior=float(s.fits) + 1.0, source="catalog", extra={"first": s.first})
                for s in self.payload().systems]

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        return all(self._fits(hypothesis.rule, ex) for ex in task.examples)

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        n = self._value(task.query)
        return hypothesis.rule[n - 1] if n is not None and 1 <= n <= len(hypothesis.rule) else None

    # ------------------------------------------------------------------ generating
    def generate(self, rng, *, uniform: bool = False, **options):
        """A puzzle drawn as the data draws them (``generator.py``; options: ``n_examples``)."""
        from .generator import generate

        return generate(rng, uniform=uniform, **options)

    def render_prompt(self, task: Task) -> str:
        from .generator import render_prompt

        return render_prompt(task)
