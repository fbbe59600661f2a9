"""alphametics: classic letter arithmetic such as ``SEND + MORE = MONEY``.

A built-in family written only against the public plug-in API (``hybrid.Family``,
``hybrid.register_family``, ``hybrid.SearchResult`` ...). A task is constraint-only: no examples,
the query is the puzzle line, and a hypothesis is a complete letter -> digit assignment that
``verify`` checks against the puzzle's own constraints (distinct digits, no leading 0 in a word of
two or more letters, the equation exact).

* **Prompt**: one line, ``WORD (+|-|*) WORD ... = WORD ...``; letters A-Z in either case (read as
  upper case), ``==`` accepted for ``=``, spaces optional. Canonical form: upper case, one space
  around each operator (``Task.query``).
* **Answer**: ``D=7 E=5 M=1 N=6 O=0 R=8 S=9 Y=2``, letters in alphabetical order.
* **Back ends** (``backends()``), each ``(task, deadline) -> SearchResult`` listing every solution
  up to ``MAX_SOLUTIONS``: ``catalog`` (column tables + numba, linear puzzles only; declines
  products as ``partial``), ``cpsat`` (the pipeline's fallback), ``python-constraint``, ``brute``.
  ``complete``: every solution is listed (one: ``deduced``; several: ``ambiguous`` with the others
  in ``alternatives``, at most 8 there); none after a complete enumeration: ``infeasible``; more
  than the cap: ``partial``; the deadline: ``time_limit``.

>>> import hybrid
>>> s = hybrid.solve("SEND + MORE = MONEY")
>>> s.answer, s.status, s.rule
('D=7 E=5 M=1 N=6 O=0 R=8 S=9 Y=2', 'deduced', '9567 + 1085 = 10652')
"""

from __future__ import annotations

import re
import threading

from hybrid import (
    Deadline,
    Family,
    Hypothesis,
    Puzzle,
    SearchResult,
    Task,
    TaskParseError,
    register_family,
)

from .._schemas import ALPHAMETICS
from .build import ColumnTables, build_payload
from .equation import (
    MAX_QUERY_CHARS,
    Equation,
    format_assignment,
    holds,
    parse_equation,
    substituted,
)
from .payload import AlphameticsPayload
from .solver import Enumeration, enumerate_columns

__all__ = ["Alphametics", "AlphameticsPayload", "MAX_SOLUTIONS", "parse_equation", "format_assignment"]

#: Solutions one back end lists; a puzzle with more comes back ``partial`` (ambiguous, unproven).
MAX_SOLUTIONS = 64

# A prompt is one line of letters, spaces, + - * and = (``recognise`` also wants an operator).
_PROMPT = re.compile(r"^[A-Za-z\s+\-*=]*[A-Za-z][A-Za-z\s+\-*=]*$")


