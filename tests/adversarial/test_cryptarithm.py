"""Adversarial soundness, bad-input and time-limit tests for cryptarithm.

The rule space (docs/families/cryptarithm.md): a one-to-one map from the task's digit glyphs to
0-9, one operation variant of ``equations.operations.OPERATIONS`` per operator glyph, and one reversal
flag shared by every operator; only when no such rule reproduces the examples, each operator may
reverse on its own. A rule under which the query's result is undefined (``max mod min`` of 0)
gives no answer.

The reference below enumerates that whole space for tasks with at most ``MAX_REF_GLYPHS`` distinct
digit glyphs: every injective map (``itertools.permutations``) times every variant of every
operator glyph, with the variants' printed results computed here from ``Operation.fn`` (the
definition of the operations), in plain numpy. Nothing is shared with the family's pattern
index, numba join or CP-SAT model. An answer digit that no glyph of the task holds is written
``BLIND + d`` (the family prints such a digit with a spare glyph and calls the answer a guess).

For a few hundred seeded tasks drawn from hidden rules and then altered (examples dropped,
results edited, swapped, duplicated with another result, the query operator replaced, ...):

* every ``deduced`` answer of ``hybrid.solve`` is the only answer any consistent rule gives;
* a ``complete`` recall or search lists exactly the reference's answers (when the query's glyphs
  and operator are in the examples; otherwise every answer is a guess);
* ``infeasible`` means the reference finds no consistent rule, and vice versa.
"""

from __future__ import annotations

import functools
import itertools
import random
import subprocess
import sys
import time

import numpy as np
import pytest

import hybrid
from hybrid import Task
from hybrid.deadline import Deadline, TimeLimitReached
from hybrid.errors import InputLimitError, TaskParseError
from hybrid.families.base import SearchResult
from hybrid.families.cryptarithm.search import search_cpsat
from hybrid.families.equations.operations import OPERATIONS
from hybrid.task import Example

FAM = hybrid.get_family("cryptarithm")
#: Digit glyphs and operator glyphs of the dev rows.
POOL = "!\"#$%&'()/:<>?@[\\]^`{|}"
OP_GLYPHS = "*+-"
MAX_REF_GLYPHS = 6
#: Marks an answer digit that no glyph of the task holds (not a glyph of the pool).
BLIND = "\u00bf"
HEADER = ("In Alice's Wonderland, a secret set of transformation rules is applied to equations. "
          "Below are a few examples:\n")


def prompt(lines, query):
    return HEADER + "\n".join(lines) + f"\nNow, determine the result for: {query}"


# ---------------------------------------------------------------------------------- reference
PAD, SIGN = -1, 10
REV = np.array([op.reverse for op in OPERATIONS])


@functools.lru_cache(maxsize=1)
def result_codes():
    """``int8[n_variants, 100, 100, 5]`` printed results as codes (digits, 10 = sign, -1 after
    the end), the same packed into one integer per result (``pack``; 0 = undefined), from
    ``Operation.fn``."""
    codes = np.full((len(OPERATIONS), 100, 100, 5), PAD, np.int8)
    for v, op in enumerate(OPERATIONS):
        for a in range(100):
            for b in range(100):
                s = op.fn(f"{a:02d}", f"{b:02d}", "-")
                if s is not None:
                    codes[v, a, b, : len(s)] = [SIGN if c == "-" else int(c) for c in s]
    return codes, pack(codes)


def pack(codes: np.ndarray) -> np.ndarray:
    """One integer per code row (base 12, each code + 1); an all-PAD row (undefined) packs to 0."""
    out = np.zeros(codes.shape[:-1], np.int64)
    for j in range(codes.shape[-1]):
        out = out * 12 + (codes[..., j].astype(np.int64) + 1)
    return out


@functools.lru_cache(maxsize=None)
def all_maps(k: int) -> np.ndarray:
    return np.array(list(itertools.permutations(range(10), k)), dtype=np.int64).reshape(-1, k)


