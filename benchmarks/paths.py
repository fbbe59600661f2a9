"""How each solving path is called, per family, and which paths a family has (found at run time).

Paths, all called on the same ``Task``:

* ``catalog``   -- ``hybrid.solve(task, search=False)``: prior recall + verification (for a family
  without a catalog file this is its ``direct`` fit, reported as ``direct``);
* ``pipeline``  -- ``hybrid.solve(task)``: the catalog, then the CP-SAT fallback when nothing verifies;
* ``cpsat``     -- ``family.search(task, time_limit)`` (when the family overrides it), then the
  returned hypotheses are ranked by prior and verified, as the pipeline does;
* ``pyconstraint`` -- ``search_python_constraint(task, time_limit)`` from the family's package;
* ``brute``     -- plain enumeration written here, for the families where it is feasible.

Each call returns a ``Outcome``: the answer (or None), a status, and the work it did ("nodes"):
verifications for the catalog paths, CP-SAT branches for ``cpsat`` (counted by wrapping
``CpSolver.solve`` while instrumented), python-constraint constraint checks for ``pyconstraint``,
candidates enumerated for ``brute``.
"""

from __future__ import annotations

import importlib
import itertools
import threading
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

import hybrid
from hybrid.families import get_family
from hybrid.families.base import Family, SearchResult
from hybrid.recall import PriorRecaller, rank
from hybrid.task import Task

__all__ = ["Outcome", "SolvePath", "available_paths", "PATH_LABELS", "PATH_ORDER", "SEARCH_PATHS", "set_counting"]

PATH_LABELS = {
    "catalog": "catalog (recall + verify)",
    "direct": "direct fit (no catalog)",
    "pipeline": "pipeline (catalog, then CP-SAT fallback)",
    "cpsat": "CP-SAT search",
    "pyconstraint": "python-constraint search",
    "brute": "brute force",
}
#: The order paths appear in tables and plots.
PATH_ORDER = ("catalog", "direct", "pipeline", "cpsat", "pyconstraint", "brute")
SEARCH_PATHS = ("cpsat", "pyconstraint", "brute")


@dataclass
class Outcome:
    answer: str | None
    status: str
    nodes: int | None = None


@dataclass
class SolvePath:
    name: str
    run: Callable[[Task, float], Outcome]
    node_unit: str = ""

    @property
    def label(self) -> str:
        return PATH_LABELS[self.name]


# ---------------------------------------------------------------------- node counters
class _Counters(threading.local):
    def __init__(self):
        self.branches = 0
        self.checks = 0
        self.depth = 0


_COUNT = _Counters()
#: (owner, attribute, original) of every wrapped method, so counting can be switched off again.
_ORIGINALS: list[tuple[type, str, object]] = []


def _install_counters() -> None:
    """Wrap CP-SAT's solve and python-constraint's constraint calls to count work.

    The wrappers cost a Python frame per constraint call, so they are installed only for the
    instrumented run and removed before timing runs (``set_counting``).
    """
    if _ORIGINALS:
        return
    try:
        from ortools.sat.python import cp_model

        for meth in ("solve", "Solve"):
            orig = vars(cp_model.CpSolver).get(meth)
            if orig is None:
                continue

            def wrapped(self, *a, _orig=orig, **k):
                # Solve is a deprecated alias that calls solve: count the outermost call only.
                _COUNT.depth += 1
                try:
                    return _orig(self, *a, **k)
                finally:
                    _COUNT.depth -= 1
                    if _COUNT.depth == 0:
                        try:
                            _COUNT.branches += int(self.num_branches)
                        except Exception:  # noqa: BLE001 - a counter must never break a solve
                            pass

            _ORIGINALS.append((cp_model.CpSolver, meth, orig))
            setattr(cp_model.CpSolver, meth, wrapped)
    except ImportError:
        pass
    try:
        import constraint

        for name in dir(constraint):
            cls = getattr(constraint, name)
            if isinstance(cls, type) and issubclass(cls, constraint.Constraint) and "__call__" in vars(cls):
                orig = vars(cls)["__call__"]

                def call(self, *a, _orig=orig, **k):
                    _COUNT.checks += 1
                    return _orig(self, *a, **k)

                _ORIGINALS.append((cls, "__call__", orig))
                cls.__call__ = call
    except ImportError:
        pass


