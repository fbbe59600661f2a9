"""One result record per input row, the same for every engine.

``split_rows`` parses each row (a row that does not parse becomes an error record in place) and
returns the tasks to solve; the engine solves them (inline, in a local process pool, or in a Ray
actor); ``fill`` puts each ``Solution`` or ``HybridError`` back in its row's record. A record::

    {"row": 0, "id": "44a05272", "family": "numeral", "answer": "XCIII", "status": "deduced",
     "proof": "complete", "method": "catalog", "rule_space": "catalog", "confidence": 1.0,
     "rule": "...", "n_consistent": 1, "n_verifications": 1, "alternatives": [], "note": null,
     "ms": 0.05, "expected": "XCIII", "correct": true, "error": null, "error_type": null}

``row`` is the row's position in its shard; ``expected`` / ``correct`` are null when the input has
no answer. A row that fails has ``error`` (one line) and ``error_type`` set, ``status`` null, and
``family`` null when the prompt did not parse.
"""

from __future__ import annotations

from ..errors import HybridError, InternalError
from ..solution import Solution

__all__ = ["split_rows", "fill", "solve_options", "solve_inline", "CrashLog", "RESULT_FIELDS"]

RESULT_FIELDS = ("family", "answer", "status", "proof", "method", "rule_space", "confidence", "rule",
                 "n_consistent", "n_verifications", "alternatives", "note", "ms")


def solve_options(*, search: bool = True, time_limit: float | None = None, min_confidence: float = 0.0,
                  fallback: str | None = None, families=None, recaller: str | None = None) -> dict:
    """The options that change results (stored in the run manifest; ``--resume`` must match them)."""
    from ..pipeline import DEFAULT_TIME_LIMIT

    return {"search": bool(search), "time_limit": float(DEFAULT_TIME_LIMIT if time_limit is None else time_limit),
            "min_confidence": float(min_confidence), "fallback": fallback,
            "families": sorted(families) if families else None, "recaller": recaller or "prior"}


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:500]


def _error(rec: dict, exc: BaseException, family=None) -> dict:
    rec.update({k: None for k in RESULT_FIELDS})
    rec.update(family=family, alternatives=[], error=_one_line(exc), error_type=type(exc).__name__,
               correct=False if rec["expected"] is not None else None)
    return rec


def split_rows(rows: list[dict], families=None) -> tuple[list[dict], list[tuple[int, object]]]:
    """Parse each row. Returns ``(records, todo)``: ``records`` in row order (error records are
    already final), ``todo`` the ``(position in records, Task)`` pairs to solve. Rows of a family
    not in ``families`` are left out of the records."""
    from ..parse import parse

    records, todo = [], []
    wanted = set(families) if families else None
    for i, row in enumerate(rows):
        expected = row.get("answer")
        rec = {"row": i, "id": row.get("id"), "expected": expected}
        prompt = row.get("prompt")
        try:
            if not isinstance(prompt, str):
                raise HybridError(f"the row's prompt must be a string, got {type(prompt).__name__}")
            task = parse(prompt)
        except Exception as exc:  # noqa: BLE001 - a row that cannot be parsed is an error in place
            records.append(_error(rec, exc))
            continue
        if wanted is not None and task.family not in wanted:
            continue
        todo.append((len(records), task))
        records.append(rec)
    return records, todo


def fill(records: list[dict], todo: list[tuple[int, object]], results: list) -> list[dict]:
    """Put each result (``Solution`` or exception) into its record."""
    for (pos, task), res in zip(todo, results, strict=True):
        rec = records[pos]
        if isinstance(res, Solution):
            rec.update(family=res.family, answer=res.answer, status=res.status, proof=res.proof,
                       method=res.method, rule_space=res.rule_space, confidence=res.confidence, rule=res.rule,
                       n_consistent=res.n_consistent, n_verifications=res.n_verifications,
                       alternatives=[a[0] for a in res.alternatives], note=res.note,
                       ms=res.timings.get("total"), error=None, error_type=None)
            exp = rec["expected"]
            rec["correct"] = None if exp is None else (res.answer is not None and res.answer.strip() == exp.strip())
        elif isinstance(res, BaseException):
            _error(rec, res, task.family)
        else:
            _error(rec, InternalError(f"the engine returned {type(res).__name__} for this row"), task.family)
    return records


