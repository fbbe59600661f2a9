"""alphametics: parsing and limits, the column kernel against brute force, every back end against
the others, the statuses the pipeline reports (deduced / ambiguous / unsolved-infeasible /
time_limit), the generator, the catalog check and the CLI."""

from __future__ import annotations

import doctest
import functools
import importlib
import random
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import hybrid
from hybrid import CatalogError, InputLimitError, Task, TaskParseError
from hybrid.families.alphametics import MAX_SOLUTIONS
from hybrid.families.alphametics.brute import solutions_brute
from hybrid.families.alphametics.build import ColumnTables, build_payload, residue_table
from hybrid.families.alphametics.equation import (
    format_assignment,
    holds,
    parse_assignment,
    parse_equation,
)
from hybrid.families.alphametics.generator import draw
from hybrid.families.alphametics.search import solutions_cpsat
from hybrid.families.alphametics.solver import enumerate_columns

FAM = hybrid.get_family("alphametics")
SEND = "D=7 E=5 M=1 N=6 O=0 R=8 S=9 Y=2"


def _task(text: str) -> Task:
    return Task.from_pairs("alphametics", [], text)


def _set(solutions) -> set:
    return {tuple(sorted(a.items())) for a in solutions}


def _residue():
    return FAM.tables().residue_digits


# ------------------------------------------------------------------------------ prompts and input
def test_send_more_money_is_deduced_with_the_known_answer():
    sol = hybrid.solve("SEND + MORE = MONEY")
    assert (sol.answer, sol.status, sol.proof, sol.family) == (SEND, "deduced", "complete", "alphametics")
    assert sol.rule == "9567 + 1085 = 10652" and sol.alternatives == [] and sol.confidence == 1.0
    assert FAM.verify(sol.hypothesis, hybrid.parse("SEND + MORE = MONEY"))


@pytest.mark.parametrize("text", ["send + more = money", "SEND+MORE==MONEY", "  Send +  more =  MONEY \n"])
def test_case_spacing_and_double_equals_are_accepted(text):
    task = hybrid.parse(text)
    assert task.query == "SEND + MORE = MONEY" and task.examples == ()
    assert hybrid.solve(text).answer == SEND
    assert hybrid.solve(_task(text)).answer == SEND  # Task.from_pairs keeps the text; the family parses it


def test_recognise_does_not_claim_wonderland_prompts(bundled_rows):
    for row in bundled_rows:
        assert not FAM.recognise(row.prompt), row.prompt[:80]
        assert hybrid.parse(row.prompt).family != "alphametics"
    assert not FAM.recognise("SEND + MORE = MONEY\nSEND + MORE = MONEY")
    assert not FAM.recognise("12 + 34 = 46")


@pytest.mark.parametrize("text, error, words", [
    ("SEND + MORE", TaskParseError, "exactly one '='"),
    ("SEND + MORE = MONEY = CASH", TaskParseError, "exactly one '='"),
    ("SEND MORE = MONEY", TaskParseError, "operator"),
    ("SEND + + MORE = MONEY", TaskParseError, "where a word was expected"),
    ("SEND + MORE =", TaskParseError, "ends with operator"),
    ("SEND = MONEY", TaskParseError, "at least one operator"),
    ("SEND + MOR3 = MONEY", TaskParseError, "unexpected character '3'"),
    ("SEND / MORE = MONEY", TaskParseError, "unexpected character '/'"),
    ("ABCDE + FGHIJ = KLMNO", InputLimitError, "letters: 15 distinct letters"),
    ("A" * 16 + " + B = C", InputLimitError, "the limit is 15"),
    (" + ".join(["A"] * 16) + " = B", InputLimitError, "words: 17 words"),
    ("ABCDEFGH * ABCDEFGH = A", InputLimitError, "term 'ABCDEFGH * ABCDEFGH' has 16 digits"),
    ("A + B = " + "C" * 500, InputLimitError, "query has"),
])
def test_bad_input_names_the_problem(text, error, words):
    with pytest.raises(error, match="alphametics") as exc:
        _task(text)
    assert words in str(exc.value)
    with pytest.raises(hybrid.HybridError):  # TaskParseError, or UnsupportedTaskError for a foreign character
        hybrid.solve(text)


