"""The alphametics catalog: the column table that closes every addition/subtraction column.

A linear alphametic (``+`` and ``-`` only) is a chain of columns, units first. Column ``k`` reads
``sum(w[k, L] * digit[L]) + carry_in == 10 * carry_out`` where ``w[k, L]`` is the signed count of
letter ``L`` in that column (``+1`` for an addend, ``-1`` for a letter of the result, ``+2`` for a
letter twice in the column...). Once every letter of the column but one is known, the last one
(weight ``w``) must make the column sum a multiple of ten: its digit ``d`` satisfies
``w * d + rest == 0 (mod 10)``, where ``rest`` is the carry-in plus the known digits' part, and the
carry-out is ``(w * d + rest) / 10`` exactly.

``residue_digits[w mod 10, r]`` is the 10-bit mask of the digits ``d`` with ``w * d == r (mod 10)``:
exactly one digit for a weight prime to 10 (an addend or result letter seen once in the column),
two for an even weight, five for a weight of 5, all or none for 0. It is the whole combinatorial
core of a column (which digit, given the other digits and the carry-in, closes it, and with which
carry-out), so the numba kernel (``kernels.column_search``) reads the last letter of every column
from it instead of trying ten digits.

>>> t = residue_table()
>>> [d for d in range(10) if t[1, 3] >> d & 1], [d for d in range(10) if t[9, 3] >> d & 1]
([3], [7])
>>> [d for d in range(10) if t[5, 0] >> d & 1]
[0, 2, 4, 6, 8]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hybrid import CatalogError

__all__ = ["ColumnTables", "residue_table", "build_payload"]


def residue_table() -> np.ndarray:
    """``uint16[10, 10]``: ``[w, r]`` -> mask of the digits ``d`` with ``w * d % 10 == r``."""
    table = np.zeros((10, 10), dtype=np.uint16)
    for w in range(10):
        for d in range(10):
            table[w, (w * d) % 10] |= 1 << d
    return table


def build_payload() -> tuple[dict, dict]:
    """``(payload, params)`` for ``hybrid.catalog.save_catalog`` (deterministic; needs no data)."""
    table = residue_table()
    return {"residue_digits": table}, {"entries": int(table.size), "table": "residue_digits[weight mod 10, residue]"}


@dataclass(frozen=True)
class ColumnTables:
    """The loaded catalog, checked: ``residue_digits`` as a contiguous ``uint16[10, 10]``."""

    residue_digits: np.ndarray

    @classmethod
    def from_payload(cls, payload: dict, where: str = "alphametics catalog") -> "ColumnTables":
        """Check the payload's keys, dtype, shape and content; raise ``CatalogError`` otherwise."""
        table = payload.get("residue_digits") if isinstance(payload, dict) else None
        if not isinstance(table, np.ndarray):
            raise CatalogError(f"{where}: payload has no 'residue_digits' array; rebuild it with "
                               "`python build_catalog.py --family alphametics`")
        if table.dtype != np.uint16 or table.shape != (10, 10):
            raise CatalogError(f"{where}: 'residue_digits' is {table.dtype}{list(table.shape)}, expected "
                               "uint16[10, 10]; rebuild it with `python build_catalog.py --family alphametics`")
        table = np.ascontiguousarray(table).copy()
        # every (weight, residue) cell must name digits of that residue only, and every digit one cell per weight
        for w in range(10):
            if int(np.bitwise_or.reduce(table[w])) != 0x3FF or any(
                    table[w, r] >> d & 1 and (w * d) % 10 != r for r in range(10) for d in range(10)):
                raise CatalogError(f"{where}: 'residue_digits' row {w} is wrong; rebuild it with "
                                   "`python build_catalog.py --family alphametics`")
        return cls(table)
