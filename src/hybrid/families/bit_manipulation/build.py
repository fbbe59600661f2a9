"""Building the bit_manipulation catalog from the dev rows.

1. Explanations. For each labelled row (examples and answer together) we find the smallest arity
   that explains it and every rule (literal combination, ``g``) of that arity that does, with
   ``g`` reading all its inputs.
2. Prior, learned by EM over those explanations. A rule's prior is
   ``P(shape) * prod_i P(amount_i | arity, kind_i)``, a *shape* being the kinds of its literals
   (rotation / shift left / shift right) plus ``g``. Each row's unit weight is split over its
   explanations in proportion to their current prior (the first pass splits evenly over shapes
   and ignores amounts), and shape weights and amount counts are re-estimated from the split.
   Amount distributions are per (arity, kind), smoothed toward the kind's pooled distribution,
   itself smoothed toward uniform, so ``rol 0`` (never seen) keeps a small non-zero probability.
3. Coverage. Beyond the shapes the rows support, the catalog also holds every shape of the
   grammar's arity <= 2 and every ``g`` of three inputs over one rotation, one left shift and one
   right shift (the only 3-literal kind triple seen), each with a smoothed weight of
   ``UNSEEN_WEIGHT`` rows: an unseen puzzle of a rare shape is then recalled here instead of
   falling to the much weaker per-bit CP-SAT fallback, and ranks below every seen shape.
4. Rules. Every shape is instantiated with every amount, its 256-entry output table computed, and
   rules with identical tables merged (prior = sum of the members' priors, expression = the
   simplest). Rows are stored best first (prior, then simplicity), so the matching kernel's
   output is already in rank order.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import numpy as np

from .grammar import KIND, LIT_VALUES, LITERALS, N_LIT, depends_on
from .kernels import observed_functions

__all__ = ["MIN_WEIGHT", "UNSEEN_WEIGHT", "EM_ITERATIONS", "explanations", "row_explanations", "learn_prior",
           "shape_weights", "coverage_shapes", "build_payload", "complexity", "shape_of"]

#: Rows of evidence a seen shape needs to enter the catalog (0: every seen shape).
MIN_WEIGHT = 0.0
#: Weight (in rows) given to a shape of the coverage set that no row supports.
UNSEEN_WEIGHT = 0.01
#: EM passes; the weights stop moving (< 1e-3 rows) well before.
EM_ITERATIONS = 30
#: Pseudo-counts pulling an (arity, kind) amount distribution toward the kind's pooled one, and
#: the pooled one toward uniform.
AMOUNT_SMOOTHING = 20.0
POOLED_SMOOTHING = 0.5
KIND_NAMES = ("rol", "shl", "shr")
_COMBOS = {m: np.array(list(itertools.combinations(range(N_LIT), m)), dtype=np.int64) for m in (1, 2, 3)}
_AMOUNT = np.array([int(name[3:]) for name in LITERALS], dtype=np.int64)


def _completions(s0: int, s1: int, arity: int):
    free = [e for e in range(1 << arity) if not ((s0 | s1) >> e) & 1]
    for bits in range(1 << len(free)):
        g = s1
        for i, e in enumerate(free):
            if (bits >> i) & 1:
                g |= 1 << e
        yield g


def explanations(xs, ys, max_arity: int = 3):
    """(arity, [(literals, g), ...]): every rule of the smallest arity that reproduces xs -> ys,
    with g depending on all its inputs. Empty list when no rule of arity <= max_arity does."""
    lv = LIT_VALUES.astype(np.int64)
    xs = np.asarray(xs, dtype=np.int64)
    ys = np.asarray(ys, dtype=np.int64)
    for m in range(1, max_arity + 1):
        combos = _COMBOS[m]
        s0 = np.zeros(len(combos), np.int64)
        s1 = np.zeros(len(combos), np.int64)
        observed_functions(lv, combos, xs, ys, s0, s1)
        found = []
        for c in np.nonzero((s0 & s1) == 0)[0]:
            for g in _completions(int(s0[c]), int(s1[c]), m):
                if all(depends_on(m, g, i) for i in range(m)):
                    found.append((tuple(int(v) for v in combos[c]), g))
        if found:
            return m, found
    return 0, []


def row_explanations(tasks) -> list[tuple[int, list]]:
    """``explanations`` of each labelled task, its answer counted as one more example."""
    out = []
    for task in tasks:
        answer = task.meta.get("answer")
        if answer is None:
            continue
        xs = [int(e.source, 2) for e in task.examples] + [int(task.query, 2)]
        ys = [int(e.target, 2) for e in task.examples] + [int(answer, 2)]
        out.append(explanations(xs, ys))
    return out


def shape_of(lits, g) -> tuple:
    """A rule's shape: the kinds of its literals (shl, shr, rol, ...) and its boolean function number."""
    return (tuple(KIND_NAMES[int(KIND[lit])] for lit in lits), int(g))


