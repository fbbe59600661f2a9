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

import itertools
import unicodedata

import numpy as np

from ...deadline import Deadline
from ...errors import TaskParseError
from ...task import Example, Task
from .. import register_family
from .._schemas import CRYPTARITHM
from ..base import Family, Hypothesis, SearchResult
from ..equations.lines import check_lhs, parse_equation_line
from ..equations.operations import OPERATIONS
from .operations import OPS, PAD, SIGN, SIGNED, VARIANTS, variant_text
from .solver import Prepared, join_task, prepare, run_join

__all__ = ["Cryptarithm", "render", "hypotheses_from_solutions", "MAX_EXAMPLES", "MAX_FIELD_CHARS"]

#: Solutions kept from one join; the answer distribution (the prior's weights) is estimated from
#: these. Past it, the join goes on recording only each distinct query answer (``MAX_ANSWERS``),
#: so the recall still represents every answer: the uniqueness proof.
MAX_SOLUTIONS = 4096
#: Distinct query answers recorded past ``MAX_SOLUTIONS`` before the recall reports ``partial``.
MAX_ANSWERS = 64
#: Share of the time left (and at most ``MAX_PROOF_SECONDS``, also without a deadline) that the
#: answer-class search past ``MAX_SOLUTIONS`` may use; when it runs out the recall reports
#: ``time_limit`` with the answers found so far. The slowest dev row needs 0.4 s.
PROOF_SHARE = 0.5
MAX_PROOF_SECONDS = 5.0
#: Cap on (solution, query variant, unseen-digit fill) combinations weighed per task.
MAX_EXPANSION = 200_000
#: Distinct answers returned as hypotheses.
MAX_HYPOTHESES = 24
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


#: The catalog payload: ``_schemas.CRYPTARITHM`` plus the optional ``operands`` counts
#: (``decode.operand_counts``: operands read below 10 / all, in the decoded training rows).
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
        cat = self.catalog()
        if "_key_id" not in cat:  # built once per process (the payload is shared)
            cat["_key_id"] = {k: i for i, k in enumerate(cat["keys"])}
        return cat

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
        status, note = _completeness(jr, stats)
        if not hyps:
            if jr.tracked and status == "complete" and len(jr.ans_code) == 0:
                # rules fit the examples, but none defines the query's result: one of them says so
                hyps = [_no_answer_hypothesis(prep, jr)]
            elif status == "complete":
                status, note = "partial", "no answer of the consistent rules could be weighed"
        if status == "complete":
            return hyps
        return SearchResult(hyps, status, note)

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


def _completeness(jr, stats: dict) -> tuple[str, str]:
    """The recall's status from the join's and the answer expansion's bookkeeping."""
    if stats.get("subsampled"):
        return "partial", f"answers weighed on an even sample of {stats['n_solutions']} solutions"
    if jr.truncated:
        if not jr.tracked:
            return "partial", (f"stopped at {MAX_SOLUTIONS} solutions (the query's operator or a query glyph "
                               "is not in the examples, so its answer is a guess)")
        if jr.answers_full:
            return "partial", f"stopped at {MAX_ANSWERS} distinct answers"
        if not jr.exhausted:
            return "time_limit", (f"more than {MAX_SOLUTIONS} solutions; the search for other answers used its "
                                  "share of the time limit")
    elif not jr.exhausted:
        return "time_limit", "the join did not finish"
    return _completeness_of_expansion(stats)


def _completeness_of_expansion(stats: dict) -> tuple[str, str]:
    """Whether ``hypotheses_from_solutions`` kept every answer class of the solutions it was given."""
    if stats.get("subsampled"):
        return "partial", f"answers weighed on an even sample of {stats['n_solutions']} solutions"
    if stats.get("dropped_unprintable"):
        return "partial", "some answers need more glyphs for unseen digits than the glyph pool has left"
    if stats.get("cut"):
        return "partial", f"kept the {MAX_HYPOTHESES} likeliest of {stats['n_answers']} answers"
    if stats.get("printings_cut"):
        return "partial", (f"an answer with unseen digits has {stats['printings_cut']} printings with spare pool "
                           f"glyphs; the first {MAX_GLYPH_CHOICES} are weighed")
    return "complete", ""


