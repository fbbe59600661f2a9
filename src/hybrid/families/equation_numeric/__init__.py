"""equation_numeric: `AB?CD = result` equations with a secret operation per operator glyph.

STUB: parsing only; solving is not implemented yet (returns ``unsolved``).
"""

from __future__ import annotations

from ...task import Example, Task
from .. import register_family
from .._equation_common import check_lhs, parse_equation_line
from ..base import Family, Hypothesis


@register_family
class EquationNumeric(Family):
    name = "equation_numeric"

    def parse_example(self, text: str, line: int | None = None) -> Example:
        return parse_equation_line(text, self.name, line)

    def example_line(self, example: Example) -> str:
        return f"{example.source} = {example.target}"

    def parse_query(self, text: str, line: int | None = None):
        q, meta = super().parse_query(text, line)
        return check_lhs(q, self.name, line, text), meta

    def candidates(self, task: Task) -> list[Hypothesis]:
        return []

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        return False

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        return None
