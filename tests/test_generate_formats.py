"""``hybrid generate`` output formats and ``hybrid eval`` reading them back: CSV, JSONL and
Parquet (pyarrow, from the ``ray`` extra) carry the same rows, and eval scores them alike."""

from __future__ import annotations

import json

import pytest

from hybrid.cli import main
from hybrid.data import read_rows
from hybrid.errors import HybridError
from hybrid.generate import output_format


def _gen(tmp_path, name, capsys):
    out = tmp_path / name
    assert main(["generate", "gravity", "120", "--seed", "4", "--out", str(out)]) == 0
    capsys.readouterr()
    return out


def _eval(path, capsys):
    assert main(["eval", str(path), "--json", "--no-progress"]) == 0
    return json.loads(capsys.readouterr().out)["total"]


def test_jsonl_and_csv_carry_the_same_rows_and_score_alike(tmp_path, capsys):
    csv_rows = read_rows(_gen(tmp_path, "g.csv", capsys))
    jsonl_rows = read_rows(_gen(tmp_path, "g.jsonl", capsys))
    assert csv_rows == jsonl_rows and len(csv_rows) == 120
    a, b = _eval(tmp_path / "g.csv", capsys), _eval(tmp_path / "g.jsonl", capsys)
    assert (a["rows"], a["correct"], a["status"]) == (b["rows"], b["correct"], b["status"])


def test_parquet_round_trip(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    csv_rows = read_rows(_gen(tmp_path, "g.csv", capsys))
    assert read_rows(_gen(tmp_path, "g.parquet", capsys)) == csv_rows
    assert _eval(tmp_path / "g.parquet", capsys)["correct"] == _eval(tmp_path / "g.csv", capsys)["correct"]


def test_output_format_choices():
    assert output_format("x.parquet") == "parquet" and output_format("x.jsonl") == "jsonl"
    assert output_format("x.csv") == "csv" and output_format("-") == "jsonl"
    with pytest.raises(HybridError, match="needs a file path"):
        output_format("-", "parquet")
    with pytest.raises(HybridError, match="csv, jsonl or parquet"):
        output_format("x.csv", "xml")


def test_a_jsonl_record_without_a_prompt_is_named(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"id": "a", "prompt": "x", "answer": "1"}\n{"id": "b", "answer": "2"}\n')
    with pytest.raises(HybridError, match="record 2"):
        read_rows(p)


@pytest.mark.parametrize("kind", ["fifo", "dir"])
def test_an_output_that_is_not_a_regular_file_is_refused_not_blocked_on(tmp_path, capsys, kind):
    """A FIFO would block the write forever, a directory cannot take it: both are one-line errors."""
    import os

    out = tmp_path / "out.csv"
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs here")
        os.mkfifo(out)
    else:
        out.mkdir()
    assert main(["generate", "numeral", "3", "--out", str(out), "--force"]) == 2
    err = capsys.readouterr().err
    assert "not a regular file" in err and err.count("\n") == 1
