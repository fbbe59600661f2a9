"""The equation_numeric catalog payload as a typed view (``EquationNumeric.payload()``).

``_schemas.EQUATION_NUMERIC`` checks the loaded dict on every load;
``EquationNumericPayload.from_payload`` only wraps what it holds (the table is the loaded array,
not a copy). The ``Prior`` object built from ``prior`` is a ``Family.derived`` value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["EquationNumericPayload"]


@dataclass(frozen=True, eq=False)
class EquationNumericPayload:
    """The equation_numeric catalog: every operation's result table and the operation prior."""

    operations: list[str]
    tables: np.ndarray
    """``operations`` names the rows of ``tables`` (``equations.operations.OPERATIONS`` order);
    ``tables`` is ``S5`` (O, 10000): column ``100 * a + b`` holds the printed result of ``a op b``
    (``-`` for a negative sign)."""
    prior: dict[str, Any]
    """The operation prior (``_schemas.EQUATION_PRIOR``: ``mode``, ``family_by_glyph``, ``variant``,
    ``repeat``), read by ``equations.model.Prior``."""

    @classmethod
    def from_payload(cls, d: dict) -> "EquationNumericPayload":
        """The view of a loaded payload dict (already checked against ``_schemas.EQUATION_NUMERIC``)."""
        return cls(operations=d["operations"], tables=d["tables"], prior=d["prior"])
