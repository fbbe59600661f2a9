"""Recallers rank a task's candidate hypotheses before verification.

A recaller returns one score per hypothesis (higher first). The pipeline verifies candidates in
that order, and when several hypotheses fit the examples, the top-ranked one gives the answer.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

from .families.base import Hypothesis
from .task import Task

__all__ = ["Recaller", "PriorRecaller", "rank"]


class Recaller(ABC):
    """Score the candidates of one task. Subclasses implement ``score``."""

    name = "recaller"
    #: See ``PriorRecaller.answer_by_mass``.
    answer_by_mass = False

    @abstractmethod
    def score(self, task: Task, hypotheses: list[Hypothesis]) -> list[float]:
        """One score per hypothesis; higher means more likely."""


class PriorRecaller(Recaller):
    """The default: the prior learned offline and stored in the catalog, then simplicity."""

    name = "prior"
    #: The pipeline answers with the answer of largest summed prior (posterior mass) rather than
    #: the single top-ranked rule; model recallers leave this False (their ranking decides).
    answer_by_mass = True

    def score(self, task: Task, hypotheses: list[Hypothesis]) -> list[float]:
        return [math.log(max(h.prior, 1e-300)) - 1e-6 * h.complexity for h in hypotheses]


def rank(recaller: Recaller, task: Task, hypotheses: list[Hypothesis]) -> list[Hypothesis]:
    """Hypotheses sorted best first (stable: equal scores keep the family's order)."""
    if len(hypotheses) <= 1:
        return list(hypotheses)
    scores = recaller.score(task, hypotheses)
    if len(scores) != len(hypotheses):
        raise ValueError(f"{type(recaller).__name__}.score returned {len(scores)} scores for {len(hypotheses)} hypotheses")
    order = sorted(range(len(hypotheses)), key=lambda i: -scores[i])
    return [hypotheses[i] for i in order]
