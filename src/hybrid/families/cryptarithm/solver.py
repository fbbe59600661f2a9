"""Preparing a task for the join: pattern recall, join order and candidate buckets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .operations import VARIANTS
from .patterns import MAX_LETTERS, pattern_key

__all__ = ["Prepared", "prepare", "run_join", "join_task", "JoinResult", "query_info", "JOIN_STEPS", "MAX_SOLUTIONS",
           "MAX_ANSWERS"]

#: Solutions kept from one join; the answer distribution (the prior's weights) is estimated from
#: these. Past it, the join goes on recording only each distinct query answer (``MAX_ANSWERS``),
#: so the recall still represents every answer: the uniqueness proof.
MAX_SOLUTIONS = 4096
#: Distinct query answers recorded past ``MAX_SOLUTIONS`` before the recall reports ``partial``.
MAX_ANSWERS = 64

_VAR_REV = np.array([v[0] for v in VARIANTS], dtype=np.int8)


@dataclass
class Prepared:
    query: str
    glyph_ids: dict          # digit glyph -> index
    op_ids: dict             # operator glyph -> index
    seg: np.ndarray
    bkt: np.ndarray
    key_glyph: np.ndarray
    ex_gl: np.ndarray
    ex_nl: np.ndarray
    ex_op: np.ndarray
    cvar: np.ndarray
    cdig: np.ndarray


def prepare(task, index, reasons: list | None = None) -> Prepared | None:
    """Recall every example's candidates and lay them out for ``kernels.join``.

    Returns None when no rule of the space can fit: an example's shape is not in the index (no
    variant prints it) or the task has more than ten digit glyphs; ``reasons`` (when given) gets
    the reason in words. A task without examples is the caller's to reject.
    """
    if not task.examples:
        raise ValueError("prepare() needs at least one example")
    key_id = index["_key_id"]
    starts = index["starts"]
    op_ids: dict[str, int] = {}
    glyph_ids: dict[str, int] = {}
    per_ex = []
    for ex in task.examples:
        op = ex.source[2]
        op_ids.setdefault(op, len(op_ids))
        key, order = pattern_key(ex.source[:2] + ex.source[3:], ex.target, op)
        k = key_id.get(key)
        if k is None:
            if reasons is not None:
                where = f"line {ex.line}" if ex.line else f"example {len(per_ex) + 1}"
                reasons.append(f"no operation variant prints the shape of {where} ({ex.source} = {ex.target})")
            return None
        for g in order:
            glyph_ids.setdefault(g, len(glyph_ids))
        per_ex.append((int(starts[k]), int(starts[k + 1]), [glyph_ids[g] for g in order], op_ids[op]))
    if len(glyph_ids) > 10:
        if reasons is not None:
            reasons.append(f"the examples show {len(glyph_ids)} digit glyphs; a one-to-one map to 0-9 allows 10")
        return None
    # join order: fewest candidates first, then always the example sharing most assigned glyphs
    remaining = list(range(len(per_ex)))
    order: list[int] = []
    covered: set[int] = set()
    while remaining:
        def score(i):
            s, e, gl, _ = per_ex[i]
            return (-len(covered.intersection(gl)) if covered else 0, e - s, i)
        nxt = min(remaining, key=score)
        order.append(nxt)
        remaining.remove(nxt)
        covered.update(per_ex[nxt][2])
    n_ex = len(order)
    seg = np.zeros(n_ex + 1, np.int64)
    bkt = np.zeros((n_ex, 11), np.int64)
    key_glyph = np.full(n_ex, -1, np.int64)
    ex_gl = np.full((n_ex, MAX_LETTERS), -1, np.int64)
    ex_nl = np.zeros(n_ex, np.int64)
    ex_op = np.zeros(n_ex, np.int64)
    cvars, cdigs = [], []
    assigned: set[int] = set()
    pos = 0
    for lvl, i in enumerate(order):
        s, e, gl, op = per_ex[i]
        cv = index["var"][s:e]
        cd = index["letters"][s:e]
        kl = next((j for j, g in enumerate(gl) if g in assigned), -1)
        if kl >= 0:
            perm = np.argsort(cd[:, kl], kind="stable")
            cv, cd = cv[perm], cd[perm]
            key_glyph[lvl] = gl[kl]
            bkt[lvl] = pos + np.searchsorted(cd[:, kl], np.arange(11), side="left")
        seg[lvl] = pos
        pos += len(cv)
        cvars.append(cv)
        cdigs.append(cd)
        ex_gl[lvl, : len(gl)] = gl
        ex_nl[lvl] = len(gl)
        ex_op[lvl] = op
        assigned.update(gl)
    seg[n_ex] = pos
    return Prepared(task.query, glyph_ids, op_ids, seg, bkt, key_glyph, ex_gl, ex_nl, ex_op,
                    np.concatenate(cvars).astype(np.int16), np.concatenate(cdigs).astype(np.int8))


_NO_REV = np.zeros(len(VARIANTS), dtype=np.int8)

#: Join loop iterations per kernel call; the deadline is checked between calls (a call takes a
#: few milliseconds).
JOIN_STEPS = 1 << 18


@dataclass
class JoinResult:
    """What ``join_task`` found. ``exhausted``: the search tree was walked to the end, so the
    solutions (if not ``truncated``) or the tracked answer classes (if ``tracked``) are all of
    them. ``answers_full``: tracking stopped at its cap of distinct answers."""

    sol_map: np.ndarray
    sol_var: np.ndarray
    truncated: bool
    mixed: bool
    exhausted: bool
    tracked: bool = False
    answers_full: bool = False
    ans_code: np.ndarray | None = None
    ans_map: np.ndarray | None = None
    ans_var: np.ndarray | None = None
    ans_first: np.ndarray | None = None


def query_info(prep: Prepared) -> np.ndarray | None:
    """``[glyph id of the 4 query operands..., operator id]`` when the examples show every one of
    them (the query's answer is then a function of a solution), else None."""
    q = prep.query
    try:
        return np.array([prep.glyph_ids[c] for c in q[:2] + q[3:]] + [prep.op_ids[q[2]]], dtype=np.int64)
    except KeyError:
        return None


def join_task(prep: Prepared, index, max_sol: int, deadline=None, track: bool = False, max_answers: int = 64,
              proof_deadline=None) -> JoinResult:
    """The join of ``prep`` under one reversal convention for the whole task, or, when that has
    no solution at all, with each operator reversing on its own (some dev tasks mix them).

    Keeps the first ``max_sol`` solutions. With ``track`` (needs ``query_info``), the search goes
    on past a full buffer and records every distinct query answer with one solution each (up to
    ``max_answers``), until the tree is exhausted or ``proof_deadline`` expires. ``deadline`` is
    checked between kernel calls (``TimeLimitReached``); None runs to the end.
    """
    from .kernels import DONE, PAUSED, JoinState

    args = (prep.cvar, prep.cdig, prep.seg, prep.bkt, prep.key_glyph, prep.ex_gl, prep.ex_nl, prep.ex_op)
    n_ex, n_g, n_o = len(prep.seg) - 1, len(prep.glyph_ids), len(prep.op_ids)
    qinfo = query_info(prep) if track else None
    track = qinfo is not None
    table = index["table"] if track else _NO_TABLE
    qinfo = qinfo if track else _NO_Q
    state, mixed = None, False
    for var_rev in (_VAR_REV, _NO_REV):
        mixed = var_rev is _NO_REV
        state = JoinState(n_ex, n_g, n_o, max_sol, max_answers if track else 0)
        while True:
            status = state.run(args, var_rev, JOIN_STEPS if deadline is not None else 1 << 62, track, qinfo, table)
            if status != PAUSED:
                break
            deadline.check("cryptarithm join")
            if state.truncated and proof_deadline is not None and proof_deadline.expired():
                break
        if state.n_sol or status != DONE:
            break
    n, k = state.n_sol, state.n_ans
    return JoinResult(state.sol_map[:n], state.sol_var[:n], state.truncated, mixed, status == DONE,
                      tracked=track, answers_full=state.answers_full,
                      ans_code=state.ans_code[:k], ans_map=state.ans_map[:k], ans_var=state.ans_var[:k],
                      ans_first=state.ans_first[:k])


_NO_TABLE = np.full((1, 1, 1, 1), -1, np.int8)
_NO_Q = np.zeros(5, np.int64)


def run_join(prep: Prepared, index, max_sol: int, deadline=None):
    """``join_task`` without answer tracking: ``(sol_map, sol_var, truncated, mixed)``."""
    r = join_task(prep, index, max_sol, deadline)
    return r.sol_map, r.sol_var, r.truncated, r.mixed
