"""Generator of ``cryptarithm`` puzzles, in the data's exact wording, with gold answers.

A cryptarithm row is an ``equation_numeric`` row with its digits hidden behind glyphs. The draw,
reverse-engineered from the 617 dev rows (docs/families/cryptarithm.md, "Generator", has the dev
vs generated table; ``measure()`` recomputes the decoded counts below):

* 3, 4 or 5 examples, drawn with the dev counts as weights (171 / 218 / 228 rows);
* the digit glyphs: 10 of the 23 pool symbols ``DIGIT_GLYPHS`` drawn without replacement, in a
  random one-to-one map to 0-9 (every pool symbol is a digit glyph in 236-278 dev rows);
* three operators per row, one per *role* (``plus``, ``times``, ``minus``); every example line
  and the query draw their operator evenly from the three (predicted: 1.6% / 36.9% / 61.4% of
  rows show 1 / 2 / 3 operators, 79.9% show the query's operator in an example; dev: 1.6% /
  38.1% / 60.3%, 79.7%);
* the operator glyphs: ``+ * -`` for the roles in a share ``P_STANDARD`` of the rows (372 dev rows
  show only these three), otherwise three distinct glyphs drawn from the 16 symbols the row's
  digits leave (13 pool symbols and ``+ * -``): 120 of the 643 operator glyphs of those dev rows
  are ``+ * -``, 18.7%, as 3/16 predicts;
* one reading direction per row, drawn per glyph kind (rows with ``+ * -``: plain 202, reversed
  166; rows with other glyphs: plain 161, reversed 84; expected counts, EM below);
* the operations: each role is either *normal* (``a+b``, ``a*b``, ``a-b`` with the sign before
  the digits) or *twisted*, and the number of normal roles is fixed by glyph kind and direction
  (``+ * -`` rows: exactly one when plain (202), exactly two when reversed (165); other glyphs:
  two when plain (161), two (37) or three (47) when reversed; every other number gets < 1 row).
  Which roles are twisted is drawn in proportion to the twisted roles' expected counts, and a
  twisted role draws its variant from ``TWISTS`` (e.g. ``+`` in plain ``+ * -`` rows: ``ab``
  49, ``a+b-1`` 32, ``a+b+1`` 28; in reversed rows with other glyphs the twist is ``b-a`` with
  the sign after the digits 30 times in 32);
* operands: each line draws two numbers evenly from 10..99 and prints them in the row's reading
  direction, so a reversed row prints 40 as ``04`` (numeric dev rows: 0 operands below 10 as
  read, ``0`` as the printed units digit in 9.9% of plain-row operands, 9/90 predicted);
* the result: the operation's printed result (``equations.operations``), digits mapped to glyphs, a
  negative sign printed as the operator's own glyph.

The operation counts come from an EM over every dev row (``measure``): each row's join
solutions with the labelled answer added (``solver.run_join``) are weighted by the model above
(per glyph kind: direction, number of normal roles, twist variants; glyph->role assignment:
fixed in rows written with ``+ * -``, any in the others), so operations whose equality pattern pins no digit
(concatenations) are not under-counted as they are among the rows whose map the join pins down.

``uniform=True`` draws evenly over the solver's rule space instead: the direction by a fair
coin, every operator's variant evenly from the 16 variants of that direction (independently, no
roles), operator glyphs evenly from the 16 non-digit symbols, operands evenly from 00..99 (an
operand pair with no result, ``max mod min`` with a 0, is drawn again).

>>> import random
>>> p = generate(random.Random(0))
>>> len(p.task.examples) in N_EXAMPLES and p.rule.startswith(("plain reading", "reversed reading"))
True
>>> render_prompt(p.task).splitlines()[0] == HEADER
True
"""

from __future__ import annotations

import itertools
import math
import random

from ...task import Task
from ..base import Puzzle
from ..equations.operations import OPERATIONS, Operation, operation

__all__ = ["N_EXAMPLES", "N_EXAMPLES_WEIGHTS", "DIGIT_GLYPHS", "STANDARD_GLYPHS", "ROLES", "P_STANDARD",
           "REVERSE_WEIGHTS", "NORMAL_COUNT_WEIGHTS", "NORMAL", "ROLE_FAMILIES", "is_normal", "TWISTS", "OPERAND_RANGE", "HEADER", "QUERY",
           "draw_rule", "generate", "generate_puzzle", "render_prompt", "features", "measure"]

