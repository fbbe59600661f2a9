"""equation_numeric: `AB?CD = result` equations with a secret operation per operator glyph.

Rule space (see ``operations.py`` and ``docs/families/equation_numeric.md``): one reading
direction per row (plain, or operands and result read right-to-left) and one operation variant
per operator glyph; a negative result carries the operator glyph as its sign.

Solving: the catalog holds every variant's printed result for all 100 x 100 operand pairs (sign
written as ``-``), so recall is a table lookup per example; the survivors per glyph are verified
with ``Operation.fn``. The query's answer comes from the query glyph's surviving operations,
ranked by a prior learned from the dev rows; when the examples never show the query's glyph, every
variant of the row's direction is a candidate, ranked by that prior, and marked ``guess``
(status ``guessed``). CP-SAT (``search.py``) is the fallback: small integer linear forms
``c_a*a + c_b*b + c_ab*a*b + c_0`` per glyph, used only when no catalog variant fits.
"""

from __future__ import annotations

import itertools

import numpy as np

from ...task import Example, Task
from .. import register_family
from ..base import SearchResult
from .._equation_common import check_lhs, parse_equation_line
from .._equation_ops import BY_NAME, OPERATIONS, Operation
from ..base import Family, Hypothesis
from .model import (
    Prior,
    Rule,
    certain_families,
    consistent_ops,
    glyph_class,
    lines_by_glyph,
    offset_context,
    split,
    structure_weight,
)

__all__ = ["EquationNumeric"]

#: Most whole-row operation combinations weighed jointly per reading direction.
JOINT_LIMIT = 20000

#: Width of a table cell: the longest printed result is 4 digits plus a sign.
CELL = 5


def build_tables() -> np.ndarray:
    """``(len(OPERATIONS), 10000)`` array of printed results (``S5``, sign written as ``-``).

    Column ``100*a + b`` holds the result for operands ``a``, ``b`` as printed (``"05"`` is 5).
    """
    out = np.zeros((len(OPERATIONS), 10000), dtype=f"S{CELL}")
    pairs = [(f"{i // 100:02d}", f"{i % 100:02d}") for i in range(10000)]
    for k, op in enumerate(OPERATIONS):
        out[k] = [(op.fn(a, b, "-") or "").encode() for a, b in pairs]
    return out