def test_examples_are_refused():
    with pytest.raises(TaskParseError, match="examples must be empty"):
        Task.from_pairs("alphametics", [("A", "1")], "A + B = C")
    with pytest.raises(TaskParseError, match="examples must be empty"):
        hybrid.solve(Task("alphametics", (hybrid.Example("A", "1"),), "A + B = C"))


def test_cli_solves_send_more_money():
    out = subprocess.run([sys.executable, "-m", "hybrid", "solve", "SEND + MORE = MONEY"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0] == SEND and "status: deduced" in out.stdout


# ------------------------------------------------------------------------------ answers and verify
def test_verify_checks_every_constraint():
    task = _task("SEND + MORE = MONEY")
    good = parse_assignment(SEND)

    def ok(a):
        return FAM.verify(hybrid.Hypothesis(rule=tuple(sorted(a.items())), text=""), task)

    assert ok(good) and format_assignment(good) == SEND
    assert not ok({**good, "Y": 3})                      # equation fails
    assert not ok({**good, "Y": 7})                      # two letters share a digit
    assert not ok({k: v for k, v in good.items() if k != "Y"})  # a letter without digit
    assert not ok({**good, "Z": 3})                      # a letter the puzzle does not have
    assert not ok({**good, "Y": "2"})                    # not an int
    # leading zero: 0 + 1 = 1 holds for A=0 only when A is not the lead of a multi-letter word
    assert holds(parse_equation("A + B = B"), {"A": 0, "B": 1})
    assert not holds(parse_equation("AB + C = AD"), {"A": 0, "B": 1, "C": 2, "D": 3})
    assert holds(parse_equation("AB + C = AD"), {"A": 4, "B": 1, "C": 2, "D": 3})
    assert not FAM.verify(hybrid.Hypothesis(rule=None, text=""), task)


# ------------------------------------------------------------------------------ kernel vs reference
def _random_linear(rng: random.Random) -> str:
    """Any linear equation over a small alphabet: repeated letters, cancellations, both sides signed."""
    alphabet = rng.sample("ABCDEF", rng.randint(2, 5))

    def side(n):
        words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(n)]
        return words[0] + "".join(f" {rng.choice('+-')} {w}" for w in words[1:])

    return f"{side(rng.randint(1, 4))} = {side(rng.randint(1, 2))}"


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_kernel_matches_brute_force_on_random_linear_equations(seed):
    text = _random_linear(random.Random(seed))
    if text.count(" ") < 4:  # needs an operator besides '='
        text = text.replace(" = ", " + A = ", 1)
    eq = parse_equation(text)
    got = enumerate_columns(eq, _residue(), 10**6)
    ref = solutions_brute(eq)
    assert got.complete and ref.complete
    assert _set(got.solutions) == _set(ref.solutions), text
    assert [format_assignment(a) for a in got.solutions] == [format_assignment(a) for a in ref.solutions]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["+", "-"]))
def test_kernel_matches_brute_force_on_generated_puzzles(seed, operator):
    rng = random.Random(seed)
    text, planted = draw(rng, addends=rng.randint(2, 3), min_len=1, max_len=2, operator=operator)
    eq = parse_equation(text)
    assume(len(eq.letters) <= 6)  # brute force stays under 0.2 s
    got = enumerate_columns(eq, _residue(), 10**6)
    assert _set(got.solutions) == _set(solutions_brute(eq).solutions), text
    assert tuple(sorted(planted.items())) in _set(got.solutions)


def test_kernel_matches_cpsat_on_ten_letter_puzzles():
    rng = random.Random(3)
    checked = 0
    while checked < 8:
        text, planted = draw(rng, addends=rng.randint(2, 6))
        eq = parse_equation(text)
        if len(eq.letters) < 9:
            continue
        got = enumerate_columns(eq, _residue(), MAX_SOLUTIONS)
        ref = solutions_cpsat(eq, MAX_SOLUTIONS)
        assert got.complete == ref.complete and got.capped == ref.capped, text
        if got.complete:
            assert _set(got.solutions) == _set(ref.solutions), text
        checked += 1


