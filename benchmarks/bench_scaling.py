"""Throughput of the batch engines on one file: 1 and 2 local processes, and Ray Data.

    python -m benchmarks.bench_scaling [--rows 200000] [--source generated|dev | --input FILE] [--seed 0]
        [--shard-rows 2000] [--workers 2] [--configs local1,local2,ray] [--family-rows 500]
        [--kill-resume ray|local2|none] [--trace-rows 7126] [--out docs/benchmarks_scaling.md] [--json PATH]

The input (``--source generated``, the default) is a file of ``--rows`` fresh puzzles made by
``hybrid.generate`` with the families in the dev file's proportions, rows of the families
interleaved by a seeded shuffle (``make_generated_csv``); ``--source dev`` repeats the 7,126 dev
rows instead (each pass reshuffled); ``--input`` measures any CSV / JSONL / Parquet file.

First, per family (``--family-rows`` generated puzzles each): CPU ms per row to generate, to solve
and to export a trace, the share answered right and whether every ``deduced`` answer is the gold
one; with the file's family mix these give the expected cost of the run before it starts.

Every configuration runs in a fresh Python process (so peak memory is its own) on the same file
and writes the sharded output: ``plan_run`` cuts the file into shards (timed apart: a serial,
per-row cost of the driver), then ``hybrid.engine.run(..., resume=True)`` solves every shard. From
the ledger's timestamps each run splits into a fixed part F (interpreter and imports; for Ray,
``ray.init()`` and the actors' start-up; for a pool, its start) and a steady rate r, so that
``T(N) = F + N * (staging per row + 1 / r)``; the row count above which Ray beats each local
configuration follows. Also measured: ``ray.init()`` alone, Ray Data's per-task overhead with
actors that do nothing (what each shard pays), and the per-row cost of trace export
(``hybrid.model.traces.iter_records``: solve, render, re-verify) on the first ``--trace-rows`` rows.

Then the per-row records of every configuration are compared with the single local process's,
and a run of ``hybrid eval FILE --out DIR --engine E`` is killed (SIGKILL, the whole process tree)
once about half its shards are in the ledger and resumed with ``--resume``: the benchmark counts
the shards the resumed run did again (ledger lines of a shard finished before the kill, files
rewritten) and compares the resumed run's records with the reference.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ("local1", "local2", "ray")


# ------------------------------------------------------------------------------------ inputs
def make_repeated_csv(src: Path, rows: int, dest: Path, seed: int = 0) -> Path:
    """``src`` rows repeated (reshuffled each pass) to ``rows`` rows, ids suffixed by the pass."""
    from hybrid.data import read_csv

    base = read_csv(src)
    rng = random.Random(seed)
    with open(dest, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "prompt", "answer"])
        n, k = 0, 0
        while n < rows:
            order = list(range(len(base)))
            rng.shuffle(order)
            for i in order[: rows - n]:
                r = base[i]
                w.writerow([f"{r.id}-{k}", r.prompt, r.answer])
                n += 1
            k += 1
    return dest


def dev_family_mix() -> dict:
    """``{family: rows}`` of the dev file (the proportions a generated benchmark file follows)."""
    from hybrid.data import default_dev_csv, read_csv
    from hybrid.parse import parse

    mix: dict = {}
    if not default_dev_csv().is_file():  # no dev file here: an even mix of the built-in families
        from hybrid.families import FAMILY_NAMES

        return {f: 1 for f in FAMILY_NAMES}
    for r in read_csv(default_dev_csv()):
        try:
            f = parse(r.prompt).family
        except Exception:  # noqa: BLE001 - an unparsable dev row counts for no family
            continue
        mix[f] = mix.get(f, 0) + 1
    return mix


def split_rows(total: int, mix: dict) -> dict:
    """``total`` rows shared out in proportion to ``mix`` (largest remainders; ties by name)."""
    whole = sum(mix.values())
    exact = {f: total * n / whole for f, n in mix.items()}
    out = {f: int(v) for f, v in exact.items()}
    for f in sorted(exact, key=lambda f: (out[f] - exact[f], f))[: total - sum(out.values())]:
        out[f] += 1
    return out


def make_generated_csv(rows: int, dest: Path, seed: int = 0, mix: dict | None = None) -> dict:
    """A CSV of ``rows`` generated puzzles (``hybrid generate``'s columns), families in ``mix``'s
    proportions (default: the dev file's), their rows interleaved by a seeded shuffle. Puzzle
    ``i`` of family ``F`` is ``hybrid.generate.generate_row(F, i, seed)``, as ``hybrid generate``
    makes it. Returns the rows per family."""
    from hybrid.generate import FIELDS, generate_row

    per = split_rows(rows, mix or dev_family_mix())
    order = [(f, i) for f in sorted(per) for i in range(per[f])]
    random.Random(seed).shuffle(order)
    with open(dest, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        for f, i in order:
            w.writerow(generate_row(f, i, seed))
    return per


def count_rows(src: Path) -> int:
    from hybrid.engine.shards import iter_input_rows

    return sum(1 for _ in iter_input_rows(src))


# ------------------------------------------------------------------------------------ children
def code_fingerprint() -> str:
    """sha256 of the library's source files and catalogs: two runs compare only when it is equal."""
    import hashlib

    import hybrid
    from hybrid.catalog import catalog_dir

    h = hashlib.sha256()
    pkg = Path(hybrid.__file__).resolve().parent
    files = sorted(pkg.rglob("*.py")) + sorted(Path(catalog_dir()).glob("*.msgpack"))
    for f in files:
        h.update(str(f.relative_to(f.parents[1])).encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def child_run(config: str, inp: str, work: str, shard_rows: int, workers: int) -> dict:
    t_start = time.perf_counter()
    code_before = code_fingerprint()
    from hybrid.engine import run, solve_options
    from hybrid.engine.local import cpu_seconds, peak_rss_mb
    from hybrid.engine.shards import Ledger, plan_run

    out = Path(work) / "out"
    res: dict = {"config": config, "import_s": round(time.perf_counter() - t_start, 3)}
    t0 = time.perf_counter()
    plan = plan_run(inp, out, shard_rows=shard_rows, options=solve_options())
    res["staging_s"] = round(time.perf_counter() - t0, 3)
    t1, t1_wall = time.perf_counter(), time.time()
    with _TreeCPU() as tree:
        if config == "ray":
            from hybrid.engine.ray_engine import init_ray

            init_ray()  # as the CLI does: no address, every core of this machine
            res["ray_init_s"] = round(time.perf_counter() - t1, 3)
            s = run(inp, out, engine="ray", workers=workers, resume=True)
        else:
            s = run(inp, out, engine="local", workers=1 if config == "local1" else workers, resume=True)
        solve_wall = time.perf_counter() - t1
        res["tree_cpu_s"] = tree.stop()
    entries = sorted(Ledger(out).entries().values(), key=lambda e: e["finished_at"])
    rows = sum(e["rows"] for e in entries)
    assert s.complete and rows == plan.manifest["rows"], (s, rows)
    by_pid: dict = {}
    for e in entries:
        w = e["worker"]
        prev = by_pid.get(w["pid"], {})
        by_pid[w["pid"]] = {"peak_rss_mb": max(prev.get("peak_rss_mb", 0), w.get("peak_rss_mb", 0)),
                            "cpu_s": max(prev.get("cpu_s", 0), w.get("cpu_s", 0))}
    res["code"] = [code_before, code_fingerprint()]
    first = entries[0]
    # Until the first shard came back, less the time spent solving it: start-up before any work.
    startup = first["finished_at"] - t1_wall - first["seconds"]
    res.update(rows=rows, shards=s.shards, solve_wall_s=round(solve_wall, 3), startup_s=round(startup, 3),
               steady_s=round(solve_wall - startup, 3), rows_per_s=round(rows / (solve_wall - startup), 1),
               shard_seconds=round(sum(e["seconds"] for e in entries), 3),
               driver_peak_rss_mb=peak_rss_mb(), driver_cpu_s=cpu_seconds(),
               children_peak_rss_mb=peak_rss_mb(True), children_cpu_s=cpu_seconds(True), workers=by_pid)
    if config == "ray":
        import ray

        res["actor_peak_rss_mb"] = max((v["peak_rss_mb"] for v in by_pid.values()), default=None)
        res["actor_cpu_s"] = round(sum(v["cpu_s"] for v in by_pid.values()), 3)
        ray.shutdown()
    return res


def child_traces(inp: str, rows: int) -> dict:
    """Per-row cost of trace export (solve, render, re-verify) in one process."""
    from dataclasses import replace

    from hybrid.engine.local import warm_catalogs
    from hybrid.engine.shards import iter_input_rows
    from hybrid.model.traces import TraceStats, iter_records
    from hybrid.parse import parse

    tasks = []
    for i, r in enumerate(iter_input_rows(inp)):
        if i >= rows:
            break
        try:
            t = parse(r["prompt"])
        except Exception:  # noqa: BLE001 - unparsable rows give no trace
            continue
        tasks.append(replace(t, meta={**t.meta, "answer": r["answer"]}))
    warm_catalogs()
    st = TraceStats()
    nbytes = written = 0
    c0, t0 = time.process_time(), time.perf_counter()
    for rec in iter_records(tasks, stats=st):
        written += 1
        nbytes += len(json.dumps(rec, ensure_ascii=False).encode("utf-8")) + 1
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    return {"rows": len(tasks), "traces": written, "cpu_ms_per_row": round(1000 * cpu / max(1, len(tasks)), 3),
            "wall_s": round(wall, 3), "bytes_per_trace": round(nbytes / max(1, written), 1)}


def child_families(rows: int, seed: int) -> dict:
    """Per family with a generator: ``rows`` generated puzzles; CPU ms per row to generate, solve
    and export a trace (``iter_records``), rows right, and ``deduced`` rows whose answer is not
    the gold one (0 expected)."""
    from dataclasses import replace

    from hybrid.engine.local import warm_catalogs
    from hybrid.families import Family, family_names, get_family
    from hybrid.generate import generate
    from hybrid.model.traces import TraceStats, iter_records
    from hybrid.parse import parse
    from hybrid.pipeline import solve

    warm_catalogs()
    out = {}
    for fam in family_names():
        try:
            if type(get_family(fam)).generate is Family.generate:
                continue
        except Exception as exc:  # noqa: BLE001 - a family that does not load is reported, not fatal
            out[fam] = {"error": f"{type(exc).__name__}: {exc}"[:200]}
            continue
        c0 = time.process_time()
        try:
            gen = list(generate(fam, rows, seed=seed))
        except Exception as exc:  # noqa: BLE001 - a broken generator is reported, not fatal
            out[fam] = {"error": f"{type(exc).__name__}: {exc}"[:200]}
            continue
        c_gen = time.process_time() - c0
        for g in generate(fam, 3, seed=seed + 1):  # warm up: the family's first solve imports and caches
            try:
                solve(parse(g["prompt"]))
            except Exception:  # noqa: BLE001
                pass
        tasks, right, deduced, deduced_wrong, errors = [], 0, 0, 0, 0
        c0 = time.process_time()
        for g in gen:
            try:
                task = parse(g["prompt"])
                sol = solve(task)
            except Exception:  # noqa: BLE001
                errors += 1
                continue
            tasks.append(replace(task, meta={**task.meta, "answer": g["answer"], "id": g["id"]}))
            right += sol.answer == g["answer"]
            if sol.status == "deduced":
                deduced += 1
                deduced_wrong += sol.answer != g["answer"]
        c_solve = time.process_time() - c0
        st = TraceStats()
        c0 = time.process_time()
        traces = sum(1 for _ in iter_records(tasks, stats=st))
        c_trace = time.process_time() - c0
        n = max(1, len(gen))
        out[fam] = {"rows": len(gen), "gen_ms": round(1000 * c_gen / n, 3), "solve_ms": round(1000 * c_solve / n, 3),
                    "trace_ms": round(1000 * c_trace / n, 3), "right": right, "deduced": deduced,
                    "deduced_wrong": deduced_wrong, "errors": errors, "traces": traces}
    return out


def _tree(pid: int) -> list:
    try:
        import psutil

        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except Exception:  # noqa: BLE001 - psutil missing or the process gone
        return []


def kill_and_resume(inp: Path, work: Path, engine: str, workers: int, shard_rows: int, rows: int,
                    fraction: float = 0.5, timeout: float = 3600) -> dict:
    """``hybrid eval INP --out DIR`` on ``engine``, SIGKILLed (with every process it started)
    once ``fraction`` of its shards are in the ledger, then ``--resume``d to the end. Counts the
    shards finished before the kill that the resumed run did again."""
    from hybrid.engine.shards import LEDGER, Ledger

    out = work / "out"
    cmd = [sys.executable, "-m", "hybrid", "eval", str(inp), "--out", str(out), "--shard-rows", str(shard_rows),
           "--engine", "ray" if engine == "ray" else "local", "--workers", str(workers), "--no-progress", "--json"]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    total = math.ceil(rows / shard_rows)
    target = max(1, min(total - 1, int(total * fraction)))
    t0 = time.perf_counter()
    err = open(work / "first.stderr", "wb")  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=_ROOT, stdout=subprocess.DEVNULL, stderr=err, env=env, start_new_session=True)
    ledger = out / LEDGER
    tree: set = set()
    while proc.poll() is None and time.perf_counter() - t0 < timeout:
        tree.update(_tree(proc.pid))
        if ledger.exists() and ledger.read_bytes().count(b"\n") >= target:
            break
        time.sleep(0.05)
    killed = proc.poll() is None
    tree.update(_tree(proc.pid))
    if killed:
        os.killpg(proc.pid, signal.SIGKILL)
        for pid in tree:  # Ray's services may have left the process group: each by its id
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    proc.wait()
    err.close()
    t_kill = time.perf_counter() - t0
    if not killed and proc.returncode != 0:
        raise RuntimeError(f"the run to kill failed: {(work / 'first.stderr').read_text(errors='replace')[-2000:]}")
    done = Ledger(out).finished(out)
    stamp = {k: ((out / e["file"]).stat().st_mtime_ns, (out / e["file"]).stat().st_ino) for k, e in done.items()}
    lines_before = ledger.read_bytes().count(b"\n")
    t1 = time.perf_counter()
    res = subprocess.run(cmd + ["--resume"], cwd=_ROOT, capture_output=True, text=True, env=env, timeout=timeout)
    t_resume = time.perf_counter() - t1
    if res.returncode != 0:
        raise RuntimeError(f"resume failed: {res.stderr[-2000:]}")
    new = [json.loads(x) for x in ledger.read_text(encoding="utf-8").splitlines()[lines_before:] if x.strip()]
    after = Ledger(out).finished(out)
    rewritten = sum(1 for k, st in stamp.items()
                    if ((out / after[k]["file"]).stat().st_mtime_ns, (out / after[k]["file"]).stat().st_ino) != st)
    return {"engine": engine, "shards": total, "killed": killed, "killed_after_s": round(t_kill, 2),
            "finished_before_kill": len(done), "resumed_shards": len(new),
            "redone": sum(1 for e in new if e.get("shard") in done), "files_rewritten": rewritten,
            "resume_s": round(t_resume, 2), "complete": len(after) == total, "out": str(out)}


class _TreeCPU:
    """CPU seconds of this process and of every process it started (for Ray: GCS, raylet, workers,
    actors), sampled every ``interval`` seconds in a thread, keeping each process's last reading,
    so processes that exit before the end (Ray Data's actors do) still count, less at most one
    interval each. ``total`` is None without psutil."""

    def __init__(self, interval: float = 0.25):
        import threading

        self.interval, self.seen, self.total = interval, {}, None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self, psutil) -> None:
        me = psutil.Process()
        for p in [me, *me.children(recursive=True)]:
            try:
                t = p.cpu_times()
                self.seen[(p.pid, p.create_time())] = t.user + t.system
            except psutil.Error:
                continue

    def _loop(self) -> None:
        import psutil

        while not self._stop.is_set():
            self._sample(psutil)
            self._stop.wait(self.interval)

    def __enter__(self):
        try:
            import psutil  # noqa: F401
        except ImportError:
            return self
        self._thread.start()
        return self

    def stop(self) -> float | None:
        if self._thread.is_alive():
            import psutil

            self._stop.set()
            self._thread.join()
            self._sample(psutil)
            self.total = round(sum(self.seen.values()), 3)
        return self.total

    def __exit__(self, *exc):
        self.stop()


class _NoOp:
    def __init__(self):
        pass

    def __call__(self, batch):
        return batch


def child_ray_overhead(items: int, workers: int) -> dict:
    """``ray.init()`` alone, then Ray Data runs whose actors do nothing, one item per batch."""
    t0 = time.perf_counter()
    import ray
    import ray.data

    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    ray.init(include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    t_init = time.perf_counter() - t0
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    out = {"ray_import_s": round(t_import, 3), "ray_init_s": round(t_init, 3), "items": items}
    for label, n in (("tiny", 1), ("many", items)):
        t0, c0 = time.perf_counter(), time.process_time()
        ds = ray.data.from_items([{"k": i} for i in range(n)], override_num_blocks=n)
        ds = ds.map_batches(_NoOp, batch_size=1, compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=1)
        got = sum(1 for _ in ds.iter_rows())
        assert got == n
        out[f"{label}_s"] = round(time.perf_counter() - t0, 3)
        out[f"{label}_driver_cpu_s"] = round(time.process_time() - c0, 3)
    # Per task: the many-item run minus the one-item run (actor start-up, planning), per item.
    out["per_task_ms"] = round(1000 * (out["many_s"] - out["tiny_s"]) / (items - 1), 3)
    # The driver's share, serial whatever the cluster's size: Ray Data's scheduling loop per block.
    out["driver_cpu_per_task_ms"] = round(1000 * (out["many_driver_cpu_s"] - out["tiny_driver_cpu_s"]) / (items - 1), 3)
    ray.shutdown()
    return out


def _spawn(args: list[str], timeout: float) -> tuple[dict, float]:
    t0 = time.perf_counter()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    res = subprocess.run([sys.executable, "-m", "benchmarks.bench_scaling", *args], cwd=_ROOT, capture_output=True,
                         text=True, timeout=timeout, env=env)
    total = time.perf_counter() - t0
    if res.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1]), total


