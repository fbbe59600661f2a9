"""The cryptarithm catalog payload as a typed view (``Cryptarithm.payload()``).

``_schemas.CRYPTARITHM`` checks the loaded dict on every load (dtypes, shapes, bounds, the
pattern index's walkability, the code's variants); ``CryptarithmPayload.from_payload`` only wraps
what it holds: its arrays are the loaded arrays themselves, not copies. The solver's kernels
still read the dict (``Cryptarithm._index()``, the payload plus the derived ``_key_id`` lookup).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["CryptarithmPayload"]


@dataclass(frozen=True, eq=False)
class CryptarithmPayload:
    """The cryptarithm catalog: the pattern index, the result table and the priors."""

    keys: list[str] = field(repr=False)
    starts: np.ndarray
    var: np.ndarray
    a: np.ndarray
    b: np.ndarray
    letters: np.ndarray
    """The pattern index (``patterns.build_index``): ``keys`` are the K equality patterns; the
    entries of key ``k`` are rows ``starts[k]:starts[k + 1]`` (int32, K + 1) of ``var`` (int16,
    the operation variant), ``a``, ``b`` (int8, the operands) and ``letters`` (int8 (E, 8), the
    digit of each pattern letter, -1 past the key's letters)."""
    table: np.ndarray
    """int8 (variants, 100, 100, 5): the result codes of ``a variant b`` (-1 pad, 0-9 digits, 10 sign)."""
    prior: np.ndarray
    glyph_pool: list[str]
    glyph_classes: list[str]
    variants: list[list]
    """The per-glyph-class operation prior (float64 (classes + 1, variants)), the operator glyphs
    seen in the dev rows, the glyph classes with their own prior row, and the operation variants
    (``[reverse, operation, sign]``) the table is laid out by."""
    op_prior: dict[str, Any] | None = None
    operands: dict[str, float] | None = None
    """Optional: the operation prior shared with equation_numeric (``_schemas.EQUATION_PRIOR``) and
    the operand-range counts ``{"low", "total"}`` (operands below 10 / all, in the decoded rows)."""

    @classmethod
    def from_payload(cls, d: dict) -> "CryptarithmPayload":
        """The view of a loaded payload dict (already checked against ``_schemas.CRYPTARITHM``)."""
        return cls(keys=d["keys"], starts=d["starts"], var=d["var"], a=d["a"], b=d["b"], letters=d["letters"],
                   table=d["table"], prior=d["prior"], glyph_pool=d["glyph_pool"],
                   glyph_classes=d["glyph_classes"], variants=d["variants"],
                   op_prior=d.get("op_prior"), operands=d.get("operands"))
