"""Generator of ``equation_numeric`` puzzles, in the data's exact wording, with gold answers.

The draw (``generate_puzzle``), measured on the 549 dev rows with each row's answer added as one
more line (``docs/families/equation_numeric.md``, "Generator", has the dev vs generated table).
A row is ``AB?CD = result`` lines written with three *roles* (``model.ROLES``): ``plus`` (an
addition or a concatenation), ``times`` (a multiplication or a concatenation) and ``minus`` (a
subtraction or ``max mod min``). Each row draws, in this order:

* a **mode** (counts = expected dev rows, from EM over every role assignment that fits the row):
  plain reading with other glyphs 179.7, reversed reading with other glyphs 173.3, reversed
  reading with the glyphs ``+ * -`` 196.0 (no dev row is read plainly with ``+ * -``);
* which roles keep their **normal** operation (``a+b``, ``a*b``, ``a-b``; ``model.is_normal``):
  exactly one in the two modes above, plus / times / minus 49.1 / 67.1 / 63.5 (plain) and
  71.9 / 55.0 / 69.1 (reversed ``+ * -``); one or two with reversed other glyphs (p 32.6,
  t 18.2, pt 58.5, pm 36.3, tm 27.7, never minus alone: ``NORMAL_SETS``);
* for every other role a **twist** with the weights of ``TWISTS`` (e.g. plain plus: ``a+b+1``
  48.5, concat 43.0, ``a+b-1`` 39.1);
* the **glyphs**: ``+ * -`` for their own roles in the third mode; otherwise three distinct
  glyphs from the 26 of ``SYMBOLS``, ``+ - *`` weighted 1.85x (``GLYPH_WEIGHTS``: they are 163
  of the 902 glyphs of dev rows with other glyphs; a mixed row can come out all ``+ - *`` by
  chance, then with non-canonical roles, as 3 dev rows are);
* 3, 4 or 5 **examples** (190 / 175 / 184 rows), each line's role drawn evenly from the three
  (rows show 1 / 2 / 3 glyphs: 11 / 226 / 312); the **query**'s role is, with probability
  ``QUERY_REUSE`` = 0.175, that of a random example line and otherwise drawn evenly: even draws
  alone predict the query's glyph among the examples in 433.9 rows, dev has 454 (76% / 83% /
  89% for 3 / 4 / 5 examples; the mixture gives 76% / 84% / 89%);
* **operands** uniform on 10..99 as read: printed as is in plain rows (never a leading zero),
  digit-reversed in reversed rows (never a trailing zero; ``07`` is 70); results printed by
  ``equations.operations.format_result`` (negative results carry the operator glyph, before or after
  the digits per operation; reversed results keep their leading zeros).

``uniform=True`` draws evenly over the rule space instead: reading direction, glyph style
(``+ * -`` or three of the 26 symbols, evenly) and every role's operation evenly over the catalog
variants of its role (5 / 5 / 8 per direction, no limit on normal roles), the query's role evenly.

The older ``random_rule`` / ``generate`` (a looser grammar used by the unit and adversarial
tests) are kept unchanged.

>>> import random
>>> p = generate_puzzle(random.Random(1))
>>> print(render_prompt(p.task))
In Alice's Wonderland, a secret set of transformation rules is applied to equations. Below are a few examples:
99-67 = 165
44+39 = 4439
85-23 = 107
50+13 = 5013
12+13 = 1213
Now, determine the result for: 93-79
>>> p.answer, p.rule
('171', "plain reading; '+' = concat(a,b); '-' = a+b-1")
"""


from __future__ import annotations

import random
from dataclasses import dataclass

from ...task import Task
from ..base import Puzzle
from ..equations.model import ROLES, Rule, consistent_ops, is_normal, lines_by_glyph, normal_count_ok
from ..equations.operations import BY_NAME, OPERATIONS, Operation

__all__ = ["GeneratedTask", "SYMBOLS", "random_rule", "generate", "HEADER", "QUERY", "MODES", "NORMAL_SETS",
           "TWISTS", "GLYPH_WEIGHTS", "N_EXAMPLES", "N_EXAMPLES_WEIGHTS", "QUERY_REUSE", "OPERAND_RANGE",
           "draw_row_rule", "generate_puzzle", "render_prompt", "features", "example_features"]

SYMBOLS = "!\"#$%&'()*+-/:<>?@[\\]^`{|}"


