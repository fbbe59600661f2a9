"""Generator of ``bit_manipulation`` puzzles, in the data's exact wording, with gold answers.

A rule is ``y = g(L1(x), L2(x), L3(x))`` bit-wise (``grammar.py``): a *shape* (the literal kinds,
rotation / shift left / shift right, plus the boolean function ``g``) instantiated with amounts.
The draw, measured on the 1,202 dev rows (table of dev vs generated frequencies on
docs/families/bit_manipulation.md):

* 7, 8, 9 or 10 examples, with the dev counts as weights (284 / 312 / 307 / 299 rows);
* the example inputs and the query: ``n + 1`` *distinct* bytes, uniform over 0..255 (no dev row
  repeats an input, where independent draws would repeat one in 145 rows, and no query is one of
  its examples, 40 expected; every byte appears 26 to 56 times among the 10,237 dev example
  inputs, 40 expected; input popcounts follow the binomial);
* the shape, from the 23 shapes the dev rows use (``SHAPES``), with their weights in rows:
  ``measure_shapes``, an EM over the rules of smallest arity that reproduce each row's examples
  and answer (each row's unit weight split over its shapes in proportion to weight times its
  rules of that shape over the shape's rule count, to convergence). By arity 116 / 667 / 419
  rows; by kinds (rol, shl, shr) 419.0, (shl, shr) 271.8, (rol, shl) 191.0, (rol, shr) 136.1,
  (rol) 72.0, (shr) 33.0, (shl, shl) 28.0, (rol, rol) 22.0, (shr, shr) 18.1, (shl) 11.0. The top
  shapes: ``(x << a) ^ (x >> b)`` 268.8, (rol, shl, shr) with g = 0x6B 147.5, ``maj`` 128.0,
  g = 0xEB 83.6, ``rotl(x, k)`` 72.0. The 204 other shapes some row fits end below 0.005 rows:
  every row they fit, the 23 fit too. (The catalog's prior, an even split of each row over its
  shapes, gives them 271.5 rows; drawn with that split, five kind triples other than (rol, shl,
  shr) came out as a row's only explanation in 3.7% of 5,000 generated rows, in none of the
  dev rows);
* the amounts, evenly over the rules of the shape that no rule with fewer literals equals
  (``instantiations``; e.g. ``(x << 3) ^ (x >> 5)`` is ``rotl(x, 3)``, which the dev rows count
  as a rotation): literals of one kind distinct, rotations 1..7 (no dev row needs ``x`` itself,
  a rotation by 0). One-literal rules instead take the dev counts plus one for amounts 1..7
  (``ARITY1_COUNTS``: ``rotl`` 15, 7, 12, 1, 13, 13, 11; ``<<`` 0, 2, 1, 5, 0, 2, 1; ``>>`` 8, 8,
  4, 3, 2, 5, 3; each such row has a single explanation, so these are direct counts). The
  amounts of single-explanation dev rows fall with the shift (``<<`` in 2- and 3-literal rows:
  104, 105, 82, 69, 54, 36, 24 for 1..7): a selection effect (large shifts leave fewer bits in
  play, so such rules are less often pinned down) that the even draw reproduces (table).

The gold answer is the rule applied to the query; ``Puzzle.rule`` is the rule's expression
(``grammar.rule_text``, e.g. ``(x << 3) ^ (x >> 2)``). Every shape drawn is a catalog shape,
which the catalog instantiates with every amount, so the solver's exhaustive recall always holds
the drawn rule and a ``deduced`` answer is the gold one.

``uniform=True`` draws evenly over the catalog's rule space instead: every one of its 429 shapes
(the 227 some dev row fits and the 202 coverage shapes: every 1- and 2-literal shape of the
grammar and every 3-input ``g`` over one rotation, one left and one right shift) equally likely,
then the amounts evenly over its irreducible rules, rotations by 0 included. Examples and inputs
are drawn as above.

>>> import random
>>> p = generate_puzzle(random.Random(0))
>>> p.rule, p.task.query, p.answer, len(p.task.examples)
('rotl(x,7) & (x << 4)', '10010000', '00000000', 7)
>>> prompt = render_prompt(p.task)
>>> prompt.splitlines()[-1] == "Now, determine the output for: " + p.task.query
True
"""

