"""The solve pipeline, in one place.

    Task ─► validate ─► family.candidates (catalog recall) ─► recaller ranking ─► verify every example
         └─► if nothing verifies: family.search (CP-SAT) ─► verify ─► decide ─► Solution

One ``Deadline`` of ``time_limit`` seconds covers every stage; a stage that runs out raises
``TimeLimitReached`` and the pipeline reports what it had with ``proof="time_limit"``.

Status (see the soundness contract in ``hybrid.families.base.Family``):

* ``deduced``: the recall or search that produced the answer was *complete* (it represents every
  answer that a consistent rule of its space gives) and every consistent rule gives this answer;
* ``ambiguous``: consistent rules disagree, or uniqueness could not be proven (time limit,
  non-exhaustive method); the answer is the top-ranked one and ``alternatives`` lists the others;
* ``guessed``: the top rule relies on a part no example constrains;
* ``unsolved``: no rule was found; ``proof`` tells ``infeasible`` (proven: no rule of the space
  fits) from ``time_limit`` (the budget ran out) and ``partial`` (the method is not exhaustive).
"""

from __future__ import annotations

import math
import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Iterable

from .deadline import Deadline, TimeLimitReached
from .errors import HybridError, InternalError, TaskParseError
from .families import get_family
from .families.base import Family, Hypothesis, SearchResult
from .parse import parse
from .recall import PriorRecaller, Recaller, rank
from .solution import Solution
from .task import Example, Task

__all__ = ["solve", "solve_many", "DEFAULT_TIME_LIMIT", "validate_task"]

#: Seconds one solve may take, all stages together (parse, recall, ranking, verification, search).
DEFAULT_TIME_LIMIT = 10.0
#: At most this many alternative answers are listed in ``Solution.alternatives``.
MAX_ALTERNATIVES = 8
_DEFAULT_RECALLER = PriorRecaller()


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000.0, 3)


def _check_time_limit(time_limit) -> float:
    try:
        t = float(time_limit)
    except (TypeError, ValueError):
        raise HybridError(f"time_limit must be a number of seconds, got {time_limit!r}") from None
    if math.isnan(t) or t <= 0:
        raise HybridError(f"time_limit must be > 0 seconds, got {time_limit!r} (use search=False to skip the search)")
    return t


def validate_task(task: Task) -> Family:
    """Check a ``Task`` built in code exactly as ``parse`` checks a prompt; return its family.

    Raises ``TaskParseError`` (or ``UnknownFamilyError``) naming the offending field.
    """
    if not isinstance(task.family, str):
        raise TaskParseError(f"Task.family must be a string, got {type(task.family).__name__}")
    family = get_family(task.family)
    if not isinstance(task.query, str):
        raise TaskParseError(f"Task.query must be a string, got {type(task.query).__name__}")
    if not isinstance(task.examples, (tuple, list)):
        raise TaskParseError(f"Task.examples must be a tuple of Example, got {type(task.examples).__name__}")
    for i, ex in enumerate(task.examples, 1):
        if not isinstance(ex, Example):
            raise TaskParseError(f"Task.examples[{i - 1}] must be an Example, got {type(ex).__name__}")
        if not isinstance(ex.source, str) or not isinstance(ex.target, str):
            raise TaskParseError(f"Task.examples[{i - 1}]: source and target must be strings", line=ex.line)
    if not isinstance(task.meta, dict):
        raise TaskParseError(f"Task.meta must be a dict, got {type(task.meta).__name__}")
    family.validate(task)
    return family


def solve(task_or_prompt: Task | str, *, recaller: Recaller | None = None, search: bool = True,
          time_limit: float = DEFAULT_TIME_LIMIT, min_confidence: float = 0.0,
          fallback: str | None = None) -> Solution:
    """Solve one puzzle given as a ``Task`` or as prompt text, within ``time_limit`` seconds.

    Bad input raises a ``HybridError`` subclass naming the field; any other exception inside
    the solve comes out as ``InternalError`` (so one task never aborts a batch).

    ``Solution.confidence`` is the probability that the answer is right: 1.0 for ``deduced``
    (proven), else the posterior mass of the answer's rules over that of every consistent rule.
    With the default prior recaller the answer is the one with the largest mass; a model
    recaller's top-ranked rule gives the answer otherwise. Below ``min_confidence`` the solve
    returns ``abstained`` (no answer; the withheld one is the first alternative).

    ``fallback`` names the back end run when nothing recalled verifies (``Family.backends()``:
    ``cpsat`` by default, or e.g. ``python-constraint`` / ``brute`` where the family has them).

    >>> import hybrid
    >>> t = hybrid.Task.from_pairs("numeral", [("28", "XXVIII"), ("48", "XLVIII")], "93")
    >>> s = hybrid.solve(t)
    >>> s.answer, s.status, s.proof
    ('XCIII', 'deduced', 'complete')
    """
    deadline = Deadline(_check_time_limit(time_limit))
    min_confidence = _check_min_confidence(min_confidence)
    try:
        return _solve(task_or_prompt, recaller or _DEFAULT_RECALLER, search, deadline, min_confidence, fallback)
    except HybridError:
        raise
    except Exception as exc:  # noqa: BLE001 - the contract: nothing but HybridError leaves solve
        msg = " ".join(str(exc).split())[:300]
        raise InternalError(f"internal error while solving: {type(exc).__name__}: {msg}",
                            original_type=type(exc).__name__, original_message=msg) from exc


