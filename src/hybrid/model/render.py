"""Text renderings shared by traces, training and LM scoring.

One format everywhere, so that a model fine-tuned on exported traces scores candidates in the
same words it was trained on:

    user:       <the puzzle prompt>\n<INSTRUCTION>
    assistant:  Recall: <the hypothesis, as the family explains it>
                Check: <source> -> <target>: ok          (one line per example)
                Apply: <query> -> <answer>
                \\boxed{<answer>}

The LM recaller scores the first assistant line (``candidate_text``) after the context; every
consistent candidate shares the rest of the trace up to the answer, so the recall line is where
candidates differ. ``compact`` contexts drop the template's English (the family name stands in for
it) so a character-level model sees short sequences.
"""

from __future__ import annotations

from ..families import get_family
from ..families.base import Hypothesis
from ..task import Task

__all__ = ["INSTRUCTION", "CONTEXT_STYLES", "prompt_text", "user_message", "context_text",
           "candidate_text", "check_line", "trace_text"]

INSTRUCTION = "Put your final answer inside \\boxed{}."
CONTEXT_STYLES = ("prompt", "compact")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def prompt_text(task: Task) -> str:
    """The task's prompt as given, or a plain rendering for a task built in code."""
    if task.prompt:
        return task.prompt.strip()
    fam = get_family(task.family)
    lines = [f"Puzzle family: {task.family}. Examples:"]
    lines += [fam.example_line(ex) for ex in task.examples]
    lines.append(f"Query: {task.query}")
    return "\n".join(lines)


def user_message(task: Task) -> str:
    """The user turn of a training record: the prompt and the instruction."""
    return f"{prompt_text(task)}\n{INSTRUCTION}"


def context_text(task: Task, style: str = "prompt") -> str:
    """What the LM reads before a candidate: the user message, or a compact form of it."""
    if style == "prompt":
        return user_message(task) + "\n"
    if style == "compact":
        fam = get_family(task.family)
        lines = [f"[{task.family}]"] + [fam.example_line(ex) for ex in task.examples]
        lines.append(f"? {task.query}")
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown context style {style!r}; expected one of {CONTEXT_STYLES}")


def candidate_text(task: Task, hypothesis: Hypothesis) -> str:
    """The first trace line: the recalled rule, as the family explains it."""
    fam = get_family(task.family)
    return f"Recall: {_one_line(fam.explain(hypothesis))}\n"


def check_line(task: Task, hypothesis: Hypothesis, example) -> str:
    """``Check: <example line>: ok``, with a family's own detail when it offers ``trace_example``."""
    fam = get_family(task.family)
    line = f"Check: {fam.example_line(example)}: ok"
    detail = getattr(fam, "trace_example", None)
    if callable(detail):
        extra = detail(hypothesis, example)
        if extra:
            line += f" ({_one_line(extra)})"
    return line


def trace_text(task: Task, hypothesis: Hypothesis, answer: str) -> str:
    """The whole assistant message for one solved task."""
    lines = [candidate_text(task, hypothesis).rstrip("\n")]
    lines += [check_line(task, hypothesis, ex) for ex in task.examples]
    lines.append(f"Apply: {task.query} -> {answer}")
    lines.append(f"\\boxed{{{answer}}}")
    return "\n".join(lines)
