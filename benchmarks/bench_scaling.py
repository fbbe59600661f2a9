"""Throughput of the batch engines on one file: 1 and 2 local processes, and Ray Data.

    python -m benchmarks.bench_scaling [--rows 200000] [--input FILE] [--shard-rows 2000] [--workers 2]
        [--configs local1,local2,ray] [--trace-rows 7126] [--out docs/benchmarks_scaling.md] [--json PATH]

Without ``--input`` the input is ``../shared/data/dev.csv`` (7,126 rows) repeated, each pass
reshuffled with a fixed seed, to ``--rows`` rows (ids suffixed per pass): the same puzzles many
times, so the per-row costs are those of the dev mix. Pass a generated file (``hybrid generate``,
CSV or JSONL) with ``--input`` to measure on fresh puzzles instead.

Every configuration runs in a fresh Python process (so peak memory is its own) on the same file
and writes the sharded output: ``plan_run`` cuts the file into shards (timed apart: a serial,
per-row cost of the driver), then ``hybrid.engine.run(..., resume=True)`` solves every shard. From
the ledger's timestamps each run splits into a fixed part F (interpreter and imports; for Ray,
``ray.init()`` and the actors' start-up; for a pool, its start) and a steady rate r, so that
``T(N) = F + N * (staging per row + 1 / r)``; the row count above which Ray beats each local
configuration follows. Also measured: ``ray.init()`` alone, Ray Data's per-task overhead with
actors that do nothing (what each shard pays), and the per-row cost of trace export
(``hybrid.model.traces.iter_records``: solve, render, re-verify) on the first ``--trace-rows`` rows.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
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
    same = res.get("same_records")
    if same:
        lines += ["", "## Same answers", ""]
        for other, v in same.items():
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


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_scaling", description=__doc__.split("\n")[0])
    p.add_argument("--rows", type=int, default=200_000, help="rows of the repeated dev file (without --input)")
    p.add_argument("--input", type=Path, help="measure on this CSV / JSONL / Parquet file instead")
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
        if args.input:
            inp = args.input
            note = f"`{inp}` ({count_rows(inp):,} rows)"
        else:
            from hybrid.data import default_dev_csv

            inp = make_repeated_csv(default_dev_csv(), args.rows, tmp / "repeated.csv")
            note = (f"the 7,126 dev rows repeated to {args.rows:,} rows (each pass reshuffled, seed 0), standing in "
                    "for a generated file: swap one in with `--input`")
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
        if len(configs) > 1:
            log("comparing the per-row records of the runs ...")
            res["same_records"] = same_records({c: tmp / c / "out" for c in configs})
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
                   "shard_rows": args.shard_rows, "workers": args.workers}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(res), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1), encoding="utf-8")
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
