"""The trace grammar (version 2): recall + verification where every line can be checked.

One grammar for every family. A trace is a sequence of lines; fields inside a line are separated
by `` ; `` (no puzzle glyph, word or number contains a semicolon)::

    Try <k>: <rule>
    Check <i>: <example as printed> ; <working ...> ; got <value> ; <value> == <target> ; ok
    Check <i>: <example as printed> ; <working ...> ; got <value> ; <value> != <target> ; fail
    Apply: <query> ; <working ...> ; got <answer>
    Status: deduced ; every rule that fits the examples gives <answer>
    Status: ambiguous ; rules that fit the examples disagree ; <answer> w=<weight> ; <other> w=<weight> ...
    Status: guessed ; <which part is a guess and why> ; <answer> w=<weight> ; <other> w=<weight> ...
    \\boxed{<answer, escaped as in hybrid.model.answers>}

* ``Try k`` names the k-th hypothesis tried. A *rejected* hypothesis is followed by one ``Check``
  line: the first example it fails, with the value it computes (verdict ``fail``). The *accepted*
  hypothesis (the last ``Try``) is followed by one ``Check`` per example, in prompt order, all
  ``ok``, then ``Apply``.
* ``<working>`` shows how the value is computed. Equation families (``equation_numeric``,
  ``cryptarithm``) show it in full: ``decode <glyphs>=<digits> ...`` (cryptarithm), the operands
  ``a=<x> b=<y>`` (``(read reversed)`` when the row reads right to left), the arithmetic
  ``<expression> = <value>``, and ``print <digits>`` (cryptarithm: before the digits are encoded
  back to glyphs). Other families show the rule's output (``got``) only.
* ``<value> == <target>`` / ``!=``: the comparison; ``ok`` / ``fail``: the verdict it implies.
* Cryptarithm and equation traces list up to ``k`` hypotheses (default 8): the rule with one
  operator's operation replaced by an operation that comes *earlier* in the fixed operation order
  (``hybrid.families.equations.operations.OPERATIONS``: add, add+1, add-1, mul, ... concat), round-robin
  over the operators in order of appearance, each rejected by the first example it fails; then
  the accepted rule. Other families have one ``Try``.

``audit_trace`` checks each line of any text written in this grammar (a model's generation or an
export) and marks it ``true`` / ``false`` / ``unparseable``: the rule of a ``Try`` line is rebuilt
(equation families: parsed from the line; others: matched among the family's candidates), each
``Check`` is recomputed by the family itself (``family.apply`` on that example and
``family.verify`` on that example alone), the arithmetic is re-evaluated, ``Apply`` must carry the
accepted rule's answer and that rule must fit every example, ``Status`` must match the library's
own status and consistent answers, and the box must hold the applied answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..families import get_family
from ..families.base import Hypothesis, SearchResult
from ..task import Task
from .answers import boxed, extract_answer

__all__ = ["GRAMMAR_VERSION", "DEFAULT_TOP_K", "EQUATION_FAMILIES", "SEP", "rule_text", "parse_rule",
           "check_line", "apply_line", "status_line", "tries", "trace_text", "audit_trace", "LineVerdict",
           "Audit", "audit_trace_v1", "audit_any"]

GRAMMAR_VERSION = 2
DEFAULT_TOP_K = 8
EQUATION_FAMILIES = ("equation_numeric", "cryptarithm")
SEP = " ; "
UNDEFINED = "undefined"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# ---------------------------------------------------------------------- operations
def _ops():
    from ..families.equations.operations import BASES, OPERATIONS, operation

    expr = {b: operation(b, False).describe().split(" (")[0] for b in BASES}
    return OPERATIONS, BASES, expr


def _op_words(op) -> str:
    """``a*b``, ``reversed b-a, sign after``: an operation in the words of a Try line."""
    _, _, expr = _ops()
    text = ("reversed " if op.reverse else "") + expr[op.base]
    if op.signed:
        text += ", sign " + ("before" if op.sign == "pre" else "after")
    return text


def _op_from_words(words: str):
    from ..families.equations.operations import BY_NAME

    _, bases, expr = _ops()
    inv = {v: k for k, v in expr.items()}
    w = words.strip()
    reverse = w.startswith("reversed ")
    if reverse:
        w = w[len("reversed "):]
    sign = "pre"
    m = re.fullmatch(r"(.*), sign (before|after)", w)
    if m:
        w, sign = m.group(1), "pre" if m.group(2) == "before" else "suf"
    base = inv.get(w)
    if base is None or (m is not None) != bases[base][2]:
        return None
    name = ("rev:" if reverse else "") + base + ("[suf]" if bases[base][2] and sign == "suf" else "")
    return BY_NAME.get(name)


def _is_catalog_op(op) -> bool:
    return op is not None and hasattr(op, "operands") and hasattr(op, "base")


# ---------------------------------------------------------------------- rules
def _eq_rule_ops(task: Task, h: Hypothesis):
    """``{glyph: Operation}`` of an equation-family hypothesis, or None (an op found by search)."""
    rule = h.rule
    if task.family == "cryptarithm":
        ops, _, _ = _ops()
        return {g: ops[v] for g, v in rule["ops"].items()}
    out = {}
    for g, _ in rule.ops:
        op = rule.op(g)
        if not _is_catalog_op(op):
            return None
        out[g] = op
    return out


def rule_text(task: Task, h: Hypothesis) -> str:
    """The rule as a ``Try`` line writes it (one line)."""
    if task.family == "cryptarithm":
        gmap = h.rule["map"]
        digits = " ".join(f"{g}={d}" for g, d in sorted(gmap.items(), key=lambda kv: (kv[1], kv[0])))
        ops = _eq_rule_ops(task, h)
        return SEP.join([f"digits {digits}"] + [f"'{g}' = {_op_words(op)}" for g, op in sorted(ops.items())])
    if task.family == "equation_numeric":
        ops = _eq_rule_ops(task, h)
        if ops is not None:
            return SEP.join([f"'{g}' = {_op_words(op)}" for g, op in sorted(ops.items())])
    return _one_line(get_family(task.family).explain(h))


def _candidate_list(task: Task) -> list[Hypothesis]:
    fam = get_family(task.family)
    try:
        got = fam.candidates(task)
    except Exception:  # noqa: BLE001 - a family failing to recall just means no match
        return []
    return list(got.hypotheses if isinstance(got, SearchResult) else got)


def _parse_eq_rule(task: Task, text: str) -> Hypothesis | None:
    fields = text.split(SEP)
    gmap = None
    if task.family == "cryptarithm":
        if not fields or not fields[0].startswith("digits "):
            return None
        gmap = {}
        for tok in fields[0][len("digits "):].split():
            if len(tok) != 3 or tok[1] != "=" or not tok[2].isdigit() or tok[0] in gmap:
                return None
            gmap[tok[0]] = int(tok[2])
        if len(set(gmap.values())) != len(gmap):
            return None
        fields = fields[1:]
    ops = {}
    for f in fields:
        m = re.fullmatch(r"'(.)' = (.+)", f)
        if not m or m.group(1) in ops:
            return None
        op = _op_from_words(m.group(2))
        if op is None:
            return None
        ops[m.group(1)] = op
    if not ops:
        return None
    if task.family == "cryptarithm":
        index = {op.name: i for i, op in enumerate(_ops()[0])}
        rule = {"map": gmap, "ops": {g: index[op.name] for g, op in ops.items()}}
    else:
        if len({op.reverse for op in ops.values()}) != 1:
            return None
        from ..families.equations.model import Rule

        rule = Rule(reverse=next(iter(ops.values())).reverse, ops=tuple(sorted((g, op.name) for g, op in ops.items())))
    return Hypothesis(rule=rule, text=text, source="trace")


def parse_rule(task: Task, text: str, pool=()) -> Hypothesis | None:
    """Rebuild the hypothesis a ``Try`` line names: parsed (equation families) or matched among
    ``pool`` and the family's candidates by its rendering."""
    text = text.strip()
    for h in pool:
        if h is not None and rule_text(task, h) == text:
            return h
    if task.family in EQUATION_FAMILIES:
        h = _parse_eq_rule(task, text)
        if h is not None:
            return h
    for h in _candidate_list(task):
        if rule_text(task, h) == text:
            return h
    return None