def reference(examples, query):
    """``(answers, feasible)``: the query answers of every consistent rule of the space (a set of
    strings, ``BLIND + d`` for a digit no task glyph holds) and whether any rule fits the examples."""
    codes, packed = result_codes()
    glyphs: list[str] = []
    for src, tgt in examples:
        for c in src[:2] + src[3:] + "".join(c for c in tgt if c != src[2]):
            if c not in glyphs:
                glyphs.append(c)
    for c in query[:2] + query[3:]:
        if c not in glyphs:
            glyphs.append(c)
    assert len(glyphs) <= MAX_REF_GLYPHS, glyphs
    gi = {g: i for i, g in enumerate(glyphs)}
    maps = all_maps(len(glyphs))
    n_var = len(OPERATIONS)
    fits: dict[str, np.ndarray] = {}  # operator glyph -> bool[map, variant]
    for src, tgt in examples:
        o = src[2]
        ok = fits.setdefault(o, np.ones((len(maps), n_var), bool))
        if len(tgt) > 5:
            ok[:] = False
            continue
        a = maps[:, gi[src[0]]] * 10 + maps[:, gi[src[1]]]
        b = maps[:, gi[src[3]]] * 10 + maps[:, gi[src[4]]]
        want = np.full((len(maps), 5), PAD, np.int64)
        for j, c in enumerate(tgt):
            want[:, j] = SIGN if c == o else maps[:, gi[c]]
        ok &= (packed[:, a, b] == pack(want)[None, :]).T  # a result is never the all-PAD row
    # one reversal flag for the whole task: flag_ok[r][map]
    flag_ok = {r: np.logical_and.reduce([(f & (REV == r)[None, :]).any(axis=1) for f in fits.values()])
               for r in (False, True)}
    qo = query[2]
    if (flag_ok[False] | flag_ok[True]).any():
        allow = np.stack([flag_ok[bool(r)] for r in REV], axis=1)  # bool[map, variant]
        if qo in fits:
            allow = allow & fits[qo]
    else:  # per-operator reversal
        each = np.logical_and.reduce([f.any(axis=1) for f in fits.values()])
        if not each.any():
            return set(), False
        allow = fits[qo] & each[:, None] if qo in fits else np.repeat(each[:, None], n_var, axis=1)
    m_idx, v_idx = np.nonzero(allow)
    a = maps[m_idx, gi[query[0]]] * 10 + maps[m_idx, gi[query[1]]]
    b = maps[m_idx, gi[query[3]]] * 10 + maps[m_idx, gi[query[4]]]
    keep = packed[v_idx, a, b] != 0
    m_idx, v_idx, a, b = m_idx[keep], v_idx[keep], a[keep], b[keep]
    res = codes[v_idx, a, b, :].astype(np.int64)
    inv = np.full((len(maps), 11), -1, np.int64)  # digit -> glyph index under each map
    inv[np.arange(len(maps))[:, None], maps] = np.arange(len(glyphs))[None, :]
    glyph_of = np.where(res >= 0, inv[m_idx[:, None], np.clip(res, 0, 10)], -1)
    # code: glyph index, 100 sign, 200 + d blind digit, -1 end
    code = np.where(res == SIGN, 100, np.where(res == PAD, -1, np.where(glyph_of >= 0, glyph_of, 200 + res)))
    answers = set()
    for row in np.unique(code, axis=0):
        out = []
        for c in row:
            if c == -1:
                break
            out.append(qo if c == 100 else glyphs[c] if c < 100 else f"{BLIND}{c - 200}")
        answers.add("".join(out))
    return answers, True


# ---------------------------------------------------------------------------------- task generation
def render_with(gmap, ops, lhs):
    """The printed result of ``lhs`` under a hidden rule (independent of the family's code)."""
    op = OPERATIONS[ops[lhs[2]]]
    digits = {g: str(d) for g, d in gmap.items()}
    s = op.fn(digits[lhs[0]] + digits[lhs[1]], digits[lhs[3]] + digits[lhs[4]], lhs[2])
    if s is None:
        return None
    inv = {d: g for g, d in gmap.items()}
    return "".join(c if c == lhs[2] else inv[int(c)] for c in s)


def hidden_task(rng: random.Random):
    """Examples and query from a random hidden rule whose task uses few digit glyphs."""
    for _ in range(1000):
        glyphs = rng.sample(POOL, 10)
        gmap = {g: d for d, g in enumerate(glyphs)}
        n_ops = rng.choice([1, 1, 2, 2, 3])
        op_glyphs = rng.sample([c for c in OP_GLYPHS + POOL if c not in glyphs], n_ops)
        rev = rng.random() < 0.5
        ops = {g: rng.choice([v for v, op in enumerate(OPERATIONS) if op.reverse == rev]) for g in op_glyphs}
        digits = rng.sample(range(10), rng.choice([2, 2, 3]))
        n_ex = rng.choice([1, 2, 3, 3, 4, 5, 6])
        lines = []
        for _ in range(n_ex + 1):
            g = rng.choice(op_glyphs)
            lhs = "".join(glyphs[rng.choice(digits)] for _ in range(2)) + g + "".join(
                glyphs[rng.choice(digits)] for _ in range(2))
            res = render_with(gmap, ops, lhs)
            if res is None:
                break
            lines.append((lhs, res))
        else:
            examples, (query, answer) = lines[:-1], lines[-1]
            used = {c for s, t in examples for c in s[:2] + s[3:] + t if c not in op_glyphs}
            used |= set(query[:2] + query[3:])
            if len(used) <= MAX_REF_GLYPHS:
                return examples, query, answer
    raise AssertionError("no small task drawn")


