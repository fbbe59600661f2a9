"""``hybrid grade``: score a model's generations, and audit their traces line by line.

Input: a JSON-lines file of generations, one per line, in either form:

* ``{"id": "<row id>", "text": "<generation>"}`` (``output``, ``generation``, ``response`` or
  ``completion`` are read as ``text`` too);
* the chat format ``export-traces`` writes: ``{"messages": [..., {"role": "user", ...},
  {"role": "assistant", "content": "<generation>"}], "id": ...}``.

Each generation is matched to a labelled CSV row by ``id``, else by its prompt (the user message,
instruction removed). The final answer is extracted (``answers.extract_answer``) and scored strict
and tolerant (``answers.score_answer``), per family and per the library's status of the puzzle
(``hybrid.solve``: deduced / ambiguous / guessed / unsolved).

With ``audit`` every line is checked under the trace grammar (``grammar.audit_trace``; with
``grammar=1`` the old layout, ``grammar.audit_trace_v1``; ``"auto"`` picks per generation):
``true``, ``false`` or ``unparseable``. The false-"ok" rate of a family is the share of its ``Check`` lines
whose verdict says ``ok`` but are false (the "verdict-as-token" failure), among its ``ok`` Check
lines that could be checked (true or false). ``trace_ok`` is a generation whose every line is true
and whose structure is complete.
"""

from __future__ import annotations

import os
from collections import defaultdict

from ..errors import HybridError
from .answers import extract_answer, score_answer

__all__ = ["grade", "read_generations", "format_grade", "plot_first_false"]

_TEXT_KEYS = ("text", "output", "generation", "response", "completion")


def read_generations(path) -> list[dict]:
    """``[{"id", "prompt", "text"}]`` from a JSON-lines file (see the module docstring)."""
    from .traces import read_records, record_prompt

    out = []
    for i, rec in enumerate(read_records(path), 1):
        if not isinstance(rec, dict):
            raise HybridError(f"{path}: line {i} is not a JSON object")
        text = next((rec[k] for k in _TEXT_KEYS if isinstance(rec.get(k), str)), None)
        prompt = None
        if isinstance(rec.get("messages"), list):
            msgs = [m for m in rec["messages"] if isinstance(m, dict)]
            if text is None:
                text = next((m.get("content") for m in reversed(msgs) if m.get("role") == "assistant"), None)
            prompt = record_prompt(rec) or None
        if prompt is None and isinstance(rec.get("prompt"), str):
            prompt = rec["prompt"].strip()
        if text is None:
            raise HybridError(f"{path}: line {i} has no generation (a 'text' field or an assistant message)")
        rid = rec.get("id")
        out.append({"id": None if rid is None else str(rid), "prompt": prompt, "text": text, "line": i})
    return out


class _Acc:
    def __init__(self):
        self.n = self.strict = self.tolerant = self.boxed = 0
        self.audited = self.trace_ok = 0
        self.lines = {"true": 0, "false": 0, "unparseable": 0}
        self.ok_claims = self.false_ok = 0
        self.first_false: list[int] = []

    def to_dict(self, audit: bool) -> dict:
        def frac(a, b):
            return round(a / b, 4) if b else None

        d = {"rows": self.n, "strict": self.strict, "tolerant": self.tolerant, "strict_acc": frac(self.strict, self.n),
             "tolerant_acc": frac(self.tolerant, self.n), "boxed": self.boxed}
        if audit:
            d.update({"trace_ok": self.trace_ok, "trace_ok_rate": frac(self.trace_ok, self.audited),
                      "lines": dict(self.lines), "ok_checks": self.ok_claims, "false_ok": self.false_ok,
                      "false_ok_rate": frac(self.false_ok, self.ok_claims),
                      "first_false_lines": sorted(self.first_false)})
        return d


