"""Number parsing shared by the measurement families (gravity, unit_conversion)."""

from __future__ import annotations

import re

from ..errors import TaskParseError

NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def check_number(text: str, family: str, what: str, line: int | None, whole: str | None = None) -> str:
    if not NUMBER.match(text):
        raise TaskParseError(f"{family}: {what} is not a number", line=line, text=whole if whole is not None else text)
    return text