def alter(rng: random.Random, examples, query):
    """One adversarial edit: what it did, and the new examples and query."""
    ex = list(examples)
    digit_glyphs = sorted({c for s, t in ex for c in s[:2] + s[3:] + t if c not in {e[0][2] for e in ex}})
    kind = rng.choice(["none", "none", "drop", "edit", "edit", "swap", "contradict", "duplicate", "random",
                       "length", "unseen_op", "sign"])
    if kind == "drop" and len(ex) > 1:
        for _ in range(rng.randint(1, len(ex) - 1)):
            ex.pop(rng.randrange(len(ex)))
    elif kind == "edit" and digit_glyphs:
        i = rng.randrange(len(ex))
        s, t = ex[i]
        j = rng.randrange(len(t))
        if t[j] != s[2]:
            t = t[:j] + rng.choice(digit_glyphs) + t[j + 1:]
        ex[i] = (s, t)
    elif kind == "swap" and len(ex) > 1:
        i, j = rng.sample(range(len(ex)), 2)
        ex[i], ex[j] = (ex[i][0], ex[j][1]), (ex[j][0], ex[i][1])
    elif kind == "contradict" and digit_glyphs:
        s, t = rng.choice(ex)
        ex.insert(rng.randrange(len(ex) + 1), (s, "".join(rng.choice(digit_glyphs) for _ in range(len(t)))))
    elif kind == "duplicate":
        ex.append(rng.choice(ex))
    elif kind == "random" and digit_glyphs:
        i = rng.randrange(len(ex))
        ex[i] = (ex[i][0], "".join(rng.choice(digit_glyphs) for _ in range(rng.randint(1, 4))))
    elif kind == "length":
        i = rng.randrange(len(ex))
        s, t = ex[i]
        ex[i] = (s, t[:-1] if len(t) > 1 else t + t)
    elif kind == "unseen_op":
        fresh = [c for c in OP_GLYPHS + POOL if c not in "".join(s + t for s, t in ex) + query]
        query = query[:2] + rng.choice(fresh) + query[3:]
    elif kind == "sign":
        i = rng.randrange(len(ex))
        s, t = ex[i]
        ex[i] = (s, s[2] + t if t[0] != s[2] else t[1:] or t)
    return kind, ex, query


def truncating_task(rng: random.Random):
    """A task with more solutions than the join keeps (``MAX_SOLUTIONS``) or CP-SAT enumerates:
    one example pins almost no digit, so the answer's uniqueness needs the tracked search / the
    exclusion loop. Either a concatenation (every consistent rule gives one answer), or
    ``AB+CD = EF`` asked as ``CD+AB``: the first solutions are additions (commutative: answer
    ``EF``), subtractions further on give other answers."""
    if rng.random() < 0.5:
        g = rng.sample(POOL, 6)
        op = rng.choice(OP_GLYPHS)
        return [(g[0] + g[1] + op + g[2] + g[3], g[4] + g[5])], g[2] + g[3] + op + g[0] + g[1]
    glyphs = rng.sample(POOL, 10)
    gmap = {g: d for d, g in enumerate(glyphs)}
    name = rng.choice(["cat", "rcat", "rev:cat"])
    op = rng.choice(OP_GLYPHS)
    ops = {op: next(v for v, o in enumerate(OPERATIONS) if o.name == name)}
    ds = rng.sample(range(10), 4)
    lhs = glyphs[ds[0]] + glyphs[ds[1]] + op + glyphs[ds[2]] + glyphs[ds[3]]
    examples = [(lhs, render_with(gmap, ops, lhs))]
    perm = rng.sample([0, 1, 3, 4], 4)
    q = "".join(lhs[i] for i in perm[:2]) + op + "".join(lhs[i] for i in perm[2:])
    return examples, q


# ---------------------------------------------------------------------------------- the suite
def _hyps(result):
    return result.hypotheses if isinstance(result, SearchResult) else list(result)


