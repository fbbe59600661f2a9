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

The same machinery runs the other batch jobs (``hybrid.engine.jobs``): ``export_traces_run``
(``export-traces``), ``grade_run`` (``grade``) and ``generate_run`` (``generate``), each sharded,
resumable by shard, on either engine, with JSONL or Parquet records.
"""

from __future__ import annotations

import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import HybridError
from .records import solve_options
from .shards import DEFAULT_SHARD_ROWS, iter_results, plan_run

__all__ = ["run", "execute", "RunSummary", "iter_results", "eval_report", "solve_options", "ENGINES",
           "DEFAULT_SHARD_ROWS", "export_traces_run", "grade_run", "generate_run"]

ENGINES = ("local", "ray")


@dataclass
class RunSummary:
    """What a run did: its shards, those an earlier run had finished, those finished now."""

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
        """True when no shard is left to solve."""
        return self.pending == 0


def check_engine(engine: str) -> str:
    """Return ``engine`` if it is a known engine name, else raise ``HybridError`` listing them."""
    if engine not in ENGINES:
        raise HybridError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    return engine


def run(input_path, out, *, engine: str = "local", workers: int | None = 1, shard_rows: int | None = None,
        resume: bool = False, search: bool = True, time_limit: float | None = None, min_confidence: float = 0.0,
        fallback: str | None = None, families=None, recaller: str | None = None, progress: bool = False,
        max_shards: int | None = None, output: str = "jsonl", job: dict | None = None) -> RunSummary:
    """Solve every row of ``input_path`` (CSV / JSONL / Parquet file, or a directory of shard files)
    into ``out`` (one ``part-K.jsonl`` per shard, a ledger, a manifest).

    ``workers``: processes (local) or actors (ray); ``None`` means every CPU (of the cluster, for
    ray). ``resume`` continues a run in ``out`` with the same input and options, skipping the
    shards its ledger holds. ``max_shards`` stops after that many shards (the rest stay pending:
    a later ``resume`` finishes them). ``recaller`` is a spec string (``prior``, ``lm:PATH``) that
    each worker turns into its recaller. ``families`` keeps only those families' rows.
    ``output``: ``jsonl`` or ``parquet`` (``part-K.parquet``). ``job``: the options of another job
    (``jobs.trace_options``, ``jobs.grade_options``) instead of solving; the solve options are
    then ignored.
    """
    from ..pipeline import _check_min_confidence, _check_time_limit
    from .jobs import job_of
    from .shards import OUTPUT_FORMATS

    check_engine(engine)
    if output not in OUTPUT_FORMATS:
        raise HybridError(f"output format must be one of {', '.join(OUTPUT_FORMATS)}, got {output!r}")
    if job is None:
        options = solve_options(search=search, time_limit=time_limit, min_confidence=min_confidence,
                                fallback=fallback, families=families, recaller=recaller)
        _check_time_limit(options["time_limit"])
        _check_min_confidence(options["min_confidence"])
        if output != "jsonl":
            options["output"] = output
    else:
        options = dict(job)
        if job_of(options) in ("solve", "generate"):
            raise HybridError("job: pass the options of a traces or grade job (see hybrid.engine.jobs)")
    if max_shards is not None and int(max_shards) < 0:
        raise HybridError(f"max_shards must be >= 0, got {max_shards}")
    if engine == "ray":
        from .ray_engine import _import_ray

        _import_ray()  # fail before any file is written when Ray is missing
    t0 = time.perf_counter()
    plan = plan_run(input_path, out, shard_rows=shard_rows, resume=resume, options=options,
                    raw=job_of(options) == "grade")
    return execute(plan, options, engine=engine, workers=workers, progress=progress, max_shards=max_shards, t0=t0)


def execute(plan, options: dict, *, engine: str = "local", workers: int | None = 1, progress: bool = False,
            max_shards: int | None = None, t0: float | None = None) -> RunSummary:
    """Run a planned run's pending shards on ``engine``; the part every job shares."""
    t0 = time.perf_counter() if t0 is None else t0
    skipped = len(plan.done)
    if engine == "ray":
        from .ray_engine import run_ray

        finished = run_ray(plan, options, workers=workers, progress=progress, max_shards=max_shards)
    else:
        import os

        from .local import run_local

        n = (os.cpu_count() or 1) if workers is None else max(1, int(workers))
        finished = run_local(plan, options, workers=n, progress=progress, max_shards=max_shards)
    return RunSummary(out=Path(plan.out), shards=len(plan.shards), skipped=skipped, finished=finished,
                      pending=len(plan.shards) - skipped - len(finished), rows=plan.manifest.get("rows"),
                      seconds=time.perf_counter() - t0, engine=engine)