def _no_answer_hypothesis(prep: Prepared, jr=None, sol_map=None, sol_var=None, source: str = "catalog") -> Hypothesis:
    """A consistent rule under which the query's result is undefined (the pipeline then reports
    that consistent rules exist but none applies to the query)."""
    if jr is not None:
        sol_map, sol_var = jr.sol_map, jr.sol_var
    gm = {g: int(sol_map[0][i]) for g, i in prep.glyph_ids.items()}
    ops = {g: int(sol_var[0][j]) for g, j in prep.op_ids.items()}
    return Hypothesis(rule={"map": gm, "ops": ops}, text=_rule_text(gm, ops), source=source, answer=None,
                      extra={"solutions": len(sol_map), "no_answer": True})


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


def hypotheses_from_solutions(prep: Prepared, sol_map, sol_var, truncated, mixed, index,
                              stats: dict | None = None, examples=None) -> list[Hypothesis]:
    """Turn join solutions into one hypothesis per distinct query answer, weighted by the prior.

    The query may use an operator no example shows (its variant is then drawn from the prior of
    its glyph class, restricted to the task's reversal and to operations the task's other
    operators do not use) or a digit glyph no example shows (its digit is then one of the digits
    no seen glyph holds): both make the answer a guess. Vectorised over solutions, because an
    under-determined task has thousands of them.

    ``stats`` (when given) receives what the completeness of the result depends on:
    ``subsampled`` (solutions thinned to ``MAX_EXPANSION``), ``n_rows`` (rows with a defined
    query result), ``dropped_unprintable`` (rows whose answer needs more spare glyphs than the
    pool has), ``n_answers`` and ``cut`` (more distinct answers than ``MAX_HYPOTHESES``),
    ``printings_cut`` (an answer with more spare-glyph printings than ``MAX_GLYPH_CHOICES``).

    An answer whose result shows a digit no glyph of the row holds is returned once per way of
    printing its unseen digits with distinct spare pool glyphs, each with an equal share of the
    answer's mass: the glyph is a uniform draw, so the printed answer is right with probability
    (mass of the digits) / (number of printings), and ``Solution.confidence`` says so.
    """
    if stats is None:
        stats = {}
    stats.update(subsampled=False, n_rows=0, dropped_unprintable=0, n_answers=0, cut=False,
                 printings_cut=0, n_solutions=len(sol_map))
    table = index["table"]
    prior = np.asarray(index["prior"], dtype=np.float64)
    q = prep.query
    n_unseen = len({g for g in q[:2] + q[3:] if g not in prep.glyph_ids})
    fan_out = (1 if q[2] in prep.op_ids else 20) * (10 ** n_unseen)
    if len(sol_map) * fan_out > MAX_EXPANSION:
        # an even stride over the solutions keeps the answer distribution's shape
        keep = np.linspace(0, len(sol_map) - 1, max(1, MAX_EXPANSION // fan_out)).astype(np.int64)
        sol_map, sol_var = sol_map[keep], sol_var[keep]
        stats.update(subsampled=True, n_solutions=len(sol_map))
    n_sol = len(sol_map)
    sol_map = np.asarray(sol_map, dtype=np.int64)
    sol_var = np.asarray(sol_var, dtype=np.int64)
    qop = q[2]
    qglyphs = q[:2] + q[3:]
    op_seen = qop in prep.op_ids
    unseen_q = [g for g in dict.fromkeys(qglyphs) if g not in prep.glyph_ids]
    guess = (not op_seen) or bool(unseen_q)
    var_rev = np.array([v[0] for v in VARIANTS])
    var_name = np.array([OPS.index(v[1]) for v in VARIANTS])
    op_items = sorted(prep.op_ids.items(), key=lambda kv: kv[1])
    shared = index.get("op_prior")
    if shared is not None:
        w_sol, wq = _shared_weights(shared, sol_var, op_items, qop, op_seen, mixed, USE_ROLES)
    else:
        w_sol, wq = _matrix_weights(prior, sol_var, op_items, qop, op_seen, mixed, var_rev, var_name)
    low_w = low_operand_weight(index)
    if examples and low_w != 1.0:
        w_sol = w_sol * low_w ** _low_operands(prep, sol_map, sol_var, examples)
    # (solution row, variant, weight) triples for the query operator
    if op_seen:
        rows = np.arange(n_sol)
        qv = sol_var[:, prep.op_ids[qop]]
        w = w_sol.copy()
    else:
        rows, qv = np.nonzero(wq > 0)
        w = w_sol[rows] * wq[rows, qv]
    # query digits; unseen query glyphs take every digit no seen glyph holds
    full = np.full((n_sol, 10 + len(unseen_q)), -1, dtype=np.int64)
    full[:, : sol_map.shape[1]] = sol_map
    gid = dict(prep.glyph_ids)
    for k, g in enumerate(unseen_q):
        gid[g] = 10 + k
    if unseen_q:
        used = np.zeros((n_sol, 10), dtype=bool)
        np.put_along_axis(used, sol_map.astype(np.int64), True, axis=1)
        combos = [c for c in itertools.permutations(range(10), len(unseen_q))]
        rr, qq, ww, ff = [], [], [], []
        for c in combos:
            ok = ~used[rows][:, list(c)].any(axis=1)
            rr.append(rows[ok])
            qq.append(qv[ok])
            ww.append(w[ok])
            ff.append(np.tile(c, (ok.sum(), 1)))
        rows, qv, w, fill = np.concatenate(rr), np.concatenate(qq), np.concatenate(ww), np.concatenate(ff)
        n_free = 10 - sol_map.shape[1]
        n_fill = np.prod([n_free - i for i in range(len(unseen_q))]) if n_free >= len(unseen_q) else 1
        w = w / max(1, n_fill)
    else:
        fill = np.zeros((len(rows), 0), dtype=np.int64)
    if len(rows) == 0:
        return []
    dig = np.empty((len(rows), 4), dtype=np.int64)
    for i, g in enumerate(qglyphs):
        j = gid[g]
        dig[:, i] = full[rows, j] if j < 10 else fill[:, j - 10]
    res = table[qv, dig[:, 0] * 10 + dig[:, 1], dig[:, 2] * 10 + dig[:, 3]].astype(np.int64)
    if examples and low_w != 1.0:
        # the query's operands are drawn like the examples' (10..99 as read)
        q_rev = var_rev[qv].astype(bool)
        n_low = (np.where(q_rev, dig[:, 1], dig[:, 0]) == 0).astype(np.int64)
        n_low += np.where(q_rev, dig[:, 3], dig[:, 2]) == 0
        w = w * low_w ** n_low
    # digit -> glyph index through each solution's inverse map (-1: no glyph shows that digit)
    inv = np.full((n_sol, 12), -1, dtype=np.int64)
    np.put_along_axis(inv, sol_map.astype(np.int64), np.arange(sol_map.shape[1])[None, :], axis=1)
    inv_r = inv[rows]
    for k in range(len(unseen_q)):
        inv_r[np.arange(len(rows)), fill[:, k]] = 10 + k
    inv_r[:, 11] = -1
    code = np.where(res == SIGN, -2, np.where(res == PAD, -3, inv_r[np.arange(len(rows))[:, None], np.where(res >= 0, res, 11)]))
    # A result digit no glyph of the row shows: the generator drew its glyph from the pool of
    # digit glyphs, so it is one of the pool glyphs the row does not use (code UNSEEN + digit).
    spare = spare_glyphs(index, prep)
    blind = code == -1
    if spare:
        code = np.where(blind, UNSEEN + res, code)
        n_blind = np.array([len(set(r[b].tolist())) for r, b in zip(res, blind, strict=True)], dtype=np.int64)
        ok = n_blind <= len(spare)
        # each way of printing the unseen digits with distinct spare glyphs is equally likely:
        # ``w`` becomes the mass of one printed answer (see ``_glyph_choices``)
        w = w / np.array([_n_choices(len(spare), int(k)) for k in n_blind], dtype=np.float64)
    else:
        ok = ~blind.any(axis=1)
    defined = res[:, 0] != PAD
    printable = defined & ok
    stats["n_rows"] = int(defined.sum())
    stats["dropped_unprintable"] = int((defined & ~ok).sum())
    rows, qv, w, fill, code = rows[printable], qv[printable], w[printable], fill[printable], code[printable]
    if len(rows) == 0:
        return []
    packed = np.zeros(len(code), dtype=np.int64)
    for i in range(code.shape[1]):
        packed = packed * 64 + (code[:, i] + 3)
    _, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
    uniq = code[first]
    inverse = inverse.reshape(-1)
    weights = np.bincount(inverse, weights=w, minlength=len(uniq))
    names = {i: g for g, i in prep.glyph_ids.items()}
    names.update({10 + k: g for k, g in enumerate(unseen_q)})
    # a code with unseen result digits stands for every printing of them with spare glyphs
    n_print = np.array([_n_choices(len(spare), len({int(c) for c in cu if c >= UNSEEN})) for cu in uniq],
                       dtype=np.float64)
    total = float((weights * n_print).sum())
    stats.update(n_answers=len(uniq), cut=len(uniq) > MAX_HYPOTHESES)
    if not total > 0:
        # the prior gives every row weight 0: keep the answers, equally weighted
        weights, w = np.ones(len(uniq)) / n_print, np.ones(len(w))
        total = float(len(uniq))
    hyps = []
    order = []
    for u in sorted(range(len(uniq)), key=lambda u: -weights[u])[:MAX_HYPOTHESES]:
        members = np.nonzero(inverse == u)[0]
        m = members[np.argmax(w[members])]
        s = rows[m]
        gm = {g: int(sol_map[s, i]) for g, i in prep.glyph_ids.items()}
        for k, g in enumerate(unseen_q):
            gm[g] = int(fill[m, k])
        ops2 = {g: int(sol_var[s, j]) for g, j in op_items}
        ops2[qop] = int(qv[m])
        blind_digits = list(dict.fromkeys(int(c) - UNSEEN for c in uniq[u] if c >= UNSEEN))
        choices = _glyph_choices(spare, len(blind_digits))
        if len(choices) < n_print[u]:
            stats["printings_cut"] = max(stats.get("printings_cut", 0), int(n_print[u]))
        first = None
        for j, glyphs in enumerate(choices):
            gm2 = dict(gm)
            for d, g in zip(blind_digits, glyphs, strict=True):
                gm2[g] = d
                names[UNSEEN + d] = g
            ans = "".join(qop if c == -2 else names[c] for c in uniq[u] if c != -3)
            first = ans if first is None else first
            hyps.append(Hypothesis(rule={"map": gm2, "ops": ops2}, text=_rule_text(gm2, ops2),
                                   prior=float(weights[u] / total), guess=guess or bool(blind_digits),
                                   source="catalog", answer=ans,
                                   extra={"solutions": n_sol, "truncated": bool(truncated),
                                          "mixed_reversal": bool(mixed)}))
            order.append((first, j))
    # likeliest first; ties by answer (a code's printings keep the spare-glyph order)
    ranked = sorted(zip(hyps, order, strict=True), key=lambda ho: (-ho[0].prior, ho[1]))
    return [h for h, _ in ranked]


#: Pseudo-count of the Beta prior on the share of operands read below 10 (Jeffreys' Beta(1/2, 1/2),
#: a fixed default, not tuned on the rows).
LOW_OPERAND_PSEUDO = 0.5


def low_operand_weight(index) -> float:
    """Relative likelihood of one operand read below 10 (a plain ``0X``, a reversed ``X0``) against
    one read in 10..99, for a digit map that reads it so.

    Every map explains the same printed operands, so a map's likelihood differs only by the
    operand values it reads: with a share ``q`` of operands drawn from 0..9 (each 1/10) and the
    rest from 10..99 (each 1/90), one read below 10 weighs ``9q / (1 - q)`` against one above.
    ``q`` is the posterior mean under ``Beta(LOW_OPERAND_PSEUDO, LOW_OPERAND_PSEUDO)`` of the
    catalog's count over the decoded training rows (``decode.operand_counts``; 0 of 5,030 dev
    operands, so about 1e-3). A catalog without the counts weighs every map the same (1.0)."""
    counts = index.get("operands")
    if not counts:
        return 1.0
    a = LOW_OPERAND_PSEUDO
    q = (float(counts["low"]) + a) / (float(counts["total"]) + 2 * a)
    return 9.0 * q / (1.0 - q)


def _low_operands(prep: Prepared, sol_map, sol_var, examples) -> np.ndarray:
    """Per solution: how many example operands it reads below 10 (its leading digit, in the
    direction of the example's operation, is 0)."""
    var_rev = np.array([v[0] for v in VARIANTS], dtype=bool)
    n = np.zeros(len(sol_map), dtype=np.int64)
    for src in examples:
        rev = var_rev[sol_var[:, prep.op_ids[src[2]]]]
        for hi, lo in ((src[0], src[1]), (src[3], src[4])):
            d_hi, d_lo = sol_map[:, prep.glyph_ids[hi]], sol_map[:, prep.glyph_ids[lo]]
            n += np.where(rev, d_lo, d_hi) == 0
    return n


#: Printings weighed per answer whose result shows digits no glyph of the row holds (all of them
#: for one or two such digits among the ~12 spare pool glyphs; past it the answer is ``partial``).
MAX_GLYPH_CHOICES = 160


def _n_choices(n_spare: int, k: int) -> float:
    """Ways to print ``k`` distinct unseen digits with distinct glyphs out of ``n_spare``."""
    out = 1.0
    for i in range(k):
        out *= max(0, n_spare - i)
    return out


def _glyph_choices(spare: list[str], k: int) -> list[tuple[str, ...]]:
    """The first ``MAX_GLYPH_CHOICES`` ways (spare glyphs likeliest first) to print ``k`` unseen
    digits: the generator draws the row's digit glyphs at random from the pool, so each is equally
    likely and the answer's posterior mass is split evenly over them."""
    return list(itertools.islice(itertools.permutations(spare, k), MAX_GLYPH_CHOICES))


def _matrix_weights(prior, sol_var, op_items, qop, op_seen, mixed, var_rev, var_name):
    """Per-glyph-class variant prior (the family's own, from its examples only)."""
    n_sol = len(sol_var)
    w_sol = np.ones(n_sol)
    for g, j in op_items:
        w_sol *= prior[glyph_class(g), sol_var[:, j]]
    if op_seen:
        return w_sol, None
    pq = prior[glyph_class(qop)]
    allowed = np.ones((n_sol, len(VARIANTS)), dtype=bool)
    if not mixed:
        allowed &= var_rev[None, :] == var_rev[sol_var[:, 0]][:, None]
    for _, j in op_items:
        allowed &= var_name[None, :] != var_name[sol_var[:, j]][:, None]
    wq = allowed * pq[None, :]
    tot = wq.sum(axis=1, keepdims=True)
    return w_sol, np.divide(wq, tot, out=np.zeros_like(wq), where=tot > 0)


def _shared_weights(prior_data, sol_var, op_items, qop, op_seen, mixed, use_roles=True):
    """Weights from the prior shared with equation_numeric (``equations.prior``): each operator's
    operation given its glyph class and the groups/offsets of the row's other operators, and the
    reading direction. Computed once per distinct operation combination (few per task)."""
    from ..equations.model import Prior, offset_context, structure_weight
    from ..equations.model import glyph_class as row_class

    hit = _PRIOR_CACHE.get(id(prior_data))
    if hit is None or hit[0] is not prior_data:
        hit = _PRIOR_CACHE[id(prior_data)] = (prior_data, Prior(prior_data))
    prior = hit[1]
    row_glyphs = {g for g, _ in op_items} | {qop}
    gcs = {g: row_class(g, row_glyphs) for g in row_glyphs}
    combos, inverse = np.unique(sol_var, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    cw = np.zeros(len(combos))
    cq = np.zeros((len(combos), len(VARIANTS)))
    for c, combo in enumerate(combos):
        ops = [OPERATIONS[int(combo[j])] for _, j in op_items]
        w = 1.0 if mixed else prior.mode_score(ops[0].reverse)
        for i, ((g, _), op) in enumerate(zip(op_items, ops, strict=True)):
            seen = {o.family for k, o in enumerate(ops) if k != i}
            w *= prior.score(op, gcs[g]) * _repeat(prior, op.family, seen, gcs[g])
        fams = [o.family for o in ops]
        # row structure (distinct roles, normal counts: equations.model.structure_weight);
        # an unseen query operator is weighed with the rest of the row below
        direction = None if mixed else ops[0].reverse
        cw[c] = w * structure_weight("cryptarithm", ops, direction, use_roles, USE_NORMAL_COUNTS and op_seen)
        if not op_seen:
            seen = set(fams)
            ctx = offset_context([[o] for o in ops])
            for v, op in enumerate(OPERATIONS):
                if mixed or op.reverse == ops[0].reverse:
                    cq[c, v] = (prior.score(op, gcs[qop], None, ctx) * _repeat(prior, op.family, seen, gcs[qop])
                                * structure_weight("cryptarithm", ops + [op], direction, use_roles, USE_NORMAL_COUNTS))
            tot = cq[c].sum()
            if tot > 0:
                cq[c] /= tot
    return cw[inverse], (None if op_seen else cq[inverse])


_PRIOR_CACHE: dict = {}

#: Combine the group-repeat table with P(family | glyph class) as a ratio (True, see
#: ``_repeat``); False multiplies the table's P(family | repeat context) in as it is, which counts
#: the family's base rate twice (docs/families/cryptarithm.md, "Priors tried").
REPEAT_RATIO = True


def _repeat(prior, family: str, seen: set, gclass: str) -> float:
    """The group-repeat factor of an operator's family given the other operators' families.

    ``Prior.repeat_score`` is P(family | whether the row's other operators already use it),
    counted over every operator glyph of the rows. ``Prior.score`` already holds
    P(family | glyph class), so multiplying both in counts P(family) twice and makes a rare
    family (``max mod min``: 16% of ``-`` glyphs, 5% of all operators) 8x less likely again.
    The naive-Bayes combination divides by the family's base rate over the same table (same
    ``REPEAT_SMOOTHING``): P(family | glyph class) * P(family | context) / P(family)."""
    r = prior.repeat_score(family, seen, gclass)
    if not REPEAT_RATIO:
        return r
    from ..equations.model import REPEAT_SMOOTHING

    rep = prior.rep.get("standard" if gclass != "other" else "other", prior.rep)[family]
    hit = rep["seen"][0] + rep["fresh"][0]
    tot = rep["seen"][1] + rep["fresh"][1]
    return r / ((hit + REPEAT_SMOOTHING) / (tot + 2 * REPEAT_SMOOTHING))


#: Down-weight operation combinations whose operators cannot be distinct roles (+, -, *) of one
#: row (``equations.model.ROLES``). Off: it holds on all 487 decoded glyph rows but scored
#: 414/617 held out against 415 without it (2-fold), since the group-repeat prior already
#: excludes nearly every such combination here (docs/families/cryptarithm.md).
USE_ROLES = False

#: Down-weight operation combinations with a number of normal operators the glyph generator never
#: uses (``equations.model.NORMAL_COUNTS``, "cryptarithm"). Off: 417 -> 419/617 in-sample
#: but 415 -> 413 on the 2-fold check, i.e. noise (docs/families/cryptarithm.md).
USE_NORMAL_COUNTS = False


#: Code offset of a result digit that no glyph of the row shows (``UNSEEN + digit``).
UNSEEN = 20


def spare_glyphs(index, prep: Prepared) -> list[str]:
    """Pool digit glyphs the row does not use, likeliest first (pool frequency, then glyph).

    Every row draws its ten digit glyphs from one pool (23 symbols in the dev rows) and its
    operator glyphs apart from them, so a digit no example shows is printed with one of these.
    """
    pool = index.get("glyph_pool")
    if pool is None:
        return []
    used = set(prep.glyph_ids) | set(prep.op_ids) | set(prep.query)
    return [g for g in pool if g not in used]


def glyph_pool(tasks) -> list[str]:
    """The digit-glyph vocabulary of the given rows (operand and result glyphs that are not
    operators of their row), most frequent first, ties by glyph."""
    counts: dict[str, int] = {}
    for task in tasks:
        ops = {e.source[2] for e in task.examples} | {task.query[2]}
        for e in task.examples:
            for c in e.source[:2] + e.source[3:] + e.target:
                if c not in ops:
                    counts[c] = counts.get(c, 0) + 1
    return sorted(counts, key=lambda g: (-counts[g], g))


#: Operator glyphs whose operation family the dev rows show to be strongly tied to the glyph;
#: every other glyph shares one distribution.
GLYPH_CLASSES = ("*", "+", "-")


def glyph_class(op: str) -> int:
    return GLYPH_CLASSES.index(op) if op in GLYPH_CLASSES else len(GLYPH_CLASSES)


def learn_glyph_class_prior(index: dict, tasks, progress: bool) -> np.ndarray:
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


# The python-constraint baseline, exported beside the CP-SAT path (``Cryptarithm.search``) so the
# benchmark harness finds both in the family's package.
from .baseline import search_python_constraint as search_python_constraint  # noqa: E402
