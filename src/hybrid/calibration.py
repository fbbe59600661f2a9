"""Is ``Solution.confidence`` a probability? Reliability tables, calibration error, coverage curves,
and the k-fold check that measures them on rows the catalogs never learned from.

``hybrid eval CSV --calibration [--folds K]`` and ``--coverage`` print what this module computes.
With ``folds=K`` (default 2 for calibration) the rows are split into K parts by a hash of the
prompt text; for each part, every catalog is rebuilt from the *other* parts' rows only (every
choice a builder makes, priors, smoothing, EM, happens inside the fold) into a temporary
directory, and the part is solved with those catalogs. The figures are therefore the nested
ones: nothing measured on a row was fitted on it.

>>> rel = reliability([0.95, 0.95, 0.6, 0.6], [True, True, True, False], bins=10)
>>> round(rel["ece"], 3), [b["count"] for b in rel["bins"]]
(0.075, [2, 2])
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import HybridError

__all__ = ["reliability", "coverage_curve", "fold_of", "Outcome", "collect_outcomes", "kfold_outcomes",
           "calibration_report", "format_calibration", "plot_reliability"]


@dataclass
class Outcome:
    """One solved row: its family, status, confidence and whether the answer matched."""

    family: str
    status: str
    confidence: float | None
    correct: bool
    fold: int = 0
    id: str = ""


def fold_of(prompt: str, folds: int, seed: int = 0) -> int:
    """The fold of a row, from a hash of its prompt text (never its id)."""
    h = hashlib.sha256(f"{seed}:{prompt}".encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(h[:8], "big") % folds


def reliability(confidences, correct, bins: int = 10) -> dict:
    """Bin answers by confidence: per bin the mean confidence, the observed accuracy and the count;
    ``ece`` is the expected calibration error (count-weighted mean |accuracy - confidence|).

    The top bin is closed ([0.9, 1.0]), so deduced answers (confidence 1.0) land in it.
    """
    pairs = [(float(c), bool(k)) for c, k in zip(confidences, correct) if c is not None and math.isfinite(c)]
    table = []
    ece = 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        members = [(c, k) for c, k in pairs if (lo <= c < hi) or (b == bins - 1 and c == hi)]
        if not members:
            continue
        conf = sum(c for c, _ in members) / len(members)
        acc = sum(k for _, k in members) / len(members)
        ece += len(members) * abs(acc - conf)
        table.append({"lo": lo, "hi": hi, "count": len(members), "confidence": conf, "accuracy": acc})
    n = len(pairs)
    return {"bins": table, "ece": ece / n if n else None, "n": n,
            "accuracy": sum(k for _, k in pairs) / n if n else None,
            "mean_confidence": sum(c for c, _ in pairs) / n if n else None}


def coverage_curve(confidences, correct, thresholds=(0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0)) -> list[dict]:
    """For each threshold p: the share of rows answered with confidence >= p (coverage) and the
    accuracy of those answers (precision)."""
    pairs = [(float(c) if c is not None else 0.0, bool(k)) for c, k in zip(confidences, correct)]
    n = len(pairs)
    out = []
    for p in thresholds:
        kept = [k for c, k in pairs if c >= p]
        out.append({"threshold": p, "kept": len(kept), "coverage": len(kept) / n if n else None,
                    "precision": sum(kept) / len(kept) if kept else None})
    return out


def _outcomes_for(rows_tasks, solutions, fold: int = 0) -> list[Outcome]:
    out = []
    for (row, task), sol in zip(rows_tasks, solutions):
        if isinstance(sol, Exception):
            out.append(Outcome(task.family, "error", None, False, fold, row.id))
            continue
        ok = sol.answer is not None and sol.answer.strip() == (row.answer or "").strip()
        out.append(Outcome(task.family, sol.status, sol.confidence, ok, fold, row.id))
    return out


def _parsed_rows(path, families=None):
    from .data import read_csv
    from .parse import parse

    todo = []
    for row in read_csv(path):
        if row.answer is None:
            continue
        try:
            task = parse(row.prompt)
        except HybridError:
            continue
        if families and task.family not in families:
            continue
        todo.append((row, task))
    if not todo:
        raise HybridError(f"{path}: no labelled rows to measure calibration on")
    return todo


def collect_outcomes(path, *, families=None, time_limit: float = 10.0, workers: int = 1,
                     progress: bool = False) -> list[Outcome]:
    """In-sample outcomes: every row solved with the shipped catalogs."""
    from .pipeline import solve_many

    todo = _parsed_rows(path, families)
    sols = solve_many([t for _, t in todo], workers=workers, time_limit=time_limit, progress=progress)
    return _outcomes_for(todo, sols)


def kfold_outcomes(path, *, folds: int = 2, seed: int = 0, families=None, time_limit: float = 10.0,
                   progress: bool = False, log=None) -> list[Outcome]:
    """Nested outcomes: each fold solved with catalogs built from the other folds' rows only."""
    from dataclasses import replace

    from . import catalog as catalog_mod
    from .catalog import timed_build
    from .families import get_family
    from .pipeline import solve_many

    if folds < 2:
        raise HybridError(f"--folds must be >= 2 for a nested check, got {folds}")
    todo = _parsed_rows(path, families)
    labelled = [(row, replace(task, meta={**task.meta, "answer": row.answer, "id": row.id})) for row, task in todo]
    fold_ids = [fold_of(row.prompt, folds, seed) for row, _ in todo]
    names = sorted({t.family for _, t in todo})
    builders = set()
    for n in names:
        fam = get_family(n)
        if fam.has_catalog:
            builders.add(n)
        builders.update(m for m in fam.learns_from if get_family(m).has_catalog)
    outcomes: list[Outcome] = []
    old_env = os.environ.get("HYBRID_CATALOG_DIR")
    try:
        for k in range(folds):
            t0 = time.perf_counter()
            train = [t for (_, t), f in zip(labelled, fold_ids) if f != k]
            with tempfile.TemporaryDirectory(prefix=f"hybrid-fold{k}-") as tmp:
                # Every catalog is rebuilt from this fold's training rows only (builders that
                # learn nothing from rows, e.g. numeral's table, give the shipped file back).
                for n in sorted(builders):
                    fam = get_family(n)
                    own = [t for t in train if t.family == n]
                    related = {m: [t for t in train if t.family == m] for m in fam.learns_from}
                    timed_build(fam, own, directory=Path(tmp), related=related)
                os.environ["HYBRID_CATALOG_DIR"] = tmp
                catalog_mod.clear_cache()
                held = [(r, t) for (r, t), f in zip(todo, fold_ids) if f == k]
                sols = solve_many([t for _, t in held], workers=1, time_limit=time_limit, progress=progress)
                outcomes.extend(_outcomes_for(held, sols, fold=k))
            if log:
                log(f"fold {k + 1}/{folds}: {len(held)} rows held out, {len(train)} rows to build from, "
                    f"{time.perf_counter() - t0:.1f} s")
    finally:
        if old_env is None:
            os.environ.pop("HYBRID_CATALOG_DIR", None)
        else:
            os.environ["HYBRID_CATALOG_DIR"] = old_env
        catalog_mod.clear_cache()
    return outcomes


