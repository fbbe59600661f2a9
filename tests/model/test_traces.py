"""Traces: chat-format records whose every line re-executes (no torch needed)."""

from __future__ import annotations

import json
import os

import pytest

from hybrid import HybridError
from hybrid.model.render import INSTRUCTION
from hybrid.model.traces import TraceStats, check_output_path, export_traces, iter_records, read_records, verify_trace


@pytest.fixture(scope="module")
def records(sample_tasks):
    st = TraceStats()
    recs = list(iter_records(sample_tasks, statuses=("deduced", "ambiguous", "guessed"), time_limit=2.0, stats=st,
                             grammar=1))
    return recs, st


def test_every_exported_trace_reverifies(records):
    recs, st = records
    assert len(recs) >= 15 and st.written == st.reverified == len(recs)
    assert len({r["family"] for r in recs}) >= 5
    for rec in recs:
        ok, why = verify_trace(rec, time_limit=2.0)
        assert ok, why


def test_record_shape_is_chat_format(records):
    for rec in records[0]:
        json.loads(json.dumps(rec))  # plain JSON, as datasets/TRL read it
        roles = [m["role"] for m in rec["messages"]]
        assert roles == ["user", "assistant"]
        assert all(isinstance(m["content"], str) for m in rec["messages"])
        user, asst = (m["content"] for m in rec["messages"])
        assert user.endswith("\n" + INSTRUCTION)
        lines = asst.split("\n")
        assert lines[0].startswith("Recall: ") and lines[-1] == f"\\boxed{{{rec['answer']}}}"
        assert all(line.startswith("Check: ") and line.endswith(": ok") for line in lines[1:-2])


def _tamper(rec, line_no, new):
    lines = rec["messages"][1]["content"].split("\n")
    lines[line_no] = new(lines[line_no])
    return {**rec, "messages": [rec["messages"][0], {"role": "assistant", "content": "\n".join(lines)}]}


def test_false_lines_are_caught(records):
    recs, _ = records
    rec = next(r for r in recs if r["family"] == "numeral")
    # A check line claiming an example the rule does not produce.
    bad = _tamper(rec, 1, lambda s: s.replace(" -> ", " -> X", 1))
    assert verify_trace(bad, time_limit=0)[0] is False
    bad = _tamper(rec, -1, lambda s: "\\boxed{IV}")
    assert verify_trace(bad, time_limit=0)[0] is False
    bad = _tamper(rec, 0, lambda s: s + " (made up)")
    ok, why = verify_trace(bad, time_limit=0)
    assert not ok and "recall line" in why
    lines = rec["messages"][1]["content"].split("\n")
    dropped = {**rec, "messages": [rec["messages"][0], {"role": "assistant", "content": "\n".join(lines[:1] + lines[2:])}]}
    assert verify_trace(dropped, time_limit=0)[0] is False
    assert verify_trace({"messages": []})[0] is False


def test_check_line_verified_on_its_own_example(records, monkeypatch):
    """A rule that fits all examples but one is rejected at that line."""
    recs, _ = records
    rec = next(r for r in recs if r["family"] == "cipher")
    from hybrid.families import get_family

    fam = get_family("cipher")
    real = fam.verify
    calls = []

    def spy(h, task):
        calls.append(len(task.examples))
        return real(h, task) and not (len(task.examples) == 1 and task.examples[0].line == 2)

    monkeypatch.setattr(fam, "verify", spy)
    ok, why = verify_trace(rec, time_limit=0)
    assert calls and set(calls) == {1}
    assert not ok and "check line 2 is false" in why


def test_statuses_filter_and_file_roundtrip(sample_tasks, tmp_path):
    out = tmp_path / "t.jsonl"
    st = export_traces(sample_tasks, out, statuses=("deduced",), time_limit=2.0)
    recs = read_records(out)
    assert len(recs) == st.written and all(r["status"] == "deduced" and r["grammar"] == 2 for r in recs)
    assert st.rows == len(sample_tasks) and st.written + sum(st.skipped.values()) == st.rows
    assert all(verify_trace(r, time_limit=2.0)[0] for r in recs)
    with pytest.raises(HybridError, match="exists"):
        export_traces(sample_tasks[:1], out, force=False)
    with pytest.raises(HybridError, match="overwrite the input"):
        export_traces(sample_tasks[:1], out, inputs=[out])


