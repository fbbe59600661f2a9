"""numeral: integers written in a hidden numeral system — in every generated row, Roman numerals.

Catalog: the numeral table for 1..3999 (standard subtractive Roman numerals). The single
hypothesis "Roman numerals" is verified against every example; when the examples do not fit the
table the task is reported ``unsolved`` rather than guessed.
"""

from __future__ import annotations

import re

from ..errors import TaskParseError
from ..task import Example, Task
from . import register_family
from .base import Family, Hypothesis

_LINE = re.compile(r"^(\d+)\s*->\s*(\S+)$")
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
    has_catalog = True
    builder_version = "1"

    def parse_example(self, text: str, line: int | None = None) -> Example:
        m = _LINE.match(text.strip())
        if not m:
            raise TaskParseError("numeral: expected '<integer> -> <numeral>'", line=line, text=text)
        return Example(m.group(1), m.group(2), line)

    def parse_query(self, text: str, line: int | None = None):
        q = text.strip()
        if not q.isdigit():
            raise TaskParseError("numeral: the query must be a non-negative integer", line=line, text=text)
        return q, {}

    def build_catalog(self, tasks, progress: bool = False):
        table = [to_roman(n) for n in range(1, MAX_VALUE + 1)]
        # The prior counts how often the dev rows' examples fit the table (every row, in practice).
        fits = sum(1 for t in tasks if all(self._fits(table, ex) for ex in t.examples))
        payload = {"systems": [{"name": "roman", "table": table, "first": 1, "fits": fits}]}
        return payload, {"systems": ["roman"], "range": [1, MAX_VALUE], "entries": len(table)}

    @staticmethod
    def _fits(table, ex: Example) -> bool:
        n = int(ex.source)
        return 1 <= n <= len(table) and table[n - 1] == ex.target

    def candidates(self, task: Task, deadline=None) -> list[Hypothesis]:
        cat = self.catalog()
        return [Hypothesis(rule=s["table"], text=f"{s['name']} numerals (table {s['first']}..{len(s['table'])})",
                           prior=float(s["fits"]) + 1.0, source="catalog", extra={"first": s["first"]})
                for s in cat["systems"]]

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        return all(self._fits(hypothesis.rule, ex) for ex in task.examples)

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        n = int(task.query)
        return hypothesis.rule[n - 1] if 1 <= n <= len(hypothesis.rule) else None