def _uniform_amounts() -> dict:
    out = {}
    for m in (1, 2, 3):
        for k, name in enumerate(KIND_NAMES):
            p = np.zeros(8)
            p[0 if name == "rol" else 1:] = 1.0
            out[(m, k)] = p / p.sum()
    return out


def _amount_prob(amounts: dict, lits, m: int) -> float:
    p = 1.0
    for lit in lits:
        p *= amounts[(m, int(KIND[lit]))][int(_AMOUNT[lit])]
    return p


def _estimate_amounts(counts: dict) -> dict:
    """Smoothed P(amount | arity, kind) from fractional counts {(arity, kind): array(8)}."""
    uniform = _uniform_amounts()
    out = {}
    for k in range(3):
        pooled = sum(counts[(m, k)] for m in (1, 2, 3))
        pooled = (pooled + POOLED_SMOOTHING * 8 * uniform[(1, k)]) / (pooled.sum() + POOLED_SMOOTHING * 8)
        for m in (1, 2, 3):
            c = counts[(m, k)]
            out[(m, k)] = (c + AMOUNT_SMOOTHING * pooled) / (c.sum() + AMOUNT_SMOOTHING)
    return out


def learn_prior(rows, iterations: int = EM_ITERATIONS, use_amounts: bool = True) -> tuple[dict, dict]:
    """(shape -> rows of evidence, (arity, kind) -> P(amount)) learned by EM from ``rows`` =
    ``row_explanations(...)``. With ``use_amounts=False`` the amounts stay uniform and the shape
    weights are the even split of the first pass (the previous, shape-only prior)."""
    amounts = _uniform_amounts()
    weights: dict = defaultdict(float)
    for _, found in rows:  # first pass: split evenly over the distinct shapes
        shapes = sorted({shape_of(lits, g) for lits, g in found})
        for s in shapes:
            weights[s] += 1.0 / len(shapes)
    if not use_amounts:
        return dict(weights), amounts
    for _ in range(iterations):
        new_w: dict = defaultdict(float)
        counts = {(m, k): np.zeros(8) for m in (1, 2, 3) for k in range(3)}
        for m, found in rows:
            if not found:
                continue
            post = np.array([weights[shape_of(lits, g)] * _amount_prob(amounts, lits, m) for lits, g in found])
            total = post.sum()
            post = post / total if total > 0 else np.full(len(found), 1.0 / len(found))
            for (lits, g), p in zip(found, post, strict=True):
                new_w[shape_of(lits, g)] += p
                for lit in lits:
                    counts[(m, int(KIND[lit]))][int(_AMOUNT[lit])] += p
        weights = new_w
        amounts = _estimate_amounts(counts)
    return dict(weights), amounts


def shape_weights(tasks) -> tuple[dict, dict]:
    """Shape -> rows of evidence (EM, fractional), and the count of rows by smallest arity."""
    rows = row_explanations(tasks)
    weights, _ = learn_prior(rows)
    by_arity: dict = defaultdict(int)
    for m, _ in rows:
        by_arity[m] += 1
    return weights, dict(by_arity)


def coverage_shapes() -> list[tuple]:
    """Every arity-1 and arity-2 shape of the grammar, and every 3-input g over (rol, shl, shr)."""
    out = []
    for m, kind_sets in ((1, [(k,) for k in KIND_NAMES]),
                         (2, list(itertools.combinations_with_replacement(KIND_NAMES, 2))),
                         (3, [("rol", "shl", "shr")])):
        for kinds in kind_sets:
            for g in range(1 << (1 << m)):
                if all(depends_on(m, g, i) for i in range(m)):
                    out.append((tuple(kinds), g))
    return out


def complexity(lits, arity: int) -> int:
    """Fewer literals first, then smaller shift/rotation amounts."""
    return 100 * arity + sum(int(LITERALS[lit][3:]) for lit in lits[:arity])


def rank_score(prior: float, cx: int) -> float:
    """The default recaller's score (``hybrid.recall.PriorRecaller``): storing entries in this
    order makes the kernel's first match the pipeline's top hypothesis."""
    return math.log(max(prior, 1e-300)) - 1e-6 * cx


def _minterms(lits) -> np.ndarray:
    """(2**m, 256) masks: bit j of mask e is set where the literals' bits at j spell e."""
    m = len(lits)
    vals = [LIT_VALUES[lit].astype(np.int64) for lit in lits]
    out = np.zeros((1 << m, 256), dtype=np.int64)
    for e in range(1 << m):
        mask = np.full(256, 255, dtype=np.int64)
        for i, v in enumerate(vals):
            mask &= v if (e >> (m - 1 - i)) & 1 else (255 - v)
        out[e] = mask
    return out


