"""Numba kernels of bit_manipulation, each mirrored by a slow pure-Python reference in the tests.

Kept apart from the orchestration so that they compile once (``cache=True``) and can be tested
and benchmarked alone.
"""

from __future__ import annotations

import numba

__all__ = ["match_tables", "match_tables_reference", "observed_functions", "observed_functions_reference"]


@numba.njit(cache=True)
def match_tables(tables, xs, ys, query, out_index, out_answer):
    """Every catalog rule (a row of ``tables``: output for each of the 256 inputs) consistent with
    all examples ``xs[i] -> ys[i]``. Writes the rule indices and their query outputs into the
    ``out_*`` arrays and returns how many there are (at most ``len(out_index)`` are written)."""
    n = 0
    cap = out_index.shape[0]
    m = xs.shape[0]
    for r in range(tables.shape[0]):
        ok = True
        for t in range(m):
            if tables[r, xs[t]] != ys[t]:
                ok = False
                break
        if ok:
            if n < cap:
                out_index[n] = r
                out_answer[n] = tables[r, query]
            n += 1
    return n


def match_tables_reference(tables, xs, ys, query):
    """Slow reference of ``match_tables``: (indices, answers) of the consistent rules."""
    idx, ans = [], []
    for r in range(len(tables)):
        if all(int(tables[r][x]) == int(y) for x, y in zip(xs, ys, strict=True)):
            idx.append(r)
            ans.append(int(tables[r][query]))
    return idx, ans


@numba.njit(cache=True)
def observed_functions(lit_values, combos, xs, ys, seen0, seen1):
    """For each literal combination (a row of ``combos``, width = arity), the truth-table entries of
    ``g`` the examples force to 0 (``seen0``) and to 1 (``seen1``), as bit masks over entries.
    A combination can carry a single ``g`` iff ``seen0 & seen1 == 0``."""
    arity = combos.shape[1]
    for c in range(combos.shape[0]):
        a0 = 0
        a1 = 0
        for i in range(xs.shape[0]):
            x = xs[i]
            y = ys[i]
            for j in range(8):
                e = 0
                for k in range(arity):
                    e = (e << 1) | ((lit_values[combos[c, k], x] >> (7 - j)) & 1)
                if (y >> (7 - j)) & 1:
                    a1 |= 1 << e
                else:
                    a0 |= 1 << e
        seen0[c] = a0
        seen1[c] = a1


def observed_functions_reference(lit_values, combos, xs, ys):
    s0, s1 = [], []
    for combo in combos:
        a0 = a1 = 0
        for x, y in zip(xs, ys, strict=True):
            for j in range(8):
                e = 0
                for lit in combo:
                    e = (e << 1) | ((int(lit_values[lit][x]) >> (7 - j)) & 1)
                if (int(y) >> (7 - j)) & 1:
                    a1 |= 1 << e
                else:
                    a0 |= 1 << e
        s0.append(a0)
        s1.append(a1)
    return s0, s1
