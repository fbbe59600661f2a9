"""The pipeline's status logic, exercised with a toy family registered only for these tests."""

import pytest

import hybrid
from hybrid.families import _REGISTRY, Family, Hypothesis, register_family


class Toy(Family):
    """Rule: output = input + k for k in a candidate list; search finds k directly."""

    name = "toy_add"
    cands: list = []
    searched = 0

    def parse_example(self, text, line=None):
        return super().parse_example(text, line)

    def candidates(self, task):
        return [Hypothesis(rule=k, text=f"add {k}", prior=p, guess=g) for k, p, g in self.cands]

    def verify(self, h, task):
        return all(int(e.source) + h.rule == int(e.target) for e in task.examples)

    def apply(self, h, task):
        return str(int(task.query) + h.rule)

    def search(self, task, time_limit):
        type(self).searched += 1
        e = task.examples[0]
        return [Hypothesis(rule=int(e.target) - int(e.source), text="found by search", source="search")]


@pytest.fixture
def toy():
    register_family(Toy)
    fam = _REGISTRY["toy_add"]
    yield fam
    del _REGISTRY["toy_add"]


def _task(pairs, q):
    return hybrid.Task(family="toy_add", examples=tuple(hybrid.Example(a, b) for a, b in pairs), query=q)


def test_deduced_when_one_hypothesis_fits(toy):
    Toy.cands = [(1, 1.0, False), (2, 5.0, False)]
    s = hybrid.solve(_task([("1", "2")], "10"))
    assert (s.answer, s.status, s.method, s.n_consistent, s.n_verifications) == ("11", "deduced", "catalog", 1, 2)


def test_ambiguous_picks_the_top_prior(toy):
    Toy.cands = [(1, 1.0, False), (1, 1.0, False), (2, 5.0, False)]
    # examples that every candidate fits: none (empty) -> pick highest prior
    s = hybrid.solve(_task([], "10"))
    assert s.status == "ambiguous" and s.answer == "12"
    assert [a[0] for a in s.alternatives] == ["11"]


def test_guessed_flag(toy):
    Toy.cands = [(3, 1.0, True)]
    s = hybrid.solve(_task([("1", "4")], "0"))
    assert s.status == "guessed" and s.answer == "3"


def test_search_fallback_then_unsolved(toy):
    Toy.cands = [(9, 1.0, False)]
    Toy.searched = 0
    s = hybrid.solve(_task([("1", "4"), ("2", "5")], "7"))
    assert (s.answer, s.method, s.status, Toy.searched) == ("10", "search", "deduced", 1)
    s = hybrid.solve(_task([("1", "4"), ("2", "9")], "7"))
    assert s.status == "unsolved" and s.answer is None and s.method == "none"
    s = hybrid.solve(_task([("1", "4")], "7"), search=False)
    assert s.status == "unsolved" and Toy.searched == 2


def test_timings_recorded(toy):
    Toy.cands = [(1, 1.0, False)]
    s = hybrid.solve(_task([("1", "2")], "3"))
    assert {"parse", "recall", "rank", "verify", "total"} <= set(s.timings)


def test_registry_rejects_bad_names():
    class Bad(Toy):
        name = "Bad Name"

    with pytest.raises(hybrid.UnknownFamilyError):
        register_family(Bad)
    with pytest.raises(hybrid.UnknownFamilyError):
        hybrid.get_family("nope")


def test_registry_rejects_duplicates():
    class Impostor(Toy):
        name = "numeral"

    hybrid.get_family("numeral")
    with pytest.raises(hybrid.UnknownFamilyError, match="already registered"):
        register_family(Impostor)


def test_solve_many_keeps_order_and_reports_errors(bundled_rows):
    prompts = [r.prompt for r in bundled_rows[:6]] + ["not a puzzle"]
    out = hybrid.solve_many(prompts, workers=1)
    assert len(out) == 7
    assert isinstance(out[-1], hybrid.UnsupportedTaskError)
    assert [s.family for s in out[:6]] == [hybrid.parse(p).family for p in prompts[:6]]
    par = hybrid.solve_many(prompts[:6], workers=2)
    assert [s.answer for s in par] == [s.answer for s in out[:6]]
