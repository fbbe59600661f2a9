"""What a shard worker does with its rows: solve them (``eval``), export traces, or grade generations.

A run's options (stored in its manifest, checked by ``--resume``) name its job in ``"job"``
(absent: ``solve``, the ``eval`` records of ``hybrid.engine.records``). Each job turns a shard's
rows into **one record per input row, in input order** (rows another option leaves out, such as
``families``, give none), and a row that fails gives an error record in its place::

    solve   {"row", "id", "family", "answer", "status", ..., "error", "error_type"}   (records.py)
    traces  {"row", "id", "family", "status", "answer", "expected", "trace": {...} | null,
             "skipped": "<why no trace>" | null, "lines", "lines_true", "error", "error_type"}
    grade   {"row", "id", "matched", "family", "status", "answer", "extraction", "gold", "strict",
             "tolerant", ["trace_ok", "lines", "first_false", "problems", "false_lines", "ok_checks",
             "false_ok"], "error", "error_type"}

``trace`` is exactly the record ``hybrid.model.traces.iter_records`` writes for the row (it is
produced by that function, one row at a time), so ``iter_traces(out)`` gives the records of a local
``export-traces`` run in the same order; ``trace_stats`` adds up its counts. ``grade_report``
turns grade records into the report ``hybrid.model.grade.grade`` returns. Per-worker state (the
catalogs, grading's labelled data) is loaded once per process and kept (``_state``).
"""

from __future__ import annotations

from ..errors import HybridError, InternalError
from .records import CrashLog, _one_line, fill, solve_inline, split_rows

__all__ = ["JOBS", "job_of", "trace_options", "grade_options", "process_rows", "trace_stats", "iter_traces",
           "grade_report"]

JOBS = ("solve", "traces", "grade", "generate")

_STATE: dict = {}  # per worker process: loaded once (labelled data for grading)


def job_of(options: dict) -> str:
    """The job a run's options name (``solve`` when they name none)."""
    job = options.get("job", "solve")
    if job not in JOBS:
        raise HybridError(f"unknown engine job {job!r}; expected one of {', '.join(JOBS)}")
    return job


# ------------------------------------------------------------------------------------ options
def trace_options(*, statuses=("deduced",), search: bool = True, time_limit: float | None = None,
                  grammar: int = 2, k: int = 8, wrong: str = "skip", instruction: str | None = None,
                  system: str | None = None, families=None, split: str = "all", holdout: float | None = None,
                  seed: int | None = None, output: str = "jsonl") -> dict:
    """Options of a trace-export run (the arguments of ``iter_records`` and of the split)."""
    from ..model.render import INSTRUCTION
    from ..model.split import DEFAULT_HOLDOUT, DEFAULT_SEED, SPLITS
    from ..pipeline import DEFAULT_TIME_LIMIT

    if split not in SPLITS:
        raise HybridError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    if wrong not in ("skip", "keep"):
        raise HybridError(f"wrong must be 'skip' or 'keep', got {wrong!r}")
    if grammar not in (1, 2):
        raise HybridError(f"grammar must be 1 or 2, got {grammar!r}")
    return {"job": "traces", "statuses": list(statuses), "search": bool(search),
            "time_limit": float(DEFAULT_TIME_LIMIT if time_limit is None else time_limit), "grammar": int(grammar),
            "k": int(k), "wrong": wrong, "instruction": instruction or INSTRUCTION, "system": system,
            "families": sorted(families) if families else None, "split": split,
            "holdout": float(DEFAULT_HOLDOUT if holdout is None else holdout),
            "seed": int(DEFAULT_SEED if seed is None else seed), "output": output}


def grade_options(data, *, audit: bool = False, time_limit: float | None = None, grammar=2,
                  output: str = "jsonl") -> dict:
    """Options of a grading run: the labelled CSV (``data``: a path every worker can read), and
    ``grade``'s ``audit``, ``time_limit`` and ``grammar`` (2, 1 or ``"auto"``)."""
    import os

    from ..pipeline import DEFAULT_TIME_LIMIT

    if not os.path.isfile(data):
        raise HybridError(f"{data}: no such file")
    t = DEFAULT_TIME_LIMIT if time_limit is None else float(time_limit)
    if t <= 0:
        raise HybridError(f"time_limit must be > 0, got {t}")
    if grammar not in (1, 2, "auto"):
        raise HybridError(f"grammar must be 1, 2 or 'auto', got {grammar!r}")
    st = os.stat(data)
    return {"job": "grade", "data": os.path.abspath(data), "data_bytes": st.st_size, "data_mtime_ns": st.st_mtime_ns,
            "audit": bool(audit), "time_limit": t, "grammar": grammar, "output": output}


