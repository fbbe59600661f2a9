"""Sharded input and output for the batch engines, and the resume ledger.

A run turns an input into numbered **shards** and writes one output file per shard::

    OUT/_manifest.json        what the run is: input fingerprint, options, the shard list
    OUT/_input/shard-00000.jsonl ...   the input cut into shards (single-file inputs only)
    OUT/part-00000.jsonl ...  per-row results of shard 0, in input order (one JSON object a line)
    OUT/_ledger.jsonl         one line per finished shard: file, rows, errors, bytes, sha256, worker

Inputs: a CSV file (``id,prompt[,answer]``, the dev format), a JSONL file (objects with
``prompt`` and optional ``id`` / ``answer``), a Parquet file (same columns; needs ``pyarrow``), or
a **directory of shard files** (``*.jsonl``, ``*.csv``, ``*.parquet``, taken in name order, one
shard per file). A single file is cut into shards of ``shard_rows`` rows once, streaming (constant
memory), into ``OUT/_input/``; a directory is used as it is.

Output files are written to a temporary name and renamed into place, and a shard enters the
ledger only after its file is complete, so a run killed at any point leaves finished shards
intact. ``--resume`` reads the ledger, checks that the input and the options are those of the
first run, and only runs the shards whose output file is missing or differs from its ledger line.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import stat
import time
import uuid
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import HybridError

__all__ = ["Shard", "Plan", "Ledger", "plan_run", "iter_input_rows", "read_shard_rows", "write_records",
           "read_records", "iter_results", "run_shards", "lookup_prompts", "output_name", "DEFAULT_SHARD_ROWS", "INPUT_FORMATS"]

#: Rows per shard when a single input file is cut into shards (about 1 s of solving on one core).
DEFAULT_SHARD_ROWS = 2000
MANIFEST = "_manifest.json"
LEDGER = "_ledger.jsonl"
STAGED = "_input"
RUN_FORMAT = "hybrid-engine-run/1"
INPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}


#: Formats a run can write its per-row records in (``--output-format``).
OUTPUT_FORMATS = ("jsonl", "parquet")


def output_name(index: int, ext: str = "jsonl") -> str:
    """The output file of shard ``index``: ``part-00000.jsonl`` (or ``.parquet``, ``.csv``)."""
    return f"part-{index:05d}.{ext}"


@dataclass(frozen=True)
class Shard:
    """One unit of work: the rows of one file, results to ``OUT/output_name(index)``."""

    index: int
    path: str  # absolute path of the file that holds the shard's rows
    fmt: str  # jsonl | csv | parquet
    rows: int | None = None  # row count when known (staged shards)
    id_prefix: str = ""  # ids of rows without an id: f"{id_prefix}{row + 1}" (staged shards store ids)
    span: list | None = None  # generated shards (no input file): [family, first index]


@dataclass
class Plan:
    out: Path
    shards: list[Shard]
    done: dict[int, dict]  # shard index -> its ledger line (output file present and intact)
    manifest: dict

    @property
    def pending(self) -> list[Shard]:
        """The shards the ledger does not list as done."""
        return [s for s in self.shards if s.index not in self.done]


# ------------------------------------------------------------------------------------ reading input
def _format_of(path: Path) -> str:
    fmt = INPUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise HybridError(f"{path}: unknown input format {path.suffix!r}; expected one of "
                          f"{', '.join(sorted(INPUT_FORMATS))} or a directory of such shard files")
    return fmt


def _check_regular(path: Path, what: str = "input") -> os.stat_result:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise HybridError(f"{what} {path}: no such file or directory") from None
    except OSError as exc:
        raise HybridError(f"{what} {path}: cannot open ({exc.strerror or exc})") from None
    if not stat.S_ISREG(st.st_mode):
        raise HybridError(f"{what} {path}: not a regular file")
    return st


def _row(obj, where: str) -> dict:
    """Normalise one input record to ``{id, prompt, answer}`` (values kept as given; the solver
    reports a bad prompt as an error record of its own row)."""
    if not isinstance(obj, dict):
        raise HybridError(f"{where}: expected a JSON object with a 'prompt' field, got {type(obj).__name__}")
    ident = obj.get("id")
    answer = obj.get("answer")
    return {"id": None if ident is None else str(ident), "prompt": obj.get("prompt"),
            "answer": None if answer is None else str(answer)}


def _keep(obj, where: str) -> dict:
    """A raw input record, kept as it is (``raw=True``: the job reads its own fields)."""
    return obj


def _iter_csv(path: Path, row=_row) -> Iterator[dict]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "prompt" not in reader.fieldnames:
                raise HybridError(f"{path}: expected a CSV with a 'prompt' column (id,prompt[,answer])")
            for r in reader:
                yield row(r, f"{path}: line {reader.line_num}")
    except csv.Error as exc:
        raise HybridError(f"{path}: not a readable CSV ({exc})") from None
    except UnicodeDecodeError as exc:
        raise HybridError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def _iter_jsonl(path: Path, row=_row) -> Iterator[dict]:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise HybridError(f"{path}: line {n}: not JSON ({exc.msg})") from None
                yield row(obj, f"{path}: line {n}")
    except UnicodeDecodeError as exc:
        raise HybridError(f"{path}: not UTF-8 text (byte {exc.start})") from None


def _iter_parquet(path: Path, row=_row) -> Iterator[dict]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise HybridError(f"{path}: reading Parquet needs pyarrow (pip install 'hybrid[ray]')") from None
    try:
        pf = pq.ParquetFile(path)
        names = set(pf.schema_arrow.names)
        if row is _row and "prompt" not in names:
            raise HybridError(f"{path}: expected a Parquet file with a 'prompt' column")
        cols = [c for c in ("id", "prompt", "answer") if c in names] if row is _row else None
        for batch in pf.iter_batches(batch_size=4096, columns=cols):
            for obj in batch.to_pylist():
                yield row(obj, str(path))
    except HybridError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise HybridError(f"{path}: not a readable Parquet file ({type(exc).__name__}: {exc})") from None


def iter_input_rows(path, fmt: str | None = None, raw: bool = False) -> Iterator[dict]:
    """Stream ``{id, prompt, answer}`` records from one CSV / JSONL / Parquet file; with ``raw``,
    each record as it is in the file (any JSON value for JSONL; grading reads its own fields)."""
    path = Path(path)
    _check_regular(path)
    fmt = fmt or _format_of(path)
    return {"csv": _iter_csv, "jsonl": _iter_jsonl, "parquet": _iter_parquet}[fmt](path, _keep if raw else _row)


def read_shard_rows(shard: Shard, raw: bool = False) -> list[dict]:
    """The rows of one shard, each with an ``id`` (filled in from the shard's position when absent
    or empty); ``raw``: the records as they are in the file."""
    rows = list(iter_input_rows(shard.path, shard.fmt, raw=raw))
    if not raw:
        for i, r in enumerate(rows):
            if not r["id"]:
                r["id"] = f"{shard.id_prefix}{i + 1}"
    return rows


# ------------------------------------------------------------------------------------ writing output
def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(path, data: bytes) -> tuple[int, str]:
    """Write ``data`` to ``path`` atomically; return ``(bytes, sha256)``."""
    _atomic_write(Path(path), data)
    return len(data), hashlib.sha256(data).hexdigest()


def write_records(path, records: Iterable[dict], fmt: str = "jsonl") -> tuple[int, str]:
    """Write records as JSONL (or Parquet) to ``path`` atomically (temporary file, then rename);
    return ``(bytes, sha256)``.

    Parquet keeps the records' top-level fields as columns; a field whose values are objects or
    lists of objects (a trace's ``messages``, grading's ``lines``) is stored as its JSON text, so
    that ``read_records`` gives back exactly the records written."""
    if fmt == "parquet":
        return write_bytes(path, _parquet_bytes(list(records)))
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    return write_bytes(path, data)


_JSON_COLUMNS = "_json_columns"
_ABSENT = "_absent_fields"


def _parquet_bytes(records: list[dict]) -> bytes:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise HybridError("Parquet output needs pyarrow (pip install 'hybrid[ray]')") from None
    names: list = []
    for r in records:
        names.extend(k for k in r if k not in names)
    as_json = sorted(k for k in names if any(isinstance(r.get(k), dict) or (
        isinstance(r.get(k), list) and any(not isinstance(x, str) for x in r[k])) for r in records))
    cols = {}
    for k in names:
        vals = [r.get(k) for r in records]
        cols[k] = [None if v is None else json.dumps(v, ensure_ascii=False) for v in vals] if k in as_json else vals
    if any(k not in r for r in records for k in names):  # records without some fields: say which, per row
        cols[_ABSENT] = [[k for k in names if k not in r] for r in records]
    schema = {k: pa.string() for k in as_json}
    schema[_ABSENT] = pa.list_(pa.string())
    arrays = [pa.array(v, type=schema.get(k, pa.list_(pa.string()) if k == "alternatives" else None))
              for k, v in cols.items()]
    meta = {_JSON_COLUMNS: json.dumps({"json": as_json})}
    table = pa.Table.from_arrays(arrays, names=list(cols)) if names else pa.table({})
    table = table.replace_schema_metadata(meta)
    buf = pa.BufferOutputStream()
    pq.write_table(table, buf)
    return buf.getvalue().to_pybytes()


def read_records(path) -> list[dict]:
    """The records of one output file (JSONL or Parquet, by its extension)."""
    if str(path).endswith(".parquet"):
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {}).get(_JSON_COLUMNS.encode(), b"{}"))
        as_json = set(meta.get("json", ()))
        out = []
        for r in table.to_pylist():
            for k in as_json:
                if r.get(k) is not None:
                    r[k] = json.loads(r[k])
            for k in r.pop(_ABSENT, None) or ():  # fields this record did not have: absent, not null
                r.pop(k, None)
            out.append(r)
        return out
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


# ------------------------------------------------------------------------------------ the ledger
class ShardCollector:
    """What a run's driver does with each shard's ledger entry, whichever engine produced it: a
    finished shard goes to the ledger, a failed one is remembered; ``raise_failures`` ends the run
    with one error naming the first failure (the finished shards stay saved for ``--resume``)."""

    def __init__(self, ledger: "Ledger", bar=None):
        self.ledger, self.bar = ledger, bar
        self.finished: list[int] = []
        self.failed: dict[int, str] = {}

    def record(self, entry: dict) -> None:
        """Take one shard's entry (``{"shard": k, "error": ...}`` for a failure)."""
        if entry.get("error"):
            self.failed[entry["shard"]] = entry["error"]
        else:
            self.ledger.append(entry)
            self.finished.append(entry["shard"])
        if self.bar is not None:
            self.bar.update(1)

    def raise_failures(self) -> list[int]:
        """Raise ``HybridError`` when a shard failed; else return the finished shards."""
        if self.failed:
            first = min(self.failed)
            raise HybridError(f"{len(self.failed)} shard(s) failed (shard {first}: {self.failed[first]}); the other "
                              "shards are saved: fix the cause and run again with --resume")
        return self.finished


