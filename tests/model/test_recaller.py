"""LMRecaller on a tiny model built in the test: scoring shapes, batching, the top cap, specs."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("peft")

import hybrid  # noqa: E402
from hybrid import HybridError  # noqa: E402
from hybrid.families.base import Hypothesis  # noqa: E402
from hybrid.model.recaller import LMRecaller  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def rec(tiny_dir):
    return LMRecaller.load(tiny_dir, batch_size=2, device="cpu")


def _reference(rec, context, cont):
    """log P(cont | context) from one unpadded forward pass over the whole sequence."""
    tok = rec.tokenizer
    ctx = [tok.bos_token_id] + tok(context, add_special_tokens=False)["input_ids"]
    c = tok(cont, add_special_tokens=False)["input_ids"]
    ids = torch.tensor([ctx + c])
    with torch.no_grad():
        logp = torch.log_softmax(rec.model(input_ids=ids).logits[0].float(), -1)
    return sum(float(logp[len(ctx) - 1 + j, t]) for j, t in enumerate(c))


def test_scores_match_an_unbatched_reference(rec):
    conts = ["Recall: a\n", "Recall: roman numerals\n", "x", "Recall: letter substitution a->b c->d\n"]
    got = rec.score_texts("[numeral]\n4 -> IV\n? 9\n", conts)
    assert len(got) == len(conts) and all(isinstance(s, float) and math.isfinite(s) for s in got)
    for g, c in zip(got, conts, strict=True):
        assert g == pytest.approx(_reference(rec, "[numeral]\n4 -> IV\n? 9\n", c), abs=1e-3)
        assert g < 0


def test_batch_size_does_not_change_scores(tiny_dir, rec):
    conts = [f"Recall: {w}\n" for w in ("a", "bb", "a much longer candidate text", "c d e", "zz")]
    other = LMRecaller(rec.model, rec.tokenizer, batch_size=1, device="cpu")
    a = rec.score_texts("ctx\n", conts)
    b = other.score_texts("ctx\n", conts)
    assert a == pytest.approx(b, abs=1e-4)


def test_score_one_per_hypothesis_and_top_cap(rec):
    task = hybrid.Task.from_pairs("numeral", [("4", "IV"), ("9", "IX")], "14")
    hyps = [Hypothesis(rule=None, text=f"rule {i}", prior=float(10 - i)) for i in range(6)]
    s = rec.score(task, hyps)
    assert len(s) == 6 and rec.score(task, []) == []
    capped = LMRecaller(rec.model, rec.tokenizer, top=2, device="cpu").score(task, hyps)
    # The LM orders the two best by prior; the rest stay below them, in prior order.
    assert min(capped[:2]) > max(capped[2:])
    assert capped[2] > capped[3] > capped[4] > capped[5]
    assert capped[:2] == pytest.approx(s[:2], abs=1e-4)


def test_long_context_is_cut_from_the_left(rec):
    small = LMRecaller(rec.model, rec.tokenizer, max_length=40, device="cpu")
    s = small.score_texts("y" * 500, ["Recall: z\n"])
    assert len(s) == 1 and math.isfinite(s[0])


def test_solve_with_lm_recaller(rec, sample_tasks):
    for task in sample_tasks[:8]:
        sol = hybrid.solve(task, recaller=rec, time_limit=1.0)
        base = hybrid.solve(task, time_limit=1.0)
        # Ranking never changes which answers are consistent, only their order.
        assert sol.n_consistent == base.n_consistent
        if base.status == "deduced":
            assert sol.answer == base.answer


def test_spec_errors_and_no_download(tmp_path):
    with pytest.raises(HybridError, match="not a local directory"):
        LMRecaller.from_spec(str(tmp_path / "missing"))
    with pytest.raises(HybridError, match="not a local directory"):
        LMRecaller.from_spec("gpt2")  # a hub name is refused, never fetched
    with pytest.raises(HybridError, match="unknown option"):
        LMRecaller.from_spec(f"{tmp_path},colour=red")
    with pytest.raises(HybridError, match="integers"):
        LMRecaller.from_spec(f"{tmp_path},batch=many")
    with pytest.raises(HybridError):
        LMRecaller.from_spec("")


def test_spec_options(tiny_dir):
    r = LMRecaller.from_spec(f"{tiny_dir},batch=3,top=5,device=cpu,context=compact")
    assert (r.batch_size, r.top, r.context, r.device.type) == (3, 5, "compact", "cpu")


def test_prior_weight_adds_log_prior(rec):
    task = hybrid.Task.from_pairs("numeral", [("4", "IV")], "9")
    hyps = [Hypothesis(rule=None, text="same text", prior=p) for p in (1.0, 100.0)]
    pure = rec.score(task, hyps)
    assert pure[0] == pytest.approx(pure[1], abs=1e-5)  # equal renderings, equal LM scores
    mixed = LMRecaller(rec.model, rec.tokenizer, prior_weight=1.0, device="cpu").score(task, hyps)
    assert mixed[1] - mixed[0] == pytest.approx(math.log(100.0), abs=1e-3)
    with pytest.raises(HybridError, match="prior takes a number"):
        LMRecaller.from_spec("/tmp,prior=high")


def test_dtype_option(tiny_dir, rec):
    r = LMRecaller.from_spec(f"{tiny_dir},dtype=float32,device=cpu")
    assert next(r.model.parameters()).dtype == torch.float32
    assert r.score_texts("ctx\n", ["Recall: a\n"]) == pytest.approx(rec.score_texts("ctx\n", ["Recall: a\n"]), abs=1e-5)
    with pytest.raises(HybridError, match="dtype"):
        LMRecaller.from_spec(f"{tiny_dir},dtype=int3")


CACHE_CONTS = ["x", "Recall: a\n", "Recall: roman numerals\n", "zz", "", "Recall: letter substitution a->b c->d\n",
               "Recall: a\n"]


@pytest.mark.parametrize("batch", [1, 3, 16])
def test_cached_prefix_scores_equal_the_uncached_path(rec, batch, monkeypatch):
    r = LMRecaller(rec.model, rec.tokenizer, batch_size=batch, device="cpu")
    ctx = "[numeral]\n4 -> IV\n? 9\n"
    want = r.score_texts_uncached(ctx, CACHE_CONTS)
    calls = []
    real = r._score_uncached
    monkeypatch.setattr(r, "_score_uncached", lambda c, conts: calls.append(len(conts)) or real(c, conts))
    got = r.score_texts(ctx, CACHE_CONTS)
    assert not calls  # every candidate fits after the context: all scored from the shared cache
    assert got == pytest.approx(want, abs=1e-4)
    assert got[4] == 0.0 and got[1] == pytest.approx(got[-1], abs=1e-5)
    # The prefix cache is not corrupted by earlier batches: scoring again, alone or reversed, agrees.
    assert r.score_texts(ctx, CACHE_CONTS) == pytest.approx(got, abs=1e-5)
    assert r.score_texts(ctx, CACHE_CONTS[::-1]) == pytest.approx(got[::-1], abs=1e-4)
    assert r.score_texts(ctx, [CACHE_CONTS[5]]) == pytest.approx([got[5]], abs=1e-4)


def test_candidates_that_do_not_fit_fall_back_to_the_uncached_path(rec):
    small = LMRecaller(rec.model, rec.tokenizer, max_length=40, device="cpu", batch_size=2)
    ctx = "y" * 30
    conts = ["ab", "a longer candidate that does not fit\n", "c"]
    got = small.score_texts(ctx, conts)
    assert got == pytest.approx(small.score_texts_uncached(ctx, conts), abs=1e-4)
    off = LMRecaller(rec.model, rec.tokenizer, device="cpu", cache=False)
    assert off.score_texts("ctx\n", CACHE_CONTS) == pytest.approx(rec.score_texts("ctx\n", CACHE_CONTS), abs=1e-4)


def test_cache_spec_option(tiny_dir):
    assert LMRecaller.from_spec(f"{tiny_dir},device=cpu").cache is True
    assert LMRecaller.from_spec(f"{tiny_dir},device=cpu,cache=0").cache is False
    with pytest.raises(HybridError, match="cache takes 0 or 1"):
        LMRecaller.from_spec(f"{tiny_dir},cache=yes")
