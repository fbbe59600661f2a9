"""From join solutions to answers: one hypothesis per distinct query answer, with its weight.

The query may use an operator no example shows, or a digit no glyph of the row shows; every
reading is expanded (operation variants drawn from the prior, unseen digits spelled with every
spare pool glyph) and weighed (``weights``), so an answer's confidence is its posterior mass.
``recall_status`` says whether the expansion covered every answer (the uniqueness proof).
"""

from __future__ import annotations

import itertools

import numpy as np

from ..base import Hypothesis
from .operations import OPS, PAD, SIGN, VARIANTS, variant_text
from .solver import MAX_ANSWERS, MAX_SOLUTIONS, Prepared
from .weights import USE_ROLES, low_operand_weight, low_operands, matrix_weights, shared_weights

#: Cap on (solution, query variant, unseen-digit fill) combinations weighed per task.
MAX_EXPANSION = 200_000


#: Distinct answers returned as hypotheses.
MAX_HYPOTHESES = 24


def recall_status(jr, stats: dict, max_solutions: int = MAX_SOLUTIONS, max_answers: int = MAX_ANSWERS) -> tuple[str, str]:
    """The recall's status from the join's and the answer expansion's bookkeeping (``max_solutions``
    and ``max_answers``: the caps the join ran with, named in the note)."""
    if stats.get("subsampled"):
        return "partial", f"answers weighed on an even sample of {stats['n_solutions']} solutions"
    if jr.truncated:
        if not jr.tracked:
            return "partial", (f"stopped at {max_solutions} solutions (the query's operator or a query glyph "
                               "is not in the examples, so its answer is a guess)")
        if jr.answers_full:
            return "partial", f"stopped at {max_answers} distinct answers"
        if not jr.exhausted:
            return "time_limit", (f"more than {max_solutions} solutions; the search for other answers used its "
                                  "share of the time limit")
    elif not jr.exhausted:
        return "time_limit", "the join did not finish"
    return expansion_status(stats)


def expansion_status(stats: dict) -> tuple[str, str]:
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


def no_answer_hypothesis(prep: Prepared, jr=None, sol_map=None, sol_var=None, source: str = "catalog") -> Hypothesis:
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
        w_sol, wq = shared_weights(shared, sol_var, op_items, qop, op_seen, mixed, USE_ROLES)
    else:
        w_sol, wq = matrix_weights(prior, sol_var, op_items, qop, op_seen, mixed, var_rev, var_name)
    low_w = low_operand_weight(index)
    if examples and low_w != 1.0:
        w_sol = w_sol * low_w ** low_operands(prep, sol_map, sol_var, examples)
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