def _tables(lits, gs: np.ndarray) -> np.ndarray:
    """Output tables (len(gs), 256) of the functions ``gs`` over the literals ``lits``."""
    masks = _minterms(lits)
    out = np.zeros((len(gs), 256), dtype=np.int64)
    for e in range(len(masks)):
        on = ((gs >> e) & 1).astype(bool)
        out[on] |= masks[e]
    return out.astype(np.uint8)


def _vocabulary(weights: dict, min_weight: float, unseen_weight: float, coverage: bool) -> list:
    vocab = {s: round(w, 6) for s, w in weights.items() if w >= min_weight and w > 0}
    if coverage:
        for s in coverage_shapes():
            vocab.setdefault(s, unseen_weight)
    return sorted(vocab.items())


def _instantiate(vocab: list) -> tuple[list, dict]:
    """Every rule of the vocabulary shapes: (members, table -> member ids). A member is
    (complexity, rule, shape index, literals)."""
    by_kinds: dict = defaultdict(list)
    for si, (kinds, g) in enumerate(vocab):
        by_kinds[kinds].append((g, si))
    members: list = []
    groups: dict[bytes, list] = defaultdict(list)
    for kinds in sorted(by_kinds):
        m = len(kinds)
        gs = np.array([g for g, _ in by_kinds[kinds]], dtype=np.int64)
        pools = [[lit for lit in range(N_LIT) if KIND_NAMES[int(KIND[lit])] == k] for k in kinds]
        for lits in itertools.product(*pools):
            if any(lits[i] >= lits[i + 1] for i in range(m - 1)):
                continue
            full = list(lits) + [0] * (3 - m)
            cx = complexity(full, m)
            for t, (g, si) in zip(_tables(lits, gs), by_kinds[kinds], strict=True):
                groups[t.tobytes()].append(len(members))
                members.append((cx, (full[0], full[1], full[2], m, g), si, lits))
    return members, groups


def _member_slots(members) -> np.ndarray:
    """(n, 3): each literal's (arity, kind, amount) slot in a flat 72-array; 72 pads (factor 1)."""
    slots = np.full((len(members), 3), 72, dtype=np.int64)
    for i, (_, rule, _, lits) in enumerate(members):
        for j, lit in enumerate(lits):
            slots[i, j] = (rule[3] - 1) * 24 + int(KIND[lit]) * 8 + int(_AMOUNT[lit])
    return slots


def _member_priors(members, shape_w: np.ndarray, amounts: dict | None, slots=None) -> np.ndarray:
    """Each member's prior: its shape's weight times its amounts' probabilities (``amounts``
    None: the shape weight alone, every instantiation counting fully)."""
    mem_shape = np.array([si for _, _, si, _ in members], dtype=np.int64)
    if amounts is None:
        return shape_w[mem_shape]
    slots = _member_slots(members) if slots is None else slots
    flat = np.ones(73)
    for (m, k), p in amounts.items():
        flat[(m - 1) * 24 + k * 8:(m - 1) * 24 + k * 8 + 8] = p
    return shape_w[mem_shape] * flat[slots].prod(axis=1)


def _consistent_entries(tables: np.ndarray, rows_io) -> list[np.ndarray]:
    """For each labelled row (inputs, outputs, examples and answer together), the entries whose
    table reproduces all of it."""
    from .kernels import match_tables

    out = []
    cap = len(tables)
    idx = np.empty(cap, np.int64)
    ans = np.empty(cap, np.uint8)
    for xs, ys in rows_io:
        n = match_tables(tables, np.asarray(xs, np.int64), np.asarray(ys, np.uint8), 0, idx, ans)
        out.append(idx[:n].copy())
    return out