class Ledger:
    """Append-only JSONL of finished shards. A torn last line (a run killed mid-write) is ignored,
    and the next append starts on a fresh line."""

    def __init__(self, out: Path):
        self.path = Path(out) / LEDGER

    def entries(self) -> dict[int, dict]:
        """The ledger's entries by shard index (the last entry of a shard wins; lines that are not JSON, such as a torn last line, are skipped)."""
        found: dict[int, dict] = {}
        if not self.path.exists():
            return found
        with open(self.path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    e = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(e, dict) and isinstance(e.get("shard"), int):
                    found[e["shard"]] = e
        return found

    def finished(self, out: Path) -> dict[int, dict]:
        """Ledger lines whose output file is present with the recorded size."""
        ok = {}
        for k, e in self.entries().items():
            p = Path(out) / str(e.get("file", ""))
            try:
                if p.is_file() and p.stat().st_size == e.get("bytes"):
                    ok[k] = e
            except OSError:
                continue
        return ok

    def append(self, entry: dict) -> None:
        """Append one entry as a JSON line (atomic append)."""
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            if os.fstat(fd).st_size:
                with open(self.path, "rb") as fh:
                    fh.seek(-1, os.SEEK_END)
                    if fh.read(1) != b"\n":
                        line = b"\n" + line
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)