# ------------------------------------------------------------------------------------ dispatch
def process_rows(rows: list, options: dict, recaller=None, progress: CrashLog | None = None) -> list[dict]:
    """The records of a shard's rows for the run's job (see the module docstring)."""
    job = job_of(options)
    if job == "solve":
        records, todo = split_rows(rows, options.get("families"))
        return fill(records, todo, solve_inline([t for _, t in todo], options, recaller, progress))
    if job == "traces":
        return _guarded(rows, progress, lambda i, row: _trace_row(i, row, options))
    if job == "grade":
        data = _labelled(options)
        return _guarded(rows, progress, lambda i, row: _grade_row(i, row, options, data))
    raise HybridError(f"job {job!r} has no per-row records")


def _guarded(rows: list, progress: CrashLog | None, one) -> list[dict]:
    """``one(i, row)`` for each row (a record, or None to leave the row out); an exception becomes
    an error record in place; rows that killed an earlier attempt (``progress``) are not re-run."""
    out = []
    for i, row in enumerate(rows):
        rid = row.get("id") if isinstance(row, dict) else None
        if progress is not None:
            if i in progress.crashed:
                out.append(_error_record(i, rid, InternalError(
                    "the worker process died while processing this row (a crash in native code?); the shard "
                    "was retried on a fresh worker without it", original_type="WorkerDied")))
                continue
            progress.start(i)
        try:
            rec = one(i, row)
        except HybridError as exc:
            rec = _error_record(i, rid, exc)
        except Exception as exc:  # noqa: BLE001 - never lose a shard to one row
            rec = _error_record(i, rid, InternalError(f"internal error: {type(exc).__name__}: {_one_line(exc)}"))
        if rec is not None:
            out.append(rec)
    return out


def _error_record(i: int, rid, exc: BaseException) -> dict:
    return {"row": i, "id": None if rid is None else str(rid), "error": _one_line(exc),
            "error_type": type(exc).__name__}


# ------------------------------------------------------------------------------------ traces
def _trace_row(i: int, row: dict, o: dict) -> dict | None:
    from dataclasses import replace

    from ..model.split import is_heldout
    from ..model.traces import TraceStats, iter_records
    from ..parse import parse

    prompt, gold = row.get("prompt"), row.get("answer")
    if not isinstance(prompt, str):
        raise HybridError(f"the row's prompt must be a string, got {type(prompt).__name__}")
    task = parse(prompt)  # a row that does not parse is an error record (export-traces skips it)
    if o["families"] and task.family not in o["families"]:
        return None
    if gold is None:  # export-traces reads labelled rows only
        return None
    if o["split"] != "all" and is_heldout(task.prompt or task.query, o["holdout"], o["seed"]) != (
            o["split"] == "heldout"):
        return None
    task = replace(task, meta={**task.meta, "answer": gold, "id": row.get("id")})
    st = TraceStats()
    recs = list(iter_records([task], statuses=tuple(o["statuses"]), search=o["search"], time_limit=o["time_limit"],
                             stats=st, grammar=o["grammar"], k=o["k"], wrong=o["wrong"],
                             instruction=o["instruction"], system=o["system"]))
    trace = recs[0] if recs else None
    return {"row": i, "id": row.get("id"), "family": task.family, "status": trace["status"] if trace else None,
            "answer": trace["answer"] if trace else None, "expected": gold, "trace": trace,
            "skipped": None if trace else next(iter(st.skipped), "no trace"), "lines": st.lines,
            "lines_true": st.lines_true, "error": None, "error_type": None}


def trace_stats(records):
    """A ``TraceStats`` adding up trace records (as ``iter_records`` counts a local export)."""
    from ..model.traces import TraceStats

    st = TraceStats()
    for r in records:
        if r.get("error"):
            continue
        st.rows += 1
        st.lines += r.get("lines") or 0
        st.lines_true += r.get("lines_true") or 0
        if r.get("trace") is not None:
            st.reverified += 1
            st.written += 1
            st.by_family[r["family"]] = st.by_family.get(r["family"], 0) + 1
        else:
            st.skip(r.get("skipped") or "no trace")
    return st


def iter_traces(out):
    """The trace records of a finished trace-export run, in input order."""
    from .shards import iter_results

    for r in iter_results(out):
        if r.get("trace") is not None:
            yield r["trace"]


# ------------------------------------------------------------------------------------ grade
def _labelled(options: dict) -> dict:
    """The grading run's labelled rows, by id and by prompt (loaded once per worker process)."""
    key = ("grade", options["data"], options["data_bytes"], options["data_mtime_ns"])
    if key not in _STATE:
        from ..data import read_csv

        rows = read_csv(options["data"])
        _STATE.clear()
        _STATE[key] = ({r.id: r for r in rows}, {r.prompt.strip(): r for r in rows}, {})
    return _STATE[key]