# ---------------------------------------------------------------------- lines
def _apply_to(task: Task, h: Hypothesis, lhs: str) -> str | None:
    try:
        return get_family(task.family).apply(h, replace(task, query=lhs))
    except Exception:  # noqa: BLE001 - a rule that cannot read this input computes nothing
        return None


def _working(task: Task, h: Hypothesis, lhs: str) -> list[str]:
    """The working fields of an equation-family line (empty for other families)."""
    if task.family not in EQUATION_FAMILIES or len(lhs) != 5:
        return []
    ops = _eq_rule_ops(task, h)
    if ops is None:
        op = h.rule.op(lhs[2]) if task.family == "equation_numeric" else None
        return [f"'{lhs[2]}' = {_one_line(op.describe())}"] if op is not None else [f"'{lhs[2]}' has no operation"]
    a, g, b = lhs[:2], lhs[2], lhs[3:]
    out = []
    if task.family == "cryptarithm":
        gmap = h.rule["map"]
        if any(c not in gmap for c in a + b):
            return ["decode: a glyph has no digit"]
        da, db = "".join(str(gmap[c]) for c in a), "".join(str(gmap[c]) for c in b)
        out.append(f"decode {a}={da} {b}={db}")
        a, b = da, db
    op = ops.get(g)
    if op is None:
        return out + [f"'{g}' has no operation"]
    if not (a.isdigit() and b.isdigit()):
        return out + ["operands are not digits"]
    x, y = op.operands(a, b)
    out.append(f"a={x} b={y}" + (" (read reversed)" if op.reverse else ""))
    v = op.value(a, b)
    _, _, expr = _ops()
    out.append(f"{expr[op.base]} = {UNDEFINED if v is None else v}")
    if task.family == "cryptarithm" and v is not None:
        out.append(f"print {op.fn(a, b, '-')}")
    return out


