"""The operation variants the glyph equations are generated from, as digit-string functions.

A variant is ``(rev, op, neg)``:

* ``rev`` -- when 1, both operands are read with their two digits swapped, and the result's digit
  string is written back reversed (``33-71``: 33-17 = 16, written ``61``). Reversal keeps the
  zeros it moves to the front (``57*66``: 75*66 = 4950, written ``0594``).
* ``op`` -- the arithmetic on the two (possibly reversed) two-digit operands ``x`` and ``y``.
* ``neg`` -- where the sign of a negative result goes: before the digits (``pre``) or after
  them (``suf``). The sign is printed with the operator's own glyph, never a separate one.

The equation_numeric family shows the same rule space with the digits visible; this module is the
glyph family's own copy because the shared ``equation_numeric/operations.py`` did not exist yet
when it was written (see docs/families/cryptarithm.md).
"""

from __future__ import annotations

import numpy as np

__all__ = ["OPS", "SIGNED", "VARIANTS", "SIGN", "PAD", "MAXLEN", "result_table", "result_string", "variant_text"]

#: Code of the sign character inside a result code array; digits are 0..9.
SIGN = 10
#: Padding after the end of a result.
PAD = -1
#: Longest result: four digits (99*99, concatenation) or a sign and three digits.
MAXLEN = 5

# Each op maps integer arrays (x, y) to integer results; None-producing cases are masked.
_ARITH = {
    "add": lambda x, y: x + y,
    "add+1": lambda x, y: x + y + 1,
    "add-1": lambda x, y: x + y - 1,
    "sub": lambda x, y: x - y,
    "rsub": lambda x, y: y - x,
    "absdiff": lambda x, y: np.abs(x - y),
    "negabsdiff": lambda x, y: -np.abs(x - y),
    "mul": lambda x, y: x * y,
    "mul+1": lambda x, y: x * y + 1,
    "mul-1": lambda x, y: x * y - 1,
    "mod": lambda x, y: np.where(y > 0, x % np.maximum(y, 1), -10**9),
    "rmod": lambda x, y: np.where(x > 0, y % np.maximum(x, 1), -10**9),
    "div": lambda x, y: np.where(y > 0, x // np.maximum(y, 1), -10**9),
    "rdiv": lambda x, y: np.where(x > 0, y // np.maximum(x, 1), -10**9),
}
_CONCAT = ("cat", "rcat")
SIGNED = ("sub", "rsub", "negabsdiff")
OPS = tuple(_ARITH) + _CONCAT


def _build_variants():
    out = []
    for rev in (0, 1):
        for op in OPS:
            for neg in (("pre", "suf") if op in SIGNED else ("pre",)):
                out.append((rev, op, neg))
    return tuple(out)


#: Every variant, in a fixed order: the variant id is the index here.
VARIANTS = _build_variants()


def variant_text(v: int) -> str:
    rev, op, neg = VARIANTS[v]
    s = f"{op}{' on reversed digits' if rev else ''}"
    if op in SIGNED:
        s += f", sign {'before' if neg == 'pre' else 'after'} the digits"
    return s


def _digits_of(n: int) -> list[int]:
    return [int(c) for c in str(n)]


def result_string(v: int, a: int, b: int) -> list[int] | None:
    """Slow reference: the result codes (digits, ``SIGN``) of variant ``v`` on operands a, b."""
    rev, op, neg = VARIANTS[v]
    da, db = [a // 10, a % 10], [b // 10, b % 10]
    if rev:
        da, db = da[::-1], db[::-1]
    if op in _CONCAT:
        s = da + db if op == "cat" else db + da
        return s[::-1] if rev else s
    x, y = da[0] * 10 + da[1], db[0] * 10 + db[1]
    r = int(_ARITH[op](np.int64(x), np.int64(y)))
    if r == -10**9:
        return None
    digits = _digits_of(abs(r))
    if rev:
        digits = digits[::-1]
    if r < 0:
        return [SIGN] + digits if neg == "pre" else digits + [SIGN]
    return digits


def result_table() -> np.ndarray:
    """``int8[n_variants, 100, 100, MAXLEN]``: the result codes of every variant on every
    operand pair (``PAD`` after the end; a row of ``PAD`` means undefined, e.g. mod 0)."""
    out = np.full((len(VARIANTS), 100, 100, MAXLEN), PAD, dtype=np.int8)
    for v in range(len(VARIANTS)):
        for a in range(100):
            for b in range(100):
                s = result_string(v, a, b)
                if s is not None:
                    out[v, a, b, : len(s)] = s
    return out
