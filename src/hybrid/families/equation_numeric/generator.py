"""Our own generator of equation_numeric puzzles with known hidden rules (for tests and benchmarks).

It follows the reverse-engineered grammar: one reading direction per row, one to three operator
glyphs whose operations come from different families, 3-5 examples with random 2-digit operands,
and a query whose glyph may or may not appear in the examples.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ...task import Task
from .._equation_ops import FAMILIES, OPERATIONS, Operation
from .model import Rule

__all__ = ["GeneratedTask", "SYMBOLS", "random_rule", "generate"]

SYMBOLS = "!\"#$%&'()*+-/:<>?@[\\]^`{|}"


@dataclass(frozen=True)
class GeneratedTask:
    task: Task
    rule: Rule
    answer: str
    query_seen: bool


def random_rule(rng: random.Random, n_ops: int | None = None, ops: tuple[Operation, ...] = OPERATIONS) -> Rule:
    reverse = rng.random() < 0.6
    n_ops = n_ops or rng.choice((1, 2, 3))
    glyphs = rng.sample("+-*", n_ops) if rng.random() < 0.4 else rng.sample(SYMBOLS, n_ops)
    fams = rng.sample([f for f in FAMILIES if any(o.family == f for o in ops)], n_ops)
    assign = []
    for g, f in zip(glyphs, fams, strict=True):
        choices = [o for o in ops if o.family == f and o.reverse == reverse]
        assign.append((g, rng.choice(choices).name))
    return Rule(reverse, tuple(sorted(assign)))


def generate(rng: random.Random, rule: Rule | None = None, n_examples: int | None = None,
             query_seen: bool | None = None, max_tries: int = 100) -> GeneratedTask:
    """A task whose examples follow ``rule`` (random when None); every glyph but possibly the
    query's appears in the examples."""
    rule = rule or random_rule(rng)
    glyphs = [g for g, _ in rule.ops]
    n_examples = n_examples or rng.randint(3, 5)
    for _ in range(max_tries):
        qg = rng.choice(glyphs)
        seen = (len(glyphs) == 1 or rng.random() < 0.8) if query_seen is None else query_seen
        if not seen and len(glyphs) == 1:
            seen = True
        pool = glyphs if seen else [g for g in glyphs if g != qg]
        if len(pool) > n_examples:
            continue
        ex_glyphs = list(pool) + [rng.choice(pool) for _ in range(n_examples - len(pool))]
        rng.shuffle(ex_glyphs)
        pairs = []
        for g in ex_glyphs + [qg]:
            a, b = f"{rng.randrange(100):02d}", f"{rng.randrange(100):02d}"
            res = rule.op(g).fn(a, b, g)
            if res is None:
                break
            pairs.append((f"{a}{g}{b}", res))
        else:
            query, answer = pairs.pop()
            task = Task.from_pairs("equation_numeric", pairs, query)
            return GeneratedTask(task, rule, answer, qg in ex_glyphs)
    raise RuntimeError("could not generate a task for this rule")