def _remove_counters() -> None:
    while _ORIGINALS:
        owner, attr, orig = _ORIGINALS.pop()
        setattr(owner, attr, orig)


def set_counting(on: bool) -> None:
    """Install (True) or remove (False) the work counters."""
    if on:
        _install_counters()
    else:
        _remove_counters()


class counting:
    """Context manager: CP-SAT branches and python-constraint checks counted inside it
    (None when the counters are not installed)."""

    def __enter__(self):
        _COUNT.branches, _COUNT.checks = 0, 0
        return self

    def __exit__(self, *exc):
        on = bool(_ORIGINALS)
        self.branches = _COUNT.branches if on else None
        self.checks = _COUNT.checks if on else None
        return False


# ---------------------------------------------------------------------- library paths
def _solution_outcome(sol) -> Outcome:
    return Outcome(sol.answer, sol.status, sol.n_verifications)


def _catalog_path(task: Task, time_limit: float) -> Outcome:
    return _solution_outcome(hybrid.solve(task, search=False))


def _pipeline_path(task: Task, time_limit: float) -> Outcome:
    return _solution_outcome(hybrid.solve(task, search=True, time_limit=time_limit))


def _decide(family: Family, task: Task, found) -> Outcome:
    """Rank search hypotheses by prior and verify them, as the pipeline does after its search."""
    proof = "complete"
    if isinstance(found, SearchResult):
        found, proof = found.hypotheses, found.status
    if found is None:
        return Outcome(None, "unsolved")
    if isinstance(found, str):
        return Outcome(found, "deduced")
    if not isinstance(found, (list, tuple)):
        found = [found]
    consistent = [h for h in rank(PriorRecaller(), task, list(found)) if family.verify(h, task)]
    answers = []
    for h in consistent:
        a = h.answer if h.answer is not None else family.apply(h, task)
        if a is not None and a not in answers:
            answers.append(a)
    if not answers:
        return Outcome(None, "unsolved")
    guess = bool(getattr(consistent[0], "guess", False))
    status = "guessed" if guess else ("deduced" if len(answers) == 1 and proof == "complete" else "ambiguous")
    return Outcome(answers[0], status)


def _cpsat_path(family: Family):
    search = _cpsat_fn(family)

    def run(task: Task, time_limit: float) -> Outcome:
        with counting() as c:
            out = _decide(family, task, search(task, time_limit))
        out.nodes = c.branches
        return out

    return run


def _pyconstraint_path(family: Family, fn):
    def run(task: Task, time_limit: float) -> Outcome:
        with counting() as c:
            out = _decide(family, task, fn(task, time_limit))
        out.nodes = c.checks
        return out

    return run


def _has_search(family: Family) -> bool:
    return type(family).search is not Family.search


def _search_module(family: Family):
    for mod in (type(family).__module__, f"hybrid.families.{family.name}", f"hybrid.families.{family.name}.search"):
        try:
            yield importlib.import_module(mod)
        except ImportError:
            continue


def _cpsat_fn(family: Family):
    """The CP-SAT search to time. ``family.search``, except for cryptarithm: its ``search``
    returns nothing when the catalog join already has solutions (the pipeline only calls it when
    the catalog failed), so measured on its own it would be timing that shortcut; its
    ``search_cpsat`` over the same rule space is called directly instead."""
    if family.name == "cryptarithm" and hasattr(family, "_index"):
        for mod in _search_module(family):
            fn = getattr(mod, "search_cpsat", None)
            if callable(fn):
                return lambda task, time_limit: fn(task, time_limit, family._index())
    return family.search


