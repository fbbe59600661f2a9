"""How a cryptarithm hypothesis is weighed: the operator prior (per glyph class, or the prior
shared with equation_numeric, ``equations.model``), the group-repeat factor, and the likelihood of
the operand range (operands are drawn from 10..99 as read).

Each weight is a factor of the posterior that ``answers.hypotheses_from_solutions`` sums per
answer; the switches (``REPEAT_RATIO``, ``USE_ROLES``, ``USE_NORMAL_COUNTS``) record what the
nested check decided (docs/families/cryptarithm.md, "Priors tried").
"""

from __future__ import annotations

import numpy as np

from ..equations.operations import OPERATIONS
from .build import glyph_class
from .operations import VARIANTS
from .solver import Prepared

#: Pseudo-count of the Beta prior on the share of operands read below 10 (Jeffreys' Beta(1/2, 1/2),
#: a fixed default, not tuned on the rows).
LOW_OPERAND_PSEUDO = 0.5


def low_operand_weight(index) -> float:
    """Relative likelihood of one operand read below 10 (a plain ``0X``, a reversed ``X0``) against
    one read in 10..99, for a digit map that reads it so.

    Every map explains the same printed operands, so a map's likelihood differs only by the
    operand values it reads: with a share ``q`` of operands drawn from 0..9 (each 1/10) and the
    rest from 10..99 (each 1/90), one read below 10 weighs ``9q / (1 - q)`` against one above.
    ``q`` is the posterior mean under ``Beta(LOW_OPERAND_PSEUDO, LOW_OPERAND_PSEUDO)`` of the
    catalog's count over the decoded training rows (``decode.operand_counts``; 0 of 5,030 dev
    operands, so about 1e-3). A catalog without the counts weighs every map the same (1.0)."""
    counts = index.get("operands")
    if not counts:
        return 1.0
    a = LOW_OPERAND_PSEUDO
    q = (float(counts["low"]) + a) / (float(counts["total"]) + 2 * a)
    return 9.0 * q / (1.0 - q)


def low_operands(prep: Prepared, sol_map, sol_var, examples) -> np.ndarray:
    """Per solution: how many example operands it reads below 10 (its leading digit, in the
    direction of the example's operation, is 0)."""
    var_rev = np.array([v[0] for v in VARIANTS], dtype=bool)
    n = np.zeros(len(sol_map), dtype=np.int64)
    for src in examples:
        rev = var_rev[sol_var[:, prep.op_ids[src[2]]]]
        for hi, lo in ((src[0], src[1]), (src[3], src[4])):
            d_hi, d_lo = sol_map[:, prep.glyph_ids[hi]], sol_map[:, prep.glyph_ids[lo]]
            n += np.where(rev, d_lo, d_hi) == 0
    return n


def matrix_weights(prior, sol_var, op_items, qop, op_seen, mixed, var_rev, var_name):
    """Per-glyph-class variant prior (the family's own, from its examples only)."""
    n_sol = len(sol_var)
    w_sol = np.ones(n_sol)
    for g, j in op_items:
        w_sol *= prior[glyph_class(g), sol_var[:, j]]
    if op_seen:
        return w_sol, None
    pq = prior[glyph_class(qop)]
    allowed = np.ones((n_sol, len(VARIANTS)), dtype=bool)
    if not mixed:
        allowed &= var_rev[None, :] == var_rev[sol_var[:, 0]][:, None]
    for _, j in op_items:
        allowed &= var_name[None, :] != var_name[sol_var[:, j]][:, None]
    wq = allowed * pq[None, :]
    tot = wq.sum(axis=1, keepdims=True)
    return w_sol, np.divide(wq, tot, out=np.zeros_like(wq), where=tot > 0)


#: ``equations.model.Prior`` objects built from a catalog's ``op_prior``, keyed by the payload
#: dict's identity (kept outside the payload).
_PRIOR_CACHE: dict = {}


