"""``LMRecaller``: rank a task's candidates by a causal LM's log-likelihood of their rendering.

Each candidate is rendered as the first line of its trace (``render.candidate_text``) and scored
by the sum of its tokens' log-probabilities after the task's context, in batches. Models load
from a local directory only (``local_files_only``), optionally with a peft LoRA adapter; CUDA is
used when present.

Spec strings (``hybrid eval --recaller lm:SPEC``)::

    DIR                         a model directory, or a train-recall output (hybrid_recall.json)
    DIR,adapter=ADAPTER_DIR     base model plus a LoRA adapter
    ...,batch=16,top=64,device=cpu,context=compact   optional settings
    ...,prior=1.0               add W x log(prior) to the LM score (a product of experts; default 0)
    ...,dtype=bfloat16,device_map=auto                 load settings for a big model
    ...,cache=0                 score every candidate with a full forward pass (no shared prefix)

**Shared prompt prefix.** By default the context is run through the model once and its KV cache
(``past_key_values``) is kept; each batch of candidates then runs only its own tokens on a copy of
that cache (the cache is mutated in place by a forward pass, so every batch gets a fresh copy,
repeated to the batch's size). Candidates are right-padded, which causal attention makes harmless.
A candidate that does not fit after the whole context (the context would have to be cut from the
left) is scored by the uncached path, as is every candidate of a model whose forward pass does not
accept a cache. Both paths give the same scores within float tolerance (``tests/model``).
"""

from __future__ import annotations

import copy
import json
import math
import os

from ..errors import HybridError
from ..families.base import Hypothesis
from ..recall import PriorRecaller, Recaller
from ..task import Task
from .render import CONTEXT_STYLES, candidate_text, context_text

__all__ = ["LMRecaller", "RECALL_CONFIG", "torch_dtype"]

DTYPES = ("auto", "float32", "bfloat16", "float16")


def torch_dtype(name: str | None):
    """``None``/``auto`` -> "auto" for ``from_pretrained``; else the torch dtype of that name."""
    if name is None:
        return None
    if name not in DTYPES:
        raise HybridError(f"dtype must be one of {', '.join(DTYPES)}, got {name!r}")
    if name == "auto":
        return "auto"
    import torch

    return getattr(torch, name)

#: Written by ``train-recall`` next to a model or adapter: how it was trained to read tasks.
RECALL_CONFIG = "hybrid_recall.json"


def _read_config(path) -> dict:
    p = os.path.join(path, RECALL_CONFIG)
    if not os.path.isfile(p):
        return {}
    try:
        with open(p, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, json.JSONDecodeError) as exc:
        raise HybridError(f"{p}: unreadable recall config ({exc})") from None


def _require_dir(path, what: str) -> str:
    # A missing directory must never fall through to a hub download inside from_pretrained.
    if not path or not os.path.isdir(path):
        raise HybridError(f"{what} {path!r} is not a local directory (models are never downloaded)")
    return path


