"""Adversarial soundness, bad-input and time-limit tests for equation_numeric.

Two rule spaces produce its answers (``Solution.rule_space``), and a brute-force reference
enumerates every rule of each; it shares nothing with the library's solvers but the printers that
define the spaces (``Operation.fn``, ``format_result``):

* ``catalog``: one reading direction per row and one of the 32 operations of ``OPERATIONS`` per
  operator glyph. The reference tries every operation for every glyph with ``Operation.fn`` (not
  the numpy tables, not the joint weighting).
* ``search``: one reading direction per row and, per glyph, every linear form
  ``c_a*a + c_b*b + c_ab*a*b + c_0`` of ``search.COEF_*`` (2,052) with both sign positions and
  both widths (8,208 per glyph), printed with ``format_result``. The reference computes each
  form's value with integer arithmetic and compares the printed strings (no reading of results,
  no solver).

For a few hundred seeded tasks (catalog rules from the generator, linear rules outside the
catalog; with altered, dropped, swapped, re-signed and contradictory examples) every ``deduced``
answer must be the only answer any consistent rule of its space gives; the recall must list
exactly the catalog reference's answers (it claims to be exhaustive), and a complete search
exactly the linear reference's.
"""

from __future__ import annotations

import itertools
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

import hybrid
from hybrid.families.equation_numeric.generator import generate
from hybrid.families.equation_numeric.search import COEF_0, COEF_AB, COEF_AB_PROD, MAX_VALUES
from hybrid.families.equations.operations import OPERATIONS, format_result

from ._timing import within

FAM = hybrid.get_family("equation_numeric")
PROMPT = ("In Alice's Wonderland, a secret set of transformation rules is applied to equations. Below are a few "
          "examples:\n{lines}\nNow, determine the result for: {q}")
FORMS = list(itertools.product(COEF_AB, COEF_AB, COEF_AB_PROD, COEF_0))
GLYPHS = "+-*#%&@!$^|:<>?~"


# ---------------------------------------------------------------------------------- references
def _by_glyph(task):
    by: dict[str, list] = {}
    for e in task.examples:
        by.setdefault(e.source[2], []).append((e.source[:2], e.source[3:], e.target))
    return by


def catalog_reference(task) -> tuple[set[str], bool, bool]:
    """``(answers, some rule fits, query operator unseen)`` over every catalog rule."""
    by = _by_glyph(task)
    qa, qg, qb = task.query[:2], task.query[2], task.query[3:]
    answers: set[str] = set()
    consistent = False
    for rev in (False, True):
        ops = [op for op in OPERATIONS if op.reverse == rev]
        fits = {g: [op for op in ops if all(op.fn(a, b, g) == r for a, b, r in ls)] for g, ls in by.items()}
        if not all(fits.values()):
            continue
        consistent = True
        answers |= {op.fn(qa, qb, qg) for op in fits.get(qg, ops)} - {None}
    return answers, consistent, qg not in by


def _operands(a: str, b: str, rev: bool) -> tuple[int, int]:
    return (int(a[::-1]), int(b[::-1])) if rev else (int(a), int(b))


def _linear_fits(lines, g: str, rev: bool) -> list:
    alive = [(f, s, w) for f in FORMS for s in ("pre", "suf") for w in (0, 4)]
    for a, b, res in lines:
        x, y = _operands(a, b, rev)
        printed: dict = {}
        keep = []
        for f, s, w in alive:
            key = (f[0] * x + f[1] * y + f[2] * x * y + f[3], s, w)
            p = printed.get(key)
            if p is None:
                p = printed[key] = format_result(key[0], rev, s, g, w)
            if p == res:
                keep.append((f, s, w))
        alive = keep
        if not alive:
            break
    return alive


def linear_reference(task) -> tuple[set[str], bool, bool]:
    """``(answers, some rule fits, query operator unseen)`` over every rule of the search space."""
    by = _by_glyph(task)
    qa, qg, qb = task.query[:2], task.query[2], task.query[3:]
    answers: set[str] = set()
    consistent = False
    for rev in (False, True):
        fits = {}
        for g, ls in by.items():
            fits[g] = _linear_fits(ls, g, rev)
            if not fits[g]:
                break
        if not all(fits.values()):
            continue
        consistent = True
        x, y = _operands(qa, qb, rev)
        for f, s, w in fits.get(qg, ()):
            answers.add(format_result(f[0] * x + f[1] * y + f[2] * x * y + f[3], rev, s, qg, w))
    return answers, consistent, qg not in by


