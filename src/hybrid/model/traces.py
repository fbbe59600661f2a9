"""Recall + verification traces in chat format, for fine-tuning a model.

Grammar version 2 (the default, ``hybrid.model.grammar``): every line shows its working and is
re-checked by ``grammar.audit_trace`` before a record is written. One JSON line per row::

    {"id": "<row id>", "messages": [{"role": "system", ...}?, {"role": "user", ...},
                                    {"role": "assistant", "content": "Try 1: ...\\n...\\n\\\\boxed{x}"}],
     "family": "cipher", "status": "deduced", "answer": "x", "gold": "x", "grammar": 2}

``answer`` is the library's answer (what the trace concludes); ``gold`` the label. A row whose
label differs is skipped, or with ``wrong="keep"`` written with its honest status (never rewritten
to the label). Version 1 (``grammar=1``, the old layout, kept for comparison) writes::

    {"messages": [{"role": "user", "content": "<prompt>\\nPut your final answer inside \\\\boxed{}."},
                  {"role": "assistant", "content": "Recall: ...\\nCheck: a -> b: ok\\n...\\n\\\\boxed{x}"}],
     "family": "cipher", "status": "deduced", "answer": "x"}

``messages`` is the conversational format that ``datasets.load_dataset("json", ...)`` and TRL's
SFT trainer read as is. Every ``Check`` line is re-executed before a record is written
(``verify_trace``): the hypothesis is recalled again from the prompt alone, and each example is
verified on its own through ``family.verify``; a row whose trace does not re-verify is skipped
and counted, never written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace

from ..errors import HybridError
from ..families import get_family
from ..parse import parse
from ..pipeline import DEFAULT_TIME_LIMIT, solve
from ..task import Task
from .render import INSTRUCTION, candidate_text, check_line, prompt_text, trace_text, user_message

__all__ = ["TraceStats", "make_record", "export_traces", "verify_trace", "find_hypothesis", "STATUSES_DEFAULT",
           "record_task", "check_output_path"]

STATUSES_DEFAULT = ("deduced",)
_BOXED = re.compile(r"\\boxed\{(.*)\}\s*$", re.S)


@dataclass
class TraceStats:
    rows: int = 0
    written: int = 0
    reverified: int = 0
    skipped: dict = field(default_factory=dict)
    by_family: dict = field(default_factory=dict)
    #: Lines of the written traces checked by the audit (grammar 2) and how many held.
    lines: int = 0
    lines_true: int = 0

    def skip(self, reason: str) -> None:
        """Count a row skipped for ``reason``."""
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def to_dict(self) -> dict:
        """The export's counts as a JSON-ready dict."""
        return {"rows": self.rows, "written": self.written, "reverified": self.reverified,
                "lines": self.lines, "lines_true": self.lines_true,
                "skipped": dict(sorted(self.skipped.items())), "by_family": dict(sorted(self.by_family.items()))}


def make_record(task: Task, hypothesis, answer: str, status: str) -> dict:
    """A chat record in the v1 trace layout (the old grammar, kept for comparison)."""
    return {
        "messages": [
            {"role": "user", "content": user_message(task)},
            {"role": "assistant", "content": trace_text(task, hypothesis, answer)},
        ],
        "family": task.family,
        "status": status,
        "answer": answer,
    }


def make_record_v2(task: Task, sol, *, k: int = 8, instruction: str = INSTRUCTION,
                   system: str | None = None) -> dict:
    """A chat record in the documented trace grammar v2 (top-``k`` hypotheses, each check with its working)."""
    from .grammar import GRAMMAR_VERSION
    from .grammar import trace_text as trace_v2

    msgs = [{"role": "system", "content": system}] if system else []
    msgs += [{"role": "user", "content": f"{prompt_text(task)}\n{instruction}"},
             {"role": "assistant", "content": trace_v2(task, sol, k)}]
    rec = {"id": task.meta.get("id"), "messages": msgs, "family": task.family, "status": sol.status,
           "answer": sol.answer, "gold": task.meta.get("answer"), "grammar": GRAMMAR_VERSION}
    if instruction != INSTRUCTION:
        rec["instruction"] = instruction
    return rec


def _message(record: dict, role: str) -> str | None:
    for m in record.get("messages") or ():
        if isinstance(m, dict) and m.get("role") == role and isinstance(m.get("content"), str):
            return m["content"]
    return None


def record_task(record: dict) -> Task:
    """The task of a record, parsed from its user message (instruction removed)."""
    user = _message(record, "user")
    if user is None:
        raise HybridError("record has no user message")
    instruction = record.get("instruction", INSTRUCTION)
    if instruction and user.endswith("\n" + instruction):
        user = user[: -len(instruction) - 1]
    return parse(user)


