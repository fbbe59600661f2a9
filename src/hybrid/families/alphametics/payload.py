"""The alphametics catalog payload as a typed view (``Alphametics.payload()``).

``_schemas.ALPHAMETICS`` checks the loaded dict on every load (dtype, shape and the exact residue
table); ``AlphameticsPayload.from_payload`` only wraps it (the array is the loaded one, read-only).
``build.ColumnTables`` is the kernel-ready copy ``Alphametics.tables()`` builds from the dict.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["AlphameticsPayload"]


@dataclass(frozen=True, eq=False)
class AlphameticsPayload:
    """The alphametics catalog: the column residue table."""

    residue_digits: np.ndarray
    """uint16 (10, 10): ``[w mod 10, r]`` is the 10-bit mask of the digits ``d`` with
    ``w * d == r (mod 10)`` (``build.residue_table``)."""

    @classmethod
    def from_payload(cls, d: dict) -> "AlphameticsPayload":
        """The view of a loaded payload dict (already checked against ``_schemas.ALPHAMETICS``).

        >>> from hybrid.families.alphametics.build import residue_table
        >>> t = residue_table()
        >>> AlphameticsPayload.from_payload({"residue_digits": t}).residue_digits is t
        True
        """
        return cls(residue_digits=d["residue_digits"])
