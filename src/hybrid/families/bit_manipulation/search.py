"""CP-SAT fallback of bit_manipulation: a per-output-bit rule found from the examples alone, with a
proof of how many answers it leaves.

**The search's rule space.** For every output bit ``j`` independently, a *support* ``S_j`` (a set
of input bits) and any boolean function ``f_j`` of those bits such that ``f_j`` reproduces bit ``j``
of every example, where ``|S_j|`` is the smallest size for which such a function exists (``k_j``).
Any minimum support and any function on it belong to the space, including any value for an input
pattern no example shows. (The bits are independent, so minimising the total ``sum |S_j|`` is the
same as minimising each.) A ``deduced`` answer from the search means: *every per-bit rule of
minimum support that reproduces the examples gives the query this answer.* The catalog's space
(``grammar.py``) is a different one: the search runs only when no catalog rule fits.

**Answers form a product.** Bit ``j`` of the query can take the value ``w`` iff some support of
size ``k_j`` satisfies (a) for every two examples whose bit ``j`` differs, ``S`` holds an input bit
where their inputs differ, and (b) for every example whose bit ``j`` is not ``w``, ``S`` holds an
input bit where its input differs from the query ((query, w) read as one more example). So the
answers are ``V_0 x ... x V_7`` with ``V_j`` the feasible values of bit ``j``.

**Steps** (``search``; ``SearchEngine`` abstracts the solver, so the python-constraint baseline in
``baseline.py`` runs the same steps):

0. ``prepare``: examples are de-duplicated by input (there are only 256 inputs). The same input
   with two outputs is a contradiction: no rule of the space (or any function of the input) fits,
   proven before any solver runs -> ``infeasible``. Clauses are bit masks (input bit ``i`` is
   mask bit ``7 - i``, as in the values): per output bit, the distinct ``a ^ b`` over pairs of
   distinct inputs with different output bits, at most 128 x 128 pairs and 255 distinct masks
   whatever the number of example lines, so building the model is linear in the input.
1. CP-SAT minimises ``|S_j|`` under (a), one small model per output bit (a joint model of the
   sum is the same problem, but CP-SAT proves its optimum ~40x more slowly). OPTIMAL gives every
   ``k_j``; the optimum's supports
   give a first answer (a bit whose query pattern no example shows under its support is free:
   both values are feasible).
2. "answer != found", split by bit (the bits are independent, so the answer can differ iff one
   of its bits can): for each bit whose value the first support reads from an example, CP-SAT
   looks for a support with ``|T| = k_j``, (a), and (b) for the other value. INFEASIBLE for every
   bit is "answer != found is INFEASIBLE": the answer is unique (``complete``). A FEASIBLE bit can
   flip, with the support proving it. UNKNOWN gives ``time_limit``.
3. One hypothesis per answer in ``V_0 x ... x V_7``, at most ``MAX_ANSWERS`` (the likeliest);
   when more exist the result is ``partial`` (the note says how many).

Statuses: ``complete`` (every answer of the space listed), ``infeasible`` (contradictory examples),
``time_limit`` (a solver or the deadline stopped first; what was found is a lower bound),
``partial`` (more than ``MAX_ANSWERS`` answers).

Ranking (not part of any proof): a hypothesis's prior is the product over bits of the share of
minimum supports voting for its value (a support whose query pattern no example shows splits its
vote), counted by enumerating the at most C(8, 4) = 70 supports of size ``k_j``. A hypothesis is a
``guess`` when some bit of the query is unconstrained by every minimum support.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np

from ...deadline import Deadline, TimeLimitReached
from ..base import Hypothesis, SearchResult

__all__ = ["MAX_ANSWERS", "PerBitRule", "Contradiction", "BitProblem", "prepare", "SearchEngine", "CpSatEngine",
           "search", "search_task", "minimum_supports", "bit_mask", "mask_bits"]

#: At most this many hypotheses (distinct answers) are returned; past it the result is ``partial``.
MAX_ANSWERS = 32

_POPCOUNT = np.array([bin(m).count("1") for m in range(256)], dtype=np.int64)
_BY_SIZE = {k: np.array([m for m in range(256) if _POPCOUNT[m] == k], dtype=np.int64) for k in range(9)}


def bit_mask(bits) -> int:
    """Mask of input bits (0 = most significant) as the values carry them: bit ``i`` -> ``1 << (7 - i)``."""
    m = 0
    for i in bits:
        m |= 1 << (7 - int(i))
    return m


_ALL = np.arange(256, dtype=np.int64)
_PATTERNS: dict[int, list[int]] = {}


def _patterns(mask: int) -> list[int]:
    """The input patterns ``x & mask`` in truth-table order (first input bit most significant)."""
    got = _PATTERNS.get(mask)
    if got is None:
        bits = mask_bits(mask)
        got = []
        for e in range(1 << len(bits)):
            pattern = 0
            for n, i in enumerate(bits):
                if (e >> (len(bits) - 1 - n)) & 1:
                    pattern |= 1 << (7 - i)
            got.append(pattern)
        _PATTERNS[mask] = got
    return got


def mask_bits(mask: int) -> tuple[int, ...]:
    """Input bits (0 = most significant) of a mask, ascending."""
    return tuple(i for i in range(8) if (mask >> (7 - i)) & 1)


# ---------------------------------------------------------------------------------- the rule
@dataclass(frozen=True)
class PerBitRule:
    """Output bit ``j`` = ``tables[j][x & supports[j]]``, or ``fallback[j]`` for a pattern the table
    does not hold. ``supports[j]`` is a mask of input bits (input bit ``i`` = mask bit ``7 - i``)."""

    supports: tuple[int, ...]
    tables: tuple[tuple[tuple[int, int], ...], ...]  # per bit: sorted (pattern, bit)
    fallback: tuple[int, ...]

    @cached_property
    def _dicts(self) -> list[dict]:
        return [dict(t) for t in self.tables]

    @cached_property
    def outputs(self) -> np.ndarray:
        """The rule's output for each of the 256 inputs."""
        out = np.zeros(256, dtype=np.int64)
        for j, (sup, tab) in enumerate(zip(self.supports, self.tables, strict=True)):
            lut = np.full(256, self.fallback[j], dtype=np.int64)
            for pattern, b in tab:
                lut[pattern] = b
            out |= lut[_ALL & sup] << (7 - j)
        return out.astype(np.uint8)

    def apply(self, x: int) -> tuple[int, bool]:
        """(output, whether every bit was read from the table rather than the fallback)."""
        out, seen_all = 0, True
        for j, (sup, d) in enumerate(zip(self.supports, self._dicts, strict=True)):
            b = d.get(x & sup)
            if b is None:
                b, seen_all = self.fallback[j], False
            out |= b << (7 - j)
        return out, seen_all

    def text(self) -> str:
        """The rule as text: each output bit as a function of the input bits it reads."""
        parts = []
        for j, (sup, d) in enumerate(zip(self.supports, self._dicts, strict=True)):
            bits = mask_bits(sup)
            if not bits:
                parts.append(f"y{j}={d.get(0, self.fallback[j])}")
                continue
            tt = "".join("-" if (v := d.get(p)) is None else str(v) for p in _patterns(sup))
            names = ",".join(f"x{i}" for i in bits)
            if len(bits) == 1 and tt in ("01", "10"):
                parts.append(f"y{j}={'' if tt == '01' else '~'}{names}")
            else:
                parts.append(f"y{j}=f({names})[{tt}]")
        return "per-bit: " + " ".join(parts)


