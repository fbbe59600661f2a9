"""Row-level rule model: a reading direction plus one operation per operator glyph.

``consistent_ops`` finds, per glyph, the operations that reproduce every example line of that
glyph; the prior (learned from dev rows by ``learn_prior`` and stored in the catalog) ranks the
survivors and, for an operator the examples never show, guesses one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from .operations import BY_NAME, FAMILIES, OPERATIONS, Operation

__all__ = ["Rule", "split", "lines_by_glyph", "consistent_ops", "glyph_class", "Prior", "learn_prior"]


@dataclass(frozen=True)
class Rule:
    """A full hypothesis: reading direction and ``glyph -> operation name``."""

    reverse: bool
    #: sorted ``(glyph, operation)`` pairs; an operation is a catalog name (``str``) or an
    #: object with ``fn``/``describe`` found by search (``search.LinearOp``).
    ops: tuple[tuple[str, object], ...]

    def op(self, glyph: str):
        for g, o in self.ops:
            if g == glyph:
                return BY_NAME[o] if isinstance(o, str) else o
        return None

    def text(self) -> str:
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


def glyph_class(g: str) -> str:
    """The prior conditions on the glyph only when it is a familiar arithmetic symbol."""
    return g if g in "+-*" else "other"


class Prior:
    """Relative likelihoods of directions and operations, learned from dev rows.

    ``score(op, glyph, seen_families)`` = P(family | glyph class) * P(variant | family,
    direction) * P(family repeats | whether another operator of the row already has it).
    """

    def __init__(self, data: dict):
        self.data = data
        self.mode = {k: float(v) for k, v in data["mode"].items()}
        self.fam = data["family_by_glyph"]
        self.var = data["variant"]
        self.rep = data["repeat"]

    def mode_score(self, reverse: bool) -> float:
        tot = sum(self.mode.values()) + 2.0
        return (self.mode["1" if reverse else "0"] + 1.0) / tot

    def family_score(self, family: str, glyph: str) -> float:
        row = self.fam.get(glyph_class(glyph), {})
        tot = sum(row.values()) + 0.5 * len(FAMILIES)
        return (row.get(family, 0.0) + 0.5) / tot

    def variant_score(self, op: Operation) -> float:
        row = self.var["1" if op.reverse else "0"]
        same = [o.name for o in OPERATIONS if o.reverse == op.reverse and o.family == op.family]
        tot = sum(row.get(n, 0.0) for n in same) + 0.1 * len(same)
        return (row.get(op.name, 0.0) + 0.1) / tot

    def repeat_score(self, family: str, seen_families: set[str]) -> float:
        hit, tot = self.rep[family]["seen" if family in seen_families else "fresh"]
        return (hit + 0.5) / (tot + 1.0)

    def score(self, op: Operation, glyph: str, seen_families: set[str] | None = None) -> float:
        s = self.family_score(op.family, glyph) * self.variant_score(op)
        if seen_families is not None:
            s *= self.repeat_score(op.family, seen_families)
        return s


def certain_families(sets: list[list[Operation]]) -> set[str]:
    """Families that some operator certainly uses (all its consistent operations agree)."""
    out = set()
    for ops in sets:
        fams = {op.family for op in ops}
        if len(fams) == 1:
            out |= fams
    return out


def learn_prior(tasks) -> dict:
    """Soft counts over dev rows (answers used only to pin the query operator's operation)."""
    mode = {"0": 0.0, "1": 0.0}
    fam: dict[str, dict[str, float]] = {}
    var: dict[str, dict[str, float]] = {"0": {}, "1": {}}
    rep = {f: {"seen": [0.0, 0], "fresh": [0.0, 0]} for f in FAMILIES}
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
        if not viable:
            continue
        w_mode = 1.0 / len(viable)
        for reverse, sets in viable:
            key = "1" if reverse else "0"
            mode[key] += w_mode
            for g, ops in sets.items():
                w = w_mode / len(ops)
                others = certain_families([o for h, o in sets.items() if h != g])
                gc = glyph_class(g)
                for op in ops:
                    fam.setdefault(gc, {}).setdefault(op.family, 0.0)
                    fam[gc][op.family] += w
                    var[key][op.name] = var[key].get(op.name, 0.0) + w
                for f in FAMILIES:
                    slot = rep[f]["seen" if f in others else "fresh"]
                    slot[0] += sum(w for op in ops if op.family == f)
                    slot[1] += w_mode
    rnd = lambda x: round(x, 6)  # noqa: E731  (stable floats keep rebuilds byte-identical)
    return {
        "mode": {k: rnd(v) for k, v in mode.items()},
        "family_by_glyph": {gc: {f: rnd(v) for f, v in sorted(d.items())} for gc, d in sorted(fam.items())},
        "variant": {k: {n: rnd(v) for n, v in sorted(d.items())} for k, d in var.items()},
        "repeat": {f: {k: [rnd(v[0]), rnd(v[1])] for k, v in d.items()} for f, d in rep.items()},
    }


def log(x: float) -> float:
    return math.log(max(x, 1e-300))
