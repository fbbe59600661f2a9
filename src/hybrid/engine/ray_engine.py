"""The Ray engine: Ray Data datasets whose batches are solved by a pool of actors.

Each actor (``ShardSolver`` for runs over files, ``RowSolver`` for ``solve_many``) imports hybrid
and loads every catalog once, in its constructor; ``map_batches(..., compute=ActorPoolStrategy(size=N))``
streams work to the pool.

* **Runs over files** (``hybrid eval FILE --engine ray``, ``hybrid.engine.run``): the dataset has one
  row per pending shard; an actor reads its shard's rows, solves them, writes ``OUT/part-K.jsonl``
  (temporary name, then rename) and returns the shard's ledger line, which the driver appends to
  the ledger as results stream back. Rows never travel through the driver or the object store,
  so the output directory (and the input) must be on storage every node sees (local disk on one
  machine; NFS or similar on a cluster).
* **In-memory batches** (``solve_many(items, engine="ray")``): the dataset holds the pickled items
  with their positions; actors return pickled ``Solution`` objects (or the ``HybridError`` of the
  row), put back in input order.

A row that raises gives its error in place. An actor whose process dies (a crash in native code)
is restarted by Ray and its batch retried (Ray Data's default); a ``CrashLog`` beside the output
tells the retry which row the dead attempt was on, and that row alone becomes an
``InternalError`` record. (``solve_many`` keeps that log in the node's temporary directory, so the
skip works when the actor restarts on the same node, which is always the case on one machine.)

``ray.init()`` is called with no address: it starts Ray on this machine, or joins the cluster named
by ``RAY_ADDRESS``. When Ray is already initialised (by the caller), that session is used.
"""

from __future__ import annotations

import json
import logging
import math
import os
import pickle
import shutil
import tempfile
import uuid
from dataclasses import asdict
from pathlib import Path

from ..errors import HybridError
from .local import solve_shard_file, warm_catalogs
from .records import CrashLog, make_recaller, solve_inline
from .shards import Ledger, Plan, Shard, ShardCollector

__all__ = ["init_ray", "run_ray", "solve_many_ray", "ShardSolver", "RowSolver", "INSTALL_HINT"]

INSTALL_HINT = "pip install 'hybrid[ray]'"


def _import_ray():
    try:
        import ray
        import ray.data  # noqa: F401 - the Data library is the part we need
    except ImportError as exc:
        raise HybridError(f"--engine ray needs Ray Data, which is not installed ({exc.name or exc}); "
                          f"install it with: {INSTALL_HINT}") from None
    return ray


def init_ray(num_cpus: int | None = None):
    """Start Ray here (no ``RAY_ADDRESS``) or join the cluster that ``RAY_ADDRESS`` names; a Ray
    already initialised in this process is used as it is. Returns the ``ray`` module."""
    ray = _import_ray()
    if ray.is_initialized():
        return ray
    env = {k: v for k, v in os.environ.items() if k.startswith("HYBRID_")}
    kwargs = dict(include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False,
                  configure_logging=True)
    if env:
        kwargs["runtime_env"] = {"env_vars": env}
    if not os.environ.get("RAY_ADDRESS") and num_cpus:
        kwargs["num_cpus"] = int(num_cpus)
    try:
        ray.init(**kwargs)
    except Exception as exc:  # noqa: BLE001 - connection refused, bad address...
        where = os.environ.get("RAY_ADDRESS") or "a local Ray"
        raise HybridError(f"could not start or join Ray ({where}): {type(exc).__name__}: "
                          f"{' '.join(str(exc).split())[:300]}") from None
    return ray


def _cluster_cpus(ray) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


class _DataContext:
    """Quiet Ray Data for the duration of one run; restores the caller's settings afterwards."""

    def __init__(self):
        import ray.data

        self.ctx = ray.data.DataContext.get_current()
        self.new = {"enable_progress_bars": False, "print_on_execution_start": False, "enable_auto_log_stats": False}
        self.saved = {}

    def __enter__(self):
        for k, v in self.new.items():
            if hasattr(self.ctx, k):
                self.saved[k] = getattr(self.ctx, k)
                setattr(self.ctx, k, v)
        for name in ("ray.data", "ray.data._internal"):
            logging.getLogger(name).setLevel(logging.ERROR)
        return self

    def __exit__(self, *exc):
        for k, v in self.saved.items():
            setattr(self.ctx, k, v)


def _pool(n: int) -> dict:
    """``map_batches`` arguments for a pool of ``n`` one-CPU actors."""
    from ray.data import ActorPoolStrategy

    return dict(compute=ActorPoolStrategy(size=n), num_cpus=1)


def _failed(exc: Exception, what: str) -> HybridError:
    msg = " ".join(str(exc).split())[:400]
    return HybridError(f"the Ray run failed ({type(exc).__name__}: {msg}); {what}")


