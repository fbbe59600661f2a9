"""Fitting a hidden multiplicative constant to examples that were printed after rounding.

Both measurement families print ``y = round(k * c(x), 2)`` for a hidden constant ``k`` and a
known, exact coefficient ``c(x)`` of the printed input ``x`` (``t^2/2`` for gravity, ``x`` for
unit conversion). An example printed as ``y`` therefore only says
``k * c(x)`` lies in ``[y - 0.005, y + 0.005]``; the examples together pin ``k`` to an interval,
not a point. The query's printed answer is a step function of ``k``: we cut the interval at the
query's rounding boundaries and weigh each piece by the prior mass of ``k`` on it. One answer ->
``deduced``; several -> ``ambiguous``, ranked by mass (the probability that answer is right).

Interval arithmetic is exact (``Fraction``) so float error cannot move a boundary; the answer of
each piece is then produced by re-running the generator's own float computation at a point
strictly inside the piece, which is also how ``verify`` checks every example.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from ..task import Task
from .base import Family, Hypothesis

__all__ = ["ConstantPrior", "ScaledMeasureFamily", "consistent_interval", "answer_pieces"]

#: Decimals the generators round every printed value to (all 9,620 dev example targets and
#: 2,394 answers of the two families have at most 2 decimals).
DECIMALS = 2


@dataclass(frozen=True)
class ConstantPrior:
    """How the generator draws the hidden constant: uniform on ``[low, high]``, plus optional
    atoms (a total probability ``atom_weight`` spread evenly over the multiples of ``atom_step``
    inside the range)."""

    low: Fraction
    high: Fraction
    atom_step: Fraction | None = None
    atom_weight: float = 0.0

    def atoms(self, lo: Fraction, hi: Fraction) -> list[Fraction]:
        """Atoms inside the closed interval ``[lo, hi]`` (and inside the prior's range)."""
        if self.atom_step is None or self.atom_weight <= 0:
            return []
        lo, hi = max(lo, self.low), min(hi, self.high)
        if lo > hi:
            return []
        first, last = math.ceil(lo / self.atom_step), math.floor(hi / self.atom_step)
        return [m * self.atom_step for m in range(first, last + 1)]

    @property
    def n_atoms(self) -> int:
        if self.atom_step is None:
            return 0
        return math.floor(self.high / self.atom_step) - math.ceil(self.low / self.atom_step) + 1

    def atom_mass(self) -> float:
        n = self.n_atoms
        return self.atom_weight / n if n else 0.0

    def density_mass(self, lo: Fraction, hi: Fraction) -> float:
        """Continuous prior mass of ``[lo, hi]``."""
        lo, hi = max(lo, self.low), min(hi, self.high)
        if hi <= lo:
            return 0.0
        return float((hi - lo) / (self.high - self.low)) * (1.0 - self.atom_weight)


def _half_step(decimals: int) -> Fraction:
    return Fraction(1, 2 * 10**decimals)


def consistent_interval(pairs, decimals: int = DECIMALS) -> tuple[Fraction, Fraction] | None:
    """The closed interval of constants ``k`` with ``|k*c - y| <= half a unit`` for every
    ``(c, y)`` pair (exact Fractions), or None when the examples contradict each other.

    An example with ``c == 0`` constrains nothing but must print zero.
    """
    half = _half_step(decimals)
    lo: Fraction | None = None
    hi: Fraction | None = None
    for c, y in pairs:
        if c == 0:
            if abs(y) > half:
                return None
            continue
        a, b = (y - half) / c, (y + half) / c
        if a > b:
            a, b = b, a
        lo = a if lo is None or a > lo else lo
        hi = b if hi is None or b < hi else hi
        if lo > hi:
            return None
    if lo is None:  # no example constrains k (every coefficient was zero)
        return None
    return lo, hi


def answer_pieces(lo: Fraction, hi: Fraction, cq: Fraction, decimals: int = DECIMALS):
    """Cut ``[lo, hi]`` at the constants where ``k*cq`` crosses a rounding boundary of the query.

    Returns ``[(piece_lo, piece_hi), ...]`` in increasing order; each piece maps to one rounded
    query value (a zero-width interval gives one degenerate piece).
    """
    if cq == 0 or lo == hi:
        return [(lo, hi)]
    unit = Fraction(1, 10**decimals)
    half = unit / 2
    a, b = sorted((lo * cq, hi * cq))
    # Boundaries sit at (j + 1/2) * unit for integer j.
    first = math.ceil((a - half) / unit)
    last = math.floor((b - half) / unit)
    cuts = [((j * unit + half) / cq) for j in range(first, last + 1)]
    cuts = sorted(c for c in cuts if lo < c < hi)
    edges = [lo, *cuts, hi]
    return [(edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


class ScaledMeasureFamily(Family):
    """A family whose rule is ``printed = fmt(round(forward(k, x), 2))`` for a hidden ``k``.

    Subclasses give the exact coefficient (``coef``), the generator's float computation
    (``forward``), the print format (``fmt``), the constant's ``prior`` and ``constant_name``.
    """

    prior: ConstantPrior
    constant_name: str = "k"

    # ---------------------------------------------------------------- per-family hooks
    def coef(self, x: str) -> Fraction:
        raise NotImplementedError

    def forward(self, k: float, x: str) -> float:
        raise NotImplementedError

    def fmt(self, value: float) -> str:
        raise NotImplementedError

    # ---------------------------------------------------------------- shared machinery
    def predict(self, k: float, x: str) -> str:
        """What the generator prints for input ``x`` under constant ``k``."""
        return self.fmt(round(self.forward(k, x), DECIMALS))

    def interval(self, task: Task) -> tuple[Fraction, Fraction] | None:
        return consistent_interval((self.coef(ex.source), Fraction(ex.target)) for ex in task.examples)

    def candidates(self, task: Task, deadline=None) -> list[Hypothesis]:
        iv = self.interval(task)
        if iv is None:
            return []
        lo, hi = iv
        # Clip to the prior's range; keep the raw interval when it lies wholly outside, so a
        # constant drawn beyond the range seen in the data is still answered.
        clipped = (max(lo, self.prior.low), min(hi, self.prior.high))
        if clipped[0] <= clipped[1]:
            lo, hi = clipped
        cq = self.coef(task.query)
        by_answer: dict[str, dict] = {}
        for p_lo, p_hi in answer_pieces(lo, hi, cq):
            k = (p_lo + p_hi) / 2
            ans = self.predict(float(k), task.query)
            mass = self.prior.density_mass(p_lo, p_hi)
            if mass == 0.0:  # outside the prior's range: weigh by width alone
                mass = float(p_hi - p_lo) * 1e-12 or 1e-300
            self._add(by_answer, ans, k, (p_lo, p_hi), mass, atom=False)
        for k in self.prior.atoms(lo, hi):
            # An atom on the interval's edge may sit on an exact tie; only the generator's own
            # float computation says whether it reproduces the examples.
            if not self._fits(float(k), task):
                continue
            ans = self.predict(float(k), task.query)
            self._add(by_answer, ans, k, (k, k), self.prior.atom_mass(), atom=True)
        total = sum(v["mass"] for v in by_answer.values()) or 1.0
        out = []
        for ans, v in by_answer.items():
            k = v["atom"] if v["atom"] is not None else v["k"]
            p = v["mass"] / total
            out.append(Hypothesis(
                rule=float(k), text=self._text(k, v["range"], p, v["atom"] is not None),
                prior=p, complexity=0, source="direct", answer=ans,
                extra={"range": (v["range"][0], v["range"][1]), "interval": (lo, hi)}))
        out.sort(key=lambda h: -h.prior)
        return out

    @staticmethod
    def _add(by_answer, ans, k, rng, mass, atom: bool):
        v = by_answer.get(ans)
        if v is None:
            by_answer[ans] = {"k": k, "range": rng, "mass": mass, "atom": k if atom else None}
            return
        v["mass"] += mass
        v["range"] = (min(v["range"][0], rng[0]), max(v["range"][1], rng[1]))
        if atom and v["atom"] is None:
            v["atom"] = k

    def _text(self, k: Fraction, rng, p: float, atom: bool) -> str:
        name = self.constant_name
        if atom:
            return f"{name} = {float(k):g} exactly (P = {p:.3f})"
        return f"{name} in [{float(rng[0]):.6f}, {float(rng[1]):.6f}] (P = {p:.3f})"

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        k = hypothesis.rule
        if not isinstance(k, float) or not math.isfinite(k):
            return False
        return self._fits(k, task)

    def _fits(self, k: float, task: Task) -> bool:
        for ex in task.examples:
            if Fraction(self.predict(k, ex.source)) != Fraction(ex.target):
                return False
        return True

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        k = hypothesis.rule
        if not isinstance(k, float) or not math.isfinite(k):
            return None
        return self.predict(k, task.query)

    def explain(self, hypothesis: Hypothesis) -> str:
        return hypothesis.text