from __future__ import annotations

import itertools
import random

import numpy as np

from ...task import Task
from ..base import Puzzle
from .build import KIND_NAMES, _tables, explanations, row_explanations, shape_of
from .grammar import FUNC_NAMES, KIND, LIT_VALUES, LITERALS, N_LIT, apply_rule, rule_table, rule_text

__all__ = ["N_EXAMPLES", "N_EXAMPLES_WEIGHTS", "ARITY1_COUNTS", "ARITY1_AMOUNTS", "SHAPES", "HEADER", "QUERY",
           "catalog_shapes", "instantiations", "measure_shapes", "draw_rule", "generate_puzzle", "render_prompt",
           "features", "example_features", "random_rule", "random_task"]

#: Examples per prompt.
N_EXAMPLES = (7, 8, 9, 10)
#: How often the dev rows show 7, 8, 9 and 10 examples (the draw's weights).
N_EXAMPLES_WEIGHTS = (284, 312, 307, 299)
#: One-literal rules of the dev rows by amount 0..7, per kind (every such row has one explanation).
ARITY1_COUNTS = {"rol": (0, 15, 7, 12, 1, 13, 13, 11), "shl": (0, 0, 2, 1, 5, 0, 2, 1),
                 "shr": (0, 8, 8, 4, 3, 2, 5, 3)}
#: The draw's weights of those amounts: the counts plus one for 1..7 (never a rotation by 0).
ARITY1_AMOUNTS = {k: (0,) + tuple(c + 1 for c in counts[1:]) for k, counts in ARITY1_COUNTS.items()}
HEADER = ("In Alice's Wonderland, a secret bit manipulation rule transforms 8-bit binary numbers. The "
          "transformation involves operations like bit shifts, rotations, XOR, AND, OR, NOT, and possibly "
          "majority or choice functions.")
INTRO = "Here are some examples of input -> output:"
QUERY = "Now, determine the output for: {}"

#: Literal indices of each kind, by amount (rol: 0..7, shl / shr: 1..7).
_POOLS = {name: [lit for lit in range(N_LIT) if KIND_NAMES[int(KIND[lit])] == name] for name in KIND_NAMES}
_AMOUNT = {lit: int(LITERALS[lit][3:]) for lit in range(N_LIT)}
#: The shapes the dev rows use, (kinds, g, rows), by ``measure_shapes`` on the 1,202 dev rows
#: (rounded; the 204 other shapes some row fits end below 0.005 rows). ``g``'s truth table: entry
#: ``e`` (bit ``e``) is the output for inputs spelling ``e``, the first literal most significant.
SHAPES: tuple[tuple[tuple[str, ...], int, float], ...] = (
    (("shl", "shr"), 0x06, 268.81),  # A ^ B
    (("rol", "shl", "shr"), 0x6B, 147.45),  # C ? ~(A & B) : ~(A ^ B)
    (("rol", "shl", "shr"), 0xE8, 128.00),  # maj(A, B, C)
    (("rol", "shl", "shr"), 0xEB, 83.55),  # C | ~(A ^ B)
    (("rol",), 0x02, 72.00),  # A
    (("rol", "shr"), 0x0E, 63.19),  # A | B
    (("rol", "shl", "shr"), 0xB8, 60.00),  # B ? C : A
    (("rol", "shl"), 0x04, 59.00),  # A & ~B
    (("rol", "shl"), 0x06, 49.54),  # A ^ B
    (("rol", "shl"), 0x0E, 41.46),  # A | B
    (("rol", "shr"), 0x06, 38.00),  # A ^ B
    (("rol", "shl"), 0x08, 36.00),  # A & B
    (("rol", "shr"), 0x08, 34.94),  # A & B
    (("shr",), 0x02, 33.00),  # A
    (("shl", "shl"), 0x09, 23.00),  # ~(A ^ B)
    (("rol", "rol"), 0x08, 22.00),  # A & B
    (("shl",), 0x02, 11.00),  # A
    (("shr", "shr"), 0x0B, 8.00),  # ~A | B
    (("shr", "shr"), 0x0D, 8.00),  # A | ~B
    (("shl", "shl"), 0x08, 5.00),  # A & B
    (("rol", "shl"), 0x09, 5.00),  # ~(A ^ B)
    (("shl", "shr"), 0x07, 3.00),  # ~(A & B)
    (("shr", "shr"), 0x08, 2.06),  # A & B
)
#: EM passes of ``measure_shapes`` (after 50 the weights are within 0.12 rows of ``SHAPES``).
SHAPE_EM_ITERATIONS = 200
#: Redraws of a shape's amounts before giving up (a catalog shape has irreducible instances).
_MAX_TRIES = 10_000
_cache: dict = {}


