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
    """Write rows to ``out`` (a path, or ``-`` for stdout) as CSV or JSONL; return the count."""
    from tqdm import tqdm

    fmt = output_format(out, fmt)
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
        fmt = "jsonl" if str(out) == "-" or str(out).endswith((".jsonl", ".json")) else "csv"
    if fmt not in ("csv", "jsonl"):
        raise HybridError(f"--format must be csv or jsonl, got {fmt!r}")
    return fmt


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