def _check_fields(task: Task, h: Hypothesis, ex) -> list[str]:
    fam = get_family(task.family)
    got = _apply_to(task, h, ex.source)
    shown = UNDEFINED if got is None else got
    same = got == ex.target
    return [fam.example_line(ex), *_working(task, h, ex.source), f"got {shown}",
            f"{shown} {'==' if same else '!='} {ex.target}", "ok" if same else "fail"]


def check_line(task: Task, h: Hypothesis, i: int) -> str:
    """``Check i`` (1-based) of hypothesis ``h``."""
    return f"Check {i}: " + SEP.join(_check_fields(task, h, task.examples[i - 1]))


def _apply_fields(task: Task, h: Hypothesis) -> list[str]:
    got = get_family(task.family).apply(h, task)
    return [task.query, *_working(task, h, task.query), f"got {UNDEFINED if got is None else got}"]


def apply_line(task: Task, h: Hypothesis) -> str:
    """The trace's final ``Apply:`` line: the recalled rule applied to the query."""
    return "Apply: " + SEP.join(_apply_fields(task, h))


def _guess_reason(task: Task) -> str:
    if task.family in EQUATION_FAMILIES and len(task.query) == 5:
        seen = {ex.source[2] for ex in task.examples if len(ex.source) == 5}
        if task.query[2] not in seen:
            return f"operator '{task.query[2]}' appears in no example, so its operation is a guess from the prior"
    return "the examples do not constrain the part of the rule the query uses, so it is a guess from the prior"


