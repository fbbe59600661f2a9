"""bit_manipulation: an 8-bit -> 8-bit rule (shifts, rotations, XOR, AND, OR, NOT, majority, choice).

Rule space (``grammar.py``): y = g(L1(x), L2(x), L3(x)) bit-wise, the literals being rotations
and zero-filling shifts of x and g a boolean function of at most three inputs. The catalog
(``build.py``) holds every instantiation of the rule shapes seen in the dev rows and of the
grammar's arity <= 2 and (rol, shl, shr) shapes, merged by truth table and ranked by a prior
learned from shape frequencies (unseen shapes smoothed low); ``kernels.match_tables``
returns every catalog rule consistent with the examples, so ``candidates`` is exhaustive over the
catalog (no cap: the output arrays grow until every match fits). When none is consistent,
``search`` (CP-SAT, ``search.py``) fits each output bit to a minimum set of input bits and proves
which query answers that space allows; ``baseline.py`` runs the same search with
python-constraint.

Input limits: every field is exactly 8 binary digits (``validate`` checks the raw fields of a
``Task`` built in code, so nothing else reaches the kernels) and a task has at most
``max_examples`` = 256 examples (there are only 256 distinct inputs; the dev rows have 7 to 10).
"""

from __future__ import annotations

import re

import numpy as np

from ...deadline import Deadline
from ...errors import TaskParseError
from ...task import Example, Task
from .. import register_family
from .._schemas import BIT_MANIPULATION
from ..base import Family, Hypothesis, SearchResult
from .grammar import rule_text
from .kernels import match_tables
from .payload import BitManipulationPayload

__all__ = ["BitManipulation", "BitManipulationPayload", "search_python_constraint", "MAX_EXAMPLES"]

_BITS = re.compile(r"[01]{8}")
_CAP = 4096
#: Examples per task (``Family.max_examples``): 256 is every distinct input once.
MAX_EXAMPLES = 256
_BYTES = [format(v, "08b") for v in range(256)]
#: How often (in loop iterations) long loops check the deadline.
_CHECK_EVERY = 2048


def _check_bits(s, what: str, line, text) -> str:
    if not isinstance(s, str) or not _BITS.fullmatch(s):
        raise TaskParseError(f"bit_manipulation: {what} must be exactly 8 binary digits", line=line,
                             text=text if text is not None else (s if isinstance(s, str) else repr(s)))
    return s


def _io(task: Task):
    """(inputs, outputs, query) as ints; ``TaskParseError`` for any field that is not 8 binary
    digits, so direct callers of ``candidates`` / ``search`` / ``verify`` are held to ``validate``."""
    xs, ys = [], []
    for i, e in enumerate(task.examples, 1):
        xs.append(int(_check_bits(e.source, "input", e.line or i, None), 2))
        ys.append(int(_check_bits(e.target, "output", e.line or i, None), 2))
    return xs, ys, int(_check_bits(task.query, "query", None, None), 2)


