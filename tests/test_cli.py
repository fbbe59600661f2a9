import json
import subprocess
import sys

import pytest

from hybrid.cli import main

from .test_parse import NUMERAL


def run(args, stdin=None):
    p = subprocess.run([sys.executable, "-m", "hybrid.cli", *args], input=stdin, capture_output=True, text=True,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr


def test_solve_argument_and_json(capsys):
    assert main(["solve", NUMERAL]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "XCIII" and "status: deduced" in out
    assert main(["solve", "--json", NUMERAL]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["answer"] == "XCIII" and d["family"] == "numeral" and d["status"] == "deduced"


def test_solve_from_stdin_and_file(tmp_path):
    code, out, _ = run(["solve"], stdin=NUMERAL)
    assert code == 0 and out.startswith("XCIII")
    f = tmp_path / "p.txt"
    f.write_text(NUMERAL)
    code, out, _ = run(["solve", "-f", str(f), "--json"])
    assert code == 0 and json.loads(out)["answer"] == "XCIII"


@pytest.mark.parametrize("args,stdin", [
    (["solve"], "this is not a puzzle"),
    (["solve"], NUMERAL.replace("28 -> XXVIII", "28 XXVIII")),
    (["solve", "-f", "/nonexistent/file"], None),
    (["eval", "/nonexistent.csv"], None),
    (["eval", "README.md", "--family", "sudoku"], None),
    (["solve", "--time-limit", "-1", NUMERAL], None),
])
def test_bad_input_is_one_line_exit_2(args, stdin):
    code, out, err = run(args, stdin)
    assert code == 2
    assert err.startswith("hybrid: error: ") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_eval_json_and_show_wrong(bundled_rows, capsys):
    from hybrid.data import sample_csv

    assert main(["eval", str(sample_csv()), "--json", "--family", "numeral"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["families"]["numeral"]["rows"] == 4 and d["families"]["numeral"]["accuracy"] == 1.0
    assert main(["eval", str(sample_csv()), "--no-progress", "--show-wrong", "2", "--family", "cipher"]) == 0
    out = capsys.readouterr().out
    assert "cipher" in out and "p50 ms" in out


def test_demo_runs(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "numeral" in out and "acc%" in out


def test_build_catalog_to_a_directory(tmp_path, dev_rows):
    code, out, err = run(["build-catalog", "--family", "numeral", "--out", str(tmp_path), "--no-progress"])
    assert code == 0, err
    assert (tmp_path / "numeral.msgpack").exists() and "numeral" in out


def test_internal_errors_are_one_line(monkeypatch, capsys):
    import hybrid.pipeline

    def boom(*a, **k):
        raise RuntimeError("kaboom\nsecond line")

    monkeypatch.setattr(hybrid.pipeline, "solve", boom)
    monkeypatch.delenv("HYBRID_DEBUG", raising=False)
    assert main(["solve", NUMERAL]) == 1
    err = capsys.readouterr().err
    assert err.strip() == ("hybrid: internal error: RuntimeError: kaboom second line "
                           "(set HYBRID_DEBUG=1 to see the traceback)")


def _fifo(tmp_path):
    import os

    p = tmp_path / "fifo"
    os.mkfifo(p)
    return p


@pytest.mark.parametrize("make", [
    lambda tmp: ["solve", "-f", str(_fifo(tmp))],
    lambda tmp: ["eval", str(_fifo(tmp))],
    lambda tmp: ["solve", "-f", str(tmp)],
    lambda tmp: ["eval", str(tmp)],
    lambda tmp: ["solve", "--time-limit", "0", NUMERAL],
    lambda tmp: ["solve", NUMERAL.replace("28 -> XXVIII", "\n".join(["28 -> XXVIII"] * 500))],
])
def test_odd_files_and_limits_are_one_line_exit_2(tmp_path, make):
    code, out, err = run(make(tmp_path))
    assert code == 2, err
    assert err.startswith("hybrid: error: ") and len(err.strip().splitlines()) == 1


def test_eval_reports_internal_errors_in_place_and_exits_0(monkeypatch, capsys, tmp_path):
    from hybrid.families import get_family

    fam = get_family("numeral")

    def boom(task, deadline=None):
        if task.query == "93":
            raise IndexError("a bug in one row")
        return type(fam).candidates(fam, task, deadline)

    monkeypatch.setattr(fam, "candidates", boom)
    csv_path = tmp_path / "rows.csv"
    other = NUMERAL.replace("number 93", "number 94")
    import csv as _csv

    with csv_path.open("w", newline="") as fh:
        w = _csv.writer(fh)
        w.writerow(["id", "prompt", "answer"])
        w.writerow(["a", NUMERAL, "XCIII"])
        w.writerow(["b", other, "XCIV"])
    assert main(["eval", str(csv_path), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["families"]["numeral"]["errors"] == 1 and d["families"]["numeral"]["correct"] == 1
