"""The numeral catalog payload as a typed view (``Numeral.payload()``).

``_schemas.NUMERAL`` checks the loaded dict on every load; ``NumeralPayload.from_payload`` only
wraps what it holds (the tables are the loaded lists, not copies).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["NumeralPayload", "NumeralSystem"]


@dataclass(frozen=True, eq=False)
class NumeralSystem:
    """One numeral system of the catalog: the numeral of ``first + i`` is ``table[i]``."""

    name: str
    """The system's name, as hypotheses print it (``Roman``)."""
    table: list[str] = field(repr=False)
    first: int
    fits: int
    """``table[i]`` writes the number ``first + i`` (``first`` is 1); ``fits`` counts the dev rows
    whose examples the table reproduces (the hypothesis prior is ``fits + 1``)."""


@dataclass(frozen=True, eq=False)
class NumeralPayload:
    """The numeral catalog: its numeral systems (compared by identity, as a view of one payload)."""

    systems: tuple[NumeralSystem, ...]
    """Every numeral system of the catalog, in file order."""

    @classmethod
    def from_payload(cls, d: dict) -> "NumeralPayload":
        """The view of a loaded payload dict (already checked against ``_schemas.NUMERAL``).

        >>> p = NumeralPayload.from_payload({"systems": [{"name": "Roman", "table": ["I", "II"],
        ...                                               "first": 1, "fits": 3}]})
        >>> p.systems[0].name, p.systems[0].table[1], p.systems[0].fits
        ('Roman', 'II', 3)
        """
        return cls(systems=tuple(NumeralSystem(name=s["name"], table=s["table"], first=s["first"], fits=s["fits"])
                                 for s in d["systems"]))