N_EXAMPLES = (3, 4, 5)
#: How often the dev rows show 3, 4 and 5 examples (the draw's weights).
N_EXAMPLES_WEIGHTS = (171, 218, 228)
#: The 23 symbols the dev rows use as digit glyphs (``Cryptarithm`` catalog's ``glyph_pool``).
DIGIT_GLYPHS = "!\"#$%&'()/:<>?@[\\]^`{|}"
ROLES = ("plus", "times", "minus")
#: The glyph of each role in rows written with the ordinary operators.
STANDARD_GLYPHS = {"plus": "+", "times": "*", "minus": "-"}
#: Share of rows written with ``+ * -`` (372 of 617 dev rows show only these; a row with other
#: glyphs shows only ``+ * -`` in about 1% of cases).
P_STANDARD = 0.60
#: Plain and reversed rows, for rows written with ``+ * -`` (True) and with other glyphs (False)
#: (expected counts, EM over the 617 dev rows: ``measure()``).
REVERSE_WEIGHTS = {True: (202, 166), False: (161, 84)}
#: Number of normal roles, per glyph kind and direction (expected counts; every other number
#: gets less than one row).
NORMAL_COUNT_WEIGHTS = {
    True: {False: {1: 202}, True: {2: 165}},
    False: {False: {2: 161}, True: {2: 37, 3: 47}},
}
#: The normal operation of each role, ``(base, sign)``.
NORMAL = {"plus": ("add", "pre"), "times": ("mul", "pre"), "minus": ("sub", "pre")}
#: The operation families each role draws from (``+`` an addition or a concatenation, ``*`` a
#: multiplication or a concatenation, ``-`` a subtraction or ``max mod min``).
ROLE_FAMILIES = {"plus": frozenset({"add", "cat"}), "times": frozenset({"mul", "cat"}),
                 "minus": frozenset({"sub", "mod"})}


def is_normal(op: Operation) -> bool:
    """Whether ``op`` is its role's ordinary arithmetic: ``a+b``, ``a*b``, or ``a-b`` with the sign
    before the digits (in either reading direction)."""
    return op.base in ("add", "mul") or (op.base == "sub" and op.sign == "pre")
#: A twisted role's variants with their expected counts, per glyph kind (True: ``+ * -``) and
#: direction (True: reversed). Role variants with an expected count below 1 (``rcat`` in most
#: tables, ``b-a``, suffix signs but one) are left out. A role without variants here is normal.
TWISTS: dict[bool, dict[bool, dict[str, tuple[tuple[str, str, float], ...]]]] = {
    True: {
        False: {
            "plus": (("cat", "pre", 49.0), ("add-1", "pre", 32.0), ("add+1", "pre", 28.2)),
            "times": (("mul-1", "pre", 44.1), ("cat", "pre", 40.0), ("mul+1", "pre", 31.8), ("rcat", "pre", 1.1)),
            "minus": (("negabsdiff", "pre", 49.8), ("absdiff", "pre", 41.6), ("maxmod", "pre", 30.7)),
        },
        True: {
            "plus": (("add+1", "pre", 21.0), ("add-1", "pre", 18.0), ("cat", "pre", 15.0)),
            "times": (("cat", "pre", 13.9), ("mul-1", "pre", 11.0), ("mul+1", "pre", 11.0)),
            "minus": (("absdiff", "pre", 21.2), ("negabsdiff", "pre", 15.8), ("maxmod", "pre", 13.6)),
        },
    },
    False: {
        False: {
            "plus": (("cat", "pre", 17.7), ("add-1", "pre", 13.2), ("add+1", "pre", 12.0)),
            "times": (("cat", "pre", 21.0), ("mul+1", "pre", 19.0), ("mul-1", "pre", 12.0)),
            "minus": (("negabsdiff", "pre", 18.4), ("absdiff", "pre", 14.4), ("maxmod", "pre", 11.6)),
        },
        True: {
            "plus": (("rcat", "pre", 1.2),),
            "times": (("rcat", "pre", 1.1),),
            "minus": (("rsub", "suf", 30.0),),
        },
    },
}
#: The numbers each operand is drawn from, as read (printed reversed in reversed rows).
OPERAND_RANGE = (10, 99)
HEADER = ("In Alice's Wonderland, a secret set of transformation rules is applied to equations. "
          "Below are a few examples:")
QUERY = "Now, determine the result for: {}"