class LMRecaller(Recaller):
    """Scores candidates with a causal LM (``transformers``), optionally with a peft adapter.

    ``top`` caps how many candidates (best by prior first) the LM scores; the rest keep their
    prior order below them, so a family that recalls thousands of hypotheses stays cheap.
    """

    name = "lm"

    def __init__(self, model, tokenizer, *, context: str = "prompt", batch_size: int = 16, top: int = 64,
                 max_length: int | None = None, device=None, prior_weight: float = 0.0, placed: bool = False,
                 cache: bool = True):
        import torch

        if context not in CONTEXT_STYLES:
            raise HybridError(f"context must be one of {CONTEXT_STYLES}, got {context!r}")
        if batch_size < 1 or top < 1:
            raise HybridError("batch and top must be >= 1")
        if placed:  # already placed by a device_map: inputs go where the embeddings are
            self.device = model.get_input_embeddings().weight.device
            self.model = model.eval()
        else:
            self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
            self.model = model.to(self.device).eval()
        self.tokenizer = tokenizer
        self.context = context
        self.batch_size = int(batch_size)
        self.top = int(top)
        self.prior_weight = float(prior_weight)
        #: Score candidates from the context's KV cache (one forward pass over the context).
        self.cache = bool(cache)
        cfg = getattr(model, "config", None)
        limit = getattr(cfg, "max_position_embeddings", None) or getattr(cfg, "n_positions", None) or 2048
        self.max_length = int(min(limit, max_length or limit))
        self._prior = PriorRecaller()

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, model_dir: str, adapter: str | None = None, dtype: str | None = None, device_map=None,
             **kwargs) -> "LMRecaller":
        """Load a local model directory, optionally applying a LoRA adapter directory.

        ``dtype`` (``auto``/``float32``/``bfloat16``/``float16``) and ``device_map`` (e.g. ``auto``,
        which needs ``accelerate``) are passed to ``from_pretrained`` for models too big for one
        device or for float32; with a ``device_map`` the model is not moved afterwards."""
        from transformers import AutoModelForCausalLM, AutoTokenizer

        cfg = _read_config(model_dir) if os.path.isdir(model_dir or "") else {}
        if adapter is None and os.path.isfile(os.path.join(model_dir or "", "adapter_config.json")):
            adapter = model_dir
            with open(os.path.join(adapter, "adapter_config.json"), encoding="utf-8") as fh:
                model_dir = json.load(fh).get("base_model_name_or_path")
        elif "base" in cfg:
            root = model_dir
            model_dir = os.path.join(root, cfg["base"])
            if adapter is None and cfg.get("adapter"):
                adapter = os.path.join(root, cfg["adapter"])
        _require_dir(model_dir, "model")
        if adapter is not None:
            _require_dir(adapter, "adapter")
            cfg = {**_read_config(model_dir), **cfg, **_read_config(adapter)}
        else:
            cfg = {**_read_config(model_dir), **cfg}
        for key in ("context",):
            if key in cfg and key not in kwargs:
                kwargs[key] = cfg[key]
        try:
            tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
            extra = {}
            if dtype is not None:
                extra["torch_dtype"] = torch_dtype(dtype)
            if device_map is not None:
                extra["device_map"] = device_map
                kwargs["placed"] = True
            model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True, **extra)
        except (OSError, ValueError) as exc:
            raise HybridError(f"cannot load a causal LM from {model_dir}: {exc}") from None
        if adapter is not None:
            from peft import PeftModel

            try:
                model = PeftModel.from_pretrained(model, adapter, local_files_only=True)
            except (OSError, ValueError) as exc:
                raise HybridError(f"cannot load the adapter {adapter}: {exc}") from None
        return cls(model, tokenizer, **kwargs)

    @classmethod
    def from_spec(cls, spec: str) -> "LMRecaller":
        """``PATH[,adapter=PATH][,batch=N][,top=N][,device=D][,context=prompt|compact][,prior=W]``
        ``[,max_length=N][,dtype=D][,device_map=M][,cache=0|1]``."""
        parts = [p.strip() for p in (spec or "").split(",") if p.strip()]
        if not parts or "=" in parts[0]:
            raise HybridError(f"recaller spec {spec!r}: expected PATH[,adapter=PATH]")
        path, opts = parts[0], {}
        for p in parts[1:]:
            key, sep, value = p.partition("=")
            if not sep or key not in ("adapter", "batch", "top", "device", "context", "max_length", "prior", "dtype",
                                      "device_map", "cache"):
                raise HybridError(f"recaller spec: unknown option {p!r} "
                                  "(adapter, batch, top, device, context, max_length, prior, dtype, device_map, cache)")
            opts[key] = value
        kwargs = {}
        try:
            for key, name in (("batch", "batch_size"), ("top", "top"), ("max_length", "max_length")):
                if key in opts:
                    kwargs[name] = int(opts[key])
        except ValueError:
            raise HybridError(f"recaller spec {spec!r}: batch, top and max_length take integers") from None
        if "prior" in opts:
            try:
                kwargs["prior_weight"] = float(opts["prior"])
            except ValueError:
                raise HybridError(f"recaller spec {spec!r}: prior takes a number") from None
        if "cache" in opts:
            if opts["cache"] not in ("0", "1"):
                raise HybridError(f"recaller spec {spec!r}: cache takes 0 or 1")
            kwargs["cache"] = opts["cache"] == "1"
        for key in ("device", "context", "dtype", "device_map"):
            if key in opts:
                kwargs[key] = opts[key]
        return cls.load(path, adapter=opts.get("adapter"), **kwargs)

    # ------------------------------------------------------------------ scoring
    def _ids(self, text: str, bos: bool) -> list[int]:
        ids = list(self.tokenizer(text, add_special_tokens=False)["input_ids"])
        b = self.tokenizer.bos_token_id
        return ([b] if bos and b is not None else []) + ids

    def score_texts(self, context: str, continuations: list[str]) -> list[float]:
        """Sum of log P(continuation tokens | context) for each continuation, in batches.

        With ``cache`` (the default) the context is run once and every continuation that fits after
        all of it is scored from its KV cache; the others (and every one, without ``cache`` or when
        the model takes no cache) by full forward passes (``score_texts_uncached``)."""
        ctx = self._ids(context, bos=True)
        conts = [self._ids(text, bos=False)[: self.max_length - 1] for text in continuations]
        out = [0.0] * len(conts)
        rest = [i for i in range(len(conts)) if conts[i]]  # an empty continuation scores 0
        if self.cache and ctx:
            fits = [i for i in rest if len(ctx) + len(conts[i]) <= self.max_length]
            got = self._score_cached(ctx, [conts[i] for i in fits])
            if got is not None:
                for i, v in zip(fits, got, strict=True):
                    out[i] = v
                done = set(fits)
                rest = [i for i in rest if i not in done]
        if rest:
            for i, v in zip(rest, self._score_uncached(ctx, [conts[i] for i in rest]), strict=True):
                out[i] = v
        return out

    def score_texts_uncached(self, context: str, continuations: list[str]) -> list[float]:
        """``score_texts`` with a full forward pass over context + continuation for each one."""
        ctx = self._ids(context, bos=True)
        return self._score_uncached(ctx, [self._ids(t, bos=False)[: self.max_length - 1] for t in continuations])

    def _score_cached(self, ctx: list[int], conts: list[list[int]]) -> list[float] | None:
        """Scores from one pass over ``ctx`` and its KV cache; None when the model takes no cache."""
        import torch

        if not conts:
            return []
        out = [0.0] * len(conts)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        n_ctx = len(ctx)
        with torch.inference_mode():
            ids = torch.tensor([ctx], device=self.device)
            try:
                res = self.model(input_ids=ids, attention_mask=torch.ones_like(ids), use_cache=True, logits_to_keep=1)
            except TypeError:
                try:
                    res = self.model(input_ids=ids, attention_mask=torch.ones_like(ids), use_cache=True)
                except TypeError:
                    return None
            prefix = getattr(res, "past_key_values", None)
            if prefix is None or not hasattr(prefix, "batch_repeat_interleave"):
                return None
            # The last context position predicts every continuation's first token.
            first = torch.log_softmax(res.logits[0, -1].float(), dim=-1)
            order = sorted(range(len(conts)), key=lambda i: len(conts[i]))
            for start in range(0, len(order), self.batch_size):
                idx = order[start:start + self.batch_size]
                b = len(idx)
                width = max(len(conts[i]) for i in idx)
                cids = torch.full((b, width), pad, dtype=torch.long)
                mask = torch.zeros((b, n_ctx + width), dtype=torch.long)
                mask[:, :n_ctx] = 1
                for r, i in enumerate(idx):
                    cids[r, :len(conts[i])] = torch.tensor(conts[i])
                    mask[r, n_ctx:n_ctx + len(conts[i])] = 1  # right padding: causal attention ignores it
                pos = torch.arange(n_ctx, n_ctx + width).unsqueeze(0).expand(b, width)
                # A forward pass appends to its cache in place: each batch works on its own copy.
                past = copy.deepcopy(prefix)
                if b > 1:
                    past.batch_repeat_interleave(b)
                cids, mask, pos = cids.to(self.device), mask.to(self.device), pos.to(self.device)
                logits = self.model(input_ids=cids, attention_mask=mask, position_ids=pos, past_key_values=past,
                                    use_cache=True).logits
                logp = torch.log_softmax(logits.float(), dim=-1)
                for r, i in enumerate(idx):
                    c = conts[i]
                    total = float(first[c[0]])
                    if len(c) > 1:
                        # logits at continuation position j predict token j+1.
                        tgt = cids[r, 1:len(c)]
                        total += float(logp[r, :len(c) - 1].gather(1, tgt.unsqueeze(1)).sum())
                    out[i] = total
        return out

    def _score_uncached(self, ctx: list[int], conts: list[list[int]]) -> list[float]:
        import torch

        seqs = []
        for cont in conts:
            keep = self.max_length - len(cont)
            # Drop the context's oldest tokens first: the query and last examples sit at its end.
            c = ctx if len(ctx) <= keep else ctx[:1] + ctx[len(ctx) - keep + 1:]
            seqs.append((c, cont))
        out = [0.0] * len(seqs)
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i][0]) + len(seqs[i][1]))
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                idx = order[start:start + self.batch_size]
                width = max(len(seqs[i][0]) + len(seqs[i][1]) for i in idx)
                tail = max(len(seqs[i][1]) for i in idx)
                ids = torch.full((len(idx), width), pad, dtype=torch.long)
                mask = torch.zeros((len(idx), width), dtype=torch.long)
                for r, i in enumerate(idx):
                    full = seqs[i][0] + seqs[i][1]
                    # Left padding lines every sequence up at its end, where the candidates are.
                    ids[r, width - len(full):] = torch.tensor(full)
                    mask[r, width - len(full):] = 1
                pos = (mask.cumsum(1) - 1).clamp(min=0)
                ids, mask, pos = ids.to(self.device), mask.to(self.device), pos.to(self.device)
                logits = self._logits(ids, mask, pos, tail + 1)
                logp = torch.log_softmax(logits.float(), dim=-1)
                k = logp.shape[1]
                for r, i in enumerate(idx):
                    cont = seqs[i][1]
                    n = len(cont)
                    if n == 0:
                        continue
                    # logits at position p predict token p+1: the last n+1 positions cover the continuation.
                    rows = logp[r, k - n - 1:k - 1]
                    tgt = ids[r, width - n:]
                    out[i] = float(rows.gather(1, tgt.unsqueeze(1)).sum())
        return out

    def _logits(self, ids, mask, pos, keep: int):
        try:
            return self.model(input_ids=ids, attention_mask=mask, position_ids=pos, logits_to_keep=keep).logits
        except TypeError:
            return self.model(input_ids=ids, attention_mask=mask, position_ids=pos).logits[:, -keep:]

    def score(self, task: Task, hypotheses: list[Hypothesis]) -> list[float]:
        if not hypotheses:
            return []
        prior = self._prior.score(task, hypotheses)
        by_prior = sorted(range(len(hypotheses)), key=lambda i: -prior[i])
        chosen = by_prior[: self.top]
        lm = self.score_texts(context_text(task, self.context), [candidate_text(task, hypotheses[i]) for i in chosen])
        scores = [0.0] * len(hypotheses)
        for i, s in zip(chosen, lm, strict=True):
            scores[i] = s + self.prior_weight * prior[i]
        floor = min(scores[i] for i in chosen) if chosen else 0.0
        for rank_, i in enumerate(by_prior[self.top:]):
            scores[i] = floor - 1e6 - rank_  # below every LM-scored one, in prior order
        return [s if math.isfinite(s) else -1e300 for s in scores]
