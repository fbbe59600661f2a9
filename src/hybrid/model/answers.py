"""Final answers in ``\\boxed{}``: writing them so they come back exactly, and reading them back.

**Escaping (the one rule).** Inside ``\\boxed{...}`` the three characters ``\\``, ``{`` and ``}``
are always written with a backslash before them (``\\\\``, ``\\{``, ``\\}``); every other
character is written as is. A cryptarithm answer ``}{\\`` is written ``\\boxed{\\}\\{\\\\}``.

**Extraction** (``extract_answer``), in this order; the second value returned names the rule used:

1. ``boxed``: the *last* ``\\boxed{`` in the text, read up to its matching ``}``: a backslash
   takes the next character literally (``\\{``, ``\\}``, ``\\\\`` unescape to ``{``, ``}``, ``\\``;
   any other ``\\x`` is kept as the two characters, so LaTeX such as ``\\frac{1}{2}`` survives),
   an unescaped ``{`` opens a nested group, an unescaped ``}`` closes one.
2. ``boxed-unclosed``: the last ``\\boxed{`` has no matching ``}`` (a generation cut by its
   length limit): the rest of that line, unescaped the same way.
3. ``answer-line``: no ``\\boxed{`` at all: the text after the last ``Answer:`` at a line start.
4. ``apply-line``: else the value after ``got`` (or ``->``) on the last ``Apply`` line.
5. ``none``: nothing found (the answer is ``None``).

**Scoring** (``score_answer``): *strict* is string equality after stripping surrounding
whitespace; *tolerant* also accepts, when the gold answer is a decimal number (digits with a
decimal point, as gravity and unit conversion answers are) and the prediction parses as a number,
a relative error of at most 1e-2. Integers, digit strings and bit strings are codes, not
quantities: they need an exact match under both.
"""

from __future__ import annotations

import math
import re

__all__ = ["escape_answer", "boxed", "extract_answer", "score_answer", "REL_TOL", "EXTRACTION_RULES"]

REL_TOL = 1e-2
EXTRACTION_RULES = ("boxed", "boxed-unclosed", "answer-line", "apply-line", "none")
_ESC = {"\\", "{", "}"}
_DECIMAL = re.compile(r"[-+]?\d+\.\d+")
_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def escape_answer(answer: str) -> str:
    """``answer`` as written inside ``\\boxed{}``: a backslash before each ``\\``, ``{``, ``}``."""
    return "".join("\\" + c if c in _ESC else c for c in answer)


def boxed(answer: str) -> str:
    """``\\boxed{...}`` around the answer, escaped so a brace-matching extractor recovers it exactly."""
    return "\\boxed{" + escape_answer(answer) + "}"


def _read_group(text: str, start: int) -> tuple[str, bool]:
    """Read from ``start`` (just after ``\\boxed{``) to the matching ``}``; (content, closed)."""
    out = []
    depth = 0
    i = start
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            nxt = text[i + 1]
            out.append(nxt if nxt in _ESC else c + nxt)
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return "".join(out), True
            depth -= 1
        out.append(c)
        i += 1
    return "".join(out), False


def extract_answer(text: str | None) -> tuple[str | None, str]:
    """The final answer of a generation and the rule that found it (see the module docstring)."""
    if not text:
        return None, "none"
    pos = text.rfind("\\boxed{")
    if pos >= 0:
        content, closed = _read_group(text, pos + len("\\boxed{"))
        if closed:
            return content.strip(), "boxed"
        return content.split("\n", 1)[0].strip(), "boxed-unclosed"
    lines = text.split("\n")
    for line in reversed(lines):
        s = line.strip()
        if s.startswith("Answer:"):
            return s[len("Answer:"):].strip(), "answer-line"
    for line in reversed(lines):
        s = line.strip()
        if s.startswith("Apply"):
            m = re.search(r"; got (.*?)(?: ;|$)", s) or re.search(r" -> (.*)$", s)
            if m:
                return m.group(1).strip(), "apply-line"
    return None, "none"


def _num(s: str) -> float | None:
    s = s.strip()
    if not _NUMBER.fullmatch(s):
        return None
    try:
        v = float(s)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def score_answer(pred: str | None, gold: str) -> tuple[bool, bool]:
    """``(strict, tolerant)`` correctness of ``pred`` against ``gold``."""
    if pred is None:
        return False, False
    p, g = pred.strip(), gold.strip()
    if p == g:
        return True, True
    if _DECIMAL.fullmatch(g):
        a, b = _num(p), _num(g)
        if a is not None and b is not None:
            return False, abs(a - b) <= REL_TOL * max(abs(b), 1e-12)
    return False, False