# ------------------------------------------------------------------------------------ planning a run
def _fingerprint(path: Path) -> dict:
    st = os.stat(path)
    return {"path": str(path.resolve()), "bytes": st.st_size, "mtime_ns": st.st_mtime_ns}


def _directory_shards(path: Path) -> tuple[list[Shard], dict]:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in INPUT_FORMATS and not p.name.startswith((".", "_")))
    if not files:
        raise HybridError(f"{path}: no shard files (*.jsonl, *.csv, *.parquet) in this directory")
    shards, prints = [], []
    for k, p in enumerate(files):
        _check_regular(p)
        shards.append(Shard(k, str(p.resolve()), _format_of(p), None, f"{p.name}:"))
        prints.append(_fingerprint(p))
    return shards, {"kind": "directory", "path": str(path.resolve()), "files": prints}


def _stage(path: Path, out: Path, shard_rows: int, raw: bool = False) -> list[Shard]:
    """Cut one input file into JSONL shards of ``shard_rows`` rows under ``OUT/_input/``."""
    staged = out / STAGED
    staged.mkdir(parents=True, exist_ok=True)
    for old in staged.iterdir():
        old.unlink()
    shards: list[Shard] = []
    buf: list[dict] = []
    n = 0

    def flush():
        k = len(shards)
        p = staged / f"shard-{k:05d}.jsonl"
        write_records(p, buf)
        shards.append(Shard(k, str(p.resolve()), "jsonl", len(buf)))
        buf.clear()

    for row in iter_input_rows(path, raw=raw):
        n += 1
        if not raw and not row["id"]:
            row["id"] = str(n)
        buf.append(row)
        if len(buf) >= shard_rows:
            flush()
    if buf or not shards:
        flush()
    return shards