def _catalog_shapes():
    """(the payload's ``shapes`` object, [(kinds, g)] of every catalog shape), cached per payload."""
    from .. import get_family

    shapes = get_family("bit_manipulation").payload().shapes
    hit = _cache.get("catalog")
    if hit is None or hit[0] is not shapes:
        hit = _cache["catalog"] = (shapes, [(tuple(k), int(g)) for k, g, _ in shapes])
    return hit[1]


def catalog_shapes() -> list[tuple[tuple[str, ...], int]]:
    """Every shape of the catalog (227 seen, 202 coverage), the rule space ``uniform=True`` draws from."""
    return list(_catalog_shapes())


def instantiations(kinds, g: int, uniform: bool = False) -> int:
    """How many rules of the shape no rule with fewer literals equals (its amounts: distinct,
    ascending within a kind; rotations 1..7, or 0..7 when ``uniform``): the rules ``draw_rule``
    picks from evenly once the shape is drawn (one-literal shapes: 1, their amounts are weighted)."""
    kinds = tuple(kinds)
    if len(kinds) == 1:
        return 1
    key = ("n", kinds, g, uniform)
    if key not in _cache:
        m = len(kinds)
        lower = _fewer_literal_tables(m)
        pools = [_POOLS[k] if uniform or k != "rol" else _POOLS[k][1:] for k in kinds]
        combos = np.array([c for c in itertools.product(*pools) if all(c[i] < c[i + 1] for i in range(m - 1))],
                          dtype=np.int64)
        vals = LIT_VALUES.astype(np.int64)[combos]  # (rules, m, 256)
        tables = np.zeros((len(combos), 256), dtype=np.int64)
        for e in range(1 << m):  # as grammar.rule_table, for every rule of the shape at once
            if (g >> e) & 1:
                mask = np.full((len(combos), 256), 255, dtype=np.int64)
                for i in range(m):
                    mask &= vals[:, i] if (e >> (m - 1 - i)) & 1 else 255 - vals[:, i]
                tables |= mask
        tables = tables.astype(np.uint8)
        _cache[key] = sum(t.tobytes() not in lower for t in tables)
    return _cache[key]


def measure_shapes(tasks, iterations: int = SHAPE_EM_ITERATIONS) -> dict[tuple, float]:
    """Shape -> rows of evidence, by EM over labelled ``tasks`` (``meta["answer"]`` set).

    Each row's explanations are the rules of smallest arity reproducing its examples and its
    answer (``build.explanations``). A shape drawn with weight ``w`` gives a given rule of its
    with probability ``w / instantiations(shape)``, so each row's unit weight is split over its
    shapes in proportion to ``w * (its rules of that shape) / instantiations(shape)``, and the
    weights are re-estimated from the split, starting from the even split of the catalog's prior.
    Shapes whose rows other shapes explain as well lose their weight to them."""
    counts = []
    for _, found in row_explanations(tasks):
        c: dict = {}
        for lits, g in found:
            c[shape_of(lits, g)] = c.get(shape_of(lits, g), 0) + 1
        if c:
            counts.append(c)
    weights: dict = {}
    for c in counts:
        for shape in c:
            weights[shape] = weights.get(shape, 0.0) + 1.0 / len(c)
    size = {shape: instantiations(*shape) for shape in weights}
    for _ in range(iterations):
        new = dict.fromkeys(weights, 0.0)
        for c in counts:
            p = {shape: weights[shape] * n / size[shape] for shape, n in c.items()}
            z = sum(p.values())
            for shape, v in p.items():
                new[shape] += v / z
        weights = new
    return weights


