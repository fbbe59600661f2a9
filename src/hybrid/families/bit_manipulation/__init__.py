"""bit_manipulation: an 8-bit -> 8-bit rule (shifts, rotations, XOR, AND, OR, NOT, majority, choice).

STUB: parsing only; solving is not implemented yet (returns ``unsolved``).
"""

from __future__ import annotations

import re

from ...errors import TaskParseError
from ...task import Example, Task
from .. import register_family
from ..base import Family, Hypothesis

_BITS = re.compile(r"^[01]{8}$")


def _check_bits(s: str, what: str, line, text) -> str:
    if not _BITS.match(s):
        raise TaskParseError(f"bit_manipulation: {what} must be exactly 8 binary digits", line=line, text=text)
    return s


@register_family
class BitManipulation(Family):
    name = "bit_manipulation"

    def parse_example(self, text: str, line: int | None = None) -> Example:
        ex = super().parse_example(text, line)
        _check_bits(ex.source, "input", line, text)
        _check_bits(ex.target, "output", line, text)
        return ex

    def parse_query(self, text: str, line: int | None = None):
        q, meta = super().parse_query(text, line)
        return _check_bits(q, "query", line, text), meta

    def candidates(self, task: Task) -> list[Hypothesis]:
        return []

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        return False

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        return None