def _python_constraint_fn(family: Family):
    """``search_python_constraint`` from the family's package (or its ``search`` module)."""
    for mod in _search_module(family):
        fn = getattr(mod, "search_python_constraint", None)
        if callable(fn):
            return fn
    return None


def catalog_loads(family: Family) -> bool:
    if not family.has_catalog:
        return False
    try:
        return family.catalog() is not None
    except Exception:  # noqa: BLE001 - a missing or stale catalog means "no catalog path"
        return False


def available_paths(name: str) -> list[SolvePath]:
    """Every path this family has right now, in ``PATH_ORDER``."""
    family = get_family(name)
    out: list[SolvePath] = []
    has_cat = catalog_loads(family)
    out.append(SolvePath("catalog" if has_cat else "direct", _catalog_path, "verifications"))
    if _has_search(family):
        out.append(SolvePath("pipeline", _pipeline_path, "verifications"))
        out.append(SolvePath("cpsat", _cpsat_path(family), "CP-SAT branches"))
    fn = _python_constraint_fn(family)
    if fn is not None:
        out.append(SolvePath("pyconstraint", _pyconstraint_path(family, fn), "constraint checks"))
    brute = BRUTE.get(name)
    if brute is not None:
        out.append(SolvePath("brute", brute, BRUTE_UNITS[name]))
    return out


# ---------------------------------------------------------------------- brute force
class _Deadline:
    def __init__(self, seconds: float):
        self.t_end = time.perf_counter() + seconds

    def over(self) -> bool:
        return time.perf_counter() > self.t_end


def _majority(answers: list[str]) -> tuple[str | None, str]:
    if not answers:
        return None, "unsolved"
    counts: dict[str, int] = {}
    for a in answers:
        counts[a] = counts.get(a, 0) + 1
    best = max(counts, key=lambda a: (counts[a], a))
    return best, "deduced" if len(counts) == 1 else "ambiguous"


def _scan_constant(task: Task, coef: Callable[[float], float], lo: float, hi: float, step: float) -> Outcome:
    """Try every constant on a grid; keep those that reproduce every printed example."""
    ks = np.arange(lo, hi + step / 2, step)
    ok = np.ones(ks.shape, dtype=bool)
    for ex in task.examples:
        c, y = coef(float(ex.source)), float(ex.target)
        ok &= np.abs(np.round(ks * c, 2) - y) < 1e-9
    good = ks[ok]
    qc = coef(float(task.query))
    answers = [f"{v:.2f}" for v in np.round(good * qc, 2)]
    ans, status = _majority(answers)
    return Outcome(ans, status, int(ks.size))


def brute_gravity(task: Task, time_limit: float) -> Outcome:
    return _scan_constant(task, lambda t: 0.5 * t * t, 4.9, 19.7, 1e-4)


def brute_unit_conversion(task: Task, time_limit: float) -> Outcome:
    return _scan_constant(task, lambda x: x, 0.5, 2.0, 1e-5)


