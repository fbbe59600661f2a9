"""gravity: ``d = 0.5*g*t^2`` with a secret ``g``; examples give ``t`` and the printed ``d``.

STUB: parsing only; solving is not implemented yet.
"""

from __future__ import annotations

import re

from ..errors import TaskParseError
from ..task import Example, Task
from . import register_family
from ._measure import check_number
from .base import Family, Hypothesis

_LINE = re.compile(r"^For t\s*=\s*(\S+?)\s*s,\s*distance\s*=\s*(\S+)\s*m$")


@register_family
class Gravity(Family):
    name = "gravity"

    def parse_example(self, text: str, line: int | None = None) -> Example:
        m = _LINE.match(text.strip())
        if not m:
            raise TaskParseError("gravity: expected 'For t = <seconds>s, distance = <meters> m'", line=line, text=text)
        t = check_number(m.group(1), self.name, "time", line, text)
        d = check_number(m.group(2), self.name, "distance", line, text)
        return Example(t, d, line)

    def example_line(self, example: Example) -> str:
        return f"For t = {example.source}s, distance = {example.target} m"

    def parse_query(self, text: str, line: int | None = None):
        q, meta = super().parse_query(text, line)
        return check_number(q, self.name, "query time", line, text), meta

    def candidates(self, task: Task) -> list[Hypothesis]:
        return []

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        return False

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        return None