@dataclass
class CalibrationReport:
    families: dict = field(default_factory=dict)
    folds: int = 0

    def to_dict(self) -> dict:
        """The report as a JSON-ready dict (``hybrid eval --calibration --json``)."""
        return {"folds": self.folds, "families": self.families}


def calibration_report(outcomes: list[Outcome], bins: int = 10, folds: int = 0) -> CalibrationReport:
    """Per family (and ``all``): reliability table, ECE, accuracy, coverage curve, by status."""
    from .families import family_names

    by: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by.setdefault(o.family, []).append(o)
    order = [f for f in family_names() if f in by] + sorted(set(by) - set(family_names()))
    rep = CalibrationReport(folds=folds)
    for name, outs in [*((f, by[f]) for f in order), ("all", outcomes)]:
        answered = [o for o in outs if o.confidence is not None]
        rel = reliability([o.confidence for o in answered], [o.correct for o in answered], bins)
        statuses: dict[str, dict] = {}
        for o in outs:
            s = statuses.setdefault(o.status, {"rows": 0, "correct": 0})
            s["rows"] += 1
            s["correct"] += int(o.correct)
        rep.families[name] = {
            "rows": len(outs),
            "correct": sum(o.correct for o in outs),
            "accuracy": sum(o.correct for o in outs) / len(outs) if outs else None,
            "reliability": rel,
            "coverage": coverage_curve([o.confidence for o in outs], [o.correct for o in outs]),
            "status": statuses,
        }
    return rep


