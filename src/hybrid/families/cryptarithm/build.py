"""Building the cryptarithm catalog's learned parts: the glyph vocabulary (``glyph_pool``) and
the operation prior per operator glyph class (``learn_glyph_class_prior``), from the dev rows'
examples (never their answers)."""

from __future__ import annotations

import numpy as np

from .operations import OPS, SIGNED, VARIANTS
from .solver import MAX_SOLUTIONS, prepare, run_join


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
    """The prior row of an operator glyph: its index in ``GLYPH_CLASSES``, or the shared row of every other glyph."""
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
