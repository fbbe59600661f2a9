"""Batch engines (hybrid.engine): sharded input/output, the resume ledger, the local and Ray engines.

The Ray tests start Ray once, locally, with 2 CPUs, and are skipped when Ray is not installed
(``pip install 'hybrid[ray]'``).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import hybrid
from hybrid.engine import eval_report, iter_results, run
from hybrid.engine.records import solve_options
from hybrid.engine.shards import Ledger, iter_input_rows, output_name
from hybrid.errors import HybridError

# Ray Data warns about its own deprecated settings when it copies its context.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _write_csv(path: Path, rows) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "prompt", "answer"])
        for r in rows:
            w.writerow([r.id, r.prompt, r.answer])
    return path


def _write_jsonl(path: Path, objs) -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def some_rows(dev_rows):
    return dev_rows[::20]  # 357 rows, every family


@pytest.fixture(scope="module")
def rows_csv(some_rows, tmp_path_factory):
    return _write_csv(tmp_path_factory.mktemp("in") / "rows.csv", some_rows)


def _strip(records):
    """Records without their timings (the only field that may differ between two runs)."""
    return [{k: v for k, v in r.items() if k != "ms"} for r in records]


def _files(out: Path) -> dict:
    return {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in sorted(out.glob("part-*.jsonl"))}


@pytest.fixture(scope="module")
def full_local(rows_csv, tmp_path_factory):
    out = tmp_path_factory.mktemp("full") / "run"
    s = run(rows_csv, out, shard_rows=60)
    assert s.complete and s.shards == 6 and len(s.finished) == 6
    return _strip(iter_results(out))


# ------------------------------------------------------------------------------------ local engine
def test_local_records_match_solve_many(full_local, some_rows):
    sols = hybrid.solve_many([r.prompt for r in some_rows])
    assert [r["id"] for r in full_local] == [r.id for r in some_rows]
    assert [r["row"] for r in full_local] == [i % 60 for i in range(len(some_rows))]
    for rec, sol, row in zip(full_local, sols, some_rows):
        assert (rec["answer"], rec["status"], rec["proof"], rec["family"]) == (sol.answer, sol.status, sol.proof,
                                                                              sol.family)
        assert rec["expected"] == row.answer
        assert rec["correct"] == (sol.answer is not None and sol.answer.strip() == row.answer.strip())


def test_eval_report_matches_evaluate(full_local, rows_csv):
    from hybrid.evaluate import evaluate

    want = evaluate(rows_csv).to_dict()
    got = eval_report(full_local).to_dict()  # records without timings: compare everything else
    for fam, s in want["families"].items():
        for key in ("rows", "correct", "accuracy", "errors", "status", "correct_by_status", "mean_confidence"):
            assert got["families"][fam][key] == s[key], (fam, key)
    assert got["total"]["correct"] == want["total"]["correct"] > 0


def test_resume_after_a_shard_limit_skips_finished_shards(rows_csv, full_local, tmp_path):
    out = tmp_path / "run"
    first = run(rows_csv, out, shard_rows=60, max_shards=2)
    assert first.finished == [0, 1] and first.pending == 4 and not first.complete
    before = _files(out)
    assert list(before) == [output_name(0), output_name(1)]
    with pytest.raises(HybridError, match="--resume"):
        run(rows_csv, out, shard_rows=60)  # an existing run is never overwritten silently
    second = run(rows_csv, out, shard_rows=60, resume=True)
    assert second.skipped == 2 and second.finished == [2, 3, 4, 5] and second.complete
    after = _files(out)
    assert {k: after[k] for k in before} == before  # the finished shards' files were not rewritten
    assert _strip(iter_results(out)) == full_local


def test_killed_run_resumes_without_redoing_finished_shards(dev_rows, tmp_path):
    """A real SIGKILL of `hybrid eval --out` midway, then `--resume`."""
    src = _write_csv(tmp_path / "in.csv", dev_rows[:3000])
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "hybrid", "eval", str(src), "--out", str(out), "--shard-rows", "100",
           "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    ledger = out / "_ledger.jsonl"
    t0 = time.time()
    while time.time() - t0 < 60 and proc.poll() is None:
        if ledger.exists() and ledger.read_bytes().count(b"\n") >= 3:
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.005)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    done = Ledger(out).finished(out)
    assert 3 <= len(done) < 30
    before = _files(out)
    res = subprocess.run([*cmd, "--resume", "--json"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["total"]["rows"] == 3000
    after = _files(out)
    for e in done.values():
        assert after[e["file"]] == before[e["file"]]
    recs = list(iter_results(out))
    assert [r["id"] for r in recs] == [r.id for r in dev_rows[:3000]]
    assert not list(out.glob("*.tmp-*"))


def test_resume_recovers_from_a_torn_ledger_and_leftover_files(rows_csv, full_local, tmp_path):
    out = tmp_path / "run"
    run(rows_csv, out, shard_rows=60, max_shards=3)
    # What a kill can leave behind: half a ledger line, a half-written output, an orphan output
    # without its ledger line, and a crash log of the dead run.
    with open(out / "_ledger.jsonl", "a") as fh:
        fh.write('{"shard": 3, "file": "part-0')
    (out / "part-00004.jsonl.tmp-1-abc").write_text("partial")
    (out / output_name(5)).write_text("{}\n")
    (out / "part-00003.jsonl.progress-deadbeef").write_text("A\n0\n1\n")
    s = run(rows_csv, out, shard_rows=60, resume=True)
    assert s.skipped == 3 and s.finished == [3, 4, 5]
    assert _strip(iter_results(out)) == full_local
    assert not list(out.glob("*.tmp-*")) and not list(out.glob("*.progress-*"))
    assert len(Ledger(out).entries()) == 6


def test_resume_refuses_another_input_or_other_options(rows_csv, some_rows, tmp_path):
    out = tmp_path / "run"
    run(rows_csv, out, shard_rows=100, max_shards=1)
    with pytest.raises(HybridError, match="options differ"):
        run(rows_csv, out, shard_rows=100, resume=True, search=False)
    with pytest.raises(HybridError, match="shard-rows"):
        run(rows_csv, out, shard_rows=50, resume=True)
    other = _write_csv(tmp_path / "other.csv", some_rows[:10])
    with pytest.raises(HybridError, match="input changed"):
        run(other, out, resume=True)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "x").write_text("x")
    with pytest.raises(HybridError, match="not empty"):
        run(rows_csv, tmp_path / "junk")


def test_every_input_format_gives_the_same_records(some_rows, tmp_path):
    rows = some_rows[:40]
    objs = [{"id": r.id, "prompt": r.prompt, "answer": r.answer} for r in rows]
    run(_write_csv(tmp_path / "a.csv", rows), tmp_path / "o1", shard_rows=15)
    want = _strip(iter_results(tmp_path / "o1"))
    got = _strip(iter_results(run(_write_jsonl(tmp_path / "a.jsonl", objs), tmp_path / "o2", shard_rows=15).out))
    assert got == want
    shards = tmp_path / "shards"
    shards.mkdir()
    _write_jsonl(shards / "a-000.jsonl", objs[:15])
    _write_csv(shards / "a-001.csv", rows[15:30])
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(objs[30:]), shards / "a-002.parquet")
    pq.write_table(pa.Table.from_pylist(objs), tmp_path / "a.parquet")
    got = _strip(iter_results(run(tmp_path / "a.parquet", tmp_path / "o3", shard_rows=15).out))
    assert got == want
    s = run(shards, tmp_path / "o4")  # a directory: one shard per file, staged nowhere
    assert s.shards == 3 and not (tmp_path / "o4" / "_input").exists()
    got = _strip(iter_results(tmp_path / "o4"))
    assert [{k: v for k, v in r.items() if k != "row"} for r in got] == \
        [{k: v for k, v in r.items() if k != "row"} for r in want]


def test_bad_rows_are_error_records_in_place(some_rows, tmp_path):
    good = some_rows[0]
    objs = [{"id": "a", "prompt": good.prompt, "answer": good.answer},
            {"id": "b", "prompt": "not a puzzle", "answer": "x"},
            {"id": "c", "prompt": 42, "answer": "x"},
            {"prompt": good.prompt.replace("->", "=>", 1)},
            {"id": "e", "prompt": good.prompt, "answer": good.answer}]
    out = run(_write_jsonl(tmp_path / "in.jsonl", objs), tmp_path / "run").out
    recs = list(iter_results(out))
    assert [r["id"] for r in recs] == ["a", "b", "c", "4", "e"]  # a row without an id gets its line number
    assert recs[0]["answer"] == recs[4]["answer"] == good.answer and recs[0]["error"] is None
    assert recs[1]["error_type"] == "UnsupportedTaskError" and recs[1]["family"] is None
    assert recs[2]["error_type"] == "HybridError" and "string" in recs[2]["error"]
    assert recs[1]["correct"] is False and recs[3]["expected"] is None and recs[3]["correct"] is None
    rep = eval_report(recs)
    assert rep.families["unparsed"]["errors"] == 2 and rep.total["rows"] == 4


def test_family_filter_keeps_only_those_rows(some_rows, tmp_path):
    rows = some_rows[:60]
    out = run(_write_csv(tmp_path / "in.csv", rows), tmp_path / "run", families=["numeral", "cipher"]).out
    recs = list(iter_results(out))
    want = [r.id for r in rows if hybrid.parse(r.prompt).family in ("numeral", "cipher")]
    assert [r["id"] for r in recs] == want and len(want) > 5


@pytest.mark.skipif(__import__("multiprocessing").get_start_method() != "fork",
                    reason="the crash is planted in the parent and inherited by forked workers")
def test_a_worker_process_that_dies_costs_one_row(rows_csv, full_local, some_rows, tmp_path, monkeypatch):
    """A pool worker killed (as by a crash in native code) on one row: the pool restarts, the
    shard is retried, and that row alone becomes an error record."""
    import hybrid.pipeline

    real = hybrid.pipeline.solve
    victim = hybrid.parse(some_rows[70].prompt).query

    def crashing(task, **kw):
        if getattr(task, "query", None) == victim:
            os._exit(70)
        return real(task, **kw)

    monkeypatch.setattr(hybrid.pipeline, "solve", crashing)
    out = tmp_path / "run"
    s = run(rows_csv, out, shard_rows=60, workers=2)
    assert s.complete
    got = _strip(iter_results(out))
    dead = [i for i, r in enumerate(got) if r["error"]]
    assert dead and all(got[i]["error_type"] == "InternalError" and "died" in got[i]["error"] for i in dead)
    assert 70 in dead and all(hybrid.parse(some_rows[i].prompt).query == victim for i in dead)
    assert [r for i, r in enumerate(got) if i not in dead] == [r for i, r in enumerate(full_local) if i not in dead]
    entries = Ledger(out).entries()
    assert entries[1]["crashed_rows"] == [10]
    assert not list(out.glob("*.progress-*"))


def test_crash_log_skips_the_row_that_killed_the_worker(some_rows, tmp_path):
    """A retried shard whose earlier attempts died twice on row 2 gets an error record for that row
    only; a single death (on row 4: maybe the process was killed for another reason) is retried."""
    from hybrid.engine.ray_engine import ShardSolver
    from hybrid.engine.shards import Shard

    src = _write_jsonl(tmp_path / "s.jsonl", [{"id": r.id, "prompt": r.prompt, "answer": r.answer}
                                              for r in some_rows[:6]])
    out = tmp_path / "out"
    out.mkdir()
    log = out / f"{output_name(0)}.progress-run1"
    log.write_text("A\n0\n1\n2\nA\n0\n1\n2\nA\n0\n1\n2\n3\n4\n")  # dead attempts: on row 2, 2, 4
    solver = ShardSolver(solve_options(), str(out), "run1")
    entry = solver.solve_shard(Shard(0, str(src), "jsonl"))
    assert entry["crashed_rows"] == [2] and entry["errors"] == 1 and "error" not in entry
    recs = json.loads("[" + ",".join((out / output_name(0)).read_text().splitlines()) + "]")
    assert recs[2]["error_type"] == "InternalError" and "died" in recs[2]["error"]
    assert [r["answer"] for i, r in enumerate(recs) if i != 2] == \
        [hybrid.solve(r.prompt).answer for i, r in enumerate(some_rows[:6]) if i != 2]
    assert not log.exists()


# ------------------------------------------------------------------------------------ other jobs
@pytest.fixture(scope="module")
def traces_csv(some_rows, tmp_path_factory):
    return _write_csv(tmp_path_factory.mktemp("tr") / "t.csv", some_rows[::3])  # 119 rows, every family


def _local_traces(path, split="all", families=None, **kw):
    """What `hybrid export-traces` collects in one process (before shaping)."""
    from hybrid.data import labelled_tasks
    from hybrid.model.split import select
    from hybrid.model.traces import TraceStats, iter_records

    tasks = select([t for t in labelled_tasks(path, families=families) if t.meta.get("answer") is not None], split)
    st = TraceStats()
    return list(iter_records(tasks, stats=st, **kw)), st


def test_export_traces_run_gives_the_local_traces_and_resumes_by_shard(traces_csv, tmp_path):
    from hybrid.engine import export_traces_run

    want, st = _local_traces(traces_csv)
    work = tmp_path / "w"
    recs, _, s = export_traces_run(traces_csv, work, shard_rows=30, max_shards=2)
    assert s.finished == [0, 1] and not s.complete and recs == []
    before = _files(work)
    recs, st2, s = export_traces_run(traces_csv, work, shard_rows=30, resume=True, workers=2)
    assert s.skipped == 2 and sorted(s.finished) == [2, 3]
    assert {k: _files(work)[k] for k in before} == before  # finished shards not redone
    assert len(want) > 50 and recs == want  # the same trace records, in the same order
    assert st2.to_dict() == st.to_dict()


def test_export_traces_run_split_family_parquet_and_bad_rows(some_rows, tmp_path):
    pytest.importorskip("pyarrow", reason="Parquet output needs pyarrow (the ray extra)")
    from hybrid.engine import export_traces_run

    rows = list(some_rows[1::4])
    src = _write_csv(tmp_path / "in.csv", rows)
    want, st = _local_traces(src, split="heldout", families=["numeral", "cipher", "gravity"], wrong="keep",
                             statuses=("deduced", "ambiguous"))
    with open(src, "a", newline="", encoding="utf-8") as fh:  # a row that does not parse: an error in place
        csv.writer(fh).writerow(["bad1", "not a puzzle", "x"])
    work = tmp_path / "w"
    recs, st2, s = export_traces_run(src, work, shard_rows=25, output="parquet", split="heldout",
                                     families=["cipher", "numeral", "gravity"], wrong="keep",
                                     statuses=("deduced", "ambiguous"))
    assert want and recs == want and st2.written == st.written
    assert sorted(p.suffix for p in work.glob("part-*")) == [".parquet"] * s.shards
    last = list(iter_results(work))[-1]
    assert last["id"] == "bad1" and last["error"] and "trace" not in last


def _generations(traces, path):
    objs = [{"id": r["id"], "text": r["messages"][-1]["content"]} for r in traces]
    objs[3]["text"] = objs[3]["text"].replace("\\boxed{", "\\boxed{7")  # a wrong final answer
    objs[4]["text"] = "Try 1: nonsense\n\\boxed{1}"  # a trace that does not hold
    objs += [{"id": "nope", "text": "\\boxed{1}"}, {"messages": traces[0]["messages"]}]  # unmatched; by prompt
    return _write_jsonl(path, objs)


def test_grade_run_gives_the_grade_report(traces_csv, tmp_path):
    from hybrid.engine import grade_run
    from hybrid.model.grade import grade

    traces, _ = _local_traces(traces_csv)
    gens = _generations(traces, tmp_path / "g.jsonl")
    want = grade(gens, traces_csv, audit=True, per_row=True, grammar="auto")
    got, s = grade_run(gens, traces_csv, audit=True, per_row=True, grammar="auto", shard_rows=25, workers=2)
    assert s.shards == 4 and got == want
    assert 0 < want["overall"]["strict"] < want["overall"]["rows"] and want["unmatched"] == 1
    plain = grade(gens, traces_csv)
    with open(gens, "a", encoding="utf-8") as fh:
        fh.write('{"id": "no text"}\n[1, 2]\n')  # unreadable lines: error records, not a failed run
    got, _ = grade_run(gens, traces_csv, work=tmp_path / "w", shard_rows=50)
    assert got["errors"] == 2 and {k: v for k, v in got.items() if k != "errors"} == plain
    recs = list(iter_results(tmp_path / "w"))
    assert len(recs) == len(gens.read_text().splitlines()) == 91  # one record per line, in place
    assert [bool(r["error"]) for r in recs[-3:]] == [False, True, True] and recs[-1]["row"] == 91 - 50 - 1


def test_parquet_output_gives_the_same_records(rows_csv, full_local, tmp_path):
    pytest.importorskip("pyarrow", reason="Parquet output needs pyarrow (the ray extra)")
    out = tmp_path / "run"
    s = run(rows_csv, out, shard_rows=60, output="parquet", max_shards=3)
    run(rows_csv, out, shard_rows=60, output="parquet", resume=True)
    assert sorted(p.name for p in out.glob("part-*")) == [f"part-{k:05d}.parquet" for k in range(6)]
    assert s.finished == [0, 1, 2] and _strip(iter_results(out)) == full_local
    with pytest.raises(HybridError, match="output format"):
        run(rows_csv, tmp_path / "x", output="csv")


def _gen_local(path, fams, n, **kw):
    from itertools import chain

    from hybrid.generate import generate, write_generated

    write_generated(chain.from_iterable(generate(f, n, **kw) for f in fams), path)
    return path.read_bytes()


GEN_FAMILIES = ["numeral", "cipher", "unit_conversion"]


def test_generate_by_shards_is_the_local_file_byte_for_byte_and_resumes(tmp_path):
    from hybrid.engine.generating import generate_run

    for fmt in ("csv", "jsonl"):
        want = _gen_local(tmp_path / f"a.{fmt}", GEN_FAMILIES, 23, seed=5, start=2)
        out, shards = tmp_path / f"b.{fmt}", tmp_path / f"sh-{fmt}"
        s = generate_run(GEN_FAMILIES, 23, out, seed=5, start=2, shard_rows=7, shards_dir=shards, max_shards=5)
        assert s.shards == 12 and s.finished == [0, 1, 2, 3, 4] and not s.complete and not out.exists()
        before = {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in shards.glob("part-*")}
        with pytest.raises(HybridError, match="other options"):
            generate_run(GEN_FAMILIES, 23, out, seed=6, start=2, shards_dir=shards, resume=True)
        s = generate_run(GEN_FAMILIES, 23, out, seed=5, start=2, shard_rows=7, shards_dir=shards, resume=True,
                         workers=2)
        assert s.skipped == 5 and sorted(s.finished) == list(range(5, 12))
        after = {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in shards.glob("part-*")}
        assert {k: after[k] for k in before} == before  # finished shards not regenerated
        assert out.read_bytes() == want
    # the parts are a directory input for eval: every generated row is solved, none fails
    ev = run(tmp_path / "sh-csv", tmp_path / "ev")
    recs = list(iter_results(tmp_path / "ev"))
    assert ev.shards == 12 and len(recs) == 69 and not any(r["error"] for r in recs)
    assert sum(r["correct"] for r in recs) >= 60


def test_cli_generate_with_shards(tmp_path, capsys):
    from hybrid.cli import main

    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main(["generate", "numeral", "30", "--seed", "2", "--out", str(a)]) == 0
    assert main(["generate", "numeral", "30", "--seed", "2", "--out", str(b), "--shards", str(tmp_path / "s"),
                 "--shard-rows", "8", "--workers", "2"]) == 0
    assert a.read_bytes() == b.read_bytes() and len(list((tmp_path / "s").glob("part-*.csv"))) == 4
    assert main(["generate", "numeral", "3", "--out", str(tmp_path / "c.csv"), "--resume"]) == 2
    assert "--resume needs --shards" in capsys.readouterr().err


def test_engine_cli_args_for_other_commands():
    import argparse

    from hybrid.engine.cli_args import add_engine_args, engine_kwargs, use_engine

    p = argparse.ArgumentParser()
    p.add_argument("--no-progress", action="store_true")
    add_engine_args(p)
    a = p.parse_args([])
    assert not use_engine(a)
    a = p.parse_args(["--engine", "ray", "--shard-rows", "500", "--output-format", "parquet", "--no-progress"])
    assert use_engine(a) and engine_kwargs(a) == {"work": None, "engine": "ray", "workers": None, "shard_rows": 500,
                                                  "resume": False, "output": "parquet", "progress": False}
    a = p.parse_args(["--work", "w", "--workers", "0"])
    assert use_engine(a) and engine_kwargs(a)["workers"] is None and engine_kwargs(a)["engine"] == "local"
    assert engine_kwargs(p.parse_args(["--work", "w"]))["workers"] == 1
    for bad, msg in ((["--resume"], "--resume needs --work"), (["--workers", "-1"], "--workers must be >= 0")):
        with pytest.raises(HybridError, match=msg):
            engine_kwargs(p.parse_args(bad))

def test_ray_missing_is_one_line_with_the_install_command(rows_csv, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(HybridError, match=r"pip install 'hybrid\[ray\]'"):
        run(rows_csv, tmp_path / "run", engine="ray")
    assert not (tmp_path / "run").exists()
    with pytest.raises(HybridError, match=r"hybrid\[ray\]"):
        hybrid.solve_many(["x"], engine="ray")
    from hybrid.cli import main

    assert main(["eval", str(rows_csv), "--engine", "ray", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'hybrid[ray]'" in err[0]


def test_cli_eval_out_and_errors(rows_csv, tmp_path, capsys):
    from hybrid.cli import main

    assert main(["eval", str(rows_csv), "--out", str(tmp_path / "run"), "--shard-rows", "200", "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["total"]["rows"] == 357 and len(list((tmp_path / "run").glob("part-*.jsonl"))) == 2
    assert main(["eval", str(rows_csv), "--resume"]) == 2
    assert "--resume needs --out" in capsys.readouterr().err
    assert main(["eval", str(rows_csv), "--out", str(tmp_path / "x"), "--limit", "3"]) == 2
    assert main(["eval", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "y")]) == 2
    assert main(["eval", str(rows_csv), "--out", str(tmp_path / "z"), "--shard-rows", "0"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 3


def test_iter_input_rows_rejects_bad_files(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"prompt": "x"}\nnot json\n')
    with pytest.raises(HybridError, match="line 2: not JSON"):
        list(iter_input_rows(tmp_path / "a.jsonl"))
    (tmp_path / "b.csv").write_text("id,question\n1,x\n")
    with pytest.raises(HybridError, match="'prompt' column"):
        list(iter_input_rows(tmp_path / "b.csv"))
    (tmp_path / "c.txt").write_text("x")
    with pytest.raises(HybridError, match="unknown input format"):
        list(iter_input_rows(tmp_path / "c.txt"))
    with pytest.raises(HybridError, match="not a regular file"):
        list(iter_input_rows(tmp_path))


# ------------------------------------------------------------------------------------ Ray engine
# Installed in every Ray worker of the test session: while CRASH_FILE exists, a solve whose task's
# query is the file's text kills its process, as a crash in native code would.
_CRASH_HOOK = """
import os

