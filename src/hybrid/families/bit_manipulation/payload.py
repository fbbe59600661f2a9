"""The bit_manipulation catalog payload as a typed view (``BitManipulation.payload()``).

``_schemas.BIT_MANIPULATION`` checks the loaded dict on every load (dtypes, shapes, bounds);
``BitManipulationPayload.from_payload`` only wraps what it holds: its arrays are the loaded
arrays themselves, not copies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["BitManipulationPayload"]


@dataclass(frozen=True, eq=False)
class BitManipulationPayload:
    """The bit_manipulation catalog: one row per rule (compared by identity, as a view of one payload)."""

    tables: np.ndarray
    rules: np.ndarray
    prior: np.ndarray
    complexity: np.ndarray
    """Per catalog rule (N rows each): ``tables`` uint8 (N, 256), the rule's output for every
    input byte (``kernels.match_tables`` scans it); ``rules`` uint8 (N, 5), three literal ids,
    the arity and the boolean function's truth table (``grammar.rule_text``); ``prior`` float64
    and ``complexity`` int32 (N,), the ranking of a matched rule."""
    shapes: list[list]
    amounts: dict[str, list[float]]
    """What the builder learned from the dev rows: ``shapes`` holds ``[kinds, g, weight]`` per rule
    shape (literal kinds, boolean function, weight; ``generator.py`` draws from them); ``amounts``
    maps ``"<literals><kind>"`` (e.g. ``"2shl"``) to the probability of each amount 0..7 of that
    kind in a rule of that many literals."""

    @classmethod
    def from_payload(cls, d: dict) -> "BitManipulationPayload":
        """The view of a loaded payload dict (already checked against ``_schemas.BIT_MANIPULATION``)."""
        return cls(tables=d["tables"], rules=d["rules"], prior=d["prior"], complexity=d["complexity"],
                   shapes=d["shapes"], amounts=d["amounts"])