def _candidates(fam, task):
    from ..families.base import SearchResult

    got = fam.candidates(task)
    return list(got.hypotheses if isinstance(got, SearchResult) else got)


def find_hypothesis(task: Task, recall_line: str, time_limit: float = DEFAULT_TIME_LIMIT):
    """Recall again, from the task alone, the hypothesis whose rendering is ``recall_line``."""
    fam = get_family(task.family)
    for h in _candidates(fam, task):
        if candidate_text(task, h).rstrip("\n") == recall_line:
            return h
    if time_limit > 0:
        from ..deadline import Deadline

        for h in fam.search(task, Deadline(time_limit)).hypotheses:
            if candidate_text(task, h).rstrip("\n") == recall_line:
                return h
    return None


def verify_trace(record: dict, time_limit: float = DEFAULT_TIME_LIMIT, hypothesis=None) -> tuple[bool, str]:
    """Re-execute a trace: ``(True, "")`` when every line holds, else ``(False, why)``.

    Grammar 2 records (``record["grammar"] == 2``) go through ``grammar.audit_trace``; the rest
    of this docstring describes grammar 1.

    The prompt is parsed from the user message; the recall line must name a hypothesis the family
    recalls for that prompt; each ``Check`` line must be one of the prompt's examples, in order,
    and the hypothesis must verify on that example alone; ``Apply`` and ``\\boxed{}`` must carry the
    answer the hypothesis gives the query.
    """
    if isinstance(record, dict) and record.get("grammar") == 2:
        return _verify_v2(record, time_limit)
    try:
        msgs = record["messages"]
        user, assistant = msgs[0]["content"], msgs[1]["content"]
    except (KeyError, IndexError, TypeError):
        return False, "record has no user/assistant messages"
    if not user.endswith("\n" + INSTRUCTION):
        return False, "user message lacks the \\boxed{} instruction"
    try:
        task = parse(user[: -len(INSTRUCTION) - 1])
    except HybridError as exc:
        return False, f"prompt does not parse: {exc}"
    fam = get_family(task.family)
    lines = assistant.split("\n")
    n = len(task.examples)
    if len(lines) != n + 3:
        return False, f"expected {n + 3} trace lines, got {len(lines)}"
    h = hypothesis
    if h is None or candidate_text(task, h).rstrip("\n") != lines[0]:
        h = find_hypothesis(task, lines[0], time_limit)
    if h is None:
        return False, "the recall line names no hypothesis the family recalls for this prompt"
    for i, ex in enumerate(task.examples):
        line = lines[1 + i]
        if line != check_line(task, h, ex):
            return False, f"check line {i + 1} does not render example {i + 1}"
        body = line[len("Check: "):].split(": ok", 1)[0]
        parsed = fam.parse_example(body, i + 1)
        if (parsed.source, parsed.target) != (ex.source, ex.target):
            return False, f"check line {i + 1} is not the prompt's example {i + 1}"
        single = replace(task, examples=(parsed,), prompt=None)
        if not fam.verify(h, single):
            return False, f"check line {i + 1} is false: the rule does not reproduce {body!r}"
    answer = fam.apply(h, task)
    if answer is None:
        return False, "the rule gives no answer for the query"
    if lines[n + 1] != f"Apply: {task.query} -> {answer}":
        return False, "the apply line does not carry the rule's answer"
    m = _BOXED.match(lines[n + 2])
    if not m or m.group(1) != answer:
        return False, "\\boxed{} does not hold the rule's answer"
    if "answer" in record and record["answer"] != answer:
        return False, "the record's answer differs from the rule's"
    return True, ""


def _verify_v2(record: dict, time_limit: float, sol=None, stats: TraceStats | None = None) -> tuple[bool, str]:
    from .grammar import audit_trace

    try:
        task = record_task(record)
    except HybridError as exc:
        return False, f"prompt does not parse: {exc}"
    text = _message(record, "assistant")
    if text is None:
        return False, "record has no assistant message"
    if sol is None:
        sol = solve(task, search=time_limit > 0, time_limit=time_limit if time_limit > 0 else 1.0)
    audit = audit_trace(task, text, sol)
    if stats is not None:
        stats.lines += len(audit.lines)
        stats.lines_true += sum(v.verdict == "true" for v in audit.lines)
    if not audit.ok:
        bad = next((v for v in audit.lines if v.verdict != "true"), None)
        why = f"line {bad.n + 1} is {bad.verdict}: {bad.why}" if bad else "; ".join(audit.problems)
        return False, why
    if "answer" in record and record["answer"] != audit.answer:
        return False, "the record's answer differs from the boxed answer"
    return True, ""


