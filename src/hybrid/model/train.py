"""``train-recall``: LoRA fine-tuning (peft) of a local causal LM to recall the right candidate.

Training items are ``(context, target, negatives)`` texts:

* from exported traces: context = the user message, target = the whole assistant trace;
* from labelled rows (``pairs``): context = the task (``compact`` or ``prompt`` style), target = the
  recall line of the candidate that verifies and gives the labelled answer, negatives = recall
  lines of other candidates, consistent-but-wrong ones first.

The loss is the target's mean token NLL, plus, when negatives exist, a ranking term: the softmax
cross-entropy of the target among its negatives, each scored by its summed log-likelihood, which
is exactly the score ``LMRecaller`` ranks by.

``--tiny`` builds the base model here (a small Llama config plus a character-level tokenizer made
from the training texts) and, since a random base has nothing for an adapter to adapt, first
trains that base in full for ``base_steps`` before the LoRA stage. Each stage checkpoints its
trainable weights, optimizer and step every ``checkpoint_every`` steps and resumes from there.
Batches are drawn from a generator seeded by the step number, so a resumed run draws the same
batches as an uninterrupted one.

Output directory::

    OUT/base/             the tiny base model and tokenizer (``--tiny`` only)
    OUT/adapter/          the LoRA adapter (adapter_config.json + weights), loadable with peft
    OUT/hybrid_recall.json  {"base": ..., "adapter": "adapter", "context": ...}: ``lm:OUT`` loads both
    OUT/train_log.jsonl   one line per logged step (stage, step, loss)
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from dataclasses import dataclass, field

from ..errors import HybridError
from ..families import get_family
from ..recall import PriorRecaller, rank
from .recaller import RECALL_CONFIG
from .render import candidate_text, context_text

__all__ = ["TrainItem", "items_from_tasks", "items_from_traces", "build_tiny", "train_recall", "MAX_RANK"]

MAX_RANK = 32


@dataclass
class TrainItem:
    context: str
    target: str
    negatives: list = field(default_factory=list)
    family: str = ""
    #: End the target with the tokenizer's EOS token.
    eos: bool = False


# ---------------------------------------------------------------------- data
def _consistent(fam, task, hyps):
    """Consistency flag per hypothesis, trusting bulk-matched candidates as the pipeline does."""
    if fam.candidates_verified:
        return [True] * len(hyps)
    return [bool(fam.verify(h, task)) for h in hyps]


def items_from_tasks(tasks, *, context: str = "compact", negatives: int = 3, min_candidates: int = 2,
                     max_candidates: int = 512) -> list[TrainItem]:
    """(task -> verified correct candidate) pairs, with ranked negatives, from labelled tasks.

    Only tasks with at least ``min_candidates`` recalled candidates are used: with one candidate
    there is nothing to rank. Tasks whose correct answer no recalled candidate gives are skipped
    (the search fallback is not run here).
    """
    prior = PriorRecaller()
    out = []
    for task in tasks:
        gold = task.meta.get("answer")
        fam = get_family(task.family)
        hyps = fam.candidates(task)
        hyps = getattr(hyps, "hypotheses", hyps)
        if len(hyps) < max(1, min_candidates) or gold is None:
            continue
        hyps = rank(prior, task, hyps)[:max_candidates]
        ok = _consistent(fam, task, hyps)
        answers = [fam.apply(h, task) if c else None for h, c in zip(hyps, ok, strict=True)]
        good = [i for i, (c, a) in enumerate(zip(ok, answers, strict=True)) if c and a == gold]
        if not good:
            continue
        pos = good[0]
        hard = [i for i, (c, a) in enumerate(zip(ok, answers, strict=True)) if c and a != gold]
        soft = [i for i, c in enumerate(ok) if not c]
        neg = (hard + soft)[:negatives]
        out.append(TrainItem(context_text(task, context), candidate_text(task, hyps[pos]),
                             [candidate_text(task, hyps[i]) for i in neg], task.family))
    return out


def items_from_traces(records, eos: bool = True) -> list[TrainItem]:
    """Exported trace records: [system +] user message -> assistant trace (context style ``prompt``).

    With ``eos`` the target ends with the tokenizer's EOS token, so a trained model learns to stop
    after the box."""
    out = []
    for i, rec in enumerate(records, 1):
        msgs = rec.get("messages") if isinstance(rec, dict) else None
        roles = {m.get("role"): m.get("content") for m in msgs or () if isinstance(m, dict)}
        user, assistant = roles.get("user"), roles.get("assistant")
        if not isinstance(user, str) or not isinstance(assistant, str):
            raise HybridError(f"trace record {i}: expected messages with a user and an assistant turn")
        system = roles.get("system")
        ctx = (system + "\n" if isinstance(system, str) and system else "") + user + "\n"
        out.append(TrainItem(ctx, assistant + "\n", [], rec.get("family", ""), eos=eos))
    return out


# ---------------------------------------------------------------------- model
def build_tiny(out_dir: str, texts, *, hidden: int = 128, layers: int = 2, heads: int = 4,
               max_positions: int = 1024, seed: int = 0) -> str:
    """Save a small randomly initialised Llama model and a char tokenizer built from ``texts``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    from .tokenizer import build_char_tokenizer

    tok = build_char_tokenizer(texts)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=hidden, intermediate_size=hidden * 2,
                      num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=heads,
                      max_position_embeddings=max_positions, tie_word_embeddings=True,
                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(cfg)
    os.makedirs(out_dir, exist_ok=True)
    model.save_pretrained(out_dir)
    tok.save_pretrained(out_dir)
    return out_dir