@register_family
class BitManipulation(Family):
    name = "bit_manipulation"
    prompt_header = r"secret bit manipulation rule transforms 8-bit binary numbers"
    prompt_query = r"^Now, determine the output for:\s*(\S+)\s*$"
    builder_version = "3"
    has_catalog = True
    candidates_verified = True
    candidates_exhaustive = True
    max_examples = MAX_EXAMPLES
    #: Catalog payload schema (``families/_schemas.py``), checked on every load (``CatalogError``):
    #: ``tables`` uint8 (N, 256), ``rules`` uint8 (N, 5), ``prior`` float64 and ``complexity``
    #: int32 with N rows, value bounds, ``shapes`` and ``amounts``.
    payload_schema = BIT_MANIPULATION
    #: Its typed view (``payload()``; ``payload.py``).
    payload_type = BitManipulationPayload

    def parse_example(self, text: str, line: int | None = None) -> Example:
        ex = super().parse_example(text, line)
        _check_bits(ex.source, "input", line, text)
        _check_bits(ex.target, "output", line, text)
        return ex

    def parse_query(self, text: str, line: int | None = None):
        q, meta = super().parse_query(text, line)
        return _check_bits(q, "query", line, text), meta

    def validate(self, task: Task) -> None:
        """Input limits, then every raw field (not a stripped re-parse) exactly 8 binary digits."""
        self.check_limits(task)
        _io(task)

    # ------------------------------------------------------------------ catalog
    def build_catalog(self, tasks, progress: bool = False, related=None):
        from .build import build_payload

        return build_payload(list(tasks))

    def match(self, task: Task):
        """(indices, query answers) of every catalog rule consistent with all examples, best first.

        Exhaustive: when more rules match than the output arrays hold, they are enlarged to the
        count the kernel reports and the scan is repeated, so nothing is capped."""
        tables = self.payload().tables
        xs, ys, q = _io(task)
        xs_a = np.array(xs, dtype=np.int64)
        ys_a = np.array(ys, dtype=np.uint8)
        cap = min(_CAP, len(tables))
        while True:
            idx = np.empty(cap, dtype=np.int64)
            ans = np.empty(cap, dtype=np.uint8)
            n = match_tables(tables, xs_a, ys_a, q, idx, ans)
            if n <= cap:
                return idx[:n], ans[:n]
            cap = n

    def candidates(self, task: Task, deadline=None) -> list[Hypothesis]:
        """Every catalog rule that reproduces the examples (exhaustive over the catalog)."""
        deadline = Deadline.coerce(deadline)
        p = self.payload()
        idx, ans = self.match(task)
        deadline.check("bit_manipulation recall")
        texts = self._entry_texts(p)
        prior, cx = p.prior[idx].tolist(), p.complexity[idx].tolist()
        out = []
        for n, (i, a) in enumerate(zip(idx.tolist(), ans.tolist(), strict=True)):
            if n % _CHECK_EVERY == 0:
                deadline.check("bit_manipulation recall")
            text = texts[i]
            if text is None:
                text = texts[i] = rule_text(*p.rules[i].tolist())
            out.append(Hypothesis(rule=("catalog", i), text=text, prior=prior[n], complexity=cx[n],
                                  source="catalog", answer=_BYTES[a]))
        return out

    def _entry_texts(self, p: BitManipulationPayload) -> list:
        """Per catalog entry, its rule's text once rendered (None before): rendering is most of
        the recall's cost when thousands of rules match."""
        cache = getattr(self, "_texts", None)
        if cache is None or cache[0] is not p:
            cache = self._texts = (p, [None] * len(p.rules))
        return cache[1]

    # ------------------------------------------------------------------ checking
    def _eval(self, hypothesis: Hypothesis, x: int) -> int:
        kind, obj = hypothesis.rule
        if kind == "catalog":
            return int(self.payload().tables[obj, x])
        return int(obj.outputs[x])

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        xs, ys, _ = _io(task)
        return all(self._eval(hypothesis, x) == y for x, y in zip(xs, ys, strict=True))

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        return format(self._eval(hypothesis, _io(task)[2]), "08b")

    # ------------------------------------------------------------------ fallback
    def search(self, task: Task, deadline) -> SearchResult:
        """CP-SAT over per-bit rules of minimum support, with a proof of uniqueness (``search.py``).

        ``deadline`` is a ``Deadline`` or a number of seconds."""
        from .search import search_task

        deadline = Deadline.coerce(deadline)
        xs, ys, q = _io(task)
        return search_task(xs, ys, q, deadline)

    def backends(self) -> dict:
        out = super().backends()
        out["python-constraint"] = search_python_constraint
        return out

    # ------------------------------------------------------------------ generating
    def generate(self, rng, *, uniform: bool = False, **options):
        """A puzzle drawn as the data draws them (``generator.py``)."""
        from .generator import generate_puzzle

        return generate_puzzle(rng, uniform=uniform, **options)

    def render_prompt(self, task: Task) -> str:
        """The prompt exactly as the data prints it (``generator.py``)."""
        from .generator import render_prompt

        return render_prompt(task)


from .baseline import search_python_constraint  # noqa: E402  (needs _io defined above)