def _generation(obj) -> dict:
    """``{id, prompt, text}`` of one generations record (as ``grade.read_generations`` reads it)."""
    from ..model.grade import _TEXT_KEYS
    from ..model.traces import record_prompt

    if not isinstance(obj, dict):
        raise HybridError("the line is not a JSON object")
    text = next((obj[k] for k in _TEXT_KEYS if isinstance(obj.get(k), str)), None)
    prompt = None
    if isinstance(obj.get("messages"), list):
        msgs = [m for m in obj["messages"] if isinstance(m, dict)]
        if text is None:
            text = next((m.get("content") for m in reversed(msgs) if m.get("role") == "assistant"), None)
        prompt = record_prompt(obj) or None
    if prompt is None and isinstance(obj.get("prompt"), str):
        prompt = obj["prompt"].strip()
    if text is None:
        raise HybridError("the line has no generation (a 'text' field or an assistant message)")
    rid = obj.get("id")
    return {"id": None if rid is None else str(rid), "prompt": prompt, "text": text}


def _grade_row(i: int, obj, o: dict, data) -> dict:
    from ..model.answers import extract_answer, score_answer
    from ..model.grammar import audit_any
    from ..parse import parse
    from ..pipeline import solve

    by_id, by_prompt, solved = data
    g = _generation(obj)
    row = by_id.get(g["id"]) if g["id"] is not None else None
    if row is None and g["prompt"]:
        row = by_prompt.get(g["prompt"].strip())
    unmatched = {"row": i, "id": g["id"], "matched": False, "error": None, "error_type": None}
    if row is None or row.answer is None:
        return unmatched
    try:
        task = parse(row.prompt)
    except HybridError:
        return unmatched
    if row.id not in solved:
        if len(solved) > 4096:
            solved.clear()
        solved[row.id] = solve(task, time_limit=o["time_limit"])
    sol = solved[row.id]
    pred, how = extract_answer(g["text"])
    strict, tolerant = score_answer(pred, row.answer)
    rec = {"row": i, "id": row.id, "matched": True, "family": task.family, "status": sol.status, "answer": pred,
           "extraction": how, "gold": row.answer, "strict": bool(strict), "tolerant": bool(tolerant)}
    if o["audit"]:
        a = audit_any(task, g["text"], sol, o.get("grammar", 2))
        ok_claims = [v for v in a.lines if v.kind == "check" and v.claims_ok and v.verdict != "unparseable"]
        rec.update({"trace_ok": bool(a.ok), "lines": a.counts(), "first_false": a.first_false,
                    "problems": list(a.problems),
                    "false_lines": [{"line": v.n + 1, "kind": v.kind, "why": v.why}
                                    for v in a.lines if v.verdict == "false"][:5],
                    "ok_checks": len(ok_claims), "false_ok": sum(v.verdict == "false" for v in ok_claims)})
    rec.update(error=None, error_type=None)
    return rec


_ROW_KEYS = ("id", "family", "status", "answer", "extraction", "gold", "strict", "tolerant")
_AUDIT_KEYS = ("trace_ok", "lines", "first_false", "problems", "false_lines")


def grade_report(records, *, audit: bool = False, per_row: bool = False, grammar=2) -> dict:
    """The report ``hybrid.model.grade.grade`` gives, from grade records; ``errors`` counts the
    generations that could not be read (``grade`` refuses the whole file for one such line)."""
    from collections import defaultdict

    from ..model.grade import _Acc

    overall, fams, stats = _Acc(), defaultdict(_Acc), defaultdict(_Acc)
    unmatched = errors = 0
    rows = []
    for r in records:
        if r.get("error"):
            errors += 1
            continue
        if not r.get("matched"):
            unmatched += 1
            continue
        accs = (overall, fams[r["family"]], stats[r["status"]])
        for acc in accs:
            acc.n += 1
            acc.strict += r["strict"]
            acc.tolerant += r["tolerant"]
            acc.boxed += r["extraction"] == "boxed"
            if audit:
                acc.audited += 1
                acc.trace_ok += r["trace_ok"]
                for k, v in r["lines"].items():
                    acc.lines[k] += v
                acc.ok_claims += r["ok_checks"]
                acc.false_ok += r["false_ok"]
                if r["first_false"] is not None:
                    acc.first_false.append(r["first_false"])
        if per_row:
            rows.append({k: r[k] for k in (*_ROW_KEYS, *(_AUDIT_KEYS if audit else ()))})
    if overall.n == 0:
        raise HybridError("no generation matched a labelled row of the data (by id or by prompt)")
    order = ("deduced", "ambiguous", "guessed", "unsolved", "abstained")
    rep = {"overall": overall.to_dict(audit), "families": {f: fams[f].to_dict(audit) for f in sorted(fams)},
           "statuses": {s: stats[s].to_dict(audit) for s in order if s in stats}, "unmatched": unmatched,
           "audit": audit, "grammar": grammar if audit else None}
    if errors:
        rep["errors"] = errors
    if per_row:
        rep["rows"] = rows
    return rep
