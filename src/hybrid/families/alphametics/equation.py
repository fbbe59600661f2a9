"""The alphametic equation: parsing, limits, exact evaluation, and the answer format.

An alphametic is one line ``WORD op WORD ... = WORD op ...`` where each letter stands for a digit:
distinct letters take distinct digits, and a word of two or more letters does not start with 0.
Operators are ``+``, ``-`` and ``*`` (``*`` binds tighter), with one ``=`` (``==`` is accepted).
Letters are case-insensitive (``send + more = money`` is ``SEND + MORE = MONEY``).

>>> eq = parse_equation("send+more == money")
>>> eq.text, eq.letters, sorted(eq.leading)
('SEND + MORE = MONEY', ('D', 'E', 'M', 'N', 'O', 'R', 'S', 'Y'), ['M', 'S'])
>>> a = dict(zip("DEMNORSY", (7, 5, 1, 6, 0, 8, 9, 2)))
>>> holds(eq, a), format_assignment(a)
(True, 'D=7 E=5 M=1 N=6 O=0 R=8 S=9 Y=2')
>>> substituted(eq, a)
'9567 + 1085 = 10652'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from math import prod

from hybrid import InputLimitError, TaskParseError

__all__ = [
    "Equation",
    "parse_equation",
    "holds",
    "format_assignment",
    "parse_assignment",
    "substituted",
    "word_value",
    "net_coefficients",
    "column_coefficients",
    "MAX_LETTERS",
    "MAX_WORD_CHARS",
    "MAX_WORDS",
    "MAX_TERM_DIGITS",
    "MAX_QUERY_CHARS",
]

#: Distinct letters per puzzle: one digit each, so at most 10.
MAX_LETTERS = 10
#: Letters per word.
MAX_WORD_CHARS = 15
#: Words per puzzle, both sides together.
MAX_WORDS = 16
#: Digits of one term (a word, or the sum of the word lengths of a product), so that every value
#: the CP-SAT model holds fits a 64-bit integer.
MAX_TERM_DIGITS = 15
#: Characters of the puzzle line.
MAX_QUERY_CHARS = 400

_TOKEN = re.compile(r"\s*(?:([A-Za-z]+)|(==|=|\+|-|\*)|(\S))")
_FAMILY = "alphametics"


@dataclass(frozen=True)
class Equation:
    """A parsed alphametic.

    ``lhs`` and ``rhs`` are tuples of terms ``(sign, words)``: ``sign`` is +1 or -1 and ``words``
    the factors of a product (one word for a plain addend). ``terms`` moves everything to the
    left: the equation holds when ``sum(sign * prod(words)) == 0`` over ``terms``.
    """

    text: str
    lhs: tuple
    rhs: tuple
    letters: tuple[str, ...]
    leading: frozenset

    @property
    def terms(self) -> tuple:
        """Every word with its sign: left-hand terms as given, right-hand ones negated."""
        return self.lhs + tuple((-s, w) for s, w in self.rhs)

    @property
    def words(self) -> tuple[str, ...]:
        """Every word of the equation, in order, both sides."""
        return tuple(w for _, ws in self.lhs + self.rhs for w in ws)

    @property
    def linear(self) -> bool:
        """True when no term is a product (the column tables cover these)."""
        return all(len(ws) == 1 for _, ws in self.lhs + self.rhs)

    @property
    def columns(self) -> int:
        """The number of digit columns: the longest word's length."""
        return max(len(w) for w in self.words)


def _error(msg: str, line, text, limit: bool = False):
    cls = InputLimitError if limit else TaskParseError
    return cls(f"{_FAMILY}: {msg}", line=line, text=text)


def _side(tokens: list) -> tuple:
    terms, sign, words = [], 1, []
    for kind, value in tokens:
        if kind == "word":
            words.append(value)
        elif value == "*":
            continue
        else:
            terms.append((sign, tuple(words)))
            sign, words = (1 if value == "+" else -1), []
    terms.append((sign, tuple(words)))
    return tuple(terms)


