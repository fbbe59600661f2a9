"""train-recall: LoRA adapter round trip (rank <= 32, loads with peft), resume, and that it learns."""

from __future__ import annotations

import json
import os

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
peft = pytest.importorskip("peft")

from hybrid import HybridError  # noqa: E402
from hybrid.model.recaller import LMRecaller  # noqa: E402
from hybrid.model.train import TrainItem, train_recall  # noqa: E402

torch.set_num_threads(1)
SMALL = {"hidden": 32, "layers": 1, "heads": 2}


def toy_items():
    """The right candidate is the context's letter doubled; the negative is another letter."""
    out = []
    letters = "abcdef"
    for i, a in enumerate(letters):
        b = letters[(i + 3) % len(letters)]
        out.append(TrainItem(f"[toy]\n? {a}\n", f"Recall: {a}{a}\n", [f"Recall: {b}{b}\n"], "toy"))
    return out


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("run") / "out")
    res = train_recall(toy_items(), out, tiny=True, rank=4, steps=40, base_steps=80, lr=1e-2, base_lr=1e-2,
                       batch_size=6, checkpoint_every=20, max_length=64, progress=False, tiny_kwargs=SMALL)
    return out, res


def test_adapter_loads_with_peft_and_rank_at_most_32(trained):
    out, res = trained
    adapter = os.path.join(out, "adapter")
    cfg = json.load(open(os.path.join(adapter, "adapter_config.json")))
    assert res["finished"] and cfg["r"] == 4 <= 32 and cfg["peft_type"] == "LORA"
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(os.path.join(out, "base"), local_files_only=True)
    model = peft.PeftModel.from_pretrained(base, adapter, local_files_only=True)
    lora = [n for n, _ in model.named_parameters() if "lora_A" in n]
    assert lora, "the adapter holds LoRA weights"


def test_training_learns_the_ranking_and_spec_forms_agree(trained):
    out, _ = trained
    rec = LMRecaller.from_spec(out)  # hybrid_recall.json names base and adapter
    explicit = LMRecaller.from_spec(f"{out}/base,adapter={out}/adapter")
    right = 0
    for it in toy_items():
        s = rec.score_texts(it.context, [it.target] + it.negatives)
        assert s == pytest.approx(explicit.score_texts(it.context, [it.target] + it.negatives), abs=1e-4)
        right += s[0] > s[1]
    assert right == len(toy_items())
    assert rec.context == "compact"


def test_resume_continues_from_the_checkpoint(tmp_path):
    out = str(tmp_path / "r")
    kw = dict(tiny=True, rank=2, base_steps=0, batch_size=2, checkpoint_every=2, max_length=64, progress=False,
              tiny_kwargs=SMALL)
    first = train_recall(toy_items(), out, steps=4, max_minutes=1e-9, **kw)  # stops at once: budget spent
    assert not first["finished"]
    train_recall(toy_items(), out, steps=2, **kw)
    done = train_recall(toy_items(), out, steps=4, **kw)
    log = [json.loads(x) for x in open(os.path.join(out, "train_log.jsonl"))]
    resumed = [x for x in log if x.get("event") == "resumed"]
    assert done["finished"] and resumed and resumed[-1]["step"] == 2
    # Only steps 3 and 4 ran in the last call.
    last = log[max(i for i, x in enumerate(log) if x.get("event") == "resumed"):]
    assert [x["step"] for x in last if "loss" in x] == [4]


def test_bad_arguments(tmp_path):
    with pytest.raises(HybridError, match="rank"):
        train_recall(toy_items(), str(tmp_path / "a"), tiny=True, rank=64)
    with pytest.raises(HybridError, match="no training items"):
        train_recall([], str(tmp_path / "b"), tiny=True)
    with pytest.raises(HybridError, match="local model directory"):
        train_recall(toy_items(), str(tmp_path / "c"), base=str(tmp_path / "nope"))


def test_planted_pickle_checkpoint_is_refused_not_run(tmp_path):
    """A checkpoint that unpickles code must not run it (torch.load(weights_only=True))."""
    import pickle

    out = tmp_path / "p"
    out.mkdir()
    flag = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(flag), "w"))

    with open(out / "checkpoint-lora.pt", "wb") as fh:
        pickle.dump({"params": {}, "optim": Evil(), "step": 1}, fh)
    with pytest.raises(HybridError, match="not a plain checkpoint"):
        train_recall(toy_items(), str(out), tiny=True, rank=2, steps=2, base_steps=0, batch_size=2,
                     max_length=64, progress=False, tiny_kwargs=SMALL)
    assert not flag.exists()


def test_validation_loss_is_logged(tmp_path):
    out = str(tmp_path / "v")
    train_recall(toy_items(), out, tiny=True, rank=2, steps=4, base_steps=0, batch_size=2, checkpoint_every=2,
                 max_length=64, progress=False, tiny_kwargs=SMALL, val_items=toy_items()[:2])
    log = [json.loads(x) for x in open(os.path.join(out, "train_log.jsonl"))]
    vals = [x for x in log if "val_loss" in x]
    assert [x["step"] for x in vals] == [2, 4] and all(x["val_loss"] > 0 for x in vals)
