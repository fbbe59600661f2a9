"""numba kernel of the alphametics catalog path: column-by-column backtracking, right to left.

The letters are numbered in the order they are assigned (``solver.column_problem``): by the
first column (units first) where their weight is non-zero, and within a column the letter that
closes it last. Each level tries the digits left for its letter; the last letter of a column takes
only the digits the catalog's column table (``residue_digits``) allows for the column's residue,
so a column costs one branch, not ten. After it, the column and every following column with no
new letter are closed (their sums must be multiples of ten, carrying the quotient on), and after
the last column the final carry must be 0. Letters whose weight cancels in every column come last
and take any digit left.

``column_search`` is the kernel; the slow pure-Python twin it is tested against is
``brute.solutions_brute`` (every permutation of digits, checked exactly).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["column_search"]

_ALL_DIGITS = 0x3FF


@numba.njit(cache=True)
def _options(level, coef, col_of, closes_to, leading, residue, dig, carry, used):
    """Mask of the digits level ``level`` may take now."""
    avail = _ALL_DIGITS & ~used
    if leading[level]:
        avail &= ~1
    col = col_of[level]
    if closes_to[level] >= 0:
        rest = carry[col]
        for j in range(level):
            rest += coef[col, j] * dig[j]
        w = coef[col, level] % 10
        avail &= np.int64(residue[w, (-rest) % 10])
    return avail


@numba.njit(cache=True)
def column_search(coef, col_of, closes_to, leading, residue, first_digit, max_sol):
    """Every solution of one linear alphametic, in digit order, up to ``max_sol``.

    ``coef``: int64[K, n] weight of letter (level) ``j`` in column ``k``; ``col_of``: int64[n] the
    column whose letters a level belongs to (K for letters that cancel everywhere);
    ``closes_to``: int64[n], for the last letter of a column the column index up to which columns
    are closed after it (the next column with a new letter, or K), else -1; ``leading``: bool[n]
    (no 0); ``residue``: the catalog's uint16[10, 10] table; ``first_digit``: restrict level 0 to
    this digit (-1: any), so callers can split the search and check their deadline in between.

    Returns ``(solutions int8[m, n], nodes)``: ``m <= max_sol`` digit rows in level order, and the
    number of digits tried.
    """
    n_cols, n = coef.shape
    sols = np.empty((max_sol, n), np.int8)
    n_sol = 0
    nodes = 0
    if n == 0 or max_sol <= 0:
        return sols[:0], nodes
    dig = np.full(n, -1, np.int64)
    cand = np.zeros(n, np.int64)
    carry = np.zeros(n_cols + 1, np.int64)
    used = 0
    level = 0
    cand[0] = _options(0, coef, col_of, closes_to, leading, residue, dig, carry, used)
    if first_digit >= 0:
        cand[0] &= 1 << first_digit
    while level >= 0:
        if dig[level] >= 0:  # release the digit this level held
            used &= ~(1 << dig[level])
            dig[level] = -1
        c = cand[level]
        if c == 0:
            level -= 1
            continue
        low = c & -c
        cand[level] = c ^ low
        d = 0
        while (low >> d) != 1:
            d += 1
        dig[level] = d
        used |= low
        nodes += 1
        end = closes_to[level]
        if end >= 0:
            ok = True
            for cc in range(col_of[level], end):
                s = carry[cc]
                for j in range(level + 1):
                    s += coef[cc, j] * dig[j]
                if s % 10 != 0:
                    ok = False
                    break
                carry[cc + 1] = s // 10
            if ok and end == n_cols and carry[n_cols] != 0:
                ok = False
            if not ok:
                continue
        if level == n - 1:
            for j in range(n):
                sols[n_sol, j] = dig[j]
            n_sol += 1
            if n_sol == max_sol:
                break
            continue
        level += 1
        cand[level] = _options(level, coef, col_of, closes_to, leading, residue, dig, carry, used)
    return sols[:n_sol], nodes