def _check_min_confidence(p) -> float:
    try:
        p = float(p)
    except (TypeError, ValueError):
        raise HybridError(f"min_confidence must be a number in [0, 1], got {p!r}") from None
    if not 0.0 <= p <= 1.0:
        raise HybridError(f"min_confidence must be in [0, 1], got {p!r}")
    return p


def _backend(family: Family, fallback: str | None):
    if fallback is None or fallback == "cpsat":
        # None: the family has no fallback search, so the recall's own proof stands.
        return family.backends().get("cpsat")
    backends = family.backends()
    if fallback not in backends:
        raise HybridError(f"{family.name} has no back end {fallback!r}; it has: {', '.join(sorted(backends))}")
    return backends[fallback]


def _solve(task_or_prompt, recaller: Recaller, search: bool, deadline: Deadline, min_confidence: float,
           fallback: str | None = None) -> Solution:
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if isinstance(task_or_prompt, Task):
        task = task_or_prompt
        family = validate_task(task)
    elif isinstance(task_or_prompt, str):
        task = parse(task_or_prompt)
        family = get_family(task.family)
    else:
        raise TaskParseError(f"solve() takes a Task or a prompt string, got {type(task_or_prompt).__name__}")
    timings["parse"] = _ms(t0)

    state = _State(family, task, timings)
    state.backend = _backend(family, fallback) if search else None
    state.answer_by_mass = bool(getattr(recaller, "answer_by_mass", False))
    state.min_confidence = min_confidence
    try:
        deadline.check("parse")
        state.run(recaller, search, deadline)
    except TimeLimitReached as exc:
        state.timed_out = exc
    solution = state.decide()
    timings["total"] = _ms(t_start)
    return solution