def solve_inline(tasks: list, options: dict, recaller=None, progress=None) -> list:
    """Solve tasks one after another in this process; a failing task gives its error in place.

    ``progress`` (a ``CrashLog``) records each task before it starts, and tasks that killed an
    earlier attempt of this batch are reported as ``InternalError`` instead of being run again.
    """
    from ..pipeline import solve

    out = []
    for i, task in enumerate(tasks):
        if progress is not None:
            if i in progress.crashed:
                out.append(InternalError(
                    "the worker process died while solving this task (a crash in native code?); the batch "
                    "was retried on a fresh worker without it", original_type="WorkerDied"))
                continue
            progress.start(i)
        try:
            sol = solve(task, recaller=recaller, search=options["search"], time_limit=options["time_limit"],
                        min_confidence=options["min_confidence"], fallback=options["fallback"])
            sol.hypothesis = None
            out.append(sol)
        except HybridError as exc:
            out.append(exc)
        except Exception as exc:  # noqa: BLE001 - never lose a batch to one row
            out.append(InternalError(f"internal error while solving: {type(exc).__name__}: {_one_line(exc)}",
                                     original_type=type(exc).__name__, original_message=_one_line(exc)))
    return out


class CrashLog:
    """Which task of a batch a worker was solving when its process died.

    An append-only file gets a header when an attempt at the batch starts (``A``, or ``I`` for an
    attempt that runs alone in its process pool), the task's position before each task, and
    ``W`` before the output is written; it is removed when the batch completes. A worker that
    finds the file left by earlier attempts (the process died; the batch was retried) reads
    which task each dead attempt was on, and skips a task on which an attempt running alone died,
    or on which ``STRIKES`` attempts died. One death among others is not proof: a broken local
    pool terminates every worker, and a lost node takes its actors, so the task such a worker
    was on may be innocent. Each crash thus costs a retry or two and one task, never the batch.
    The file lives beside the output (shared storage on a cluster), named with the run's id so
    that a later run ignores it.
    """

    STRIKES = 2

    def __init__(self, path, alone: bool = False):
        import os

        self.path = str(path)
        self.crashed = self.read(self.path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.write(self._fd, b"I\n" if alone else b"A\n")

    @classmethod
    def read(cls, path) -> set[int]:
        """The tasks to skip, from the attempts recorded in ``path``."""
        import re

        try:
            with open(path, encoding="ascii", errors="replace") as fh:
                text = fh.read()
        except FileNotFoundError:
            return set()
        crashed, strikes = set(), {}
        for head, body in re.findall(r"(?m)^([AI])\n((?:(?![AI]\n).*\n?)*)", text):
            marks = [m for m in body.split("\n") if m]
            if not marks or not marks[-1].isdigit():
                continue
            last = int(marks[-1])
            strikes[last] = strikes.get(last, 0) + 1
            if head == "I" or strikes[last] >= cls.STRIKES:
                crashed.add(last)
        return crashed

    def start(self, i: int) -> None:
        """Record that the worker starts task ``i`` of the batch."""
        import os

        os.write(self._fd, b"%d\n" % i)  # no fsync: the page cache survives the process dying

    def writing(self) -> None:
        """Record that the batch is solved and its output is being written."""
        import os

        os.write(self._fd, b"W\n")

    def close(self, remove: bool = True) -> None:
        """Close the log, and remove it when ``remove`` (the batch completed)."""
        import os

        os.close(self._fd)
        if remove:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


def make_recaller(spec: str | None):
    """A recaller from its command-line spec (``prior`` or ``lm:PATH[,adapter=PATH]``)."""
    if not spec or spec == "prior":
        return None
    from ..cli import _recaller

    return _recaller(spec)
