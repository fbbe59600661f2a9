"""Line format shared by the two equation families: ``AB?CD = result``.

The left side is exactly five characters: a two-character left operand, one operator character,
a two-character right operand. The result is one or more non-space characters.
"""

from __future__ import annotations

from ...errors import TaskParseError
from ...task import Example

__all__ = ["parse_equation_line", "check_lhs", "split_lhs"]


def check_lhs(lhs: str, family: str, line: int | None, text: str | None = None) -> str:
    """Check that an equation's left side is exactly five non-space characters (operand, operator, operand); return it."""
    if len(lhs) != 5 or any(c.isspace() for c in lhs):
        raise TaskParseError(
            f"{family}: the left side of an equation must be exactly 5 characters (2 + operator + 2), "
            f"got {len(lhs)}", line=line, text=text if text is not None else lhs)
    return lhs


def split_lhs(lhs: str) -> tuple[str, str, str]:
    """``'33-71'`` -> ``('33', '-', '71')``."""
    return lhs[:2], lhs[2], lhs[3:]


def parse_equation_line(text: str, family: str, line: int | None = None) -> Example:
    """Parse ``AB?CD = result`` into an ``Example`` (raises ``TaskParseError`` naming the line)."""
    if " = " not in text:
        raise TaskParseError(f"{family}: expected 'AB?CD = result'", line=line, text=text)
    lhs, result = text.split(" = ", 1)
    lhs, result = lhs.strip(), result.strip()
    check_lhs(lhs, family, line, text)
    if not result or any(c.isspace() for c in result):
        raise TaskParseError(f"{family}: the result must be one token", line=line, text=text)
    return Example(lhs, result, line)
