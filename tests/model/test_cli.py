"""The model subcommands through ``hybrid.cli.main``, on the bundled sample."""

from __future__ import annotations

import json
import os

import pytest

from hybrid.cli import main
from hybrid.data import sample_csv
from hybrid.model.traces import read_records, verify_trace

SAMPLE = str(sample_csv())


def test_export_traces_cli(tmp_path, capsys):
    out = tmp_path / "t.jsonl"
    assert main(["export-traces", SAMPLE, str(out), "--family", "numeral", "--family", "cipher",
                 "--no-progress", "--time-limit", "2"]) == 0
    text = capsys.readouterr().out
    recs = read_records(out)
    assert recs and {r["family"] for r in recs} <= {"numeral", "cipher"}
    assert f"{len(recs)}/{len(recs)} traces re-verified" in text
    assert all(verify_trace(r, time_limit=2.0)[0] for r in recs)


def test_recall_report_cli_prior(capsys):
    assert main(["recall-report", SAMPLE, "--split", "all", "--json", "--family", "numeral"]) == 0
    rep = json.loads(capsys.readouterr().out)
    num = rep["families"]["numeral"]
    assert num["rows"] == 4 and num["recallers"]["prior"]["recall@1"] == 1.0
    assert num["recallers"]["prior"]["mean_verifications"] == 1.0
    assert main(["recall-report", SAMPLE, "--split", "all", "--family", "numeral", "--no-progress"]) == 0
    assert "| numeral | 4 |" in capsys.readouterr().out


@pytest.mark.parametrize("argv, msg", [
    (["export-traces", "/nonexistent.csv", "o.jsonl"], "no such file"),
    (["export-traces", SAMPLE, "o.jsonl", "--family", "nope"], "unknown family"),
    (["recall-report", SAMPLE, "--recaller", "magic"], "unknown recaller"),
    (["recall-report", SAMPLE, "--holdout", "2"], "--holdout"),
])
def test_bad_input_exits_2(argv, msg, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert msg in capsys.readouterr().err


def test_train_recall_cli_then_eval_and_report(tmp_path, capsys):
    pytest.importorskip("torch")
    pytest.importorskip("peft")
    traces = tmp_path / "t.jsonl"
    assert main(["export-traces", SAMPLE, str(traces), "--no-progress", "--time-limit", "2",
                 "--family", "numeral", "--family", "equation_numeric"]) == 0
    out = tmp_path / "run"
    assert main(["train-recall", str(out), "--tiny", "--traces", str(traces), "--steps", "2", "--base-steps", "2",
                 "--rank", "4", "--max-length", "256", "--no-progress", "--holdout", "0.1"]) == 0
    res = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert res["finished"] and res["rank"] == 4
    assert json.load(open(out / "adapter" / "adapter_config.json"))["r"] == 4
    assert json.load(open(out / "hybrid_recall.json"))["context"] == "prompt"
    assert main(["eval", SAMPLE, "--family", "equation_numeric", "--recaller", f"lm:{out}", "--json",
                 "--time-limit", "1"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["families"]["equation_numeric"]["rows"] == 4
    assert main(["recall-report", SAMPLE, "--split", "all", "--family", "equation_numeric", "--json",
                 "--recaller", "prior", "--recaller", f"lm:{out}"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert set(rep["families"]["equation_numeric"]["recallers"]) == {"prior", f"lm:{out}"}
    assert main(["train-recall", str(tmp_path / "x"), "--tiny", "--traces", str(traces), "--rank", "33"]) == 2
    assert os.path.isdir(out / "base")