def same_records(outs: dict) -> dict:
    """For each run after the first: rows compared and rows whose record differs from the first
    run's (every field but the timing ``ms``)."""
    from itertools import zip_longest

    from hybrid.engine import iter_results

    names = list(outs)
    ref = names[0]
    out = {}
    for other in names[1:]:
        n = diff = 0
        for a, b in zip_longest(iter_results(outs[ref]), iter_results(outs[other])):
            n += 1
            if a is None or b is None or {k: v for k, v in a.items() if k != "ms"} != \
                    {k: v for k, v in b.items() if k != "ms"}:
                diff += 1
        out[other] = {"against": ref, "rows": n, "differing": diff}
    return out


def code_changed(runs: list[dict]) -> bool:
    return len({fp for r in runs for fp in r.get("code", [])}) > 1


# ------------------------------------------------------------------------------------ analysis
def model(r: dict) -> dict:
    """``T(N) = F + N * a`` for one run: ``a`` = staging per row + 1 / steady rate; F = the rest of
    the whole process's time (interpreter, imports, Ray start-up, pool or actor start-up)."""
    a = r["staging_s"] / r["rows"] + r["steady_s"] / r["rows"]
    return {"F_s": round(r["process_s"] - a * r["rows"], 2), "a_ms": round(1000 * a, 4),
            "rows_per_s": round(1 / a, 1)}