def _encode(tokenizer, item_ctx: str, target: str, max_length: int, eos: bool = False):
    ids_c = list(tokenizer(item_ctx, add_special_tokens=False)["input_ids"])
    ids_t = list(tokenizer(target, add_special_tokens=False)["input_ids"])
    if eos and tokenizer.eos_token_id is not None:
        ids_t.append(tokenizer.eos_token_id)
    ids_t = ids_t[: max_length - 1]
    b = tokenizer.bos_token_id
    ctx = ([b] if b is not None else []) + ids_c
    keep = max_length - len(ids_t)
    if len(ctx) > keep:
        ctx = ctx[:1] + ctx[len(ctx) - keep + 1:]
    return ctx, ids_t


def _seq_logprobs(model, tokenizer, pairs, max_length: int, device, eos=None):
    """Summed target log-probabilities and target lengths for (context, target) pairs, one batch."""
    import torch

    eos = eos or [False] * len(pairs)
    enc = [_encode(tokenizer, c, t, max_length, e) for (c, t), e in zip(pairs, eos, strict=True)]
    width = max(len(c) + len(t) for c, t in enc)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    ids = torch.full((len(enc), width), pad, dtype=torch.long)
    mask = torch.zeros_like(ids)
    tmask = torch.zeros_like(ids, dtype=torch.float32)
    for r, (c, t) in enumerate(enc):
        full = c + t
        ids[r, :len(full)] = torch.tensor(full)
        mask[r, :len(full)] = 1
        tmask[r, len(c):len(full)] = 1.0
    ids, mask, tmask = ids.to(device), mask.to(device), tmask.to(device)
    pos = (mask.cumsum(1) - 1).clamp(min=0)
    logits = model(input_ids=ids, attention_mask=mask, position_ids=pos).logits[:, :-1].float()
    logp = torch.log_softmax(logits, dim=-1).gather(2, ids[:, 1:].unsqueeze(2)).squeeze(2)
    tm = tmask[:, 1:]
    return (logp * tm).sum(1), tm.sum(1)


def _loss(model, tokenizer, items, max_length, device, rank_weight: float):
    import torch

    pairs, groups, eos = [], [], []
    for it in items:
        start = len(pairs)
        pairs.append((it.context, it.target))
        pairs += [(it.context, n) for n in it.negatives]
        eos += [it.eos] * (1 + len(it.negatives))
        groups.append((start, len(pairs)))
    sums, lens = _seq_logprobs(model, tokenizer, pairs, max_length, device, eos)
    pos = torch.tensor([g[0] for g in groups], device=sums.device)
    lm = -(sums[pos] / lens[pos].clamp(min=1)).mean()
    ranked = [g for g in groups if g[1] - g[0] > 1]
    if not ranked or rank_weight <= 0:
        return lm, float(lm.detach())
    ce = torch.stack([-torch.log_softmax(sums[a:b], 0)[0] for a, b in ranked]).mean()
    loss = lm + rank_weight * ce
    return loss, float(loss.detach())