def _amounts(rng: random.Random, kinds, uniform: bool) -> list[int]:
    """Literal indices for ``kinds`` (ascending; literals of one kind distinct)."""
    if len(kinds) == 1 and not uniform:
        name = kinds[0]
        return rng.choices(_POOLS[name], weights=ARITY1_AMOUNTS[name][-len(_POOLS[name]):])
    lits: list[int] = []
    for name in KIND_NAMES:  # kinds are listed in literal order: rol < shl < shr
        count = kinds.count(name)
        if count:
            pool = _POOLS[name] if uniform or name != "rol" else _POOLS[name][1:]
            lits.extend(sorted(rng.sample(pool, count)))
    return lits


def _fewer_literal_tables(arity: int) -> frozenset[bytes]:
    """The 256-entry tables of every rule with fewer than ``arity`` literals (any ``g``, the
    constants included)."""
    hit = _cache.get(("lower", arity))
    if hit is None:
        out = {bytes(256), bytes([255] * 256)}
        for m in range(1, arity):
            for lits in itertools.combinations(range(N_LIT), m):
                out.update(t.tobytes() for t in _tables(list(lits), np.arange(1 << (1 << m), dtype=np.int64)))
        hit = _cache[("lower", arity)] = frozenset(out)
    return hit


def draw_rule(rng: random.Random, uniform: bool = False) -> tuple[int, int, int, int, int]:
    """A rule ``(l1, l2, l3, arity, g)`` (``grammar.py``), drawn as the module docstring says:
    a shape, then its amounts, redrawn while the rule's table has a rule with fewer literals."""
    if uniform:
        kinds, g = rng.choice(_catalog_shapes())
    else:
        kinds, g, _ = rng.choices(SHAPES, weights=[w for _, _, w in SHAPES])[0]
    lower = _fewer_literal_tables(len(kinds))
    for _ in range(_MAX_TRIES):
        lits = _amounts(rng, kinds, uniform) + [0] * (3 - len(kinds))
        rule = (lits[0], lits[1], lits[2], len(kinds), g)
        if rule_table(*rule).tobytes() not in lower:
            return rule
    raise RuntimeError(f"bit_manipulation: no irreducible rule of shape {kinds}, g={g} in {_MAX_TRIES} draws")


def generate_puzzle(rng: random.Random, *, uniform: bool = False, n_examples: int | None = None,
                    rule: tuple | None = None) -> Puzzle:
    """One puzzle: a rule (``draw_rule``, or ``rule`` as given), ``n_examples`` (default 7-10 with
    the dev weights) examples on distinct random inputs and a query on yet another input."""
    rule = tuple(rule) if rule is not None else draw_rule(rng, uniform)
    table = rule_table(*rule)
    n = rng.choices(N_EXAMPLES, N_EXAMPLES_WEIGHTS)[0] if n_examples is None else n_examples
    *shown, query = rng.sample(range(256), n + 1)
    task = Task.from_pairs("bit_manipulation", [(format(x, "08b"), format(int(table[x]), "08b")) for x in shown],
                           format(query, "08b"))
    return Puzzle(task, format(int(table[query]), "08b"), rule_text(*rule))


def render_prompt(task: Task) -> str:
    """The prompt exactly as the data prints it."""
    lines = [HEADER, "", INTRO, *(f"{e.source} -> {e.target}" for e in task.examples), "", QUERY.format(task.query)]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- measuring
_NAMES = "ABC"


def _shape_label(kinds, g) -> str:
    m = len(kinds)
    fmt = FUNC_NAMES.get((m, g))
    func = fmt.format(*_NAMES[:m]) if fmt else f"0x{g:02X}"
    return f"{', '.join(kinds)}: {func}".replace("|", "\\|")  # a Markdown table cell


#: Shapes named one by one in the table (the dev's most frequent); the others are "other".
_TOP_SHAPES = 12