def test_kernel_cap_and_deadline():
    eq = parse_equation("A + B = C")  # 32 solutions
    capped = enumerate_columns(eq, _residue(), 5)
    assert capped.capped and not capped.complete and len(capped.solutions) == 5
    full = enumerate_columns(eq, _residue(), 32)
    assert full.complete and len(full.solutions) == 32
    late = enumerate_columns(eq, _residue(), 32, hybrid.Deadline(0))
    assert late.timed_out and not late.complete


# ------------------------------------------------------------------------------ back ends agree
# at most 6 letters each, so brute force (the reference) takes well under a second
PUZZLES = ["TO + GO = OUT", "ON + ON = TWO", "AB - BA = C", "A + A = B", "SO + SO = TOOS", "NO + NO = ON",
           "UN + UN + NEUF = ONZE", "I + BB = ILL", "BE * BE = ARE", "A * B = CD", "AB * C = AB", "AB * C - AD = BE"]


@functools.lru_cache(maxsize=None)
def _reference(text: str):
    return solutions_brute(parse_equation(text))


@pytest.mark.parametrize("backend", ["catalog", "cpsat", "python-constraint", "brute"])
def test_every_backend_lists_the_brute_force_solutions(backend):
    run = FAM.backends()[backend]
    for text in PUZZLES:
        eq = parse_equation(text)
        ref = _reference(text)
        res = run(_task(text), hybrid.Deadline(30))
        assert isinstance(res, hybrid.SearchResult)
        if backend == "catalog" and not eq.linear:
            assert res.status == "partial" and res.hypotheses == []
            continue
        want = [format_assignment(a) for a in ref.solutions]
        assert [h.answer for h in res.hypotheses] == want, (backend, text)
        assert res.status == ("complete" if want else "infeasible"), (backend, text, res.note)
        assert all(FAM.verify(h, _task(text)) for h in res.hypotheses)


def test_cpsat_enumeration_and_nogood_loop_agree():
    for text in PUZZLES:
        eq = parse_equation(text)
        a, b = solutions_cpsat(eq, MAX_SOLUTIONS), solutions_cpsat(eq, MAX_SOLUTIONS, method="nogood")
        assert (a.complete, a.capped) == (b.complete, b.capped) and _set(a.solutions) == _set(b.solutions), text


@pytest.mark.parametrize("backend", ["catalog", "cpsat", "python-constraint", "brute"])
def test_more_solutions_than_the_cap_is_partial(backend):
    res = FAM.backends()[backend](_task("AB + C = DE"), hybrid.Deadline(30))  # 144 solutions
    assert res.status == "partial" and len(res.hypotheses) == MAX_SOLUTIONS


# ------------------------------------------------------------------------------ pipeline statuses
def test_several_solutions_are_ambiguous_with_every_one_listed():
    sol = hybrid.solve("ON + ON = TWO")
    ref = [format_assignment(a) for a in solutions_brute(parse_equation("ON + ON = TWO")).solutions]
    assert len(ref) == 4 and sol.status == "ambiguous" and sol.proof == "complete"
    assert [sol.answer] + [a for a, _, _ in sol.alternatives] == ref and sol.n_consistent == 4
    product = hybrid.solve("BE * BE = ARE")  # declined by the catalog, enumerated by CP-SAT
    assert product.status == "ambiguous" and product.method == "search" and product.proof == "complete"
    assert {product.answer, product.alternatives[0][0]} == {"A=2 B=1 E=6 R=5", "A=9 B=3 E=1 R=6"}


def test_more_than_eight_solutions_list_eight_alternatives():
    sol = hybrid.solve("ONE + ONE = TWO")  # 16 solutions
    assert sol.status == "ambiguous" and sol.n_consistent == 16 and len(sol.alternatives) == 8


