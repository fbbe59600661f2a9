"""cipher: a secret one-to-one letter substitution applied to sentences from a fixed word list.

Rule space (measured on the dev rows, see docs/families/cipher.md): every example pair is
consistent with a single letter bijection per puzzle, and every plaintext word (examples and
answers) comes from one vocabulary of 77 words.

Solving: the substitution is read off the examples (``direct``). Query words whose cipher letters
the examples never show are recalled from the vocabulary catalog by length, known letters and
the one-to-one constraint; when several words compete, CP-SAT enumerates the jointly consistent
choices (no two query words may send one cipher letter to two plain letters, or two cipher
letters to one plain letter). Choices are ranked by a positional word prior from the catalog.
"""

from __future__ import annotations

import re
from collections import Counter

from ..errors import TaskParseError
from ..task import Example, Task
from . import register_family
from .base import Family, Hypothesis

_WORDS = re.compile(r"^[a-z]+( [a-z]+)*$")
#: Most joint word choices enumerated per query (beyond this, the task is reported ambiguous anyway).
MAX_CHOICES = 64


def _norm(text: str) -> str:
    return " ".join(text.split())


def substitution(examples) -> tuple[dict, dict] | None:
    """Cipher->plain map and its inverse from the examples, or None when they contradict a bijection."""
    fwd: dict[str, str] = {}
    inv: dict[str, str] = {}
    for ex in examples:
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
    has_catalog = True
    builder_version = "1"

    def parse_example(self, text: str, line: int | None = None) -> Example:
        if " -> " not in text:
            raise TaskParseError("cipher: expected '<ciphertext> -> <plaintext>'", line=line, text=text)
        src, dst = (_norm(s) for s in text.split(" -> ", 1))
        if not _WORDS.match(src) or not _WORDS.match(dst):
            raise TaskParseError("cipher: expected lowercase words on both sides", line=line, text=text)
        if [len(w) for w in src.split()] != [len(w) for w in dst.split()]:
            raise TaskParseError("cipher: both sides must have words of the same lengths", line=line, text=text)
        return Example(src, dst, line)

    def parse_query(self, text: str, line: int | None = None):
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

    def _vocab(self):
        cat = self.catalog()
        cache = cat.get("_by_length")
        if cache is None:
            cache = {}
            for w, n in zip(cat["words"], cat["counts"]):
                cache.setdefault(len(w), []).append((w, n))
            cat["_by_length"] = cache
            cat["_total"] = sum(cat["counts"])
        return cat

    def word_prior(self, word: str, slot: int, n_words: int) -> float:
        """P(word) smoothed, sharpened by how often it appears at this slot of an n-word line."""
        cat = self._vocab()
        counts = dict(zip(cat["words"], cat["counts"]))
        base = (counts.get(word, 0) + 0.5) / (cat["_total"] + 0.5 * len(counts))
        slot_n = cat["slot_counts"].get(f"{n_words}:{slot}:{word}", 0)
        return base * (1.0 + slot_n)

    # ------------------------------------------------------------------ solving
    def candidates(self, task: Task, deadline=None) -> list[Hypothesis]:
        sub = substitution(task.examples)
        if sub is None:
            return []
        fwd, inv = sub
        qwords = task.query.split()
        unknown = [i for i, w in enumerate(qwords) if any(c not in fwd for c in w)]
        if not unknown:
            return [Hypothesis(rule=fwd, text=self._describe(fwd, {}), source="direct")]
        cat = self._vocab()
        options: list[list[tuple[str, dict, float]]] = []
        for i in unknown:
            cw = qwords[i]
            opts = []
            for word, _ in cat["_by_length"].get(len(cw), []):
                new = _fits(cw, word, fwd, inv)
                if new is not None:
                    opts.append((word, new, self.word_prior(word, i, len(qwords))))
            if not opts:
                return []  # a word outside the vocabulary: no recall possible
            options.append(opts)
        hyps = []
        for choice in self._joint_choices(options):
            extra: dict[str, str] = {}
            prior = 1.0
            for k, j in enumerate(choice):
                extra.update(options[k][j][1])
                prior *= options[k][j][2]
            rule = {**fwd, **extra}
            recalled = {qwords[unknown[k]]: options[k][j][0] for k, j in enumerate(choice)}
            hyps.append(Hypothesis(rule=rule, text=self._describe(fwd, recalled), prior=prior,
                                   source="catalog", extra={"recalled": recalled}))
        return hyps

    @staticmethod
    def _joint_choices(options) -> list[tuple[int, ...]]:
        """Indices of one option per word such that the added letters stay one-to-one."""
        if all(len(o) == 1 for o in options):
            return [tuple(0 for _ in options)]
        from ._cipher_join import enumerate_consistent

        return enumerate_consistent([[o[1] for o in opts] for opts in options], MAX_CHOICES)

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

    def explain(self, hypothesis: Hypothesis) -> str:
        return hypothesis.text
