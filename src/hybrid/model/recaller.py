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
"""

from __future__ import annotations

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
                 max_length: int | None = None, device=None, prior_weight: float = 0.0, placed: bool = False):
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
        """``PATH[,adapter=PATH][,batch=N][,top=N][,device=D][,context=prompt|compact]``."""
        parts = [p.strip() for p in (spec or "").split(",") if p.strip()]
        if not parts or "=" in parts[0]:
            raise HybridError(f"recaller spec {spec!r}: expected PATH[,adapter=PATH]")
        path, opts = parts[0], {}
        for p in parts[1:]:
            key, sep, value = p.partition("=")
            if not sep or key not in ("adapter", "batch", "top", "device", "context", "max_length", "prior", "dtype",
                                      "device_map"):
                raise HybridError(f"recaller spec: unknown option {p!r} "
                                  "(adapter, batch, top, device, context, max_length, prior, dtype, device_map)")
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
        """Sum of log P(continuation tokens | context) for each continuation, in batches."""
        import torch

        ctx = self._ids(context, bos=True)
        seqs = []
        for text in continuations:
            cont = self._ids(text, bos=False)[: self.max_length - 1]
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