def status_line(task: Task, sol) -> str:
    """The ``Status`` line of a solution (``hybrid.Solution``)."""
    if sol.status == "deduced":
        return f"Status: deduced{SEP}every rule that fits the examples gives {sol.answer}"
    answers = [(sol.answer, sol.confidence)] + [(a, w) for a, _, w in (sol.alternatives or [])]
    listed = [f"{a} w={0.0 if w is None else float(w):.3f}" for a, w in answers]
    if sol.status == "guessed":
        return SEP.join(["Status: guessed", _guess_reason(task), *listed])
    return SEP.join([f"Status: {sol.status}", "rules that fit the examples disagree", *listed])


def _first_failure(task: Task, h: Hypothesis) -> int | None:
    for i, ex in enumerate(task.examples, 1):
        if _apply_to(task, h, ex.source) != ex.target:
            return i
    return None


def tries(task: Task, h: Hypothesis, k: int = DEFAULT_TOP_K) -> list[tuple[Hypothesis, int | None]]:
    """The hypotheses a trace tries, in rank order: ``(hypothesis, first failing example or None)``.

    Equation families: up to ``k - 1`` near misses (one operator's operation replaced by one
    earlier in the fixed order) that fail an example, then ``h``. Other families: ``h`` alone.
    """
    out: list[tuple[Hypothesis, int | None]] = []
    ops = _eq_rule_ops(task, h) if task.family in EQUATION_FAMILIES else None
    if ops and k > 1:
        order, _, _ = _ops()
        pos = {op.name: i for i, op in enumerate(order)}
        glyphs = []
        for ex in task.examples:
            g = ex.source[2] if len(ex.source) == 5 else None
            if g in ops and g not in glyphs:
                glyphs.append(g)
        queues = {g: [o for o in order if o.reverse == ops[g].reverse and pos[o.name] < pos[ops[g].name]]
                  for g in glyphs}
        while len(out) < k - 1 and any(queues.values()):
            for g in glyphs:
                if not queues[g] or len(out) >= k - 1:
                    continue
                o = queues[g].pop(0)
                if task.family == "cryptarithm":
                    rule = {"map": dict(h.rule["map"]), "ops": {**h.rule["ops"], g: pos[o.name]}}
                else:
                    new = dict(h.rule.ops)
                    new[g] = o.name
                    rule = replace(h.rule, ops=tuple(sorted(new.items())))
                v = Hypothesis(rule=rule, text="", source="trace")
                fail = _first_failure(task, v)
                if fail is not None:
                    out.append((v, fail))
    out.append((h, None))
    return out


def trace_text(task: Task, sol, k: int = DEFAULT_TOP_K) -> str:
    """The whole assistant message (grammar version 2) for a solution with a hypothesis."""
    h = sol.hypothesis
    lines = []
    for n, (hyp, fail) in enumerate(tries(task, h, k), 1):
        lines.append(f"Try {n}: {rule_text(task, hyp)}")
        if fail is not None:
            lines.append(check_line(task, hyp, fail))
        else:
            lines += [check_line(task, hyp, i) for i in range(1, len(task.examples) + 1)]
    lines.append(apply_line(task, h))
    lines.append(status_line(task, sol))
    lines.append(boxed(sol.answer))
    return "\n".join(lines)


# ---------------------------------------------------------------------- audit
@dataclass
class LineVerdict:
    """One audited line: ``kind`` (try/check/apply/status/box/other), ``verdict``
    (``true``/``false``/``unparseable``), ``why`` (empty when true), ``claims_ok`` (a Check line
    whose verdict field says ``ok``)."""

    n: int
    kind: str
    verdict: str
    why: str = ""
    claims_ok: bool = False