def iter_records(tasks, *, statuses=STATUSES_DEFAULT, search: bool = True,
                 time_limit: float = DEFAULT_TIME_LIMIT, stats: TraceStats | None = None, progress: bool = False,
                 grammar: int = 2, k: int = 8, wrong: str = "skip", instruction: str = INSTRUCTION,
                 system: str | None = None, solutions: dict | None = None):
    """Yield one re-verified record per task solved with an allowed status.

    ``wrong``: ``skip`` rows whose answer differs from the label, or ``keep`` them with the
    library's own (honestly uncertain) trace; a ``deduced`` row is never kept wrong.
    ``solutions``: ``{row id: hybrid.Solution}`` solved beforehand, used instead of solving again
    (a time-limited search can end differently on a loaded machine; sharing one solve keeps an
    export and its grading on the same status).
    """
    if wrong not in ("skip", "keep"):
        raise HybridError(f"wrong must be 'skip' or 'keep', got {wrong!r}")
    if grammar not in (1, 2):
        raise HybridError(f"grammar must be 1 or 2, got {grammar!r}")
    stats = stats if stats is not None else TraceStats()
    from tqdm import tqdm

    for task in tqdm(tasks, unit="row", dynamic_ncols=True, disable=not progress):
        stats.rows += 1
        gold = task.meta.get("answer")
        sol = (solutions or {}).get(task.meta.get("id"))
        if sol is None and search:
            sol = solve(task, search=True, time_limit=time_limit)
        elif sol is None:
            sol = solve(task, search=False)
        if sol.answer is None:
            stats.skip("unsolved")
            continue
        if gold is not None and sol.answer != gold and (wrong == "skip" or sol.status == "deduced"):
            stats.skip("wrong answer")
            continue
        if sol.status not in statuses:
            stats.skip(f"status {sol.status}")
            continue
        if sol.hypothesis is None:
            stats.skip("no hypothesis object")
            continue
        if grammar == 2:
            rec = make_record_v2(task, sol, k=k, instruction=instruction, system=system)
            ok, why = _verify_v2(rec, time_limit, sol=sol, stats=stats)
        else:
            rec = make_record(task, sol.hypothesis, sol.answer, sol.status)
            ok, why = verify_trace(rec, time_limit=time_limit if search else 0.0, hypothesis=sol.hypothesis)
        if not ok:
            stats.skip(f"does not re-verify: {why}")
            continue
        stats.reverified += 1
        stats.written += 1
        stats.by_family[task.family] = stats.by_family.get(task.family, 0) + 1
        yield rec


def check_output_path(out_path, inputs=(), force: bool = False) -> None:
    """Refuse an output that is one of the inputs (same path or same file), that is not a regular
    file, or that exists without ``force`` (``hybrid._files.check_output_path``)."""
    from .._files import check_output_path as check

    check(out_path, inputs, force)


def _write_jsonl(out_path, records) -> None:
    write_split(records, out_path)


def export_traces(tasks, out_path, *, inputs=(), force: bool = True, **kwargs) -> TraceStats:
    """Write the records of ``iter_records`` to a JSON-lines file; returns the counts.

    ``inputs`` are paths the output must never be (checked with ``os.path.samefile`` too); an
    existing output needs ``force`` (the CLI's ``--force``; True by default in code). The file is
    written to a temporary name and moved into place, so a failed export leaves no half file.
    """
    check_output_path(out_path, inputs, force)
    stats = kwargs.pop("stats", None) or TraceStats()
    _write_jsonl(out_path, iter_records(tasks, stats=stats, **kwargs))
    return stats


def read_records(path) -> list[dict]:
    """Read a JSONL file of records (raises ``HybridError`` naming a bad line)."""
    try:
        with open(path, encoding="utf-8") as fh:
            out = []
            for i, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        out.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise HybridError(f"{path}: line {i} is not JSON ({exc.msg})") from None
            return out
    except FileNotFoundError:
        raise HybridError(f"{path}: no such file") from None


# ---------------------------------------------------------------------- export options
def record_prompt(rec: dict) -> str:
    """The prompt of a record (user message less its instruction, stripped): the split key."""
    user = _message(rec, "user") or ""
    instruction = rec.get("instruction", INSTRUCTION)
    if instruction and user.endswith("\n" + instruction):
        user = user[: -len(instruction) - 1]
    return user.strip()