def eval_report(records, seconds: float = 0.0, keep_wrong: int = 0, prompts=None):
    """An ``EvalReport`` (as ``hybrid eval`` prints it) from result records; rows without an
    expected answer are left out. ``prompts(record) -> str`` supplies prompts for wrong rows."""
    from ..evaluate import FamilyStats, build_report

    stats: dict = {}
    wrong: list = []
    for rec in records:
        if rec.get("expected") is None:
            continue
        fam = rec.get("family") or "unparsed"
        st = stats.setdefault(fam, FamilyStats())
        if rec.get("error"):
            st.rows += 1
            st.errors += 1
            if len(wrong) < keep_wrong:
                wrong.append({"id": rec["id"], "family": fam, "error": rec["error"]})
            continue
        st.count(rec["status"], bool(rec.get("correct")), rec.get("ms") or 0.0, rec.get("confidence"))
        if not rec.get("correct") and len(wrong) < keep_wrong:
            wrong.append({"id": rec["id"], "family": fam, "expected": rec["expected"], "got": rec["answer"],
                          "status": rec["status"], "rule": rec["rule"],
                          "prompt": prompts(rec) if prompts else ""})
    if not stats:
        raise HybridError("no rows with an 'answer' to evaluate against")
    return build_report(stats, seconds, wrong)


# ------------------------------------------------------------------------------------ other jobs
def export_traces_run(input_path, work=None, *, engine: str = "local", workers: int | None = 1,
                      shard_rows: int | None = None, resume: bool = False, progress: bool = False,
                      max_shards: int | None = None, output: str = "jsonl", sink=None, **trace_kwargs):
    """``export-traces`` on the engine: returns ``(records, TraceStats, RunSummary)``, the records
    those ``hybrid.model.traces.iter_records`` gives for the same labelled rows (in input order).

    ``trace_kwargs`` are ``jobs.trace_options``'s (``statuses``, ``search``, ``time_limit``,
    ``grammar``, ``k``, ``wrong``, ``instruction``, ``system``, ``families``, ``split``,
    ``holdout``, ``seed``). ``work``: the run directory (kept; ``resume`` continues it); None: a
    temporary one. The per-row records stay in ``work`` (``part-K``: trace or reason, by id).
    A run stopped by ``max_shards`` returns ``([], None, summary)``. With ``sink``, the records are
    not gathered: ``sink(iterator)`` consumes them as they are read back from ``work`` (constant
    memory, for very large exports) and its return value takes the place of the list.
    """
    from .jobs import iter_traces, trace_options, trace_stats

    job = trace_options(output=output, **trace_kwargs)
    with _work_dir(work) as out:
        s = run(input_path, out, engine=engine, workers=workers, shard_rows=shard_rows, resume=resume,
                progress=progress, max_shards=max_shards, output=output, job=job)
        if not s.complete:
            return [], None, s
        records = iter_traces(out)
        return (sink(records) if sink is not None else list(records)), trace_stats(iter_results(out)), s


def grade_run(generations, data, work=None, *, audit: bool = False, time_limit: float | None = None,
              per_row: bool = False, grammar=2, engine: str = "local", workers: int | None = 1,
              shard_rows: int | None = None, resume: bool = False, progress: bool = False,
              max_shards: int | None = None, output: str = "jsonl"):
    """``grade`` on the engine: returns ``(report, RunSummary)``, the report being the one
    ``hybrid.model.grade.grade(generations, data, ...)`` gives (plus ``errors`` when some lines
    could not be read: they are error records in place instead of failing the whole file). A run
    stopped by ``max_shards`` returns ``(None, summary)``."""
    from .jobs import grade_options, grade_report

    job = grade_options(data, audit=audit, time_limit=time_limit, grammar=grammar, output=output)
    with _work_dir(work) as out:
        s = run(generations, out, engine=engine, workers=workers, shard_rows=shard_rows, resume=resume,
                progress=progress, max_shards=max_shards, output=output, job=job)
        if not s.complete:
            return None, s
        return grade_report(iter_results(out), audit=audit, per_row=per_row, grammar=grammar), s


@contextmanager
def _work_dir(work):
    """``work`` as it is, or a temporary run directory removed afterwards."""
    if work is not None:
        yield str(work)
        return
    with tempfile.TemporaryDirectory(prefix="hybrid-run-") as tmp:
        yield str(Path(tmp) / "run")


def generate_run(*args, **kwargs):
    """``hybrid generate`` on the engine (see ``hybrid.engine.generating.generate_run``)."""
    from .generating import generate_run as _generate_run

    return _generate_run(*args, **kwargs)