# ---------------------------------------------------------------------------------------- actors
class ShardSolver:
    """Ray Data actor: processes whole shards (solve, traces, grade or generate: the run's job) and
    writes their output files."""

    def __init__(self, options: dict, out: str, run_id: str):
        warm_catalogs()
        self.options = options
        self.out = Path(out)
        self.run_id = run_id
        self.init_error = None
        try:
            self.recaller = make_recaller(options.get("recaller"))
        except Exception as exc:  # noqa: BLE001 - reported on every shard, not as a dead actor
            self.recaller, self.init_error = None, f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"

    def solve_shard(self, shard: Shard) -> dict:
        """Solve one shard into its output file; returns the shard's ledger entry (or an error entry)."""
        if self.init_error:
            return {"shard": shard.index, "error": self.init_error, "engine": "ray"}
        return solve_shard_file(shard, self.options, self.out, self.run_id, self.recaller, engine="ray")

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        entries = [json.dumps(self.solve_shard(Shard(**json.loads(str(s)))), ensure_ascii=False)
                   for s in batch["shard"]]
        return {"entry": np.array(entries, dtype=object)}


class RowSolver:
    """Ray Data actor: solves pickled items (``Task`` or prompt) and returns pickled results."""

    def __init__(self, options: dict, recaller: bytes | None, run_id: str):
        warm_catalogs()
        self.options = options
        self.recaller = pickle.loads(recaller) if recaller else None
        self.logs = Path(tempfile.gettempdir()) / f"hybrid-ray-{run_id}"
        self.logs.mkdir(exist_ok=True)

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        items = [pickle.loads(b) for b in batch["item"]]
        log = CrashLog(self.logs / f"batch-{int(batch['i'][0])}")
        results = solve_inline(items, self.options, self.recaller, progress=log)
        log.close()
        return {"i": batch["i"], "result": np.array([pickle.dumps(r) for r in results], dtype=object)}


# ---------------------------------------------------------------------------------------- runs
def run_ray(plan: Plan, options: dict, *, workers: int | None = None, progress: bool = False,
            max_shards: int | None = None) -> list[int]:
    """Solve the plan's pending shards on Ray; return the indices of the shards finished now."""
    from tqdm import tqdm

    pending = plan.pending[:max_shards] if max_shards is not None else plan.pending
    if not pending:
        return []
    ray = init_ray()  # with ray.data imported

    n = _cluster_cpus(ray) if not workers else int(workers)
    n = max(1, min(n, len(pending)))
    items = [{"shard": json.dumps(asdict(s), ensure_ascii=False)} for s in pending]
    with _DataContext(), tqdm(total=len(pending), unit="shard", disable=not progress, dynamic_ncols=True) as bar:
        collector = ShardCollector(Ledger(plan.out), bar)
        ds = ray.data.from_items(items, override_num_blocks=len(items))
        ds = ds.map_batches(ShardSolver, batch_size=1, fn_constructor_kwargs={
            "options": options, "out": str(plan.out.resolve()), "run_id": uuid.uuid4().hex[:12]}, **_pool(n))
        try:
            for row in ds.iter_rows():
                collector.record(json.loads(row["entry"]))
        except Exception as exc:  # noqa: BLE001 - Ray's own failures (lost nodes, a dead cluster...)
            raise _failed(exc, f"{len(collector.finished)} shard(s) finished and saved; run again with --resume") from None
    return collector.raise_failures()


def solve_many_ray(items: list, options: dict, *, workers: int | None = 1, recaller=None, progress: bool = False,
                   chunksize: int = 8) -> list:
    """``solve_many(items, engine="ray")``: results in input order, errors in place.

    The Ray Data batch size is ``max(chunksize, ceil(len(items) / (4 * workers)))`` rows, at most
    1024: a few batches per actor, so the pool stays busy and per-batch overhead stays small.
    """
    from tqdm import tqdm

    if not items:
        return []
    ray = init_ray()  # with ray.data imported

    n = _cluster_cpus(ray) if workers is None else max(1, int(workers))
    n = max(1, min(n, len(items)))
    batch = int(min(1024, max(int(chunksize), math.ceil(len(items) / (4 * n)))))
    try:
        blob = pickle.dumps(recaller) if recaller is not None else None
    except Exception as exc:  # noqa: BLE001
        raise HybridError(f"engine='ray' needs a recaller that can be pickled to the workers: {exc}") from None
    results: list = [None] * len(items)
    rows = [{"i": i, "item": pickle.dumps(item)} for i, item in enumerate(items)]
    run_id = uuid.uuid4().hex[:12]
    with _DataContext(), tqdm(total=len(items), unit="task", disable=not progress, dynamic_ncols=True) as bar:
        ds = ray.data.from_items(rows, override_num_blocks=max(1, math.ceil(len(rows) / batch)))
        ds = ds.map_batches(RowSolver, batch_size=batch, fn_constructor_kwargs={
            "options": options, "recaller": blob, "run_id": run_id}, **_pool(n))
        try:
            for out in ds.iter_batches(batch_size=None, batch_format="numpy"):
                for i, res in zip(out["i"], out["result"]):
                    results[int(i)] = pickle.loads(res)
                bar.update(len(out["i"]))
        except Exception as exc:  # noqa: BLE001
            raise _failed(exc, "no results were kept") from None
        finally:  # this machine's crash-log directory (other nodes keep an empty one)
            shutil.rmtree(Path(tempfile.gettempdir()) / f"hybrid-ray-{run_id}", ignore_errors=True)
    missing = sum(1 for r in results if r is None)
    if missing:
        raise HybridError(f"the Ray run returned no result for {missing} of {len(items)} items")
    return results