def shared_weights(prior_data, sol_var, op_items, qop, op_seen, mixed, use_roles=True):
    """Weights from the prior shared with equation_numeric (``equations.prior``): each operator's
    operation given its glyph class and the groups/offsets of the row's other operators, and the
    reading direction. Computed once per distinct operation combination (few per task)."""
    from ..equations.model import Prior, offset_context, structure_weight
    from ..equations.model import glyph_class as row_class

    hit = _PRIOR_CACHE.get(id(prior_data))
    if hit is None or hit[0] is not prior_data:
        hit = _PRIOR_CACHE[id(prior_data)] = (prior_data, Prior(prior_data))
    prior = hit[1]
    row_glyphs = {g for g, _ in op_items} | {qop}
    gcs = {g: row_class(g, row_glyphs) for g in row_glyphs}
    combos, inverse = np.unique(sol_var, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    cw = np.zeros(len(combos))
    cq = np.zeros((len(combos), len(VARIANTS)))
    for c, combo in enumerate(combos):
        ops = [OPERATIONS[int(combo[j])] for _, j in op_items]
        w = 1.0 if mixed else prior.mode_score(ops[0].reverse)
        for i, ((g, _), op) in enumerate(zip(op_items, ops, strict=True)):
            seen = {o.family for k, o in enumerate(ops) if k != i}
            w *= prior.score(op, gcs[g]) * _repeat(prior, op.family, seen, gcs[g])
        fams = [o.family for o in ops]
        # row structure (distinct roles, normal counts: equations.model.structure_weight);
        # an unseen query operator is weighed with the rest of the row below
        direction = None if mixed else ops[0].reverse
        cw[c] = w * structure_weight("cryptarithm", ops, direction, use_roles, USE_NORMAL_COUNTS and op_seen)
        if not op_seen:
            seen = set(fams)
            ctx = offset_context([[o] for o in ops])
            for v, op in enumerate(OPERATIONS):
                if mixed or op.reverse == ops[0].reverse:
                    cq[c, v] = (prior.score(op, gcs[qop], None, ctx) * _repeat(prior, op.family, seen, gcs[qop])
                                * structure_weight("cryptarithm", ops + [op], direction, use_roles, USE_NORMAL_COUNTS))
            tot = cq[c].sum()
            if tot > 0:
                cq[c] /= tot
    return cw[inverse], (None if op_seen else cq[inverse])


#: Combine the group-repeat table with P(family | glyph class) as a ratio (True, see
#: ``_repeat``); False multiplies the table's P(family | repeat context) in as it is, which counts
#: the family's base rate twice (docs/families/cryptarithm.md, "Priors tried").
REPEAT_RATIO = True


def _repeat(prior, family: str, seen: set, gclass: str) -> float:
    """The group-repeat factor of an operator's family given the other operators' families.

    ``Prior.repeat_score`` is P(family | whether the row's other operators already use it),
    counted over every operator glyph of the rows. ``Prior.score`` already holds
    P(family | glyph class), so multiplying both in counts P(family) twice and makes a rare
    family (``max mod min``: 16% of ``-`` glyphs, 5% of all operators) 8x less likely again.
    The naive-Bayes combination divides by the family's base rate over the same table (same
    ``REPEAT_SMOOTHING``): P(family | glyph class) * P(family | context) / P(family)."""
    return prior.repeat_factor(family, seen, gclass, ratio=REPEAT_RATIO)


#: Down-weight operation combinations whose operators cannot be distinct roles (+, -, *) of one
#: row (``equations.model.ROLES``). Off: it holds on all 487 decoded glyph rows but scored
#: 414/617 held out against 415 without it (2-fold), since the group-repeat prior already
#: excludes nearly every such combination here (docs/families/cryptarithm.md).
USE_ROLES = False


#: Down-weight operation combinations with a number of normal operators the glyph generator never
#: uses (``equations.model.NORMAL_COUNTS``, "cryptarithm"). Off: 417 -> 419/617 in-sample
#: but 415 -> 413 on the 2-fold check, i.e. noise (docs/families/cryptarithm.md).
USE_NORMAL_COUNTS = False
