"""``hybrid grade``: the library's own traces grade as ``hybrid.solve`` scores them, every line
re-verifies, and deliberately corrupted traces are caught (no torch needed)."""

from __future__ import annotations

import json

import pytest

import hybrid
from hybrid.cli import main
from hybrid.data import sample_csv
from hybrid.model.grade import grade, plot_first_false
from hybrid.model.grammar import audit_trace
from hybrid.model.traces import TraceStats, iter_records, record_task

SAMPLE = str(sample_csv())


@pytest.fixture(scope="module")
def exported(sample_tasks):
    st = TraceStats()
    recs = list(iter_records(sample_tasks, statuses=("deduced", "ambiguous", "guessed"), time_limit=2.0, stats=st,
                             wrong="keep"))
    return recs, st


def test_every_line_of_every_exported_trace_is_true(exported, sample_tasks):
    recs, st = exported
    assert st.written == len(recs) == st.reverified
    assert st.lines == st.lines_true > 10 * len(recs)
    assert {r["family"] for r in recs} == {t.family for t in sample_tasks}
    for r in recs:
        asst = r["messages"][-1]["content"]
        assert asst.split("\n")[0].startswith("Try 1: ")


def test_grade_of_own_traces_equals_solve_accuracy(exported, sample_tasks):
    recs, _ = exported
    rep = grade([{"id": r["id"], "text": r["messages"][-1]["content"]} for r in recs], SAMPLE, audit=True,
                time_limit=2.0, per_row=True)
    right = sum(hybrid.solve(t, time_limit=2.0).answer == t.meta["answer"] for t in sample_tasks)
    assert rep["overall"]["rows"] == len(recs)
    assert rep["overall"]["strict"] == right
    assert rep["overall"]["trace_ok"] == len(recs)
    assert rep["overall"]["lines"]["false"] == rep["overall"]["lines"]["unparseable"] == 0
    assert rep["overall"]["false_ok"] == 0 and rep["overall"]["ok_checks"] > 0


def _pick(recs, family):
    return next(r for r in recs if r["family"] == family and r["status"] == "deduced"
                and r["answer"] == r["gold"])


def _edit(text, fn):
    lines = text.split("\n")
    return "\n".join(fn(lines))


def _flip_verdict(lines):
    i = next(i for i, s in enumerate(lines) if s.startswith("Check") and s.endswith(" ; fail"))
    lines[i] = lines[i][: -len("fail")] + "ok"
    return lines


def _fake_ok(lines):
    # A check that claims the rule fits an example it does not: value, comparison and verdict all "ok".
    i = next(i for i, s in enumerate(lines) if s.startswith("Check") and s.endswith(" ; fail"))
    f = lines[i].split(" ; ")
    target = f[-2].split(" != ")[1]
    f[-3], f[-2], f[-1] = f"got {target}", f"{target} == {target}", "ok"
    lines[i] = " ; ".join(f)
    return lines


def _bad_arith(lines):
    i = next(i for i, s in enumerate(lines) if s.startswith("Check") and " = " in s.split(" ; ")[2])
    f = lines[i].split(" ; ")
    expr, value = f[2].rsplit(" = ", 1)
    f[2] = f"{expr} = {int(value) + 1}"
    lines[i] = " ; ".join(f)
    return lines


def _wrong_answer(lines):
    a = lines[-1][len("\\boxed{"):-1]
    lines[-1] = "\\boxed{" + ("0" if a != "0" else "1") + a + "}"
    return lines


#: name -> (family, edit, verdict of the edited line or None when a line was removed).
CORRUPTIONS = {
    "wrong verdict": ("equation_numeric", _flip_verdict, "false"),
    "false ok": ("cryptarithm", _fake_ok, "false"),
    "wrong arithmetic": ("equation_numeric", _bad_arith, "false"),
    "wrong answer": ("numeral", _wrong_answer, "false"),
    "extra line": ("cipher", lambda ls: ls[:2] + ["I am sure this is right."] + ls[2:], "unparseable"),
    "no box": ("gravity", lambda ls: ls[:-1], None),
    "missing check": ("bit_manipulation", lambda ls: ls[:1] + ls[2:], None),
    "wrong status": ("numeral", lambda ls: ls[:-2] + [ls[-2].replace("deduced", "ambiguous", 1)] + ls[-1:], "false"),
}


def _changed_line(good: str, bad: str) -> int | None:
    """Index of the one line of ``bad`` that differs from ``good`` (same length), or the inserted
    line; None when lines were only removed."""
    g, b = good.split("\n"), bad.split("\n")
    if len(b) < len(g):
        return None
    return next(i for i in range(len(b)) if i >= len(g) or g[i] != b[i])


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_corrupted_traces_are_caught(exported, name):
    recs, _ = exported
    family, fn, verdict = CORRUPTIONS[name]
    rec = _pick(recs, family)
    task = record_task(rec)
    sol = hybrid.solve(task, time_limit=2.0)
    good = rec["messages"][-1]["content"]
    assert audit_trace(task, good, sol).ok
    bad = _edit(good, fn)
    assert bad != good
    a = audit_trace(task, bad, sol)
    assert not a.ok
    # Exactly the corrupted line is marked, with the expected verdict; every other line stays true.
    at = _changed_line(good, bad)
    marked = {v.n: v.verdict for v in a.lines if v.verdict != "true"}
    if verdict is None:
        assert marked == {} and a.problems  # a removed line shows as a broken structure
    else:
        assert marked == {at: verdict}
    rep = grade([{"id": rec["id"], "text": bad}], SAMPLE, audit=True, time_limit=2.0, per_row=True)
    row = rep["rows"][0]
    assert row["trace_ok"] is False
    # Only a wrong box changes the answer (with no box, the documented Apply-line fallback reads it).
    assert row["strict"] is (name != "wrong answer")
    if name == "wrong answer":
        assert rep["overall"]["strict"] == 0
    assert rep["overall"]["false_ok"] == (1 if name in ("false ok", "wrong verdict") else 0)
    if name == "no box":
        assert row["extraction"] == "apply-line" and rep["overall"]["boxed"] == 0


