"""Number parsing shared by the measurement families (gravity, unit_conversion).

Only plain unsigned decimals written with ASCII digits are accepted (``12``, ``4.9``, ``16.10``,
``.5``): no sign, no exponent, no ``inf``/``nan``, no other Unicode digits (``'²'.isdigit()`` and
``float('٣')`` both succeed in Python, so neither test is used). Every generated value is a
positive decimal with at most two decimals; the limits below are far above that and keep the exact
``Fraction`` arithmetic of ``_interval`` small:

* at most ``MAX_INT_DIGITS`` (12) digits before the point, leading zeros not counted;
* at most ``MAX_DECIMALS`` (12) digits after it;
* at most ``MAX_NUMBER_CHARS`` (40) characters in all.

A value past a limit raises ``InputLimitError`` naming the field and the limit; any other malformed
value raises ``TaskParseError`` naming the field.

>>> check_number("4.90", "gravity", "distance", 2)
'4.90'
>>> check_number("1e999", "gravity", "distance", 2)
Traceback (most recent call last):
...
hybrid.errors.TaskParseError: line 2: gravity: distance is not a plain unsigned decimal number (ASCII digits 0-9 and at most one '.') (got '1e999')
"""

from __future__ import annotations

import re

from ..errors import InputLimitError, TaskParseError

__all__ = ["NUMBER", "MAX_INT_DIGITS", "MAX_DECIMALS", "MAX_NUMBER_CHARS", "check_number"]

NUMBER = re.compile(r"^(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))$")
MAX_INT_DIGITS = 12
MAX_DECIMALS = 12
MAX_NUMBER_CHARS = 40


def check_number(text: str, family: str, what: str, line: int | None, whole: str | None = None) -> str:
    """Return ``text`` unchanged when it is an accepted number, else raise naming ``what``."""
    shown = whole if whole is not None else text
    if len(text) > MAX_NUMBER_CHARS:
        raise InputLimitError(f"{family}: {what} has {len(text)} characters; the limit is "
                              f"{MAX_NUMBER_CHARS} per number", line=line)
    m = NUMBER.match(text)
    if not m:
        if text[:1] in "+-" and NUMBER.match(text[1:]):
            raise TaskParseError(f"{family}: {what} must not carry a sign (values are >= 0)",
                                 line=line, text=shown)
        raise TaskParseError(f"{family}: {what} is not a plain unsigned decimal number "
                             "(ASCII digits 0-9 and at most one '.')", line=line, text=shown)
    int_part = (m.group(1) or "").lstrip("0")
    decimals = m.group(2) if m.group(1) is not None else m.group(3)
    if len(int_part) > MAX_INT_DIGITS:
        raise InputLimitError(f"{family}: {what} has {len(int_part)} digits before the point; the limit "
                              f"is {MAX_INT_DIGITS}", line=line)
    if decimals and len(decimals) > MAX_DECIMALS:
        raise InputLimitError(f"{family}: {what} has {len(decimals)} decimals; the limit is {MAX_DECIMALS}",
                              line=line)
    return text