def model_cpu(r: dict, cores: int) -> dict | None:
    """The same model with the rate an idle machine would give: every process of the run (driver,
    workers, Ray's services) sharing ``cores`` cores at full speed, from the CPU seconds measured
    (``tree_cpu_s``), which contention inflates much less than wall time."""
    if not r.get("tree_cpu_s"):
        return None
    a = r["staging_s"] / r["rows"] + r["tree_cpu_s"] / r["rows"] / cores
    return {"F_s": model(r)["F_s"], "a_ms": round(1000 * a, 4), "rows_per_s": round(1 / a, 1)}


def analyse(res: dict, workers: int) -> None:
    """Models and break-even row counts of the runs in ``res`` (in place)."""
    cores = {"local1": 1, "local2": workers, "ray": workers}
    for c, v in res["configs"].items():
        v["model"] = model(v["run"])
        v["model_cpu"] = model_cpu(v["run"], cores[c])
        v["cores_used"] = round(v["run"]["tree_cpu_s"] / v["run"]["solve_wall_s"], 2) if v["run"].get("tree_cpu_s") \
            else None
    res["break_even"], res["break_even_cpu"] = {}, {}
    if "ray" in res["configs"]:
        ray = res["configs"]["ray"]
        for c in ("local1", "local2"):
            if c in res["configs"]:
                loc = res["configs"][c]
                res["break_even"][loc["label"]] = break_even(loc["model"], ray["model"])
                if loc["model_cpu"] and ray["model_cpu"]:
                    res["break_even_cpu"][loc["label"]] = break_even(loc["model_cpu"], ray["model_cpu"])


