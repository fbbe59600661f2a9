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

from collections import defaultdict

import numpy as np

from ...task import Example, Task
from .. import register_family
from .._equation_common import check_lhs, parse_equation_line
from ..base import Family, Hypothesis
from .operations import OPS, PAD, SIGN, SIGNED, VARIANTS, variant_text
from .solver import Prepared, prepare, run_join

__all__ = ["Cryptarithm"]

#: Solutions kept from one join; beyond it the answer distribution is estimated from these.
MAX_SOLUTIONS = 4096
#: Distinct answers returned as hypotheses.
MAX_HYPOTHESES = 24


@register_family
class Cryptarithm(Family):
    """Glyph equations: recall by equality pattern, numba join, CP-SAT fallback."""

    name = "cryptarithm"
    builder_version = "2"
    has_catalog = True
    candidates_verified = True

    def parse_example(self, text: str, line: int | None = None) -> Example:
        return parse_equation_line(text, self.name, line)

    def example_line(self, example: Example) -> str:
        return f"{example.source} = {example.target}"

    def parse_query(self, text: str, line: int | None = None):
        q, meta = super().parse_query(text, line)
        return check_lhs(q, self.name, line, text), meta

    # ------------------------------------------------------------------ catalog
    def build_catalog(self, tasks, progress: bool = False):
        from .patterns import build_index

        keys, starts, var, aa, bb, letters, table = build_index()
        index = {"keys": keys, "starts": starts, "var": var, "a": aa, "b": bb,
                 "letters": letters, "table": table}
        prior = _learn_prior(index, list(tasks), progress)
        payload = dict(index)
        payload["prior"] = prior
        payload["glyph_classes"] = list(GLYPH_CLASSES)
        payload["variants"] = [list(v) for v in VARIANTS]
        params = {"entries": int(len(var)), "patterns": len(keys), "variants": len(VARIANTS),
                  "dev_tasks": len(list(tasks))}
        return payload, params

    def _index(self) -> dict:
        cat = self.catalog()
        if "_key_id" not in cat:
            cat["_key_id"] = {k: i for i, k in enumerate(cat["keys"])}
        return cat

    # ------------------------------------------------------------------ solving
    def candidates(self, task: Task) -> list[Hypothesis]:
        index = self._index()
        prep = prepare(task, index)
        if prep is None:
            return []
        sol_map, sol_var, truncated, mixed = run_join(prep, index, MAX_SOLUTIONS)
        if len(sol_map) == 0:
            return []
        return hypotheses_from_solutions(prep, sol_map, sol_var, truncated, mixed, index)

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        rule = hypothesis.rule
        table = self._index()["table"]
        for ex in task.examples:
            got = render(table, rule["map"], rule["ops"], ex.source)
            if got != ex.target:
                return False
        return True

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        rule = hypothesis.rule
        return render(self._index()["table"], rule["map"], rule["ops"], task.query)

    def search(self, task: Task, time_limit: float) -> list[Hypothesis]:
        """CP-SAT over the same rule space. When the join already found solutions whose answers
        cannot be printed (the answer needs a digit no example shows a glyph for), CP-SAT would
        find the same solutions, so it is skipped rather than spending its time limit."""
        from .search import search_cpsat

        index = self._index()
        prep = prepare(task, index)
        if prep is not None and len(run_join(prep, index, 1)[0]):
            return []
        return search_cpsat(task, time_limit, index)

    def explain(self, hypothesis: Hypothesis) -> str:
        return hypothesis.text


def render(table, gmap: dict, ops: dict, lhs: str) -> str | None:
    """Print ``lhs``'s result under a glyph->digit map and operator->variant assignment."""
    op = lhs[2]
    if op not in ops:
        return None
    try:
        ds = [gmap[c] for c in lhs[:2] + lhs[3:]]
    except KeyError:
        return None
    inv = {d: g for g, d in gmap.items()}
    row = table[ops[op], ds[0] * 10 + ds[1], ds[2] * 10 + ds[3]]
    if row[0] == PAD:
        return None
    out = []
    for c in row:
        if c == PAD:
            break
        if c == SIGN:
            out.append(op)
        elif int(c) in inv:
            out.append(inv[int(c)])
        else:
            return None
    return "".join(out)


def _rule_text(gmap: dict, ops: dict) -> str:
    m = " ".join(f"{g}={d}" for g, d in sorted(gmap.items(), key=lambda kv: kv[1]))
    o = "; ".join(f"'{g}': {variant_text(v)}" for g, v in sorted(ops.items()))
    return f"digits {m}; {o}"


