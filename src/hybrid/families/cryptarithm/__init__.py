"""cryptarithm: `AB?CD = result` equations whose digits are also hidden behind glyphs.

The generator (reverse-engineered, see docs/families/cryptarithm.md): ten digit glyphs in a
one-to-one map with 0-9; operator glyphs never double as digit glyphs; every operator glyph of a
task carries one operation variant (``operations.VARIANTS``), and all variants of a task agree on
whether digits are reversed. A negative result is printed with the operator's own glyph as sign.

Solving is recall + join: each example's equality pattern recalls its (variant, a, b) candidates
from the catalog (``patterns``), and the numba join (``kernels.join``) keeps the combinations that
fit one map. The CP-SAT model (``search``) is the fallback; ``baseline`` is python-constraint.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from ...deadline import Deadline
from ...errors import TaskParseError
from ...task import Example, Task
from .. import register_family
from .._schemas import CRYPTARITHM
from ..base import Family, Hypothesis, SearchResult
from ..equations.lines import check_lhs, parse_equation_line
from .answers import hypotheses_from_solutions, no_answer_hypothesis, recall_status, render
from .build import GLYPH_CLASSES, glyph_pool, learn_glyph_class_prior
from .operations import VARIANTS
from .payload import CryptarithmPayload
from .solver import MAX_ANSWERS, MAX_SOLUTIONS, join_task, prepare

__all__ = ["Cryptarithm", "CryptarithmPayload", "render", "hypotheses_from_solutions", "MAX_EXAMPLES",
           "MAX_FIELD_CHARS", "MAX_SOLUTIONS", "MAX_ANSWERS", "GLYPH_CLASSES", "glyph_pool", "learn_glyph_class_prior", "check_glyph_roles"]

#: Share of the time left (and at most ``MAX_PROOF_SECONDS``, also without a deadline) that the
#: answer-class search past ``MAX_SOLUTIONS`` may use; when it runs out the recall reports
#: ``time_limit`` with the answers found so far. The slowest dev row needs 0.4 s.
PROOF_SHARE = 0.5
MAX_PROOF_SECONDS = 5.0
#: Input limits. The dev rows have 3-5 examples and results of 1-4 characters (no variant prints
#: more than 4). 50 examples (10x the dev rows) keep the CP-SAT model bounded (one table of up to
#: 13,040 rows per example; at 50 examples the solver stays under ~300 MB), and a result longer
#: than 16 characters is rejected rather than searched (5-16 characters: no rule fits,
#: ``unsolved``). The join is bounded by the deadline whatever the input.
MAX_EXAMPLES = 50
MAX_FIELD_CHARS = 16
#: Unicode categories that cannot be a glyph: control, format, surrogate, private use,
#: unassigned, combining marks (they attach to the previous character), separators.
_NOT_GLYPH = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Mc", "Me", "Zs", "Zl", "Zp"})


def _check_glyphs(text: str, what: str, line: int | None, shown: str) -> None:
    for c in text:
        cat = unicodedata.category(c)
        if cat in _NOT_GLYPH or c.isspace():
            name = unicodedata.name(c, "") if cat != "Cs" else "surrogate"
            raise TaskParseError(
                f"cryptarithm: {what} holds U+{ord(c):04X} {name or cat} (category {cat}), which is not a "
                "glyph: control, format, surrogate, private-use, unassigned, combining and space characters "
                "are not allowed (write accented glyphs precomposed, NFC)", line=line, text=shown)


@register_family
class Cryptarithm(Family):
    """Glyph equations: recall by equality pattern, numba join, CP-SAT fallback."""

    name = "cryptarithm"
    prompt_header = r"secret set of transformation rules is applied to equations"
    prompt_query = r"^Now, determine the result for:\s*(.+?)\s*$"

    def recognise(self, prompt: str) -> bool:
        """The equation template, with glyph operands."""
        from ...parse import is_numeric_equation

        return super().recognise(prompt) and not is_numeric_equation(prompt)
    builder_version = "8"
    #: Weigh operations with the prior shared with equation_numeric (learned from both families'
    #: rows); False keeps this family's own per-glyph-class matrix (``prior``).
    shared_prior = True
    learns_from = ("equation_numeric",)
    #: What the shared prior learns from the numeric rows besides the decoded glyph rows: nothing
    #: (the simplest prior; pooling the group-repeat statistic, "structure", scores the same
    #: 416/617 on the nested check: docs/families/cryptarithm.md, "Priors tried").
    prior_pooling = "none"
    has_catalog = True
    payload_schema = CRYPTARITHM
    payload_type = CryptarithmPayload
    candidates_verified = True

    max_examples = MAX_EXAMPLES
    max_field_chars = MAX_FIELD_CHARS

    def parse_example(self, text: str, line: int | None = None) -> Example:
        ex = parse_equation_line(text, self.name, line)
        _check_glyphs(ex.source, "the left side", line, text)
        _check_glyphs(ex.target, "the result", line, text)
        if ex.source[2] in ex.source[:2] + ex.source[3:]:
            raise TaskParseError(f"cryptarithm: the operator glyph {ex.source[2]!r} is also an operand glyph "
                                 "(operator glyphs never stand for digits)", line=line, text=text)
        return ex

    def example_line(self, example: Example) -> str:
        return f"{example.source} = {example.target}"

    def parse_query(self, text: str, line: int | None = None):
        q, meta = super().parse_query(text, line)
        check_lhs(q, self.name, line, text)
        _check_glyphs(q, "the query", line, text)
        if q[2] in q[:2] + q[3:]:
            raise TaskParseError(f"cryptarithm: the query's operator glyph {q[2]!r} is also an operand glyph "
                                 "(operator glyphs never stand for digits)", line=line, text=text)
        return q, meta

    def parse_prompt(self, prompt: str) -> Task:
        task = super().parse_prompt(prompt)
        check_glyph_roles(task)
        return task

    def validate(self, task: Task) -> None:
        """What parsing checks, for a ``Task`` built in code: at least one example, the input limits,
        every line and the query re-parsed, and no glyph both an operator and a digit."""
        if not task.examples:
            raise TaskParseError("cryptarithm: no example lines (a task needs at least one example)")
        super().validate(task)
        check_glyph_roles(task)

    # ------------------------------------------------------------------ catalog
    def build_catalog(self, tasks, progress: bool = False, related=None):
        from .patterns import build_index

        keys, starts, var, aa, bb, letters, table = build_index()
        index = {"keys": keys, "starts": starts, "var": var, "a": aa, "b": bb,
                 "letters": letters, "table": table}
        prior = learn_glyph_class_prior(index, list(tasks), progress)
        payload = dict(index)
        payload["prior"] = prior
        payload["glyph_pool"] = glyph_pool(list(tasks))
        from .decode import decode_glyph_rows, operand_counts

        decoded = decode_glyph_rows(list(tasks), index)
        payload["operands"] = operand_counts(decoded)
        if self.shared_prior:
            from ..equations.prior import learn_shared

            if related is None or "equation_numeric" not in related:
                raise ValueError("cryptarithm's catalog learns from equation_numeric rows: pass related=")
            payload["op_prior"] = learn_shared(decoded, related["equation_numeric"], self.prior_pooling)
        payload["glyph_classes"] = list(GLYPH_CLASSES)
        payload["variants"] = [list(v) for v in VARIANTS]
        params = {"entries": int(len(var)), "patterns": len(keys), "variants": len(VARIANTS),
                  "dev_tasks": len(list(tasks))}
        return payload, params

    def _index(self) -> dict:
        """The catalog payload plus its derived pattern-key lookup ``_key_id``: a shallow copy
        built once per loaded payload (``Family.derived``), so the payload itself stays as loaded."""
        return self.derived("index", lambda cat: {**cat, "_key_id": {k: i for i, k in enumerate(cat["keys"])}})

    # ------------------------------------------------------------------ solving
    def candidates(self, task: Task, deadline=None):
        """Recall + join over the whole rule space (every injective glyph map, one variant per
        operator glyph, one reversal flag; per-operator reversal only when that has no rule).

        Returns a list (exhaustive: every answer a consistent rule gives is represented) when the
        join was walked to the end, else a ``SearchResult`` saying why not (``partial``: solution
        cap with the query's answer not a function of a solution, answer cap, unprintable
        answers; ``time_limit``: the uniqueness proof used its share of the budget), or
        ``infeasible`` when no rule fits."""
        deadline = Deadline.coerce(deadline)
        if not task.examples:
            raise TaskParseError("cryptarithm: no example lines (a task needs at least one example)")
        index = self._index()
        reasons: list[str] = []
        prep = prepare(task, index, reasons)
        if prep is None:
            return self._infeasible(task, "; ".join(reasons))
        deadline.check("cryptarithm recall")
        jr = join_task(prep, index, MAX_SOLUTIONS, deadline, track=True, max_answers=MAX_ANSWERS,
                       proof_deadline=_proof_deadline(deadline))
        if len(jr.sol_map) == 0:
            return self._infeasible(task, "no glyph map and operator variants reproduce every example "
                                          "(exhaustive join)")
        sol_map, sol_var = jr.sol_map, jr.sol_var
        if jr.tracked and jr.truncated and len(jr.ans_code):
            # one solution of every answer class that the kept solutions do not already show
            extra = jr.ans_first < 0
            sol_map = np.concatenate([sol_map, jr.ans_map[extra]])
            sol_var = np.concatenate([sol_var, jr.ans_var[extra]])
        stats: dict = {}
        hyps = hypotheses_from_solutions(prep, sol_map, sol_var, jr.truncated, jr.mixed, index, stats=stats,
                                         examples=[e.source for e in task.examples])
        status, note = recall_status(jr, stats, MAX_SOLUTIONS, MAX_ANSWERS)
        if not hyps:
            if jr.tracked and status == "complete" and len(jr.ans_code) == 0:
                # rules fit the examples, but none defines the query's result: one of them says so
                hyps = [no_answer_hypothesis(prep, jr)]
            elif status == "complete":
                status, note = "partial", "no answer of the consistent rules could be weighed"
        if status == "complete":
            return hyps
        return SearchResult(hyps, status, note)

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        rule = hypothesis.rule
        table = self.payload().table
        for ex in task.examples:
            got = render(table, rule["map"], rule["ops"], ex.source)
            if got != ex.target:
                return False
        return True

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        rule = hypothesis.rule
        return render(self.payload().table, rule["map"], rule["ops"], task.query)

    def _infeasible(self, task: Task, note: str) -> SearchResult:
        # remembered for ``search``: the pipeline calls it next, on the same task
        self._last_infeasible = (task, note)
        return SearchResult([], "infeasible", note)

    def search(self, task: Task, deadline) -> SearchResult:
        """CP-SAT over the same rule space (``search.search_cpsat``): enumerate, then prove that no
        other answer exists by excluding each found answer and re-solving until INFEASIBLE.

        The pipeline calls it when the recall has no consistent rule. When that recall was the
        exhaustive join proving that no rule fits (the same rule space), the proof is returned
        as is instead of spending the rest of the budget on CP-SAT to prove it again
        (``search.search_cpsat`` runs CP-SAT alone)."""
        from .search import search_cpsat

        last = getattr(self, "_last_infeasible", None)
        if last is not None and last[0] == task:
            return SearchResult([], "infeasible", f"{last[1]}; the join is exhaustive over the same rule "
                                                  "space as CP-SAT, which is therefore not run")
        return search_cpsat(task, deadline, self._index())

    def backends(self) -> dict:
        from .baseline import search_python_constraint as pc

        out = super().backends()
        out["python-constraint"] = lambda task, deadline: pc(task, deadline, self._index())
        return out

    def explain(self, hypothesis: Hypothesis) -> str:
        return hypothesis.text

    # ------------------------------------------------------------------ generating
    def generate(self, rng, *, uniform: bool = False, **options):
        """A puzzle drawn as the data draws them (``generator.py``)."""
        from .generator import generate_puzzle

        return generate_puzzle(rng, uniform=uniform, **options)

    def render_prompt(self, task: Task) -> str:
        """The prompt exactly as the data prints it (``generator.py``)."""
        from .generator import render_prompt

        return render_prompt(task)


def check_glyph_roles(task: Task) -> None:
    """Raise ``TaskParseError`` when a glyph is an operator in one place and a digit in another
    (an operand, a result character other than its own line's sign, or the query's operands):
    the generator never draws an operator glyph from a row's digit glyphs."""
    role: dict[str, tuple[str, str]] = {}

    def see(glyph: str, what: str, where: str, line):
        other = role.setdefault(glyph, (what, where))
        if other[0] != what:
            raise TaskParseError(f"cryptarithm: glyph {glyph!r} is {other[0]} in {other[1]} and {what} in "
                                 f"{where} (operator glyphs never stand for digits)", line=line)

    for i, ex in enumerate(task.examples, 1):
        where = f"line {ex.line}" if ex.line else f"example {i}"
        op = ex.source[2]
        see(op, "an operator", where, ex.line)
        for c in ex.source[:2] + ex.source[3:] + ex.target:
            if c != op:
                see(c, "a digit glyph", where, ex.line)
    q = task.query
    see(q[2], "an operator", "the query", None)
    for c in q[:2] + q[3:]:
        see(c, "a digit glyph", "the query", None)


def _proof_deadline(deadline: Deadline) -> Deadline:
    share = deadline.sub(PROOF_SHARE)
    return share if share.remaining() <= MAX_PROOF_SECONDS else Deadline(MAX_PROOF_SECONDS)



# The python-constraint baseline, exported beside the CP-SAT path (``Cryptarithm.search``) so the
# benchmark harness finds both in the family's package.
from .baseline import search_python_constraint as search_python_constraint  # noqa: E402