def break_even(loc: dict, ray: dict) -> float | None:
    """Rows above which ``ray`` (slower to start) finishes before ``loc``; None if never."""
    if ray["a_ms"] >= loc["a_ms"]:
        return None
    return max(0.0, (ray["F_s"] - loc["F_s"]) / ((loc["a_ms"] - ray["a_ms"]) / 1000))


def render(res: dict) -> str:
    m = res["meta"]
    lines = ["# Scaling: local processes vs Ray Data", "",
             f"Generated by `python -m benchmarks.bench_scaling {m['argv']}` on {m['date']}: {m['machine']}; "
             f"Python {m['python']}, Ray {m['ray']}. Load average before / after: {m['load_before']} / "
             f"{m['load_after']}: the machine's 2 cores were shared with other jobs, so wall times carry that "
             "noise (CPU seconds per row much less).", "",
             f"Input: {m['input_note']}. Shards of {m['shard_rows']:,} rows. Each configuration runs in a fresh "
             "process and writes the sharded output (`hybrid.engine.run`); "
             f"{m['workers']} workers = processes (local) or actors (Ray).", "",
             *render_families(res), "## Throughput", "",
             "| configuration | rows | solve wall s | steady rows/s | cores used | start-up F s | whole process s | "
             "CPU ms/row (solvers) | CPU ms/row (all) | idle-machine rows/s | peak RSS per worker MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in res["configs"].values():
        r, f, fc = c["run"], c["model"], c.get("model_cpu")
        allc = "-" if c["all_cpu_ms_per_row"] is None else f"{c['all_cpu_ms_per_row']:.3f}"
        used = "-" if c.get("cores_used") is None else f"{c['cores_used']:.2f}"
        idle = "-" if not fc else f"{fc['rows_per_s']:,.0f}"
        lines.append(f"| {c['label']} | {r['rows']:,} | {r['solve_wall_s']:.1f} | {r['rows_per_s']:,.0f} | {used} | "
                     f"{f['F_s']:.2f} | {r['process_s']:.1f} | {c['cpu_ms_per_row']:.3f} | {allc} | {idle} | "
                     f"{c['worker_rss']} |")
    any_run = next(iter(res["configs"].values()))["run"]
    lines += ["",
              "*solve wall s*: from the end of staging to the last shard (for Ray, `ray.init()` included). "
              "*steady rows/s*: rows / (solve wall − start-up), start-up being the time until the first shard came "
              "back less the time spent solving it. *F*: the whole process's time less rows × (staging per row + "
              "1 / steady rate), so `T(N) = F + N × (staging + 1/r)` reproduces each run. *CPU ms/row (solvers)*: the "
              "solving processes' CPU time per row (the one process; the pool workers; the actors); *(all)*: every "
              "process of the run during the solve (driver, pool workers; for Ray also GCS, raylet and the other "
              "processes of the local Ray session), sampled every 0.25 s. *cores used*: that CPU time / solve wall "
              "time: below the configuration's cores (1, or the workers), other jobs had the rest. "
              "*idle-machine rows/s*: the rate the CPU figures give when every process of the run gets its cores "
              "(1 for local 1, the workers otherwise) at full speed. Peak RSS: "
              "`ru_maxrss` of the largest solving process (pool worker, actor: an actor's RSS includes Ray's own "
              f"runtime). Staging (cutting the file into shards, in the driver): {any_run['staging_s']:.1f} s for "
              f"{any_run['rows']:,} rows.", ""]
    ray = res.get("ray_overhead")
    if ray:
        lines += ["## Ray's fixed costs", "",
                  f"- `import ray` + `ray.data`: {ray['ray_import_s']:.2f} s; `ray.init()` (local, 2 CPUs): "
                  f"{ray['ray_init_s']:.2f} s.",
                  f"- A Ray Data run of one item through a pool of {m['workers']} do-nothing actors: "
                  f"{ray['tiny_s']:.2f} s (actor start-up and planning, paid once per run).",
                  f"- {ray['items']:,} items, one block and one batch each (as the engine sends shards), through the "
                  f"same pool: {ray['many_s']:.2f} s, i.e. {ray['per_task_ms']:.1f} ms of wall time per task, of which "
                  f"{ray['driver_cpu_per_task_ms']:.1f} ms of the driver's CPU (Ray Data's scheduling loop: serial, "
                  "whatever the number of actors). Each shard pays this once; it bounds how many shards per second "
                  "one driver can hand out (see [scaling.md](scaling.md))."]
        if "ray" in res["configs"]:
            rb = res["configs"]["ray"]["run"]
            lines.append(f"- In the engine run: `ray.init()` {rb['ray_init_s']:.2f} s; the actors started solving "
                         f"{rb['startup_s']:.2f} s after the run began (init, actor processes, `import hybrid`, "
                         f"catalogs); whole fixed part F = {res['configs']['ray']['model']['F_s']:.1f} s.")
        lines.append("")
    def verdict(v):
        return (f"faster above about **{v:,.0f} rows**" if v is not None else
                "**never**: its rate is not higher, so its start-up is never paid back")

    lines += ["## When Ray pays off on this machine", "",
              "As measured (wall times of these runs, other jobs included), and for an idle machine (the CPU "
              "figures, each run's processes getting their cores):", ""]
    for k, v in res["break_even"].items():
        idle = res.get("break_even_cpu", {}).get(k, "n/a")
        lines.append(f"- Ray vs {k}: as measured {verdict(v)}; idle machine: "
                     + (verdict(idle) if idle != "n/a" else "n/a") + ".")
    lines += ["", "Against as many local processes as it has actors, Ray brings the same cores plus its own "
              "processes: it pays off when it brings cores that one machine does not have."]
    tr = res.get("traces")
    if tr:
        lines += ["", "## Trace export, per row", "",
                  f"`hybrid.model.traces.iter_records` (solve, render the trace, re-verify it line by line) on the "
                  f"first {tr['rows']:,} rows, one process: {tr['cpu_ms_per_row']:.3f} CPU ms per row, "
                  f"{tr['traces']:,} traces ({100 * tr['traces'] / max(1, tr['rows']):.0f}% of rows: the others are "
                  f"not `deduced` or not right), {tr['bytes_per_trace']:,.0f} bytes per trace. "
                  "[scaling.md](scaling.md) builds the cost of a 100-million-row export from these figures."]
    lines += [""] + render_kill(res)
    same = res.get("same_records")
    if same:
        lines += ["", "## Same answers", ""]
        for other, v in same.items():
            if other == "killed":
                lines.append(f"- the killed-and-resumed {res['kill_resume']['engine']} run vs "
                             f"{res['configs'][v['against']]['label']}: {v['rows']:,} per-row records compared "
                             f"(every field but the timing), **{v['differing']:,} differ**.")
                continue
            changed = code_changed([res["configs"][other]["run"], res["configs"][v["against"]]["run"]])
            if not changed:
                why = " (same code and catalogs)."
            elif v["differing"]:
                why = (": the library's source or catalogs changed between these runs (another job edited them), "
                       "so they did not run the same code.")
            else:
                why = " (the library's files changed during the runs, as another job edited them, without changing these answers)."
            lines.append(f"- {res['configs'][other]['label']} vs {res['configs'][v['against']]['label']}: "
                         f"{v['rows']:,} per-row records compared (every field but the timing), "
                         f"**{v['differing']:,} differ**{why}")
    lines.append("")
    return "\n".join(lines)


def expected_cost(res: dict) -> dict | None:
    """Mean CPU ms per row to solve (and to export a trace) for the input's family mix, from the
    per-family costs; None when the mix or the costs are unknown."""
    fams, per = res.get("families"), (res.get("generated") or {}).get("per_family")
    if not fams or not per:
        return None
    known = {f: n for f, n in per.items() if "solve_ms" in fams.get(f, {})}
    if not known:
        return None
    n = sum(known.values())
    return {"solve_ms": sum(fams[f]["solve_ms"] * k for f, k in known.items()) / n,
            "trace_ms": sum(fams[f]["trace_ms"] * k for f, k in known.items()) / n}


def render_families(res: dict) -> list[str]:
    fams = res.get("families")
    if not fams:
        return []
    rows = next(iter(v["rows"] for v in fams.values() if "rows" in v), 0)
    lines = ["## Per family, on generated puzzles", "",
             f"{rows:,} puzzles per family (`hybrid.generate`, seed {res['meta'].get('seed', 0)}), one process. CPU ms "
             "per row: to generate, to solve (`hybrid.solve`, catalogs loaded), to export a trace "
             "(`iter_records`: solve, render, re-verify, on the same rows).", "",
             "| family | rows | generate ms | solve ms | trace ms | right | deduced | deduced but not gold |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for f, v in fams.items():
        if "error" in v:
            lines.append(f"| {f} | generator failed: {v['error']} | | | | | | |")
            continue
        lines.append(f"| {f} | {v['rows']:,} | {v['gen_ms']:.3f} | {v['solve_ms']:.3f} | {v['trace_ms']:.3f} | "
                     f"{100 * v['right'] / max(1, v['rows']):.1f}% | {v['deduced']:,} | {v['deduced_wrong']} |")
    cost = expected_cost(res)
    if cost:
        n = res["input_rows"]
        w = res["meta"]["workers"]
        lines += ["", f"With the input's family mix: **{cost['solve_ms']:.3f} CPU ms per row to solve** "
                  f"({cost['trace_ms']:.3f} to export a trace). Expected for {n:,} rows on an idle machine: "
                  f"1 process {n * cost['solve_ms'] / 1000:,.0f} s; {w} processes {n * cost['solve_ms'] / 1000 / w:,.0f} s; "
                  f"Ray with {w} actors about {n * cost['solve_ms'] * 1.12 / 1000 / w:,.0f} s plus its start-up "
                  "(+12% for Ray's own processes, as measured before; see below)."]
    return lines + [""]


def render_kill(res: dict) -> list[str]:
    k = res.get("kill_resume")
    if not k:
        return []
    how = (f"killed (SIGKILL to the driver and every process it started) {k['killed_after_s']:.1f} s after its "
           f"start, with {k['finished_before_kill']} of {k['shards']} shards in the ledger"
           if k["killed"] else f"finished before it could be killed ({k['killed_after_s']:.1f} s)")
    return ["## Killed halfway, then resumed", "",
            f"`hybrid eval FILE --out DIR --engine {k['engine']} --workers {res['meta']['workers']} --shard-rows "
            f"{res['meta']['shard_rows']}` was {how}; `--resume` then ran {k['resumed_shards']} shards in "
            f"{k['resume_s']:.1f} s. Shards finished before the kill that the resumed run did again: "
            f"**{k['redone']}** (ledger lines); their files rewritten: **{k['files_rewritten']}**; run complete: "
            f"{'yes' if k['complete'] else 'NO'}.", ""]


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_scaling", description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=200_000, help="rows of the input file (without --input)")
    p.add_argument("--source", choices=("generated", "dev"), default="generated",
                   help="without --input: generated puzzles in the dev mix (default), or the dev rows repeated")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated file and of the per-family puzzles")
    p.add_argument("--input", type=Path, help="measure on this CSV / JSONL / Parquet file instead")
    p.add_argument("--family-rows", type=int, default=500, help="generated puzzles per family for the per-family "
                                                                "costs (0: skip)")
    p.add_argument("--kill-resume", choices=("ray", "local2", "none"), default="ray",
                   help="engine of the killed-and-resumed run (ray falls back to local2 without Ray)")
    p.add_argument("--shard-rows", type=int, default=2000)
    p.add_argument("--workers", type=int, default=2, help="processes / actors for local2 and ray")
    p.add_argument("--configs", default=",".join(CONFIGS), help="comma-separated subset of " + ",".join(CONFIGS))
    p.add_argument("--overhead-items", type=int, default=2000, help="items of the do-nothing Ray run")
    p.add_argument("--trace-rows", type=int, default=7126, help="rows for the trace-export cost (0: skip)")
    p.add_argument("--out", type=Path, default=_ROOT / "docs" / "benchmarks_scaling.md")
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--timeout", type=float, default=3600, help="seconds per child run")
    p.add_argument("--render-json", type=Path, metavar="JSON",
                   help="only rewrite --out from the results a previous run saved with --json")
    # internal: one measurement in this process
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.child == "ray_overhead":
        print(json.dumps(child_ray_overhead(args.overhead_items, args.workers)))
        return 0
    if args.child == "families":
        print(json.dumps(child_families(args.family_rows, args.seed)))
        return 0
    if args.child == "traces":
        print(json.dumps(child_traces(str(args.input), args.trace_rows)))
        return 0
    if args.child:
        print(json.dumps(child_run(args.child, str(args.input), args.work, args.shard_rows, args.workers)))
        return 0

    if args.render_json:
        res = json.loads(args.render_json.read_text(encoding="utf-8"))
        analyse(res, res["meta"]["workers"])
        args.out.write_text(render(res), encoding="utf-8")
        return 0

    configs = [c for c in args.configs.split(",") if c]
    for c in configs:
        if c not in CONFIGS:
            p.error(f"unknown configuration {c!r}")
    if args.input is not None and not args.input.is_file():
        p.error(f"--input {args.input}: not a file")
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    import hybrid

    try:
        import ray

        ray_version = ray.__version__
    except ImportError:
        ray_version = None
        configs = [c for c in configs if c != "ray"]
        log("ray is not installed (pip install 'hybrid[ray]'): measuring the local configurations only")
    res: dict = {"configs": {}, "break_even": {}}
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="bench-scaling-") as tmp:
        tmp = Path(tmp)
        if args.family_rows:
            log(f"per-family costs on {args.family_rows} generated puzzles each ...")
            res["families"], _ = _spawn(["--child", "families", "--family-rows", str(args.family_rows),
                                         "--seed", str(args.seed)], args.timeout)
        if args.input:
            inp = args.input
            n_rows = count_rows(inp)
            note = f"`{inp}` ({n_rows:,} rows)"
        elif args.source == "dev":
            from hybrid.data import default_dev_csv

            inp = make_repeated_csv(default_dev_csv(), args.rows, tmp / "repeated.csv")
            n_rows = args.rows
            note = (f"the 7,126 dev rows repeated to {args.rows:,} rows (each pass reshuffled, seed 0), standing in "
                    "for a generated file: swap one in with `--input`")
        else:
            log(f"generating {args.rows:,} puzzles in the dev mix ...")
            t0 = time.perf_counter()
            per = make_generated_csv(args.rows, tmp / "generated.csv", seed=args.seed)
            res["generated"] = {"per_family": per, "seconds": round(time.perf_counter() - t0, 2)}
            inp, n_rows = tmp / "generated.csv", args.rows
            note = (f"{args.rows:,} puzzles generated with seed {args.seed} (`hybrid.generate.generate_row`, as "
                    "`hybrid generate` makes them), families in the dev file's proportions ("
                    + ", ".join(f"{f} {n:,}" for f, n in per.items()) + "), rows interleaved by a seeded shuffle; "
                    f"written in {res['generated']['seconds']:.1f} s")
        res["input_rows"] = n_rows
        labels = {"local1": "local, 1 process", "local2": f"local, {args.workers} processes",
                  "ray": f"Ray Data, {args.workers} actors"}
        for c in configs:
            work = tmp / c
            work.mkdir()
            log(f"{c}: run on {inp} ...")
            r, total = _spawn(["--child", c, "--input", str(inp), "--work", str(work), "--shard-rows",
                               str(args.shard_rows), "--workers", str(args.workers)], args.timeout)
            r["process_s"] = round(total, 3)
            log(f"  {r['rows']:,} rows: solving {r['solve_wall_s']:.1f} s ({r['rows_per_s']:,.0f} rows/s steady), "
                f"process {total:.1f} s")
            all_cpu = r.get("tree_cpu_s")
            if c == "ray":
                cpu = r["actor_cpu_s"]
                rss = f"{r['actor_peak_rss_mb']:.0f} (driver {r['driver_peak_rss_mb']:.0f})"
            elif c == "local1":
                cpu = r["driver_cpu_s"]
                rss = f"{r['driver_peak_rss_mb']:.0f}"
            else:
                cpu = r["children_cpu_s"]
                rss = f"{r['children_peak_rss_mb']:.0f} (driver {r['driver_peak_rss_mb']:.0f})"
            rows = max(1, r["rows"])
            res["configs"][c] = {"label": labels[c], "run": r,
                                 "cpu_ms_per_row": 1000 * cpu / rows,
                                 "all_cpu_ms_per_row": None if all_cpu is None else 1000 * all_cpu / rows,
                                 "worker_rss": rss}
        outs = {c: tmp / c / "out" for c in configs}
        kr = "local2" if args.kill_resume == "ray" and not ray_version else args.kill_resume
        if kr != "none":
            log(f"{kr}: a run killed after about half its shards, then resumed ...")
            (tmp / "killed").mkdir()
            res["kill_resume"] = kill_and_resume(inp, tmp / "killed", kr, args.workers, args.shard_rows, n_rows,
                                                 timeout=args.timeout)
            log(f"  {res['kill_resume']['finished_before_kill']} of {res['kill_resume']['shards']} shards finished "
                f"before the kill; resumed {res['kill_resume']['resumed_shards']}, redone "
                f"{res['kill_resume']['redone']}")
            if configs:
                outs["killed"] = Path(res["kill_resume"]["out"])
        if len(outs) > 1:
            log("comparing the per-row records of the runs ...")
            res["same_records"] = same_records(outs)
        if "ray" in configs:
            log("ray: fixed costs with do-nothing actors ...")
            res["ray_overhead"], _ = _spawn(["--child", "ray_overhead", "--workers", str(args.workers),
                                             "--overhead-items", str(args.overhead_items)], args.timeout)
        if args.trace_rows:
            log(f"trace export on the first {args.trace_rows:,} rows ...")
            res["traces"], _ = _spawn(["--child", "traces", "--input", str(inp), "--trace-rows",
                                       str(args.trace_rows)], args.timeout)
    analyse(res, args.workers)
    res["meta"] = {"argv": " ".join(argv if argv is not None else sys.argv[1:]) or "(defaults)",
                   "date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                   "python": platform.python_version(), "ray": ray_version, "hybrid": hybrid.__version__,
                   "load_before": load_before, "load_after": _load(), "input_note": note,
                   "shard_rows": args.shard_rows, "workers": args.workers, "seed": args.seed}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(res), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1), encoding="utf-8")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
