"""Our own generator of random bit_manipulation puzzles, drawn from the reverse-engineered grammar.

A shape (literal kinds + boolean function) is drawn with the probability the dev rows give it,
its shift/rotation amounts uniformly, then 7-10 distinct random inputs and a distinct query, as
the real prompts have. Used by the property tests and the benchmark.
"""

from __future__ import annotations

import random

from ...task import Task
from .catalog import KIND_NAMES
from .grammar import KIND, N_LIT, apply_rule, rule_text

__all__ = ["random_rule", "random_task"]


def random_rule(rng: random.Random, shapes) -> tuple[int, int, int, int, int]:
    """A rule (l1, l2, l3, arity, g) from ``shapes`` = [[kinds, g, weight], ...] (catalog payload)."""
    weights = [float(s[2]) for s in shapes]
    kinds, g, _ = rng.choices(shapes, weights=weights, k=1)[0]
    m = len(kinds)
    while True:
        lits = [rng.choice([lit for lit in range(N_LIT) if KIND_NAMES[int(KIND[lit])] == k]) for k in kinds]
        if all(lits[i] < lits[i + 1] for i in range(m - 1)):
            break
    full = lits + [0] * (3 - m)
    return full[0], full[1], full[2], m, int(g)


def random_task(rng: random.Random, shapes, n_examples: int | None = None):
    """(task, hidden answer, rule, rule text)."""
    rule = random_rule(rng, shapes)
    n = n_examples or rng.randint(7, 10)
    inputs = rng.sample(range(256), n + 1)
    xs, q = inputs[:n], inputs[n]
    pairs = [(format(x, "08b"), format(apply_rule(*rule, x), "08b")) for x in xs]
    task = Task.from_pairs("bit_manipulation", pairs, format(q, "08b"))
    return task, format(apply_rule(*rule, q), "08b"), rule, rule_text(*rule)