# ---------------------------------------------------------------------------------- tasks
def _linear_rule(rng: random.Random):
    """A direction and one small linear form per glyph (most of them outside the catalog)."""
    rev = rng.random() < 0.5
    glyphs = rng.sample(GLYPHS, rng.randint(1, 3))
    ops = {}
    for g in glyphs:
        ca, cb = rng.choice((-1, 0, 1, 1, 2, 2, 100)), rng.choice((-2, -1, 0, 1, 1, 2))
        cab = rng.choice((0, 0, 0, 1, -1))
        ops[g] = ((ca, cb, cab, rng.randint(-9, 9)), rng.choice(("pre", "suf")), 4 if ca == 100 else 0)
    return rev, ops


def _print_linear(rule, a: str, b: str, g: str) -> str:
    rev, ops = rule
    (ca, cb, cab, c0), s, w = ops[g]
    x, y = _operands(a, b, rev)
    return format_result(ca * x + cb * y + cab * x * y + c0, rev, s, g, w)


def make_task(rng: random.Random):
    """One seeded task: its pairs, query and what was done to it."""
    if rng.random() < 0.5:
        gen = generate(rng)
        pairs = [(e.source, e.target) for e in gen.task.examples]
        query = gen.task.query
        source = "catalog"
    else:
        rule = _linear_rule(rng)
        glyphs = list(rule[1])
        n = rng.randint(1, 5)
        pairs = []
        for i in range(n):
            g = glyphs[i % len(glyphs)] if rng.random() < 0.8 else rng.choice(glyphs)
            a, b = f"{rng.randrange(100):02d}", f"{rng.randrange(100):02d}"
            pairs.append((f"{a}{g}{b}", _print_linear(rule, a, b, g)))
        seen = sorted({p[0][2] for p in pairs})
        qg = rng.choice(seen) if rng.random() < 0.85 else rng.choice(glyphs)
        query = f"{rng.randrange(100):02d}{qg}{rng.randrange(100):02d}"
        source = "linear"
    kind = rng.choice(["plain", "plain", "alter", "drop", "contradict", "swap", "sign", "noise"])
    i = rng.randrange(len(pairs))
    lhs, res = pairs[i]
    g = lhs[2]
    if kind == "alter":  # one digit of one result changed
        digits = [k for k, c in enumerate(res) if c.isdigit()]
        k = rng.choice(digits)
        res = res[:k] + rng.choice([d for d in "0123456789" if d != res[k]]) + res[k + 1:]
        pairs[i] = (lhs, res)
    elif kind == "drop":
        pairs = pairs[:1]
    elif kind == "contradict":  # the same left side with another result
        pairs.append((lhs, str(int(res.strip(g) or 0) + rng.randint(1, 3))))
    elif kind == "swap" and len(pairs) > 1:
        j = rng.randrange(len(pairs))
        pairs[i], pairs[j] = (pairs[i][0], pairs[j][1]), (pairs[j][0], pairs[i][1])
    elif kind == "sign":  # a sign added, removed or moved
        core = res.strip(g)
        pairs[i] = (lhs, rng.choice([core, g + core, core + g]))
    elif kind == "noise":
        pairs[i] = (lhs, str(rng.randrange(10 ** rng.randint(1, 4))))
    # A swapped result may carry another glyph as its sign: re-sign it with the line's own glyph.
    pairs = [(s, t if t.isdigit() or t[0] == s[2] or t[-1] == s[2] else re.sub("[^0-9]", "", t)) for s, t in pairs]
    return pairs, query, f"{source}/{kind}"


