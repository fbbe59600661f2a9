"""``Solution``: what ``hybrid.solve`` returns."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Literal

__all__ = ["Solution", "Status", "Method", "Proof", "STATUSES", "METHODS", "PROOFS"]

Status = Literal["deduced", "ambiguous", "guessed", "unsolved", "abstained"]
Method = Literal["catalog", "search", "direct", "none"]
Proof = Literal["complete", "infeasible", "time_limit", "partial"]

#: ``deduced``: every consistent hypothesis gives this answer.
#: ``ambiguous``: consistent hypotheses disagree; the answer is the top-ranked one.
#: ``guessed``: no example constrains the part of the rule the query needs (e.g. an operator
#:   that never appears in the examples); the answer comes from the prior alone.
#: ``unsolved``: no hypothesis reproduces the examples.
#: ``abstained``: an answer was found but its confidence is below ``min_confidence``.
STATUSES = ("deduced", "ambiguous", "guessed", "unsolved", "abstained")
#: How far the stage that produced the answer went (``hybrid.families.base.SEARCH_STATUSES``):
#: ``complete`` (exhaustive: a single answer is proven), ``infeasible`` (proven: no rule fits),
#: ``time_limit`` (the budget ran out) or ``partial`` (the method is not exhaustive).
PROOFS = ("complete", "infeasible", "time_limit", "partial")
METHODS = ("catalog", "search", "direct", "none")


@dataclass
class Solution:
    """The result of solving one task.

    ``answer`` is formatted exactly as the data's answers are (``None`` when unsolved).
    ``rule`` is a human-readable description of the top hypothesis. ``alternatives`` lists
    other answers of consistent hypotheses, best first, as ``(answer, rule, score)``.
    """

    answer: str | None
    family: str
    status: Status
    method: Method
    rule: str | None = None
    n_consistent: int = 0
    n_verifications: int = 0
    timings: dict = field(default_factory=dict)
    alternatives: list = field(default_factory=list)
    note: str | None = None
    #: Probability that ``answer`` is right (1.0 when deduced; None when unsolved).
    confidence: float | None = None
    #: One of ``PROOFS``: whether ``deduced`` / ``unsolved`` are proven or the budget ran out.
    proof: Proof | None = None
    #: Which rule space produced the answer: ``catalog`` (the family's recall) or ``search``.
    rule_space: str | None = None
    #: The top consistent ``Hypothesis`` object (not serialised): lets callers re-verify or trace it.
    hypothesis: object = field(default=None, repr=False, compare=False)

    @property
    def solved(self) -> bool:
        """True when the solution carries an answer (``answer`` is not None)."""
        return self.answer is not None

    def to_dict(self) -> dict:
        """The solution as a JSON-ready dict (every field but the internal hypothesis object)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "hypothesis"}
