"""Decoding glyph rows back to digits: the cryptarithm rows whose digit map the join pins down.

The decoded rows are numeric equation rows (with the operator glyphs kept), so the shared
equation prior (``equations.prior``) can learn from them.
"""

from __future__ import annotations

from ...task import Example, Task

__all__ = ["decode_glyph_rows", "pooled_tasks", "operand_counts"]


def decode_glyph_rows(tasks, index=None) -> list[Task]:
    """Glyph rows whose digit map is unique (given examples and answer), rewritten with digits.

    The operator glyphs stay (they are the prior's conditioning and the printed sign)."""
    import dataclasses

    import numpy as np

    from .patterns import build_index
    from .solver import prepare, run_join

    if index is None:
        keys, starts, var, aa, bb, letters, table = build_index()
        index = {"keys": keys, "starts": starts, "var": var, "a": aa, "b": bb, "letters": letters, "table": table}
    index = dict(index)
    index.setdefault("_key_id", {k: i for i, k in enumerate(index["keys"])})
    out = []
    for task in tasks:
        answer = task.meta.get("answer")
        if answer is None:
            continue
        full = dataclasses.replace(task, examples=tuple(task.examples) + (Example(task.query, answer),))
        prep = prepare(full, index)
        if prep is None:
            continue
        sol_map, _, truncated, _ = run_join(prep, index, 64)
        if len(sol_map) == 0 or truncated or len(np.unique(sol_map, axis=0)) != 1:
            continue
        dmap = {g: str(int(sol_map[0, i])) for g, i in prep.glyph_ids.items()}
        ops = set(prep.op_ids) | {task.query[2]}
        if any(q not in dmap for q in task.query[:2] + task.query[3:]):
            continue

        try:
            exs = tuple(Example(_decode_lhs(e.source, dmap), _decode(e.target, dmap, ops)) for e in task.examples)
            ans = _decode(answer, dmap, ops)
        except KeyError:
            continue
        out.append(Task(family="equation_numeric", examples=exs, query=_decode_lhs(task.query, dmap),
                        meta={"answer": ans, "decoded_from": "cryptarithm"}))
    return out


def _decode(s: str, dmap: dict, ops: set) -> str:
    return "".join(c if c in ops else dmap[c] for c in s)


def _decode_lhs(s: str, dmap: dict) -> str:
    return _decode(s[:2], dmap, set()) + s[2] + _decode(s[3:], dmap, set())


def pooled_tasks(numeric_tasks, glyph_tasks, index=None) -> list[Task]:
    """Numeric rows followed by the decodable glyph rows (fixed order: rebuilds stay identical)."""
    return list(numeric_tasks) + decode_glyph_rows(glyph_tasks, index)


def operand_counts(decoded) -> dict:
    """``{"low": n, "total": m}``: of the ``m`` operands (examples and query) of the decoded rows,
    how many read below 10 in the row's reading direction (a plain ``07``, a reversed ``70``).

    The direction is the one the row's operations fit with its answer added
    (``equations.model.consistent_ops``); a row that fits both counts half under each. The
    solver uses the counts for the likelihood of a digit map that reads an operand below 10
    (``cryptarithm.low_operand_weight``)."""
    from ..equations.model import consistent_ops, lines_by_glyph

    low = total = 0.0
    for task in decoded:
        pairs = [(e.source, e.target) for e in task.examples] + [(task.query, task.meta["answer"])]
        by = lines_by_glyph(pairs)
        dirs = [r for r in (False, True) if all(consistent_ops(ls, g, r) for g, ls in by.items())]
        for reverse in dirs:
            for lhs, _ in pairs:
                for operand in (lhs[:2], lhs[3:]):
                    low += (int(operand[::-1] if reverse else operand) < 10) / len(dirs)
                    total += 1.0 / len(dirs)
    return {"low": round(low, 6), "total": round(total, 6)}