class _State:
    """What one solve has found so far; ``decide`` turns it into a ``Solution`` at any point."""

    def __init__(self, family: Family, task: Task, timings: dict):
        self.family, self.task, self.timings = family, task, timings
        self.consistent: list[Hypothesis] = []
        self.n_verifications = 0
        self.proof = "partial"  # status of the stage whose hypotheses are in ``consistent``
        self.space = "catalog"
        self.notes: list[str] = []
        self.timed_out: TimeLimitReached | None = None
        self.answer_by_mass = False
        self.min_confidence = 0.0
        self.backend = None

    def run(self, recaller: Recaller, search: bool, deadline: Deadline) -> None:
        family, task, timings = self.family, self.task, self.timings
        t0 = time.perf_counter()
        recalled = _as_result(family.candidates(task, deadline), family)
        timings["recall"] = _ms(t0)
        deadline.check("recall")
        self.proof = recalled.status
        if recalled.note:
            self.notes.append(recalled.note)

        t0 = time.perf_counter()
        ranked = rank(recaller, task, recalled.hypotheses)
        timings["rank"] = _ms(t0)
        deadline.check("ranking")

        t0 = time.perf_counter()
        self._verify(ranked, family.candidates_verified, deadline)
        timings["verify"] = _ms(t0)
        if self.consistent:
            return
        if self.proof == "complete":
            # An exhaustive recall whose every hypothesis failed verification found no rule.
            self.proof = "infeasible"
        if not search or self.backend is None:
            return

        t0 = time.perf_counter()
        self.space, self.proof, self.notes = "search", "time_limit", []
        try:
            found = self.backend(task, deadline)
            if not isinstance(found, SearchResult):
                raise TypeError(f"{family.name}'s fallback must return a SearchResult, got {type(found).__name__}")
            self.proof = found.status
            if found.note:
                self.notes.append(found.note)
            for h in found.hypotheses:
                if h.source == "catalog":
                    h.source = "search"
            deadline.check("search")
            self._verify(rank(recaller, task, found.hypotheses), False, deadline)
            if found.status == "complete" and not self.consistent:
                self.proof = "infeasible"
        finally:
            timings["search"] = _ms(t0)

    def _verify(self, ranked: list[Hypothesis], trust: bool, deadline: Deadline) -> None:
        """Keep the hypotheses that reproduce every example, in rank order.

        Families whose ``candidates`` are already matched by a bulk kernel are trusted, but the first
        hypothesis of each distinct answer is still re-verified here, so every answer we report is
        checked against every example.
        """
        family, task = self.family, self.task
        checked: set = set()
        for i, h in enumerate(ranked):
            if i % 64 == 0:
                deadline.check("verification")
            if trust:
                if h.answer is None:
                    h.answer = family.apply(h, task)
                if h.answer not in checked:
                    self.n_verifications += 1
                    if not family.verify(h, task):
                        continue
                    checked.add(h.answer)
                self.consistent.append(h)
            else:
                self.n_verifications += 1
                if family.verify(h, task):
                    self.consistent.append(h)

    def decide(self) -> Solution:
        family, task = self.family, self.task
        proof = "time_limit" if self.timed_out is not None else self.proof
        notes = list(self.notes)
        if self.timed_out is not None:
            notes.append(str(self.timed_out))
        common = dict(family=task.family, n_verifications=self.n_verifications, timings=self.timings,
                      proof=proof, rule_space=self.space)
        if not self.consistent:
            fits = "satisfies the task's constraints" if family.constraint_only else "reproduces every example"
            why = {"infeasible": f"no rule of the {self.space} space {fits} (proven)",
                   "time_limit": "no rule found before the time limit",
                   "partial": "no rule found (the search is not exhaustive)",
                   "complete": "no rule found"}[proof]
            return Solution(answer=None, status="unsolved", method="none", rule=None, n_consistent=0,
                            note="; ".join([why, *notes]), **common)
        by_answer: dict[str, list] = {}
        for h in self.consistent:
            if h.answer is None:
                h.answer = family.apply(h, task)
            if h.answer is None:
                continue
            entry = by_answer.get(h.answer)
            if entry is None:
                by_answer[h.answer] = [h, h.prior]
            else:
                entry[1] += h.prior
        if not by_answer:
            return Solution(answer=None, status="unsolved", method="none", rule=family.explain(self.consistent[0]),
                            n_consistent=len(self.consistent),
                            note="; ".join(["consistent rules exist but none applies to the query", *notes]),
                            **common)
        answers = list(by_answer.items())  # insertion order = rank order of each answer's best rule
        if self.answer_by_mass and len(answers) > 1:
            # The answer with the largest posterior mass (stable: ties keep rank order).
            answers.sort(key=lambda item: -item[1][1])
        answer, (top, top_mass) = answers[0]
        total = sum(w for _, (_, w) in answers)
        if top.guess:
            status = "guessed"
            notes.insert(0, "the answer rests on a part of the rule that no example constrains")
        elif len(answers) == 1 and proof == "complete":
            status = "deduced"
        else:
            status = "ambiguous"
            if len(answers) == 1:
                notes.insert(0, f"one answer found but uniqueness is not proven ({proof})")
        if status == "deduced":
            confidence = 1.0
        elif total > 0 and math.isfinite(total):
            confidence = min(1.0, max(0.0, top_mass / total))
        else:
            confidence = 1.0 / len(answers)
        alternatives = [[a, family.explain(h), w] for a, (h, w) in answers[1:1 + MAX_ALTERNATIVES]]
        if confidence < self.min_confidence:
            notes.insert(0, f"abstained: confidence {confidence:.3f} < min_confidence {self.min_confidence:g} "
                            f"(withheld answer {answer!r} is the first alternative)")
            alternatives = [[answer, family.explain(top), top_mass], *alternatives][:MAX_ALTERNATIVES]
            return Solution(answer=None, status="abstained", method=top.source, rule=family.explain(top),
                            n_consistent=len(self.consistent), alternatives=alternatives, confidence=confidence,
                            note="; ".join(notes), hypothesis=top, **common)
        return Solution(answer=answer, status=status, method=top.source, rule=family.explain(top),
                        n_consistent=len(self.consistent), alternatives=alternatives, confidence=confidence,
                        note="; ".join(notes) or None, hypothesis=top, **common)


def _as_result(recalled, family: Family) -> SearchResult:
    if isinstance(recalled, SearchResult):
        return recalled
    if not isinstance(recalled, list):
        raise TypeError(f"{family.name}.candidates must return a list or a SearchResult, got {type(recalled).__name__}")
    return SearchResult(recalled, "complete" if family.candidates_exhaustive else "partial")


# ---------------------------------------------------------------------------------------- batches
def _solve_safe(args):
    item, kwargs = args
    try:
        return solve(item, **kwargs)
    except HybridError as exc:
        return exc


