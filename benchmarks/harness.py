"""The benchmark run: every path of every family on the same tasks, plus catalog build costs.

Per family the tasks are a fixed-seed sample of dev rows and generated instances of growing
size (``benchmarks.generate``). Every path the family has (``benchmarks.paths``) runs on every
task, in the same process, one after the other:

* timing runs: the first (clean) run, then repeats while the task's total stays under a cap;
  a task's latency is the **median of its repeats**;
* one instrumented run (tracemalloc + work counters) for peak memory and nodes, skipped for
  tasks whose clean run took longer than ``instrument_cap`` seconds;
* a warm-up call first (catalog load, numba JIT), timed and reported apart.

Each (family, path) has a wall budget; tasks left when it runs out are counted as skipped,
and every comparison between two paths uses only the tasks both measured.

Catalog build cost is measured in a subprocess (clean memory): ``family.build_catalog(tasks)``
on the family's dev rows, wall time and peak RSS above the process's baseline, and the packed
payload compared with the committed file. The quick mode reads ``build_seconds`` from the
committed file's header instead of rebuilding.
"""

from __future__ import annotations

import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hybrid.families import FAMILY_NAMES, get_family

from .generate import SIZES, generate_many
from .paths import SEARCH_PATHS, available_paths, set_counting

__all__ = ["Config", "run", "machine_description", "break_even", "path_stats", "compare"]


@dataclass
class Config:
    quick: bool = False
    families: tuple = FAMILY_NAMES
    dev_rows: int = 80
    per_size: int = 5
    repeats: int = 5
    repeat_cap: float = 0.25  # stop repeating a task once its runs add up to this many seconds
    time_limit: float = 2.0  # per search call
    path_budget: float = 180.0  # wall seconds per (family, path)
    instrument_cap: float = 0.5
    build: bool = True
    build_timeout: float = 180.0
    deadline: float = 14 * 60.0  # whole run; budgets shrink when it gets close
    seed: int = 0
    progress: bool = True

    @classmethod
    def quick_config(cls, **kw) -> "Config":
        base = dict(quick=True, dev_rows=3, per_size=1, repeats=3, repeat_cap=0.05, time_limit=0.5,
                    path_budget=2.0, instrument_cap=0.3, build=False, deadline=50.0)
        base.update(kw)
        return cls(**base)


@dataclass
class Item:
    task: object
    answer: str
    source: str  # "dev" or "generated"
    size: int | None


@dataclass
class Record:
    source: str
    size: int | None
    solved: bool
    correct: bool
    status: str
    seconds: float  # median over repeats
    runs: int
    nodes: int | None = None
    peak_bytes: int | None = None
    timed_out: bool = False
    error: str | None = None


@dataclass
class PathResult:
    name: str
    label: str
    node_unit: str
    warmup_s: float = 0.0
    records: list = field(default_factory=list)  # one per task, None when skipped
    wall_s: float = 0.0


@dataclass
class FamilyResult:
    name: str
    has_catalog: bool
    paths: list
    n_dev: int
    n_generated: int
    sources: list = field(default_factory=list)  # "dev"/"generated" per task index
    build: dict | None = None
    load: dict | None = None
    error: str | None = None


# ---------------------------------------------------------------------- machine
def machine_description() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    versions = {"python": platform.python_version()}
    for mod, attr in (("ortools", "__version__"), ("numpy", "__version__"), ("numba", "__version__"),
                      ("constraint", "__version__"), ("msgpack", "version"), ("matplotlib", "__version__")):
        try:
            v = getattr(__import__(mod), attr)
            versions[mod if mod != "constraint" else "python-constraint"] = (
                ".".join(map(str, v)) if isinstance(v, tuple) else str(v))
        except Exception:  # noqa: BLE001 - a missing optional package is reported as absent
            continue
    commit = None
    try:
        root = Path(__file__).resolve().parents[1]
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                                text=True, timeout=5).stdout.strip() or None
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "catalog"], cwd=root,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        if commit and dirty:
            commit += " (with uncommitted changes under src/ or catalog/)"
    except (OSError, subprocess.SubprocessError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "usable_cores": usable, "memory_gib": mem,
            "os": f"{platform.system()} {platform.release()}", "versions": versions, "commit": commit}


