"""The equation generators' operation set, shared by ``equation_numeric`` and ``cryptarithm``.

Every equation row is ``AB?CD = result``: two 2-digit operands (leading zeros allowed) and one
operator glyph, whose secret operation is one of the variants below. Reverse-engineered from the
549 ``equation_numeric`` dev rows and checked on the 617 ``cryptarithm`` rows through their decoded
maps (the set explains every row of both; ``docs/families/equation_numeric.md`` has the counts).
This is the one operation set of both families (``cryptarithm.operations`` re-encodes it):

* **Reading direction** (one flag per *row*, shared by all its operators): in a *reversed* row
  both operands are read right-to-left (``"26"`` is 62), the operation is computed, and the
  result's digits are printed right-to-left (``26#12 = 2031``: 62*21 = 1302, printed ``2031``).
  Leading zeros of the reversed result are kept (``57*66 = 0594``: 75*66 = 4950).
* **Base operations** (families): addition ``a+b`` and ``a+b±1``; multiplication ``a*b`` and
  ``a*b±1``; subtraction ``a-b``, ``b-a``, ``|a-b|`` and ``-|a-b|``; ``max mod min``;
  concatenation ``ab`` and ``ba`` (always 4 characters, zeros kept).
* **Negative results** are printed with the *operator glyph* as the sign (``56'19 = '62``;
  a ``-`` glyph just looks like an ordinary minus). The glyph goes before the digits for most
  operations, after them for some (``98)78 = 2)``), so each signed operation exists in a
  ``pre`` and a ``suf`` form.

API (stable; extend by adding variants, never by changing these signatures)::

    OPERATIONS: tuple[Operation, ...]     # every variant, both reading directions
    BY_NAME: dict[str, Operation]
    op.fn(a: str, b: str, neg: str = "-") -> str | None   # printed result, neg = sign glyph
    op.value(a: str, b: str) -> int | None                 # the signed integer before printing
    format_result(value, reverse, sign, neg, width=0) -> str

``a`` and ``b`` are the operand strings *as printed* (``op.fn`` undoes the reading direction
itself). ``None`` means undefined (``max mod min`` with a zero operand).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

__all__ = [
    "Operation",
    "OPERATIONS",
    "BY_NAME",
    "BASES",
    "FAMILIES",
    "format_result",
    "operation",
]


def format_result(value: int, reverse: bool, sign: str = "pre", neg: str = "-", width: int = 0) -> str:
    """Print a signed integer the way the generator does.

    >>> format_result(-26, True, "pre", "'")
    "'62"
    >>> format_result(-2, True, "suf", ")")
    '2)'
    >>> format_result(4950, True)
    '0594'
    """
    digits = str(abs(value))
    if width:
        digits = digits.zfill(width)
    if reverse:
        digits = digits[::-1]
    if value < 0:
        return neg + digits if sign == "pre" else digits + neg
    return digits


def _maxmod(a: int, b: int) -> int | None:
    lo, hi = min(a, b), max(a, b)
    return hi % lo if lo else None


#: base name -> (family, integer function of the (direction-adjusted) operands, signed?, width).
#: ``signed`` operations can print a negative result, so they come in a pre and a suf form.
BASES: dict[str, tuple[str, Callable[[int, int], int | None], bool, int]] = {
    "add": ("add", lambda a, b: a + b, False, 0),
    "add+1": ("add", lambda a, b: a + b + 1, False, 0),
    "add-1": ("add", lambda a, b: a + b - 1, False, 0),
    "mul": ("mul", lambda a, b: a * b, False, 0),
    "mul+1": ("mul", lambda a, b: a * b + 1, False, 0),
    "mul-1": ("mul", lambda a, b: a * b - 1, False, 0),
    "sub": ("sub", lambda a, b: a - b, True, 0),
    "rsub": ("sub", lambda a, b: b - a, True, 0),
    "absdiff": ("sub", lambda a, b: abs(a - b), False, 0),
    "negabsdiff": ("sub", lambda a, b: -abs(a - b), True, 0),
    "maxmod": ("mod", _maxmod, False, 0),
    # Concatenations work on the digit strings; the 4-digit width keeps leading zeros ("0401").
    "cat": ("cat", lambda a, b: a * 100 + b, False, 4),
    "rcat": ("cat", lambda a, b: b * 100 + a, False, 4),
}

#: Families in a fixed order (used for priors and for "one family per operator" reasoning).
FAMILIES: tuple[str, ...] = ("add", "sub", "mul", "cat", "mod")

_TEXT = {
    "add": "a+b", "add+1": "a+b+1", "add-1": "a+b-1", "mul": "a*b", "mul+1": "a*b+1",
    "mul-1": "a*b-1", "sub": "a-b", "rsub": "b-a", "absdiff": "|a-b|", "negabsdiff": "-|a-b|",
    "maxmod": "max(a,b) mod min(a,b)", "cat": "concat(a,b)", "rcat": "concat(b,a)",
}


@dataclass(frozen=True)
class Operation:
    """One operation variant: a base operation, a reading direction and a sign position."""

    name: str
    base: str
    family: str
    reverse: bool
    sign: str  # "pre" or "suf": where the sign glyph goes when the result is negative
    width: int = 0
    _f: Callable[[int, int], int | None] = field(default=None, repr=False, compare=False)

    @property
    def signed(self) -> bool:
        """True when the operation's result can be negative (then printed with a sign glyph)."""
        return BASES[self.base][2]

    def operands(self, a: str, b: str) -> tuple[int, int]:
        """The two operands as integers, reversed first when the operation reads reversed."""
        if self.reverse:
            a, b = a[::-1], b[::-1]
        return int(a), int(b)

    def value(self, a: str, b: str) -> int | None:
        """The signed integer result for printed operands ``a``, ``b`` (before printing)."""
        x, y = self.operands(a, b)
        return self._f(x, y)

    def fn(self, a: str, b: str, neg: str = "-") -> str | None:
        """The printed result for printed operands ``a``, ``b``; ``neg`` is the sign glyph.

        >>> BY_NAME["rev:sub"].fn("33", "71")
        '61'
        >>> BY_NAME["rev:mul"].fn("26", "12")
        '2031'
        >>> BY_NAME["rev:sub"].fn("56", "19", neg="'")
        "'62"
        """
        v = self.value(a, b)
        if v is None:
            return None
        return format_result(v, self.reverse, self.sign, neg, self.width)

    def describe(self) -> str:
        """The operation as readable text (reversal and sign side included)."""
        text = _TEXT[self.base]
        if self.reverse:
            text = f"reversed digits: {text}, result reversed"
        if self.signed:
            text += f" (sign glyph {'before' if self.sign == 'pre' else 'after'} a negative result)"
        return text


def operation(base: str, reverse: bool, sign: str = "pre") -> Operation:
    """Build one variant; ``sign`` matters only for signed bases."""
    family, f, signed, width = BASES[base]
    if not signed:
        sign = "pre"
    name = ("rev:" if reverse else "") + base + ("[suf]" if signed and sign == "suf" else "")
    return Operation(name=name, base=base, family=family, reverse=reverse, sign=sign, width=width, _f=f)


def _all() -> tuple[Operation, ...]:
    out = []
    for reverse in (False, True):
        for base, (_, _, signed, _) in BASES.items():
            for sign in (("pre", "suf") if signed else ("pre",)):
                out.append(operation(base, reverse, sign))
    return tuple(out)


#: Every variant, plain reading direction first. Order is stable (catalog tables follow it).
OPERATIONS: tuple[Operation, ...] = _all()
BY_NAME: dict[str, Operation] = {op.name: op for op in OPERATIONS}