@lru_cache(maxsize=4096)
def parse_equation(text: str, line: int | None = None) -> Equation:
    """Parse and check one alphametic line; raise ``TaskParseError`` / ``InputLimitError`` naming
    the field (``query``, ``word``, ``words``, ``letters``, ``term``) and the limit."""
    if not isinstance(text, str):
        raise TaskParseError(f"{_FAMILY}: the puzzle must be a string, got {type(text).__name__}", line=line)
    if len(text) > MAX_QUERY_CHARS:
        raise _error(f"query has {len(text)} characters; the limit is {MAX_QUERY_CHARS} "
                     "(alphametics.MAX_QUERY_CHARS)", line, None, limit=True)
    tokens = []
    pos = 0
    stripped = text.strip()
    while pos < len(stripped):
        m = _TOKEN.match(stripped, pos)
        if m.group(3) is not None:
            raise _error(f"unexpected character {m.group(3)!r} at position {m.start(3) + 1}; a puzzle is words of "
                         "letters A-Z joined by +, -, * and one =", line, text)
        tokens.append(("word", m.group(1).upper()) if m.group(1) else ("op", "=" if m.group(2) == "==" else m.group(2)))
        pos = m.end()
    if not tokens:
        raise _error("empty puzzle; expected e.g. 'SEND + MORE = MONEY'", line, text)
    for i, (kind, value) in enumerate(tokens):
        want = "word" if i % 2 == 0 else "op"
        if kind != want:
            what = f"operator {value!r}" if kind == "op" else f"word {value!r}"
            raise _error(f"{what} where {'a word' if want == 'word' else 'an operator (+, -, *, =)'} was expected "
                         f"(token {i + 1})", line, text)
    if tokens[-1][0] != "word":
        raise _error(f"the puzzle ends with operator {tokens[-1][1]!r}; expected a word", line, text)
    eqs = [i for i, (k, v) in enumerate(tokens) if k == "op" and v == "="]
    if len(eqs) != 1:
        raise _error(f"expected exactly one '=', found {len(eqs)}", line, text)
    if len(tokens) < 5:
        raise _error("expected at least one operator besides '=' (e.g. 'SEND + MORE = MONEY')", line, text)
    words = [v for k, v in tokens if k == "word"]
    if len(words) > MAX_WORDS:
        raise _error(f"words: {len(words)} words; the limit is {MAX_WORDS} (alphametics.MAX_WORDS)", line, text,
                     limit=True)
    for w in words:
        if len(w) > MAX_WORD_CHARS:
            raise _error(f"word {w!r} has {len(w)} letters; the limit is {MAX_WORD_CHARS} "
                         "(alphametics.MAX_WORD_CHARS)", line, text, limit=True)
    letters = tuple(sorted(set("".join(words))))
    if len(letters) > MAX_LETTERS:
        raise _error(f"letters: {len(letters)} distinct letters ({''.join(letters)}); the limit is {MAX_LETTERS}, "
                     "one per digit", line, text, limit=True)
    k = eqs[0]
    lhs, rhs = _side(tokens[:k]), _side(tokens[k + 1:])
    for _, ws in lhs + rhs:
        digits = sum(len(w) for w in ws)
        if digits > MAX_TERM_DIGITS:
            raise _error(f"term {' * '.join(ws)!r} has {digits} digits; the limit is {MAX_TERM_DIGITS} per term "
                         "(alphametics.MAX_TERM_DIGITS)", line, text, limit=True)
    canon = " ".join(v for _, v in tokens)
    leading = frozenset(w[0] for w in words if len(w) > 1)
    return Equation(canon, lhs, rhs, letters, leading)


def word_value(word: str, assignment: dict) -> int:
    """The number a word spells under ``assignment`` (letter -> digit)."""
    v = 0
    for c in word:
        v = v * 10 + assignment[c]
    return v


def holds(eq: Equation, assignment: dict) -> bool:
    """True when ``assignment`` (letter -> digit) is a solution: it gives every letter of the puzzle
    (and no other) a digit 0-9, distinct letters distinct digits, no multi-letter word a leading 0,
    and the equation holds exactly."""
    if not isinstance(assignment, dict) or set(assignment) != set(eq.letters):
        return False
    digits = list(assignment.values())
    if any(type(d) is not int or not 0 <= d <= 9 for d in digits) or len(set(digits)) != len(digits):
        return False
    if any(assignment[c] == 0 for c in eq.leading):
        return False
    return sum(s * prod(word_value(w, assignment) for w in ws) for s, ws in eq.terms) == 0


def format_assignment(assignment: dict) -> str:
    """The answer format: ``L=d`` pairs, letters in alphabetical order, one space apart."""
    return " ".join(f"{c}={assignment[c]}" for c in sorted(assignment))


def parse_assignment(answer: str) -> dict:
    """Inverse of ``format_assignment``."""
    out = {}
    for part in answer.split():
        c, _, d = part.partition("=")
        if len(c) != 1 or not c.isalpha() or not d.isdigit():
            raise TaskParseError(f"{_FAMILY}: answer part {part!r} is not LETTER=DIGIT")
        out[c] = int(d)
    return out


def substituted(eq: Equation, assignment: dict) -> str:
    """The puzzle with each word replaced by its number, e.g. ``9567 + 1085 = 10652``."""
    out = []
    for tok in eq.text.split(" "):
        out.append(str(word_value(tok, assignment)) if tok.isalpha() else tok)
    return " ".join(out)


def net_coefficients(eq: Equation) -> dict[str, int]:
    """For a linear puzzle: letter -> its place-value weight, so that the equation reads
    ``sum(weight * digit) == 0``."""
    if not eq.linear:
        raise ValueError("net_coefficients needs a puzzle without products")
    coef = dict.fromkeys(eq.letters, 0)
    for s, (w,) in eq.terms:
        for i, c in enumerate(reversed(w)):
            coef[c] += s * 10 ** i
    return coef


def column_coefficients(eq: Equation) -> dict[str, list[int]]:
    """For a linear puzzle: letter -> signed count of its occurrences in each column (units first);
    column ``k`` of the equation reads ``sum(coef[k] * digit) + carry_in == 10 * carry_out``."""
    if not eq.linear:
        raise ValueError("column_coefficients needs a puzzle without products")
    cols = {c: [0] * eq.columns for c in eq.letters}
    for s, (w,) in eq.terms:
        for i, c in enumerate(reversed(w)):
            cols[c][i] += s
    return cols
