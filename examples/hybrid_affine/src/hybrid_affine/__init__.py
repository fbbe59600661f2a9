"""``affine``: a complete third-party ``hybrid`` family, written only against the public API.

The puzzle: a secret affine cipher ``x -> (a*x + b) mod 26`` (``gcd(a, 26) = 1``: 12 values of
``a`` x 26 of ``b`` = 312 rules) encrypts lower-case words; examples show plaintext -> ciphertext,
and the query asks to encrypt a new text::

    In the affine garden, words are enciphered letter by letter with a secret affine rule.
    hello -> rclla
    Now, encipher: world

The catalog holds the combinatorial core, every rule's 26-letter table (``312 x 26`` uint8),
built by ``hybrid build-catalog --family affine`` into this package's ``catalog/`` folder.
Recall matches every table against every example letter at once (numpy), so the recall is
exhaustive: a single answer among the consistent rules is a proof (``deduced``).
"""

from __future__ import annotations

import math
import re
import numpy as np

import hybrid
from hybrid import Example, Family, Hypothesis, Puzzle, SearchResult, Task, TaskParseError

__all__ = ["AffineCipher", "RULES", "encipher"]
__version__ = "0.1.0"

#: Every rule of the space, in catalog order: (a, b) with gcd(a, 26) = 1.
RULES = [(a, b) for a in range(1, 26) if math.gcd(a, 26) == 1 for b in range(26)]
_WORDS = re.compile(r"^[a-z]+( [a-z]+)*$")


def encipher(a: int, b: int, text: str) -> str:
    """The ciphertext of ``text`` (lower-case words and spaces) under ``x -> a*x + b``."""
    return "".join(c if c == " " else chr((a * (ord(c) - 97) + b) % 26 + 97) for c in text)


class AffineCipher(Family):
    """Affine letter ciphers: recall from a 312-rule catalog, verify on every example."""

    name = "affine"
    builder_version = "1"
    has_catalog = True
    candidates_exhaustive = True
    max_examples = 50
    max_field_chars = 200
    prompt_header = r"words are enciphered letter by letter with a secret affine rule"
    prompt_query = r"^Now, encipher:\s*(.+?)\s*$"

    # ------------------------------------------------------------------ parsing
    def _text(self, s: str, what: str, line, text) -> str:
        if not _WORDS.match(s):
            raise TaskParseError(f"affine: {what} must be lower-case words a-z separated by single spaces",
                                 line=line, text=text)
        return s

    def parse_example(self, text: str, line: int | None = None) -> Example:
        ex = super().parse_example(text, line)
        src = self._text(ex.source, "plaintext", line, text)
        dst = self._text(ex.target, "ciphertext", line, text)
        if [len(w) for w in src.split()] != [len(w) for w in dst.split()]:
            raise TaskParseError("affine: plaintext and ciphertext words must have the same lengths",
                                 line=line, text=text)
        return Example(src, dst, line)

    def parse_query(self, text: str, line: int | None = None):
        q, meta = super().parse_query(text, line)
        return self._text(q, "query", line, text), meta

    # ------------------------------------------------------------------ catalog
    # ``Family.catalog_file()`` (not overridden): a plug-in's catalog lives in a ``catalog/`` folder
    # beside this module, so ``hybrid build-catalog --family affine`` writes
    # ``hybrid_affine/catalog/affine.msgpack`` and the package ships it ($HYBRID_CATALOG_DIR overrides).
    def build_catalog(self, tasks, progress: bool = False):
        tables = np.array([[(a * x + b) % 26 for x in range(26)] for a, b in RULES], dtype=np.uint8)
        return {"rules": np.array(RULES, dtype=np.uint8), "tables": tables}, {"entries": len(RULES)}

    # ------------------------------------------------------------------ solving
    def candidates(self, task: Task, deadline=None):
        cat = self.catalog()
        tables = cat["tables"]
        src = np.array([ord(c) - 97 for e in task.examples for c in e.source if c != " "], dtype=np.int64)
        dst = np.array([ord(c) - 97 for e in task.examples for c in e.target if c != " "], dtype=np.int64)
        ok = np.all(tables[:, src] == dst, axis=1) if len(src) else np.ones(len(tables), dtype=bool)
        out = []
        for i in np.flatnonzero(ok).tolist():
            a, b = (int(v) for v in cat["rules"][i])
            out.append(Hypothesis(rule=(a, b), text=f"x -> {a}*x + {b} mod 26", prior=1.0 / len(RULES),
                                  source="catalog"))
        return out

    def verify(self, hypothesis: Hypothesis, task: Task) -> bool:
        a, b = hypothesis.rule
        return all(encipher(a, b, e.source) == e.target for e in task.examples)

    def apply(self, hypothesis: Hypothesis, task: Task) -> str | None:
        a, b = hypothesis.rule
        return encipher(a, b, task.query)

    def search(self, task: Task, deadline) -> SearchResult:
        """Brute force over the same 312 rules (the catalog's space): complete by construction."""
        deadline = hybrid.Deadline.coerce(deadline)
        found = []
        for a, b in RULES:
            deadline.check("affine brute force")
            h = Hypothesis(rule=(a, b), text=f"x -> {a}*x + {b} mod 26", prior=1.0 / len(RULES), source="search")
            if self.verify(h, task):
                found.append(h)
        return SearchResult(found, "complete" if found else "infeasible")

    def backends(self) -> dict:
        return {"catalog": self.candidates, "brute": self.search}

    def generate(self, rng, *, uniform: bool = False, n_examples: int = 3, words: int = 2) -> Puzzle:
        """A random puzzle: a rule drawn uniformly (there is no real data to match) and random
        letter strings."""
        a, b = RULES[rng.randrange(len(RULES))]

        def text():
            return " ".join("".join(chr(97 + rng.randrange(26)) for _ in range(rng.randint(3, 7)))
                            for _ in range(words))

        pairs = [(s, encipher(a, b, s)) for s in (text() for _ in range(n_examples))]
        query = text()
        return Puzzle(Task.from_pairs(self.name, pairs, query), encipher(a, b, query), f"x -> {a}*x + {b} mod 26")

    def render_prompt(self, task: Task) -> str:
        lines = ["In the affine garden, words are enciphered letter by letter with a secret affine rule."]
        lines += [self.example_line(e) for e in task.examples]
        lines.append(f"Now, encipher: {task.query}")
        return "\n".join(lines)
