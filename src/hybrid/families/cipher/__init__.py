"""cipher: a secret one-to-one letter substitution applied to sentences from a fixed word list.

Rule space (measured on the dev rows, see docs/families/cipher.md): every example pair is
consistent with a single letter bijection per puzzle, and every plaintext word (examples and
answers) comes from one vocabulary of 77 words.

Solving: the substitution is read off the examples (``direct``). Query words whose cipher letters
the examples never show are recalled from the vocabulary catalog by length, known letters and
the one-to-one constraint; when several words compete, CP-SAT enumerates the jointly consistent
choices (no two query words may send one cipher letter to two plain letters, or two cipher
letters to one plain letter). Choices are ranked by a positional word prior from the catalog.

Rule space and soundness: a rule is a one-to-one letter map that reproduces every example and
sends each query word containing a letter the examples never show to a vocabulary word (where
the examples fix every letter, the map alone gives the answer). ``candidates`` enumerates every
such rule's answer (distinct answers = distinct joint word choices) and returns a list only when
the enumeration finished; when it stops at ``MAX_CHOICES`` choices it returns
``SearchResult(..., "partial")`` and when the deadline cuts it short ``"time_limit"``, so a
capped enumeration is never ``deduced``. The join is linear in the input (``join.py``) and
runs under the solve's deadline.

The generator (``generator.py``) draws puzzles as the data does: a uniform letter permutation
and sentences of four shapes over the 77-word vocabulary, printed in the data's wording.

Input limits: at most ``max_examples`` (100) examples; at most ``max_field_chars`` (1000)
characters per side of an example and in the query (so at most 500 query words); lowercase ASCII
letters ``a-z`` and spaces only.
"""

from __future__ import annotations

import re
from collections import Counter

from ...deadline import Deadline
from ...errors import InputLimitError, TaskParseError
from ...task import Example, Task
from .. import register_family
from .._schemas import CIPHER
from ..base import Family, Hypothesis, SearchResult
from .payload import CipherPayload

_WORDS = re.compile(r"^[a-z]+( [a-z]+)*$")
#: Most joint word choices enumerated per query (beyond this, the task is reported ambiguous anyway,
#: and the recall says ``partial``).
MAX_CHOICES = 64


def _norm(text: str) -> str:
    return " ".join(text.split())


def substitution(examples, deadline: Deadline | None = None) -> tuple[dict, dict] | None:
    """Cipher->plain map and its inverse from the examples, or None when they contradict a bijection."""
    fwd: dict[str, str] = {}
    inv: dict[str, str] = {}
    for i, ex in enumerate(examples):
        if deadline is not None and i % 16 == 0:
            deadline.check("recall: cipher substitution")
        src, dst = ex.source.split(), ex.target.split()
        if len(src) != len(dst):
            return None
        for cw, pw in zip(src, dst):
            if len(cw) != len(pw):
                return None
            for c, p in zip(cw, pw):
                if fwd.setdefault(c, p) != p or inv.setdefault(p, c) != c:
                    return None
    return fwd, inv


def _fits(cword: str, word: str, fwd: dict, inv: dict) -> dict | None:
    """Letters this vocabulary word would add to the map, or None if it contradicts it."""
    if len(cword) != len(word):
        return None
    new: dict[str, str] = {}
    new_inv: dict[str, str] = {}
    for c, p in zip(cword, word):
        known = fwd.get(c) or new.get(c)
        if known is not None:
            if known != p:
                return None
            continue
        if p in inv or new_inv.get(p, c) != c:
            return None
        new[c] = p
        new_inv[p] = c
    return new