# ---------------------------------------------------------------------- tasks
def family_items(name: str, dev_tasks: list, cfg: Config) -> list[Item]:
    rows = [t for t in dev_tasks if t.family == name]
    rng = random.Random(f"{cfg.seed}:{name}")
    rows = rng.sample(rows, min(cfg.dev_rows, len(rows)))
    dev = [Item(t, t.meta["answer"], "dev", len(t.examples)) for t in rows]
    sizes = SIZES.get(name, ())
    if cfg.quick and sizes:
        sizes = (sizes[0], sizes[-1])
    made = generate_many(name, sizes, cfg.per_size, cfg.seed)
    # One instance of every size before the second of any, and dev rows woven in between: a path
    # that runs out of budget then still has measured a spread of sizes and sources.
    rank = {}
    for g in made:
        rank[id(g)] = sum(1 for h in made if h.size == g.size and id(h) in rank)
    made.sort(key=lambda g: (rank[id(g)], g.size))
    gen = [Item(g.task, g.answer, "generated", g.size) for g in made]
    items = []
    for i in range(max(len(dev), len(gen))):
        items.extend(x[i] for x in (dev, gen) if i < len(x))
    return items


# ---------------------------------------------------------------------- measuring
def _run_once(path, item: Item, time_limit: float):
    t0 = time.perf_counter()
    try:
        out = path.run(item.task, time_limit)
        err = None
    except Exception as exc:  # noqa: BLE001 - a failing path is a result, not a crash of the run
        out, err = None, f"{type(exc).__name__}: {exc}"
    return out, time.perf_counter() - t0, err


def measure(path, item: Item, cfg: Config) -> Record:
    out, dt, err = _run_once(path, item, cfg.time_limit)
    times = [dt]
    while err is None and len(times) < cfg.repeats and sum(times) + times[-1] <= cfg.repeat_cap:
        _, dt2, _ = _run_once(path, item, cfg.time_limit)
        times.append(dt2)
    answer = out.answer if out else None
    rec = Record(source=item.source, size=item.size, solved=answer is not None,
                 correct=answer is not None and answer == item.answer,
                 status=(out.status if out else "error"), seconds=statistics.median(times), runs=len(times),
                 timed_out=answer is None and times[0] >= 0.95 * cfg.time_limit, error=err)
    if err is None and times[0] <= cfg.instrument_cap:
        set_counting(True)
        tracemalloc.start()
        try:
            tracemalloc.reset_peak()
            out2, _, _ = _run_once(path, item, cfg.time_limit)
            rec.peak_bytes = tracemalloc.get_traced_memory()[1]
            rec.nodes = out2.nodes if out2 else None
        finally:
            tracemalloc.stop()
            set_counting(False)
    return rec


def _catalog_load(name: str) -> dict | None:
    """Time and memory of loading the committed catalog file (a fresh load, outside the cache)."""
    from hybrid.catalog import catalog_path, load_catalog, read_header

    fam = get_family(name)
    if not fam.has_catalog:
        return None
    p = catalog_path(name)
    if not p.exists():
        return None
    try:
        header = read_header(p)
        tracemalloc.start()
        t0 = time.perf_counter()
        load_catalog(name, path=p)
        dt = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        from hybrid import catalog as _cat

        _cat._cache.pop(str(p), None)  # only the family's own cache entry is kept in memory
    except Exception as exc:  # noqa: BLE001 - a stale catalog is reported, not fatal
        if tracemalloc.is_tracing():
            tracemalloc.stop()
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"file_bytes": p.stat().st_size, "entries": header.get("entries"),
            "header_build_s": header.get("build_seconds"), "payload_sha256": header.get("payload_sha256"),
            "load_s": dt, "load_peak_bytes": peak}


_BUILD_CODE = r"""
import json, resource, sys, time
from hybrid.catalog import pack_payload
from hybrid.data import labelled_tasks
from hybrid.families import get_family
import hashlib
name = sys.argv[1]
fam = get_family(name)
from hybrid.build import build_inputs
tasks, related = build_inputs(fam, labelled_tasks())
def status(key):
    try:
        for line in open("/proc/self/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
# Reading the dev rows has its own peak; reset the high-water mark so only the build's shows.
try:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    reset = True
except OSError:
    reset = False
base = status("VmRSS") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
payload, params = fam.build_catalog(tasks, **({"related": related} if fam.learns_from else {}))
dt = time.perf_counter() - t0
peak = status("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
blob = pack_payload(payload)
print(json.dumps({"build_s": dt, "rss_base_kib": base, "rss_peak_kib": peak, "tasks": len(tasks),
                  "peak_reset": reset,
                  "payload_bytes": len(blob), "payload_sha256": hashlib.sha256(blob).hexdigest()}))
"""


