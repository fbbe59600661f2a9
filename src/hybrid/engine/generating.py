"""``hybrid generate --engine ray`` (or ``--engine local --workers N``): puzzles generated shard by shard.

A generation run has no input file: shard ``K`` is a row range of one family (``span``:
``[family, first index]``, ``rows`` puzzles). Puzzle ``i`` of a family comes from its own seeded
generator (``hybrid.generate.generate_row``), so a shard generated anywhere holds the same puzzles
as the same rows of a one-process run. Each shard is written as ``DIR/part-K.csv`` (with its own
header, so every part is a valid file alone) or ``part-K.jsonl``, then entered in the ledger;
``--resume`` regenerates only the missing shards. When every shard is done, the parts are joined
(CSV headers after the first dropped) into the output file, which is then byte for byte the file
``hybrid generate`` writes in one process. A generator that raises fails its shard (there is no
error row in a puzzle file): the run reports it after saving the other shards, as for ``eval``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import HybridError
from .shards import MANIFEST, RUN_FORMAT, Ledger, Plan, Shard, _atomic_write, _clean_tmp, _load_manifest, run_shards

__all__ = ["generate_options", "plan_generate", "generate_shard_bytes", "generate_run", "join_parts",
           "DEFAULT_GENERATE_SHARD_ROWS"]

#: Puzzles per shard (a few seconds of generating on one core).
DEFAULT_GENERATE_SHARD_ROWS = 10_000


def generate_options(families, n: int, *, seed: int = 0, uniform: bool = False, start: int = 0,
                     fmt: str = "csv") -> dict:
    """The options of a generation run (stored in its manifest; ``--resume`` must match them)."""
    if fmt not in ("csv", "jsonl"):
        raise HybridError(f"sharded generation writes csv or jsonl, got {fmt!r} (Parquet: generate locally "
                          "without --engine/--shards/--workers)")
    if int(n) < 0:
        raise HybridError(f"N must be >= 0, got {n}")
    if int(start) < 0:
        raise HybridError(f"--start must be >= 0, got {start}")
    return {"job": "generate", "families": list(families), "n": int(n), "seed": int(seed), "uniform": bool(uniform),
            "start": int(start), "format": fmt}


def plan_generate(out, options: dict, *, shard_rows: int | None = None, resume: bool = False) -> Plan:
    """Prepare the shard directory ``out`` (new or empty), or with ``resume`` check that it holds
    a run with the same options and find its finished shards."""
    out = Path(out)
    size = int(shard_rows or DEFAULT_GENERATE_SHARD_ROWS)
    if size < 1:
        raise HybridError(f"--shard-rows must be >= 1, got {shard_rows}")
    if out.exists() and not out.is_dir():
        raise HybridError(f"{out}: exists and is not a directory")
    manifest = _load_manifest(out) if out.exists() else None
    if manifest is not None:
        if not resume:
            raise HybridError(f"{out} already holds a run; pass --resume to continue it, or choose another directory")
        if manifest.get("options") != options:
            raise HybridError(f"--resume: {out} holds a generation run with other options "
                              f"({manifest.get('options')}); start a new run in another directory")
        if shard_rows is not None and manifest.get("shard_rows") != size:
            raise HybridError(f"--resume: the first run used --shard-rows {manifest.get('shard_rows')}, not {size}")
        _clean_tmp(out)
        return Plan(out, run_shards(out), Ledger(out).finished(out), manifest)
    if out.exists() and any(out.iterdir()):
        raise HybridError(f"{out}: directory is not empty and holds no run to resume; choose an empty directory")
    out.mkdir(parents=True, exist_ok=True)
    shards: list[Shard] = []
    for fam in options["families"]:
        first, end = options["start"], options["start"] + options["n"]
        for lo in range(first, end, size):
            shards.append(Shard(len(shards), "", "generate", min(size, end - lo), "", [fam, lo]))
    manifest = {"format": RUN_FORMAT, "input": {"kind": "generate"}, "shard_rows": size, "options": options,
                "rows": sum(s.rows for s in shards), "shards": [asdict(s) for s in shards], "created": time.time()}
    _atomic_write(out / MANIFEST, (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
    return Plan(out, shards, {}, manifest)


def generate_shard_bytes(shard: Shard, options: dict) -> tuple[bytes, int]:
    """The file of one generated shard (CSV with its header, or JSONL) and its row count."""
    from ..generate import format_rows, generate

    fam, lo = shard.span
    rows = list(generate(fam, shard.rows, seed=options["seed"], uniform=options["uniform"], start=lo))
    return format_rows(rows, options["format"], header=True).encode("utf-8"), len(rows)


def join_parts(plan_out, out) -> int:
    """Join a finished run's parts, in shard order, into ``out`` (a path, or ``-``: stdout);
    CSV headers after the first are dropped. Returns the bytes written."""
    import sys

    plan_out = Path(plan_out)
    manifest = _load_manifest(plan_out)
    done = Ledger(plan_out).finished(plan_out)
    csv_fmt = manifest["options"]["format"] == "csv"
    missing = [s["index"] for s in manifest["shards"] if s["index"] not in done]
    if missing:
        raise HybridError(f"{plan_out}: {len(missing)} shard(s) not finished (first: {missing[0]}); run again with --resume")
    to_stdout = str(out) == "-"
    dest = Path(out)
    tmp = None if to_stdout else dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    n = 0
    fh = sys.stdout.buffer if to_stdout else open(tmp, "wb")  # noqa: SIM115
    try:
        wrote_header = False
        for s in manifest["shards"]:
            with open(plan_out / done[s["index"]]["file"], "rb") as part:
                if csv_fmt:
                    header = part.readline()
                    if not wrote_header:
                        fh.write(header)
                        n += len(header)
                        wrote_header = True
                while chunk := part.read(1 << 20):
                    fh.write(chunk)
                    n += len(chunk)
        if csv_fmt and not wrote_header:  # no shards (N = 0): the header alone, as one process writes it
            from ..generate import format_rows

            data = format_rows([], "csv", header=True).encode("utf-8")
            fh.write(data)
            n += len(data)
    finally:
        if not to_stdout:
            fh.close()
    if tmp is not None:
        os.replace(tmp, dest)
    else:
        sys.stdout.flush()
    return n


@dataclass
class GenerateSummary:
    """What ``generate_run`` did: the run's shards and where the puzzles are."""

    out: str  # the joined file ("-": stdout; None when not joined)
    shards_dir: Path
    shards: int
    skipped: int
    finished: list
    rows: int
    seconds: float
    engine: str

    @property
    def complete(self) -> bool:
        """True when every shard of the run has been written (now or by an earlier run)."""
        return len(self.finished) + self.skipped == self.shards