def test_output_never_overwrites_an_input(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,prompt,answer\n")
    link = tmp_path / "link.jsonl"
    os.link(src, link)  # another name for the same file
    for out in (src, link, tmp_path / "." / "in.csv"):
        with pytest.raises(HybridError, match="overwrite the input"):
            check_output_path(out, [src], force=True)
    check_output_path(tmp_path / "new.jsonl", [src], force=False)


def test_cli_refuses_in_in_and_needs_force(tmp_path, capsys):
    from hybrid.cli import main
    from hybrid.data import sample_csv

    src = tmp_path / "s.csv"
    src.write_bytes(open(sample_csv(), "rb").read())
    before = src.read_bytes()
    assert main(["export-traces", str(src), str(src), "--no-progress", "--family", "numeral"]) == 2
    assert "overwrite the input" in capsys.readouterr().err and src.read_bytes() == before
    out = tmp_path / "o.jsonl"
    out.write_text("keep me\n")
    assert main(["export-traces", str(src), str(out), "--no-progress", "--family", "numeral"]) == 2
    assert "--force" in capsys.readouterr().err and out.read_text() == "keep me\n"
    assert main(["export-traces", str(src), str(out), "--no-progress", "--family", "numeral", "--force",
                 "--val-fraction", "0.5", "--shuffle", "--system", "You solve puzzles."]) == 0
    train, val = read_records(out), read_records(tmp_path / "o.val.jsonl")
    assert len(train) + len(val) == 4 and all(r["messages"][0]["role"] == "system" for r in train + val)
    assert all(verify_trace(r, time_limit=2.0)[0] for r in train + val)


def test_precomputed_solutions_are_used(sample_tasks, monkeypatch):
    import hybrid
    import hybrid.model.traces as traces

    tasks = sample_tasks[:4]
    sols = {t.meta["id"]: hybrid.solve(t, time_limit=2.0) for t in tasks}

    def boom(*a, **k):
        raise AssertionError("solved again")

    monkeypatch.setattr(traces, "solve", boom)
    recs = list(iter_records(tasks, statuses=("deduced", "ambiguous", "guessed"), wrong="keep", solutions=sols))
    assert [r["answer"] for r in recs] == [sols[t.meta["id"]].answer for t in tasks]


def test_streaming_export_matches_the_in_memory_split(tmp_path):
    """``write_split`` (the streaming export) writes exactly what ``split_records`` + ``write_records``
    write, and ``iter_shaped`` is lazy: it pulls records one at a time (an endless source works)."""
    import itertools

    import hybrid
    from hybrid.model.traces import iter_records, iter_shaped, split_records, write_records, write_split

    fam = hybrid.get_family("numeral")
    import random

    tasks = [fam.generate(random.Random(i)).task for i in range(40)]
    tasks = [hybrid.Task(family=t.family, examples=t.examples, query=t.query,
                         meta={"answer": hybrid.solve(t).answer}, prompt=fam.render_prompt(t)) for t in tasks]
    recs = list(iter_records(tasks))
    assert len(recs) == 40
    train, val = split_records(recs, 0.3, seed=5)
    assert train and val
    write_records(tmp_path / "a.jsonl", train)
    write_records(tmp_path / "a.val.jsonl", val)
    counts = write_split(iter(recs), tmp_path / "b.jsonl", tmp_path / "b.val.jsonl", 0.3, seed=5)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert (tmp_path / "a.val.jsonl").read_bytes() == (tmp_path / "b.val.jsonl").read_bytes()
    assert counts["train"] == len(train) and counts["val"] == len(val) and counts["by_family"] == {"numeral": 40}

    endless = itertools.cycle(recs)
    first = list(itertools.islice(iter_shaped(endless, max_chars=10**6), 3))
    assert first == recs[:3]
