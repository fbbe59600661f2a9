"""The recall report: how well each recaller orders a task's candidates, per family.

For every labelled task the family's candidates are recalled once and verified once (bulk-matched
candidates are trusted, as the pipeline does); then each recaller ranks the same list. Measured
per family and recaller:

* ``R@1`` / ``R@8``: the share of rows with a correct verified candidate (one that reproduces every
  example and gives the labelled answer) where one sits at rank 1 / within the top 8;
* ``verif``: the mean number of verifications the pipeline runs before the first candidate that
  verifies (1 = the top-ranked one verifies);
* ``amb`` / ``guess``: answer accuracy on the rows where the consistent candidates disagree
  (ambiguous) or where one of them is flagged as a guess; the answer is the top-ranked consistent
  candidate's, as in ``hybrid.solve``. These are the rows where ranking decides the answer.

The fallback search is not run: rows where no recalled candidate verifies are counted apart.
"""

from __future__ import annotations

import time

from ..families import FAMILY_NAMES, get_family
from ..recall import rank

__all__ = ["recall_report", "format_report"]


class _Acc:
    def __init__(self):
        self.n = 0
        self.r1 = 0
        self.r8 = 0
        self.verif = 0
        self.n_verif = 0
        self.amb = [0, 0]
        self.guess = [0, 0]
        self.seconds = 0.0

    def to_dict(self):
        def frac(a, b):
            return round(a / b, 4) if b else None

        return {"rows_with_correct": self.n, "recall@1": frac(self.r1, self.n), "recall@8": frac(self.r8, self.n),
                "mean_verifications": frac(self.verif, self.n_verif),
                "ambiguous_acc": frac(*self.amb), "ambiguous_rows": self.amb[1],
                "guess_acc": frac(*self.guess), "guess_rows": self.guess[1], "rank_seconds": round(self.seconds, 2)}


def recall_report(tasks, recallers: dict, *, progress: bool = False) -> dict:
    """Compare ``recallers`` (name -> Recaller) on labelled ``tasks``; returns a JSON-able dict."""
    fams: dict = {}
    from tqdm import tqdm

    for task in tqdm(tasks, unit="row", dynamic_ncols=True, disable=not progress):
        gold = task.meta.get("answer")
        fam = get_family(task.family)
        st = fams.setdefault(task.family, {"rows": 0, "multi": 0, "no_candidates": 0, "no_verified": 0,
                                           "no_correct": 0, "by": {n: _Acc() for n in recallers}})
        st["rows"] += 1
        hyps = fam.candidates(task)
        hyps = getattr(hyps, "hypotheses", hyps)
        if not hyps:
            st["no_candidates"] += 1
            continue
        st["multi"] += len(hyps) > 1
        ok = [True] * len(hyps) if fam.candidates_verified else [bool(fam.verify(h, task)) for h in hyps]
        ans = [fam.apply(h, task) if c else None for h, c in zip(hyps, ok, strict=True)]
        if not any(ok):
            st["no_verified"] += 1
            continue
        correct = [c and a == gold for c, a in zip(ok, ans, strict=True)]
        distinct = {a for c, a in zip(ok, ans, strict=True) if c and a is not None}
        is_guess = any(h.guess for h, c in zip(hyps, ok, strict=True) if c)
        is_amb = len(distinct) > 1
        pos_of = {id(h): i for i, h in enumerate(hyps)}
        for name, rec in recallers.items():
            acc = st["by"][name]
            t0 = time.perf_counter()
            order = [pos_of[id(h)] for h in rank(rec, task, hyps)]
            acc.seconds += time.perf_counter() - t0
            first_ok = next(k for k, i in enumerate(order) if ok[i])
            acc.verif += first_ok + 1
            acc.n_verif += 1
            if any(correct):
                acc.n += 1
                first_correct = next(k for k, i in enumerate(order) if correct[i])
                acc.r1 += first_correct == 0
                acc.r8 += first_correct < 8
            top = order[first_ok]
            hit = ans[top] == gold
            if is_guess:
                acc.guess[0] += hit
                acc.guess[1] += 1
            elif is_amb:
                acc.amb[0] += hit
                acc.amb[1] += 1
        if not any(correct):
            st["no_correct"] += 1
    out = {}
    for f in [f for f in FAMILY_NAMES if f in fams] + sorted(set(fams) - set(FAMILY_NAMES)):
        st = fams[f]
        out[f] = {k: v for k, v in st.items() if k != "by"}
        out[f]["recallers"] = {n: a.to_dict() for n, a in st["by"].items()}
    return {"families": out, "recallers": list(recallers)}


def _fmt(x, pct=True):
    if x is None:
        return "–"
    return f"{100 * x:.1f}%" if pct else f"{x:.2f}"


def format_report(rep: dict) -> str:
    """A Markdown table: one line per family and recaller."""
    lines = ["| family | rows | ≥2 cand. | with correct | recaller | R@1 | R@8 | verif. | ambiguous acc (n) | guess acc (n) | rank s |",
             "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for f, st in rep["families"].items():
        for name, r in st["recallers"].items():
            lines.append(
                f"| {f} | {st['rows']} | {st['multi']} | {r['rows_with_correct']} | {name} | {_fmt(r['recall@1'])} | "
                f"{_fmt(r['recall@8'])} | {_fmt(r['mean_verifications'], False)} | "
                f"{_fmt(r['ambiguous_acc'])} ({r['ambiguous_rows']}) | {_fmt(r['guess_acc'])} ({r['guess_rows']}) | "
                f"{r['rank_seconds']:.1f} |")
    return "\n".join(lines)
