"""Evaluating ``hybrid.solve`` on a labelled CSV: per-family accuracy, status counts, latency."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .data import read_rows
from .errors import HybridError
from .families import family_names
from .parse import parse
from .pipeline import DEFAULT_TIME_LIMIT, solve_many
from .solution import STATUSES

__all__ = ["evaluate", "EvalReport", "format_report"]


@dataclass
class FamilyStats:
    rows: int = 0
    correct: int = 0
    errors: int = 0
    status: dict = field(default_factory=lambda: {s: 0 for s in STATUSES})
    correct_by_status: dict = field(default_factory=lambda: {s: 0 for s in STATUSES})
    latencies_ms: list = field(default_factory=list)
    confidences: list = field(default_factory=list)

    def count(self, status: str, correct: bool, latency_ms: float, confidence: float | None) -> None:
        """Count one solved row (a row that raised counts through ``errors`` instead)."""
        self.rows += 1
        self.latencies_ms.append(latency_ms)
        if confidence is not None:
            self.confidences.append(confidence)
        self.status[status] = self.status.get(status, 0) + 1
        if correct:
            self.correct += 1
            self.correct_by_status[status] = self.correct_by_status.get(status, 0) + 1

    def add(self, other: "FamilyStats") -> None:
        """Fold another family's counts into these (the report's total row)."""
        self.rows += other.rows
        self.correct += other.correct
        self.errors += other.errors
        self.latencies_ms += other.latencies_ms
        self.confidences += other.confidences
        for k, v in other.status.items():
            self.status[k] = self.status.get(k, 0) + v
        for k, v in other.correct_by_status.items():
            self.correct_by_status[k] = self.correct_by_status.get(k, 0) + v

    def summary(self) -> dict:
        """The family's figures as a dict: rows, correct, accuracy, statuses, latency percentiles."""
        lat = sorted(self.latencies_ms)

        def pct(q):
            return round(lat[min(len(lat) - 1, int(q * len(lat)))], 3) if lat else None

        return {
            "rows": self.rows,
            "correct": self.correct,
            "accuracy": round(self.correct / self.rows, 4) if self.rows else None,
            "errors": self.errors,
            "status": dict(self.status),
            "correct_by_status": dict(self.correct_by_status),
            "mean_confidence": (round(sum(self.confidences) / len(self.confidences), 4)
                                if self.confidences else None),
            "p50_ms": pct(0.5),
            "p95_ms": pct(0.95),
        }


@dataclass
class EvalReport:
    families: dict
    total: dict
    seconds: float
    wrong: list

    def to_dict(self) -> dict:
        """The report as a JSON-ready dict (``hybrid eval --json``)."""
        return {"families": self.families, "total": self.total, "seconds": round(self.seconds, 2),
                "wrong": self.wrong}


def evaluate(path, *, families=None, limit=None, recaller=None, search=True, time_limit=DEFAULT_TIME_LIMIT,
             progress=False, keep_wrong=0, workers=1, on_result=None, min_confidence: float = 0.0) -> EvalReport:
    """Solve every row of a labelled file (CSV, or JSONL / Parquet records) and compare answers by
    exact string match.

    ``on_result(row, solution)`` is called for every solved row, in file order (the demo prints
    each row through it).

    Latency per row is the pipeline's own ``timings['total']`` (parse excluded), so it is the same
    whether rows are solved in one process or in ``workers`` processes.
    """
    rows = [r for r in read_rows(path) if r.answer is not None]
    if not rows:
        raise HybridError(f"{path}: no rows with an 'answer' column to evaluate against")
    stats: dict[str, FamilyStats] = {}
    wrong: list = []
    per_family_seen: dict[str, int] = {}
    t_all = time.perf_counter()
    todo = []
    for row in rows:
        try:
            task = parse(row.prompt)
        except Exception as exc:  # noqa: BLE001 - a row that cannot be parsed is an error in place
            st = stats.setdefault("unparsed", FamilyStats())
            st.rows += 1
            st.errors += 1
            if len(wrong) < keep_wrong:
                wrong.append({"id": row.id, "family": "unparsed", "error": str(exc)})
            continue
        if families and task.family not in families:
            continue
        if limit is not None:
            per_family_seen[task.family] = per_family_seen.get(task.family, 0) + 1
            if per_family_seen[task.family] > limit:
                continue
        todo.append((row, task))
    results = solve_many([t for _, t in todo], workers=workers, recaller=recaller, search=search,
                         time_limit=time_limit, progress=progress, min_confidence=min_confidence)
    for (row, task), sol in zip(todo, results):
        st = stats.setdefault(task.family, FamilyStats())
        if on_result is not None:
            on_result(row, sol)
        if isinstance(sol, Exception):
            st.rows += 1
            st.errors += 1
            if len(wrong) < keep_wrong:
                wrong.append({"id": row.id, "family": task.family, "error": str(sol)})
            continue
        ok = sol.answer is not None and sol.answer.strip() == row.answer.strip()
        st.count(sol.status, ok, sol.timings.get("total", 0.0), sol.confidence)
        if not ok and len(wrong) < keep_wrong:
            wrong.append({"id": row.id, "family": task.family, "expected": row.answer, "got": sol.answer,
                          "status": sol.status, "rule": sol.rule, "prompt": row.prompt})
    return build_report(stats, time.perf_counter() - t_all, wrong)


def build_report(stats: dict, seconds: float, wrong: list) -> EvalReport:
    """The report from per-family stats: families in registry order (then ``unparsed``, then any
    other), and their total."""
    names = family_names()
    order = [f for f in (*names, "unparsed") if f in stats] + sorted(set(stats) - {*names, "unparsed"})
    tot = FamilyStats()
    for f in order:
        tot.add(stats[f])
    return EvalReport({f: stats[f].summary() for f in order}, tot.summary(), seconds, wrong)


def format_report(rep: EvalReport) -> str:
    """The report as the text table ``hybrid eval`` prints."""
    head = (f"{'family':17s} {'rows':>5s} {'correct':>7s} {'acc%':>7s} {'conf%':>6s}  {'deduced':>7s} {'ambig':>6s} "
            f"{'guess':>6s} {'unsolv':>6s} {'abst':>5s} {'errors':>6s}  {'p50 ms':>7s} {'p95 ms':>7s}")
    lines = [head, "-" * len(head)]

    def fmt(name, s):
        acc = f"{100 * s['accuracy']:.2f}" if s["accuracy"] is not None else "-"
        st = s["status"]
        p50 = f"{s['p50_ms']:.2f}" if s["p50_ms"] is not None else "-"
        p95 = f"{s['p95_ms']:.2f}" if s["p95_ms"] is not None else "-"
        conf = f"{100 * s['mean_confidence']:.1f}" if s.get("mean_confidence") is not None else "-"
        return (f"{name:17s} {s['rows']:5d} {s['correct']:7d} {acc:>7s} {conf:>6s}  {st.get('deduced', 0):7d} "
                f"{st.get('ambiguous', 0):6d} {st.get('guessed', 0):6d} {st.get('unsolved', 0):6d} "
                f"{st.get('abstained', 0):5d} {s['errors']:6d}  {p50:>7s} {p95:>7s}")

    for name, s in rep.families.items():
        lines.append(fmt(name, s))
    lines.append("-" * len(head))
    lines.append(fmt("all", rep.total))
    lines.append(f"evaluated in {rep.seconds:.1f} s")
    return "\n".join(lines)