@dataclass
class Audit:
    lines: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    answer: str | None = None
    extraction: str = "none"

    @property
    def ok(self) -> bool:
        """Every line true, the structure complete (an accepted rule checked on every example,
        applied, a status and a box)."""
        return bool(self.lines) and not self.problems and all(v.verdict == "true" for v in self.lines)

    def counts(self) -> dict:
        """How many lines were true, false and unparseable."""
        out = {"true": 0, "false": 0, "unparseable": 0}
        for v in self.lines:
            out[v.verdict] += 1
        return out

    @property
    def first_false(self) -> int | None:
        """The number of the first false line, or None."""
        return next((v.n for v in self.lines if v.verdict == "false"), None)


_CMP = re.compile(r"(.*) (==|!=) (.*)")
_ARITH = re.compile(r"(.+) = (-?\d+|undefined)")


def _standalone_arith(fields: list[str]) -> str | None:
    """Re-evaluate ``a=x b=y`` and ``<expr> = <value>`` fields on their own; None when they hold
    (or are absent), else why not."""
    _, bases, expr = _ops()
    inv = {v: k for k, v in expr.items()}
    xy = None
    for f in fields:
        m = re.fullmatch(r"a=(\d+) b=(\d+)( \(read reversed\))?", f)
        if m:
            xy = int(m.group(1)), int(m.group(2))
            continue
        m = _ARITH.fullmatch(f)
        if m and m.group(1) in inv and xy is not None:
            v = bases[inv[m.group(1)]][1](*xy)
            shown = UNDEFINED if v is None else str(v)
            if shown != m.group(2):
                return f"arithmetic: {m.group(1)} with a={xy[0]} b={xy[1]} is {shown}, not {m.group(2)}"
    return None


def audit_trace(task: Task, text: str, sol=None) -> Audit:
    """Check every line of ``text`` (grammar version 2) against ``task``; ``sol`` is the library's
    own solution (``hybrid.solve``) used for the ``Status`` line (computed when omitted)."""
    fam = get_family(task.family)
    audit = Audit()
    audit.answer, audit.extraction = extract_answer(text)
    n_ex = len(task.examples)
    pool = [sol.hypothesis] if sol is not None and sol.hypothesis is not None else []
    cur: Hypothesis | None = None
    cur_known = False
    n_try = 0
    block_checks: list[tuple[int, bool]] = []  # (example index, claims ok) in the current Try block
    blocks: list[list[tuple[int, bool]]] = []
    applied: str | None = None
    seen = {"apply": 0, "status": 0, "box": 0}
    lines = (text or "").split("\n")
    # Trailing blank lines (and an end-of-sequence marker a chat template adds) are not trace lines.
    while lines and not lines[-1].strip():
        lines.pop()
    for n, raw in enumerate(lines):
        line = raw.strip()
        m = re.fullmatch(r"Try (\d+): (.+)", line)
        if m:
            if n_try:
                blocks.append(block_checks)
            block_checks = []
            n_try += 1
            cur = parse_rule(task, m.group(2), pool)
            cur_known = cur is not None
            if int(m.group(1)) != n_try:
                audit.lines.append(LineVerdict(n, "try", "false", f"numbered {m.group(1)}, expected {n_try}"))
            elif cur is None:
                audit.lines.append(LineVerdict(n, "try", "unparseable", "names no rule of the family's space"))
            else:
                audit.lines.append(LineVerdict(n, "try", "true"))
            continue
        m = re.fullmatch(r"Check (\d+): (.+)", line)
        if m:
            audit.lines.append(_audit_check(task, fam, n, int(m.group(1)), m.group(2), cur if cur_known else None,
                                            n_try, block_checks))
            continue
        m = re.fullmatch(r"Apply: (.+)", line)
        if m:
            seen["apply"] += 1
            fields = m.group(1).split(SEP)
            if cur is None:
                audit.lines.append(LineVerdict(n, "apply", "unparseable", "no rule was tried before Apply"))
                continue
            want = _apply_fields(task, cur)
            applied = fam.apply(cur, task)
            if fields[0] != task.query:
                audit.lines.append(LineVerdict(n, "apply", "false", "not the prompt's query"))
            elif not fam.verify(cur, task):
                audit.lines.append(LineVerdict(n, "apply", "false", "the applied rule does not fit every example"))
            elif fields != want:
                why = _standalone_arith(fields) or f"expected {SEP.join(want)!r}"
                audit.lines.append(LineVerdict(n, "apply", "false", why))
            else:
                audit.lines.append(LineVerdict(n, "apply", "true"))
            continue
        m = re.fullmatch(r"Status: (.+)", line)
        if m:
            seen["status"] += 1
            audit.lines.append(_audit_status(task, n, m.group(1), sol, applied))
            continue
        if line.startswith("\\boxed{"):
            seen["box"] += 1
            a, how = extract_answer(line)
            if how != "boxed" or boxed(a) != line:
                audit.lines.append(LineVerdict(n, "box", "unparseable", "not one \\boxed{...} with the documented escaping"))
            elif applied is None or a != applied:
                audit.lines.append(LineVerdict(n, "box", "false", "the box does not hold the applied answer"))
            else:
                audit.lines.append(LineVerdict(n, "box", "true"))
            continue
        audit.lines.append(LineVerdict(n, "other", "unparseable", "not a line of the trace grammar"))
    if n_try:
        blocks.append(block_checks)
    # Structure: rejected blocks hold one failing check; the last block checks every example ok.
    if not blocks:
        audit.problems.append("no Try line")
    else:
        for b in blocks[:-1]:
            if len(b) != 1 or b[0][1]:
                audit.problems.append("a rejected rule must show exactly one failing check")
                break
        if blocks[-1] != [(i, True) for i in range(1, n_ex + 1)]:
            audit.problems.append("the accepted rule is not checked ok on every example in order")
    return _closing_checks(audit, seen, lines)