def _solve_chunk(chunk):
    """Worker entry point: solve a chunk; Hypothesis objects may hold unpicklable rules."""
    out = []
    for args in chunk:
        res = _solve_safe(args)
        if isinstance(res, Solution):
            res.hypothesis = None
        out.append(res)
    return out


def _worker_died(exc: BaseException) -> InternalError:
    return InternalError(f"the worker process died while solving this task ({type(exc).__name__}); "
                         "it was re-run alone and died again, so this task was skipped",
                         original_type=type(exc).__name__, original_message=str(exc))


def solve_many(items: Iterable[Task | str], *, workers: int | None = 1, recaller: Recaller | None = None,
               search: bool = True, time_limit: float = DEFAULT_TIME_LIMIT, progress: bool = False,
               chunksize: int = 8, min_confidence: float = 0.0, fallback: str | None = None,
               engine: str = "local"):
    """Solve many puzzles; returns a list in input order.

    A malformed item yields its ``HybridError`` in place of a ``Solution`` instead of stopping
    the batch. ``workers=None`` uses every core; model recallers run in one process. Solutions
    computed in worker processes come back without their ``hypothesis`` object. When a worker
    process dies (a crash in native code), the tasks it held are re-run one at a time in a fresh
    process; a task that kills its process again is reported in place as ``InternalError``.

    ``engine="ray"`` solves on Ray Data instead (``pip install 'hybrid[ray]'``): ``workers``
    actors (``None``: every CPU of the Ray cluster, or of this machine when ``RAY_ADDRESS`` is
    unset), each loading the catalogs once; see ``hybrid.engine.ray_engine``.
    """
    items = list(items)
    _check_time_limit(time_limit)
    _check_min_confidence(min_confidence)
    if engine != "local":
        from .engine import check_engine

        check_engine(engine)
        from .engine.ray_engine import solve_many_ray

        options = dict(search=search, time_limit=float(time_limit), min_confidence=float(min_confidence),
                       fallback=fallback)
        return solve_many_ray(items, options, workers=workers, recaller=recaller, progress=progress,
                              chunksize=chunksize)
    kwargs = dict(recaller=recaller, search=search, time_limit=time_limit, min_confidence=min_confidence,
                  fallback=fallback)
    workers = (os.cpu_count() or 1) if workers is None else max(1, int(workers))
    from tqdm import tqdm

    with tqdm(total=len(items), unit="task", dynamic_ncols=True, disable=not progress) as bar:
        if workers == 1 or len(items) < 2 or recaller is not None:
            results = []
            for item in items:
                results.append(_solve_safe((item, kwargs)))
                bar.update(1)
            return results
        return _solve_pool(items, kwargs, workers, max(1, int(chunksize)), bar)


def _solve_pool(items, kwargs, workers: int, chunksize: int, bar) -> list:
    results: list = [None] * len(items)
    todo = list(range(len(items)))
    while todo:
        suspects = _pool_round(items, kwargs, todo, workers, chunksize, results, bar)
        # Re-run each task the dead worker held, alone in a fresh single-worker process.
        for i in suspects:
            with ProcessPoolExecutor(max_workers=1) as pool:
                try:
                    results[i] = pool.submit(_solve_chunk, [(items[i], kwargs)]).result()[0]
                except BrokenProcessPool as exc:
                    results[i] = _worker_died(exc)
            bar.update(1)
        todo = [i for i in range(len(items)) if results[i] is None]
    return results


def _pool_round(items, kwargs, todo: list[int], workers: int, chunksize: int, results: list, bar) -> list[int]:
    """Solve ``todo`` with at most ``workers`` chunks in flight; return the indices held by a
    worker that died (the pool is then abandoned and the caller isolates them)."""
    chunks = [todo[k:k + chunksize] for k in range(0, len(todo), chunksize)]
    pending = iter(chunks)
    inflight: dict = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        def submit_next() -> bool:
            chunk = next(pending, None)
            if chunk is None:
                return False
            # A chunk that cannot be submitted (the pool just broke) stays unsolved for the next round.
            inflight[pool.submit(_solve_chunk, [(items[i], kwargs) for i in chunk])] = chunk
            return True

        try:
            for _ in range(workers):
                if not submit_next():
                    break
            while inflight:
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for fut in done:
                    out = fut.result()  # raises BrokenProcessPool when the worker died
                    chunk = inflight.pop(fut)
                    for i, res in zip(chunk, out):
                        results[i] = res
                    bar.update(len(chunk))
                    submit_next()
        except BrokenProcessPool:
            suspects = [i for f, c in inflight.items() if not (f.done() and f.exception() is None) for i in c]
            for f, c in inflight.items():
                if f.done() and f.exception() is None:
                    for i, res in zip(c, f.result()):
                        results[i] = res
                    bar.update(len(c))
                else:
                    f.cancel()
            return suspects
    return []
