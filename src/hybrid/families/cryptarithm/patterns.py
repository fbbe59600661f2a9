"""The equality-pattern index: which (variant, a, b) triples print a given glyph shape.

An example ``AB?CD = R`` only shows which of its positions carry the same glyph. Because the
glyph<->digit map is one-to-one, that shape is exactly the equality pattern of the digit string
``a1 a2 b1 b2 r...`` (with the sign, printed with the operator's glyph, kept as its own mark).
The index maps each pattern to every triple that produces it, together with the digit each
pattern letter stands for, so recalling an example's candidates is one dictionary lookup.
"""

from __future__ import annotations

import numpy as np

from .operations import PAD, SIGN, VARIANTS, result_table

__all__ = ["MAX_LETTERS", "pattern_key", "digits_pattern", "build_index"]

#: At most 4 operand digits + 4 result digits are distinct letters.
MAX_LETTERS = 8
_LETTERS = "ABCDEFGHIJ"


def pattern_key(operands: str, result: str, sign: str) -> tuple[str, list[str]]:
    """Pattern of a printed example and its letters' glyphs in order.

    ``operands`` is the four operand glyphs, ``result`` the printed result and ``sign`` the
    operator glyph (a result character equal to it is the sign).
    """
    seen: dict[str, str] = {}
    order: list[str] = []

    def code(ch: str) -> str:
        if ch not in seen:
            # past ten letters no index key can match; any distinct mark keeps the key well formed
            n = len(seen)
            seen[ch] = _LETTERS[n] if n < len(_LETTERS) else f"[{n}]"
            order.append(ch)
        return seen[ch]

    left = "".join(code(c) for c in operands)
    right = "".join("s" if c == sign else code(c) for c in result)
    return f"{left}={right}", order


def digits_pattern(codes: list[int]) -> tuple[str, list[int]]:
    """Pattern of a digit sequence (4 operand digits then result codes) and its letters' digits."""
    seen: dict[int, str] = {}
    digits: list[int] = []
    out = []
    for i, c in enumerate(codes):
        if i == 4:
            out.append("=")
        if c == SIGN:
            out.append("s")
            continue
        if c not in seen:
            seen[c] = _LETTERS[len(seen)]
            digits.append(c)
        out.append(seen[c])
    return "".join(out), digits


def build_index():
    """Return ``(keys, starts, variant, a, b, letters, table)``.

    Entries are grouped by pattern (``keys`` sorted; entries of ``keys[i]`` are
    ``starts[i]:starts[i+1]``) and ordered by (variant, a, b) inside a group. Two variants that
    print the same string for the same operands both stay: the join decides between them.
    """
    table = result_table()
    groups: dict[str, list[tuple[int, int, int, list[int]]]] = {}
    for v in range(len(VARIANTS)):
        for a in range(100):
            for b in range(100):
                row = table[v, a, b]
                if row[0] == PAD:
                    continue
                res = [int(c) for c in row if c != PAD]
                key, digits = digits_pattern([a // 10, a % 10, b // 10, b % 10] + res)
                groups.setdefault(key, []).append((v, a, b, digits))
    keys = sorted(groups)
    n = sum(len(g) for g in groups.values())
    starts = np.zeros(len(keys) + 1, dtype=np.int32)
    var = np.empty(n, dtype=np.int16)
    aa = np.empty(n, dtype=np.int8)
    bb = np.empty(n, dtype=np.int8)
    letters = np.full((n, MAX_LETTERS), -1, dtype=np.int8)
    i = 0
    for k, key in enumerate(keys):
        starts[k] = i
        for v, a, b, digits in groups[key]:
            var[i], aa[i], bb[i] = v, a, b
            letters[i, : len(digits)] = digits
            i += 1
    starts[len(keys)] = i
    return keys, starts, var, aa, bb, letters, table
