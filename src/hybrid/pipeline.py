"""The solve pipeline, in one place.

    Task ─► family.candidates (catalog recall) ─► recaller ranking ─► verify against every example
         └─► if nothing verifies: family.search (CP-SAT, time-limited) ─► verify ─► Solution

Status: ``deduced`` when every consistent hypothesis gives the same answer, ``ambiguous`` when
they disagree (answer = top-ranked), ``guessed`` when the top hypothesis relies on a part of the
rule no example constrains, ``unsolved`` when no hypothesis verifies.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Iterable

from .errors import HybridError
from .families import get_family
from .families.base import Hypothesis
from .parse import parse
from .recall import PriorRecaller, Recaller, rank
from .solution import Solution
from .task import Task

__all__ = ["solve", "solve_many", "DEFAULT_TIME_LIMIT"]

#: Seconds a fallback search may run per task.
DEFAULT_TIME_LIMIT = 10.0
_DEFAULT_RECALLER = PriorRecaller()


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000.0, 3)


def solve(task_or_prompt: Task | str, *, recaller: Recaller | None = None, search: bool = True,
          time_limit: float = DEFAULT_TIME_LIMIT) -> Solution:
    """Solve one puzzle given as a ``Task`` or as prompt text.

    >>> import hybrid
    >>> t = hybrid.Task.from_pairs("numeral", [("28", "XXVIII"), ("48", "XLVIII")], "93")
    >>> s = hybrid.solve(t)
    >>> s.answer, s.status
    ('XCIII', 'deduced')
    """
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    if isinstance(task_or_prompt, Task):
        task = task_or_prompt
        timings["parse"] = 0.0
    else:
        t0 = time.perf_counter()
        task = parse(task_or_prompt)
        timings["parse"] = _ms(t0)
    family = get_family(task.family)
    recaller = recaller or _DEFAULT_RECALLER

    t0 = time.perf_counter()
    candidates = family.candidates(task)
    timings["recall"] = _ms(t0)

    t0 = time.perf_counter()
    ranked = rank(recaller, task, candidates)
    timings["rank"] = _ms(t0)

    t0 = time.perf_counter()
    consistent, n_verifications = _verify_all(family, task, ranked)
    timings["verify"] = _ms(t0)

    if not consistent and search and time_limit > 0:
        t0 = time.perf_counter()
        found = family.search(task, time_limit)
        for h in found:
            h.source = h.source if h.source != "catalog" else "search"
        consistent_s, n_s = _verify_all(family, task, rank(recaller, task, found), trust=False)
        consistent, n_verifications = consistent_s, n_verifications + n_s
        timings["search"] = _ms(t0)

    solution = _decide(family, task, consistent, n_verifications, timings)
    timings["total"] = _ms(t_start)
    return solution


def _verify_all(family, task: Task, ranked: list[Hypothesis], trust: bool | None = None):
    """Return the consistent hypotheses in rank order and the number of verifications run.

    Families whose ``candidates`` are already matched by a bulk kernel are trusted, but the first
    hypothesis of each distinct answer is still re-verified here, so every answer we report is
    checked against every example.
    """
    trust = family.candidates_verified if trust is None else trust
    consistent: list[Hypothesis] = []
    n = 0
    checked_answers: set = set()
    for h in ranked:
        if trust:
            ans = h.answer if h.answer is not None else family.apply(h, task)
            h.answer = ans
            if ans not in checked_answers:
                n += 1
                if not family.verify(h, task):
                    continue
                checked_answers.add(ans)
            consistent.append(h)
        else:
            n += 1
            if family.verify(h, task):
                consistent.append(h)
    return consistent, n


def _decide(family, task, consistent: list[Hypothesis], n_verifications: int, timings) -> Solution:
    if not consistent:
        return Solution(answer=None, family=task.family, status="unsolved", method="none", rule=None,
                        n_consistent=0, n_verifications=n_verifications, timings=timings,
                        note="no hypothesis reproduces every example")
    answers: list[str | None] = []
    for h in consistent:
        if h.answer is None:
            h.answer = family.apply(h, task)
        answers.append(h.answer)
    usable = [(h, a) for h, a in zip(consistent, answers) if a is not None]
    if not usable:
        return Solution(answer=None, family=task.family, status="unsolved", method="none",
                        rule=family.explain(consistent[0]), n_consistent=len(consistent),
                        n_verifications=n_verifications, timings=timings,
                        note="consistent rules exist but none applies to the query")
    top, answer = usable[0]
    distinct = []
    for h, a in usable:
        if a not in [d[0] for d in distinct]:
            distinct.append((a, family.explain(h), h.prior))
    if top.guess:
        status = "guessed"
    elif len(distinct) == 1:
        status = "deduced"
    else:
        status = "ambiguous"
    return Solution(answer=answer, family=task.family, status=status, method=top.source,
                    rule=family.explain(top), n_consistent=len(consistent),
                    n_verifications=n_verifications, timings=timings,
                    alternatives=[list(d) for d in distinct[1:9]], hypothesis=top)


def _solve_safe(args):
    item, kwargs = args
    try:
        return solve(item, **kwargs)
    except HybridError as exc:
        return exc


def _solve_in_worker(args):
    # Hypothesis objects may hold unpicklable rules (functions); results cross a process boundary.
    res = _solve_safe(args)
    if isinstance(res, Solution):
        res.hypothesis = None
    return res


def solve_many(items: Iterable[Task | str], *, workers: int | None = 1, recaller: Recaller | None = None,
               search: bool = True, time_limit: float = DEFAULT_TIME_LIMIT, progress: bool = False):
    """Solve many puzzles; returns a list in input order.

    A malformed item yields its ``HybridError`` in place of a ``Solution`` instead of stopping
    the batch. ``workers=None`` uses every core; model recallers run in one process. Solutions
    computed in worker processes come back without their ``hypothesis`` object.
    """
    items = list(items)
    kwargs = dict(recaller=recaller, search=search, time_limit=time_limit)
    workers = (os.cpu_count() or 1) if workers is None else max(1, int(workers))
    from tqdm import tqdm

    results = []
    with tqdm(total=len(items), unit="task", dynamic_ncols=True, disable=not progress) as bar:
        if workers == 1 or len(items) < 2 or recaller is not None:
            for item in items:
                results.append(_solve_safe((item, kwargs)))
                bar.update(1)
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for res in pool.map(_solve_in_worker, [(it, kwargs) for it in items], chunksize=8):
                    results.append(res)
                    bar.update(1)
    return results