def _audit_check(task, fam, n, i, body, h, n_try, block_checks) -> LineVerdict:
    fields = body.split(SEP)
    verdict_word = fields[-1].strip() if fields else ""
    claims = verdict_word == "ok"
    if n_try == 0:
        return LineVerdict(n, "check", "unparseable", "no rule was tried before this check", claims)
    if len(fields) < 4 or verdict_word not in ("ok", "fail") or not fields[-3].startswith("got "):
        return LineVerdict(n, "check", "unparseable", "fields: example ; working ; got V ; V == T ; ok|fail", claims)
    block_checks.append((i, claims))
    if not 1 <= i <= len(task.examples):
        return LineVerdict(n, "check", "false", f"there is no example {i}", claims)
    ex = task.examples[i - 1]
    if fields[0] != fam.example_line(ex):
        return LineVerdict(n, "check", "false", f"not the prompt's example {i}", claims)
    got = fields[-3][len("got "):]
    cmp = _CMP.fullmatch(fields[-2])
    if not cmp or cmp.group(1) != got or cmp.group(3) != ex.target:
        return LineVerdict(n, "check", "false", "the comparison does not compare the value with the example's target",
                           claims)
    if (cmp.group(2) == "==") != (got == ex.target):
        return LineVerdict(n, "check", "false", f"{got!r} {cmp.group(2)} {ex.target!r} is false", claims)
    if claims != (cmp.group(2) == "=="):
        return LineVerdict(n, "check", "false", "the verdict contradicts the comparison", claims)
    arith = _standalone_arith(fields[1:-3])
    if arith:
        return LineVerdict(n, "check", "false", arith, claims)
    if h is None:
        return LineVerdict(n, "check", "unparseable", "the rule tried is unknown, so the value cannot be recomputed",
                           claims)
    want = _check_fields(task, h, ex)
    truly = bool(fam.verify(h, replace(task, examples=(ex,))))
    if claims != truly:
        return LineVerdict(n, "check", "false", f"the rule {'fits' if truly else 'does not fit'} example {i}", claims)
    if fields != want:
        return LineVerdict(n, "check", "false", f"expected {SEP.join(want)!r}", claims)
    return LineVerdict(n, "check", "true", "", claims)