def test_unknown_rule_lines_are_unparseable_not_true(exported):
    recs, _ = exported
    rec = _pick(recs, "numeral")
    task = record_task(rec)
    text = _edit(rec["messages"][-1]["content"], lambda ls: ["Try 1: some rule I made up"] + ls[1:])
    a = audit_trace(task, text)
    assert not a.ok and a.lines[0].verdict == "unparseable"
    assert all(v.verdict != "true" for v in a.lines if v.kind == "check")


def test_grade_cli_table_json_and_plots(exported, tmp_path, capsys):
    recs, _ = exported
    gen = tmp_path / "gen.jsonl"
    with open(gen, "w") as fh:
        for r in recs:
            fh.write(json.dumps(r) + "\n")  # the chat format, matched by id
        fh.write(json.dumps({"prompt": "not a row", "text": "\\boxed{1}"}) + "\n")
    assert main(["grade", str(gen), "--data", SAMPLE, "--json", "--audit", "--time-limit", "2"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["overall"]["rows"] == len(recs) and rep["unmatched"] == 1
    assert main(["grade", str(gen), "--data", SAMPLE, "--time-limit", "2"]) == 0
    assert "| all |" in capsys.readouterr().out
    assert main(["grade", str(tmp_path / "none.jsonl"), "--data", SAMPLE]) == 2
    pytest.importorskip("matplotlib")
    paths = plot_first_false({"families": {"numeral": {"rows": 2, "first_false_lines": [0, 3]}}}, tmp_path / "p")
    assert len(paths) == 1 and open(paths[0], "rb").read(4) == b"\x89PNG"


# ---------------------------------------------------------------------- grammar version 1
@pytest.fixture(scope="module")
def exported_v1(sample_tasks):
    recs = []
    for t in sample_tasks:
        for r in iter_records([t], statuses=("deduced", "ambiguous", "guessed"), time_limit=2.0, grammar=1):
            recs.append({**r, "id": t.meta["id"]})
    return recs


def test_v1_traces_audit_true_under_grammar_1(exported_v1):
    from hybrid.model.grammar import audit_any, audit_trace_v1

    assert len(exported_v1) >= 15
    for rec in exported_v1:
        task = record_task(rec)
        text = rec["messages"][-1]["content"]
        a = audit_trace_v1(task, text)
        assert a.ok, (a.problems, [v for v in a.lines if v.verdict != "true"])
        assert sum(v.kind == "check" and v.claims_ok for v in a.lines) == len(task.examples)
        assert audit_any(task, text, grammar="auto").ok
        # Under grammar 2 the old layout is not true anywhere.
        assert not any(v.verdict == "true" for v in audit_trace(task, text).lines)


def test_v1_corruptions_are_caught(exported_v1):
    from hybrid.model.grammar import audit_trace_v1

    rec = next(r for r in exported_v1 if r["family"] == "numeral" and len(r["messages"][-1]["content"].split("\n")) >= 5)
    task = record_task(rec)
    lines = rec["messages"][-1]["content"].split("\n")

    def run(new):
        a = audit_trace_v1(task, "\n".join(new))
        return a, {v.n: v.verdict for v in a.lines if v.verdict != "true"}

    # A check line of another example (the claim "ok" is false there): false, counted as a false ok.
    swapped = lines[:1] + [lines[2], lines[1]] + lines[3:]
    a, marked = run(swapped)
    assert marked == {1: "false", 2: "false"} and all(v.claims_ok for v in a.lines if v.kind == "check")
    # A check line the rule does not produce.
    a, marked = run(lines[:1] + [lines[1].replace(" -> ", " -> X", 1)] + lines[2:])
    assert marked == {1: "false"}
    a, marked = run(lines[:-2] + [lines[-2] + "I"] + lines[-1:])  # wrong Apply value
    assert marked == {len(lines) - 2: "false"}
    a, marked = run(lines[:-1] + ["\\boxed{IV}"])
    assert marked == {len(lines) - 1: "false"}
    a, marked = run(["Recall: a rule I made up"] + lines[1:])
    assert marked[0] == "unparseable"
    assert all(v.verdict == "unparseable" for v in a.lines if v.kind in ("check", "apply"))
    a, marked = run(lines[:-1])
    assert marked == {} and not a.ok


def test_grade_grammar_option(exported_v1):
    gens = [{"id": r["id"], "text": r["messages"][-1]["content"]} for r in exported_v1]
    rep = grade(gens, SAMPLE, audit=True, time_limit=2.0, grammar=1)
    assert rep["overall"]["trace_ok"] == len(gens) and rep["overall"]["lines"]["false"] == 0
    assert rep["overall"]["ok_checks"] > 0 and rep["overall"]["false_ok"] == 0
    auto = grade(gens, SAMPLE, audit=True, time_limit=2.0, grammar="auto")
    assert auto["overall"]["lines"] == rep["overall"]["lines"]
    with pytest.raises(hybrid.HybridError, match="grammar"):
        grade(gens, SAMPLE, audit=True, grammar=3)