def hypotheses_from_solutions(prep: Prepared, sol_map, sol_var, truncated, mixed, index) -> list[Hypothesis]:
    """Turn join solutions into one hypothesis per distinct query answer, weighted by the prior.

    The query may use an operator no example shows (its variant is then drawn from the prior,
    restricted to the task's reversal) or a digit glyph no example shows (its digit is then one
    of the digits no seen glyph holds): both make the answer a guess.
    """
    table = index["table"]
    prior = np.asarray(index["prior"], dtype=np.float64)
    q = prep.query
    qop = q[2]
    qglyphs = q[:2] + q[3:]
    op_seen = qop in prep.op_ids
    unseen_q = [g for g in dict.fromkeys(qglyphs) if g not in prep.glyph_ids]
    guess = (not op_seen) or bool(unseen_q)
    weights: dict[str, float] = defaultdict(float)
    best: dict[str, tuple[float, dict, dict]] = {}
    var_rev = [v[0] for v in VARIANTS]
    for s in range(len(sol_map)):
        gmap = {g: int(sol_map[s, i]) for g, i in prep.glyph_ids.items()}
        ops = {g: int(sol_var[s, i]) for g, i in prep.op_ids.items()}
        w_sol = 1.0
        for g, v in ops.items():
            w_sol *= prior[glyph_class(g), v]
        rev = var_rev[next(iter(ops.values()))]
        if op_seen:
            qvars = [(ops[qop], 1.0)]
        else:
            # operators of one task never share an operation (dev: 373 of 375 tasks)
            taken = {VARIANTS[v][1] for v in ops.values()}
            pq = prior[glyph_class(qop)]
            cand = [v for v in range(len(VARIANTS))
                    if (mixed or var_rev[v] == rev) and VARIANTS[v][1] not in taken]
            tot = sum(pq[v] for v in cand)
            qvars = [(v, pq[v] / tot) for v in cand]
        free = [d for d in range(10) if d not in gmap.values()]
        fills = _fills(unseen_q, free)
        for fill in fills:
            gm = dict(gmap)
            gm.update(fill)
            for v, wv in qvars:
                ops2 = dict(ops)
                ops2[qop] = v
                ans = render(table, gm, ops2, q)
                if ans is None:
                    continue
                w = w_sol * wv / len(fills)
                weights[ans] += w
                if ans not in best or w > best[ans][0]:
                    best[ans] = (w, gm, ops2)
    total = sum(weights.values())
    if total <= 0:
        return []
    hyps = []
    for ans in sorted(weights, key=lambda a: (-weights[a], a))[:MAX_HYPOTHESES]:
        _, gm, ops2 = best[ans]
        hyps.append(Hypothesis(rule={"map": gm, "ops": ops2}, text=_rule_text(gm, ops2),
                               prior=weights[ans] / total, guess=guess, source="catalog",
                               answer=ans, extra={"solutions": len(sol_map), "truncated": truncated,
                                      "mixed_reversal": mixed}))
    return hyps


def _fills(glyphs: list[str], free: list[int]) -> list[dict]:
    if not glyphs:
        return [{}]
    out = []

    def rec(i, cur, avail):
        if i == len(glyphs):
            out.append(dict(cur))
            return
        for d in avail:
            cur[glyphs[i]] = d
            rec(i + 1, cur, [x for x in avail if x != d])
        cur.pop(glyphs[i], None)

    rec(0, {}, free)
    return out or [{}]


#: Operator glyphs whose operation family the dev rows show to be strongly tied to the glyph;
#: every other glyph shares one distribution.
GLYPH_CLASSES = ("*", "+", "-")


def glyph_class(op: str) -> int:
    return GLYPH_CLASSES.index(op) if op in GLYPH_CLASSES else len(GLYPH_CLASSES)


def _learn_prior(index: dict, tasks, progress: bool) -> np.ndarray:
    """``float64[n_classes, n_variants]``: P(variant | operator glyph class), add-one smoothed.

    The variant prior factorises as P(rev) * P(op | glyph class) * P(sign side | op), each
    counted over the dev rows whose join succeeds: every operator glyph adds one unit, split
    evenly over the values its solutions leave open. Only the examples are used, never answers.
    """
    n_cls = len(GLYPH_CLASSES) + 1
    op_names = list(OPS)
    c_op = np.ones((n_cls, len(op_names)))
    c_rev = np.ones(2)
    c_neg = np.ones((len(op_names), 2))
    index = dict(index)
    index["_key_id"] = {k: i for i, k in enumerate(index["keys"])}
    for task in tasks:
        prep = prepare(task, index)
        if prep is None:
            continue
        _, sol_var, _, mixed = run_join(prep, index, MAX_SOLUTIONS)
        if len(sol_var) == 0:
            continue
        if not mixed:
            revs = sorted(set(VARIANTS[int(v)][0] for v in sol_var[:, 0]))
            for r in revs:
                c_rev[r] += 1.0 / len(revs)
        for g, j in prep.op_ids.items():
            vs = set(int(v) for v in sol_var[:, j])
            names = sorted(set(VARIANTS[v][1] for v in vs))
            for n in names:
                c_op[glyph_class(g), op_names.index(n)] += 1.0 / len(names)
            if len(names) == 1:
                negs = sorted(set(VARIANTS[v][2] for v in vs))
                if len(negs) == 1 and any(VARIANTS[v][1] in SIGNED for v in vs):
                    c_neg[op_names.index(names[0]), 0 if negs[0] == "pre" else 1] += 1.0
    p_rev = c_rev / c_rev.sum()
    p_op = c_op / c_op.sum(axis=1, keepdims=True)
    p_neg = c_neg / c_neg.sum(axis=1, keepdims=True)
    prior = np.zeros((n_cls, len(VARIANTS)))
    for v, (rev, name, neg) in enumerate(VARIANTS):
        k = op_names.index(name)
        pn = p_neg[k, 0 if neg == "pre" else 1] if name in SIGNED else 1.0
        prior[:, v] = p_rev[rev] * p_op[:, k] * pn
    return prior
