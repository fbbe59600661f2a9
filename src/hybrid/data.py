"""Reading puzzle CSV files (``id,prompt[,answer]``) and locating the dev data."""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import HybridError

__all__ = ["Row", "read_csv", "read_rows", "default_dev_csv", "labelled_tasks", "sample_csv"]


@dataclass(frozen=True)
class Row:
    id: str
    prompt: str
    answer: str | None


def read_rows(path) -> list[Row]:
    """Rows of a puzzle file: CSV (``read_csv``), or JSONL / Parquet records with ``prompt``
    (and ``id``, ``answer``) fields, as ``hybrid generate`` writes them (Parquet needs pyarrow)."""
    if Path(path).suffix.lower() not in (".jsonl", ".json", ".ndjson", ".parquet"):
        return read_csv(path)
    from .engine.shards import iter_input_rows

    rows = []
    for i, r in enumerate(iter_input_rows(path), 1):
        if not isinstance(r["prompt"], str):
            raise HybridError(f"{path}: record {i} has no text 'prompt' field")
        rows.append(Row(r["id"] or str(i), r["prompt"], r["answer"]))
    return rows


def read_csv(path) -> list[Row]:
    """Rows of a puzzle CSV. ``answer`` is None when the file has no answer column."""
    from ._files import read_regular_text

    path = Path(path)
    text = read_regular_text(path, "CSV")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if not reader.fieldnames or "prompt" not in reader.fieldnames:
            raise HybridError(f"{path}: expected a CSV with a 'prompt' column (id,prompt[,answer])")
        rows = []
        for i, r in enumerate(reader, 1):
            if r.get("prompt") is None:
                raise HybridError(f"{path}: row {i} has no prompt field")
            rows.append(Row(r.get("id") or str(i), r["prompt"], r.get("answer")))
        return rows
    except csv.Error as exc:
        raise HybridError(f"{path}: not a readable CSV (line {reader.line_num}: {exc})") from None


def default_dev_csv() -> Path:
    """``$HYBRID_DEV_CSV``, else ``../shared/data/dev.csv`` next to the source checkout."""
    env = os.environ.get("HYBRID_DEV_CSV")
    if env:
        return Path(env)
    root = Path(__file__).resolve().parents[2]
    for cand in (root.parent / "shared" / "data" / "dev.csv", Path.cwd().parent / "shared" / "data" / "dev.csv"):
        if cand.exists():
            return cand
    return root.parent / "shared" / "data" / "dev.csv"


def sample_csv() -> Path:
    """A small bundled sample of puzzles with answers (used by the README's main command)."""
    return Path(__file__).resolve().parent / "samples" / "sample.csv"


def labelled_tasks(path=None, families=None):
    """Parse every row of a CSV into Tasks carrying ``meta['answer']``; rows that fail to parse are skipped."""
    from .parse import parse

    out = []
    for row in read_csv(path or default_dev_csv()):
        try:
            task = parse(row.prompt)
        except HybridError:
            continue
        if families and task.family not in families:
            continue
        out.append(replace(task, meta={**task.meta, "answer": row.answer, "id": row.id}))
    return out