def _status(result):
    return result.status if isinstance(result, SearchResult) else "complete"


def _split(answers, task_glyphs):
    """Answers printed with task glyphs only, and whether any uses a digit no task glyph holds."""
    plain = {a for a in answers if a is not None and all(c in task_glyphs for c in a)}
    blind = any(a is not None and not all(c in task_glyphs for c in a) for a in answers)
    return plain, blind


N_TASKS = 220
N_SEARCH = 100
#: The join's solution buffer in the second pass: small, so that nearly every task is truncated
#: and its answers rest on the tracked answer classes (the proof past the buffer).
SMALL_CAP = 8


def _check_deduced(sol, ref, counts, problems, tag, info):
    if sol.status != "deduced":
        return
    counts[f"deduced{tag}"] += 1
    if ref == {sol.answer}:
        counts[f"proven_unique{tag}"] += 1
    else:
        counts[f"contradicted{tag}"] += 1
        problems.append((f"deduced{tag}", *info, sol.answer, sorted(ref)))


def _check_set(result, ref, task_glyphs, counts, problems, key, info):
    """A complete result lists exactly the reference's answers (task-glyph answers, and whether
    some answer needs a digit no task glyph holds)."""
    counts[f"{key}_checked"] += 1
    plain, blind = _split([h.answer for h in _hyps(result)], task_glyphs)
    ref_plain = {a for a in ref if BLIND not in a}
    if plain != ref_plain or blind != any(BLIND in a for a in ref):
        counts[f"{key}_mismatch"] += 1
        problems.append((key, *info, sorted(plain), blind, sorted(ref)))


def test_deduced_answers_are_proven_against_brute_force(monkeypatch):
    import hybrid.families.cryptarithm as cmod

    rng = random.Random(20240610)
    counts = {k: 0 for k in ("tried", "deduced", "proven_unique", "contradicted", "deduced_small_cap",
                             "proven_unique_small_cap", "contradicted_small_cap", "infeasible", "infeasible_wrong",
                             "recall_checked", "recall_mismatch", "search_checked", "search_mismatch",
                             "search_other", "rejected")}
    kinds: dict[str, int] = {}
    problems: list = []
    for i in range(N_TASKS):
        if i % 10 == 9:
            examples, query = truncating_task(rng)
            kind = "many_solutions" if len(examples[0][1]) == 4 else "many_solutions_sub"
        else:
            examples, query, _ = hidden_task(rng)
            kind, examples, query = alter(rng, examples, query)
        try:
            task = Task.from_pairs("cryptarithm", examples, query)
        except TaskParseError:
            counts["rejected"] += 1  # an edit made a line malformed (e.g. an operator glyph as a digit)
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        counts["tried"] += 1
        info = (i, kind, examples, query)
        ref, feasible = reference(examples, query)
        task_glyphs = {c for s, t in examples for c in s + t} | set(query)
        determined = query[2] in {s[2] for s, _ in examples} and all(
            c in {g for s, t in examples for g in s + t} for c in query[:2] + query[3:])

        sol = hybrid.solve(task, time_limit=10)
        _check_deduced(sol, ref, counts, problems, "", info)
        if sol.proof == "infeasible":
            counts["infeasible"] += 1
        if (sol.proof == "infeasible") == feasible:
            counts["infeasible_wrong"] += 1
            problems.append(("infeasible", *info, sol.status, sol.proof, sorted(ref)))

        with monkeypatch.context() as mp:
            mp.setattr(cmod, "MAX_SOLUTIONS", SMALL_CAP)
            _check_deduced(hybrid.solve(task, time_limit=10), ref, counts, problems, "_small_cap", info)
            recalled = FAM.candidates(task, Deadline(10))
        if determined and feasible and _status(recalled) == "complete":
            _check_set(recalled, ref, task_glyphs, counts, problems, "recall", info)

        if i % 2 == 0 and kind != "many_solutions_sub" and counts["search_checked"] + counts["search_other"] < N_SEARCH:
            # max_solutions=1 leaves the proof to the exclusion loop. (The AB+CD = EF tasks are left
            # out: CP-SAT needs seconds per exclusion there and ends in time_limit.)
            found = search_cpsat(task, 1.5, FAM._index(), max_solutions=rng.choice([1, 1, 512]))
            if found.status == "infeasible" or not feasible:
                counts["search_checked"] += 1
                if (found.status == "infeasible") == feasible:
                    counts["search_mismatch"] += 1
                    problems.append(("search infeasible", *info, found.status, sorted(ref)))
            elif found.status == "complete" and determined:
                _check_set(found, ref, task_glyphs, counts, problems, "search", info)
            else:
                counts["search_other"] += 1  # a guess (query glyph/operator not in the examples), partial, time
    print(f"\ncryptarithm adversarial: {counts}\nedits: {kinds}")
    assert counts["tried"] >= 200, counts
    assert counts["deduced"] >= 30 and counts["deduced_small_cap"] >= 30, counts  # the proof is exercised
    assert counts["contradicted"] == 0 and counts["contradicted_small_cap"] == 0, problems[:5]
    assert counts["infeasible_wrong"] == 0, problems[:5]
    assert counts["recall_mismatch"] == 0, problems[:5]
    assert counts["search_mismatch"] == 0, problems[:5]