@dataclass(frozen=True)
class GeneratedTask:
    """A task from the older ``generate``: the task, its rule, the gold answer and whether the
    query's glyph appears in the examples."""

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
    query's appears in the examples. The older, looser grammar (random 2-digit operands, glyphs
    and roles drawn evenly): ``generate_puzzle`` draws as the data does."""
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


# ---------------------------------------------------------------------------- the data's draw
HEADER = ("In Alice's Wonderland, a secret set of transformation rules is applied to equations. "
          "Below are a few examples:")
QUERY = "Now, determine the result for: {}"

#: Row modes ``(reverse, standard glyphs)`` and their weights (expected dev rows, EM over every
#: role assignment that fits each dev row with its answer).
MODES: dict[tuple[bool, bool], float] = {(False, False): 179.7, (True, False): 173.3, (True, True): 196.0}

_ROLE_ORDER = ("plus", "times", "minus")

#: Which roles keep their normal operation, per mode: ``{mode: {roles: weight}}`` (EM counts; the
#: pinned 3-glyph dev rows agree: plain p 19 / t 34 / m 13; reversed ``+ * -`` p 22 / t 21 /
#: m 14; reversed other glyphs p 20, t 7, pt 17, pm 5, tm 2, never m alone, none or all three).
NORMAL_SETS: dict[tuple[bool, bool], dict[tuple[str, ...], float]] = {
    (False, False): {("plus",): 49.1, ("times",): 67.1, ("minus",): 63.5},
    (True, True): {("plus",): 71.9, ("times",): 55.0, ("minus",): 69.1},
    (True, False): {("plus",): 32.6, ("times",): 18.2, ("plus", "times"): 58.5, ("plus", "minus"): 36.3,
                    ("times", "minus"): 27.7},
}

#: Operation of a role that is not normal: ``{mode: {role: {operation name: weight}}}`` (EM
#: counts). The two concatenations are the same printed functions in both directions (``rcat``
#: plain = ``rev:cat``), so EM files them under the reversed names.
TWISTS: dict[tuple[bool, bool], dict[str, dict[str, float]]] = {
    (False, False): {
        "plus": {"add+1": 48.5, "cat": 43.0, "add-1": 39.1},
        "times": {"cat": 39.7, "mul-1": 39.6, "mul+1": 33.2},
        "minus": {"absdiff": 41.6, "maxmod": 39.7, "negabsdiff": 34.9},
    },
    (True, False): {
        "plus": {"rev:add-1": 13.0, "rev:add+1": 11.8, "rev:rcat": 11.3, "rev:cat": 9.7},
        "times": {"rev:mul-1": 29.8, "rev:mul+1": 18.4, "rev:rcat": 11.7, "rev:cat": 9.0},
        "minus": {"rev:rsub[suf]": 45.1, "rev:maxmod": 23.5, "rev:absdiff": 23.4, "rev:negabsdiff[suf]": 12.6,
                  "rev:negabsdiff": 4.7},
    },
    (True, True): {
        "plus": {"rev:cat": 50.8, "rev:add-1": 37.8, "rev:add+1": 35.5},
        "times": {"rev:cat": 52.2, "rev:mul+1": 49.6, "rev:mul-1": 39.2},
        "minus": {"rev:negabsdiff": 57.5, "rev:maxmod": 40.9, "rev:absdiff": 28.5},
    },
}

_NORMAL = {(rev, role): ("rev:" if rev else "") + base
           for rev in (False, True) for role, base in (("plus", "add"), ("times", "mul"), ("minus", "sub"))}

#: Weight of each of the 26 ``SYMBOLS`` in rows not written with ``+ * -``: dev rows of that kind
#: show each of ``+ - *`` 54.3 times on average and every other symbol 32.1 times (1.7x); 1.85
#: gives the dev share of ``+ - *`` among their glyphs, 18.1% (163 of 902), once three glyphs
#: are drawn without replacement and rows that come out all ``+ - *`` are counted as such.
GLYPH_WEIGHTS: dict[str, float] = {g: (1.85 if g in "+-*" else 1.0) for g in SYMBOLS}

N_EXAMPLES = (3, 4, 5)
#: How often the dev rows show 3, 4 and 5 examples.
N_EXAMPLES_WEIGHTS = (190, 175, 184)
#: Probability that the query reuses the role of a random example line instead of an even draw.
QUERY_REUSE = 0.175
#: Operand values as read (in the row's reading direction): 10..99, evenly.
OPERAND_RANGE = (10, 99)


def _weighted(rng: random.Random, table: dict):
    keys = list(table)
    return rng.choices(keys, [table[k] for k in keys])[0]


def _distinct_glyphs(rng: random.Random, k: int, uniform: bool) -> list[str]:
    pool = dict(GLYPH_WEIGHTS) if not uniform else {g: 1.0 for g in SYMBOLS}
    out = []
    for _ in range(k):
        g = _weighted(rng, pool)
        out.append(g)
        del pool[g]
    return out


def draw_row_rule(rng: random.Random, *, uniform: bool = False) -> tuple[bool, dict[str, str], dict[str, str]]:
    """``(reverse, {role: operation name}, {role: glyph})`` for one row (see the module docstring)."""
    if uniform:
        reverse, standard = rng.random() < 0.5, rng.random() < 0.5
        ops = {r: rng.choice([o.name for o in OPERATIONS if o.reverse == reverse and o.family in ROLES[r]])
               for r in _ROLE_ORDER}
    else:
        reverse, standard = _weighted(rng, MODES)
        normal = _weighted(rng, NORMAL_SETS[(reverse, standard)])
        ops = {r: _NORMAL[(reverse, r)] if r in normal else _weighted(rng, TWISTS[(reverse, standard)][r])
               for r in _ROLE_ORDER}
    glyphs = dict(zip(_ROLE_ORDER, "+*-" if standard else _distinct_glyphs(rng, 3, uniform), strict=True))
    return reverse, ops, glyphs


def _operand(rng: random.Random, reverse: bool) -> str:
    s = str(rng.randint(*OPERAND_RANGE))
    return s[::-1] if reverse else s


def generate_puzzle(rng: random.Random, *, uniform: bool = False, n_examples: int | None = None) -> Puzzle:
    """One puzzle drawn as the dev rows are (``uniform=True``: evenly over the rule space); the
    rule text names the row's reading direction and its glyphs' operations."""
    reverse, ops, glyphs = draw_row_rule(rng, uniform=uniform)
    if n_examples is None:
        n_examples = rng.choice(N_EXAMPLES) if uniform else rng.choices(N_EXAMPLES, N_EXAMPLES_WEIGHTS)[0]
    roles = [rng.choice(_ROLE_ORDER) for _ in range(n_examples)]
    reuse = not uniform and roles and rng.random() < QUERY_REUSE
    qrole = rng.choice(roles) if reuse else rng.choice(_ROLE_ORDER)
    lines = []
    for role in [*roles, qrole]:
        a, b, g = _operand(rng, reverse), _operand(rng, reverse), glyphs[role]
        lines.append((f"{a}{g}{b}", BY_NAME[ops[role]].fn(a, b, g)))
    (query, answer) = lines.pop()
    task = Task.from_pairs("equation_numeric", lines, query)
    rule = Rule(reverse, tuple(sorted({(glyphs[r], ops[r]) for r in [*roles, qrole]})))
    return Puzzle(task, answer, rule.text())


def render_prompt(task: Task) -> str:
    """The prompt exactly as the data prints it."""
    return "\n".join([HEADER, *(f"{e.source} = {e.target}" for e in task.examples), QUERY.format(task.query)])


# ---------------------------------------------------------------------------- dev vs generated
def _directions(pairs) -> str:
    by = lines_by_glyph(pairs)
    fits = [rev for rev in (False, True) if all(consistent_ops(ls, g, rev) for g, ls in by.items())]
    return {(False,): "plain", (True,): "reversed", (False, True): "both"}.get(tuple(fits), "neither")


def _sign(res: str, g: str) -> str:
    if res.startswith(g) and len(res) > 1 and not res[0].isdigit():
        return "glyph before"
    if res.endswith(g) and len(res) > 1 and not res[-1].isdigit():
        return "glyph after"
    return "none"


def features(task: Task, answer: str) -> dict[str, str]:
    """Per-puzzle features compared between dev and generated puzzles (``python -m``)."""
    pairs = [(e.source, e.target) for e in task.examples]
    eg = [s[2] for s, _ in pairs]
    qg = task.query[2]
    row = set(eg) | {qg}
    standard = row <= set("+-*")
    direction = _directions([*pairs, (task.query, answer)])
    by = lines_by_glyph([*pairs, (task.query, answer)])
    normals = "-"
    if direction in ("plain", "reversed") and len(by) == 3:
        rev = direction == "reversed"
        sets = [consistent_ops(ls, g, rev) for g, ls in by.items()]
        flags = {tuple(is_normal(o) for o in s) for s in sets}
        if all(len(f) == 1 for f in flags):
            normals = str(sum(is_normal(s[0]) for s in sets))
    return {
        "examples per prompt": str(len(task.examples)),
        "operator glyphs in the row": str(len(row)),
        "query glyph in the examples": str(qg in eg),
        "glyphs": "+ - * only" if standard else "other",
        "reading direction (answer included)": direction,
        "direction, + - * rows": direction if standard else "-",
        "normal operators, 3-glyph rows with every one pinned": normals,
        "answer sign": _sign(answer, qg),
        "answer length": str(len(answer.strip(qg))),
    }


def example_features(task: Task) -> list[dict[str, str]]:
    """Per-example-line features: operands' zeros, result sign and length, glyph, and the
    line glyph's operation when the examples pin it (one reading direction, one operation)."""
    pairs = [(e.source, e.target) for e in task.examples]
    direction = _directions(pairs)
    by = lines_by_glyph(pairs)
    pinned = {}
    if direction in ("plain", "reversed"):
        for g, ls in by.items():
            ops = consistent_ops(ls, g, direction == "reversed")
            if len({o.name for o in ops}) == 1:
                pinned[g] = ops[0].name
    standard = {s[2] for s, _ in pairs} | {task.query[2]} <= set("+-*")
    out = []
    for s, res in pairs:
        g = s[2]
        out.append({
            "operand (printed) starts with 0": str(s[0] == "0" or s[3] == "0"),
            "operand (printed) ends with 0": str(s[1] == "0" or s[4] == "0"),
            "result sign": _sign(res, g),
            "result length": str(len(res.strip(g))),
            "glyph, rows not only + - *": ("+ - *" if g in "+-*" else "other symbol") if not standard else "-",
            "operation the examples pin": pinned.get(g, "not pinned"),
        })
    return out


if __name__ == "__main__":  # python -m hybrid.families.equation_numeric.generator DEV.csv GENERATED.csv
    import sys

    from .._generator_stats import main

    sys.exit(main("equation_numeric", features, example_features))
