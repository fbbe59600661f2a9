"""Generate traces with a trained model, for ``hybrid grade``.

The model reads a task exactly as ``train-recall --traces`` showed it one (``items_from_traces``:
``[system + "\\n"] + user message + "\\n"`` after the BOS token) and writes greedily (no sampling,
so a run is reproducible) until its EOS token or ``max_new_tokens``. Prompts are batched with left
padding; the result does not depend on the batch size (``tests/model/test_generate.py``).

    hybrid generate-traces MODEL CSV OUT.jsonl [--split heldout] [--limit N] [--family F ...]
                           [--max-new-tokens N] [--batch N] [--system TEXT] [--instruction TEXT]

``MODEL`` is what ``--recaller lm:`` takes (a model directory, a ``train-recall`` output, with
``,adapter=DIR`` / ``,dtype=`` / ``,device_map=`` / ``,device=`` options). Each output line is
``{"id", "family", "prompt", "text"}``, the form ``hybrid grade`` reads.
"""

from __future__ import annotations

from ..task import Task
from .render import INSTRUCTION, prompt_text

__all__ = ["generation_context", "generate_texts", "generate_for_tasks"]


def generation_context(task: Task, instruction: str = INSTRUCTION, system: str | None = None) -> str:
    """The text a trace-trained model reads before it writes (as in ``items_from_traces``)."""
    user = f"{prompt_text(task)}\n{instruction}"
    return (system + "\n" if system else "") + user + "\n"


def generate_texts(model, tokenizer, contexts, *, max_new_tokens: int = 512, max_length: int | None = None,
                   batch_size: int = 8, device=None) -> list[str]:
    """Greedy continuations of ``contexts`` (strings), decoded without special tokens.

    ``max_length`` caps context + continuation (tokens): a context is cut from the left (after BOS)
    so that ``max_new_tokens`` still fit, and ``max_new_tokens`` is lowered when the cap is smaller.
    """
    import torch

    cfg = getattr(model, "config", None)
    limit = max_length or getattr(cfg, "max_position_embeddings", None) or 2048
    new = max(1, min(int(max_new_tokens), limit - 2))
    bos, eos = tokenizer.bos_token_id, tokenizer.eos_token_id
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else (eos if eos is not None else 0)
    device = device or next(model.parameters()).device
    encoded = []
    for text in contexts:
        ids = ([bos] if bos is not None else []) + list(tokenizer(text, add_special_tokens=False)["input_ids"])
        keep = limit - new
        if len(ids) > keep:
            ids = ids[:1] + ids[len(ids) - keep + 1:]
        encoded.append(ids)
    out = [""] * len(encoded)
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            width = max(len(encoded[i]) for i in idx)
            ids = torch.full((len(idx), width), pad, dtype=torch.long)
            mask = torch.zeros((len(idx), width), dtype=torch.long)
            for r, i in enumerate(idx):
                ids[r, width - len(encoded[i]):] = torch.tensor(encoded[i])
                mask[r, width - len(encoded[i]):] = 1
            got = model.generate(input_ids=ids.to(device), attention_mask=mask.to(device), max_new_tokens=new,
                                 do_sample=False, num_beams=1, eos_token_id=eos, pad_token_id=pad)
            for r, i in enumerate(idx):
                seq = got[r, width:].tolist()
                if eos is not None and eos in seq:
                    seq = seq[:seq.index(eos)]
                out[i] = tokenizer.decode(seq, skip_special_tokens=True)
    return out


def generate_for_tasks(recaller, tasks, *, max_new_tokens: int = 512, batch_size: int = 8,
                       instruction: str = INSTRUCTION, system: str | None = None) -> list[dict]:
    """``[{"id", "family", "prompt", "text"}]``: one greedy generation per task by the model of an
    ``LMRecaller`` (``LMRecaller.from_spec(SPEC)``: model, tokenizer, device and length cap)."""
    texts = generate_texts(recaller.model, recaller.tokenizer,
                           [generation_context(t, instruction, system) for t in tasks],
                           max_new_tokens=max_new_tokens, max_length=recaller.max_length, batch_size=batch_size,
                           device=recaller.device)
    return [{"id": t.meta.get("id"), "family": t.family, "prompt": prompt_text(t), "text": text}
            for t, text in zip(tasks, texts, strict=True)]
