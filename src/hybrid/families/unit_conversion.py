"""unit_conversion: a secret factor maps ``<value> <unit>`` to a printed number.

STUB: parsing only; solving is not implemented yet.
"""

from __future__ import annotations

import re

from ..errors import TaskParseError
from ..task import Example, Task
from . import register_family
from ._measure import check_number
from .base import Family, Hypothesis

_LINE = re.compile(r"^(\S+)\s+(\S+)\s+becomes\s+(\S+)$")


@register_family
class UnitConversion(Family):
    name = "unit_conversion"

    def parse_example(self, text: str, line: int | None = None) -> Example:
        m = _LINE.match(text.strip())
        if not m:
            raise TaskParseError("unit_conversion: expected '<value> <unit> becomes <value>'", line=line, text=text)
        src = check_number(m.group(1), self.name, "measurement", line, text)
        dst = check_number(m.group(3), self.name, "converted value", line, text)
        return Example(src, dst, line)

    def example_line(self, example: Example) -> str:
        return f"{example.source} m becomes {example.target}"

    def parse_query(self, text: str, line: int | None = None):
        """``'8.32 m'`` -> ``('8.32', {'unit': 'm'})``; a bare number is accepted too."""
        parts = text.split()
        if len(parts) not in (1, 2):
            raise TaskParseError("unit_conversion: expected '<value> <unit>' as the query", line=line, text=text)
        q = check_number(parts[0], self.name, "query measurement", line, text)
        return q, ({"unit": parts[1]} if len(parts) == 2 else {})

    def candidates(self, task: Task) -> list[Hypothesis]:
        return []

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        return False

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        return None