@register_family
class Cipher(Family):
    name = "cipher"
    prompt_header = r"secret encryption rules are used on text"
    prompt_query = r"^Now, decrypt the following text:\s*(.+?)\s*$"
    has_catalog = True
    payload_schema = CIPHER
    payload_type = CipherPayload
    builder_version = "1"

    max_examples = 100
    max_field_chars = 1000

    def parse_example(self, text: str, line: int | None = None) -> Example:
        if len(text) > 2 * self.max_field_chars + 4:
            raise InputLimitError(f"cipher: example line has {len(text)} characters; the limit is "
                                  f"{self.max_field_chars} per side (max_field_chars)", line=line)
        if " -> " not in text:
            raise TaskParseError("cipher: expected '<ciphertext> -> <plaintext>'", line=line, text=text)
        src, dst = (_norm(s) for s in text.split(" -> ", 1))
        if not _WORDS.match(src) or not _WORDS.match(dst):
            raise TaskParseError("cipher: expected lowercase words on both sides", line=line, text=text)
        if [len(w) for w in src.split()] != [len(w) for w in dst.split()]:
            raise TaskParseError("cipher: both sides must have words of the same lengths", line=line, text=text)
        return Example(src, dst, line)

    def parse_query(self, text: str, line: int | None = None):
        if len(text) > self.max_field_chars:
            raise InputLimitError(f"cipher: the text to decrypt has {len(text)} characters; the limit is "
                                  f"{self.max_field_chars} (max_field_chars)", line=line)
        q = _norm(text)
        if not _WORDS.match(q):
            raise TaskParseError("cipher: the text to decrypt must be lowercase words", line=line, text=text)
        return q, {}

    # ------------------------------------------------------------------ catalog
    def build_catalog(self, tasks, progress: bool = False):
        """Vocabulary of plaintext words with overall and positional counts (slot i of an n-word line).

        Only the examples' plaintexts are read, never the answers: every answer word of the dev rows
        also occurs in some example, so the examples alone give the whole word list.
        """
        words: Counter = Counter()
        slots: Counter = Counter()
        for t in tasks:
            for line in (ex.target for ex in t.examples):
                ws = line.split()
                words.update(ws)
                slots.update(f"{len(ws)}:{i}:{w}" for i, w in enumerate(ws))
        vocab = sorted(words)
        payload = {
            "words": vocab,
            "counts": [words[w] for w in vocab],
            "slot_counts": {k: slots[k] for k in sorted(slots)},
        }
        return payload, {"entries": len(vocab), "source": "plaintext words of the dev rows' examples"}

    def _vocab(self) -> dict:
        """Lookup tables derived from the catalog's vocabulary (kept outside the payload)."""

        def build(cat) -> dict:
            p = self.payload()
            by_length: dict[int, list] = {}
            for w, n in zip(p.words, p.counts):
                by_length.setdefault(len(w), []).append((w, n))
            return {"counts": dict(zip(p.words, p.counts)), "total": sum(p.counts),
                    "by_length": by_length, "slot_counts": p.slot_counts}

        return self.derived("vocab", build)

    def word_prior(self, word: str, slot: int, n_words: int) -> float:
        """P(word) smoothed, sharpened by how often it appears at this slot of an n-word line."""
        vocab = self._vocab()
        counts = vocab["counts"]
        base = (counts.get(word, 0) + 0.5) / (vocab["total"] + 0.5 * len(counts))
        slot_n = vocab["slot_counts"].get(f"{n_words}:{slot}:{word}", 0)
        return base * (1.0 + slot_n)

    # ------------------------------------------------------------------ solving
    def candidates(self, task: Task, deadline: Deadline | None = None) -> "list[Hypothesis] | SearchResult":
        deadline = Deadline.coerce(deadline)
        self.check_limits(task)
        sub = substitution(task.examples, deadline)
        if sub is None:
            return []  # proven: no bijection reproduces the examples
        fwd, inv = sub
        qwords = task.query.split()
        # Distinct cipher words with letters the examples never show: equal cipher words decrypt
        # to equal plain words under any substitution, so each is one slot.
        slots: list[str] = []
        first_at: dict[str, int] = {}
        for i, w in enumerate(qwords):
            if w not in first_at and any(c not in fwd for c in w):
                first_at[w] = i
                slots.append(w)
        if not slots:
            return [Hypothesis(rule=fwd, text=self._describe(fwd, {}), source="direct")]
        by_length = self._vocab()["by_length"]
        options: list[list[tuple[str, dict, float]]] = []
        for cw in slots:
            deadline.check("recall: cipher vocabulary")
            opts = []
            for word, _ in by_length.get(len(cw), []):
                new = _fits(cw, word, fwd, inv)
                if new is not None:
                    opts.append((word, new, self.word_prior(word, first_at[cw], len(qwords))))
            if not opts:
                return []  # proven: no vocabulary word fits this query word
            options.append(opts)
        joined = self._joint_choices(options, deadline)
        hyps = []
        for choice in joined.choices:
            deadline.check("recall: cipher hypotheses")
            extra: dict[str, str] = {}
            prior = 1.0
            for k, j in enumerate(choice):
                extra.update(options[k][j][1])
                prior *= options[k][j][2]
            rule = {**fwd, **extra}
            recalled = {slots[k]: options[k][j][0] for k, j in enumerate(choice)}
            hyps.append(Hypothesis(rule=rule, text=self._describe(fwd, recalled), prior=prior,
                                   source="catalog", extra={"recalled": recalled}))
        if joined.status in ("complete", "infeasible"):
            return hyps
        return SearchResult(hyps, joined.status, joined.note)

    @staticmethod
    def _joint_choices(options, deadline: Deadline):
        """Indices of one option per slot such that the added letters stay one-to-one."""
        from .join import JoinResult, enumerate_consistent

        if all(len(o) == 1 for o in options):
            # One option each: the only candidate choice; keep it only if it is jointly one-to-one.
            fwd: dict[str, str] = {}
            inv: dict[str, str] = {}
            for opts in options:
                for c, p in opts[0][1].items():
                    if fwd.setdefault(c, p) != p or inv.setdefault(p, c) != c:
                        return JoinResult([], "infeasible", "the only word choices conflict")
            return JoinResult([tuple(0 for _ in options)], "complete")
        return enumerate_consistent([[o[1] for o in opts] for opts in options], MAX_CHOICES, deadline)

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        m = hypothesis.rule
        seen: dict[str, str] = {}
        for c, p in m.items():
            if seen.setdefault(p, c) != c:
                return False
        return all("".join(m.get(c, "?") if c != " " else " " for c in ex.source) == ex.target
                   for ex in task.examples)

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        m = hypothesis.rule
        out = "".join(m.get(c, "?") if c != " " else " " for c in task.query)
        return None if "?" in out else out

    @staticmethod
    def _describe(fwd: dict, recalled: dict) -> str:
        pairs = " ".join(f"{c}->{p}" for c, p in sorted(fwd.items()))
        text = f"letter substitution {pairs}"
        if recalled:
            text += "; recalled from vocabulary: " + ", ".join(f"{c}={w}" for c, w in recalled.items())
        return text

    # ------------------------------------------------------------------ generating
    def generate(self, rng, *, uniform: bool = False, **options):
        """A puzzle drawn as the data draws them (``generator.py``; option: ``n_examples``)."""
        from .generator import generate

        return generate(rng, uniform=uniform, **options)

    def render_prompt(self, task: Task) -> str:
        from .generator import render_prompt

        return render_prompt(task)
