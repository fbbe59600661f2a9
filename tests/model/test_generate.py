"""Greedy trace generation for ``hybrid grade``: batch-size invariance, the length cap, the CLI."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")

from hybrid.cli import main  # noqa: E402
from hybrid.data import sample_csv  # noqa: E402
from hybrid.model.generate import generate_for_tasks, generate_texts, generation_context  # noqa: E402
from hybrid.model.recaller import LMRecaller  # noqa: E402
from hybrid.model.render import INSTRUCTION  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def rec(tiny_dir):
    return LMRecaller.load(tiny_dir, device="cpu")


def test_context_is_the_training_context(sample_tasks):
    import hybrid
    from hybrid.model.traces import make_record_v2
    from hybrid.model.train import items_from_traces

    t = sample_tasks[0]
    r = make_record_v2(t, hybrid.solve(t, time_limit=2.0), system="Be careful.")
    assert items_from_traces([r])[0].context == generation_context(t, system="Be careful.")
    assert generation_context(t).endswith(INSTRUCTION + "\n")


def test_batching_does_not_change_greedy_text(rec):
    ctxs = ["[numeral]\n4 -> IV\n? 9\n", "a much longer context than the others\n" * 3, "x\n"]
    one = [generate_texts(rec.model, rec.tokenizer, [c], max_new_tokens=12, batch_size=1)[0] for c in ctxs]
    many = generate_texts(rec.model, rec.tokenizer, ctxs, max_new_tokens=12, batch_size=3)
    assert many == one
    assert all(isinstance(t, str) and len(t) <= 12 for t in many)
    # A context longer than the cap is cut from the left; new tokens still fit.
    long = generate_texts(rec.model, rec.tokenizer, ["y" * 600], max_new_tokens=8, max_length=64)
    assert len(long) == 1 and len(long[0]) <= 8


def test_cli_generate_then_grade(tiny_dir, rec, tmp_path, capsys, sample_tasks):
    out = tmp_path / "gen.jsonl"
    assert main(["generate-traces", f"{tiny_dir},device=cpu", str(sample_csv()), str(out), "--split", "all",
                 "--family", "numeral", "--limit", "2", "--max-new-tokens", "8", "--batch", "2"]) == 0
    gens = [json.loads(line) for line in open(out)]
    assert len(gens) == 2 and all(set(g) == {"id", "family", "prompt", "text"} for g in gens)
    assert main(["generate-traces", tiny_dir, str(sample_csv()), str(out), "--split", "all"]) == 2  # exists
    capsys.readouterr()
    assert main(["grade", str(out), "--data", str(sample_csv()), "--audit", "--json", "--time-limit", "2"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["overall"]["rows"] == 2 and rep["unmatched"] == 0
    via_api = generate_for_tasks(rec, [t for t in sample_tasks if t.family == "numeral"][:2],
                                 max_new_tokens=8)
    assert [g["text"] for g in via_api] == [g["text"] for g in gens]