def _em_all_arities(members, entry_members, consistent, vocab, init_w: np.ndarray, smoothing: float,
                    iterations: int, use_amounts: bool):
    """EM over every consistent rule of every arity (not only the smallest): a row that
    ``rotl(x,6)`` explains is also explained by ``rotl(x,6) | (x >> 7)`` when no example sets the
    bit the OR would add, and its weight is split between them in proportion to their prior."""
    n_mem = len(members)
    mem_shape = np.array([si for _, _, si, _ in members], dtype=np.int64)
    # member -> (arity, kind, amount) slot of each literal, for the amount counts
    slots = _member_slots(members)
    used = slots < 72
    slot_rows = np.nonzero(used)[0]
    slot_ids = slots[used]
    row_of, mem_of = [], []
    for r, ents in enumerate(consistent):
        mems = [m for e in ents.tolist() for m in entry_members[e]]
        row_of.extend([r] * len(mems))
        mem_of.extend(mems)
    row_of = np.array(row_of, np.int64)
    mem_of = np.array(mem_of, np.int64)
    shape_w = init_w.copy()
    amounts = _uniform_amounts()
    for _ in range(iterations):
        mp = _member_priors(members, shape_w, amounts if use_amounts else None, slots)
        p = mp[mem_of]
        z = np.bincount(row_of, p, minlength=len(consistent))
        resp = p / np.where(z > 0, z, 1.0)[row_of]
        mem_resp = np.bincount(mem_of, resp, minlength=n_mem)
        shape_w = np.bincount(mem_shape, mem_resp, minlength=len(vocab)) + smoothing
        if use_amounts:
            sc = np.bincount(slot_ids, mem_resp[slot_rows], minlength=72).reshape(3, 3, 8)
            amounts = _estimate_amounts({(m, k): sc[m - 1, k] for m in (1, 2, 3) for k in range(3)})
    return shape_w, amounts


def build_payload(tasks, min_weight: float = MIN_WEIGHT, unseen_weight: float = UNSEEN_WEIGHT,
                  coverage: bool = True, use_amounts: bool = False, all_arities: bool = False, rows=None,
                  rows_io=None):
    """(payload, params) of the catalog. ``rows`` / ``rows_io`` (precomputed ``row_explanations``
    and the rows' (inputs, outputs)) and the keyword switches exist for the 2-fold comparison
    script (benchmarks/bench_bit_manipulation.py --twofold); the defaults are what ships."""
    tasks = list(tasks or [])
    rows = row_explanations(tasks) if rows is None else rows
    if rows_io is None:
        rows_io = [([int(e.source, 2) for e in t.examples] + [int(t.query, 2)],
                    [int(e.target, 2) for e in t.examples] + [int(t.meta["answer"], 2)])
                   for t in tasks if t.meta.get("answer") is not None]
    weights, amounts = learn_prior(rows, use_amounts=use_amounts)
    by_arity: dict = defaultdict(int)
    for m, _ in rows:
        by_arity[m] += 1
    vocab_w = _vocabulary(weights, min_weight, unseen_weight, coverage)
    vocab = [s for s, _ in vocab_w]
    init_w = np.array([w for _, w in vocab_w], dtype=np.float64)
    members, groups = _instantiate(vocab)
    keys = sorted(groups)
    entry_members = [groups[k] for k in keys]
    shape_w = init_w
    if all_arities:
        tables0 = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 256)
        consistent = _consistent_entries(tables0, rows_io)
        shape_w, amounts = _em_all_arities(members, entry_members, consistent, vocab, init_w,
                                           unseen_weight, EM_ITERATIONS, use_amounts)
    mp = _member_priors(members, shape_w, amounts if use_amounts else None)
    entries = []
    for key, mems in zip(keys, entry_members, strict=True):
        best = min(mems, key=lambda i: (members[i][0], members[i][1]))
        prior = float(np.sum(mp[sorted(mems)]))
        cx, rule = members[best][0], members[best][1]
        entries.append((-rank_score(prior, cx), cx, rule, key, prior))
    entries.sort()
    n = len(entries)
    tables = np.frombuffer(b"".join(e[3] for e in entries), dtype=np.uint8).reshape(n, 256).copy()
    rules = np.array([e[2] for e in entries], dtype=np.uint8).reshape(n, 5)
    prior = np.array([e[4] for e in entries], dtype=np.float64)
    cx = np.array([e[1] for e in entries], dtype=np.int32)
    seen = [(s, round(float(w), 6)) for s, w in zip(vocab, shape_w, strict=True)]
    payload = {
        "tables": tables,
        "rules": rules,
        "prior": prior,
        "complexity": cx,
        "shapes": [[list(kinds), g, w] for (kinds, g), w in seen],
        "amounts": {f"{m}{KIND_NAMES[k]}": [round(float(v), 6) for v in p] for (m, k), p in sorted(amounts.items())},
    }
    params = {
        "entries": n,
        "min_weight": min_weight,
        "unseen_weight": unseen_weight,
        "coverage": coverage,
        "amounts": use_amounts,
        "all_arities": all_arities,
        "em_iterations": EM_ITERATIONS,
        "rows": sum(by_arity.values()),
        "rows_by_min_arity": {str(k): v for k, v in sorted(by_arity.items())},
        "shapes_seen": len(weights),
        "shapes_kept": len(vocab),
        "literals": list(LITERALS),
    }
    return payload, params