def _top_labels() -> set[str]:
    hit = _cache.get("top")
    if hit is None:
        seen = sorted(SHAPES, key=lambda s: -s[2])[:_TOP_SHAPES]
        hit = _cache["top"] = {_shape_label(k, g) for k, g, _ in seen}
    return hit


def features(task: Task, answer: str) -> dict[str, str]:
    """Per-puzzle features compared between dev and generated puzzles (``python -m``).

    The rule features come from the rules of smallest arity that reproduce the examples and the
    answer (``build.explanations``), the way the dev frequencies were measured; amounts are
    those of rows with a single explanation (the first literal of each kind)."""
    xs = [int(e.source, 2) for e in task.examples]
    ys = [int(e.target, 2) for e in task.examples]
    q, a = int(task.query, 2), int(answer, 2)
    arity, found = explanations(xs + [q], ys + [a])
    shapes = {shape_of(lits, g) for lits, g in found}
    kinds = {k for k, _ in shapes}
    out = {
        "examples per prompt": str(len(xs)),
        "an example input repeats": str(len(set(xs)) < len(xs)),
        "query is an example input": str(q in xs),
        "an example output repeats": str(len(set(ys)) < len(ys)),
        "answer is an example output": str(a in ys),
        "answer popcount": str(bin(a).count("1")),
        "literals (smallest arity explaining the row)": str(arity) if found else "none",
        "rules of that arity": str(len(found)) if len(found) < 4 else "4+",
        "literal kinds": ", ".join(next(iter(kinds))) if len(kinds) == 1 else "several",
    }
    if len(shapes) == 1:
        label = _shape_label(*next(iter(shapes)))
        out["shape (rows with one shape)"] = label if label in _top_labels() else "other"
    if len(found) == 1:
        lits = found[0][0]
        group = "1 literal" if arity == 1 else "2-3 literals"
        for name, sym in zip(KIND_NAMES, ("rotl", "<<", ">>")):
            amounts = [_AMOUNT[lit] for lit in lits if KIND_NAMES[int(KIND[lit])] == name]
            if amounts:
                out[f"{sym} amount, {group} (one explanation)"] = str(amounts[0])
    return out


def example_features(task: Task) -> list[dict[str, str]]:
    """Per-example-line features: popcounts of the input and of the output."""
    return [{"example input popcount": str(e.source.count("1")), "example output popcount": str(e.target.count("1"))}
            for e in task.examples]


# ---------------------------------------------------------------------------- older helpers
def random_rule(rng: random.Random, shapes) -> tuple[int, int, int, int, int]:
    """A rule (l1, l2, l3, arity, g) from ``shapes`` = [[kinds, g, weight], ...] (catalog payload),
    amounts evenly over every literal of each kind (rotation by 0 included). Used by the
    property and adversarial tests and the benchmark to draw from a chosen set of shapes."""
    weights = [float(s[2]) for s in shapes]
    kinds, g, _ = rng.choices(shapes, weights=weights, k=1)[0]
    m = len(kinds)
    while True:
        lits = [rng.choice(_POOLS[k]) for k in kinds]
        if all(lits[i] < lits[i + 1] for i in range(m - 1)):
            break
    full = lits + [0] * (3 - m)
    return full[0], full[1], full[2], m, int(g)


def random_task(rng: random.Random, shapes, n_examples: int | None = None):
    """(task, hidden answer, rule, rule text): a ``random_rule`` and 7-10 (evenly) distinct inputs."""
    rule = random_rule(rng, shapes)
    n = n_examples or rng.randint(7, 10)
    inputs = rng.sample(range(256), n + 1)
    xs, q = inputs[:n], inputs[n]
    pairs = [(format(x, "08b"), format(apply_rule(*rule, x), "08b")) for x in xs]
    task = Task.from_pairs("bit_manipulation", pairs, format(q, "08b"))
    return task, format(apply_rule(*rule, q), "08b"), rule, rule_text(*rule)


if __name__ == "__main__":  # python -m hybrid.families.bit_manipulation.generator DEV.csv GENERATED.csv
    import sys

    from .._generator_stats import main

    sys.exit(main("bit_manipulation", features, example_features))
