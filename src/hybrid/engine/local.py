"""The local engine over shards, and the shard worker that both engines run.

``solve_shard_file`` is one unit of work: read a shard's rows, parse and solve them (or run the job
the options name: traces, grading, generation; see ``hybrid.engine.jobs``) one after
another, write ``OUT/part-K.jsonl`` (temporary name, then rename) and return the shard's ledger
line. The Ray engine runs it in actors; the local engine runs it in this process (one worker) or
in a pool of ``workers`` processes, one shard per task, the parent appending each finished shard
to the ledger. Catalogs are loaded once per process (before the pool forks, and again in each
worker when processes are spawned).

A worker process that dies (a crash in native code) breaks the pool, which terminates every
worker: each shard that was in flight is re-run alone in a one-process pool, where a death can
only be its own; its ``CrashLog`` tells the next attempt which row the dead one was on, and that
row becomes an ``InternalError`` record while the others are solved. The remaining shards go to a
fresh pool.
"""

from __future__ import annotations

import os
import resource
import socket
import time
import uuid
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..errors import HybridError
from .records import CrashLog, fill, make_recaller, solve_inline, split_rows
from .shards import Ledger, Plan, Shard, ShardCollector, output_name, read_shard_rows, write_bytes, write_records

__all__ = ["run_local", "solve_shard_file", "solve_rows", "warm_catalogs", "peak_rss_mb", "cpu_seconds"]

def warm_catalogs() -> None:
    """Load every family's catalog now (once per process), so that forked workers share it and
    the first rows do not pay for it. A catalog that fails to load is left to fail on its rows."""
    from ..families import family_names, get_family

    for name in family_names():
        try:
            get_family(name).catalog()
        except Exception:  # noqa: BLE001 - reported per row when a row needs it
            pass


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory in MB of this process (or, with ``children``, of its largest waited-for child)."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return round(resource.getrusage(who).ru_maxrss / 1024.0, 1)  # ru_maxrss is in KiB on Linux


