"""Recall + verification traces in chat format, for fine-tuning a model.

One JSON line per solved row::

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
from .render import INSTRUCTION, candidate_text, check_line, trace_text, user_message

__all__ = ["TraceStats", "make_record", "export_traces", "verify_trace", "find_hypothesis", "STATUSES_DEFAULT"]

STATUSES_DEFAULT = ("deduced",)
_BOXED = re.compile(r"\\boxed\{(.*)\}\s*$", re.S)


@dataclass
class TraceStats:
    rows: int = 0
    written: int = 0
    reverified: int = 0
    skipped: dict = field(default_factory=dict)
    by_family: dict = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def to_dict(self) -> dict:
        return {"rows": self.rows, "written": self.written, "reverified": self.reverified,
                "skipped": dict(sorted(self.skipped.items())), "by_family": dict(sorted(self.by_family.items()))}


def make_record(task: Task, hypothesis, answer: str, status: str) -> dict:
    return {
        "messages": [
            {"role": "user", "content": user_message(task)},
            {"role": "assistant", "content": trace_text(task, hypothesis, answer)},
        ],
        "family": task.family,
        "status": status,
        "answer": answer,
    }


def find_hypothesis(task: Task, recall_line: str, time_limit: float = DEFAULT_TIME_LIMIT):
    """Recall again, from the task alone, the hypothesis whose rendering is ``recall_line``."""
    fam = get_family(task.family)
    for h in fam.candidates(task):
        if candidate_text(task, h).rstrip("\n") == recall_line:
            return h
    if time_limit > 0:
        for h in fam.search(task, time_limit):
            if candidate_text(task, h).rstrip("\n") == recall_line:
                return h
    return None


def verify_trace(record: dict, time_limit: float = DEFAULT_TIME_LIMIT, hypothesis=None) -> tuple[bool, str]:
    """Re-execute a trace: ``(True, "")`` when every line holds, else ``(False, why)``.

    The prompt is parsed from the user message; the recall line must name a hypothesis the family
    recalls for that prompt; each ``Check`` line must be one of the prompt's examples, in order,
    and the hypothesis must verify on that example alone; ``Apply`` and ``\\boxed{}`` must carry the
    answer the hypothesis gives the query.
    """
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


def iter_records(tasks, *, statuses=STATUSES_DEFAULT, search: bool = True,
                 time_limit: float = DEFAULT_TIME_LIMIT, stats: TraceStats | None = None, progress: bool = False):
    """Yield one re-verified record per task solved correctly with an allowed status."""
    stats = stats if stats is not None else TraceStats()
    from tqdm import tqdm

    for task in tqdm(tasks, unit="row", dynamic_ncols=True, disable=not progress):
        stats.rows += 1
        gold = task.meta.get("answer")
        sol = solve(task, search=search, time_limit=time_limit)
        if sol.answer is None:
            stats.skip("unsolved")
            continue
        if gold is not None and sol.answer != gold:
            stats.skip("wrong answer")
            continue
        if sol.status not in statuses:
            stats.skip(f"status {sol.status}")
            continue
        if sol.hypothesis is None:
            stats.skip("no hypothesis object")
            continue
        rec = make_record(task, sol.hypothesis, sol.answer, sol.status)
        ok, why = verify_trace(rec, time_limit=time_limit if search else 0.0, hypothesis=sol.hypothesis)
        if not ok:
            stats.skip(f"does not re-verify: {why}")
            continue
        stats.reverified += 1
        stats.written += 1
        stats.by_family[task.family] = stats.by_family.get(task.family, 0) + 1
        yield rec


def export_traces(tasks, out_path, **kwargs) -> TraceStats:
    """Write the records of ``iter_records`` to a JSON-lines file; returns the counts."""
    stats = kwargs.pop("stats", None) or TraceStats()
    try:
        with open(out_path, "w", encoding="utf-8") as fh:
            for rec in iter_records(tasks, stats=stats, **kwargs):
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise HybridError(f"cannot write {out_path}: {exc.strerror}") from None
    return stats


def read_records(path) -> list[dict]:
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