def draw_rule(rng: random.Random, *, uniform: bool = False, standard: bool = True):
    """``(reverse, {role: Operation})``: a reading direction and one operation per role, for a row
    written with ``+ * -`` (``standard``) or with other glyphs."""
    if uniform:
        reverse = rng.random() < 0.5
        pool = [o for o in OPERATIONS if o.reverse == reverse]
        return reverse, {r: rng.choice(pool) for r in ROLES}
    reverse = rng.choices((False, True), REVERSE_WEIGHTS[standard])[0]
    counts = NORMAL_COUNT_WEIGHTS[standard][reverse]
    k = rng.choices(list(counts), list(counts.values()))[0]
    twists = TWISTS[standard][reverse]
    # which roles stay normal: a subset of size k, weighted by the twisted roles' expected counts
    # (the tables' masses are within 10% of each other except in reversed rows with other glyphs,
    # where the twist is the minus role's 30 times in 32)
    mass = {r: sum(w for *_, w in twists[r]) for r in ROLES}
    subsets = [set(c) for c in itertools.combinations(ROLES, k)]
    normal = rng.choices(subsets, [math.prod(mass[r] for r in ROLES if r not in c) for c in subsets])[0]
    ops = {}
    for role in ROLES:
        if role in normal:
            base, sign = NORMAL[role]
        else:
            base, sign, _ = rng.choices(twists[role], [w for *_, w in twists[role]])[0]
        ops[role] = operation(base, reverse, sign)
    return reverse, ops


def _operands(rng: random.Random, reverse: bool, uniform: bool) -> tuple[str, str]:
    if uniform:
        return f"{rng.randrange(100):02d}", f"{rng.randrange(100):02d}"
    lo, hi = OPERAND_RANGE
    a, b = str(rng.randint(lo, hi)), str(rng.randint(lo, hi))
    return (a[::-1], b[::-1]) if reverse else (a, b)


def _line(rng: random.Random, op: Operation, glyph: str, digits: str, reverse: bool, uniform: bool):
    """One ``(left side, result)`` pair in glyphs (operands drawn again while the result is undefined)."""
    while True:
        a, b = _operands(rng, reverse, uniform)
        res = op.fn(a, b, "-")
        if res is not None:
            break
    enc = lambda s: "".join(glyph if c == "-" else digits[int(c)] for c in s)  # noqa: E731
    return enc(a) + glyph + enc(b), enc(res)


def generate_puzzle(rng: random.Random, *, uniform: bool = False, n_examples: int | None = None) -> Puzzle:
    """One puzzle: a glyph map, three operators, ``n_examples`` (default 3-5) example lines and a
    query, each line's operator drawn evenly from the three."""
    n = rng.choices(N_EXAMPLES, N_EXAMPLES_WEIGHTS)[0] if n_examples is None else n_examples
    digits = "".join(rng.sample(DIGIT_GLYPHS, 10))  # digits[d] is the glyph of digit d
    standard = not uniform and rng.random() < P_STANDARD
    reverse, ops = draw_rule(rng, uniform=uniform, standard=standard)
    free = sorted(set(DIGIT_GLYPHS + "".join(STANDARD_GLYPHS.values())) - set(digits))
    if standard:
        glyphs = dict(STANDARD_GLYPHS)
    else:
        glyphs = dict(zip(ROLES, rng.sample(free, len(ROLES)), strict=True))
    lines = []
    for _ in range(n + 1):
        role = rng.choice(ROLES)
        lines.append(_line(rng, ops[role], glyphs[role], digits, reverse, uniform))
    *shown, (query, answer) = lines
    task = Task.from_pairs("cryptarithm", shown, query)
    head = "reversed reading" if reverse else "plain reading"
    parts = [f"{head}; digits 0-9 are the glyphs {digits}"]
    parts += [f"'{glyphs[r]}' = {ops[r].describe()}" for r in ROLES]
    return Puzzle(task, answer, "; ".join(parts))


#: ``Family.generate``'s name for the draw (the other generators call it ``generate``).
generate = generate_puzzle


def render_prompt(task: Task) -> str:
    """The prompt exactly as the data prints it."""
    return "\n".join([HEADER, *(f"{e.source} = {e.target}" for e in task.examples), QUERY.format(task.query)])


# ------------------------------------------------------------------ measured features
def _index():
    from .. import get_family

    return get_family("cryptarithm")._index()


