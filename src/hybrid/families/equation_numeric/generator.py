"""Our own generator of equation_numeric puzzles with known hidden rules (for tests and benchmarks).

It follows the reverse-engineered grammar: one reading direction per row; three roles (``+`` an
addition or a concatenation, ``*`` a multiplication or a concatenation, ``-`` a subtraction or
``max mod min``, ``model.ROLES``) whose operations keep the numbers of normal operators the dev
rows show (``model.NORMAL_COUNTS``: exactly one of three in plain rows, one or two in reversed
rows); one to three of the roles shown, drawn as ``+ - *`` or as other glyphs; 3-5 examples with
random 2-digit operands, and a query whose glyph may or may not appear in the examples.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ...task import Task
from .._equation_ops import OPERATIONS, Operation
from .model import ROLES, Rule, normal_count_ok

__all__ = ["GeneratedTask", "SYMBOLS", "random_rule", "generate"]

SYMBOLS = "!\"#$%&'()*+-/:<>?@[\\]^`{|}"


@dataclass(frozen=True)
class GeneratedTask:
    task: Task
    rule: Rule
    answer: str
    query_seen: bool


#: Glyph drawn for each role in rows written with the ordinary operator symbols.
_ROLE_GLYPH = {"plus": "+", "times": "*", "minus": "-"}


def random_rule(rng: random.Random, n_ops: int | None = None, ops: tuple[Operation, ...] = OPERATIONS,
                max_tries: int = 200) -> Rule:
    """A hidden rule: a reading direction and one operation per role (restricted to ``ops``),
    ``n_ops`` of the three roles shown. The three roles' operations keep an allowed number of
    normal operators whenever ``ops`` makes that possible."""
    reverse = rng.random() < 0.6
    n_ops = n_ops or rng.choice((1, 2, 3))
    pools = {role: [o for o in ops if o.family in fams and o.reverse == reverse] for role, fams in ROLES.items()}
    roles = [r for r in ROLES if pools[r]]
    if len(roles) < n_ops:
        raise ValueError(f"the operations given fill only {len(roles)} roles, {n_ops} requested")
    for attempt in range(max_tries):
        pick = {r: rng.choice(pools[r]) for r in roles}
        if len(roles) < 3 or normal_count_ok("equation_numeric", pick.values(), reverse) or attempt == max_tries - 1:
            break
    shown = rng.sample(roles, n_ops)
    glyphs = [_ROLE_GLYPH[r] for r in shown] if rng.random() < 0.4 else rng.sample(SYMBOLS, n_ops)
    return Rule(reverse, tuple(sorted((g, pick[r].name) for g, r in zip(glyphs, shown, strict=True))))


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
