"""The glyph family's view of the shared equation operation set (``families.equations.operations``).

The cryptarithm generator is the numeric equation generator with the digits hidden behind glyphs,
so the variants are exactly ``equations.operations.OPERATIONS`` (same order, so a variant id is an index
into it). This module only re-encodes their printed results as digit codes for the pattern index
and the join: digits 0..9, ``SIGN`` for the sign (printed with the operator's own glyph), ``PAD``
after the end.

A variant is ``(rev, base, sign)``: ``rev`` 1 reads both operands and writes the result
right-to-left; ``base`` is the arithmetic; ``sign`` is where a negative result's sign goes.
"""

from __future__ import annotations

import numpy as np

from ..equations.operations import BASES, OPERATIONS

__all__ = ["OPS", "SIGNED", "VARIANTS", "SIGN", "PAD", "MAXLEN", "result_table", "result_string", "variant_text"]

#: Code of the sign character inside a result code array; digits are 0..9.
SIGN = 10
#: Padding after the end of a result.
PAD = -1
#: Longest result: four digits (99*99, concatenation) or a sign and three digits.
MAXLEN = 5

OPS = tuple(BASES)
SIGNED = tuple(b for b, spec in BASES.items() if spec[2])
#: Every variant, in the shared order: the variant id is the index into ``OPERATIONS``.
VARIANTS = tuple((int(op.reverse), op.base, op.sign) for op in OPERATIONS)


def variant_text(v: int) -> str:
    """The readable description of operation variant ``v``."""
    return OPERATIONS[v].describe()


def result_string(v: int, a: int, b: int) -> list[int] | None:
    """The result codes (digits, ``SIGN``) of variant ``v`` on printed operands a, b."""
    s = OPERATIONS[v].fn(f"{a:02d}", f"{b:02d}", "-")
    if s is None:
        return None
    return [SIGN if c == "-" else int(c) for c in s]


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