# ---------------------------------------------------------------------------------- bad input
GOOD = "!(*() = (/<<"
BAD_LINES = [
    ("!\u0301*() = (/<<", 2, "U+0301"),        # combining mark inside the left side
    ("!(*() = (\u0301/<", 2, "U+0301"),        # ... inside the result
    ("!\ud800*() = (/<<", 2, "U+D800"),        # lone surrogate
    ("!\u200d*() = (/<<", 2, "U+200D"),        # zero-width joiner
    ("!\x00*() = (/<<", 2, "U+0000"),          # NUL
    ("!(*() = (/\u00a0<", 2, "result"),        # no-break space: not one token
    ("+(+() = (/<<", 2, "operand glyph"),      # the operator glyph is also an operand
    ("!(*() = (/<<!" + "<" * 16, 2, "limit is 16"),  # a result past max_field_chars
]


@pytest.mark.parametrize("line, lineno, words", BAD_LINES)
def test_bad_example_lines_are_clear_errors(line, lineno, words):
    with pytest.raises(TaskParseError) as err:
        hybrid.solve(prompt([line, GOOD], "!(*()"))
    assert f"line {lineno}" in str(err.value) and words in str(err.value)
    # a Task built in code is held to the same rules (validate = what parsing checks)
    src, tgt = line.split(" = ", 1)
    with pytest.raises(TaskParseError):
        hybrid.solve(Task("cryptarithm", (Example(src, tgt), Example("!(*()", "(/<<")), "!(*()"))
    with pytest.raises(TaskParseError):
        Task.from_pairs("cryptarithm", [(src, tgt)], "!(*()")


@pytest.mark.parametrize("lines, query, words", [
    (["!(*() = (/<", "!(+() = (*<<"], "!(*()", "glyph '*' is an operator in line 2 and a digit glyph in line 3"),
    (["!(*() = (/<"], "!*+()", "glyph '*' is an operator in line 2 and a digit glyph in the query"),
    (["!(*() = (/<"], "!(!()", "operand glyph"),
    (["!(*() = (/<"], "!(*(\u0301", "U+0301"),
])
def test_glyph_roles_across_lines(lines, query, words):
    with pytest.raises(TaskParseError) as err:
        hybrid.solve(prompt(lines, query))
    assert words in str(err.value)
    with pytest.raises(TaskParseError):
        hybrid.solve(Task("cryptarithm", tuple(Example(*ln.split(" = ")) for ln in lines), query))


def test_task_without_examples_is_a_parse_error():
    with pytest.raises(TaskParseError, match="no example"):
        hybrid.solve(Task("cryptarithm", (), "!(*()"))
    with pytest.raises(TaskParseError, match="no example"):
        Task.from_pairs("cryptarithm", [], "!(*()")
    with pytest.raises(TaskParseError, match="no example"):
        FAM.candidates(Task("cryptarithm", (), "!(*()"))
    with pytest.raises(TaskParseError, match="no example"):
        search_cpsat(Task("cryptarithm", (), "!(*()"), 1.0, FAM._index())


@pytest.mark.parametrize("n", [FAM.max_examples + 1, 10_000])
def test_too_many_examples_is_an_input_limit_error(n):
    t0 = time.perf_counter()
    with pytest.raises(InputLimitError, match="limit is 50"):
        hybrid.solve(prompt([GOOD] * n, "!(*()"), time_limit=1.0)
    with pytest.raises(InputLimitError):
        hybrid.solve(Task("cryptarithm", (Example("!(*()", "(/<<"),) * n, "!(*()"), time_limit=1.0)
    assert time.perf_counter() - t0 < 3.0


