"""The catalog payload schema of every built-in family with a catalog (``Family.payload_schema``).

``hybrid.catalog.load_catalog`` checks a payload against its family's schema after the checksum
and before any family code sees it, so a payload whose keys, dtypes, shapes or values differ from
what the builder writes is a ``CatalogError`` naming the file and the key, never a ``KeyError``,
an ``IndexError`` or an out-of-bounds read in a numba kernel. Each schema below states what its
family's code relies on; the comments say where. ``docs/catalog_format.md`` prints them.

This module imports only ``hybrid.catalog`` and ``equations.operations`` (the family packages import it,
so it must not import them back); the few sizes it copies from the family modules are checked
against them by ``tests/test_catalog.py``.
"""

from __future__ import annotations

import numpy as np

from ..catalog import Array, Check, Fields, Int, ListOf, Map, Number, Str, Tuple
from .equations.operations import FAMILIES, OPERATIONS

__all__ = ["NUMERAL", "CIPHER", "BIT_MANIPULATION", "EQUATION_NUMERIC", "CRYPTARITHM", "ALPHAMETICS",
           "EQUATION_PRIOR", "SCHEMAS"]

#: Operation variants of the equation families (``equations.operations.OPERATIONS``; a cryptarithm
#: variant id is an index into it).
N_VARIANTS = len(OPERATIONS)
#: bit_manipulation: literals of the rule grammar (``grammar.N_LIT``: rol0-7, shl1-7, shr1-7).
N_LITERALS = 22
#: bit_manipulation: most inputs of a rule's boolean function (``rules[:, 3]``, the arity).
MAX_ARITY = 3
#: cryptarithm: result codes per table cell (``operations.MAXLEN``), distinct pattern letters per
#: entry (``patterns.MAX_LETTERS``), operator glyph classes with their own prior row
#: (``GLYPH_CLASSES``; the prior has one more row for every other glyph).
CRYPT_MAXLEN = 5
CRYPT_MAX_LETTERS = 8
CRYPT_GLYPH_CLASSES = 3
#: cryptarithm table codes: ``PAD`` (-1) after the end, digits 0..9, ``SIGN`` (10).
CRYPT_PAD, CRYPT_SIGN = -1, 10

#: A prior weight or count: finite, non-negative (the priors divide by sums of them plus a
#: positive smoothing term, which a negative count could bring to zero).
WEIGHT = Number(min=0, max=1e15)

# ---------------------------------------------------------------------------- numeral
#: ``Numeral.candidates`` reads every system's name, table, first and fits; ``apply`` indexes
#: ``table[n - 1]`` only after checking ``1 <= n <= len(table)``, and assumes the table starts at 1.
NUMERAL = Fields({
    "systems": ListOf(Fields({
        "name": Str(min_len=1),
        "table": ListOf(Str(min_len=1)),
        "first": Int(min=1, max=1),
        "fits": Int(min=0),
    }), min_len=1),
})

# ---------------------------------------------------------------------------- cipher
#: ``Cipher._vocab`` zips ``words`` with ``counts`` (one count per word) and matches words
#: letter by letter against cipher words; ``word_prior`` reads ``slot_counts["n:i:word"]``.
CIPHER = Fields({
    "words": ListOf(Str(pattern=r"[a-z]+"), length="W", unique=True),
    "counts": ListOf(Int(min=0), length="W"),
    "slot_counts": Map(Str(pattern=r"[0-9]+:[0-9]+:[a-z]+"), Int(min=0)),
})

# ---------------------------------------------------------------------------- bit_manipulation
#: ``kernels.match_tables`` scans ``tables`` (one row of 256 outputs per rule) at columns 0..255;
#: ``candidates`` reads ``prior``, ``complexity`` and ``rules`` at the matched row indices, so all
#: four have the same number of rows; ``grammar.rule_text`` indexes ``LITERALS`` with the three
#: literal columns of ``rules`` (< 22) and slices them by the arity column (<= 3).
BIT_MANIPULATION = Fields({
    "tables": Array("uint8", ("N", 256)),
    "rules": Array("uint8", ("N", 5), max=[N_LITERALS - 1] * 3 + [MAX_ARITY, 255]),
    "prior": Array("float64", ("N",), min=0),
    "complexity": Array("int32", ("N",), min=0),
    "shapes": ListOf(Tuple(ListOf(Str()), Int(min=0), WEIGHT)),
    "amounts": Map(Str(), ListOf(WEIGHT)),
})