def iter_shaped(records, *, max_chars: int | None = None, max_tokens: int | None = None, tokenizer=None,
                chat_template: bool = False, stats: TraceStats | None = None):
    """The per-record export options, streaming (constant memory): ``chat_template`` adds
    ``text``, the conversation rendered by ``tokenizer``'s chat template, ending with its EOS token
    (appended when the template does not end with it); ``max_chars`` / ``max_tokens`` (tokens of
    ``tokenizer``, counted on ``text`` when present, else on the joined messages) drop longer
    records (counted in ``stats.skipped``)."""
    stats = stats if stats is not None else TraceStats()
    for rec in records:
        if chat_template:
            text = tokenizer.apply_chat_template(rec["messages"], tokenize=False)
            eos = tokenizer.eos_token
            if eos and not text.endswith(eos):
                text += eos
            rec = {**rec, "text": text}
        body = rec.get("text") or "\n".join(m["content"] for m in rec["messages"])
        if max_chars is not None and len(body) > max_chars:
            stats.skip(f"longer than {max_chars} chars")
            continue
        if max_tokens is not None and len(tokenizer(body, add_special_tokens=False)["input_ids"]) > max_tokens:
            stats.skip(f"longer than {max_tokens} tokens")
            continue
        yield rec


def shape_records(records, *, max_chars: int | None = None, max_tokens: int | None = None,
                  tokenizer=None, chat_template: bool = False, ratios: dict | None = None, shuffle: bool = False,
                  seed: int = 0, stats: TraceStats | None = None) -> list[dict]:
    """Export options applied to finished records, in this order:

    * ``chat_template``, ``max_chars`` / ``max_tokens``: per record (``iter_shaped``);
    * ``ratios`` ``{family: weight}``: families are down-sampled (seeded) so their counts follow the
      weights as closely as the scarcest family allows; families not named are dropped;
    * ``shuffle``: a seeded shuffle of the result.

    Ratios and shuffling need every record at once (a list); without them the export streams
    (``iter_shaped`` + ``write_split``), which is what a very large export should use.
    """
    import random

    out = list(iter_shaped(records, max_chars=max_chars, max_tokens=max_tokens, tokenizer=tokenizer,
                           chat_template=chat_template, stats=stats))
    rng = random.Random(seed)
    if ratios:
        by: dict = {}
        for rec in out:
            by.setdefault(rec["family"], []).append(rec)
        scale = min((len(by.get(f, [])) / w for f, w in ratios.items() if w > 0), default=0.0)
        kept = []
        for f, w in ratios.items():
            rows = by.get(f, [])
            n = min(len(rows), int(round(scale * w)))
            kept += rng.sample(rows, n) if n < len(rows) else rows
        order = {id(r): i for i, r in enumerate(out)}
        out = sorted(kept, key=lambda r: order[id(r)])
    if shuffle:
        rng.shuffle(out)
    return out


def write_split(records, train_path, val_path=None, val_fraction: float | None = None, seed: int = 0) -> dict:
    """Stream records to ``train_path`` (and, with ``val_fraction``, the held-out ones by the
    prompt-hash split of ``split_records`` to ``val_path``), each through a temporary name moved
    into place. Returns ``{"train": n, "val": n, "by_family": {family: n}}``."""
    from .._files import written_in_place
    from .split import is_heldout

    paths = [train_path] + ([val_path] if val_fraction is not None else [])
    counts = {"train": 0, "val": 0, "by_family": {}}
    with written_in_place(*paths) as tmps:
        handles = [open(t, "w", encoding="utf-8") for t in tmps]  # noqa: SIM115 - closed below
        try:
            for rec in records:
                val = val_fraction is not None and is_heldout(record_prompt(rec), val_fraction, seed)
                handles[1 if val else 0].write(json.dumps(rec, ensure_ascii=False) + "\n")
                counts["val" if val else "train"] += 1
                counts["by_family"][rec["family"]] = counts["by_family"].get(rec["family"], 0) + 1
        finally:
            for h in handles:
                h.close()
    counts["by_family"] = dict(sorted(counts["by_family"].items()))
    return counts


def split_records(records: list[dict], val_fraction: float, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """(train, val) by the prompt-hash split ``train-recall`` uses (``split.is_heldout``)."""
    from .split import is_heldout

    train, val = [], []
    for rec in records:
        (val if is_heldout(record_prompt(rec), val_fraction, seed) else train).append(rec)
    return train, val


def write_records(out_path, records) -> None:
    """Write records as JSONL to ``out_path``."""
    _write_jsonl(out_path, records)