def setup():
    import hybrid.pipeline as p
    real, path = p.solve, os.environ["HYBRID_TEST_CRASH_FILE"]

    def solve(task, **kw):
        if os.path.exists(path) and getattr(task, "query", None) == open(path).read():
            os._exit(70)
        return real(task, **kw)

    p.solve = solve
"""


@pytest.fixture(scope="module")
def ray_local(tmp_path_factory):
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    if ray.is_initialized():
        pytest.skip("Ray is already initialised in this process; these tests start their own")
    hook = tmp_path_factory.mktemp("hook")
    (hook / "hybrid_test_crash_hook.py").write_text(_CRASH_HOOK)
    crash = hook / "crash.txt"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             runtime_env={"env_vars": {"PYTHONPATH": str(hook), "HYBRID_TEST_CRASH_FILE": str(crash)},
                          "worker_process_setup_hook": "hybrid_test_crash_hook.setup"})
    yield crash
    ray.shutdown()


def test_ray_actor_that_dies_costs_one_row(ray_local, full_local, some_rows, tmp_path):
    """An actor killed (as by a crash in native code) on one row: Ray restarts it and retries the
    shard, and the crash log turns that row alone into an error record."""
    victim = hybrid.parse(some_rows[70].prompt).query
    ray_local.write_text(victim)
    try:
        out = tmp_path / "run"
        s = run(_write_csv(tmp_path / "in.csv", some_rows[:120]), out, engine="ray", workers=2, shard_rows=60)
    finally:
        ray_local.unlink()
    assert sorted(s.finished) == [0, 1]
    got = _strip(iter_results(out))
    dead = [i for i, r in enumerate(got) if r["error"]]
    assert 70 in dead and all(hybrid.parse(some_rows[i].prompt).query == victim for i in dead)
    assert all(got[i]["error_type"] == "InternalError" and "died" in got[i]["error"] for i in dead)
    assert [r for i, r in enumerate(got) if i not in dead] == [r for i, r in enumerate(full_local[:120])
                                                                if i not in dead]
    assert Ledger(out).entries()[1]["crashed_rows"] == [10]


def test_ray_gives_the_local_records_and_resumes_by_shard(ray_local, rows_csv, full_local, tmp_path):
    out = tmp_path / "run"
    first = run(rows_csv, out, engine="ray", workers=2, shard_rows=60, max_shards=2)
    assert sorted(first.finished) == [0, 1] and first.pending == 4
    before = _files(out)
    entries = Ledger(out).entries()
    assert {e["engine"] for e in entries.values()} == {"ray"}
    assert all(e["worker"]["pid"] != os.getpid() for e in entries.values())  # solved in actors
    second = run(rows_csv, out, engine="ray", workers=2, shard_rows=60, resume=True)
    assert second.skipped == 2 and sorted(second.finished) == [2, 3, 4, 5]
    after = _files(out)
    assert {k: after[k] for k in before} == before  # the finished shards' files were not rewritten
    assert _strip(iter_results(out)) == full_local  # same per-row records as the local engine


def test_solve_many_ray_matches_local(ray_local, some_rows):
    items = [r.prompt for r in some_rows[:120]]
    items[5] = "not a puzzle"
    items[7] = hybrid.Task.from_pairs("numeral", [("4", "IV")], "9")
    local = hybrid.solve_many(items)
    remote = hybrid.solve_many(items, engine="ray", workers=2)
    assert len(remote) == len(local)
    for a, b in zip(local, remote):
        if isinstance(a, Exception):
            assert type(a) is type(b) and str(a) == str(b)
        else:
            assert isinstance(b, hybrid.Solution)
            assert (a.answer, a.status, a.proof, a.rule, a.n_consistent) == (b.answer, b.status, b.proof, b.rule,
                                                                            b.n_consistent)
    assert remote[7].answer == "IX"


def test_cli_eval_engine_ray(ray_local, rows_csv, capsys):
    from hybrid.cli import main

    assert main(["eval", str(rows_csv), "--json", "--no-progress"]) == 0
    local = json.loads(capsys.readouterr().out)
    assert main(["eval", str(rows_csv), "--engine", "ray", "--workers", "2", "--shard-rows", "100", "--json"]) == 0
    remote = json.loads(capsys.readouterr().out)
    for key in ("rows", "correct", "errors", "status", "correct_by_status"):
        assert remote["total"][key] == local["total"][key]


def test_ray_generate_and_traces_match_local(ray_local, traces_csv, tmp_path):
    """Generation on Ray is the local file byte for byte; trace export on Ray gives the local
    traces. (Grading runs through the same shard worker, tested on the local engine above.)"""
    from hybrid.data import read_csv
    from hybrid.engine import export_traces_run
    from hybrid.engine.generating import generate_run

    want = _gen_local(tmp_path / "a.jsonl", GEN_FAMILIES, 9, seed=1)
    s = generate_run(GEN_FAMILIES, 9, tmp_path / "b.jsonl", seed=1, engine="ray", workers=2, shard_rows=5)
    assert s.shards == 6 and (tmp_path / "b.jsonl").read_bytes() == want
    small = _write_csv(tmp_path / "t.csv", read_csv(traces_csv)[:40])
    local, st = _local_traces(small)
    recs, st2, s = export_traces_run(small, None, engine="ray", workers=2, shard_rows=20)
    assert s.shards == 2 and recs == local and st2.to_dict() == st.to_dict()


# ------------------------------------------------------------------------------------ the benchmark
def test_bench_scaling_model_and_a_tiny_run(dev_rows, tmp_path):
    from benchmarks.bench_scaling import break_even, main, model

    run_ = {"rows": 1000, "staging_s": 0.1, "steady_s": 0.9, "process_s": 3.0}
    m = model(run_)
    assert m["a_ms"] == 1.0 and m["F_s"] == 2.0  # T(N) = F + N * a reproduces the run
    assert break_even({"F_s": 1.0, "a_ms": 1.0}, {"F_s": 11.0, "a_ms": 0.5}) == pytest.approx(20_000)
    assert break_even({"F_s": 1.0, "a_ms": 0.5}, {"F_s": 11.0, "a_ms": 0.5}) is None
    src = _write_csv(tmp_path / "in.csv", dev_rows[:300])
    out = tmp_path / "b.md"
    assert main(["--input", str(src), "--configs", "local1", "--shard-rows", "100", "--trace-rows", "50",
                 "--family-rows", "3", "--kill-resume", "local2", "--out", str(out)]) == 0
    text = out.read_text()
    assert "| local, 1 process | 300 |" in text and "Trace export" in text
    assert "| numeral | 3 |" in text and "Shards finished before the kill that the resumed run did again: **0**" in text
    assert "the killed-and-resumed local2 run vs local, 1 process: 300 per-row records compared" in text


def test_bench_scaling_generated_input(tmp_path):
    from benchmarks.bench_scaling import make_generated_csv, split_rows

    assert split_rows(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    assert sum(split_rows(200_000, {"x": 1202, "y": 617, "z": 549}).values()) == 200_000
    per = make_generated_csv(40, tmp_path / "g.csv", seed=3, mix={"numeral": 3, "cipher": 1})
    rows = list(iter_input_rows(tmp_path / "g.csv"))
    assert per == {"numeral": 30, "cipher": 10} and len(rows) == 40
    assert sorted(r["id"] for r in rows) == sorted([f"numeral-3-{i}" for i in range(30)] +
                                                   [f"cipher-3-{i}" for i in range(10)])
    assert {r["id"].split("-")[0] for r in rows[:12]} == {"numeral", "cipher"}  # interleaved, not in blocks