def _decoded(task: Task, answer: str):
    """The row rewritten with digits when the join pins its map down (examples and answer), else None."""
    import dataclasses

    from .decode import decode_glyph_rows

    out = decode_glyph_rows([dataclasses.replace(task, meta={**task.meta, "answer": answer})], _index())
    return out[0] if out else None


def _bucket(n: int, top: int) -> str:
    return str(n) if n < top else f"{top}+"


def features(task: Task, answer: str) -> dict[str, str]:
    """Per-puzzle features compared between dev and generated puzzles (``python -m``): the glyph
    level ones on every row, the ``decoded:`` ones on rows whose digit map the join pins down."""
    ex_ops = [e.source[2] for e in task.examples]
    ops = set(ex_ops) | {task.query[2]}
    digits = {c for e in task.examples for c in e.source[:2] + e.source[3:] + e.target if c not in ops}
    digits |= set(task.query[:2] + task.query[3:])
    std = set(STANDARD_GLYPHS.values())
    out = {
        "examples per prompt": str(len(task.examples)),
        "operator glyphs per row (query included)": str(len(ops)),
        "operator glyphs": "+ * - only" if ops <= std else ("some + * -" if ops & std else "none of + * -"),
        "query operator in an example": str(task.query[2] in ex_ops),
        "distinct digit glyphs per row": _bucket(len(digits), 10) if len(digits) >= 7 else "<7",
        "answer length": str(len(answer)),
        "answer negative (operator glyph in it)": str(task.query[2] in answer),
    }
    dec = _decoded(task, answer)
    out["decoded: join pins the map"] = str(dec is not None)
    if dec is None:
        return out
    pairs = [(e.source, e.target) for e in dec.examples] + [(dec.query, dec.meta["answer"])]
    by: dict[str, list[tuple[str, str, str]]] = {}
    for lhs, res in pairs:
        by.setdefault(lhs[2], []).append((lhs[:2], lhs[3:], res))

    def consistent_ops(lines, g, rev):
        return [o for o in OPERATIONS if o.reverse == rev and all(o.fn(a, b, g) == r for a, b, r in lines)]

    dirs = [rev for rev in (False, True) if all(consistent_ops(ls, g, rev) for g, ls in by.items())]
    out["decoded: reading direction"] = {(False,): "plain", (True,): "reversed"}.get(tuple(dirs), "open")
    lead0 = sum(x[0] == "0" for lhs, _ in pairs for x in (lhs[:2], lhs[3:]))
    out["decoded: printed operands with a leading 0"] = _bucket(lead0, 3)
    if len(dirs) == 1:
        sets = {g: consistent_ops(ls, g, dirs[0]) for g, ls in by.items()}
        for g, cands in sets.items():
            where = g if ops <= std else "other glyph"
            bases = {o.base + ("[suf]" if o.signed and o.sign == "suf" else "") for o in cands}
            out[f"decoded: operation of {where}"] = bases.pop() if len(bases) == 1 else "open"
        if len(sets) == 3 and all(len(c) == 1 for c in sets.values()):
            n_norm = sum(is_normal(c[0]) for c in sets.values())
            out[f"decoded: normal operators ({out['decoded: reading direction']}, 3 pinned)"] = str(n_norm)
    return out


def example_features(task: Task) -> list[dict[str, str]]:
    """Per-example-line features: result length and where a sign (the operator glyph) sits."""
    out = []
    for e in task.examples:
        op = e.source[2]
        sign = "first" if e.target[0] == op else ("last" if e.target[-1] == op else "none")
        out.append({"result length": str(len(e.target)), "operator glyph in the result": sign})
    return out


