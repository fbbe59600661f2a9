"""Building the bit_manipulation catalog from the dev rows.

1. Shape priors. A *shape* is the kinds of a rule's literals (rotation / shift left / shift right)
   plus its boolean function ``g``. For each labelled row (examples and answer together) we find
   the smallest arity that explains it and every (literal combination, ``g``) of that arity that
   does, with ``g`` reading all its inputs; the row's unit weight is split evenly over the
   distinct shapes found. Shapes that gather at least ``MIN_WEIGHT`` rows of evidence form the
   vocabulary; the others are left to the CP-SAT fallback.
2. Rules. Every shape is instantiated with every shift/rotation amount, its 256-entry output
   table computed, and rules with identical tables merged (prior = sum of their shapes' weights,
   expression = the simplest). Rows are stored best first (prior, then simplicity), so the
   matching kernel's output is already in rank order.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import numpy as np

from .grammar import KIND, LIT_VALUES, LITERALS, N_LIT, depends_on, rule_table
from .kernels import observed_functions

__all__ = ["MIN_WEIGHT", "shape_weights", "build_payload", "complexity"]

#: Rows of evidence a shape needs to enter the catalog.
MIN_WEIGHT = 1.0
KIND_NAMES = ("rol", "shl", "shr")
_COMBOS = {m: np.array(list(itertools.combinations(range(N_LIT), m)), dtype=np.int64) for m in (1, 2, 3)}


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


def shape_of(lits, g) -> tuple:
    return (tuple(KIND_NAMES[int(KIND[lit])] for lit in lits), int(g))


def shape_weights(tasks) -> tuple[dict, dict]:
    """Shape -> rows of evidence (fractional), and the count of rows by smallest arity."""
    weights: dict = defaultdict(float)
    by_arity: dict = defaultdict(int)
    for task in tasks:
        answer = task.meta.get("answer")
        if answer is None:
            continue
        xs = [int(e.source, 2) for e in task.examples] + [int(task.query, 2)]
        ys = [int(e.target, 2) for e in task.examples] + [int(answer, 2)]
        m, found = explanations(xs, ys)
        by_arity[m] += 1
        shapes = sorted({shape_of(lits, g) for lits, g in found})
        for s in shapes:
            weights[s] += 1.0 / len(shapes)
    return dict(weights), dict(by_arity)


def complexity(lits, arity: int) -> int:
    """Fewer literals first, then smaller shift/rotation amounts."""
    return 100 * arity + sum(int(LITERALS[lit][3:]) for lit in lits[:arity])


def build_payload(tasks, min_weight: float = MIN_WEIGHT):
    weights, by_arity = shape_weights(tasks)
    vocab = sorted((s, round(w, 6)) for s, w in weights.items() if w >= min_weight)
    groups: dict[bytes, list] = {}
    for (kinds, g), w in vocab:
        m = len(kinds)
        pools = [[lit for lit in range(N_LIT) if KIND_NAMES[int(KIND[lit])] == k] for k in kinds]
        for lits in itertools.product(*pools):
            if any(lits[i] >= lits[i + 1] for i in range(m - 1)):
                continue
            full = list(lits) + [0] * (3 - m)
            table = rule_table(full[0], full[1], full[2], m, g)
            rule = (full[0], full[1], full[2], m, g)
            groups.setdefault(table.tobytes(), []).append((complexity(full, m), rule, w))
    entries = []
    for key in sorted(groups):
        members = sorted(groups[key])
        prior = round(sum(w for _, _, w in members), 6)
        cx, rule, _ = members[0]
        entries.append((-prior, cx, rule, key))
    entries.sort()
    n = len(entries)
    tables = np.frombuffer(b"".join(e[3] for e in entries), dtype=np.uint8).reshape(n, 256).copy()
    rules = np.array([e[2] for e in entries], dtype=np.uint8).reshape(n, 5)
    prior = np.array([-e[0] for e in entries], dtype=np.float64)
    cx = np.array([e[1] for e in entries], dtype=np.int32)
    payload = {
        "tables": tables,
        "rules": rules,
        "prior": prior,
        "complexity": cx,
        "shapes": [[list(kinds), g, w] for (kinds, g), w in vocab],
    }
    params = {
        "entries": n,
        "min_weight": min_weight,
        "rows": sum(by_arity.values()),
        "rows_by_min_arity": {str(k): v for k, v in sorted(by_arity.items())},
        "shapes_seen": len(weights),
        "shapes_kept": len(vocab),
        "literals": list(LITERALS),
    }
    return payload, params