@pytest.mark.parametrize("result", ["(/<<&%", "(/<<&%abcdefghij", "(*<", "**", "(/<<*"])
def test_unprintable_results_are_proven_unsolvable(result):
    """6+ glyph results (no variant prints more than 4 characters), more than ten digit glyphs,
    a sign inside the result or twice: well-formed, and no rule fits."""
    sol = hybrid.solve(prompt([f"!(*() = {result}"], "!(*()"), time_limit=2.0)
    assert sol.status == "unsolved" and sol.proof == "infeasible"
    found = search_cpsat(Task.from_pairs("cryptarithm", [("!(*()", result)], "!(*()"), 2.0, FAM._index())
    assert found.status == "infeasible" and not found.hypotheses


# ---------------------------------------------------------------------------------- time limits
def heavy_examples(n=FAM.max_examples, contradict=False):
    """``n`` concatenation-shaped lines over quadruples of ten glyphs: every injective map fits
    with ``cat``, so there are millions of solutions. With ``contradict`` the last line is printed
    as ``concat(b, a)``: each line alone fits many maps, all of them together none."""
    glyphs = POOL[:10]
    quads = list(itertools.permutations(glyphs, 4))
    random.Random(0).shuffle(quads)
    pairs = [(q[0] + q[1] + "+" + q[2] + q[3], "".join(q)) for q in quads[:n]]
    if contradict:
        lhs = pairs[-1][0]
        pairs[-1] = (lhs, lhs[3:] + lhs[:2])
    return pairs, glyphs[1] + glyphs[0] + "+" + glyphs[3] + glyphs[2]


@pytest.mark.parametrize("contradict", [False, True])
def test_heavy_join_respects_the_time_limit(contradict):
    pairs, query = heavy_examples(contradict=contradict)
    task = Task.from_pairs("cryptarithm", pairs, query)
    t0 = time.perf_counter()
    sol = hybrid.solve(task, time_limit=1.0)
    assert time.perf_counter() - t0 < 2 * 1.0 + 1
    assert sol.status != "deduced" and sol.proof in ("time_limit", "infeasible", "complete")
    if sol.proof != "time_limit":  # finished: then it must be right
        assert sol.proof == "infeasible" if contradict else sol.answer is not None
    with pytest.raises(TimeLimitReached):
        FAM.candidates(task, Deadline(0))


def test_heavy_search_back_ends_respect_the_time_limit():
    pairs, query = heavy_examples()
    task = Task.from_pairs("cryptarithm", pairs, query)
    for name, fn in FAM.backends().items():
        if name == "catalog":
            continue
        t0 = time.perf_counter()
        found = fn(task, Deadline(1.0))
        assert time.perf_counter() - t0 < 2 * 1.0 + 1, name
        assert isinstance(found, SearchResult) and found.status in ("time_limit", "complete", "partial"), name


def test_batch_with_attack_inputs_loses_nothing():
    pairs, query = heavy_examples(20)
    items = [prompt(["!\ud800*() = (/<<"], "!(*()"), Task("cryptarithm", (), "!(*()"),
             prompt(["!(*() = (/<<&%"], "!(*()"), Task.from_pairs("cryptarithm", pairs, query),
             prompt(["`&-}[ = -[`", "`[-%) = -((", "(&-(% = ->:"], "[[-)}")]
    out = hybrid.solve_many(items, time_limit=1.0)
    assert isinstance(out[0], TaskParseError) and isinstance(out[1], TaskParseError)
    assert out[2].status == "unsolved" and out[2].proof == "infeasible"
    assert out[3].status != "deduced" or out[3].proof == "complete"
    assert out[4].answer == "-(`"


def test_attack_inputs_stay_under_a_gigabyte():
    """Peak memory of one process solving the heaviest inputs (join and CP-SAT at the example
    limit), measured in a fresh interpreter."""
    code = (
        "import resource, sys, time\n"
        "sys.path.insert(0, %r)\n"
        "import hybrid\n"
        "from hybrid.deadline import Deadline\n"
        "from test_cryptarithm import FAM, heavy_examples\n"
        "from hybrid.families.cryptarithm.search import search_cpsat\n"
        "pairs, q = heavy_examples()\n"
        "t = hybrid.Task.from_pairs('cryptarithm', pairs, q)\n"
        "hybrid.solve(t, time_limit=1.0)\n"
        "search_cpsat(t, 1.5, FAM._index())\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n"
    ) % str(__import__("pathlib").Path(__file__).parent)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    peak_mb = int(out.stdout.split()[-1])
    print(f"\npeak RSS {peak_mb} MB")
    assert peak_mb < 1024