@register_family
class EquationNumeric(Family):
    name = "equation_numeric"
    has_catalog = True
    builder_version = "7"
    #: What the operation prior learns from the decodable cryptarithm rows besides this family's
    #: own (``_equation_prior.learn_shared``): the 2-fold check scores "none" best here
    #: (483/549 held out, against 481 for "structure" and "all"; docs/families/equation_numeric.md).
    prior_pooling = "none"
    #: Weigh whole-row assignments by whether their operators fit distinct roles (model.ROLES).
    use_roles = True
    #: Weigh whole-row assignments by how many operators keep their ordinary meaning
    #: (model.NORMAL_COUNTS): 487 -> 494/549 in-sample, 486 -> 493 on the 2-fold split.
    use_normal_counts = True

    def parse_example(self, text: str, line: int | None = None) -> Example:
        return parse_equation_line(text, self.name, line)

    def example_line(self, example: Example) -> str:
        return f"{example.source} = {example.target}"

    def parse_query(self, text: str, line: int | None = None):
        q, meta = super().parse_query(text, line)
        return check_lhs(q, self.name, line, text), meta

    # ------------------------------------------------------------------ catalog
    def build_catalog(self, tasks, progress: bool = False, related=None):
        tables = build_tables()
        from .._equation_prior import decode_glyph_rows, learn_shared

        rows = list(tasks)
        # Pooling the glyph rows did not pay on a 2-fold split (docs/families/equation_numeric.md),
        # so this family learns from its own rows only; set learns_from to pool again.
        other = decode_glyph_rows((related or {}).get("cryptarithm", [])) if self.prior_pooling != "none" else []
        prior = learn_shared(rows, other, self.prior_pooling)
        payload = {"operations": [op.name for op in OPERATIONS], "tables": tables, "prior": prior}
        return payload, {"operations": len(OPERATIONS), "operand_pairs": 10000, "entries": int(tables.size),
                         "prior_rows": len(rows) + len(other)}

    def _prior(self) -> Prior:
        cat = self.catalog()
        p = cat.get("_prior_obj")
        if p is None:
            p = cat["_prior_obj"] = Prior(cat["prior"])
        return p

    def recall(self, lines, glyph: str, reverse: bool) -> list[Operation]:
        """Operations of one direction whose table cells match every line (catalog path)."""
        cat = self.catalog()
        tables = cat["tables"]
        if list(cat["operations"]) != [op.name for op in OPERATIONS]:
            return consistent_ops(lines, glyph, reverse)
        mask = np.array([op.reverse == reverse for op in OPERATIONS])
        for a, b, res in lines:
            if glyph.isdigit() or not (a.isdigit() and b.isdigit()):
                return consistent_ops(lines, glyph, reverse)
            if glyph != "-" and "-" in res:
                return []
            cell = res.replace(glyph, "-").encode()
            if len(cell) > CELL:
                return []
            mask &= tables[:, int(a) * 100 + int(b)] == cell
        return [OPERATIONS[i] for i in np.flatnonzero(mask)]

    # ------------------------------------------------------------------ solving
    def candidates(self, task: Task, deadline=None) -> list[Hypothesis]:
        prior = self._prior()
        by = lines_by_glyph([(e.source, e.target) for e in task.examples])
        qa, qg, qb = split(task.query)
        if not (qa.isdigit() and qb.isdigit()):
            return []
        by_answer: dict[str, Hypothesis] = {}
        for reverse in (False, True):
            sets = {g: self.recall(ls, g, reverse) for g, ls in by.items()}
            if not all(sets.values()):
                continue
            hyps = self._hypotheses(prior, sets, reverse, qa, qg, qb, source="catalog")
            _merge(by_answer, hyps)
        return sorted(by_answer.values(), key=lambda h: -h.prior)

    def _hypotheses(self, prior: Prior, sets: dict[str, list[Operation]], reverse: bool,
                    qa: str, qg: str, qb: str, source: str) -> list[Hypothesis]:
        """One hypothesis per query operation; prior = P(direction) * P(examples | direction)
        * P(query operation)."""
        row_glyphs = set(sets) | {qg}
        gcs = {g: glyph_class(g, row_glyphs) for g in row_glyphs}
        joint = self._joint(prior, sets, reverse, qa, qg, qb, gcs, source)
        if joint is not None:
            return joint
        best = {g: max(ops, key=lambda o: prior.score(o, gcs[g])).name for g, ops in sets.items()}
        p = prior.mode_score(reverse)
        for g, ops in sets.items():
            if g != qg:
                p *= sum(prior.score(o, gcs[g]) for o in ops)
        if qg in sets:
            qops, guess, seen, ctx = sets[qg], False, None, None
        else:
            qops = [op for op in OPERATIONS if op.reverse == reverse]
            guess, seen = True, certain_families(list(sets.values()))
            ctx = offset_context(list(sets.values()))
        out = []
        for op in qops:
            ans = op.fn(qa, qb, qg)
            if ans is None:
                continue
            assign = dict(best)
            assign[qg] = op.name
            rule = Rule(reverse, tuple(sorted(assign.items())))
            out.append(Hypothesis(rule=rule, text=rule.text(), prior=p * prior.score(op, gcs[qg], seen, ctx),
                                  guess=guess, source=source, answer=ans))
        return out

    def _joint(self, prior: Prior, sets: dict[str, list[Operation]], reverse: bool,
               qa: str, qg: str, qb: str, gcs: dict[str, str], source: str) -> list[Hypothesis] | None:
        """Hypotheses from whole-row assignments: every combination of one consistent operation
        per glyph (the query glyph, if unseen, takes any operation of the direction), weighted by
        the product of each operator's prior given the *other* operators of that combination
        (their groups and offsets). This is what makes "operators of a row use different groups"
        bite when an example glyph is itself ambiguous (``|a-b|`` or ``max mod min``). None when
        the row has too many combinations (the per-glyph approximation is used instead)."""
        glyphs = list(sets)
        if qg in sets:
            qops, guess = sets[qg], False
        else:
            qops, guess = [op for op in OPERATIONS if op.reverse == reverse], True
            glyphs.append(qg)
        pools = [sets[g] if g != qg else qops for g in glyphs]
        n = 1
        for ops in pools:
            n *= len(ops)
        if n > JOINT_LIMIT:
            return None
        p_dir = prior.mode_score(reverse)
        base = {g: {o.name: prior.score(o, gcs[g]) for o in ops} for g, ops in zip(glyphs, pools, strict=True)}
        by_answer: dict[str, list] = {}
        qi = glyphs.index(qg)
        for combo in itertools.product(*pools):
            w = p_dir
            for i, (g, op) in enumerate(zip(glyphs, combo, strict=True)):
                others = [[o] for j, o in enumerate(combo) if j != i]
                seen = {o[0].family for o in others}
                if g == qg and guess:
                    w *= prior.score(op, gcs[g], seen, offset_context(others))
                else:
                    w *= base[g][op.name] * prior.repeat_score(op.family, seen, gcs[g])
            w *= structure_weight(self.name, combo, reverse, self.use_roles, self.use_normal_counts)
            ans = combo[qi].fn(qa, qb, qg)
            if ans is None or w <= 0:
                continue
            cur = by_answer.get(ans)
            if cur is None:
                by_answer[ans] = [w, w, combo]
            else:
                cur[0] += w
                if w > cur[1]:
                    cur[1], cur[2] = w, combo
        out = []
        for ans, (tot, _, combo) in by_answer.items():
            rule = Rule(reverse, tuple(sorted((g, o.name) for g, o in zip(glyphs, combo, strict=True))))
            out.append(Hypothesis(rule=rule, text=rule.text(), prior=tot, guess=guess, source=source, answer=ans))
        return out

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        rule = hypothesis.rule
        for ex in task.examples:
            a, g, b = split(ex.source)
            op = rule.op(g)
            if op is None or op.fn(a, b, g) != ex.target:
                return False
        return True

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        a, g, b = split(task.query)
        op = hypothesis.rule.op(g)
        return op.fn(a, b, g) if op is not None else None

    def search(self, task: Task, deadline) -> SearchResult:
        from .search import search_cpsat

        from ...deadline import Deadline

        deadline = Deadline.coerce(deadline)
        return SearchResult(search_cpsat(task, deadline.remaining(), prior=self._prior()), "partial")

    def explain(self, hypothesis: Hypothesis) -> str:
        return hypothesis.text


def _merge(by_answer: dict[str, Hypothesis], hyps: list[Hypothesis]) -> None:
    """Keep one hypothesis per answer (the likeliest rule) carrying the answer's total prior."""
    for h in hyps:
        cur = by_answer.get(h.answer)
        if cur is None:
            by_answer[h.answer] = h
            continue
        total = cur.prior + h.prior
        if h.prior > cur.prior:
            h.prior = total
            by_answer[h.answer] = h
        else:
            cur.prior = total


# Re-exported for the cryptarithm family and the benchmarks.
OPERATION_NAMES = tuple(BY_NAME)