def test_deduced_answers_are_proven():
    rng = random.Random(1010)
    counts = dict(tried=0, deduced=0, proven_unique=0, contradicted=0, deduced_catalog=0, deduced_search=0,
                  ambiguous=0, guessed=0, unsolved=0, search_runs=0, search_sets_equal=0)
    for _ in range(300):
        pairs, query, kind = make_task(rng)
        task = hybrid.Task.from_pairs("equation_numeric", pairs, query)
        counts["tried"] += 1
        cat_answers, cat_fits, unseen = catalog_reference(task)
        recalled = FAM.candidates(task)
        assert isinstance(recalled, list)  # the recall claims to be exhaustive...
        assert {h.answer for h in recalled} - {None} == cat_answers, (kind, pairs, query)  # ...and is
        assert all(h.guess == unseen for h in recalled if h.answer is not None)
        sol = hybrid.solve(task, time_limit=10)
        counts[sol.status] = counts.get(sol.status, 0) + 1
        if cat_fits:
            # A catalog rule fits: the answer comes from the catalog space.
            assert sol.rule_space == "catalog", (kind, pairs, query)
            ref, ref_unseen = cat_answers, unseen
        else:
            assert sol.rule_space == "search", (kind, pairs, query)
            counts["search_runs"] += 1
            ref, lin_fits, ref_unseen = linear_reference(task)
            if sol.status == "unsolved":
                assert not lin_fits and sol.proof == "infeasible", (kind, pairs, query, ref)
            if sol.proof == "complete" and sol.answer is not None:
                shown = {sol.answer, *(a for a, _, _ in sol.alternatives)}
                assert shown <= ref and (shown == ref or len(ref) > 9), (kind, pairs, query, shown, ref)
                counts["search_sets_equal"] += shown == ref
            if sol.proof == "partial" and not ref_unseen:
                assert len(ref) > MAX_VALUES  # the value cap, not a failed proof
        if sol.status == "deduced":
            counts[f"deduced_{sol.rule_space}"] += 1
            unique = ref == {sol.answer} and not ref_unseen
            counts["proven_unique" if unique else "contradicted"] += 1
            assert unique, (kind, pairs, query, sol.answer, ref)
        elif sol.status == "unsolved":
            assert not ref
        elif sol.answer is not None:
            assert sol.answer in ref or ref_unseen
    print(f"\nequation_numeric: {counts}")
    assert counts["contradicted"] == 0
    assert counts["deduced_catalog"] >= 40 and counts["deduced_search"] >= 10
    assert counts["ambiguous"] >= 20 and counts["unsolved"] >= 10 and counts["search_runs"] >= 60


def test_issue_example_is_not_deduced():
    """Issue 10: 10#10 = 25, 20#20 = 45 fit 2b+5, a+b+5 and 2a+5; 30#10 is 25, 45 or 65."""
    sol = hybrid.solve(PROMPT.format(lines="10#10 = 25\n20#20 = 45", q="30#10"), time_limit=5)
    assert sol.status != "deduced"
    assert sol.status == "ambiguous" and sol.proof == "complete" and sol.rule_space == "search"
    assert {sol.answer, *(a for a, _, _ in sol.alternatives)} == {"25", "45", "65"}
    ref, fits, unseen = linear_reference(hybrid.parse(PROMPT.format(lines="10#10 = 25\n20#20 = 45", q="30#10")))
    assert ref == {"25", "45", "65"}


# ---------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("lines,q,error,where", [
    ("12+34 = 4⁶", "12+34", hybrid.TaskParseError, "line 2"),           # superscript digit (isdigit() is True)
    ("12+34 = ٤٦", "12+34", hybrid.TaskParseError, "line 2"),           # Arabic-Indic digits (int() accepts them)
    ("12+34 = 46\n12+34 = 4 6", "12+34", hybrid.TaskParseError, "line 3"),
    ("12+34 = 46", "12+3", hybrid.TaskParseError, "line 3"),
    ("12+34 = 46", "12334", hybrid.TaskParseError, "line 3"),           # a digit as the operator
    ("12+34 = " + "9" * 40, "12+34", hybrid.InputLimitError, "limit is 32"),
    ("12+34 = " + "9" * 5000, "12+34", hybrid.InputLimitError, "limit is 32"),  # beyond int()'s digit limit
    ("12+34 = 46\n" * 5000, "12+34", hybrid.InputLimitError, "limit is 100"),
])
def test_bad_input_is_rejected_naming_the_line(lines, q, error, where):
    t0 = time.perf_counter()
    with pytest.raises(error) as info:
        hybrid.solve(PROMPT.format(lines=lines.strip(), q=q), time_limit=1)
    assert where in str(info.value)
    assert time.perf_counter() - t0 < 3


