"""bit_manipulation: an 8-bit -> 8-bit rule (shifts, rotations, XOR, AND, OR, NOT, majority, choice).

Rule space (``grammar.py``): y = g(L1(x), L2(x), L3(x)) bit-wise, the literals being rotations
and zero-filling shifts of x and g a boolean function of at most three inputs. The catalog
(``catalog.py``) holds every instantiation of the rule shapes seen in the dev rows and of the
grammar's arity <= 2 and (rol, shl, shr) shapes, merged by truth table and ranked by a prior
learned from shape frequencies (unseen shapes smoothed low); ``kernels.match_tables``
returns every catalog rule consistent with the examples. When none is, ``search`` (CP-SAT,
``search.py``) fits each output bit to the fewest input bits; ``baseline.py`` solves the same
problem with python-constraint.
"""

from __future__ import annotations

import re
import time

import numpy as np

from ...errors import TaskParseError
from ...task import Example, Task
from .. import register_family
from ..base import SearchResult
from ..base import Family, Hypothesis
from .grammar import rule_text
from .kernels import match_tables

_BITS = re.compile(r"^[01]{8}$")
_CAP = 4096


def _check_bits(s: str, what: str, line, text) -> str:
    if not _BITS.match(s):
        raise TaskParseError(f"bit_manipulation: {what} must be exactly 8 binary digits", line=line, text=text)
    return s


def _io(task: Task):
    xs = [int(e.source, 2) for e in task.examples]
    ys = [int(e.target, 2) for e in task.examples]
    return xs, ys, int(task.query, 2)


def _search_hypothesis(xs, ys, q, sizes, source_name: str) -> list[Hypothesis]:
    from .search import rule_from_supports

    rule, forced = rule_from_supports(xs, ys, q, sizes)
    if rule is None:
        return []
    ans, _ = rule.apply(q)
    return [Hypothesis(rule=("perbit", rule), text=rule.text(), prior=1e-6, complexity=1000 + sum(sizes),
                       guess=not forced, source="search", answer=format(ans, "08b"),
                       extra={"solver": source_name, "sizes": list(sizes)})]


@register_family
class BitManipulation(Family):
    name = "bit_manipulation"
    builder_version = "3"
    has_catalog = True
    candidates_verified = True

    def parse_example(self, text: str, line: int | None = None) -> Example:
        ex = super().parse_example(text, line)
        _check_bits(ex.source, "input", line, text)
        _check_bits(ex.target, "output", line, text)
        return ex

    def parse_query(self, text: str, line: int | None = None):
        q, meta = super().parse_query(text, line)
        return _check_bits(q, "query", line, text), meta

    # ------------------------------------------------------------------ catalog
    def build_catalog(self, tasks, progress: bool = False):
        from .catalog import build_payload

        return build_payload(list(tasks))

    def match(self, task: Task):
        """(indices, query answers) of every catalog rule consistent with all examples, best first."""
        cat = self.catalog()
        xs, ys, q = _io(task)
        xs_a = np.array(xs, dtype=np.int64)
        ys_a = np.array(ys, dtype=np.uint8)
        cap = _CAP
        while True:
            idx = np.empty(cap, dtype=np.int64)
            ans = np.empty(cap, dtype=np.uint8)
            n = match_tables(cat["tables"], xs_a, ys_a, q, idx, ans)
            if n <= cap:
                return idx[:n], ans[:n]
            cap = n

    def candidates(self, task: Task, deadline=None) -> list[Hypothesis]:
        cat = self.catalog()
        idx, ans = self.match(task)
        rules, prior, cx = cat["rules"], cat["prior"], cat["complexity"]
        out = []
        for i, a in zip(idx.tolist(), ans.tolist(), strict=True):
            r = rules[i]
            out.append(Hypothesis(rule=("catalog", i), text=rule_text(*(int(v) for v in r)),
                                  prior=float(prior[i]), complexity=int(cx[i]), source="catalog",
                                  answer=format(a, "08b")))
        return out

    # ------------------------------------------------------------------ checking
    def _eval(self, hypothesis: Hypothesis, x: int) -> int:
        kind, obj = hypothesis.rule
        if kind == "catalog":
            return int(self.catalog()["tables"][obj, x])
        return obj.apply(x)[0]

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        xs, ys, _ = _io(task)
        return all(self._eval(hypothesis, x) == y for x, y in zip(xs, ys, strict=True))

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        return format(self._eval(hypothesis, int(task.query, 2)), "08b")

    # ------------------------------------------------------------------ fallback
    def search(self, task: Task, deadline) -> SearchResult:
        """CP-SAT: each output bit as a function of the fewest input bits (time-limited)."""
        from .search import solve_cpsat

        from ...deadline import Deadline

        deadline = Deadline.coerce(deadline)
        time_limit = deadline.remaining()
        xs, ys, q = _io(task)
        t0 = time.perf_counter()
        sizes = solve_cpsat(xs, ys, time_limit)
        if sizes is None or time.perf_counter() - t0 > time_limit:
            return SearchResult([], "time_limit")
        return SearchResult(_search_hypothesis(xs, ys, q, sizes, "cp-sat"), "partial")


from .baseline import search_python_constraint  # noqa: E402  (needs _io defined above)

__all__ = ["BitManipulation", "search_python_constraint"]