def measure(rows=None, iterations: int = 30) -> dict:
    """The EM behind ``REVERSE_WEIGHTS``, ``NORMAL_COUNT_WEIGHTS`` and ``TWISTS`` (~10 s of CPU).

    ``rows``: labelled cryptarithm ``Task``s (default: the dev rows). Each row's join solutions
    with the answer added are grouped by operation combination (weight: number of glyph maps);
    a combination is explained by a direction, a set of normal roles and a glyph->role assignment
    (fixed for ``+ * -`` rows), all per glyph kind (``+*-`` rows or ``other`` glyphs). Returns
    expected counts: ``reverse``, ``normal_counts``, ``twists``
    (``python -m hybrid.families.cryptarithm.generator --measure``)."""
    import dataclasses
    from collections import Counter, defaultdict

    from ...task import Example
    from ..equations.operations import BY_NAME
    from ..equations.prior import glyph_tasks_of
    from .solver import prepare, run_join

    index = _index()
    rows = glyph_tasks_of() if rows is None else rows
    std = {g: r for r, g in STANDARD_GLYPHS.items()}
    normal_name = {(r, rev): operation(NORMAL[r][0], rev, NORMAL[r][1]).name for r in ROLES for rev in (False, True)}
    twist_names = {(r, rev): [o.name for o in OPERATIONS if o.reverse == rev and o.family in ROLE_FAMILIES[r]
                              and not is_normal(o)] for r in ROLES for rev in (False, True)}
    data = []
    for task in rows:
        full = dataclasses.replace(task, examples=tuple(task.examples) + (Example(task.query, task.meta["answer"]),))
        prep = prepare(full, index)
        if prep is None:
            continue
        _, sol_var, _, _ = run_join(prep, index, 100_000)
        glyphs = [g for g, _ in sorted(prep.op_ids.items(), key=lambda kv: kv[1])]
        combos = Counter(tuple(OPERATIONS[int(v[j])].name for j in range(len(glyphs))) for v in sol_var)
        data.append((glyphs, all(g in std for g in glyphs), combos))
    kinds = [(rev, s) for rev in (False, True) for s in (False, True)]
    p_rev = {key: 0.5 for key in kinds}
    p_n = {key: dict.fromkeys(range(4), 0.25) for key in kinds}
    p_tw = {(*key, s): {n: 1.0 / len(ns) for n in ns} for key, ns in twist_names.items() for s in (False, True)}
    for _ in range(iterations):
        c_rev, c_n, c_tw = Counter(), defaultdict(Counter), defaultdict(Counter)
        for glyphs, is_std, combos in data:
            perms = [tuple(std[g] for g in glyphs)] if is_std else list(itertools.permutations(ROLES, len(glyphs)))
            ents = []
            for combo, n_maps in combos.items():
                rev = BY_NAME[combo[0]].reverse
                for pi in perms:
                    for k in range(4):
                        for normal in itertools.combinations(ROLES, k):
                            w = p_rev[(rev, is_std)] * p_n[(rev, is_std)][k] / math.comb(3, k) / len(perms) * n_maps
                            for v, role in zip(combo, pi, strict=True):
                                w *= ((v == normal_name[(role, rev)]) if role in normal
                                      else p_tw[(role, rev, is_std)].get(v, 0.0))
                            if w > 0:
                                ents.append((w, rev, k, is_std,
                                             [(r, v) for v, r in zip(combo, pi, strict=True) if r not in normal]))
            tot = sum(e[0] for e in ents)
            for w, rev, k, is_std, tw in ents:
                c_rev[(rev, is_std)] += w / tot
                c_n[(rev, is_std)][k] += w / tot
                for key in tw:
                    c_tw[(key[0], rev, is_std)][key[1]] += w / tot
        p_rev = {(r, s): c_rev[(r, s)] / (c_rev[(False, s)] + c_rev[(True, s)]) for r, s in kinds}
        p_n = {key: {k: (c_n[key][k] + 0.01) / (sum(c_n[key].values()) + 0.04) for k in range(4)} for key in kinds}
        p_tw = {(*key, s): {n: (c_tw[(*key, s)][n] + 0.01) / (sum(c_tw[(*key, s)].values()) + 0.01 * len(ns))
                            for n in ns} for key, ns in twist_names.items() for s in (False, True)}
    r1 = lambda x: round(x, 1)  # noqa: E731
    label = lambda rev, s: f"{'reversed' if rev else 'plain'} {'+*-' if s else 'other'}"  # noqa: E731
    return {"rows": len(data), "reverse": {label(*key): r1(c_rev[key]) for key in kinds},
            "normal_counts": {label(*key): {k: r1(v) for k, v in sorted(c_n[key].items()) if v >= 0.05}
                              for key in kinds},
            "twists": {f"{role} {'reversed' if rev else 'plain'} {'+*-' if s else 'other'}":
                       {n: r1(v) for n, v in c.most_common() if v >= 0.05}
                       for (role, rev, s), c in sorted(c_tw.items(), key=lambda kv: (kv[0][2], kv[0][1], kv[0][0]))}}


if __name__ == "__main__":  # python -m hybrid.families.cryptarithm.generator DEV.csv GENERATED.csv
    import sys

    from .._generator_stats import main

    if sys.argv[1:] == ["--measure"]:
        print(measure())
        sys.exit(0)
    sys.exit(main("cryptarithm", features, example_features))