def test_infeasible_puzzles_are_unsolved_with_a_proof():
    for text, search in [("SEND + MORE = MONEYS", True), ("NO + NO = ON", False), ("AB * AB = AB", True)]:
        sol = hybrid.solve(text, search=search)
        assert (sol.answer, sol.status, sol.proof) == (None, "unsolved", "infeasible"), text


@pytest.mark.parametrize("fallback", ["python-constraint", "brute"])
def test_attack_inputs_stop_at_the_time_limit(fallback):
    # nine free letters in one column: infeasible; python-constraint and brute force need minutes
    text = "A + B + C + D + E + F + G + H + I = J"
    t0 = time.perf_counter()
    res = FAM.backends()[fallback](_task(text), hybrid.Deadline(1.0))
    took = time.perf_counter() - t0
    assert res.status == "time_limit" and took < 3.0
    t0 = time.perf_counter()
    sol = hybrid.solve("AB * CD * EF = GHIJ", time_limit=1.0, fallback=fallback)
    assert sol.status != "deduced" or sol.proof == "complete"
    assert time.perf_counter() - t0 < 3.0


def test_catalog_is_exhaustive_on_the_worst_column_shape():
    sol = hybrid.solve("A + B + C + D + E + F + G + H + I = J", search=False, time_limit=5.0)
    assert (sol.status, sol.proof) == ("unsolved", "infeasible")


# ------------------------------------------------------------------------------ generator
def test_generator_puzzles_are_solved_by_their_planted_assignment():
    rng = random.Random(11)
    for i in range(40):
        puzzle = FAM.generate(rng, operator=["+", "-", "*"][i % 3])
        eq = parse_equation(puzzle.task.query)
        assert 2 <= len(eq.words) <= 7 and len(eq.letters) <= 10
        assert holds(eq, parse_assignment(puzzle.answer)), puzzle.task.query
        assert hybrid.parse(FAM.render_prompt(puzzle.task)).query == puzzle.task.query


def test_generator_unique_puzzles_are_deduced_with_the_gold_answer():
    rng = random.Random(5)
    for _ in range(10):
        puzzle = FAM.generate(rng, unique=True)
        sol = hybrid.solve(puzzle.task)
        assert (sol.status, sol.answer) == ("deduced", puzzle.answer), puzzle.task.query


def test_generator_word_lengths_and_addends():
    rng = random.Random(2)
    for _ in range(50):
        text, _ = draw(rng)
        words = parse_equation(text).words
        assert 3 <= len(words) <= 7 and all(2 <= len(w) <= 10 for w in words), text


# ------------------------------------------------------------------------------ catalog
def test_catalog_table_and_checks():
    payload, params = build_payload()
    assert params["entries"] == 100 and payload["residue_digits"].shape == (10, 10)
    table = FAM.tables().residue_digits
    assert np.array_equal(table, residue_table())
    for w in range(10):
        for r in range(10):
            assert [d for d in range(10) if table[w, r] >> d & 1] == [d for d in range(10) if w * d % 10 == r]
    header = FAM.catalog()["_header"]
    assert header["family"] == "alphametics" and FAM.catalog_file().stat().st_size < 5_000_000
    broken = residue_table()
    broken[3, 1], broken[3, 2] = broken[3, 2], broken[3, 1]
    with pytest.raises(CatalogError, match="row 3"):
        ColumnTables.from_payload({"residue_digits": broken})
    with pytest.raises(CatalogError, match="uint16"):
        ColumnTables.from_payload({"residue_digits": broken.astype(np.int32)})
    with pytest.raises(CatalogError, match="no 'residue_digits'"):
        ColumnTables.from_payload({})


@pytest.mark.parametrize("module", ["equation", "build", "generator", ""])
def test_module_doctests(module):
    mod = importlib.import_module("hybrid.families.alphametics" + (f".{module}" if module else ""))
    res = doctest.testmod(mod)
    assert res.failed == 0 and res.attempted > 0
