"""The example plug-in family (examples/hybrid_affine), installed with ``pip install -e``, works
through every public entry point with no edit to ``src/hybrid``: discovery by entry point,
``hybrid.solve``, ``hybrid solve``, ``hybrid eval --family``, ``hybrid build-catalog --family``
and ``hybrid generate``. The shared family suite (test_families_common.py) runs it too.

The README's test command installs the plug-in; without it these tests skip.
"""

from __future__ import annotations

import hashlib
import json
import random

import pytest

import hybrid
from hybrid.cli import main

affine = pytest.importorskip("hybrid_affine", reason="pip install -e examples/hybrid_affine")

PROMPT = ("In the affine garden, words are enciphered letter by letter with a secret affine rule.\n"
          "{examples}\nNow, encipher: {query}")


def _prompt(a: int, b: int, sources: list[str], query: str) -> str:
    lines = "\n".join(f"{s} -> {affine.encipher(a, b, s)}" for s in sources)
    return PROMPT.format(examples=lines, query=query)


def test_registered_by_entry_point_not_by_hybrid():
    assert "affine" in hybrid.family_names()
    fam = hybrid.get_family("affine")
    assert type(fam).__module__ == "hybrid_affine"
    assert not fam.ships_with_library()
    # its catalog ships inside its own package
    assert fam.catalog_file().parent.parent.name == "hybrid_affine"


def test_solve_deduces_with_enough_letters_and_is_ambiguous_with_too_few():
    # 'a' and 'b' pin a and b (x=0 -> b, x=1 -> a+b): one rule, a proof.
    sol = hybrid.solve(_prompt(5, 8, ["ab", "hello"], "world"))
    assert (sol.status, sol.answer, sol.proof, sol.method) == ("deduced", affine.encipher(5, 8, "world"), "complete",
                                                              "catalog")
    # a single letter leaves 12 rules (every a, b fixed by the one pair): the query differs between them
    sol = hybrid.solve(_prompt(5, 8, ["a"], "b"))
    assert sol.status == "ambiguous" and len(sol.alternatives) >= 1
    assert affine.encipher(5, 8, "b") in [sol.answer, *(a for a, *_ in sol.alternatives)]


def test_inconsistent_examples_are_unsolved_with_a_proof():
    prompt = PROMPT.format(examples="ab -> cc", query="ab")  # a != b but both map to c: no bijection
    sol = hybrid.solve(prompt)
    assert sol.status == "unsolved" and sol.answer is None and sol.proof == "infeasible"


def test_generated_puzzles_deduced_answers_are_gold():
    fam = hybrid.get_family("affine")
    for i in range(60):
        p = fam.generate(random.Random(i))
        sol = hybrid.solve(fam.render_prompt(p.task))
        if sol.status == "deduced":
            assert sol.answer == p.answer
        else:
            assert p.answer in [sol.answer, *(a for a, *_ in sol.alternatives)]


def test_cli_solve_eval_generate_and_build(tmp_path, capsys, monkeypatch):
    prompt_file = tmp_path / "p.txt"
    prompt_file.write_text(_prompt(3, 1, ["ab", "cab"], "bad"))
    assert main(["solve", "--file", str(prompt_file), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["family"] == "affine" and out["answer"] == affine.encipher(3, 1, "bad") and out["status"] == "deduced"

    data = tmp_path / "gen.csv"
    assert main(["generate", "affine", "40", "--seed", "3", "--out", str(data)]) == 0
    capsys.readouterr()
    assert main(["eval", str(data), "--family", "affine", "--json", "--no-progress"]) == 0
    report = json.loads(capsys.readouterr().out)
    row = report["families"]["affine"]
    assert row["rows"] == 40 and row["errors"] == 0 and row["correct"] >= 30
    assert row["correct_by_status"]["deduced"] == row["status"]["deduced"]

    # build-catalog --family affine --out DIR rebuilds the shipped file byte for byte
    shipped = hybrid.get_family("affine").catalog_file()
    assert main(["build-catalog", "--family", "affine", "--out", str(tmp_path), "--no-progress"]) == 0
    rebuilt = tmp_path / "affine.msgpack"
    assert hashlib.sha256(rebuilt.read_bytes()).digest() == hashlib.sha256(shipped.read_bytes()).digest()
