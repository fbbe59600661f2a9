"""Numba kernels of bit_manipulation, each mirrored by a slow pure-Python reference in the tests.

Kept apart from the orchestration so that they compile once (``cache=True``) and can be tested
and benchmarked alone.

Memory safety: numba does no bounds checking, so the compiled kernels (``_match_tables_nb``,
``_observed_functions_nb``) are private and only reached through ``match_tables`` and
``observed_functions``, which check every shape, dtype and index range first and raise
``ValueError`` on anything that could read or write out of bounds. (The family validates tasks
before any of this runs; these checks hold for direct callers too.)
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["match_tables", "match_tables_reference", "observed_functions", "observed_functions_reference",
           "MAX_ARITY"]

#: Widest literal combination ``observed_functions`` accepts (its masks have 2**arity bits in an int64).
MAX_ARITY = 5


@numba.njit(cache=True)
def _match_tables_nb(tables, xs, ys, query, out_index, out_answer):
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


def _int_array(a, name: str, ndim: int) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {a.shape}")
    if a.size and not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"{name} must hold integers, got dtype {a.dtype}")
    return a


def _in_range(a: np.ndarray, lo: int, hi: int, name: str) -> None:
    """Every value of ``a`` in ``[lo, hi)``."""
    if a.size and (int(a.min()) < lo or int(a.max()) >= hi):
        raise ValueError(f"{name} must lie in [{lo}, {hi}), got values in [{int(a.min())}, {int(a.max())}]")


def match_tables(tables, xs, ys, query, out_index, out_answer) -> int:
    """Every catalog rule (a row of ``tables``: output for each input) consistent with all examples
    ``xs[i] -> ys[i]``. Writes the rule indices and their query outputs into the ``out_*`` arrays
    and returns how many there are (at most ``len(out_index)`` are written; call again with
    larger arrays when the count exceeds it).

    Checked before the compiled kernel runs: ``tables`` is 2-D uint8; ``xs`` and ``ys`` are 1-D of
    one length, every ``xs`` and ``query`` a column of ``tables``, every ``ys`` a byte;
    ``out_index`` (int64) and ``out_answer`` (uint8) are 1-D of one length.
    """
    tables = np.asarray(tables)
    if tables.ndim != 2 or tables.dtype != np.uint8:
        raise ValueError(f"tables must be a 2-D uint8 array, got {tables.dtype} of shape {tables.shape}")
    width = tables.shape[1]
    xs = _int_array(xs, "xs", 1)
    ys = _int_array(ys, "ys", 1)
    if xs.shape[0] != ys.shape[0]:
        raise ValueError(f"xs and ys must have one length, got {xs.shape[0]} and {ys.shape[0]}")
    _in_range(xs, 0, width, "xs")
    _in_range(ys, 0, 256, "ys")
    if isinstance(query, (bool, np.bool_)) or not isinstance(query, (int, np.integer)):
        raise ValueError(f"query must be an integer, got {type(query).__name__}")
    if not 0 <= int(query) < width:
        raise ValueError(f"query must lie in [0, {width}), got {int(query)}")
    for name, arr, dt in (("out_index", out_index, np.int64), ("out_answer", out_answer, np.uint8)):
        if not isinstance(arr, np.ndarray) or arr.ndim != 1 or arr.dtype != dt or not arr.flags.writeable:
            raise ValueError(f"{name} must be a writeable 1-D {np.dtype(dt).name} array")
    if out_index.shape[0] != out_answer.shape[0]:
        raise ValueError("out_index and out_answer must have one length")
    if tables.shape[0] == 0 or width == 0:
        return 0
    return int(_match_tables_nb(tables, xs.astype(np.int64, copy=False), ys.astype(np.uint8, copy=False),
                                np.int64(query), out_index, out_answer))


def match_tables_reference(tables, xs, ys, query):
    """Slow reference of ``match_tables``: (indices, answers) of the consistent rules."""
    idx, ans = [], []
    for r in range(len(tables)):
        if all(int(tables[r][x]) == int(y) for x, y in zip(xs, ys, strict=True)):
            idx.append(r)
            ans.append(int(tables[r][query]))
    return idx, ans


@numba.njit(cache=True)
def _observed_functions_nb(lit_values, combos, xs, ys, seen0, seen1):
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


def observed_functions(lit_values, combos, xs, ys, seen0, seen1) -> None:
    """For each literal combination (a row of ``combos``, width = arity), the truth-table entries of
    ``g`` the examples force to 0 (``seen0``) and to 1 (``seen1``), as bit masks over entries.
    A combination can carry a single ``g`` iff ``seen0 & seen1 == 0``.

    Checked before the compiled kernel runs: ``lit_values`` is 2-D (literal, input); every entry of
    ``combos`` (2-D, at most ``MAX_ARITY`` columns) a literal row; every ``xs`` an input column;
    ``xs`` and ``ys`` 1-D of one length; ``seen0`` / ``seen1`` writeable 1-D int64 with one slot
    per combination.
    """
    lit_values = _int_array(lit_values, "lit_values", 2)
    combos = _int_array(combos, "combos", 2)
    xs = _int_array(xs, "xs", 1)
    ys = _int_array(ys, "ys", 1)
    if combos.shape[1] > MAX_ARITY:
        raise ValueError(f"combos may have at most {MAX_ARITY} columns, got {combos.shape[1]}")
    if xs.shape[0] != ys.shape[0]:
        raise ValueError(f"xs and ys must have one length, got {xs.shape[0]} and {ys.shape[0]}")
    _in_range(combos, 0, lit_values.shape[0], "combos")
    _in_range(xs, 0, lit_values.shape[1], "xs")
    for name, arr in (("seen0", seen0), ("seen1", seen1)):
        if (not isinstance(arr, np.ndarray) or arr.ndim != 1 or arr.dtype != np.int64 or not arr.flags.writeable
                or arr.shape[0] != combos.shape[0]):
            raise ValueError(f"{name} must be a writeable 1-D int64 array with {combos.shape[0]} slots")
    if combos.shape[0] == 0:
        return
    _observed_functions_nb(lit_values.astype(np.int64, copy=False), combos.astype(np.int64, copy=False),
                           xs.astype(np.int64, copy=False), ys.astype(np.int64, copy=False), seen0, seen1)


def observed_functions_reference(lit_values, combos, xs, ys):
    """Slow pure-Python reference of the numba kernel ``observed_functions`` (the tests compare them)."""
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