def cpu_seconds(children: bool = False) -> float:
    """CPU time (user + system) used so far by this process (or its reaped children)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF)
    return round(ru.ru_utime + ru.ru_stime, 3)


def solve_rows(rows: list[dict], options: dict, recaller=None, progress: CrashLog | None = None) -> list[dict]:
    """Result records for rows, solved one after another in this process."""
    records, todo = split_rows(rows, options.get("families"))
    return fill(records, todo, solve_inline([t for _, t in todo], options, recaller, progress))


def shard_output_name(shard: Shard, options: dict) -> str:
    """The output file of ``shard`` in a run with ``options`` (its extension: the output format)."""
    from .jobs import job_of

    if job_of(options) == "generate":
        return output_name(shard.index, options["format"])
    return output_name(shard.index, options.get("output") or "jsonl")


def solve_shard_file(shard: Shard, options: dict, out, run_id: str, recaller=None, engine: str = "local",
                     alone: bool = False) -> dict:
    """Process one shard into ``out`` (solve its rows, or the run's other job: see
    ``hybrid.engine.jobs``); return its ledger line (``error`` set when the shard could not be
    read or written: the run reports it and ``--resume`` retries it). ``alone``: this process runs
    nothing else (a death here is the shard's own; see ``CrashLog``)."""
    from .jobs import job_of, process_rows

    t0 = time.perf_counter()
    out = Path(out)
    name = shard_output_name(shard, options)
    entry: dict = {"shard": shard.index}
    try:
        job = job_of(options)
        if job == "generate":
            from .generating import generate_shard_bytes

            data, nrows = generate_shard_bytes(shard, options)
            nbytes, sha = write_bytes(out / name, data)
            entry.update(file=name, rows=nrows, errors=0, bytes=nbytes, sha256=sha)
            log = None
        else:
            rows = read_shard_rows(shard, raw=job == "grade")
            log = CrashLog(out / f"{name}.progress-{run_id}", alone=alone)
            records = process_rows(rows, options, recaller, log)
            log.writing()
            nbytes, sha = write_records(out / name, records, options.get("output") or "jsonl")
            log.close()
            entry.update(file=name, rows=len(records), errors=sum(1 for r in records if r["error"]),
                         bytes=nbytes, sha256=sha)
        if log is not None and log.crashed:
            entry["crashed_rows"] = sorted(log.crashed)
    except Exception as exc:  # noqa: BLE001 - a shard that cannot be read or written
        entry["error"] = f"{type(exc).__name__}: {' '.join(str(exc).split())[:500]}"
    entry.update(seconds=round(time.perf_counter() - t0, 3), engine=engine,
                 worker={"host": socket.gethostname(), "pid": os.getpid(), "peak_rss_mb": peak_rss_mb(),
                         "cpu_s": cpu_seconds()},
                 finished_at=round(time.time(), 3))
    return entry


def _pool_task(shard: Shard, options: dict, out: str, run_id: str, alone: bool = False) -> dict:
    return solve_shard_file(shard, options, out, run_id, alone=alone)


def run_local(plan: Plan, options: dict, *, workers: int = 1, progress: bool = False,
              max_shards: int | None = None) -> list[int]:
    """Solve the plan's pending shards on this machine; return the indices finished now."""
    from tqdm import tqdm

    pending = plan.pending[:max_shards] if max_shards is not None else plan.pending
    if not pending:
        return []
    recaller = make_recaller(options.get("recaller"))
    run_id = uuid.uuid4().hex[:12]
    warm_catalogs()
    with tqdm(total=len(pending), unit="shard", disable=not progress, dynamic_ncols=True) as bar:
        collector = ShardCollector(Ledger(plan.out), bar)
        record = collector.record
        if workers <= 1 or recaller is not None:
            for shard in pending:  # model recallers stay in one process, as in solve_many
                record(solve_shard_file(shard, options, plan.out, run_id, recaller))
        else:
            queue = deque(pending)
            while queue:
                for shard in _pool_round(queue, options, plan.out, run_id, workers, record):
                    _run_alone(shard, options, plan.out, run_id, record)
    return collector.raise_failures()


def _pool_round(queue: deque, options: dict, out: Path, run_id: str, workers: int, record) -> list[Shard]:
    """Run shards from ``queue`` in a pool of ``workers`` processes, one shard per process at a
    time. When a worker dies the pool is broken: return the shards that were in flight (the
    caller re-runs each alone); the rest stay in ``queue``."""
    inflight: dict = {}
    with ProcessPoolExecutor(max_workers=workers, initializer=warm_catalogs) as pool:
        def submit_next() -> None:
            if queue:
                fut = pool.submit(_pool_task, queue[0], options, str(out), run_id)
                inflight[fut] = queue.popleft()  # only once submitted: a broken pool raises above

        try:
            for _ in range(workers):
                submit_next()
            while inflight:
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for fut in done:
                    entry = fut.result()  # raises BrokenProcessPool when a worker died
                    inflight.pop(fut)
                    record(entry)
                    submit_next()
        except BrokenProcessPool:
            suspects = []
            for fut, shard in inflight.items():
                if fut.done() and not fut.cancelled() and fut.exception() is None:
                    record(fut.result())
                else:
                    suspects.append(shard)
            return suspects
    return []


def _run_alone(shard: Shard, options: dict, out: Path, run_id: str, record) -> None:
    """Re-run a shard whose pool broke, alone in a one-process pool, until it completes; each
    death there marks the row it was on, which the next attempt skips."""
    log = out / f"{shard_output_name(shard, options)}.progress-{run_id}"
    while True:
        before = CrashLog.read(log)
        with ProcessPoolExecutor(max_workers=1, initializer=warm_catalogs) as pool:
            try:
                record(pool.submit(_pool_task, shard, options, str(out), run_id, True).result())
                return
            except BrokenProcessPool:
                pass
        if CrashLog.read(log) == before:  # died before or after its rows: retrying will not help
            raise HybridError(f"shard {shard.index}: the worker process died outside any row; the other shards "
                              "are saved (run again with --resume)")