def _load_manifest(out: Path) -> dict | None:
    p = out / MANIFEST
    if not p.exists():
        return None
    try:
        m = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise HybridError(f"{p}: unreadable run manifest ({exc}); remove {out} and start again") from None
    if not isinstance(m, dict) or m.get("format") != RUN_FORMAT:
        raise HybridError(f"{p}: not a hybrid run manifest (format {m.get('format') if isinstance(m, dict) else None!r})")
    return m


def _clean_tmp(out: Path) -> None:
    for p in [*out.glob("part-*.tmp-*"), *out.glob("part-*.progress-*")]:
        try:
            p.unlink()
        except OSError:
            pass


def plan_run(input_path, out, *, shard_rows: int | None = None, resume: bool = False,
             options: dict | None = None, raw: bool = False) -> Plan:
    """Prepare ``out`` for a run over ``input_path`` (stage a single file into shards, write the
    manifest) or, with ``resume``, check that ``out`` holds a run of the same input and options
    and find its finished shards.

    Without ``resume`` the output directory must be new or empty. ``shard_rows`` applies to a
    single input file; a directory of shard files keeps its own shards.
    """
    inp = Path(input_path)
    out = Path(out)
    options = dict(options or {})
    if shard_rows is not None and int(shard_rows) < 1:
        raise HybridError(f"--shard-rows must be >= 1, got {shard_rows}")
    if out.exists() and not out.is_dir():
        raise HybridError(f"--out {out}: exists and is not a directory")
    if not inp.exists():
        raise HybridError(f"input {inp}: no such file or directory")
    if out.exists() and inp.resolve() == out.resolve():
        raise HybridError(f"--out {out} is also the input; choose another directory")
    manifest = _load_manifest(out) if out.exists() else None
    if manifest is not None:
        if not resume:
            raise HybridError(f"--out {out} already holds a run; pass --resume to continue it, or choose an empty directory")
        _check_same_run(manifest, inp, shard_rows, options)
        shards = run_shards(out)  # staged shards are stored relative to out, so a run can be moved
        _clean_tmp(out)
        return Plan(out, shards, Ledger(out).finished(out), manifest)

    if out.exists() and resume and {p.name for p in out.iterdir()} <= {STAGED}:
        pass  # the first run was killed while cutting the input into shards: cut it again
    elif out.exists() and any(out.iterdir()):
        raise HybridError(f"--out {out}: directory is not empty and holds no run to resume; choose an empty directory")
    out.mkdir(parents=True, exist_ok=True)
    if inp.is_dir():
        shards, fingerprint = _directory_shards(inp)
        rows = None
    else:
        _check_regular(inp)
        _format_of(inp)
        fingerprint = {"kind": "file", **_fingerprint(inp)}
        shards = _stage(inp, out, int(shard_rows or DEFAULT_SHARD_ROWS), raw=raw)
        rows = sum(s.rows or 0 for s in shards)
    stored = []
    for s in shards:
        d = asdict(s)
        if inp.is_file():
            d["path"] = os.path.relpath(s.path, out.resolve())
        stored.append(d)
    manifest = {"format": RUN_FORMAT, "input": fingerprint,
                "shard_rows": None if inp.is_dir() else int(shard_rows or DEFAULT_SHARD_ROWS),
                "options": options, "rows": rows, "shards": stored, "created": time.time()}
    _atomic_write(out / MANIFEST, (json.dumps(manifest, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
    return Plan(out, shards, {}, manifest)


def _check_same_run(manifest: dict, inp: Path, shard_rows: int | None, options: dict) -> None:
    was = manifest.get("input", {})
    if inp.is_dir():
        _, now = _directory_shards(inp)
    else:
        _check_regular(inp)
        now = {"kind": "file", **_fingerprint(inp)}
    if now != was:
        raise HybridError(f"--resume: the input changed since the first run (was {was.get('path')}, "
                          f"{was.get('bytes', len(was.get('files', ())))}); start a new run in another directory")
    if shard_rows is not None and manifest.get("shard_rows") not in (None, int(shard_rows)):
        raise HybridError(f"--resume: the first run used --shard-rows {manifest['shard_rows']}, not {shard_rows}")
    if manifest.get("options") != options:
        diff = sorted(k for k in set(options) | set(manifest.get("options", {}))
                      if options.get(k) != manifest.get("options", {}).get(k))
        raise HybridError(f"--resume: options differ from the first run ({', '.join(diff)}); "
                          "resume with the same options or start a new run in another directory")


def run_shards(out) -> list[Shard]:
    """The shards of the run in ``out``, as its manifest lists them."""
    out = Path(out)
    manifest = _load_manifest(out)
    if manifest is None:
        raise HybridError(f"{out}: no run manifest here")
    shards = []
    for s in manifest["shards"]:
        sh = Shard(**s)
        if sh.path and not os.path.isabs(sh.path):
            sh = replace(sh, path=str((out / sh.path).resolve()))
        shards.append(sh)
    return shards


def lookup_prompts(out, ids) -> dict:
    """``{id: prompt}`` for the given ids, read back from the run's input shards."""
    want, found = set(ids), {}
    for shard in run_shards(out):
        if len(found) == len(want):
            break
        for r in read_shard_rows(shard):
            if r["id"] in want:
                found[r["id"]] = r["prompt"]
    return found


def iter_results(out) -> Iterator[dict]:
    """Every result record of a run directory, in input order (shard by shard)."""
    out = Path(out)
    manifest = _load_manifest(out)
    if manifest is None:
        raise HybridError(f"{out}: no run manifest here")
    done = Ledger(out).finished(out)
    for s in manifest["shards"]:
        k = s["index"]
        if k not in done:
            raise HybridError(f"{out}: shard {k} is not finished; run again with --resume")
        yield from read_records(out / done[k]["file"])
