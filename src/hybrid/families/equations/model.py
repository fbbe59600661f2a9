"""Row-level rule model: a reading direction plus one operation per operator glyph.

``consistent_ops`` finds, per glyph, the operations that reproduce every example line of that
glyph; the prior (learned from dev rows by ``learn_prior`` and stored in the catalog) ranks the
survivors and, for an operator the examples never show, guesses one.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass

from .operations import BY_NAME, FAMILIES, OPERATIONS, Operation

__all__ = ["Rule", "split", "lines_by_glyph", "consistent_ops", "glyph_class", "Prior", "learn_prior",
           "ROLES", "roles_feasible", "ROLE_EPS", "is_normal", "NORMAL_COUNTS", "normal_count_ok", "TWIST_EPS",
           "structure_weight"]

#: The generator writes every row with the three arithmetic operators ``+``, ``-``, ``*`` (then
#: optionally swaps them for other glyphs) and gives each *role* a secret operation of a fixed
#: kind: ``+`` an addition or a concatenation, ``*`` a multiplication or a concatenation, ``-`` a
#: subtraction or ``max mod min``. Different glyphs of a row are different roles, so a row's
#: operators need an injective role assignment: every one of the 549 numeric and 487 decoded
#: glyph rows has one (with its answer), while e.g. an addition, a multiplication and a
#: concatenation can never share a row (docs/families/equation_numeric.md, "Hypotheses tested").
ROLES: dict[str, frozenset[str]] = {
    "plus": frozenset({"add", "cat"}),
    "times": frozenset({"mul", "cat"}),
    "minus": frozenset({"sub", "mod"}),
}

#: Weight of a whole-row assignment with no role assignment (0 of 1,036 dev rows; kept above 0
#: so that an unforeseen rule still ranks instead of vanishing).
ROLE_EPS = 1e-3


def is_normal(op) -> bool:
    """Whether an operation is its role's ordinary arithmetic: ``a+b``, ``a*b`` or ``a-b`` with the
    sign before the digits (in the row's reading direction). Every other variant is a *twist*
    (a +-1 offset, a concatenation, ``|a-b|``, ``-|a-b|``, ``b-a``, a suffix sign, ``max mod min``)."""
    return op.base in ("add", "mul") or (op.base == "sub" and op.sign == "pre")


#: How many of a row's operators the generator leaves normal, per family and reading direction:
#: ``{family: {reverse: {number of operator glyphs k: allowed numbers of normal operators}}}``.
#: Counted over the dev rows with the answer added, every operator's operation pinned down
#: (``docs/families/equation_numeric.md``, "Hypotheses tested" 7):
#:
#: * equation_numeric, plain rows: exactly one normal operator among the three roles. 3-glyph
#:   rows: one normal in 66/66 (0 with none, 0 with two or three, against about 20 and 19 expected
#:   if operators were drawn independently); 2-glyph rows: none 18, one 32, two 0 (18/50 = the
#:   1/3 of rows whose normal role is the one not shown).
#: * equation_numeric, reversed rows: one or two normal operators. 3-glyph rows: one 84, two 24,
#:   none 0, three 0 (about 29 expected for none or three together).
#: * cryptarithm (decoded glyph rows): plain 3-glyph rows one 58, two 42, none 0, three 0;
#:   reversed rows never have more than one twisted operator (3 glyphs: two normal 59, three 10,
#:   one 0; 2 glyphs: one 37, two 29, none 0). The glyph generator's budget differs from the
#:   numeric one's.
NORMAL_COUNTS: dict[str, dict[bool, dict[int, frozenset[int]]]] = {
    "equation_numeric": {
        False: {1: frozenset({0, 1}), 2: frozenset({0, 1}), 3: frozenset({1})},
        True: {1: frozenset({0, 1}), 2: frozenset({0, 1, 2}), 3: frozenset({1, 2})},
    },
    "cryptarithm": {
        False: {1: frozenset({0, 1}), 2: frozenset({0, 1, 2}), 3: frozenset({1, 2})},
        True: {1: frozenset({0, 1}), 2: frozenset({1, 2}), 3: frozenset({2, 3})},
    },
}

#: Weight of a whole-row assignment outside ``NORMAL_COUNTS`` (0 such rows in the dev data; kept
#: above 0 so that such an assignment still ranks when nothing else fits).
TWIST_EPS = 1e-3


def normal_count_ok(family: str, ops, reverse: bool) -> bool:
    """Whether the row's operations (one per operator glyph) have an allowed number of normal
    operators for this family and reading direction (``NORMAL_COUNTS``)."""
    ops = list(ops)
    allowed = NORMAL_COUNTS[family][bool(reverse)].get(len(ops))
    return allowed is None or sum(is_normal(o) for o in ops) in allowed


@dataclass(frozen=True)
class Rule:
    """A full hypothesis: reading direction and ``glyph -> operation name``."""

    reverse: bool
    #: sorted ``(glyph, operation)`` pairs; an operation is a catalog name (``str``) or an
    #: object with ``fn``/``describe`` found by search (``search.LinearOp``).
    ops: tuple[tuple[str, object], ...]

    def op(self, glyph: str):
        """The operation the rule gives ``glyph`` (None when the rule does not cover it)."""
        for g, o in self.ops:
            if g == glyph:
                return BY_NAME[o] if isinstance(o, str) else o
        return None

    def text(self) -> str:
        """The rule as readable text: reading direction, then each glyph's operation."""
        head = "reversed operands/results" if self.reverse else "plain reading"
        parts = [f"'{g}' = {self.op(g).describe()}" for g, _ in self.ops]
        return f"{head}; " + "; ".join(parts)


def split(lhs: str) -> tuple[str, str, str]:
    """``'33-71'`` -> ``('33', '-', '71')``."""
    return lhs[:2], lhs[2], lhs[3:]


def lines_by_glyph(pairs) -> dict[str, list[tuple[str, str, str]]]:
    """``[(lhs, result), ...]`` -> ``{glyph: [(a, b, result), ...]}`` in first-seen order."""
    by: dict[str, list] = defaultdict(list)
    for lhs, res in pairs:
        a, g, b = split(lhs)
        by[g].append((a, b, res))
    return dict(by)


def consistent_ops(lines: list[tuple[str, str, str]], glyph: str, reverse: bool) -> list[Operation]:
    """Reference (pure Python) matcher: operations of one direction fitting every line."""
    return [op for op in OPERATIONS if op.reverse == reverse and all(op.fn(a, b, glyph) == r for a, b, r in lines)]


STANDARD = "+-*"


def glyph_class(g: str, row_glyphs) -> str:
    """The prior conditions on the glyph only in rows whose operators (query included) are all
    familiar arithmetic symbols: there ``+`` is an addition or a concatenation, ``*`` a
    multiplication or a concatenation, ``-`` a subtraction or ``max mod min``; in mixed rows a
    ``+`` means no more than any other symbol."""
    return g if all(h in STANDARD for h in row_glyphs) else "other"


#: Add-k pseudo-counts of the prior's parts: the operation family given the glyph class, the
#: variant given its family (and the row's offset context), and a family repeating in a row.
FAMILY_SMOOTHING = 0.5
VARIANT_SMOOTHING = 0.1
REPEAT_SMOOTHING = 0.5
#: Combine the group-repeat table with P(family | glyph class) as a ratio to the family's base rate
#: (``Prior.repeat_factor``) in equation_numeric. Off: on the nested 2-fold check the ratio keeps
#: accuracy (489/549 both) but raises ECE 0.024 -> 0.029 (docs/families/equation_numeric.md,
#: "Priors tried"); cryptarithm, where it pays, sets its own switch (``cryptarithm.weights``).
REPEAT_RATIO = False


class Prior:
    """Relative likelihoods of directions and operations, learned from dev rows.

    ``score(op, glyph_class, seen_families, context)`` = P(family | glyph class) * P(variant | family,
    direction) * P(family repeats | whether another operator of the row already has it).
    """

    def __init__(self, data: dict):
        self.data = data
        self.mode = {k: float(v) for k, v in data["mode"].items()}
        self.fam = data["family_by_glyph"]
        self.var = data["variant"]
        self.rep = data["repeat"]

    def mode_score(self, reverse: bool) -> float:
        """P(reading direction), add-one smoothed."""
        tot = sum(self.mode.values()) + 2.0
        return (self.mode["1" if reverse else "0"] + 1.0) / tot

    def family_score(self, family: str, gclass: str) -> float:
        """P(operation family | glyph class), smoothed with ``FAMILY_SMOOTHING``."""
        row = self.fam.get(gclass, {})
        tot = sum(row.values()) + FAMILY_SMOOTHING * len(FAMILIES)
        return (row.get(family, 0.0) + FAMILY_SMOOTHING) / tot

    def variant_score(self, op: Operation, context: str | None = None) -> float:
        """P(variant | family, reading direction[, context]) within the operation's family."""
        key = "1" if op.reverse else "0"
        row = self.var.get(f"{key}|{context}", self.var[key]) if context else self.var[key]
        same = [o.name for o in OPERATIONS if o.reverse == op.reverse and o.family == op.family]
        tot = sum(row.get(n, 0.0) for n in same) + VARIANT_SMOOTHING * len(same)
        return (row.get(op.name, 0.0) + VARIANT_SMOOTHING) / tot

    def repeat_score(self, family: str, seen_families: set[str], gclass: str = "other") -> float:
        """P(the family is used | whether another operator of the row already uses it), smoothed."""
        rep = self.rep.get("standard" if gclass != "other" else "other", self.rep)
        hit, tot = rep[family]["seen" if family in seen_families else "fresh"]
        return (hit + REPEAT_SMOOTHING) / (tot + 2 * REPEAT_SMOOTHING)

    def score(self, op: Operation, gclass: str, seen_families: set[str] | None = None,
              context: str | None = None) -> float:
        """The prior weight of ``op`` on a glyph of class ``gclass``: family x variant (x repeat factor when ``seen_families`` is given)."""
        s = self.family_score(op.family, gclass) * self.variant_score(op, context)
        if seen_families is not None:
            s *= self.repeat_factor(op.family, seen_families, gclass)
        return s

    def repeat_factor(self, family: str, seen_families: set[str], gclass: str = "other",
                      ratio: bool | None = None) -> float:
        """The group-repeat factor that multiplies P(family | glyph class): with ``REPEAT_RATIO``,
        P(family | context) / P(family) over the same table (naive Bayes: the base rate is already
        in ``family_score``); without it, ``repeat_score`` as it is (the base rate counted twice).
        ``ratio`` overrides the module default."""
        r = self.repeat_score(family, seen_families, gclass)
        if not (REPEAT_RATIO if ratio is None else ratio):
            return r
        rep = self.rep.get("standard" if gclass != "other" else "other", self.rep)[family]
        hit = rep["seen"][0] + rep["fresh"][0]
        tot = rep["seen"][1] + rep["fresh"][1]
        return r / ((hit + REPEAT_SMOOTHING) / (tot + 2 * REPEAT_SMOOTHING))


def roles_feasible(families) -> bool:
    """Whether distinct operators with these operation families fit distinct roles."""
    fams = list(families)
    if len(fams) > len(ROLES):
        return False
    for perm in itertools.permutations(ROLES, len(fams)):
        if all(f in ROLES[r] for f, r in zip(fams, perm, strict=True)):
            return True
    return False


def structure_weight(family: str, ops, reverse: bool | None, roles: bool = True,
                     normal_counts: bool = True) -> float:
    """Factor for a whole-row assignment (one operation per operator glyph) from the generator's
    row structure: ``ROLE_EPS`` when the operators cannot be distinct roles (``roles``),
    ``TWIST_EPS`` when their number of normal operators is outside ``NORMAL_COUNTS[family]``
    (``normal_counts``; skipped when ``reverse`` is None, i.e. operators read in mixed directions)."""
    ops = list(ops)
    w = 1.0
    if roles and not roles_feasible(o.family for o in ops):
        w *= ROLE_EPS
    if normal_counts and reverse is not None and not normal_count_ok(family, ops, reverse):
        w *= TWIST_EPS
    return w


def certain_families(sets: list[list[Operation]]) -> set[str]:
    """Families that some operator certainly uses (all its consistent operations agree)."""
    out = set()
    for ops in sets:
        fams = {op.family for op in ops}
        if len(fams) == 1:
            out |= fams
    return out


def _structures(tasks) -> list[list[tuple[bool, dict[str, list[Operation]]]]]:
    """Per dev row, its viable directions with the consistent operations of every glyph
    (the answer pins the query operator's operation)."""
    out = []
    for task in tasks:
        answer = task.meta.get("answer")
        pairs = [(e.source, e.target) for e in task.examples]
        if answer is not None:
            pairs.append((task.query, answer))
        by = lines_by_glyph(pairs)
        viable = []
        for reverse in (False, True):
            sets = {g: consistent_ops(ls, g, reverse) for g, ls in by.items()}
            if all(sets.values()):
                viable.append((reverse, sets))
        if viable:
            out.append((viable, tuple(by)))
    return out


def _counts(structures, prior: Prior | None) -> dict:
    """Expected counts; with ``prior`` None every consistent explanation weighs the same,
    otherwise by its posterior under ``prior`` (one EM step)."""
    mode = {"0": 0.0, "1": 0.0}
    fam: dict[str, dict[str, float]] = {}
    var: dict[str, dict[str, float]] = {"0": {}, "1": {}}
    rep = {kind: {f: {"seen": [0.0, 0.0], "fresh": [0.0, 0.0]} for f in FAMILIES} for kind in ("standard", "other")}
    for viable, row_glyphs in structures:
        if prior is None:
            w_modes = [1.0 / len(viable)] * len(viable)
        else:
            lik = [prior.mode_score(r) * math.prod(sum(prior.score(o, glyph_class(g, row_glyphs)) for o in ops)
                                                   for g, ops in sets.items())
                   for r, sets in viable]
            tot = sum(lik) or 1.0
            w_modes = [x / tot for x in lik]
        for (reverse, sets), w_mode in zip(viable, w_modes, strict=True):
            key = "1" if reverse else "0"
            mode[key] += w_mode
            for g, ops in sets.items():
                if prior is None:
                    ws = [w_mode / len(ops)] * len(ops)
                else:
                    sc = [prior.score(o, glyph_class(g, row_glyphs)) for o in ops]
                    t = sum(sc) or 1.0
                    ws = [w_mode * x / t for x in sc]
                other_sets = [o for h, o in sets.items() if h != g]
                others = certain_families(other_sets)
                ctx_key = f"{key}|{offset_context(other_sets)}"
                gc = glyph_class(g, row_glyphs)
                for op, w in zip(ops, ws, strict=True):
                    fam.setdefault(gc, {}).setdefault(op.family, 0.0)
                    fam[gc][op.family] += w
                    var[key][op.name] = var[key].get(op.name, 0.0) + w
                    var.setdefault(ctx_key, {})
                    var[ctx_key][op.name] = var[ctx_key].get(op.name, 0.0) + w
                for f in FAMILIES:
                    slot = rep["standard" if gc != "other" else "other"][f]["seen" if f in others else "fresh"]
                    slot[0] += sum(w for op, w in zip(ops, ws, strict=True) if op.family == f)
                    slot[1] += w_mode
    rnd = lambda x: round(x, 6)  # noqa: E731  (stable floats keep rebuilds byte-identical)
    return {
        "mode": {k: rnd(v) for k, v in mode.items()},
        "family_by_glyph": {gc: {f: rnd(v) for f, v in sorted(d.items())} for gc, d in sorted(fam.items())},
        "variant": {k: {n: rnd(v) for n, v in sorted(d.items())} for k, d in sorted(var.items())},
        "repeat": {kind: {f: {k: [rnd(v[0]), rnd(v[1])] for k, v in d.items()} for f, d in r.items()}
                   for kind, r in rep.items()},
    }


#: EM iterations: soft counts re-weighted by the posterior. 0 (the shipped value): every consistent
#: explanation of a row counts the same. Re-weighting sharpens the prior (an operation that is
#: often merely *compatible*, ``|a-b|`` whenever a > b, loses mass to the one it is compatible
#: with), and that sharpening did not hold on held-out rows: nested 2-fold, 10 iterations vs 0,
#: cryptarithm 67.26% / ECE 0.038 vs 67.42% / 0.025, equation_numeric 89.44% / 0.026 vs
#: 89.07% / 0.024 (docs/calibration.md, docs/families/equation_numeric.md "Priors tried").
EM_ITERATIONS = 0


def offset_context(sets: list[list[Operation]]) -> str:
    """Whether the row's other additions/multiplications carry a +-1 offset.

    Offsets rarely stack: in plain-direction dev rows an unshifted ``a+b`` never meets an
    unshifted ``a*b``, so the variant of a guessed operator depends on this context.
    """
    ctx = "none"
    for ops in sets:
        if ops and all(o.family in ("add", "mul") for o in ops):
            shifted = {o.base.endswith(("+1", "-1")) for o in ops}
            if shifted == {True}:
                return "offset"
            if shifted == {False}:
                ctx = "plain"
    return ctx


def learn_prior(tasks, iterations: int = EM_ITERATIONS) -> dict:
    """The prior's expected counts over dev rows (answers used only to pin the query operator)."""
    structures = _structures(tasks)
    data = _counts(structures, None)
    for _ in range(iterations):
        data = _counts(structures, Prior(data))
    return data


def log(x: float) -> float:
    """``math.log`` that maps 0 to log(1e-300) instead of raising."""
    return math.log(max(x, 1e-300))
