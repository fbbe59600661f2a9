"""``parse(prompt) -> Task`` for the six prompt templates of the puzzle generators.

The template is recognised from the prompt's first line; example lines are handed to the family's
``parse_example`` (which validates them); the query is cut out of the final ``Now, ...`` line.
The equation template is split into ``equation_numeric`` (digit operands) and ``cryptarithm``
(glyph operands). Extra whitespace and CRLF line endings are tolerated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InputLimitError, TaskParseError, UnsupportedTaskError
from .families import get_family
from .task import Task

__all__ = ["parse", "detect_template", "TEMPLATES", "MAX_PROMPT_CHARS"]

#: Longest prompt accepted (the dev prompts are at most 510 characters). Longer prompts raise
#: ``InputLimitError`` before any work is done; each family also limits its examples per task.
MAX_PROMPT_CHARS = 200_000


@dataclass(frozen=True)
class Template:
    name: str  # the family, or "equation" before the numeric/glyph split
    header: re.Pattern  # matched against the first non-empty line
    query: re.Pattern  # matched against the "Now, ..." line; group 1 is the query


def _t(name, header, query):
    return Template(name, re.compile(header, re.I), re.compile(query))


TEMPLATES = (
    _t("numeral", r"numbers are secretly converted into a different numeral system",
       r"^Now, write the number\s+(\S+)\s+in the Wonderland numeral system\.?$"),
    _t("unit_conversion", r"secret unit conversion is applied to measurements",
       r"^Now, convert the following measurement:\s*(.+?)\s*$"),
    _t("gravity", r"gravitational constant has been secretly changed",
       r"^Now, determine the falling distance for t\s*=\s*(\S+?)\s*s\s+given d = 0\.5\*g\*t\^2\.?$"),
    _t("cipher", r"secret encryption rules are used on text",
       r"^Now, decrypt the following text:\s*(.+?)\s*$"),
    _t("bit_manipulation", r"secret bit manipulation rule transforms 8-bit binary numbers",
       r"^Now, determine the output for:\s*(\S+)\s*$"),
    _t("equation", r"secret set of transformation rules is applied to equations",
       r"^Now, determine the result for:\s*(.+?)\s*$"),
)
_INTRO = re.compile(r"^Here are some examples.*:\s*$", re.I)


def detect_template(prompt: str) -> Template:
    lines = [ln for ln in _lines(prompt) if ln[1]]
    if not lines:
        raise UnsupportedTaskError("empty prompt: expected one of the six Wonderland puzzle templates")
    first = lines[0][1]
    for tpl in TEMPLATES:
        if tpl.header.search(first):
            return tpl
    raise UnsupportedTaskError(f"unsupported puzzle template (line 1: {first[:80]!r}); "
                               f"known families: numeral, unit_conversion, gravity, cipher, "
                               f"bit_manipulation, equation_numeric, cryptarithm")


def _lines(prompt: str):
    text = prompt.replace("\r\n", "\n").replace("\r", "\n")
    # Equation glyph lines may start with spaces-free glyphs only; strip is safe for every template.
    return [(i, ln.strip()) for i, ln in enumerate(text.split("\n"), 1)]


def _is_numeric_equation(sources, query) -> bool:
    operand_chars = [s[j] for s in [*sources, query] if len(s) == 5 for j in (0, 1, 3, 4)]
    return bool(operand_chars) and all(c.isdigit() for c in operand_chars)


def parse(prompt: str) -> Task:
    """Parse a puzzle prompt into a ``Task``.

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
    tpl = detect_template(prompt)
    lines = [ln for ln in _lines(prompt) if ln[1]]
    now = [k for k, (_, text) in enumerate(lines) if text.startswith("Now,")]
    if not now:
        raise TaskParseError("missing query: no line starting with 'Now,'", line=lines[-1][0], text=lines[-1][1])
    qpos = now[-1]
    qline_no, qtext = lines[qpos]
    m = tpl.query.match(qtext)
    if not m:
        raise TaskParseError(f"{tpl.name}: query line does not match the template", line=qline_no, text=qtext)
    raw_query = m.group(1)
    body = [(no, text) for no, text in lines[1:qpos] if not _INTRO.match(text)]
    if not body:
        raise TaskParseError(f"{tpl.name}: no example lines", line=qline_no)

    family_name = tpl.name
    if family_name == "equation":
        sources = [text.split(" = ", 1)[0] for _, text in body]
        family_name = "equation_numeric" if _is_numeric_equation(sources, raw_query) else "cryptarithm"
    family = get_family(family_name)
    if len(body) > family.max_examples:
        raise InputLimitError(f"{family_name}: {len(body)} example lines; the limit is {family.max_examples} "
                              "per task (Family.max_examples)", line=body[family.max_examples][0])
    examples = tuple(family.parse_example(text, no) for no, text in body)
    query, meta = family.parse_query(raw_query, qline_no)
    task = Task(family=family_name, examples=examples, query=query, prompt=prompt, meta=meta)
    family.check_limits(task)
    return task