# ---------------------------------------------------------------------------------- the problem
@dataclass(frozen=True)
class Contradiction:
    """Two examples with the same input and different outputs."""

    x: int
    y1: int
    y2: int

    def note(self) -> str:
        """Why no rule exists, as the solution's note."""
        return (f"input {self.x:08b} is given two outputs ({self.y1:08b} and {self.y2:08b}): "
                "no function of the input reproduces both (proven before search)")


@dataclass
class BitProblem:
    """De-duplicated examples (``xs`` distinct inputs, ``ys`` their outputs) and the query."""

    xs: np.ndarray
    ys: np.ndarray
    query: int
    n_lines: int
    _clauses: dict = field(default_factory=dict, repr=False)
    _tables: dict = field(default_factory=dict, repr=False)

    def out_bit(self, j: int) -> np.ndarray:
        """Bit ``j`` (0 = most significant) of every example output."""
        return (self.ys >> (7 - j)) & 1

    def clauses(self, j: int) -> np.ndarray:
        """Distinct masks ``a ^ b`` over pairs of inputs whose output bit ``j`` differs (a support
        must intersect each). At most 128 x 128 pairs, at most 255 masks."""
        got = self._clauses.get(j)
        if got is None:
            b = self.out_bit(j)
            a0, a1 = self.xs[b == 0], self.xs[b == 1]
            mark = np.zeros(256, dtype=bool)
            if len(a0) and len(a1):
                mark[(a0[:, None] ^ a1[None, :]).ravel()] = True
            got = self._clauses[j] = np.nonzero(mark)[0].astype(np.int64)
        return got

    def query_clauses(self, j: int, w: int) -> np.ndarray:
        """Distinct masks ``x ^ query`` over examples whose bit ``j`` is not ``w``: a support gives
        the query the value ``w`` at bit ``j`` iff it intersects each (a 0 mask makes ``w``
        impossible: the query is an example input with the other value)."""
        other = self.xs[self.out_bit(j) != w]
        mark = np.zeros(256, dtype=bool)
        mark[other ^ self.query] = True
        return np.nonzero(mark)[0].astype(np.int64)

    def query_value(self, j: int, support: int) -> int | None:
        """Bit ``j`` the examples give the query's pattern under ``support`` (None: pattern unseen)."""
        agree = (self.xs & support) == (self.query & support)
        if not agree.any():
            return None
        return int(self.out_bit(j)[agree][0])

    def table(self, j: int, support: int) -> dict[int, int]:
        """Pattern -> bit ``j`` over the examples, under ``support`` (a fresh dict)."""
        key = (j, support)
        got = self._tables.get(key)
        if got is None:
            got = self._tables[key] = dict(zip((self.xs & support).tolist(), self.out_bit(j).tolist(), strict=True))
        return dict(got)

    def default_bit(self, j: int) -> int:
        """Majority of bit ``j`` over the examples (0 on a tie): the rule's value on unseen patterns."""
        b = self.out_bit(j)
        return int(2 * int(b.sum()) > len(b))