def _val_loss(model, tokenizer, items, max_length, device, rank_weight, batch_size) -> float:
    """Mean loss over ``items`` (no gradient), in batches; the model is left in train mode."""
    import torch

    model.eval()
    total, n = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(items), batch_size):
            batch = items[i:i + batch_size]
            _, value = _loss(model, tokenizer, batch, max_length, device, rank_weight)
            total += value * len(batch)
            n += len(batch)
    model.train()
    return total / max(1, n)


def _run_stage(model, tokenizer, items, *, stage: str, steps: int, lr: float, batch_size: int, out_dir: str,
               checkpoint_every: int, resume: bool, seed: int, rank_weight: float, max_length: int, device,
               progress: bool, deadline: float | None, log, val_items=None) -> int:
    """Train the model's trainable parameters for ``steps`` steps; returns the step reached."""
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    ckpt = os.path.join(out_dir, f"checkpoint-{stage}.pt")
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    step = 0
    if resume and os.path.isfile(ckpt):
        try:
            # weights_only: a checkpoint is tensors, numbers and dicts; never unpickle code.
            state = torch.load(ckpt, map_location=device, weights_only=True)
        except Exception as exc:  # noqa: BLE001 - UnpicklingError and friends
            raise HybridError(f"{ckpt}: not a plain checkpoint (refused to load it: {type(exc).__name__}); "
                              "delete it or pass --no-resume") from None
        named = dict(model.named_parameters())
        with torch.no_grad():
            for n, v in state["params"].items():
                named[n].copy_(v)
        opt.load_state_dict(state["optim"])
        step = int(state["step"])
        log({"stage": stage, "event": "resumed", "step": step})

    def save():
        named = dict(model.named_parameters())
        tmp = ckpt + ".tmp"
        torch.save({"params": {n: named[n].detach().cpu() for n in names}, "optim": opt.state_dict(),
                    "step": step}, tmp)
        os.replace(tmp, ckpt)

    bar = None
    if progress and step < steps:
        from tqdm import tqdm

        bar = tqdm(total=steps, initial=step, desc=stage, unit="step", dynamic_ncols=True)
    model.train()
    warmup = max(1, steps // 20)
    ema = None
    while step < steps:
        if deadline is not None and time.monotonic() > deadline:
            log({"stage": stage, "event": "time budget reached", "step": step})
            break
        rng = random.Random(seed * 1_000_003 + step)
        batch = [items[rng.randrange(len(items))] for _ in range(batch_size)]
        # Linear warmup then cosine decay, a function of the step alone so resuming is exact.
        scale = min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * step / max(1, steps)))
        for g in opt.param_groups:
            g["lr"] = lr * max(scale, 0.05)
        loss, value = _loss(model, tokenizer, batch, max_length, device, rank_weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        ema = value if ema is None else 0.95 * ema + 0.05 * value
        if bar:
            bar.update(1)
            bar.set_postfix(loss=f"{ema:.4f}")
        if step % 10 == 0 or step == steps:
            log({"stage": stage, "step": step, "loss": round(value, 5), "loss_ema": round(ema, 5)})
        if val_items and (step % checkpoint_every == 0 or step == steps):
            log({"stage": stage, "step": step, "val_loss": round(_val_loss(model, tokenizer, val_items, max_length,
                                                                          device, rank_weight, batch_size), 5)})
        if step % checkpoint_every == 0 or step == steps:
            save()
    if bar:
        bar.close()
    model.eval()
    return step


def train_recall(items, out_dir: str, *, base: str | None = None, tiny: bool = False, rank: int = 8,
                 alpha: int | None = None, dropout: float = 0.0, target_modules=None, steps: int = 300,
                 base_steps: int = 0, lr: float = 3e-3, base_lr: float = 3e-3, batch_size: int = 8,
                 rank_weight: float = 1.0, context: str = "compact", checkpoint_every: int = 50,
                 resume: bool = True, seed: int = 0, max_length: int = 1024, max_minutes: float | None = None,
                 threads: int | None = None, progress: bool = True, tiny_kwargs: dict | None = None,
                 val_items=None, dtype: str | None = None) -> dict:
    """Train a LoRA adapter (rank <= 32) on ``items`` and write it under ``out_dir/adapter``.

    ``val_items`` (optional) are scored without gradient at every checkpoint; the mean loss is
    logged as ``val_loss`` in ``train_log.jsonl``. ``dtype`` (``float32``/``bfloat16``/``float16``)
    is the base model's load dtype."""
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not 1 <= rank <= MAX_RANK:
        raise HybridError(f"--rank must be between 1 and {MAX_RANK}, got {rank}")
    if not items:
        raise HybridError("no training items: nothing to learn from (check the families and the split)")
    if not tiny and not (base and os.path.isdir(base)):
        raise HybridError(f"--base {base!r} is not a local model directory (use --tiny to build one)")
    if threads:
        torch.set_num_threads(int(threads))
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    deadline = time.monotonic() + 60.0 * max_minutes if max_minutes else None
    log_path = os.path.join(out_dir, "train_log.jsonl")
    t0 = time.monotonic()

    def log(rec):
        rec = {**rec, "seconds": round(time.monotonic() - t0, 1)}
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec) + "\n")

    base_rel = None
    if tiny:
        base = os.path.join(out_dir, "base")
        base_rel = "base"
        if not os.path.isfile(os.path.join(base, "config.json")):
            texts = [it.context + it.target + "".join(it.negatives) for it in [*items, *(val_items or [])]]
            build_tiny(base, texts, max_positions=max_length, seed=seed, **(tiny_kwargs or {}))
            log({"event": "built tiny base", "dir": base})
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    from .recaller import torch_dtype

    model = AutoModelForCausalLM.from_pretrained(base, local_files_only=True, torch_dtype=torch_dtype(dtype)).to(device)
    cfg = model.config
    max_length = int(min(max_length, getattr(cfg, "max_position_embeddings", None) or max_length))
    common = dict(tokenizer=tokenizer, items=items, batch_size=batch_size, out_dir=out_dir,
                  checkpoint_every=checkpoint_every, resume=resume, seed=seed, rank_weight=rank_weight,
                  max_length=max_length, device=device, progress=progress, deadline=deadline, log=log,
                  val_items=list(val_items or []))
    done_marker = os.path.join(base, "base_trained.json")
    if tiny and base_steps > 0 and not os.path.isfile(done_marker):
        reached = _run_stage(model, stage="base", steps=base_steps, lr=base_lr, **common)
        if reached < base_steps:
            return {"finished": False, "stage": "base", "step": reached, "out": out_dir}
        model.save_pretrained(base)
        with open(done_marker, "w", encoding="utf-8") as fh:
            json.dump({"steps": base_steps}, fh)

    adapter_dir = os.path.join(out_dir, "adapter")
    for p in model.parameters():
        p.requires_grad_(False)
    lcfg = LoraConfig(r=rank, lora_alpha=alpha or 2 * rank, lora_dropout=dropout, task_type="CAUSAL_LM",
                      target_modules=list(target_modules) if target_modules else None)
    try:
        peft_model = get_peft_model(model, lcfg)
    except ValueError as exc:
        raise HybridError(f"cannot attach LoRA ({exc}); pass --target-modules for this architecture") from None
    reached = _run_stage(peft_model, stage="lora", steps=steps, lr=lr, **common)
    peft_model.save_pretrained(adapter_dir)
    # The adapter must point at the base by a path that resolves where it is loaded from.
    acfg_path = os.path.join(adapter_dir, "adapter_config.json")
    with open(acfg_path, encoding="utf-8") as fh:
        acfg = json.load(fh)
    acfg["base_model_name_or_path"] = os.path.abspath(base)
    with open(acfg_path, "w", encoding="utf-8") as fh:
        json.dump(acfg, fh, indent=2, sort_keys=True)
    style = context
    conf = {"base": base_rel or os.path.abspath(base), "adapter": "adapter", "context": style, "rank": rank}
    for d, c in ((out_dir, conf), (adapter_dir, {"context": style})):
        with open(os.path.join(d, RECALL_CONFIG), "w", encoding="utf-8") as fh:
            json.dump(c, fh, indent=2, sort_keys=True)
    trainable = sum(p.numel() for p in peft_model.parameters() if p.requires_grad)
    # Sanity: the adapter we wrote loads back with peft onto the base.
    PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base, local_files_only=True), adapter_dir,
                              local_files_only=True)
    result = {"finished": reached >= steps, "stage": "lora", "step": reached, "out": out_dir,
              "adapter": adapter_dir, "rank": rank, "trainable_params": trainable, "items": len(items),
              "seconds": round(time.monotonic() - t0, 1)}
    log({"event": "saved adapter", **result})
    return result
