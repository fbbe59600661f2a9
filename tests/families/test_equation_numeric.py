"""equation_numeric: operation set, catalog recall vs reference, generated rules, CP-SAT, parsing."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hybrid
from hybrid.errors import InputLimitError, TaskParseError
from hybrid.families.base import SearchResult
from hybrid.families.equation_numeric import build_tables
from hybrid.families.equation_numeric.generator import generate, random_rule
from hybrid.families.equation_numeric.operations import BY_NAME, OPERATIONS, format_result
from hybrid.families.equation_numeric.search import search_cpsat, search_python_constraint
from hybrid.families.equations.model import Rule, consistent_ops

FAM = hybrid.get_family("equation_numeric")
#: Operations that the CP-SAT linear forms can express (no |a-b|, no mod).
LINEAR = tuple(o for o in OPERATIONS if o.base in {"add", "add+1", "add-1", "mul", "mul+1", "mul-1", "sub", "rsub",
                                                    "cat", "rcat"})


# ----------------------------------------------------------------------------- operation set
@pytest.mark.parametrize("name,a,b,glyph,printed", [
    ("rev:sub", "33", "71", "-", "61"),        # 33-17 = 16, printed reversed
    ("rev:mul", "26", "12", "#", "2031"),      # 62*21 = 1302
    ("rev:sub", "56", "19", "'", "'62"),       # 65-91 = -26: the glyph is the sign
    ("rev:mul", "57", "66", "*", "0594"),      # 75*66 = 4950: reversed leading zero kept
    ("rev:rsub[suf]", "98", "78", ")", "2)"),  # 87-89 = -2, sign after the digits
    ("negabsdiff", "65", "27", "}", "}38"),
    ("rev:add-1", "74", "42", "+", "07"),
    ("cat", "05", "32", "/", "0532"),
    ("rev:cat", "05", "32", "/", "3205"),  # "5023" read backwards
    ("maxmod", "24", "73", ":", "1"),
    ("add+1", "22", "20", '"', "43"),
])
def test_operations_reproduce_dev_lines(name, a, b, glyph, printed):
    assert BY_NAME[name].fn(a, b, glyph) == printed


def test_operation_names_are_unique_and_stable():
    assert len(BY_NAME) == len(OPERATIONS)
    assert OPERATIONS[0].name == "add" and all(not o.reverse for o in OPERATIONS[: len(OPERATIONS) // 2])


def test_maxmod_with_zero_is_undefined():
    assert BY_NAME["maxmod"].fn("00", "17") is None


def test_format_result():
    assert format_result(-26, True, "pre", "'") == "'62"
    assert format_result(-2, True, "suf", ")") == "2)"
    assert format_result(401, False, width=4) == "0401"


# ----------------------------------------------------------------------------- catalog
def test_catalog_tables_match_the_reference_operations():
    cat = FAM.catalog()
    tables = cat["tables"]
    assert list(cat["operations"]) == [o.name for o in OPERATIONS]
    rng = random.Random(3)
    for _ in range(300):
        a, b = rng.randrange(100), rng.randrange(100)
        for k, op in enumerate(OPERATIONS):
            assert tables[k, a * 100 + b].decode() == (op.fn(f"{a:02d}", f"{b:02d}", "-") or "")


def test_build_tables_is_deterministic():
    t1 = build_tables()
    assert t1.shape == (len(OPERATIONS), 10000)
    assert (t1 == FAM.catalog()["tables"]).all()


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False))
def test_catalog_recall_equals_reference_matcher(rng):
    gen = generate(rng)
    lines_by = {}
    for ex in gen.task.examples:
        a, g, b = ex.source[:2], ex.source[2], ex.source[3:]
        lines_by.setdefault(g, []).append((a, b, ex.target))
    for g, lines in lines_by.items():
        for reverse in (False, True):
            assert [o.name for o in FAM.recall(lines, g, reverse)] == \
                   [o.name for o in consistent_ops(lines, g, reverse)]


# ----------------------------------------------------------------------------- generated rules
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_generated_tasks_are_solved_soundly(rng):
    gen = generate(rng)
    sol = hybrid.solve(gen.task, time_limit=2.0)
    assert sol.status != "unsolved"  # the hidden rule is always in the catalog
    assert FAM.verify(sol.hypothesis, gen.task)
    assert FAM.apply(sol.hypothesis, gen.task) == sol.answer
    if sol.status == "deduced":
        assert sol.answer == gen.answer  # deduced = every consistent rule agrees, the hidden one included
    if not gen.query_seen:
        assert sol.status == "guessed"


def test_recovery_rate_when_the_query_glyph_is_seen():
    rng = random.Random(11)
    hits = total = 0
    for _ in range(300):
        gen = generate(rng, query_seen=True)
        total += 1
        hits += hybrid.solve(gen.task, search=False).answer == gen.answer
    # Measured 0.93 (misses: sign-convention ties such as a-b vs |a-b| when every example has a > b).
    assert hits / total >= 0.85


def test_unseen_query_glyph_is_guessed_from_the_prior():
    rule = Rule(True, (("+", "rev:add"), ("-", "rev:sub"), ("*", "rev:mul")))
    gen = generate(random.Random(5), rule=rule, query_seen=False)
    sol = hybrid.solve(gen.task)
    assert sol.status == "guessed" and sol.hypothesis.guess


# ----------------------------------------------------------------------------- CP-SAT fallback
def test_cpsat_and_catalog_agree_on_linear_rules():
    # The hidden rule is linear, so it lies in both spaces: the gold answer is among the search's
    # answers whenever the search says it listed them all, and a unique one is the gold.
    rng = random.Random(7)
    agree = n = 0
    for _ in range(25):
        gen = generate(rng, rule=random_rule(rng, ops=LINEAR), n_examples=5, query_seen=True)
        cat = hybrid.solve(gen.task, search=False)
        found = search_cpsat(gen.task, 2.0)
        assert isinstance(found, SearchResult) and found.hypotheses, gen.task
        assert found.status in ("complete", "partial")
        for h in found.hypotheses:
            assert FAM.verify(h, gen.task) and FAM.apply(h, gen.task) == h.answer  # soundness
        answers = {h.answer for h in found.hypotheses}
        if found.status == "complete":
            assert gen.answer in answers
            if len(answers) == 1:
                assert answers == {gen.answer}
        if cat.status == "deduced":
            n += 1
            agree += found.hypotheses[0].answer == cat.answer
    assert n > 10 and agree / n >= 0.9


def test_cpsat_finds_rules_outside_the_catalog():
    # a+b+3 is no catalog variant: recall finds nothing, the fallback finds the linear form and
    # proves that no other linear form gives another answer.
    pairs = [("12+30", "45"), ("40+41", "84"), ("07+02", "12"), ("55+11", "69")]
    task = hybrid.Task.from_pairs("equation_numeric", pairs, "20+20")
    assert FAM.candidates(task) == []
    sol = hybrid.solve(task, time_limit=5.0)
    assert sol.answer == "43" and sol.method == "search" and sol.status == "deduced"
    assert sol.proof == "complete" and sol.rule_space == "search"


def test_issue_example_is_not_deduced():
    # Issue 10: 10#10 = 25, 20#20 = 45 fit 2b+5, a+b+5 and 2a+5; the query 30#10 gives 25, 45, 65.
    task = hybrid.Task.from_pairs("equation_numeric", [("10#10", "25"), ("20#20", "45")], "30#10")
    found = search_cpsat(task, 5.0)
    assert found.status == "complete" and {h.answer for h in found.hypotheses} == {"25", "45", "65"}
    sol = hybrid.solve(task, time_limit=5.0)
    assert sol.status == "ambiguous" and sol.rule_space == "search"
    assert {sol.answer, *(a for a, _, _ in sol.alternatives)} == {"25", "45", "65"}


def test_search_proves_infeasible():
    # The same operands with two results: no rule of either space fits.
    task = hybrid.Task.from_pairs("equation_numeric", [("12#30", "45"), ("12#30", "46")], "20#20")
    for fn in (search_cpsat, search_python_constraint):
        found = fn(task, 5.0)
        assert found.status == "infeasible" and found.hypotheses == []
    sol = hybrid.solve(task, time_limit=5.0)
    assert sol.status == "unsolved" and sol.proof == "infeasible" and sol.rule_space == "search"


def test_search_stops_at_the_value_cap():
    from hybrid.families.equation_numeric.search import MAX_VALUES

    # One example leaves hundreds of linear forms: the loop stops after MAX_VALUES + 1 values.
    task = hybrid.Task.from_pairs("equation_numeric", [("01#02", "7")], "37#52")
    found = search_cpsat(task, 5.0)
    assert found.status == "partial" and len({h.answer for h in found.hypotheses}) > MAX_VALUES
    sol = hybrid.solve(task, time_limit=5.0)
    assert sol.status == "ambiguous" and sol.proof == "partial"


def test_search_time_limit_is_never_a_proof():
    from hybrid.deadline import Deadline

    task = hybrid.Task.from_pairs("equation_numeric", [("10#10", "25"), ("20#20", "45")], "30#10")
    for fn in (search_cpsat, search_python_constraint):
        assert fn(task, Deadline(0)).status == "time_limit"


def test_search_reads_sign_position_and_width_from_the_examples():
    # '@' is a-b with the sign after the digits: the query's negative answer keeps that side.
    task = hybrid.Task.from_pairs("equation_numeric", [("50@12", "38"), ("12@50", "38@"), ("33@11", "22")], "10@41")
    assert search_cpsat(task, 5.0).status in ("complete", "partial")
    assert "31@" in {h.answer for h in search_cpsat(task, 5.0).hypotheses}
    # concatenation keeps 4 digits; an example with a padded result pins width 4
    from hybrid.families.equation_numeric.search import read_result

    assert read_result("0532", "/", False) == (532, frozenset({"pre", "suf"}), frozenset({4}))
    assert read_result("0594", "*", True) == (4950, frozenset({"pre", "suf"}), frozenset({0, 4}))
    assert read_result("2)", ")", True) == (-2, frozenset({"suf"}), frozenset({0}))
    assert read_result("0", "#", False) == (0, frozenset({"pre", "suf"}), frozenset({0}))
    for res in ("#0", "05", "123456", "9" * 30, "#12#", "1#2", "²"):
        assert read_result(res, "#", False) is None


def test_search_answer_sets_match_brute_force():
    """Every answer of every rule of the linear space (enumerated in Python) is listed, on random
    linear rules with 1-3 examples."""
    import itertools

    from hybrid.families.equation_numeric.search import COEF_0, COEF_AB, COEF_AB_PROD, MAX_VALUES, LinearOp

    forms = list(itertools.product(COEF_AB, COEF_AB, COEF_AB_PROD, COEF_0))
    rng = random.Random(21)
    checked = 0
    for _ in range(12):
        ca, cb, cab, c0 = rng.choice(forms[: len(forms) // 2])
        op = LinearOp(ca, cb, cab, c0, rng.random() < 0.5, rng.choice(["pre", "suf"]), rng.choice([0, 4]))
        pairs = []
        for _ in range(rng.randint(1, 3)):
            a, b = f"{rng.randrange(100):02d}", f"{rng.randrange(100):02d}"
            pairs.append((f"{a}%{b}", op.fn(a, b, "%")))
        task = hybrid.Task.from_pairs("equation_numeric", pairs, f"{rng.randrange(100):02d}%{rng.randrange(100):02d}")
        qa, qb = task.query[:2], task.query[3:]
        ref = set()
        for rev in (False, True):
            for f in forms:
                for sign in ("pre", "suf"):
                    for width in (0, 4):
                        cand = LinearOp(*f, rev, sign, width)
                        if all(cand.fn(e.source[:2], e.source[3:], "%") == e.target for e in task.examples):
                            ref.add(cand.fn(qa, qb, "%"))
        found = search_cpsat(task, 5.0)
        got = {h.answer for h in found.hypotheses}
        assert got <= ref and op.fn(qa, qb, "%") in ref
        if found.status == "complete":
            checked += 1
            assert got == ref, (pairs, task.query)
        else:
            assert found.status == "partial" and len(ref) > MAX_VALUES
    assert checked >= 4


def test_python_constraint_baseline_agrees_with_cpsat():
    rng = random.Random(9)
    for _ in range(8):
        gen = generate(rng, rule=random_rule(rng, ops=LINEAR), n_examples=5, query_seen=True)
        a = search_cpsat(gen.task, 2.0)
        b = search_python_constraint(gen.task, 2.0)
        assert a.status == b.status
        if a.status == "complete":
            assert {h.answer for h in a.hypotheses} == {h.answer for h in b.hypotheses}
    assert "python-constraint" in FAM.backends()


# ----------------------------------------------------------------------------- parsing
@pytest.mark.parametrize("line", ["12+3 = 15", "12+345 = 1", "12+34 =", "12+34 15", "12 +34 = 46", "12+34 = 4 6"])
def test_malformed_equations_raise(line):
    with pytest.raises(TaskParseError):
        FAM.parse_example(line, 2)


@pytest.mark.parametrize("line", ["1²+34 = 46", "١٢+34 = 46", "12+34 = 4⁶", "12+34 = ٤٦", "12534 = 46",
                                  "12+34 = 4+6", "12+34 = -46", "12+34 = +", "12+34 = 46x"])
def test_non_ascii_digits_and_foreign_result_characters_raise(line):
    with pytest.raises(TaskParseError, match="line 2"):
        FAM.parse_example(line, 2)


def test_results_with_the_operator_as_sign_parse():
    for line in ("12+34 = +22", "12+34 = 22+", "12-34 = -22", "12}34 = }22", "12+34 = 0046"):
        FAM.parse_example(line, 2)


def test_input_limits():
    with pytest.raises(InputLimitError, match="limit is 32"):
        FAM.parse_example("12+34 = " + "9" * 40, 2)
    with pytest.raises(InputLimitError, match="limit is 32"):
        hybrid.Task.from_pairs("equation_numeric", [("12+34", "9" * 5000)], "12+34")
    with pytest.raises(InputLimitError, match="limit is 100"):
        hybrid.Task.from_pairs("equation_numeric", [("12+34", "46")] * 101, "12+34")


def test_malformed_query_raises():
    with pytest.raises(TaskParseError):
        hybrid.Task.from_pairs("equation_numeric", [("12+34", "46")], "1+2")
    with pytest.raises(TaskParseError):
        hybrid.Task.from_pairs("equation_numeric", [("12+34", "46")], "1²+34")


def test_recall_is_exhaustive_beyond_the_joint_limits():
    """Rows with more glyphs than the joint weighting takes (per-glyph weighting): the recall still
    lists every answer of every consistent catalog rule (reference: ``consistent_ops``)."""
    rng = random.Random(17)
    for _ in range(20):
        reverse = rng.random() < 0.5
        glyphs = rng.sample("#%&@!$^|:<>?~", rng.randint(4, 7))
        ops = {g: rng.choice([o for o in OPERATIONS if o.reverse == reverse]) for g in glyphs}
        pairs = []
        for g in glyphs * 2:
            a, b = f"{rng.randrange(1, 100):02d}", f"{rng.randrange(1, 100):02d}"
            if rng.random() < 0.7:  # some glyphs keep a single line, so several operations survive
                pairs.append((f"{a}{g}{b}", ops[g].fn(a, b, g)))
        qg = rng.choice(glyphs)
        task = hybrid.Task.from_pairs("equation_numeric", pairs, f"{rng.randrange(1, 100):02d}{qg}{rng.randrange(1, 100):02d}")
        by = {}
        for e in task.examples:
            by.setdefault(e.source[2], []).append((e.source[:2], e.source[3:], e.target))
        ref = set()
        for rev in (False, True):
            sets = {g: consistent_ops(ls, g, rev) for g, ls in by.items()}
            if all(sets.values()):
                qops = sets.get(qg, [o for o in OPERATIONS if o.reverse == rev])
                ref |= {o.fn(task.query[:2], task.query[3:], qg) for o in qops} - {None}
        got = FAM.candidates(task)
        assert isinstance(got, list) and {h.answer for h in got} == ref


def test_inapplicable_catalog_rule_is_not_reported_infeasible():
    # '#' is max mod min (the only catalog operation for these lines), undefined for a zero operand.
    task = hybrid.Task.from_pairs("equation_numeric", [("24#73", "1"), ("10#35", "5"), ("97#13", "6")], "00#17")
    ops = {h.rule.op("#").base for h in FAM.candidates(task)}
    assert ops == {"maxmod"}
    sol = hybrid.solve(task, time_limit=5.0)
    assert sol.status == "unsolved" and sol.rule_space == "catalog" and sol.proof == "complete"


# ----------------------------------------------------------------------------- dev rows
def test_dev_accuracy(dev_by_family):
    rows = dev_by_family["equation_numeric"]
    hits = sum(hybrid.solve(r.prompt, time_limit=1.0).answer == r.answer for r in rows)
    # Measured 0.8998 (494/549) on the dev rows (the prior is learned from them; 0.898 held out on
    # the 2-fold split; guessed rows 52/95).
    assert hits / len(rows) >= 0.88


def test_learn_shared_pools_only_the_structure():
    from hybrid.families.equations.model import learn_prior
    from hybrid.families.equations.prior import POOLED_KEYS, learn_shared

    rng = random.Random(5)
    gens = [generate(rng) for _ in range(40)]
    for g in gens:
        g.task.meta["answer"] = g.answer
    own, other = [g.task for g in gens[:20]], [g.task for g in gens[20:]]
    mixed = learn_shared(own, other, "structure")
    alone, both = learn_prior(own), learn_prior(own + other)
    for key in mixed:
        assert mixed[key] == (both[key] if key in POOLED_KEYS else alone[key])
    assert learn_shared(own, other, "none") == alone
    assert learn_shared(own, other, "all") == both


def test_joint_weighting_prefers_a_fresh_group_for_an_unseen_operator():
    # '^' fits both |a-b| and max mod min (66^67 = 1, 87^60 = 27); '+' is a concatenation. A
    # subtraction or a max-mod for '(' would repeat the group of one reading of '^', so only the
    # groups no other operator can hold (add, mul) keep their full weight: mul ranks first.
    task = hybrid.Task.from_pairs("equation_numeric", [("66^67", "1"), ("87^60", "27"), ("80+96", "8096")], "91(29")
    fam = hybrid.families.get_family("equation_numeric")
    hyps = fam.candidates(task)
    assert hyps and all(h.guess for h in hyps)
    by = {h.answer: h.prior for h in hyps}
    assert hyps[0].answer == "2639" and by["2639"] > by.get("62", 0.0)


# ----------------------------------------------------------------------------- operator roles
@pytest.mark.parametrize("families,ok", [
    (("add", "mul", "sub"), True),
    (("cat", "cat", "sub"), True),     # + and * may both be concatenations
    (("add", "cat", "mod"), True),
    (("add", "mul", "cat"), False),    # a concatenation would need the '-' role
    (("sub", "mod"), False),           # both need the '-' role
    (("add", "add"), False),
    (("add", "mul", "sub", "cat"), False),
])
def test_roles_feasible(families, ok):
    from hybrid.families.equations.model import roles_feasible

    assert roles_feasible(families) is ok


def test_unseen_operator_takes_the_free_role():
    # '#' is a+b and '@' a*b, so the unseen '$' can only be the '-' role: a subtraction or max mod
    # min; without the role constraint a concatenation (another fresh group) keeps weight.
    task = hybrid.Task.from_pairs("equation_numeric", [("12#34", "46"), ("56#11", "67"), ("10@20", "200"),
                                                       ("03@07", "21")], "50$12")
    hyps = FAM.candidates(task)
    total = sum(h.prior for h in hyps)
    fam_of = {h.answer: h.rule.op("$").family for h in hyps}
    minus = sum(h.prior for h in hyps if fam_of[h.answer] in ("sub", "mod"))
    assert fam_of[hyps[0].answer] in ("sub", "mod")
    assert minus / total > 0.99
    old = FAM.use_roles
    try:
        FAM.use_roles = False
        free = FAM.candidates(task)
        assert sum(h.prior for h in free if h.rule.op("$").family == "cat") / sum(h.prior for h in free) > 0.01
    finally:
        FAM.use_roles = old


def test_dev_rows_fit_distinct_roles(dev_by_family):
    """Every dev row (answer included) has a reading and one operation per glyph whose families
    fit distinct roles: the claim the role weighting rests on."""
    import itertools

    from hybrid.families.equations.model import consistent_ops, lines_by_glyph, roles_feasible

    rows = dev_by_family["equation_numeric"]
    misfits = 0
    for r in rows:
        task = hybrid.parse(r.prompt)
        by = lines_by_glyph([(e.source, e.target) for e in task.examples] + [(task.query, r.answer)])
        fits = False
        for reverse in (False, True):
            fams = [sorted({o.family for o in consistent_ops(ls, g, reverse)}) for g, ls in by.items()]
            if all(fams) and any(roles_feasible(c) for c in itertools.product(*fams)):
                fits = True
                break
        misfits += not fits
    assert misfits == 0


# ----------------------------------------------------------------------------- normal operators
@pytest.mark.parametrize("names,reverse,ok", [
    (("add", "mul-1", "absdiff"), False, True),     # plain: exactly one normal of three
    (("add", "mul", "absdiff"), False, False),      # two normal
    (("add+1", "mul-1", "maxmod"), False, False),   # none
    (("add", "mul"), False, False),                 # two normal among two shown
    (("add+1", "cat"), False, True),                # the normal role is the one not shown
    (("rev:add", "rev:mul", "rev:maxmod"), True, True),    # reversed: one or two normal
    (("rev:add", "rev:mul", "rev:sub"), True, False),
    (("rev:add+1", "rev:cat", "rev:maxmod"), True, False),
])
def test_normal_count_rule(names, reverse, ok):
    from hybrid.families.equations.model import normal_count_ok
    from hybrid.families.equations.operations import BY_NAME

    assert normal_count_ok("equation_numeric", [BY_NAME[n] for n in names], reverse) is ok


def test_suffix_sign_and_reversed_operands_are_twists():
    from hybrid.families.equations.model import is_normal
    from hybrid.families.equations.operations import BY_NAME

    assert is_normal(BY_NAME["sub"]) and is_normal(BY_NAME["rev:mul"])
    assert not any(is_normal(BY_NAME[n]) for n in ("sub[suf]", "rsub", "absdiff", "negabsdiff", "add+1", "cat"))


def test_dev_rows_obey_the_normal_counts(dev_by_family):
    """Counting test behind NORMAL_COUNTS: no dev row (answer included, one reading direction)
    whose operations are all pinned down has a number of normal operators outside the table,
    while the table still excludes something that independent draws would often produce."""
    from hybrid.families.equations.model import NORMAL_COUNTS, consistent_ops, is_normal, lines_by_glyph

    violations = pinned3_plain = 0
    for r in dev_by_family["equation_numeric"]:
        task = hybrid.parse(r.prompt)
        by = lines_by_glyph([(e.source, e.target) for e in task.examples] + [(task.query, r.answer)])
        dirs = [rev for rev in (False, True) if all(consistent_ops(ls, g, rev) for g, ls in by.items())]
        if len(dirs) != 1:
            continue
        flags = [{is_normal(o) for o in consistent_ops(ls, g, dirs[0])} for g, ls in by.items()]
        if any(len(f) != 1 for f in flags):
            continue
        n_normal = sum(f == {True} for f in flags)
        violations += n_normal not in NORMAL_COUNTS["equation_numeric"][dirs[0]][len(flags)]
        pinned3_plain += (not dirs[0]) and len(flags) == 3
    assert violations == 0
    assert pinned3_plain >= 50  # measured 66 plain 3-glyph rows, each with exactly one normal operator


def test_plain_row_with_a_normal_operator_makes_the_unseen_one_a_twist(monkeypatch):
    # '#' is a+b (normal) and '@' is a*b-1 (a twist) in a plain row: exactly one operator of a
    # plain row is normal, so the unseen '$' (the '-' role) is a twist: not a-b. The factor is
    # off by default (its table was counted outside the fold; docs/families/equation_numeric.md).
    monkeypatch.setattr(type(FAM), "use_normal_counts", True)
    task = hybrid.Task.from_pairs("equation_numeric", [("12#34", "46"), ("56#11", "67"), ("10@20", "199"),
                                                       ("03@07", "20")], "12$50")
    hyps = FAM.candidates(task)
    assert hyps[0].answer != "$38"
    by_op = {h.rule.op("$").base: h.prior for h in hyps if not h.rule.reverse}
    assert "sub" not in by_op or by_op["sub"] < max(by_op.values())


def test_generator_follows_roles_and_normal_counts():
    from hybrid.families.equations.model import normal_count_ok, roles_feasible

    rng = random.Random(3)
    rules = [random_rule(rng, n_ops=3) for _ in range(300)]
    for rule in rules:
        ops = [rule.op(g) for g, _ in rule.ops]
        assert roles_feasible(o.family for o in ops)
        assert normal_count_ok("equation_numeric", ops, rule.reverse)
    # both reading directions and both kinds of glyphs occur
    assert {r.reverse for r in rules} == {False, True}
    assert any(all(g in "+-*" for g, _ in r.ops) for r in rules)
    assert any(not all(g in "+-*" for g, _ in r.ops) for r in rules)