def _audit_status(task, n, body, sol, applied) -> LineVerdict:
    if sol is None:
        from ..pipeline import solve

        sol = solve(task, search=True, time_limit=2.0)
    fields = body.split(SEP)
    status = fields[0].strip()
    if status not in ("deduced", "ambiguous", "guessed"):
        return LineVerdict(n, "status", "unparseable", "status must be deduced, ambiguous or guessed")
    if status != sol.status:
        return LineVerdict(n, "status", "false", f"the library's status is {sol.status}")
    if status == "deduced":
        if len(fields) != 2 or fields[1] != f"every rule that fits the examples gives {sol.answer}":
            return LineVerdict(n, "status", "false", f"a deduced status names the one answer {sol.answer!r}")
        return LineVerdict(n, "status", "true")
    known = {sol.answer} | {a for a, _, _ in (sol.alternatives or [])}
    listed = []
    for f in fields[2:]:
        m = re.fullmatch(r"(.*) w=(\d+(\.\d+)?)", f)
        if not m:
            return LineVerdict(n, "status", "unparseable", "answers are listed as '<answer> w=<weight>'")
        listed.append(m.group(1))
    if len(fields) < 3 or listed[0] != applied:
        return LineVerdict(n, "status", "false", "the first answer listed must be the applied answer")
    if not set(listed) <= known:
        return LineVerdict(n, "status", "false", "an answer listed is given by no rule that fits the examples")
    return LineVerdict(n, "status", "true")