def format_calibration(rep: CalibrationReport, coverage: bool = False) -> str:
    """The report as the text table ``hybrid eval --calibration`` prints (``coverage``: add the accuracy/coverage curve)."""
    where = f"nested {rep.folds}-fold" if rep.folds else "in-sample (shipped catalogs)"
    lines = [f"calibration, {where}", ""]
    head = f"{'family':17s} {'rows':>5s} {'acc%':>7s} {'conf%':>7s} {'ECE':>6s}   bins (conf -> acc, n)"
    lines += [head, "-" * len(head)]
    for name, f in rep.families.items():
        rel = f["reliability"]
        acc = f"{100 * f['accuracy']:.2f}" if f["accuracy"] is not None else "-"
        mc = f"{100 * rel['mean_confidence']:.2f}" if rel["mean_confidence"] is not None else "-"
        ece = f"{rel['ece']:.3f}" if rel["ece"] is not None else "-"
        bins = "  ".join(f"{b['confidence']:.2f}->{b['accuracy']:.2f} ({b['count']})" for b in rel["bins"])
        lines.append(f"{name:17s} {f['rows']:5d} {acc:>7s} {mc:>7s} {ece:>6s}   {bins}")
    if coverage:
        lines += ["", "coverage / precision at min_confidence p:", ""]
        ths = [c["threshold"] for c in next(iter(rep.families.values()))["coverage"]]
        lines.append(f"{'family':17s} " + " ".join(f"{'p>=' + format(t, 'g'):>15s}" for t in ths))
        for name, f in rep.families.items():
            cells = []
            for c in f["coverage"]:
                if c["precision"] is None:
                    cells.append(f"{'-':>15s}")
                else:
                    cells.append(f"{100 * c['coverage']:6.1f}%/{100 * c['precision']:6.2f}%")
            lines.append(f"{name:17s} " + " ".join(f"{c:>15s}" for c in cells))
        lines.append("(each cell: coverage / precision of the answers kept)")
    return "\n".join(lines)


def plot_reliability(rep: CalibrationReport, out_dir) -> list[Path]:
    """One PNG reliability diagram per family (needs matplotlib: the ``bench`` extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise HybridError(f"reliability plots need matplotlib (pip install 'hybrid[bench]'): {exc}") from None
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    where = f"nested {rep.folds}-fold" if rep.folds else "in-sample"
    for name, f in rep.families.items():
        rel = f["reliability"]
        fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
        ax.plot([0, 1], [0, 1], color="0.7", lw=1, ls="--")
        xs = [b["confidence"] for b in rel["bins"]]
        ys = [b["accuracy"] for b in rel["bins"]]
        sizes = [max(10, 300 * b["count"] / max(1, rel["n"])) for b in rel["bins"]]
        ax.plot(xs, ys, color="C0", lw=1)
        ax.scatter(xs, ys, s=sizes, color="C0", zorder=3)
        ece = f"{rel['ece']:.3f}" if rel["ece"] is not None else "-"
        ax.set(xlim=(0, 1.02), ylim=(0, 1.02), xlabel="confidence", ylabel="observed accuracy",
               title=f"{name} ({where}), ECE {ece}, n={rel['n']}")
        ax.title.set_fontsize(8)
        fig.tight_layout()
        path = out_dir / f"reliability_{name}.png"
        fig.savefig(path, metadata={"Software": None})
        plt.close(fig)
        paths.append(path)
    return paths