def prepare(xs, ys, query: int) -> BitProblem | Contradiction:
    """De-duplicate the examples by input; a ``Contradiction`` when one input has two outputs.

    One ``np.unique`` (n log n in the number of example lines, no Python loop); everything after
    it is bounded by the 256 distinct inputs.
    """
    xs = np.asarray(xs, dtype=np.int64).reshape(-1)
    ys = np.asarray(ys, dtype=np.int64).reshape(-1)
    if xs.shape != ys.shape:
        raise ValueError("xs and ys must have one length")
    if xs.size and (xs.min() < 0 or xs.max() > 255 or ys.min() < 0 or ys.max() > 255):
        raise ValueError("inputs and outputs must be bytes")
    if not 0 <= int(query) <= 255:
        raise ValueError("the query must be a byte")
    uniq, first, inverse = np.unique(xs, return_index=True, return_inverse=True)
    y_first = ys[first]
    clash = np.nonzero(ys != y_first[inverse])[0]
    if clash.size:
        i = int(clash[0])
        return Contradiction(int(xs[i]), int(y_first[inverse[i]]), int(ys[i]))
    return BitProblem(uniq.astype(np.int64), y_first.astype(np.int64), int(query), int(xs.size))


def minimum_supports(problem: BitProblem, j: int, k: int) -> np.ndarray:
    """Every support of size ``k`` satisfying bit ``j``'s clauses (enumerated, at most 70)."""
    cand = _BY_SIZE[k]
    cl = problem.clauses(j)
    if not len(cl):
        return cand
    ok = ((cand[:, None] & cl[None, :]) != 0).all(axis=1)
    return cand[ok]


# ---------------------------------------------------------------------------------- solvers
@dataclass
class MinResult:
    """Step 1: ``supports`` (one mask per output bit) and whether they are proven minimum."""

    supports: list[int] | None
    optimal: bool
    note: str = ""


@dataclass
class FlipResult:
    """Step 2: ``flips[j]`` = a size-``k_j`` support giving bit ``j`` its other value, for every bit
    that can flip; ``exact`` when every other bit is proven unable to."""

    flips: dict[int, int]
    exact: bool
    note: str = ""


class SearchEngine(Protocol):
    """A back end of the per-bit search (CP-SAT here, python-constraint in ``baseline``)."""

    name: str

    def min_supports(self, problem: BitProblem, deadline: Deadline) -> MinResult:
        """For every output bit, a smallest set of input bits that determines it on the examples."""
        ...

    def flips(self, problem: BitProblem, sizes: list[int], targets: dict[int, int],
              deadline: Deadline) -> FlipResult:
        """For each bit ``j`` in ``targets``: a support of size ``sizes[j]`` that fits the examples
        and gives the query bit the value ``targets[j]`` (absent when none exists: bit forced)."""
        ...


def _lits(vars_, mask: int):
    return [vars_[i] for i in range(8) if (mask >> (7 - i)) & 1]