@register_family
class Alphametics(Family):
    """Letter arithmetic: column tables + numba kernel, CP-SAT, python-constraint and brute force."""

    name = "alphametics"
    builder_version = "1"
    has_catalog = True
    payload_schema = ALPHAMETICS
    payload_type = AlphameticsPayload
    constraint_only = True
    candidates_verified = True
    max_examples = 0
    max_field_chars = MAX_QUERY_CHARS

    def __init__(self):
        self._lock = threading.Lock()
        self._table = None

    # ------------------------------------------------------------------ prompts
    def recognise(self, prompt: str) -> bool:
        """One non-empty line of letters, spaces and ``+ - * =`` holding at least one operator.
        (Malformed lines of that alphabet, e.g. with no ``=``, are claimed too, so ``parse`` names
        the problem instead of calling the prompt unsupported.)"""
        lines = [ln.strip() for ln in prompt.replace("\r", "\n").split("\n") if ln.strip()]
        if len(lines) != 1:
            return False
        line = lines[0]
        return bool(_PROMPT.match(line)) and any(op in line for op in "+-*=")

    def parse_prompt(self, prompt: str) -> Task:
        lines = [(no, ln.strip()) for no, ln in enumerate(prompt.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1)
                 if ln.strip()]
        if len(lines) != 1:
            raise TaskParseError(f"{self.name}: expected one line holding the puzzle, got {len(lines)}")
        no, text = lines[0]
        query, meta = self.parse_query(text, no)
        return Task(family=self.name, examples=(), query=query, prompt=prompt, meta=meta)

    def render_prompt(self, task: Task) -> str:
        return self.equation(task).text

    # ------------------------------------------------------------------ parsing and limits
    def parse_example(self, text: str, line: int | None = None):
        raise TaskParseError(f"{self.name}: alphametics tasks have no examples; the puzzle is the query",
                             line=line, text=text)

    def parse_query(self, text: str, line: int | None = None) -> tuple[str, dict]:
        """Validate the puzzle line; return its canonical form (upper case, single spaces)."""
        return parse_equation(text, line).text, {}

    def check_limits(self, task: Task) -> None:
        if task.examples:
            raise TaskParseError(f"{self.name}: Task.examples must be empty (got {len(task.examples)}); "
                                 "an alphametic is only its query, e.g. 'SEND + MORE = MONEY'")
        parse_equation(task.query)

    def validate(self, task: Task) -> None:
        self.check_limits(task)

    @staticmethod
    def equation(task: Task) -> Equation:
        """The task's parsed puzzle."""
        return parse_equation(task.query)

    # ------------------------------------------------------------------ catalog
    def build_catalog(self, tasks=(), progress: bool = False, related=None):
        """The column table (needs no data: ``tasks`` are ignored)."""
        return build_payload()

    def tables(self) -> ColumnTables:
        """The loaded, checked catalog."""
        with self._lock:
            if self._table is None:
                self._table = ColumnTables.from_payload(self.catalog(), str(self.catalog_file()))
            return self._table

    # ------------------------------------------------------------------ back ends
    def candidates(self, task: Task, deadline: Deadline | None = None) -> SearchResult:
        """Every solution of a linear puzzle (up to ``MAX_SOLUTIONS``) from the column tables and the
        numba kernel; a puzzle with products is declined (``partial``, nothing found)."""
        eq = self.equation(task)
        if not eq.linear:
            return SearchResult([], "partial", "products are not column-decomposable: the catalog's column "
                                               "tables cover + and - only; the search solves it")
        found = enumerate_columns(eq, self.tables().residue_digits, MAX_SOLUTIONS, deadline)
        return self._result(eq, found, "catalog", "column search")

    def search(self, task: Task, deadline: Deadline | None = None) -> SearchResult:
        """CP-SAT: every solution up to ``MAX_SOLUTIONS``, one no-good per solution found."""
        from .search import solutions_cpsat

        eq = self.equation(task)
        return self._result(eq, solutions_cpsat(eq, MAX_SOLUTIONS, deadline), "search", "CP-SAT")

    def search_python_constraint(self, task: Task, deadline: Deadline | None = None) -> SearchResult:
        """python-constraint's word-math formulation (``baseline``)."""
        from .baseline import solutions_python_constraint

        eq = self.equation(task)
        return self._result(eq, solutions_python_constraint(eq, MAX_SOLUTIONS, deadline), "search",
                            "python-constraint")

    def search_brute(self, task: Task, deadline: Deadline | None = None) -> SearchResult:
        """Every digit permutation (``brute``); for small puzzles."""
        from .brute import solutions_brute

        eq = self.equation(task)
        return self._result(eq, solutions_brute(eq, MAX_SOLUTIONS, deadline), "search", "brute force")

    def backends(self) -> dict:
        return {"catalog": self.candidates, "cpsat": self.search,
                "python-constraint": self.search_python_constraint, "brute": self.search_brute}

    def _result(self, eq: Equation, found: Enumeration, source: str, how: str) -> SearchResult:
        hyps = [Hypothesis(rule=tuple(sorted(a.items())), text=substituted(eq, a), prior=1.0, source=source,
                           answer=format_assignment(a)) for a in found.solutions]
        n = len(hyps)
        if found.timed_out:
            return SearchResult(hyps, "time_limit", f"{how}: the time limit ended the enumeration after {n} "
                                                    f"solution{'s' * (n != 1)}")
        if found.capped:
            return SearchResult(hyps, "partial", f"{how}: more than {MAX_SOLUTIONS} solutions; "
                                                 f"{MAX_SOLUTIONS} are listed")
        if not hyps:
            return SearchResult([], "infeasible", f"{how}: no assignment of distinct digits satisfies "
                                                  f"{eq.text} (enumeration complete)")
        return SearchResult(hyps, "complete", f"{how}: {n} solution{'s' * (n != 1)}, all listed")

    # ------------------------------------------------------------------ checking
    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        """True when the hypothesis's assignment satisfies the puzzle (``equation.holds``)."""
        try:
            assignment = dict(hypothesis.rule)
        except (TypeError, ValueError):
            return False
        return holds(self.equation(task), assignment)

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        try:
            return format_assignment(dict(hypothesis.rule))
        except (TypeError, ValueError):
            return None

    # ------------------------------------------------------------------ generator
    def generate(self, rng, *, uniform: bool = False, unique: bool = False, max_tries: int = 200,
                 **options) -> Puzzle:
        """A random puzzle with at least one solution (``generator.draw``; ``options``: ``addends``,
        ``min_len``, ``max_len``, ``operator``). ``unique=True`` redraws until the puzzle has exactly
        one solution. The gold answer is the planted assignment; ``uniform`` changes nothing (there
        is no real data whose frequencies to match)."""
        from .generator import draw

        for _ in range(max_tries):
            text, planted = draw(rng, **options)
            task = Task(family=self.name, examples=(), query=parse_equation(text).text, prompt=text)
            if unique and self.count_solutions(task, 2) != 1:
                continue
            return Puzzle(task, format_assignment(planted), substituted(parse_equation(text), planted))
        raise ValueError(f"alphametics: no single-solution puzzle in {max_tries} draws with {options}")

    def count_solutions(self, task: Task, at_most: int) -> int:
        """How many solutions the puzzle has, counting no further than ``at_most``."""
        eq = self.equation(task)
        if eq.linear:
            found = enumerate_columns(eq, self.tables().residue_digits, at_most)
        else:
            from .search import solutions_cpsat

            found = solutions_cpsat(eq, at_most)
        return len(found.solutions) + found.capped
