"""Preparing a task for the join: pattern recall, join order and candidate buckets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .kernels import join
from .operations import VARIANTS
from .patterns import MAX_LETTERS, pattern_key

__all__ = ["Prepared", "prepare", "run_join"]

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


def prepare(task, index) -> Prepared | None:
    """Recall every example's candidates and lay them out for ``kernels.join``.

    Returns None when an example's shape is not in the index (no variant can print it).
    """
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
            return None
        for g in order:
            glyph_ids.setdefault(g, len(glyph_ids))
        per_ex.append((int(starts[k]), int(starts[k + 1]), [glyph_ids[g] for g in order], op_ids[op]))
    if len(glyph_ids) > 10:
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


def run_join(prep: Prepared, index, max_sol: int):
    """Join under one digit-reversal convention for the whole task; when no solution exists,
    join again letting each operator reverse on its own (some dev tasks mix them).

    Returns ``(sol_map, sol_var, truncated, mixed)``.
    """
    args = (prep.cvar, prep.cdig, prep.seg, prep.bkt, prep.key_glyph, prep.ex_gl, prep.ex_nl, prep.ex_op)
    n_g, n_o = len(prep.glyph_ids), len(prep.op_ids)
    sm, sv, tr = join(*args, _VAR_REV, n_g, n_o, max_sol)
    if len(sm):
        return sm, sv, tr, False
    sm, sv, tr = join(*args, _NO_REV, n_g, n_o, max_sol)
    return sm, sv, tr, True