# ---------------------------------------------------------------------- grammar version 1
def audit_trace_v1(task: Task, text: str, sol=None) -> Audit:
    """Check every line of ``text`` written in the old layout (grammar version 1, ``--grammar 1``
    of ``export-traces``; ``hybrid.model.render``), so that models trained on it can be graded the
    same way::

        Recall: <rule, as the family explains it>
        Check: <example as printed>: ok          (one per example, in prompt order)
        Apply: <query> -> <answer>
        \\boxed{<answer, written raw>}

    ``Recall`` is true when it names a rule the family recalls for the prompt (unparseable
    otherwise). A ``Check`` line always claims ``ok``: it is false when its example is not the
    prompt's next example or when the recalled rule does not fit that example alone (``verify``),
    unparseable when the rule is unknown. ``Apply`` must carry the rule's answer and the rule must
    fit every example; the box must hold the applied answer (raw, as version 1 writes it, or
    escaped). ``sol`` is unused (version 1 has no Status line); it is accepted for symmetry."""
    from .render import candidate_text, check_line

    fam = get_family(task.family)
    audit = Audit()
    audit.answer, audit.extraction = extract_answer(text)
    lines = (text or "").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    cur: Hypothesis | None = None
    pool = ([sol.hypothesis] if sol is not None and getattr(sol, "hypothesis", None) is not None else [])
    n_recall = 0
    checks: list[int] = []
    applied: str | None = None
    seen = {"apply": 0, "box": 0}
    for n, raw in enumerate(lines):
        line = raw.strip()
        if line.startswith("Recall: "):
            n_recall += 1
            want = line + "\n"
            cur = next((h for h in pool if candidate_text(task, h) == want), None)
            if cur is None:
                cur = next((h for h in _candidate_list(task) if candidate_text(task, h) == want), None)
            audit.lines.append(LineVerdict(n, "try", "true") if cur is not None else
                               LineVerdict(n, "try", "unparseable", "names no rule the family recalls for this prompt"))
            continue
        m = re.fullmatch(r"Check: (.+): ok(?: \(.*\))?", line)
        if m:
            i = len(checks) + 1
            checks.append(i)
            if n_recall == 0:
                audit.lines.append(LineVerdict(n, "check", "unparseable", "no rule was recalled before this check", True))
            elif i > len(task.examples) or not line.startswith(f"Check: {fam.example_line(task.examples[i - 1])}: ok"):
                audit.lines.append(LineVerdict(n, "check", "false", f"not the prompt's example {i}", True))
            elif cur is None:
                audit.lines.append(LineVerdict(n, "check", "unparseable", "the rule recalled is unknown", True))
            elif not fam.verify(cur, replace(task, examples=(task.examples[i - 1],))):
                audit.lines.append(LineVerdict(n, "check", "false", f"the rule does not fit example {i}", True))
            elif line != check_line(task, cur, task.examples[i - 1]):
                audit.lines.append(LineVerdict(n, "check", "false", "not the check line of this rule", True))
            else:
                audit.lines.append(LineVerdict(n, "check", "true", "", True))
            continue
        m = re.fullmatch(r"Apply: (.*) -> (.*)", line)
        if m:
            seen["apply"] += 1
            if cur is None:
                audit.lines.append(LineVerdict(n, "apply", "unparseable", "no known rule was recalled before Apply"))
                continue
            applied = fam.apply(cur, task)
            if m.group(1) != task.query:
                audit.lines.append(LineVerdict(n, "apply", "false", "not the prompt's query"))
            elif not fam.verify(cur, task):
                audit.lines.append(LineVerdict(n, "apply", "false", "the applied rule does not fit every example"))
            elif applied is None or m.group(2) != applied:
                audit.lines.append(LineVerdict(n, "apply", "false", f"the rule gives {applied!r}"))
            else:
                audit.lines.append(LineVerdict(n, "apply", "true"))
            continue
        if line.startswith("\\boxed{"):
            seen["box"] += 1
            a, how = extract_answer(line)
            raw_ok = applied is not None and line == "\\boxed{" + applied + "}"
            if raw_ok or (how == "boxed" and applied is not None and boxed(a) == line and a == applied):
                audit.lines.append(LineVerdict(n, "box", "true"))
            elif how != "boxed" and not line.endswith("}"):
                audit.lines.append(LineVerdict(n, "box", "unparseable", "not one \\boxed{...}"))
            else:
                audit.lines.append(LineVerdict(n, "box", "false", "the box does not hold the applied answer"))
            continue
        audit.lines.append(LineVerdict(n, "other", "unparseable", "not a line of grammar version 1"))
    if n_recall != 1:
        audit.problems.append(f"{n_recall} Recall lines (expected 1)")
    if checks != list(range(1, len(task.examples) + 1)):
        audit.problems.append("not one Check line per example")
    return _closing_checks(audit, seen, lines)


def _closing_checks(audit: "Audit", seen: dict, lines: list[str]) -> "Audit":
    """The whole-trace checks both grammars share: one line of each single kind, and the trace
    ends with the box."""
    for what, cnt in seen.items():
        if cnt != 1:
            audit.problems.append(f"{cnt} {what} lines (expected 1)")
    if lines and not lines[-1].strip().startswith("\\boxed{"):
        audit.problems.append("the trace does not end with \\boxed{}")
    return audit


def audit_any(task: Task, text: str, sol=None, grammar=2) -> Audit:
    """``audit_trace`` (``grammar=2``), ``audit_trace_v1`` (``1``), or by the text (``"auto"``:
    version 1 when a line starts with ``Recall: `` and none with ``Try ``)."""
    if grammar == "auto":
        lines = [s.strip() for s in (text or "").split("\n")]
        v1 = any(s.startswith("Recall: ") for s in lines) and not any(s.startswith("Try ") for s in lines)
        grammar = 1 if v1 else 2
    if grammar in (1, "1"):
        return audit_trace_v1(task, text, sol)
    if grammar in (2, "2"):
        return audit_trace(task, text, sol)
    raise ValueError(f"grammar must be 1, 2 or 'auto', got {grammar!r}")