def measure_build(name: str, timeout: float) -> dict:
    """Rebuild ``name``'s catalog in a fresh process; wall time, peak RSS, payload size and hash."""
    try:
        proc = subprocess.run([sys.executable, "-c", _BUILD_CODE, name], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"build did not finish in {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["build failed"])[-1]}
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": "build printed no result"}


def run_family(name: str, dev_tasks: list, cfg: Config, t_start: float, log=print) -> FamilyResult:
    fam = get_family(name)
    paths = available_paths(name)
    items = family_items(name, dev_tasks, cfg)
    res = FamilyResult(name=name, has_catalog=any(p.name == "catalog" for p in paths), paths=[],
                       n_dev=sum(i.source == "dev" for i in items),
                       n_generated=sum(i.source == "generated" for i in items),
                       sources=[i.source for i in items])
    if fam.has_catalog:
        res.load = _catalog_load(name)
        if cfg.build:
            res.build = measure_build(name, cfg.build_timeout)
    for path in paths:
        left = cfg.deadline - (time.perf_counter() - t_start)
        budget = max(0.5, min(cfg.path_budget, left / 4))
        pr = PathResult(path.name, path.label, path.node_unit)
        t0 = time.perf_counter()
        if items:
            _, pr.warmup_s, _ = _run_once(path, items[0], cfg.time_limit)
        for item in items:
            if time.perf_counter() - t0 > budget:
                pr.records.append(None)
                continue
            pr.records.append(measure(path, item, cfg))
        pr.wall_s = time.perf_counter() - t0
        res.paths.append(pr)
        if cfg.progress:
            done = [r for r in pr.records if r is not None]
            ok = sum(r.correct for r in done)
            log(f"  {name:17s} {path.name:13s} {len(done):3d}/{len(items)} tasks  {ok:3d} correct  "
                f"{pr.wall_s:6.1f} s")
    return res


def run(cfg: Config, log=print) -> dict:
    """Run the benchmark; returns a JSON-able dict (machine, config, families, summaries)."""
    from hybrid.data import default_dev_csv, labelled_tasks

    t_start = time.perf_counter()
    dev = default_dev_csv()
    dev_tasks = labelled_tasks(dev) if dev.exists() else []
    families = []
    for name in cfg.families:
        try:
            families.append(run_family(name, dev_tasks, cfg, t_start, log))
        except Exception as exc:  # noqa: BLE001 - one broken family must not sink the report
            families.append(FamilyResult(name=name, has_catalog=False, paths=[], n_dev=0, n_generated=0,
                                         error=f"{type(exc).__name__}: {exc}"))
            log(f"  {name}: failed ({exc})")
    out = {
        "machine": machine_description(),
        "config": asdict(cfg),
        "dev_csv": str(dev) if dev.exists() else None,
        "seconds": time.perf_counter() - t_start,
        "families": [summarise(f, cfg) for f in families],
    }
    return out


# ---------------------------------------------------------------------- statistics
def _pct(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, max(0, math.ceil(q * len(v)) - 1))]


def time_answers(name: str, fn, tasks: list, warmup: int = 20) -> dict:
    """Per-row latency and exact-match accuracy of ``fn(task) -> answer | None`` over ``tasks``
    (labelled in ``meta['answer']``), after ``warmup`` untimed calls (catalog load, numba and
    ortools imports). Used by the per-family ``bench_*.py`` scripts."""
    for t in tasks[:warmup]:
        fn(t)
    times, hits, answered = [], 0, 0
    for t in tasks:
        t0 = time.perf_counter()
        ans = fn(t)
        times.append((time.perf_counter() - t0) * 1000.0)
        answered += ans is not None
        hits += ans == t.meta["answer"]
    n = len(tasks)
    return {"path": name, "rows": n, "answered": answered, "exact": hits, "accuracy": round(hits / n, 4),
            "median_ms": round(statistics.median(times), 4), "p95_ms": round(_pct(times, 0.95), 4),
            "max_ms": round(max(times), 3)}


