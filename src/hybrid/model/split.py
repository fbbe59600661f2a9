"""A deterministic train / held-out split of labelled rows, by a hash of the prompt text.

Training and the recall report must agree on which rows were held out without sharing state, so
the split is a pure function of the prompt (never of the row id) and a seed.
"""

from __future__ import annotations

import hashlib

__all__ = ["DEFAULT_HOLDOUT", "DEFAULT_SEED", "is_heldout", "select"]

DEFAULT_HOLDOUT = 0.2
DEFAULT_SEED = 0
SPLITS = ("train", "heldout", "all")


def is_heldout(prompt: str, fraction: float = DEFAULT_HOLDOUT, seed: int = DEFAULT_SEED) -> bool:
    """True when the prompt falls in the held-out split (a seeded hash of the prompt text, never the row id)."""
    digest = hashlib.sha256(f"{seed}\n{prompt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64 < fraction


def select(tasks, split: str = "all", fraction: float = DEFAULT_HOLDOUT, seed: int = DEFAULT_SEED):
    """The tasks of one side of the split (``train``, ``heldout`` or ``all``)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    if split == "all":
        return list(tasks)
    want = split == "heldout"
    return [t for t in tasks if is_heldout(t.prompt or t.query, fraction, seed) == want]