class CpSatEngine:
    """Steps 1 and 2 with OR-Tools CP-SAT (one worker, under the deadline).

    One small model per output bit: step 1 minimises its support; step 2 reuses the same model
    (objective cleared, size fixed to the minimum, the query's clauses added). One engine object
    serves one search."""

    name = "cp-sat"

    def __init__(self, workers: int = 1):
        self.workers = workers
        self._models: dict[int, tuple] = {}
        self._cp_solver = None

    def _solve(self, model, deadline: Deadline):
        from ortools.sat.python import cp_model

        if self._cp_solver is None:
            self._cp_solver = cp_model.CpSolver()
            self._cp_solver.parameters.num_workers = self.workers
        solver = self._cp_solver
        solver.parameters.max_time_in_seconds = deadline.cpsat_seconds()
        return solver, solver.solve(model)

    def min_supports(self, problem: BitProblem, deadline: Deadline) -> MinResult:
        """One minimisation per output bit (the bits are independent; one joint model is the same
        problem but CP-SAT proves its optimum far more slowly, ~0.3 s against ~8 ms)."""
        from ortools.sat.python import cp_model

        sups, optimal = [], True
        for j in range(8):
            deadline.check("bit_manipulation search: minimum supports")
            model = cp_model.CpModel()
            s = [model.new_bool_var(f"s{i}") for i in range(8)]
            for m in problem.clauses(j).tolist():
                model.add_bool_or(_lits(s, m))
            model.minimize(sum(s))
            self._models[j] = (model, s)
            solver, status = self._solve(model, deadline)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return MinResult(None, False, f"CP-SAT stopped ({solver.status_name(status)}) before a support "
                                              f"for output bit {j} was found")
            optimal &= status == cp_model.OPTIMAL
            sups.append(bit_mask(i for i in range(8) if solver.value(s[i])))
        return MinResult(sups, optimal, "" if optimal else "supports found but not proven minimum (time limit)")

    def flips(self, problem, sizes, targets, deadline) -> FlipResult:
        """"answer != found", one bit at a time: a support of size ``k_j`` meeting bit ``j``'s
        clauses and giving the query the other value (INFEASIBLE: bit ``j`` is forced)."""
        from ortools.sat.python import cp_model

        flips: dict[int, int] = {}
        for j, w in targets.items():
            deadline.check("bit_manipulation search: uniqueness")
            if j in self._models:
                model, t = self._models.pop(j)
                model.clear_objective()
            else:
                model = cp_model.CpModel()
                t = [model.new_bool_var(f"t{i}") for i in range(8)]
                for m in problem.clauses(j).tolist():
                    model.add_bool_or(_lits(t, m))
            model.add(sum(t) == sizes[j])
            for m in problem.query_clauses(j, w).tolist():
                model.add_bool_or(_lits(t, m))
            solver, status = self._solve(model, deadline)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                flips[j] = bit_mask(i for i in range(8) if solver.value(t[i]))
            elif status != cp_model.INFEASIBLE:
                return FlipResult(flips, False, f"CP-SAT stopped ({solver.status_name(status)}) before proving "
                                                f"output bit {j} of the answer unique")
        return FlipResult(flips, True)


# ---------------------------------------------------------------------------------- the search
def _hypothesis(problem: BitProblem, bits: list[int], certs: list[int], prior: float, guess: bool,
                sizes: list[int], engine: str) -> Hypothesis:
    tables, fallback = [], []
    answer = 0
    for j in range(8):
        tab = problem.table(j, certs[j])
        key = problem.query & certs[j]
        if tab.setdefault(key, bits[j]) != bits[j]:
            raise RuntimeError(f"bit_manipulation search: support {certs[j]:08b} gives bit {j} of the query "
                               f"{tab[key]}, not {bits[j]}")
        tables.append(tuple(sorted(tab.items())))
        fallback.append(problem.default_bit(j))
        answer |= bits[j] << (7 - j)
    rule = PerBitRule(tuple(certs), tuple(tables), tuple(fallback))
    return Hypothesis(rule=("perbit", rule), text=rule.text(), prior=prior, complexity=1000 + sum(sizes),
                      guess=guess, source="search", answer=format(answer, "08b"),
                      extra={"solver": engine, "sizes": list(sizes)})