def path_stats(records: list) -> dict:
    done = [r for r in records if r is not None]
    n = len(done)
    lat = [r.seconds for r in done]
    nodes = [r.nodes for r in done if r.nodes is not None]
    mem = [r.peak_bytes for r in done if r.peak_bytes is not None]
    return {
        "tasks": n,
        "skipped": len(records) - n,
        "solved_pct": 100.0 * sum(r.solved for r in done) / n if n else None,
        "correct_pct": 100.0 * sum(r.correct for r in done) / n if n else None,
        "timeouts": sum(r.timed_out for r in done),
        "errors": sum(r.error is not None for r in done),
        "median_ms": 1000 * statistics.median(lat) if lat else None,
        "p95_ms": 1000 * _pct(lat, 0.95) if lat else None,
        "mean_ms": 1000 * statistics.fmean(lat) if lat else None,
        "nodes_median": statistics.median(nodes) if nodes else None,
        "nodes_max": max(nodes) if nodes else None,
        "peak_mib": max(mem) / 2**20 if mem else None,
        "first_error": next((r.error for r in done if r.error), None),
    }


def break_even(build_s: float | None, search_s: float | None, catalog_s: float | None) -> float | None:
    """N* = build cost / (search cost per query - catalog cost per query); None means never
    (search is not slower per query, or a cost is unknown)."""
    if build_s is None or search_s is None or catalog_s is None:
        return None
    gain = search_s - catalog_s
    if gain <= 0:
        return None
    return build_s / gain


def compare(cat_records: list, other_records: list) -> dict:
    """Latency ratio and per-query costs of two paths over the tasks both measured."""
    pairs = [(a, b) for a, b in zip(cat_records, other_records, strict=False) if a is not None and b is not None]
    if not pairs:
        return {"common": 0}
    ca = [a.seconds for a, _ in pairs]
    cb = [b.seconds for _, b in pairs]
    med_a, med_b = statistics.median(ca), statistics.median(cb)
    return {
        "common": len(pairs),
        "catalog_median_ms": 1000 * med_a,
        "other_median_ms": 1000 * med_b,
        "ratio": med_a / med_b if med_b > 0 else None,
        "catalog_mean_s": statistics.fmean(ca),
        "other_mean_s": statistics.fmean(cb),
        "catalog_correct": sum(a.correct for a, _ in pairs),
        "other_correct": sum(b.correct for _, b in pairs),
    }


def _by_size(records: list) -> dict:
    out: dict = {}
    for r in records:
        if r is not None and r.source == "generated":
            out.setdefault(r.size, []).append(r.seconds)
    return {int(k): {"median_ms": 1000 * statistics.median(v), "n": len(v)} for k, v in sorted(out.items())}


def summarise(f: FamilyResult, cfg: Config) -> dict:
    paths = {p.name: p for p in f.paths}
    cat = paths.get("catalog")
    build_s = build_source = None
    if f.build and "build_s" in f.build:
        build_s, build_source = f.build["build_s"], "measured rebuild"
    elif f.load and f.load.get("header_build_s") is not None:
        build_s, build_source = f.load["header_build_s"], "catalog header (build_seconds)"
    load_s = f.load.get("load_s") if f.load else None
    one_time = None if build_s is None else build_s + (load_s or 0.0)
    comparisons = {}
    if cat is not None:
        for other in SEARCH_PATHS + ("pipeline",):
            if other in paths:
                c = compare(cat.records, paths[other].records)
                # The pipeline is the catalog plus its fallback, not an alternative to it: no N*.
                c["search"] = other != "pipeline"
                if c.get("common") and c["search"]:
                    c["n_star"] = break_even(one_time, c["other_mean_s"], c["catalog_mean_s"])
                comparisons[other] = c
    has_search = any(p in paths for p in SEARCH_PATHS if p != "brute") or "pipeline" in paths
    return {
        "name": f.name,
        "error": f.error,
        "has_catalog": cat is not None,
        "has_search": has_search,
        "covered": cat is not None and has_search,
        "n_dev": f.n_dev,
        "n_generated": f.n_generated,
        "build": f.build,
        "load": f.load,
        "build_s": build_s,
        "build_source": build_source,
        "one_time_s": one_time,
        "paths": [{"name": p.name, "label": p.label, "node_unit": p.node_unit, "warmup_s": p.warmup_s,
                   "wall_s": p.wall_s, **path_stats(p.records), "by_size": _by_size(p.records),
                   "dev": path_stats([r for r, s in zip(p.records, f.sources, strict=False) if s == "dev"]),
                   "generated": path_stats([r for r, s in zip(p.records, f.sources, strict=False) if s == "generated"])}
                  for p in f.paths],
        "comparisons": comparisons,
        "records": {p.name: [None if r is None else asdict(r) for r in p.records] for p in f.paths},
    }
