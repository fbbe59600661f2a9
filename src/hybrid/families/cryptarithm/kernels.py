"""numba kernel of the cryptarithm join: candidates of every example under one map.

Each example brings a list of candidates ``(variant, digit of each pattern letter)`` recalled
from the pattern index. A solution picks one candidate per example so that every glyph gets one
digit, no two glyphs share a digit, every operator glyph keeps one variant, and all variants
agree on digit reversal. The join is a depth-first search over examples; at each level only the
bucket of candidates whose key letter carries the digit already assigned to its glyph is scanned
(``bkt``), which is what keeps it cheap. ``join_reference`` is the slow pure-Python twin the
tests compare against.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["join", "join_reference"]


@numba.njit(cache=True)
def _undo(level, new_gl, used, gmap, set_op, opvar, op, set_rev):
    """Release what the candidate at ``level`` bound (new glyph digits, its operator's variant);
    returns True when it had also fixed the reversal flag, which the caller then clears."""
    for j in range(new_gl.shape[1]):
        g = new_gl[level, j]
        if g < 0:
            break
        used[gmap[g]] = False
        gmap[g] = -1
        new_gl[level, j] = -1
    if set_op[level]:
        opvar[op] = -1
        set_op[level] = False
    if set_rev[level]:
        set_rev[level] = False
        return True
    return False


@numba.njit(cache=True)
def join(cvar, cdig, seg, bkt, key_glyph, ex_gl, ex_nl, ex_op, var_rev, n_glyphs, n_ops, max_sol):
    n_ex = seg.shape[0] - 1
    gmap = np.full(n_glyphs, -1, np.int8)
    used = np.zeros(10, np.bool_)
    opvar = np.full(n_ops, -1, np.int32)
    sol_map = np.full((max_sol, n_glyphs), -1, np.int8)
    sol_var = np.full((max_sol, n_ops), -1, np.int32)
    n_sol = 0
    truncated = False
    rev = -1
    pos = np.zeros(n_ex + 1, np.int64)
    end = np.zeros(n_ex + 1, np.int64)
    # undo information per level: glyphs assigned there, whether it set the op / the rev flag
    new_gl = np.full((n_ex + 1, 8), -1, np.int64)
    set_op = np.zeros(n_ex + 1, np.bool_)
    set_rev = np.zeros(n_ex + 1, np.bool_)
    if n_ex == 0:
        return sol_map[:0], sol_var[:0], False
    level = 0
    kg = key_glyph[0]
    pos[0] = seg[0]
    end[0] = seg[1]
    while level >= 0:
        if pos[level] >= end[level]:
            level -= 1
            if level >= 0:
                # undo the candidate chosen at this level, then try its next one
                if _undo(level, new_gl, used, gmap, set_op, opvar, ex_op[level], set_rev):
                    rev = -1
                pos[level] += 1
            continue
        k = pos[level]
        v = cvar[k]
        o = ex_op[level]
        ok = True
        if opvar[o] >= 0 and opvar[o] != v:
            ok = False
        if ok and rev >= 0 and var_rev[v] != rev:
            ok = False
        if ok:
            for j in range(ex_nl[level]):
                g = ex_gl[level, j]
                d = cdig[k, j]
                if gmap[g] >= 0:
                    if gmap[g] != d:
                        ok = False
                        break
                elif used[d]:
                    ok = False
                    break
        if not ok:
            pos[level] += 1
            continue
        # take candidate k
        m = 0
        for j in range(ex_nl[level]):
            g = ex_gl[level, j]
            if gmap[g] < 0:
                gmap[g] = cdig[k, j]
                used[cdig[k, j]] = True
                new_gl[level, m] = g
                m += 1
        if opvar[o] < 0:
            opvar[o] = v
            set_op[level] = True
        if rev < 0:
            rev = var_rev[v]
            set_rev[level] = True
        if level == n_ex - 1:
            if n_sol < max_sol:
                sol_map[n_sol, :] = gmap
                sol_var[n_sol, :] = opvar
                n_sol += 1
            else:
                truncated = True
            # undo in place and move on
            if _undo(level, new_gl, used, gmap, set_op, opvar, o, set_rev):
                rev = -1
            pos[level] += 1
            if truncated:
                break
            continue
        level += 1
        kg = key_glyph[level]
        if kg >= 0:
            d = gmap[kg]
            pos[level] = bkt[level, d]
            end[level] = bkt[level, d + 1]
        else:
            pos[level] = seg[level]
            end[level] = seg[level + 1]
    return sol_map[:n_sol], sol_var[:n_sol], truncated


def join_reference(cands, ex_gl, ex_op, var_rev, n_glyphs, n_ops):
    """Slow twin of ``join``: ``cands[i]`` is a list of ``(variant, digits)`` for example i.
    Returns the set of ``(map tuple, variant tuple)`` solutions."""
    out = set()

    def rec(i, gmap, opvar, rev):
        if i == len(cands):
            out.add((tuple(gmap), tuple(opvar)))
            return
        for v, digits in cands[i]:
            o = ex_op[i]
            if opvar[o] >= 0 and opvar[o] != v:
                continue
            if rev >= 0 and var_rev[v] != rev:
                continue
            g2 = list(gmap)
            good = True
            for g, d in zip(ex_gl[i], digits, strict=True):
                if g2[g] >= 0:
                    if g2[g] != d:
                        good = False
                        break
                elif d in g2:
                    good = False
                    break
                else:
                    g2[g] = d
            if not good:
                continue
            ov = list(opvar)
            ov[o] = v
            rec(i + 1, g2, ov, var_rev[v])

    rec(0, [-1] * n_glyphs, [-1] * n_ops, -1)
    return out