# ---------------------------------------------------------------------------- equation prior
#: ``equations.model.Prior`` (shared with cryptarithm as ``op_prior``): it reads
#: ``mode["0"]`` / ``mode["1"]``, ``variant["0"]`` / ``variant["1"]`` (and optional
#: ``variant["0|context"]`` rows), ``family_by_glyph[class]`` rows, and
#: ``repeat[standard|other][family][seen|fresh] = [hits, total]`` for every operation family.
_REPEAT = Fields({f: Fields({"seen": Tuple(WEIGHT, WEIGHT), "fresh": Tuple(WEIGHT, WEIGHT)}) for f in FAMILIES})
EQUATION_PRIOR = Fields({
    "mode": Fields({"0": WEIGHT, "1": WEIGHT}),
    "family_by_glyph": Map(Str(), Map(Str(), WEIGHT)),
    "variant": Map(Str(), Map(Str(), WEIGHT), required=("0", "1")),
    "repeat": Fields({"standard": _REPEAT, "other": _REPEAT}),
})

# ---------------------------------------------------------------------------- equation_numeric
#: ``EquationNumeric.recall`` compares table column ``100 * a + b`` (a, b two digits) of every
#: row with the example's printed result, one row per name of ``operations`` (and falls back to
#: computing the operations when the names differ from the code's).
EQUATION_NUMERIC = Fields({
    "operations": ListOf(Str(min_len=1), length="O", unique=True),
    "tables": Array("S5", ("O", 10000)),
    "prior": EQUATION_PRIOR,
})


# ---------------------------------------------------------------------------- cryptarithm
#: ``_LOW_BYTES[n]``: a word whose first ``n`` bytes (in memory order) are 0xFF, the rest 0.
_LOW_BYTES = np.array([[0xFF] * n + [0] * (CRYPT_MAX_LETTERS - n) for n in range(CRYPT_MAX_LETTERS + 1)],
                      dtype=np.uint8).view(np.uint64).reshape(-1)
_HIGH_BITS = np.full(CRYPT_MAX_LETTERS, 0x80, dtype=np.uint8).view(np.uint64)[0]
_ALL_ONES = np.full(CRYPT_MAX_LETTERS, 0xFF, dtype=np.uint8).view(np.uint64)[0]


def _crypt_index(p: dict):
    """The pattern index is walkable: ``starts`` cuts ``var``/``letters`` into one group per key,
    and every entry's first ``n`` letters (``n`` = the letters its key uses) are digits, the rest
    -1. The join kernel (numba, unchecked) indexes ``used[digit]`` and ``bkt[level, digit]`` with
    those digits and reads ``cdig[k, j]`` for ``j`` below the key's letter count."""
    starts, letters = p["starts"], p["letters"]
    if int(starts[0]) != 0 or int(starts[-1]) != len(letters):
        return f"'starts' must run from 0 to {len(letters)} (the entries), got {int(starts[0])}..{int(starts[-1])}"
    keys = p["keys"]
    if not keys:
        return None
    codes = np.array(keys, dtype=str)
    codes = codes.view(np.uint32).reshape(len(keys), -1)
    is_letter = (codes >= ord("A")) & (codes <= ord("J"))
    need = np.where(is_letter, codes.astype(np.int64) - ord("A") + 1, 0).max(axis=1)
    if int(need.max()) > letters.shape[1]:
        k = int(np.argmax(need))
        return f"key {keys[k]!r} uses {int(need[k])} letters, entries hold {letters.shape[1]}"
    per_entry = np.repeat(need, np.diff(starts.astype(np.int64)))
    # One 64-bit word per entry (its 8 letter bytes): the first n bytes must be digits (0..9, bit 7
    # clear: the bounds already hold every byte to -1..9) and the rest -1 (0xFF).
    words = letters.view(np.uint64).reshape(-1)
    low = _LOW_BYTES[per_entry]
    bad = np.flatnonzero(((words & low & _HIGH_BITS) != 0) | ((words | low) != _ALL_ONES))
    if len(bad):
        i = int(bad[0])
        return f"entry {i} has letters {letters[i].tolist()}, its key needs exactly {int(per_entry[i])} digits"
    return None


