"""The cipher catalog payload as a typed view (``Cipher.payload()``).

``_schemas.CIPHER`` checks the loaded dict on every load; ``CipherPayload.from_payload`` only
wraps what it holds (no copies). The lookup tables built from it (``Cipher._vocab``) are
``Family.derived`` values, kept outside the payload.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CipherPayload"]


@dataclass(frozen=True, eq=False)
class CipherPayload:
    """The cipher catalog: the plaintext vocabulary with overall and positional counts."""

    words: list[str]
    counts: list[int]
    """The vocabulary (sorted, distinct lowercase words) and, at the same index, how often each
    word occurs in the dev rows' example plaintexts."""
    slot_counts: dict[str, int] = field(repr=False)
    """``"n:i:word"`` -> how often ``word`` is word ``i`` of an ``n``-word plaintext line."""

    @classmethod
    def from_payload(cls, d: dict) -> "CipherPayload":
        """The view of a loaded payload dict (already checked against ``_schemas.CIPHER``).

        >>> p = CipherPayload.from_payload({"words": ["cat"], "counts": [2], "slot_counts": {"1:0:cat": 2}})
        >>> p.words, p.counts, p.slot_counts
        (['cat'], [2], {'1:0:cat': 2})
        """
        return cls(words=d["words"], counts=d["counts"], slot_counts=d["slot_counts"])
