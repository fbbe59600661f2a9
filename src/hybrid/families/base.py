"""The narrow base every puzzle family implements, and the ``Hypothesis`` it produces.

A family owns everything specific to one generator: how its example lines parse, what its
catalog holds, how a rule is recalled from the catalog, verified against the examples, applied
to the query, searched for with CP-SAT when the catalog has nothing, and explained in words.
The pipeline (``hybrid.pipeline``) owns the order in which these are called.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterable, Literal

from ..deadline import Deadline
from ..errors import InputLimitError, TaskParseError
from ..task import Example, Task

__all__ = ["Family", "Hypothesis", "Puzzle", "SearchResult", "SEARCH_STATUSES", "MAX_EXAMPLES", "MAX_FIELD_CHARS"]

#: Default input limits (a family may lower or raise them). The dev rows have at most 10 examples
#: and 60-character fields; the limits are an order of magnitude above, and keep every solve bounded.
MAX_EXAMPLES = 100
MAX_FIELD_CHARS = 1000

#: How far a recall or search went:
#: ``complete``: every rule of the space consistent with the examples is represented (at least one
#:   hypothesis per distinct query answer), so one distinct answer is a proof of uniqueness;
#: ``infeasible``: proven that no rule of the space reproduces the examples;
#: ``time_limit``: the budget ran out first; what was found is a lower bound, never a proof;
#: ``partial``: the method is not exhaustive by design (heuristic, capped enumeration).
SEARCH_STATUSES = ("complete", "infeasible", "time_limit", "partial")
SearchStatus = Literal["complete", "infeasible", "time_limit", "partial"]


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


@dataclass(frozen=True)
class Puzzle:
    """A generated puzzle: the ``task``, its gold ``answer``, and the hidden ``rule`` in words."""

    task: Task
    answer: str
    rule: str = ""


@dataclass
class SearchResult:
    """What ``Family.search`` (and optionally ``Family.candidates``) returns.

    ``hypotheses`` are rules that reproduce every example, best first. ``status`` is one of
    ``SEARCH_STATUSES`` and says whether they are *all* the answers the rule space allows: only
    ``complete`` lets the pipeline call a single answer ``deduced``. ``note`` says why in words
    (e.g. "answer != 25 is infeasible", "stopped at 4096 solutions").
    """

    hypotheses: list[Hypothesis] = field(default_factory=list)
    status: SearchStatus = "partial"
    note: str = ""

    def __post_init__(self):
        if self.status not in SEARCH_STATUSES:
            raise ValueError(f"SearchResult.status must be one of {SEARCH_STATUSES}, got {self.status!r}")
        if self.status == "infeasible" and self.hypotheses:
            raise ValueError("an infeasible SearchResult cannot carry hypotheses")


class Family(ABC):
    """Base class of a puzzle family. Subclass it and decorate with ``@register_family``.

    Required: ``name``, ``parse_example``, ``candidates``, ``verify``, ``apply``.
    Optional: ``build_catalog`` (set ``has_catalog = True``), ``search`` (CP-SAT fallback),
    ``explain``, ``validate``, ``parse_query``.

    **The soundness contract.** The pipeline calls an answer ``deduced`` only when it can prove
    that every rule of the family's rule space that reproduces the examples gives that answer:

    * ``candidates(task, deadline)`` recalls from the catalog. If ``candidates_exhaustive`` is
      True, the list it returns holds, for every distinct query answer that some consistent rule
      of the space gives, at least one hypothesis with that answer. Otherwise (or when the
      enumeration was cut short) it must return a ``SearchResult`` whose ``status`` says so.
    * ``search(task, deadline)`` (the fallback, run only when no recalled hypothesis verifies)
      returns a ``SearchResult``: ``complete`` only after proving that no other answer is
      possible (for CP-SAT: adding "answer != each found answer" and getting INFEASIBLE),
      ``infeasible`` only after proving that no rule fits, otherwise ``time_limit`` / ``partial``.
    * Every loop whose length grows with the input calls ``deadline.check(stage)``; CP-SAT runs
      under ``deadline.cpsat_seconds()``.
    * ``Hypothesis.guess`` marks answers that rest on a part of the rule no example constrains.

    The rule space of the fallback search may be larger than the catalog's; ``deduced`` is relative
    to the space that produced the answer (the catalog's when it has a consistent rule, the
    search's otherwise), and ``Solution.rule_space`` names it.

    **The catalog payload.** ``catalog()`` returns the loaded payload as the file holds it (a dict,
    checked against ``payload_schema`` on every load). A family that sets ``payload_type`` (a
    frozen dataclass with one field per schema key and a ``from_payload(dict)`` classmethod) reads
    it through ``payload()``, a typed view over the same objects (arrays are not copied). Values
    computed from the payload (lookup tables, prior objects) are built with ``derived(name, build)``
    and kept outside it, so the payload stays exactly what its schema checked.
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
    #: True when ``candidates`` returns every answer class of the family's rule space (see the
    #: soundness contract). A family that cannot promise it returns a ``SearchResult`` instead.
    candidates_exhaustive: ClassVar[bool] = True
    #: The catalog payload's schema (``hybrid.catalog`` checks it on load and raises
    #: ``CatalogError`` on a mismatch); None means unchecked.
    payload_schema: ClassVar[Any] = None
    #: The typed view of the payload that ``payload()`` returns: a frozen dataclass whose fields
    #: are the schema's keys, built by its ``from_payload(dict)`` classmethod; None: no typed view.
    payload_type: ClassVar[type | None] = None
    #: Input limits; ``validate`` and parsing reject tasks past them with ``InputLimitError``.
    max_examples: ClassVar[int] = MAX_EXAMPLES
    max_field_chars: ClassVar[int] = MAX_FIELD_CHARS

    # ------------------------------------------------------------------ prompts
    #: Prompt recognition (``hybrid.parse`` asks every registered family, in registry order):
    #: ``prompt_header`` is a regex searched (case-insensitively) in the prompt's first non-empty
    #: line; ``prompt_query`` a regex the last line starting with ``Now,`` must match (group 1 is
    #: the query). Lines in between are examples, read by ``parse_example``. A family with another
    #: prompt layout overrides ``recognise`` and ``parse_prompt``; None for both: no prompt form.
    prompt_header: ClassVar[str | None] = None
    prompt_query: ClassVar[str | None] = None
    #: True when the family's tasks have no examples (one constraint to satisfy, e.g. an
    #: alphametic): ``verify`` then checks the task's own constraints.
    constraint_only: ClassVar[bool] = False

    def recognise(self, prompt: str) -> bool:
        """True when ``prompt`` is one of this family's puzzles (default: ``prompt_header``)."""
        if not self.prompt_header:
            return False
        from ..parse import first_line

        return bool(re.search(self.prompt_header, first_line(prompt), re.I))

    def parse_prompt(self, prompt: str) -> Task:
        """Parse a recognised prompt into a ``Task`` (default: header, example lines, ``Now,`` query)."""
        from ..parse import parse_layout

        if not self.prompt_query:
            raise TaskParseError(f"{self.name}: this family has no prompt form; build a Task in code")
        return parse_layout(self, prompt, re.compile(self.prompt_query))

    # ------------------------------------------------------------------ back ends
    def backends(self) -> dict:
        """Solver back ends by name: ``name -> callable(task, deadline) -> SearchResult``.

        ``catalog`` is the recall, ``cpsat`` the fallback search; families add others
        (``python-constraint``, ``brute``) so that ``solve(..., fallback=NAME)`` and the benchmarks
        pick them by name.
        """
        out = {"catalog": self.candidates}
        if type(self).search is not Family.search:
            out["cpsat"] = self.search
        return out

    def generate(self, rng, *, uniform: bool = False, **options) -> "Puzzle":
        """Draw one puzzle with ``rng`` (a ``random.Random``): a ``Puzzle`` holding the task, its
        gold answer and the hidden rule. Rules are drawn with the frequencies measured on real
        data (documented on the family's page); ``uniform=True`` draws evenly over the rule space.
        Families with a generator override this."""
        raise NotImplementedError(f"{self.name} has no generator")

    def render_prompt(self, task: Task) -> str:
        """The prompt text of ``task`` in the family's own wording (inverse of ``parse_prompt``)."""
        raise NotImplementedError(f"{self.name} cannot render prompts")

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

    def check_limits(self, task: Task) -> None:
        """Raise ``InputLimitError`` when ``task`` is past the family's input limits."""
        if len(task.examples) > self.max_examples:
            raise InputLimitError(
                f"{self.name}: {len(task.examples)} examples; the limit is {self.max_examples} per task "
                f"(Family.max_examples)")
        for i, ex in enumerate(task.examples, 1):
            for what, value in (("input", ex.source), ("output", ex.target)):
                if len(value) > self.max_field_chars:
                    raise InputLimitError(
                        f"{self.name}: example {what} has {len(value)} characters; the limit is "
                        f"{self.max_field_chars} (Family.max_field_chars)", line=ex.line or i)
        if len(task.query) > self.max_field_chars:
            raise InputLimitError(f"{self.name}: query has {len(task.query)} characters; the limit is "
                                  f"{self.max_field_chars} (Family.max_field_chars)")

    def validate(self, task: Task) -> None:
        """Raise ``TaskParseError`` when a task (built in code or parsed) is malformed.

        The default checks the input limits, then re-parses each example through
        ``parse_example`` and the query through ``parse_query``, so a ``Task`` built in code is
        held to exactly the rules a parsed prompt is.
        """
        self.check_limits(task)
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

    def catalog_file(self) -> Path:
        """Where this family's catalog file lives (read by ``catalog()``, written by
        ``hybrid build-catalog``): for built-in families, ``<name>.msgpack`` in the library's
        catalog directory (``hybrid.catalog.catalog_dir()``); for any other family, a ``catalog/``
        folder beside the module that defines the class, so a plug-in package ships its own
        catalog. ``$HYBRID_CATALOG_DIR`` (or ``--out`` when building) overrides both."""
        import os

        from ..catalog import catalog_dir

        if os.environ.get("HYBRID_CATALOG_DIR") or self.ships_with_library():
            return catalog_dir() / f"{self.name}.msgpack"
        module = type(self).__module__
        import sys

        mod = sys.modules.get(module)
        base = Path(mod.__file__).resolve().parent if mod is not None and getattr(mod, "__file__", None) else Path.cwd()
        return base / "catalog" / f"{self.name}.msgpack"

    def catalog(self):
        """The family's loaded catalog payload (lazily, once per process), or None."""
        if not self.has_catalog:
            return None
        from ..catalog import load_catalog

        # Built-in families read the library's catalog directory (checked as a whole); any other
        # family reads the file its package ships (``catalog_file()``).
        return load_catalog(self.name, path=None if self.ships_with_library() else self.catalog_file())

    def derived(self, name: str, build):
        """A value computed from the loaded catalog payload (a lookup table, a prior object),
        built once per loaded payload by ``build(payload)`` and kept outside it, so the payload
        stays exactly what the file holds (and what its schema checked). A new payload (a
        reload, a catalog rebuilt for a fold) gets fresh values; after changing a payload in
        place, call ``clear_derived()``."""
        payload = self.catalog()
        cache = self.__dict__.setdefault("_derived_cache", {})
        hit = cache.get(name)
        if hit is not None and hit[0] is payload:
            return hit[1]
        value = build(payload)
        cache[name] = (payload, value)
        return value

    def payload(self):
        """The loaded catalog payload as an instance of ``payload_type`` (its typed view), built once
        per loaded payload (``derived``) from ``catalog()``'s dict (already checked by
        ``payload_schema``) without copying it: its arrays are the loaded arrays themselves.
        Raises ``NotImplementedError`` when the family has no catalog or no ``payload_type``."""
        if not self.has_catalog or self.payload_type is None:
            raise NotImplementedError(
                f"{self.name}: no typed payload (has_catalog={self.has_catalog}, payload_type="
                f"{getattr(self.payload_type, '__name__', None)}); read catalog() instead")
        return self.derived("payload", lambda cat: self.payload_type.from_payload(cat))

    def clear_derived(self) -> None:
        """Forget every value ``derived`` computed (for code that edits a loaded payload)."""
        self.__dict__.pop("_derived_cache", None)

    def ships_with_library(self) -> bool:
        """True for the families defined inside ``hybrid.families`` (their catalogs live in the
        library's catalog directory)."""
        return type(self).__module__.startswith("hybrid.families.")

    # ------------------------------------------------------------------ solving
    @abstractmethod
    def candidates(self, task: Task, deadline: Deadline | None = None) -> "list[Hypothesis] | SearchResult":
        """Recall the hypotheses worth verifying (from the catalog, or computed directly).

        Return a list when ``candidates_exhaustive`` holds for this call, else a ``SearchResult``
        whose status says how far the recall went. Check ``deadline`` in loops that grow with
        the input.
        """

    @abstractmethod
    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        """True when the hypothesis reproduces every example exactly as printed."""

    @abstractmethod
    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        """The query's answer under the hypothesis, formatted as the data's answers are."""

    def search(self, task: Task, deadline: Deadline) -> SearchResult:
        """Fallback search (CP-SAT) used when no recalled hypothesis verifies.

        The default has no search: it reports ``partial`` with nothing found.
        """
        return SearchResult([], "partial", f"{self.name} has no fallback search")

    def explain(self, hypothesis: Hypothesis) -> str:
        """A one-line human-readable statement of the hypothesis's rule (used in notes and traces)."""
        return hypothesis.text