def _votes(problem: BitProblem, j: int, k: int) -> tuple[float, float, bool]:
    """(P(bit j = 0), P(bit j = 1), whether some minimum support sees the query's pattern), over
    the minimum supports of bit ``j`` (ranking only)."""
    sups = minimum_supports(problem, j, k)
    v = [0.0, 0.0]
    seen = False
    for s in sups.tolist():
        b = problem.query_value(j, s)
        if b is None:
            v[0] += 0.5
            v[1] += 0.5
        else:
            v[b] += 1.0
            seen = True
    total = v[0] + v[1]
    if total == 0:
        return 0.5, 0.5, False
    return v[0] / total, v[1] / total, seen


def search(problem: BitProblem | Contradiction, engine: SearchEngine, deadline: Deadline | float | None,
           max_answers: int = MAX_ANSWERS) -> SearchResult:
    """Steps 1-3 of the module docstring on a prepared problem (step 0)."""
    deadline = Deadline.coerce(deadline)
    if isinstance(problem, Contradiction):
        return SearchResult([], "infeasible", problem.note())
    if deadline.expired():
        return SearchResult([], "time_limit", "no time left for the search")
    try:
        first = engine.min_supports(problem, deadline)
    except TimeLimitReached as exc:
        return SearchResult([], "time_limit", str(exc))
    if first.supports is None:
        return SearchResult([], "time_limit", first.note)
    sups = first.supports
    sizes = [int(_POPCOUNT[s]) for s in sups]
    found = [problem.query_value(j, sups[j]) for j in range(8)]
    if not first.optimal:
        bits = [problem.default_bit(j) if v is None else v for j, v in enumerate(found)]
        h = _hypothesis(problem, bits, sups, 1.0, any(v is None for v in found), sizes, engine.name)
        return SearchResult([h], "time_limit", first.note)

    # certs[j][w]: a minimum support under which the query's bit j can be w
    certs: list[dict[int, int]] = []
    targets: dict[int, int] = {}
    for j in range(8):
        if found[j] is None:  # the query's pattern is unseen under this support: both values fit
            certs.append({0: sups[j], 1: sups[j]})
        else:
            certs.append({found[j]: sups[j]})
            if 0 not in problem.query_clauses(j, 1 - found[j]):
                targets[j] = 1 - found[j]
    status, notes = "complete", []
    if deadline.expired():
        status, notes = "time_limit", ["time limit reached before uniqueness was proven"]
    else:
        try:
            flip = engine.flips(problem, sizes, targets, deadline)
        except TimeLimitReached as exc:
            flip = FlipResult({}, False, str(exc))
        for j, s in flip.flips.items():
            certs[j][targets[j]] = s
        if not flip.exact:
            status = "time_limit"
            notes.append(flip.note)

    # rank: per-bit vote shares over the minimum supports
    probs, unconstrained = [], False
    for j in range(8):
        p0, p1, seen = _votes(problem, j, sizes[j])
        unconstrained |= not seen and len(certs[j]) == 2
        probs.append((p0, p1))
    options = [sorted(certs[j], key=lambda w, j=j: (-probs[j][w], w != problem.default_bit(j))) for j in range(8)]
    n_answers = 1
    for o in options:
        n_answers *= len(o)
    combos = []
    for bits in itertools.product(*options):
        p = 1.0
        for j, w in enumerate(bits):
            p *= max(probs[j][w], 1e-3)
        combos.append((p, bits))
    combos.sort(key=lambda c: -c[0])  # stable: ties keep the vote order of ``options``
    hyps = [_hypothesis(problem, list(bits), [certs[j][w] for j, w in enumerate(bits)], p, unconstrained,
                        sizes, engine.name) for p, bits in combos[:max_answers]]
    free = [j for j in range(8) if len(certs[j]) == 2]
    if status == "complete":
        if not free:
            notes.append(f"per-bit minimum supports (sizes {','.join(map(str, sizes))}): "
                         f"answer != {hyps[0].answer} is infeasible")
        else:
            which = f"output bit{'s' if len(free) > 1 else ''} {','.join(map(str, free))}"
            notes.append(f"{which} can take either value under a minimum support: {n_answers} answers")
        if n_answers > max_answers:
            status = "partial"
            notes.append(f"listed the {max_answers} likeliest (MAX_ANSWERS)")
    return SearchResult(hyps, status, "; ".join(n for n in notes if n))


def search_task(xs, ys, query: int, deadline: Deadline | float | None, engine: SearchEngine | None = None) -> SearchResult:
    """``prepare`` then ``search`` (CP-SAT unless another engine is given)."""
    deadline = Deadline.coerce(deadline)
    problem = prepare(xs, ys, query)
    return search(problem, engine or CpSatEngine(), deadline)
