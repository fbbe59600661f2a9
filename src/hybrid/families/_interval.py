"""Fitting a hidden multiplicative constant to examples that were printed after rounding.

Both measurement families print ``y = round(k * c(x), 2)`` for a hidden constant ``k`` and a
known, exact coefficient ``c(x)`` of the printed input ``x`` (``t^2/2`` for gravity, ``x`` for
unit conversion). An example printed as ``y`` therefore only says that ``k * c(x)`` lies within
half a cent of ``y``; the examples together pin ``k`` to an interval, not a point. The query's
printed answer is a step function of ``k``: we cut the interval at the query's rounding
boundaries and weigh each piece by the prior mass of ``k`` on it. One answer -> ``deduced``;
several -> ``ambiguous``, ranked by mass (the probability that answer is right).

**The rule space, exactly.** A rule is a real constant ``k > 0`` that prints
``R(k * c(x))``, where ``R`` rounds the *exact* rational product to cents, ties to even (what
Python's ``round`` does to any exactly representable value, ``Fraction`` included). All interval
arithmetic is exact (``Fraction``): the set of constants that reproduce an example is the interval
``[(Y - 1/2) / (100 c), (Y + 1/2) / (100 c)]`` (``Y`` = the printed value in cents), closed when
``Y`` is even (a tie rounds to it) and open when ``Y`` is odd. The intersection keeps track of
which end is open, so a consistent set whose endpoint sits exactly on a rounding tie of the query
is answered exactly: the endpoint's own answer is listed (as a zero-width piece) whenever it
differs from its neighbour's. The space is ``k`` in the generator's range (``ConstantPrior``)
when some constant there fits, otherwise any ``k > 0`` (so a constant beyond the range seen in
the data is still answered). Unit conversion also has *atoms* (factors that are exact multiples
of 0.1); an atom is a separate rule checked with the generator's own float computation, looked
for in the closed hull of the examples' cells (floats may round an exact tie either way, so an
atom can fit although the exact set excludes it).

``candidates`` returns one hypothesis per distinct printed answer, so ``deduced`` means every
constant of the space that reproduces every example prints the same answer. When the examples
allow more than ``MAX_ANSWERS`` answers (a query far outside the examples' range, e.g. ``t =
400 s``), only ``MAX_ANSWERS`` of them are listed and the result is a ``SearchResult`` with
status ``partial`` (the answer is then ``ambiguous`` anyway). The work is linear in the number of
examples and bounded by ``MAX_ANSWERS`` otherwise.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

from ..deadline import Deadline
from ..errors import TaskParseError
from ..task import Example, Task
from ._measure import check_number
from .base import Family, Hypothesis, SearchResult

__all__ = ["ConstantPrior", "ScaledMeasureFamily", "Interval", "consistent_set", "consistent_interval",
           "answer_range", "answer_pieces", "MAX_ANSWERS", "printed_cents"]

#: Decimals the generators round every printed value to (all 9,620 dev example targets and
#: 2,394 answers of the two families have at most 2 decimals).
DECIMALS = 2
SCALE = 10**DECIMALS
_HALF = Fraction(1, 2)
#: At most this many distinct answers are listed for one query (the dev rows have at most 4).
MAX_ANSWERS = 64
#: Beyond this printed magnitude the generator's float arithmetic no longer resolves cents
#: reliably (2**53 / 100 is about 9e13), so an answer there is never called proven.
FLOAT_EXACT_LIMIT = Fraction(10**13)


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


@dataclass(frozen=True)
class Interval:
    """A non-empty interval of constants with exact endpoints; each end open or closed."""

    lo: Fraction
    hi: Fraction
    lo_closed: bool = True
    hi_closed: bool = True

    @staticmethod
    def make(lo, hi, lo_closed=True, hi_closed=True) -> "Interval | None":
        """The interval, or None when it is empty."""
        if lo > hi or (lo == hi and not (lo_closed and hi_closed)):
            return None
        return Interval(Fraction(lo), Fraction(hi), lo_closed, hi_closed)

    def intersect(self, other: "Interval") -> "Interval | None":
        if self.lo > other.lo:
            lo, lc = self.lo, self.lo_closed
        elif other.lo > self.lo:
            lo, lc = other.lo, other.lo_closed
        else:
            lo, lc = self.lo, self.lo_closed and other.lo_closed
        if self.hi < other.hi:
            hi, hc = self.hi, self.hi_closed
        elif other.hi < self.hi:
            hi, hc = other.hi, other.hi_closed
        else:
            hi, hc = self.hi, self.hi_closed and other.hi_closed
        return Interval.make(lo, hi, lc, hc)

    def __contains__(self, k) -> bool:
        return ((self.lo < k or (self.lo_closed and k == self.lo))
                and (k < self.hi or (self.hi_closed and k == self.hi)))

    @property
    def width(self) -> Fraction:
        return self.hi - self.lo

    def point(self) -> Fraction:
        """A representative constant inside the interval (the midpoint; the point if degenerate)."""
        return (self.lo + self.hi) / 2

    def __str__(self) -> str:
        return (f"{'[' if self.lo_closed else '('}{float(self.lo):.6f}, "
                f"{float(self.hi):.6f}{']' if self.hi_closed else ')'}")


def printed_cents(k: Fraction, c: Fraction) -> int:
    """``R(k * c)`` in cents: the exact product rounded to an integer number of cents, ties to even."""
    return round(k * c * SCALE)


def to_cents(y: Fraction) -> int | None:
    """A printed value in cents, or None when it has more than two decimals (nothing prints it)."""
    v = y * SCALE
    return v.numerator if v.denominator == 1 else None


def example_set(c: Fraction, y: Fraction) -> "Interval | None | bool":
    """Constants ``k`` with ``R(k*c) == y``: an ``Interval``; ``True`` when every ``k`` does
    (``c == 0`` and ``y == 0``); ``None`` when none does."""
    cents = to_cents(y)
    if cents is None:
        return None
    if c == 0:
        return True if cents == 0 else None
    if c < 0:
        raise ValueError("coefficients are >= 0 (inputs are unsigned)")
    closed = cents % 2 == 0
    return Interval.make((cents - _HALF) / (SCALE * c), (cents + _HALF) / (SCALE * c), closed, closed)


def consistent_set(pairs, deadline: Deadline | None = None) -> "Interval | None | bool":
    """Exact set of constants reproducing every ``(c, y)`` pair: an ``Interval``, ``True`` when no
    pair constrains ``k``, ``None`` when the pairs contradict each other."""
    acc: Interval | bool = True
    for i, (c, y) in enumerate(pairs):
        if deadline is not None and i % 256 == 0:
            deadline.check("recall: consistent interval")
        s = example_set(c, y)
        if s is None:
            return None
        if s is True:
            continue
        acc = s if acc is True else acc.intersect(s)
        if acc is None:
            return None
    return acc


def consistent_interval(pairs, decimals: int = DECIMALS) -> tuple[Fraction, Fraction] | None:
    """``(lo, hi)`` of ``consistent_set`` (its closure), or None when empty or unconstrained."""
    if decimals != DECIMALS:
        raise ValueError(f"only {DECIMALS} decimals are supported")
    s = consistent_set(pairs)
    if s is None or s is True:
        return None
    return s.lo, s.hi


def _is_tie(v: Fraction) -> bool:
    return (2 * v).denominator == 1 and (2 * v).numerator % 2 == 1


def answer_range(iv: Interval, cq: Fraction) -> tuple[int, int]:
    """Lowest and highest printed query value (cents) over the constants of ``iv``; every value
    in between is printed by some constant of ``iv`` (the product is monotone in ``k``)."""
    if cq == 0:
        return 0, 0
    vlo, vhi = iv.lo * cq * SCALE, iv.hi * cq * SCALE
    j_lo = round(vlo) if iv.lo_closed or not _is_tie(vlo) else math.floor(vlo) + 1
    j_hi = round(vhi) if iv.hi_closed or not _is_tie(vhi) else math.floor(vhi)
    return j_lo, j_hi


def answer_piece(iv: Interval, cq: Fraction, j: int) -> Interval | None:
    """The constants of ``iv`` whose query prints ``j`` cents (None when there are none)."""
    if cq == 0:
        return iv if j == 0 else None
    closed = j % 2 == 0
    cell = Interval.make((j - _HALF) / (SCALE * cq), (j + _HALF) / (SCALE * cq), closed, closed)
    return iv.intersect(cell)


def answer_pieces(iv: Interval, cq: Fraction) -> list[tuple[int, Interval]]:
    """Every printed query value (cents) over ``iv`` with the piece of constants printing it, in
    increasing order. Pieces may be single points (an endpoint exactly on a rounding tie)."""
    j_lo, j_hi = answer_range(iv, cq)
    return [(j, answer_piece(iv, cq, j)) for j in range(j_lo, j_hi + 1)]


class ScaledMeasureFamily(Family):
    """A family whose rule is ``printed = fmt(round(forward(k, x), 2))`` for a hidden ``k``.

    Subclasses give the exact coefficient (``coef``), the generator's float computation
    (``forward``), the print format of an exact number of cents (``fmt_cents``) and of a float
    (``fmt``), the constant's ``prior`` and ``constant_name``.
    """

    prior: ConstantPrior
    constant_name: str = "k"
    #: Examples per task and characters per field (a number is at most 40 characters, see
    #: ``_measure``; the unit conversion query carries its unit too).
    max_examples = 100
    max_field_chars = 64
    #: The example line: a regex, the groups holding (input, output), what they are called in
    #: error messages, and the layout named when a line does not match.
    line_pattern: "re.Pattern[str]"
    line_groups: tuple[int, int] = (1, 2)
    line_fields: tuple[str, str] = ("input", "output")
    line_layout: str = ""

    def parse_example(self, text: str, line: int | None = None) -> Example:
        """Parse one example line through ``line_pattern``; both numbers are checked
        (``_measure.check_number``: plain ASCII decimals of bounded length)."""
        m = self.line_pattern.match(text.strip())
        if not m:
            raise TaskParseError(f"{self.name}: expected {self.line_layout!r}", line=line, text=text)
        src, dst = (check_number(m.group(g), self.name, what, line, text)
                    for g, what in zip(self.line_groups, self.line_fields))
        return Example(src, dst, line)

    # ---------------------------------------------------------------- per-family hooks
    def coef(self, x: str) -> Fraction:
        """The exact coefficient ``c(x)`` of the printed input ``x`` (the answer is ``k * c(x)``)."""
        raise NotImplementedError

    def forward(self, k: float, x: str) -> float:
        """The generator's own float computation of the answer for constant ``k`` and input ``x``."""
        raise NotImplementedError

    def fmt(self, value: float) -> str:
        """How the generator prints a rounded value."""
        raise NotImplementedError

    def fmt_cents(self, cents: int) -> str:
        """How the generator prints a value of exactly ``cents / 100``."""
        return self.fmt(float(Fraction(cents, SCALE)))

    # ---------------------------------------------------------------- shared machinery
    def predict(self, k: float, x: str) -> str:
        """What the generator's float computation prints for input ``x`` under constant ``k``."""
        return self.fmt(round(self.forward(k, x), DECIMALS))

    def _pairs(self, task: Task):
        return ((self.coef(ex.source), Fraction(ex.target)) for ex in task.examples)

    def interval(self, task: Task, deadline: Deadline | None = None) -> "Interval | None":
        """The constants of the rule space that reproduce every example (None: no rule fits).

        The generator's range when some constant there fits, else any ``k > 0``.
        """
        s = consistent_set(self._pairs(task), deadline)
        if s is None:
            return None
        prior_range = Interval(self.prior.low, self.prior.high)
        if s is True:
            return prior_range
        inside = s.intersect(prior_range)
        if inside is not None:
            return inside
        return s.intersect(Interval(Fraction(0), s.hi, False, True)) if s.hi > 0 else None

    def _in_prior(self, iv: Interval) -> bool:
        return self.prior.low <= iv.lo and iv.hi <= self.prior.high

    def candidates(self, task: Task, deadline: Deadline | None = None) -> "list[Hypothesis] | SearchResult":
        deadline = Deadline.coerce(deadline)
        self.check_limits(task)
        iv = self.interval(task, deadline)
        atoms = self._consistent_atoms(task, deadline)
        if iv is None and not atoms:
            return []
        deadline.check("recall")
        cq = self.coef(task.query)
        in_prior = iv is None or self._in_prior(iv)

        def weight(p: Interval) -> float:
            return self.prior.density_mass(p.lo, p.hi) if in_prior else float(p.width)

        by_answer: dict[str, dict] = {}
        notes = []
        total = 0.0
        if iv is not None:
            j_lo, j_hi = answer_range(iv, cq)
            n_answers = j_hi - j_lo + 1
            if n_answers > MAX_ANSWERS:
                j_mid = round(iv.point() * cq * SCALE)
                start = min(max(j_lo, j_mid - MAX_ANSWERS // 2), j_hi - MAX_ANSWERS + 1)
                listed = range(start, start + MAX_ANSWERS)
                notes.append(f"{n_answers} distinct answers are possible; {MAX_ANSWERS} around the "
                             "interval's centre are listed")
            else:
                listed = range(j_lo, j_hi + 1)
            if max(abs(j_lo), abs(j_hi)) >= FLOAT_EXACT_LIMIT * SCALE:
                notes.append("the query's value is beyond the precision of the generator's float arithmetic")
            for j in listed:
                deadline.check("recall: answer pieces")
                piece = answer_piece(iv, cq, j)
                if piece is None:  # cannot happen for j in [j_lo, j_hi]; kept as a guard
                    continue
                self._add(by_answer, self.fmt_cents(j), piece.point(), piece, weight(piece), atom=False)
            total = weight(iv)
        for k in atoms:
            total += self.prior.atom_mass()
            self._add(by_answer, self.predict(float(k), task.query), k, Interval(k, k),
                      self.prior.atom_mass(), atom=True)
        if total <= 0.0:  # a single point: no width to weigh by
            total = sum(v["mass"] for v in by_answer.values())
        out = []
        for ans, v in by_answer.items():
            p = v["mass"] / total if total > 0 else 1.0 / len(by_answer)
            k = v["atom"] if v["atom"] is not None else v["k"]
            out.append(Hypothesis(
                rule=float(k), text=self._text(k, v["range"], p, v["atom"] is not None),
                prior=p, complexity=0, source="direct", answer=ans,
                extra={"k": k, "atom": v["atom"] is not None, "range": v["range"],
                       "interval": (iv.lo, iv.hi) if iv is not None else None}))
        out.sort(key=lambda h: -h.prior)
        if notes:
            return SearchResult(out, "partial", "; ".join(notes))
        return out

    def _consistent_atoms(self, task: Task, deadline: Deadline) -> list[Fraction]:
        """The prior's atoms that reproduce every example under the generator's float computation.

        The float computation can round an exact tie either way, so an atom may fit although the
        exact set excludes it (e.g. f = 0.7 and 36.45 m: 25.515 exactly, printed 25.52 or 25.51
        depending on float error). Every float-consistent atom lies in the closed hull of the
        examples' cells (up to float error), which is where we look.
        """
        if self.prior.atom_step is None or self.prior.atom_weight <= 0:
            return []
        hull: tuple[Fraction, Fraction] | None = None
        for i, (c, y) in enumerate(self._pairs(task)):
            if i % 256 == 0:
                deadline.check("recall: atoms")
            cents = to_cents(y)
            if cents is None:
                return []
            if c == 0:
                if cents != 0:
                    return []
                continue
            lo, hi = (cents - _HALF) / (SCALE * c), (cents + _HALF) / (SCALE * c)
            hull = (lo, hi) if hull is None else (max(hull[0], lo), min(hull[1], hi))
        if hull is None:
            hull = (self.prior.low, self.prior.high)
        slack = max(abs(hull[0]), abs(hull[1])) * Fraction(1, 10**9)
        if hull[0] - slack > hull[1] + slack:
            return []
        return [k for k in self.prior.atoms(hull[0] - slack, hull[1] + slack) if self._fits_float(float(k), task)]

    @staticmethod
    def _add(by_answer, ans, k, piece: Interval, mass, atom: bool):
        v = by_answer.get(ans)
        if v is None:
            by_answer[ans] = {"k": k, "range": (piece.lo, piece.hi), "mass": mass, "atom": k if atom else None,
                              "best": mass}
            return
        v["mass"] += mass
        v["range"] = (min(v["range"][0], piece.lo), max(v["range"][1], piece.hi))
        if atom and v["atom"] is None:
            v["atom"] = k
        elif not atom and v["atom"] is None and mass > v["best"]:
            v["k"], v["best"] = k, mass

    def _text(self, k: Fraction, rng, p: float, atom: bool) -> str:
        name = self.constant_name
        if atom:
            return f"{name} = {float(k):g} exactly (P = {p:.3f})"
        if rng[0] == rng[1]:
            return f"{name} = {rng[0]} exactly, on a rounding tie (P = {p:.3f})"
        return f"{name} in [{float(rng[0]):.6f}, {float(rng[1]):.6f}] (P = {p:.3f})"

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        """Re-check every example: exactly (``Fraction``) at the hypothesis's constant, or with the
        generator's float computation for an atom or a hypothesis built elsewhere."""
        k = hypothesis.extra.get("k") if isinstance(hypothesis.extra, dict) else None
        if isinstance(k, Fraction) and not hypothesis.extra.get("atom"):
            if k <= 0:
                return False
            for c, y in self._pairs(task):
                cents = to_cents(y)
                if cents is None or printed_cents(k, c) != cents:
                    return False
            return True
        k = hypothesis.rule
        if not isinstance(k, float) or not math.isfinite(k):
            return False
        return self._fits_float(k, task)

    def _fits_float(self, k: float, task: Task) -> bool:
        try:
            for ex in task.examples:
                if Fraction(self.predict(k, ex.source)) != Fraction(ex.target):
                    return False
        except (OverflowError, ValueError):  # inf / huge products: not a rule that prints numbers
            return False
        return True

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        k = hypothesis.extra.get("k") if isinstance(hypothesis.extra, dict) else None
        if isinstance(k, Fraction) and not hypothesis.extra.get("atom"):
            return self.fmt_cents(printed_cents(k, self.coef(task.query)))
        k = hypothesis.rule
        if not isinstance(k, float) or not math.isfinite(k):
            return None
        try:
            return self.predict(k, task.query)
        except (OverflowError, ValueError):
            return None

    def explain(self, hypothesis: Hypothesis) -> str:
        return hypothesis.text