def generate_run(families, n: int, out, *, seed: int = 0, uniform: bool = False, start: int = 0,
                 fmt: str | None = None, engine: str = "local", workers: int | None = 1,
                 shard_rows: int | None = None, shards_dir=None, resume: bool = False, progress: bool = False,
                 max_shards: int | None = None) -> GenerateSummary:
    """Generate ``n`` puzzles of each family in ``families`` shard by shard on ``engine`` and join
    them into ``out`` (byte for byte what ``hybrid generate`` writes in one process).

    ``shards_dir`` keeps the parts, ledger and manifest (``resume`` continues it; the parts are
    valid CSV / JSONL files alone, usable as a directory input of ``hybrid eval``); None: a
    temporary directory, removed afterwards. ``out=None`` joins nothing (keep ``shards_dir``).
    ``max_shards`` stops after that many shards (then nothing is joined).
    """
    from ..generate import output_format
    from . import check_engine, execute

    check_engine(engine)
    fmt = output_format(out if out is not None else "x.csv", fmt)
    options = generate_options(families, n, seed=seed, uniform=uniform, start=start, fmt=fmt)
    if engine == "ray":
        from .ray_engine import _import_ray

        _import_ray()
    if shards_dir is None and out is None:
        raise HybridError("generate_run: give an output file, a shard directory, or both")
    t0 = time.perf_counter()
    tmp = None
    if shards_dir is None:
        tmp = tempfile.mkdtemp(prefix="hybrid-generate-")
        shards_dir = Path(tmp) / "run"
    try:
        plan = plan_generate(shards_dir, options, shard_rows=shard_rows, resume=resume)
        s = execute(plan, options, engine=engine, workers=workers, progress=progress, max_shards=max_shards, t0=t0)
        if s.complete and out is not None:
            join_parts(shards_dir, out)
        return GenerateSummary(out=None if out is None else str(out), shards_dir=Path(shards_dir), shards=s.shards,
                               skipped=s.skipped, finished=s.finished, rows=plan.manifest["rows"],
                               seconds=time.perf_counter() - t0, engine=engine)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
