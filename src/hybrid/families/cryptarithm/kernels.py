"""numba kernel of the cryptarithm join: candidates of every example under one map.

Each example brings a list of candidates ``(variant, digit of each pattern letter)`` recalled
from the pattern index. A solution picks one candidate per example so that every glyph gets one
digit, no two glyphs share a digit, every operator glyph keeps one variant, and all variants
agree on digit reversal. The join is a depth-first search over examples; at each level only the
bucket of candidates whose key letter carries the digit already assigned to its glyph is scanned
(``bkt``), which is what keeps it cheap. ``join_reference`` is the slow pure-Python twin the
tests compare against.

The kernel is *resumable*: its whole search state lives in arrays the caller owns (``JoinState``),
and one call runs at most ``max_steps`` loop iterations, so the caller checks its deadline between
calls (numba code cannot read the clock). Besides the first ``max_sol`` solutions it can keep, for
every solution, the *answer class* it prints for the query (``track``): the distinct answers and
one solution of each, over the whole search, which is what proves an answer unique when there are
more solutions than the buffer holds.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["join", "join_reference", "join_steps", "JoinState", "DONE", "PAUSED", "STOPPED", "NO_ANSWER"]

#: ``join_steps`` return codes: the search is exhausted / ran ``max_steps`` and can resume /
#: stopped for good (solution buffer full while not tracking answers, or answer buffer full).
DONE, PAUSED, STOPPED = 0, 1, 2
#: Packed answer code of a solution whose query result is undefined (e.g. ``max mod min`` with 0).
NO_ANSWER = -1
#: Indices into the scalar state vector ``st``.
_LEVEL, _REV, _NSOL, _TRUNC, _NANS, _PHASE, _ANSFULL = 0, 1, 2, 3, 4, 5, 6
_PAD, _SIGN, _UNSEEN = -1, 10, 20


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
def answer_code(gmap, opvar, qinfo, table):
    """Packed code of the query's printed answer under one solution (``NO_ANSWER`` when the
    result is undefined): per result position, glyph index + 3, 1 for the sign, 0 after the end,
    ``_UNSEEN + digit + 3`` for a digit no glyph holds; base 64, most significant first. Equal to
    the packing in ``hypotheses_from_solutions``."""
    v = opvar[qinfo[4]]
    a = gmap[qinfo[0]] * 10 + gmap[qinfo[1]]
    b = gmap[qinfo[2]] * 10 + gmap[qinfo[3]]
    if table[v, a, b, 0] == _PAD:
        return NO_ANSWER
    packed = 0
    for i in range(table.shape[3]):
        c = table[v, a, b, i]
        if c == _PAD:
            code = -3
        elif c == _SIGN:
            code = -2
        else:
            code = _UNSEEN + c
            for g in range(gmap.shape[0]):
                if gmap[g] == c:
                    code = g
                    break
        packed = packed * 64 + (code + 3)
    return packed


@numba.njit(cache=True)
def join_steps(cvar, cdig, seg, bkt, key_glyph, ex_gl, ex_nl, ex_op, var_rev,
               st, gmap, used, opvar, pos, end, new_gl, set_op, set_rev,
               sol_map, sol_var, max_steps, track, qinfo, table, ans_code, ans_map, ans_var, ans_first):
    """Run the join for at most ``max_steps`` iterations from the state in the arrays; return
    ``DONE``, ``PAUSED`` or ``STOPPED``. Solutions go to ``sol_map``/``sol_var`` until they are
    full (``st[_TRUNC]`` is then set). With ``track`` every solution's answer class is recorded in
    ``ans_code`` (and one solution of it in ``ans_map``/``ans_var``; ``ans_first`` is its row in
    the solution buffer, or -1 when the buffer was already full) and the search goes on past a
    full buffer; when ``ans_code`` overflows, ``st[_ANSFULL]`` is set and tracking stops. The
    search stops (``STOPPED``) at the first solution past a full buffer when not tracking."""
    n_ex = seg.shape[0] - 1
    if st[_PHASE] == 2:
        return DONE
    if st[_PHASE] == 0:
        st[_PHASE] = 1
        if n_ex == 0:
            st[_PHASE] = 2
            return DONE
        st[_LEVEL] = 0
        st[_REV] = -1
        pos[0] = seg[0]
        end[0] = seg[1]
    level = st[_LEVEL]
    rev = st[_REV]
    n_sol = st[_NSOL]
    n_ans = st[_NANS]
    max_sol = sol_map.shape[0]
    max_ans = ans_code.shape[0]
    steps = 0
    status = DONE
    while level >= 0:
        if steps >= max_steps:
            status = PAUSED
            break
        steps += 1
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
        if level == n_ex - 1 and n_sol >= max_sol and not (track and st[_ANSFULL] == 0):
            # the buffer is full: stop before taking this solution
            st[_TRUNC] = 1
            status = STOPPED
            break
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
            row = -1
            if n_sol < max_sol:
                sol_map[n_sol, :] = gmap
                sol_var[n_sol, :] = opvar
                row = n_sol
                n_sol += 1
            else:
                st[_TRUNC] = 1
            if track and st[_ANSFULL] == 0:
                code = answer_code(gmap, opvar, qinfo, table)
                if code != NO_ANSWER:
                    seen = False
                    for i in range(n_ans):
                        if ans_code[i] == code:
                            seen = True
                            break
                    if not seen:
                        if n_ans < max_ans:
                            ans_code[n_ans] = code
                            ans_map[n_ans, :] = gmap
                            ans_var[n_ans, :] = opvar
                            ans_first[n_ans] = row
                            n_ans += 1
                        else:
                            # too many answers to track: from here on only fill the buffer
                            st[_ANSFULL] = 1
            # undo in place and move on
            if _undo(level, new_gl, used, gmap, set_op, opvar, o, set_rev):
                rev = -1
            pos[level] += 1
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
    st[_LEVEL] = level
    st[_REV] = rev
    st[_NSOL] = n_sol
    st[_NANS] = n_ans
    if level < 0:
        st[_PHASE] = 2
        status = DONE
    return status


class JoinState:
    """The resumable state of one join (see ``join_steps``) and its output buffers."""

    def __init__(self, n_ex: int, n_glyphs: int, n_ops: int, max_sol: int, max_ans: int = 0):
        self.st = np.zeros(8, np.int64)
        self.gmap = np.full(n_glyphs, -1, np.int8)
        self.used = np.zeros(10, np.bool_)
        self.opvar = np.full(n_ops, -1, np.int32)
        self.pos = np.zeros(n_ex + 1, np.int64)
        self.end = np.zeros(n_ex + 1, np.int64)
        self.new_gl = np.full((n_ex + 1, 8), -1, np.int64)
        self.set_op = np.zeros(n_ex + 1, np.bool_)
        self.set_rev = np.zeros(n_ex + 1, np.bool_)
        self.sol_map = np.full((max_sol, n_glyphs), -1, np.int8)
        self.sol_var = np.full((max_sol, n_ops), -1, np.int32)
        self.ans_code = np.zeros(max_ans, np.int64)
        self.ans_map = np.full((max_ans, n_glyphs), -1, np.int8)
        self.ans_var = np.full((max_ans, n_ops), -1, np.int32)
        self.ans_first = np.full(max_ans, -1, np.int64)

    def run(self, args, var_rev, max_steps: int, track: bool, qinfo, table) -> int:
        """Advance the join by at most ``max_steps`` steps (the numba kernel ``join_steps``); returns ``DONE``, ``PAUSED`` or ``STOPPED``."""
        return join_steps(*args, var_rev, self.st, self.gmap, self.used, self.opvar, self.pos, self.end,
                          self.new_gl, self.set_op, self.set_rev, self.sol_map, self.sol_var, max_steps,
                          track, qinfo, table, self.ans_code, self.ans_map, self.ans_var, self.ans_first)

    @property
    def n_sol(self) -> int:
        """Solutions recorded so far."""
        return int(self.st[_NSOL])

    @property
    def n_ans(self) -> int:
        """Distinct query answers recorded so far."""
        return int(self.st[_NANS])

    @property
    def truncated(self) -> bool:
        """True when more solutions exist than were recorded."""
        return bool(self.st[_TRUNC])

    @property
    def answers_full(self) -> bool:
        """True when the answer table filled up (more distinct answers than ``max_ans``)."""
        return bool(self.st[_ANSFULL])

    @property
    def done(self) -> bool:
        """True when the join has finished (``join_steps`` returned ``DONE``)."""
        return int(self.st[_PHASE]) == 2


_NO_TABLE = np.full((1, 1, 1, 1), _PAD, np.int8)
_NO_Q = np.zeros(5, np.int64)


def join(cvar, cdig, seg, bkt, key_glyph, ex_gl, ex_nl, ex_op, var_rev, n_glyphs, n_ops, max_sol):
    """The whole join in one go (no deadline, no answer tracking): ``(sol_map, sol_var,
    truncated)`` with at most ``max_sol`` solutions."""
    state = JoinState(len(seg) - 1, n_glyphs, n_ops, max_sol)
    while state.run((cvar, cdig, seg, bkt, key_glyph, ex_gl, ex_nl, ex_op), var_rev, 1 << 62, False,
                    _NO_Q, _NO_TABLE) == PAUSED:
        pass
    n = state.n_sol
    return state.sol_map[:n], state.sol_var[:n], state.truncated


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
