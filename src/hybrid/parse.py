"""``parse(prompt) -> Task``: the registered family that recognises the prompt parses it.

Every family declares its prompt form (``Family.prompt_header`` / ``prompt_query``, or its own
``recognise`` / ``parse_prompt``); ``parse`` asks the families in registry order
(``hybrid.families.family_names()``), so a plug-in family's prompts parse like the built-ins'.
For the Wonderland layout, example lines are handed to the family's ``parse_example`` (which
validates them) and the query is cut out of the final ``Now, ...`` line. The equation template
is split into ``equation_numeric`` (digit operands) and ``cryptarithm`` (glyph operands) by
``is_numeric_equation``. Extra whitespace and CRLF line endings are tolerated.
"""

from __future__ import annotations

import re

from .errors import InputLimitError, TaskParseError, UnsupportedTaskError
from .families import family_names, get_family
from .task import Task

__all__ = ["parse", "detect_family", "parse_layout", "first_line", "is_numeric_equation", "MAX_PROMPT_CHARS"]

#: Longest prompt accepted (the dev prompts are at most 510 characters). Longer prompts raise
#: ``InputLimitError`` before any work is done; each family also limits its examples per task.
MAX_PROMPT_CHARS = 200_000


_INTRO = re.compile(r"^Here are some examples.*:\s*$", re.I)
_NOW = "Now,"


def _lines(prompt: str):
    text = prompt.replace("\r\n", "\n").replace("\r", "\n")
    # Equation glyph lines may start with spaces-free glyphs only; strip is safe for every template.
    return [(i, ln.strip()) for i, ln in enumerate(text.split("\n"), 1)]


def first_line(prompt: str) -> str:
    """The prompt's first non-empty line, stripped ('' for an empty prompt)."""
    for _, text in _lines(prompt):
        if text:
            return text
    return ""


def _query_and_body(prompt: str):
    lines = [ln for ln in _lines(prompt) if ln[1]]
    now = [k for k, (_, text) in enumerate(lines) if text.startswith(_NOW)]
    if not now:
        raise TaskParseError(f"missing query: no line starting with {_NOW!r}", line=lines[-1][0], text=lines[-1][1])
    qpos = now[-1]
    body = [(no, text) for no, text in lines[1:qpos] if not _INTRO.match(text)]
    return lines[qpos], body


def is_numeric_equation(prompt: str) -> bool:
    """True when an equation prompt's operands are digits (``equation_numeric``), False for glyphs
    (``cryptarithm``). Both families share one template; this is how it is split."""
    try:
        (_, qtext), body = _query_and_body(prompt)
    except TaskParseError:
        return False
    m = re.match(r"^Now, determine the result for:\s*(.+?)\s*$", qtext)
    query = m.group(1) if m else ""
    sources = [text.split(" = ", 1)[0] for _, text in body]
    operand_chars = [s[j] for s in [*sources, query] if len(s) == 5 for j in (0, 1, 3, 4)]
    return bool(operand_chars) and all(c in "0123456789" for c in operand_chars)


def detect_family(prompt: str):
    """The first registered family (registry order) that recognises ``prompt``."""
    if not first_line(prompt):
        raise UnsupportedTaskError("empty prompt: expected a puzzle of a registered family")
    for name in family_names():
        fam = get_family(name)
        if fam.recognise(prompt):
            return fam
    raise UnsupportedTaskError(f"unsupported puzzle (line 1: {first_line(prompt)[:80]!r}); "
                               f"registered families: {', '.join(family_names())}")


def parse_layout(family, prompt: str, query_re: re.Pattern) -> Task:
    """Parse the Wonderland layout: a header line, example lines (an optional 'Here are some
    examples' line is skipped), and a final ``Now, ...`` line matched by ``query_re``."""
    (qline_no, qtext), body = _query_and_body(prompt)
    m = query_re.match(qtext)
    if not m:
        raise TaskParseError(f"{family.name}: query line does not match the template", line=qline_no, text=qtext)
    raw_query = m.group(1)
    if not body and not family.constraint_only:
        raise TaskParseError(f"{family.name}: no example lines", line=qline_no)
    if len(body) > family.max_examples:
        raise InputLimitError(f"{family.name}: {len(body)} example lines; the limit is {family.max_examples} "
                              "per task (Family.max_examples)", line=body[family.max_examples][0])
    examples = tuple(family.parse_example(text, no) for no, text in body)
    query, meta = family.parse_query(raw_query, qline_no)
    return Task(family=family.name, examples=examples, query=query, prompt=prompt, meta=meta)


def parse(prompt: str) -> Task:
    """Parse a puzzle prompt into a ``Task``, using the first registered family that recognises it.

    >>> t = parse("In Alice's Wonderland, numbers are secretly converted into a different numeral "
    ...           "system. Some examples are given below:\\n28 -> XXVIII\\nNow, write the number 93 in "
    ...           "the Wonderland numeral system.")
    >>> t.family, t.examples[0].target, t.query
    ('numeral', 'XXVIII', '93')
    """
    if not isinstance(prompt, str):
        raise TaskParseError(f"prompt must be a string, got {type(prompt).__name__}")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InputLimitError(f"prompt has {len(prompt)} characters; the limit is {MAX_PROMPT_CHARS} "
                              "(hybrid.parse.MAX_PROMPT_CHARS)")
    family = detect_family(prompt)
    task = family.parse_prompt(prompt)
    if not isinstance(task, Task) or task.family != family.name:
        raise TaskParseError(f"{family.name}.parse_prompt must return a Task of family {family.name!r}")
    family.check_limits(task)
    return task
