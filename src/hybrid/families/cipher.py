"""cipher: STUB (parsing only)."""

from __future__ import annotations

import re

from ..errors import TaskParseError
from ..task import Example, Task
from . import register_family
from .base import Family, Hypothesis

_WORDS = re.compile(r"^[a-z]+( [a-z]+)*$")


@register_family
class Cipher(Family):
    name = "cipher"

    def parse_example(self, text: str, line: int | None = None) -> Example:
        ex = super().parse_example(" ".join(text.split(" -> ")[0].split()) + " -> " + " ".join(text.split(" -> ", 1)[-1].split()) if " -> " in text else text, line)
        if not _WORDS.match(ex.source) or not _WORDS.match(ex.target):
            raise TaskParseError("cipher: expected lowercase words on both sides", line=line, text=text)
        if len(ex.source.split()) != len(ex.target.split()):
            raise TaskParseError("cipher: both sides must have the same number of words", line=line, text=text)
        return ex

    def parse_query(self, text: str, line: int | None = None):
        q = " ".join(text.split())
        if not _WORDS.match(q):
            raise TaskParseError("cipher: the text to decrypt must be lowercase words", line=line, text=text)
        return q, {}

    def candidates(self, task: Task) -> list[Hypothesis]:
        return []

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        return False

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        return None