def brute_cipher(task: Task, time_limit: float) -> Outcome:
    """Letter map from the examples, then every vocabulary word for every undecoded query word
    (depth-first, keeping the map one-to-one); the first complete choice is the answer."""
    from benchmarks.generate import vocabulary

    fwd: dict[str, str] = {}
    inv: dict[str, str] = {}
    for ex in task.examples:
        for c, p in zip(ex.source, ex.target, strict=False):
            if c == " ":
                continue
            if fwd.setdefault(c, p) != p or inv.setdefault(p, c) != c:
                return Outcome(None, "unsolved", 0)
    words = task.query.split()
    by_len: dict[int, list[str]] = {}
    for w in vocabulary():
        by_len.setdefault(len(w), []).append(w)
    deadline = _Deadline(time_limit)
    nodes = 0
    found: list[str] = []

    def dfs(i: int, f: dict, v: dict) -> bool:
        nonlocal nodes
        if deadline.over() or len(found) >= 2:
            return True
        if i == len(words):
            found.append(" ".join("".join(f[c] for c in w) for w in words))
            return len(found) >= 2
        cw = words[i]
        if all(c in f for c in cw):
            return dfs(i + 1, f, v)
        for cand in by_len.get(len(cw), ()):
            nodes += 1
            f2, v2, ok = dict(f), dict(v), True
            for c, p in zip(cw, cand, strict=False):
                if f2.setdefault(c, p) != p or v2.setdefault(p, c) != c:
                    ok = False
                    break
            if ok and dfs(i + 1, f2, v2):
                return True
        return False

    dfs(0, fwd, inv)
    if not found:
        return Outcome(None, "unsolved", nodes)
    # Two complete choices were looked for: a second one means the vocabulary leaves it open.
    return Outcome(found[0], "ambiguous" if len(set(found)) > 1 else "deduced", nodes)


def _equation_ops():
    from hybrid.families.equation_numeric.operations import OPERATIONS

    return OPERATIONS


def brute_equation_numeric(task: Task, time_limit: float) -> Outcome:
    """Every operation variant for every operator glyph, one reading direction per task."""
    ops = _equation_ops()
    by_glyph: dict[str, list[tuple[str, str, str]]] = {}
    for ex in task.examples:
        a, g, b = ex.source[:2], ex.source[2], ex.source[3:]
        by_glyph.setdefault(g, []).append((a, b, ex.target))
    qa, qg, qb = task.query[:2], task.query[2], task.query[3:]
    nodes = 0
    answers: list[str] = []
    for reverse in (False, True):
        fits: dict[str, list] = {}
        for g, rows in by_glyph.items():
            fits[g] = []
            for op in ops:
                if op.reverse != reverse:
                    continue
                nodes += 1
                if all(op.fn(a, b, neg=g) == r for a, b, r in rows):
                    fits[g].append(op)
        if any(not v for v in fits.values()):
            continue
        for op in fits.get(qg, ()):
            r = op.fn(qa, qb, neg=qg)
            if r is not None:
                answers.append(r)
    ans, status = _majority(answers)
    return Outcome(ans, status, nodes)


def brute_cryptarithm(task: Task, time_limit: float) -> Outcome:
    """Depth-first over examples: pick the operator's variant, then digits for the operand glyphs;
    the result then fixes (or contradicts) the result glyphs. First full assignment wins."""
    ops = _equation_ops()
    rows = [(ex.source[:2], ex.source[2], ex.source[3:], ex.target) for ex in task.examples]
    deadline = _Deadline(time_limit)
    nodes = 0
    result: list[str] = []

    def check_result(printed: str, target: str, g: str, gmap: dict, used: set):
        """Extend the glyph->digit map so the printed result reads as ``target``, or None."""
        if len(printed) != len(target):
            return None
        new = {}
        for pc, tc in zip(printed, target, strict=False):
            if pc == g or tc == g:
                if pc != tc:
                    return None
                continue
            d = gmap.get(tc, new.get(tc))
            if d is None:
                if pc in used or pc in new.values():
                    return None
                new[tc] = pc
            elif d != pc:
                return None
        return new

    def assign(glyphs: str, gmap: dict, used: set):
        free = [c for c in dict.fromkeys(glyphs) if c not in gmap]
        digits = [d for d in "0123456789" if d not in used]
        for combo in itertools.permutations(digits, len(free)):
            yield dict(zip(free, combo, strict=False))

    def dfs(i: int, gmap: dict, used: set, opmap: dict, rev) -> bool:
        nonlocal nodes
        if deadline.over():
            return True
        if i == len(rows):
            qa, qg, qb = task.query[:2], task.query[2], task.query[3:]
            op = opmap.get(qg)
            if op is None:
                return False
            for extra in assign(qa + qb, gmap, used):
                m = {**gmap, **extra}
                r = op.fn("".join(m[c] for c in qa), "".join(m[c] for c in qb), neg=qg)
                if r is None:
                    continue
                inv = {d: c for c, d in m.items()}
                if all(ch == qg or ch in inv for ch in r):
                    result.append("".join(ch if ch == qg else inv[ch] for ch in r))
                    return True
            return False
        a, g, b, target = rows[i]
        choices = [opmap[g]] if g in opmap else [op for op in ops if rev is None or op.reverse == rev]
        for op in choices:
            for extra in assign(a + b, gmap, used):
                nodes += 1
                m = {**gmap, **extra}
                printed = op.fn("".join(m[c] for c in a), "".join(m[c] for c in b), neg=g)
                if printed is None:
                    continue
                u = used | set(extra.values())
                new = check_result(printed, target, g, m, u)
                if new is None:
                    continue
                if dfs(i + 1, {**m, **new}, u | set(new.values()), {**opmap, g: op}, op.reverse):
                    return True
                if deadline.over():
                    return True
        return False

    dfs(0, {}, set(), {}, None)
    if result:
        return Outcome(result[0], "first-found", nodes)
    return Outcome(None, "unsolved", nodes)


