"""The rule space of bit_manipulation, as reverse-engineered from the dev rows.

Every rule maps an 8-bit input ``x`` to an 8-bit output through at most three *literals*, each a
shifted or rotated copy of ``x``, combined bit-wise by one boolean function ``g`` of up to three
inputs::

    y = g(L1(x), L2(x), L3(x))      applied independently at every bit position

A literal is ``rol k`` (k = 0..7; ``rol 0`` is ``x`` itself), ``shl k`` or ``shr k`` (k = 1..7,
zero-filled). NOT, AND, OR, XOR, majority and choice are all particular ``g``. Bits are numbered
0 = most significant, as the prompt prints them.

A rule is stored as ``(l1, l2, l3, arity, g)``: literal indices (ascending, unused ones 0), the
number of inputs ``g`` reads and ``g``'s truth table, entry ``e`` (bit ``e`` of ``g``) being the
output for inputs whose bits, first literal most significant, spell ``e``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LITERALS", "N_LIT", "LIT_SOURCE", "LIT_VALUES", "KIND", "literal_name", "apply_rule",
           "rule_table", "rule_text", "depends_on", "reduce_rule", "FUNC_NAMES"]

#: Literal names in index order: rol0..rol7, shl1..shl7, shr1..shr7.
LITERALS: tuple[str, ...] = tuple([f"rol{k}" for k in range(8)] + [f"shl{k}" for k in range(1, 8)]
                                  + [f"shr{k}" for k in range(1, 8)])
N_LIT = len(LITERALS)
#: Kind of each literal: 0 rotation, 1 shift left, 2 shift right.
KIND = np.array([0] * 8 + [1] * 7 + [2] * 7, dtype=np.int8)


def _source(name: str) -> list[int]:
    """For each output bit j (0 = MSB), the input bit it copies, or -1 for a filled zero."""
    k = int(name[3:])
    if name.startswith("rol"):
        return [(j + k) % 8 for j in range(8)]
    if name.startswith("shl"):
        return [j + k if j + k < 8 else -1 for j in range(8)]
    return [j - k if j - k >= 0 else -1 for j in range(8)]


#: LIT_SOURCE[l, j]: input bit feeding bit j of literal l (-1: constant zero).
LIT_SOURCE = np.array([_source(n) for n in LITERALS], dtype=np.int8)


def _values() -> np.ndarray:
    v = np.arange(256, dtype=np.int64)
    out = np.zeros((N_LIT, 256), dtype=np.uint8)
    for i, name in enumerate(LITERALS):
        k = int(name[3:])
        if name.startswith("rol"):
            out[i] = ((v << k) | (v >> (8 - k))) & 255 if k else v
        elif name.startswith("shl"):
            out[i] = (v << k) & 255
        else:
            out[i] = v >> k
    return out


#: LIT_VALUES[l, x]: the byte literal l takes for input x.
LIT_VALUES = _values()

_SYM = {"rol": "rotl", "shl": "<<", "shr": ">>"}


def literal_name(lit: int) -> str:
    """How a literal prints in rule texts: ``x``, ``rotl(x,3)``, ``(x<<2)``, ..."""
    name = LITERALS[lit]
    k = int(name[3:])
    if name == "rol0":
        return "x"
    if name.startswith("rol"):
        return f"rotl(x,{k})"
    return f"(x {_SYM[name[:3]]} {k})"


def apply_rule(l1: int, l2: int, l3: int, arity: int, g: int, x: int) -> int:
    """Slow reference: evaluate a rule on one input, bit by bit."""
    lits = [l1, l2, l3][:arity]
    out = 0
    for j in range(8):
        e = 0
        for lit in lits:
            e = (e << 1) | ((int(LIT_VALUES[lit, x]) >> (7 - j)) & 1)
        out |= ((g >> e) & 1) << (7 - j)
    return out


def rule_table(l1: int, l2: int, l3: int, arity: int, g: int) -> np.ndarray:
    """The rule's output for all 256 inputs (vectorised)."""
    lits = [l1, l2, l3][:arity]
    out = np.zeros(256, dtype=np.uint8)
    vals = [LIT_VALUES[lit].astype(np.int64) for lit in lits]
    for e in range(1 << arity):
        if not (g >> e) & 1:
            continue
        m = np.full(256, 255, dtype=np.int64)
        for i, v in enumerate(vals):
            bit = (e >> (arity - 1 - i)) & 1
            m &= v if bit else (255 - v)
        out |= m.astype(np.uint8)
    return out


def depends_on(arity: int, g: int, i: int) -> bool:
    """Whether g's output changes with its input i (0 = most significant)."""
    sh = arity - 1 - i
    for e in range(1 << arity):
        if not (e >> sh) & 1 and ((g >> e) & 1) != ((g >> (e | (1 << sh))) & 1):
            return True
    return False


def reduce_rule(lits: list[int], g: int) -> tuple[list[int], int]:
    """Drop the inputs g ignores; returns (literals, g over the remaining inputs)."""
    arity = len(lits)
    for i in range(arity - 1, -1, -1):
        if not depends_on(arity, g, i):
            sh = arity - 1 - i
            ng = 0
            for e in range(1 << (arity - 1)):
                hi, lo = e >> sh, e & ((1 << sh) - 1)
                full = (hi << (sh + 1)) | lo
                ng |= ((g >> full) & 1) << e
            lits = lits[:i] + lits[i + 1:]
            return reduce_rule(lits, ng)
    return lits, g


FUNC_NAMES = {
    (1, 0b10): "{0}", (1, 0b01): "~{0}",
    (2, 0b1000): "{0} & {1}", (2, 0b1110): "{0} | {1}", (2, 0b0110): "{0} ^ {1}",
    (2, 0b1001): "~({0} ^ {1})", (2, 0b0111): "~({0} & {1})", (2, 0b0001): "~({0} | {1})",
    (2, 0b0100): "{0} & ~{1}", (2, 0b0010): "~{0} & {1}", (2, 0b1101): "{0} | ~{1}",
    (2, 0b1011): "~{0} | {1}",
    (3, 0b11101000): "maj({0}, {1}, {2})", (3, 0b11001010): "choice({0}, {1}, {2})",
    (3, 0b10010110): "{0} ^ {1} ^ {2}",
}


def rule_text(l1: int, l2: int, l3: int, arity: int, g: int) -> str:
    """A rule (three literals, arity, boolean function ``g``) as readable text, e.g. ``(x<<3) ^ rotl(x,1)``."""
    names = [literal_name(lit) for lit in (l1, l2, l3)[:arity]]
    if arity == 0:
        return "0xff" if g & 1 else "0x00"
    fmt = FUNC_NAMES.get((arity, g))
    if fmt:
        return fmt.format(*names)
    return f"f{arity}_{g:0{1 << arity}b}({', '.join(names)})"
