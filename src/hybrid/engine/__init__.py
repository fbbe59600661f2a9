"""Batch engines: solve a file of puzzles shard by shard, locally or on Ray Data, resumably.

    from hybrid.engine import run, iter_results, eval_report
    summary = run("dev.csv", "out/", engine="ray", workers=None)   # every CPU Ray sees
    for rec in iter_results("out/"):                               # per-row records, input order
        ...

``engine="local"`` solves each shard with ``hybrid.solve_many`` (``workers`` processes);
``engine="ray"`` runs a Ray Data pipeline whose actors load the catalogs once and solve whole
shards (see ``hybrid.engine.ray_engine``). Both write the same files (``hybrid.engine.shards``)
and the same records (``hybrid.engine.records``), and either can resume the other's run.
Ray is optional: ``pip install 'hybrid[ray]'``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import HybridError
from .records import solve_options
from .shards import DEFAULT_SHARD_ROWS, iter_results, plan_run

__all__ = ["run", "RunSummary", "iter_results", "eval_report", "solve_options", "ENGINES", "DEFAULT_SHARD_ROWS"]

ENGINES = ("local", "ray")


@dataclass
class RunSummary:
    out: Path
    shards: int  # shards in the run
    skipped: int  # finished by an earlier run (resume)
    finished: list  # indices of the shards finished by this call
    pending: int  # shards still to do (after max_shards)
    rows: int | None  # input rows (None for a directory input, counted by the shards)
    seconds: float
    engine: str

    @property
    def complete(self) -> bool:
        return self.pending == 0


def check_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise HybridError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    return engine


def run(input_path, out, *, engine: str = "local", workers: int | None = 1, shard_rows: int | None = None,
        resume: bool = False, search: bool = True, time_limit: float | None = None, min_confidence: float = 0.0,
        fallback: str | None = None, families=None, recaller: str | None = None, progress: bool = False,
        max_shards: int | None = None) -> RunSummary:
    """Solve every row of ``input_path`` (CSV / JSONL / Parquet file, or a directory of shard files)
    into ``out`` (one ``part-K.jsonl`` per shard, a ledger, a manifest).

    ``workers``: processes (local) or actors (ray); ``None`` means every CPU (of the cluster, for
    ray). ``resume`` continues a run in ``out`` with the same input and options, skipping the
    shards its ledger holds. ``max_shards`` stops after that many shards (the rest stay pending:
    a later ``resume`` finishes them). ``recaller`` is a spec string (``prior``, ``lm:PATH``) that
    each worker turns into its recaller. ``families`` keeps only those families' rows.
    """
    from ..pipeline import _check_min_confidence, _check_time_limit

    check_engine(engine)
    options = solve_options(search=search, time_limit=time_limit, min_confidence=min_confidence, fallback=fallback,
                            families=families, recaller=recaller)
    _check_time_limit(options["time_limit"])
    _check_min_confidence(options["min_confidence"])
    if max_shards is not None and int(max_shards) < 0:
        raise HybridError(f"max_shards must be >= 0, got {max_shards}")
    if engine == "ray":
        from .ray_engine import _import_ray

        _import_ray()  # fail before any file is written when Ray is missing
    t0 = time.perf_counter()
    plan = plan_run(input_path, out, shard_rows=shard_rows, resume=resume, options=options)
    skipped = len(plan.done)
    if engine == "ray":
        from .ray_engine import run_ray

        finished = run_ray(plan, options, workers=workers, progress=progress, max_shards=max_shards)
    else:
        import os

        from .local import run_local

        n = (os.cpu_count() or 1) if workers is None else max(1, int(workers))
        finished = run_local(plan, options, workers=n, progress=progress, max_shards=max_shards)
    return RunSummary(out=Path(out), shards=len(plan.shards), skipped=skipped, finished=finished,
                      pending=len(plan.shards) - skipped - len(finished), rows=plan.manifest.get("rows"),
                      seconds=time.perf_counter() - t0, engine=engine)


def eval_report(records, seconds: float = 0.0, keep_wrong: int = 0, prompts=None):
    """An ``EvalReport`` (as ``hybrid eval`` prints it) from result records; rows without an
    expected answer are left out. ``prompts(record) -> str`` supplies prompts for wrong rows."""
    from ..evaluate import EvalReport, FamilyStats
    from ..families import family_names

    stats: dict = {}
    wrong: list = []
    for rec in records:
        if rec.get("expected") is None:
            continue
        fam = rec.get("family") or "unparsed"
        st = stats.setdefault(fam, FamilyStats())
        st.rows += 1
        if rec.get("error"):
            st.errors += 1
            if len(wrong) < keep_wrong:
                wrong.append({"id": rec["id"], "family": fam, "error": rec["error"]})
            continue
        st.latencies_ms.append(rec.get("ms") or 0.0)
        if rec.get("confidence") is not None:
            st.confidences.append(rec["confidence"])
        st.status[rec["status"]] = st.status.get(rec["status"], 0) + 1
        if rec.get("correct"):
            st.correct += 1
            st.correct_by_status[rec["status"]] = st.correct_by_status.get(rec["status"], 0) + 1
        elif len(wrong) < keep_wrong:
            wrong.append({"id": rec["id"], "family": fam, "expected": rec["expected"], "got": rec["answer"],
                          "status": rec["status"], "rule": rec["rule"],
                          "prompt": prompts(rec) if prompts else ""})
    if not stats:
        raise HybridError("no rows with an 'answer' to evaluate against")
    names = family_names()
    order = [f for f in (*names, "unparsed") if f in stats] + sorted(set(stats) - {*names, "unparsed"})
    tot = FamilyStats()
    for f in order:
        s = stats[f]
        tot.rows += s.rows
        tot.correct += s.correct
        tot.errors += s.errors
        tot.latencies_ms += s.latencies_ms
        tot.confidences += s.confidences
        for k, v in s.status.items():
            tot.status[k] = tot.status.get(k, 0) + v
        for k, v in s.correct_by_status.items():
            tot.correct_by_status[k] = tot.correct_by_status.get(k, 0) + v
    return EvalReport({f: stats[f].summary() for f in order}, tot.summary(), seconds, wrong)
