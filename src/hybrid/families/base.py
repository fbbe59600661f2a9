"""The narrow base every puzzle family implements, and the ``Hypothesis`` it produces.

A family owns everything specific to one generator: how its example lines parse, what its
catalog holds, how a rule is recalled from the catalog, verified against the examples, applied
to the query, searched for with CP-SAT when the catalog has nothing, and explained in words.
The pipeline (``hybrid.pipeline``) owns the order in which these are called.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterable

from ..errors import TaskParseError
from ..task import Example, Task

__all__ = ["Family", "Hypothesis"]


@dataclass
class Hypothesis:
    """One candidate rule for a task.

    ``rule`` is the family's own representation. ``text`` is a human-readable rendering, also
    what model recallers score. ``prior`` is a relative likelihood (higher is likelier) learned
    offline and stored in the catalog; ``complexity`` breaks ties (simpler first).
    ``guess`` is True when the examples do not constrain the part of the rule that the query
    uses (for example an operator that no example shows): such an answer is never ``deduced``.
    ``source`` says where the hypothesis came from: ``catalog``, ``direct`` or ``search``.
    ``answer`` may be filled in by the family when it already knows the query's answer.
    """

    rule: Any
    text: str
    prior: float = 1.0
    complexity: int = 0
    guess: bool = False
    source: str = "catalog"
    answer: str | None = None
    extra: dict = field(default_factory=dict)


class Family(ABC):
    """Base class of a puzzle family. Subclass it and decorate with ``@register_family``.

    Required: ``name``, ``parse_example``, ``candidates``, ``verify``, ``apply``.
    Optional: ``build_catalog`` (set ``has_catalog = True``), ``search`` (CP-SAT fallback),
    ``explain``, ``validate``, ``parse_query``.
    """

    #: Registry name; exactly one of the seven family names.
    name: ClassVar[str] = ""
    #: Bump when the catalog layout or the builder's output changes; stale catalogs are rejected.
    builder_version: ClassVar[str] = "1"
    #: Whether ``build_catalog`` produces a catalog file.
    has_catalog: ClassVar[bool] = False
    #: Other families whose labelled rows ``build_catalog`` also reads (as ``related``), e.g. to
    #: pool evidence about a generator two families share.
    learns_from: ClassVar[tuple[str, ...]] = ()
    #: True when ``candidates`` returns only hypotheses it already matched against every example
    #: (a bulk kernel); the pipeline then re-verifies one hypothesis per distinct answer.
    candidates_verified: ClassVar[bool] = False

    # ------------------------------------------------------------------ parsing
    def parse_example(self, text: str, line: int | None = None) -> Example:
        """Parse one example line (``source -> target`` by default)."""
        if " -> " not in text:
            raise TaskParseError(f"{self.name}: expected 'input -> output'", line=line, text=text)
        source, target = text.split(" -> ", 1)
        return Example(source.strip(), target.strip(), line)

    def example_line(self, example: Example) -> str:
        """Render an example as the prompt prints it (inverse of ``parse_example``)."""
        return f"{example.source} -> {example.target}"

    def parse_query(self, text: str, line: int | None = None) -> tuple[str, dict]:
        """Validate and normalise the query (already cut out of the prompt).

        Returns ``(query, meta)``; ``meta`` holds family-specific extras (e.g. a unit name).
        Raise ``TaskParseError`` naming ``line`` when the query is malformed.
        """
        text = text.strip()
        if not text:
            raise TaskParseError(f"{self.name}: missing query", line=line)
        return text, {}

    def validate(self, task: Task) -> None:
        """Raise ``TaskParseError`` when a task built in code is malformed.

        The default re-parses each example through ``parse_example``.
        """
        for i, ex in enumerate(task.examples, 1):
            self.parse_example(self.example_line(ex), ex.line or i)
        self.parse_query(task.query)

    # ------------------------------------------------------------------ catalog
    def build_catalog(self, tasks: Iterable[Task], progress: bool = False,
                      related: dict[str, list[Task]] | None = None) -> tuple[dict, dict]:
        """Return ``(payload, params)`` for the catalog file. ``tasks`` are the family's parsed dev
        rows with their answers in ``task.meta['answer']`` (use them for priors and vocabularies
        only); ``related`` maps each name in ``learns_from`` to that family's rows."""
        raise NotImplementedError(f"{self.name} has no catalog")

    def catalog(self):
        """The family's loaded catalog payload (lazily, once per process), or None."""
        if not self.has_catalog:
            return None
        from ..catalog import load_catalog

        return load_catalog(self.name)

    # ------------------------------------------------------------------ solving
    @abstractmethod
    def candidates(self, task: Task) -> list[Hypothesis]:
        """Recall the hypotheses worth verifying (from the catalog, or computed directly)."""

    @abstractmethod
    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        """True when the hypothesis reproduces every example exactly as printed."""

    @abstractmethod
    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        """The query's answer under the hypothesis, formatted as the data's answers are."""

    def search(self, task: Task, time_limit: float) -> list[Hypothesis]:
        """Fallback search (CP-SAT) used when no recalled hypothesis verifies."""
        return []

    def explain(self, hypothesis: Hypothesis) -> str:
        return hypothesis.text