def grade(generations, data, *, audit: bool = False, time_limit: float | None = None, per_row: bool = False,
          grammar=2, solutions: dict | None = None) -> dict:
    """Score generations against a labelled CSV.

    ``generations``: a path to a JSON-lines file or a list of ``{"id"?, "prompt"?, "text"}`` dicts.
    ``data``: a labelled CSV path. Returns a JSON-able dict: ``overall``, ``families``,
    ``statuses`` (by the library's status of each puzzle), ``unmatched`` and, with ``per_row``,
    ``rows`` (one dict per generation with the extracted answer, scores and audit counts).
    ``grammar``: the trace grammar the audit reads (2, 1 or ``"auto"``). ``solutions``:
    ``{row id: hybrid.Solution}`` solved beforehand (the puzzle's status), else solved here.
    """
    from ..data import read_csv
    from ..parse import parse
    from ..pipeline import DEFAULT_TIME_LIMIT, solve
    from .grammar import audit_any

    if grammar not in (1, 2, "auto"):
        raise HybridError(f"grammar must be 1, 2 or 'auto', got {grammar!r}")

    time_limit = DEFAULT_TIME_LIMIT if time_limit is None else time_limit
    if time_limit <= 0:
        raise HybridError(f"time_limit must be > 0, got {time_limit}")
    gens = read_generations(generations) if isinstance(generations, (str, os.PathLike)) else list(generations)
    if not os.path.isfile(data):
        raise HybridError(f"{data}: no such file")
    rows = read_csv(data)
    by_id = {r.id: r for r in rows}
    by_prompt = {r.prompt.strip(): r for r in rows}
    overall, fams, stats = _Acc(), defaultdict(_Acc), defaultdict(_Acc)
    unmatched = 0
    out_rows = []
    solved: dict = dict(solutions or {})
    for g in gens:
        row = by_id.get(g.get("id")) if g.get("id") is not None else None
        if row is None and g.get("prompt"):
            row = by_prompt.get(g["prompt"].strip())
        if row is None or row.answer is None:
            unmatched += 1
            continue
        try:
            task = parse(row.prompt)
        except HybridError:
            unmatched += 1
            continue
        if row.id not in solved:
            solved[row.id] = solve(task, time_limit=time_limit)
        sol = solved[row.id]
        pred, how = extract_answer(g["text"])
        strict, tolerant = score_answer(pred, row.answer)
        rec = {"id": row.id, "family": task.family, "status": sol.status, "answer": pred, "extraction": how,
               "gold": row.answer, "strict": strict, "tolerant": tolerant}
        accs = (overall, fams[task.family], stats[sol.status])
        for acc in accs:
            acc.n += 1
            acc.strict += strict
            acc.tolerant += tolerant
            acc.boxed += how == "boxed"
        if audit:
            a = audit_any(task, g["text"], sol, grammar)
            ok_claims = [v for v in a.lines if v.kind == "check" and v.claims_ok and v.verdict != "unparseable"]
            false_ok = sum(v.verdict == "false" for v in ok_claims)
            for acc in accs:
                acc.audited += 1
                acc.trace_ok += a.ok
                for k, v in a.counts().items():
                    acc.lines[k] += v
                acc.ok_claims += len(ok_claims)
                acc.false_ok += false_ok
                if a.first_false is not None:
                    acc.first_false.append(a.first_false)
            rec.update({"trace_ok": a.ok, "lines": a.counts(), "first_false": a.first_false,
                        "problems": a.problems,
                        "false_lines": [{"line": v.n + 1, "kind": v.kind, "why": v.why}
                                        for v in a.lines if v.verdict == "false"][:5]})
        out_rows.append(rec)
    if not out_rows:
        raise HybridError("no generation matched a labelled row of the data (by id or by prompt)")
    order = ("deduced", "ambiguous", "guessed", "unsolved", "abstained")
    rep = {"overall": overall.to_dict(audit), "families": {f: fams[f].to_dict(audit) for f in sorted(fams)},
           "statuses": {s: stats[s].to_dict(audit) for s in order if s in stats}, "unmatched": unmatched,
           "audit": audit, "grammar": grammar if audit else None}
    if per_row:
        rep["rows"] = out_rows
    return rep


def _pct(x) -> str:
    return "–" if x is None else f"{100 * x:.2f}%"


def format_grade(rep: dict) -> str:
    """Markdown tables: per family, then per status of the puzzle."""
    audit = rep.get("audit")
    head = "| {} | rows | strict | tolerant | boxed |" + (" trace ok | lines true/false/unparseable | false-ok rate (n ok checks) |" if audit else "")
    sep = "|---|---:|---:|---:|---:|" + ("---:|---:|---:|" if audit else "")
    out = []
    for title, key in (("family", "families"), ("status", "statuses")):
        out += [head.format(title), sep]
        items = list(rep[key].items()) + ([("all", rep["overall"])] if key == "families" else [])
        for name, d in items:
            line = f"| {name} | {d['rows']} | {_pct(d['strict_acc'])} | {_pct(d['tolerant_acc'])} | {d['boxed']} |"
            if audit:
                ln = d["lines"]
                line += (f" {_pct(d['trace_ok_rate'])} | {ln['true']}/{ln['false']}/{ln['unparseable']} |"
                         f" {_pct(d['false_ok_rate'])} ({d['ok_checks']}) |")
            out.append(line)
        out.append("")
    if rep.get("unmatched"):
        out.append(f"{rep['unmatched']} generations matched no labelled row and were not scored.")
    return "\n".join(out).rstrip()


def plot_first_false(rep: dict, out_dir) -> list[str]:
    """One PNG per audited family: a histogram of the line (1-based) where the first false line
    occurs. Returns the paths written; empty (with no error) when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for fam, d in rep["families"].items():
        if "first_false_lines" not in d:
            continue
        vals = [v + 1 for v in d["first_false_lines"]]
        fig, ax = plt.subplots(figsize=(6, 3.5))
        if vals:
            ax.hist(vals, bins=range(1, max(vals) + 2), align="left", rwidth=0.85)
        ax.set_title(f"{fam}: first false line ({len(vals)} of {d['rows']} traces have one)")
        ax.set_xlabel("line of the trace (1 = first)")
        ax.set_ylabel("traces")
        path = os.path.join(out_dir, f"first_false_{fam}.png")
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        plt.close(fig)
        paths.append(path)
    return paths