def _crypt_code_tables(p: dict):
    """The variant list and glyph classes are the code's (the table and the prior are laid out
    by them); a catalog built with other ones is stale."""
    from .cryptarithm import GLYPH_CLASSES
    from .cryptarithm.operations import VARIANTS

    if [list(v) for v in VARIANTS] != p["variants"]:
        return "'variants' differ from the code's operation variants"
    if list(GLYPH_CLASSES) != p["glyph_classes"]:
        return f"'glyph_classes' differ from the code's {list(GLYPH_CLASSES)}"
    return None


#: ``solver.prepare`` looks a pattern up in ``keys`` and reads ``starts[k]``, ``starts[k + 1]``
#: and the ``var`` / ``letters`` rows between; the join kernel uses ``var`` as an index into the
#: variants (< 32) and the result ``table`` (variant, a, b, position); ``hypotheses_from_solutions``
#: indexes a 12-column inverse map with the table's codes (-1..10) and the ``prior`` matrix with
#: (glyph class, variant); ``spare_glyphs`` reads ``glyph_pool``; ``op_prior`` is the shared prior.
CRYPTARITHM = Fields(
    {
        "keys": ListOf(Str(min_len=6, max_len=10), length="K", unique=True),
        "starts": Array("int32", ("K+1",), min=0, max="E", sorted=True),
        "var": Array("int16", ("E",), min=0, max=N_VARIANTS - 1),
        "a": Array("int8", ("E",), min=0, max=99),
        "b": Array("int8", ("E",), min=0, max=99),
        "letters": Array("int8", ("E", CRYPT_MAX_LETTERS), min=-1, max=9),
        "table": Array("int8", (N_VARIANTS, 100, 100, CRYPT_MAXLEN), min=CRYPT_PAD, max=CRYPT_SIGN),
        "prior": Array("float64", (CRYPT_GLYPH_CLASSES + 1, N_VARIANTS), min=0),
        "glyph_pool": ListOf(Str(min_len=1, max_len=1), unique=True),
        "glyph_classes": ListOf(Str(min_len=1, max_len=1), length=CRYPT_GLYPH_CLASSES),
        "variants": ListOf(Tuple(Int(min=0, max=1), Str(), Str()), length=N_VARIANTS),
    },
    # "operands": low / total operands read below 10 in the decoded training rows (the operand-range
    # likelihood, cryptarithm builder_version 8).
    optional={"op_prior": EQUATION_PRIOR, "operands": Fields({"low": WEIGHT, "total": WEIGHT})},
    checks=[Check(_crypt_index, "the pattern index"),
            Check(_crypt_code_tables, "the code's variants and glyph classes")],
)


# ---------------------------------------------------------------------------- alphametics
def _residue_table(p: dict):
    """``residue_digits[w, r]`` is exactly the mask of digits d with w*d = r (mod 10)."""
    want = np.zeros((10, 10), dtype=np.uint16)
    for w in range(10):
        for d in range(10):
            want[w, (w * d) % 10] |= 1 << d
    if not np.array_equal(p["residue_digits"], want):
        w, r = (int(x[0]) for x in np.nonzero(p["residue_digits"] != want))
        return f"cell [{w}, {r}] is {int(p['residue_digits'][w, r])}, not {int(want[w, r])}"
    return None


#: ``alphametics.kernels.column_search`` reads ``residue_digits[weight mod 10, residue]`` as a
#: 10-bit digit mask.
ALPHAMETICS = Fields(
    {"residue_digits": Array("uint16", (10, 10), max=0x3FF)},
    checks=[Check(_residue_table, "the residue table")],
)

#: Family name -> schema (the families set ``payload_schema`` to these).
SCHEMAS = {
    "numeral": NUMERAL,
    "cipher": CIPHER,
    "bit_manipulation": BIT_MANIPULATION,
    "equation_numeric": EQUATION_NUMERIC,
    "cryptarithm": CRYPTARITHM,
    "alphametics": ALPHAMETICS,
}
