"""``Task``: one puzzle as examples plus a query, independent of prompt wording."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Example", "Task"]


@dataclass(frozen=True)
class Example:
    """One solved example: ``source`` maps to ``target`` (both as printed in the prompt)."""

    source: str
    target: str
    line: int | None = None  # 1-based line in the prompt, for error messages


@dataclass(frozen=True)
class Task:
    """A puzzle: a family name, solved examples and the query to answer.

    Build one in code without any prompt text::

        >>> from hybrid import Task
        >>> t = Task.from_pairs("numeral", [("28", "XXVIII"), ("3", "III")], "93")
        >>> t.family, len(t.examples)
        ('numeral', 2)

    ``meta`` carries family-specific extras parsed from the prompt (for example the unit in
    ``unit_conversion``); it is never keyed on a row id.
    """

    family: str
    examples: tuple[Example, ...]
    query: str
    prompt: str | None = None
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def from_pairs(cls, family: str, pairs, query: str, **meta) -> "Task":
        """Build a task from ``(source, target)`` pairs, validating them as the family's parser would."""
        from .families import get_family

        fam = get_family(family)
        examples = tuple(Example(str(s), str(t)) for s, t in pairs)
        task = cls(family=fam.name, examples=examples, query=str(query), meta=dict(meta))
        fam.validate(task)
        return task