@pytest.mark.parametrize("pairs,q", [
    ([("12+34", "46")], "١٢+34"),
    ([("1²+34", "46")], "12+34"),
    ([("12+34", "4²")], "12+34"),
    ([("12+34", "9" * 5000)], "12+34"),
    ([("12+34", "46")] * 3000, "12+34"),
])
def test_bad_tasks_built_in_code_are_rejected(pairs, q):
    task = hybrid.Task("equation_numeric", tuple(hybrid.Example(s, t) for s, t in pairs), q)
    with pytest.raises(hybrid.TaskParseError):
        hybrid.solve(task, time_limit=1)


def test_huge_results_are_unsolved_not_errors():
    # 32 digits (the field limit): no rule of either space prints it; proven, not a crash.
    sol = hybrid.solve(PROMPT.format(lines="12+34 = " + "9" * 32 + "\n10+10 = 20", q="11+11"), time_limit=2)
    assert sol.status == "unsolved" and sol.proof == "infeasible"


# ---------------------------------------------------------------------------------- time limits


def _attack(kind: str) -> hybrid.Task:
    """Inputs at the limits: 100 examples over 100 distinct operator glyphs (each decided by its
    own CP-SAT model, twice), or 100 lines of one glyph."""
    rng = random.Random(kind)
    glyphs = [chr(0x2200 + i) for i in range(100)]
    pairs = []
    for i in range(100):
        g = glyphs[i] if kind != "one_glyph" else glyphs[0]
        a, b = f"{rng.randrange(100):02d}", f"{rng.randrange(100):02d}"
        v = (2 * int(a) + int(b) + 3 + i % 3) if kind != "contradictory" else rng.randrange(10000)
        pairs.append((f"{a}{g}{b}", str(v)))
    return hybrid.Task.from_pairs("equation_numeric", pairs, f"12{glyphs[0]}34")


@pytest.mark.parametrize("kind", ["many_glyphs", "one_glyph", "contradictory"])
@pytest.mark.parametrize("limit", [1.0, 0.05])
def test_attack_inputs_respect_the_time_limit(kind, limit):
    task = _attack(kind)
    sol = within(limit, lambda: hybrid.solve(task, time_limit=limit))
    if sol.proof == "time_limit":
        assert sol.status != "deduced"
    if kind == "contradictory" and sol.proof != "time_limit":
        assert sol.status == "unsolved" and sol.proof == "infeasible"
    if kind == "one_glyph" and limit == 1.0:
        assert sol.status == "unsolved"  # 2a+b+3+i%3: three offsets on one glyph, no form fits
    if sol.status == "deduced":  # many_glyphs: one line per glyph pins 2a+b+3 (checked by brute force)
        assert linear_reference(task)[0] == {sol.answer}


def test_attack_inputs_in_a_fresh_process_stay_small():
    """Peak memory of a fresh process solving every attack input (the process includes the
    catalog, numpy and OR-Tools)."""
    code = (
        "import resource, time, hybrid\n"
        "from tests.adversarial.test_equation_numeric import _attack\n"
        "worst = 0.0\n"
        "for kind in ('many_glyphs', 'one_glyph', 'contradictory'):\n"
        "    t = _attack(kind)\n"
        "    t0 = time.perf_counter(); hybrid.solve(t, time_limit=1.0); worst = max(worst, time.perf_counter() - t0)\n"
        "print(worst, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr
    worst, rss_kb = out.stdout.split()[-2:]
    print(f"\nequation_numeric attack inputs: slowest solve {float(worst):.3f} s, peak RSS {int(rss_kb) / 1024:.0f} MB")
    assert float(worst) <= 3.0 and int(rss_kb) < 1024 * 1024
