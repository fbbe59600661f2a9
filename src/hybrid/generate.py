"""``hybrid generate``: as many fresh puzzles as wanted, in the data's exact format, with gold answers.

Each family draws puzzles with ``Family.generate(rng, uniform=...)`` and prints them with
``Family.render_prompt``; this module streams them (constant memory) to CSV (``id,prompt,answer``,
the dev file's format, plus ``family`` and ``rule`` columns) or JSONL. Output is deterministic for
a seed: puzzle ``i`` of family ``F`` comes from its own ``random.Random(f"{seed}:{F}:{i}")``,
so any slice can be regenerated alone and shards generated in parallel agree with one run.

>>> rows = list(generate("numeral", 2, seed=1))  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import io
import json
import random
import sys
from pathlib import Path
from typing import Iterator

from .errors import HybridError

__all__ = ["generate", "generate_row", "write_generated", "format_rows", "output_format", "FIELDS"]

#: Columns of a generated CSV (and keys of a JSONL record), in order.
FIELDS = ["id", "prompt", "answer", "family", "rule"]


def generate_row(family: str, index: int, seed: int = 0, uniform: bool = False) -> dict:
    """Puzzle number ``index`` of ``family`` for ``seed``: ``{id, family, prompt, answer, rule}``."""
    from .families import get_family

    fam = get_family(family)
    rng = random.Random(f"{seed}:{family}:{index}")
    try:
        puzzle = fam.generate(rng, uniform=uniform)
    except NotImplementedError:
        raise HybridError(f"family {family!r} has no generator") from None
    prompt = puzzle.task.prompt or fam.render_prompt(puzzle.task)
    return {"id": f"{family}-{seed}-{index}", "family": family, "prompt": prompt, "answer": puzzle.answer,
            "rule": puzzle.rule}


def generate(family: str, n: int, seed: int = 0, uniform: bool = False, start: int = 0) -> Iterator[dict]:
    """Stream ``n`` puzzles of ``family`` (``start`` skips ahead: rows ``start .. start+n-1``)."""
    if n < 0:
        raise HybridError(f"N must be >= 0, got {n}")
    for i in range(start, start + n):
        yield generate_row(family, i, seed, uniform)


def write_generated(rows, out, fmt: str | None = None, progress_total: int | None = None) -> int:
    """Write rows to ``out`` (a path, or ``-`` for stdout) as CSV, JSONL or Parquet (a path only;
    needs pyarrow, which the ``ray`` extra brings); return the count. Streams: constant memory."""
    from tqdm import tqdm

    fmt = output_format(out, fmt)
    if fmt == "parquet":
        return _write_parquet(rows, out, progress_total)
    fh = sys.stdout if str(out) == "-" else open(Path(out), "w", newline="", encoding="utf-8")  # noqa: SIM115
    n = 0
    try:
        writer = csv.DictWriter(fh, fieldnames=FIELDS) if fmt == "csv" else None
        if writer:
            writer.writeheader()
        with tqdm(total=progress_total, unit="puzzle", disable=progress_total is None or str(out) == "-") as bar:
            for row in rows:
                if writer:
                    writer.writerow(row)
                else:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
                bar.update(1)
    finally:
        if fh is not sys.stdout:
            fh.close()
    return n


def output_format(out, fmt: str | None = None) -> str:
    """The format for ``out``: ``fmt`` when given, else JSONL for ``-`` and ``*.jsonl`` / ``*.json``,
    CSV otherwise."""
    if fmt is None:
        if str(out).endswith(".parquet"):
            fmt = "parquet"
        else:
            fmt = "jsonl" if str(out) == "-" or str(out).endswith((".jsonl", ".json")) else "csv"
    if fmt not in ("csv", "jsonl", "parquet"):
        raise HybridError(f"--format must be csv, jsonl or parquet, got {fmt!r}")
    if fmt == "parquet" and str(out) == "-":
        raise HybridError("Parquet output needs a file path (--out FILE.parquet), not stdout")
    return fmt


#: Rows per Parquet row group written by ``hybrid generate --out FILE.parquet``.
PARQUET_BATCH = 10_000


def _write_parquet(rows, out, progress_total: int | None = None) -> int:
    """Stream rows to a Parquet file (all columns strings, ``FIELDS`` order), one row group per
    ``PARQUET_BATCH`` rows, through a temporary name moved into place."""
    from tqdm import tqdm

    from ._files import written_in_place

    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise HybridError("Parquet output needs pyarrow: pip install 'hybrid[ray]' (or pyarrow)") from None
    schema = pa.schema([(f, pa.string()) for f in FIELDS])
    n = 0
    with written_in_place(out) as (tmp,), pq.ParquetWriter(tmp, schema) as writer, \
            tqdm(total=progress_total, unit="puzzle", disable=progress_total is None) as bar:
        batch: list[dict] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                n, batch = n + len(batch), []
                bar.update(PARQUET_BATCH)
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            n += len(batch)
            bar.update(len(batch))
    return n


def format_rows(rows, fmt: str = "csv", header: bool = True) -> str:
    """Rows as the text ``write_generated`` writes for them (CSV with ``header``, or JSONL)."""
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    buf = io.StringIO(newline="")
    write = csv.DictWriter(buf, fieldnames=FIELDS)
    if header:
        write.writeheader()
    for r in rows:
        write.writerow(r)
    return buf.getvalue()


def to_csv_text(rows) -> str:
    """Rows as CSV text with its header."""
    return format_rows(rows, "csv", header=True)