def _bit_tables(arity: int) -> np.ndarray:
    """Every truth table of ``arity`` inputs as rows of 0/1 (``2**2**arity`` x ``2**arity``)."""
    n = 1 << arity
    ids = np.arange(1 << n, dtype=np.int64)
    return ((ids[:, None] >> np.arange(n)[None, :]) & 1).astype(np.uint8)


_TABLES = {k: _bit_tables(k) for k in range(4)}


def brute_bit_manipulation(task: Task, time_limit: float) -> Outcome:
    """Per output bit: every boolean function of 0, 1, 2, then 3 input bits (smallest arity that
    fits wins); the query bit is the majority vote of the fitting functions."""
    x = np.array([[int(c) for c in ex.source] for ex in task.examples], dtype=np.int64)
    y = np.array([[int(c) for c in ex.target] for ex in task.examples], dtype=np.uint8)
    q = np.array([int(c) for c in task.query], dtype=np.int64)
    nodes = 0
    bits = []
    ambiguous = False
    for j in range(8):
        vote = None
        for arity in range(4):
            tables = _TABLES[arity]
            ones = zeros = 0
            for inputs in itertools.combinations(range(8), arity):
                idx = np.zeros(len(x), dtype=np.int64)
                qi = 0
                for p in inputs:
                    idx = idx * 2 + x[:, p]
                    qi = qi * 2 + int(q[p])
                nodes += tables.shape[0]
                fit = np.all(tables[:, idx] == y[None, :, j], axis=1)
                if fit.any():
                    pred = tables[fit, qi]
                    ones += int(pred.sum())
                    zeros += int(pred.size - pred.sum())
            if ones or zeros:
                vote = "1" if ones > zeros else "0"
                ambiguous |= bool(ones and zeros)
                break
        if vote is None:
            return Outcome(None, "unsolved", nodes)
        bits.append(vote)
    return Outcome("".join(bits), "ambiguous" if ambiguous else "deduced", nodes)


BRUTE = {
    "gravity": brute_gravity,
    "unit_conversion": brute_unit_conversion,
    "cipher": brute_cipher,
    "equation_numeric": brute_equation_numeric,
    "cryptarithm": brute_cryptarithm,
    "bit_manipulation": brute_bit_manipulation,
}
BRUTE_UNITS = {
    "gravity": "constants tried",
    "unit_conversion": "constants tried",
    "cipher": "words tried",
    "equation_numeric": "operation checks",
    "cryptarithm": "assignments tried",
    "bit_manipulation": "boolean functions tried",
}
