"""Generator of ``cipher`` puzzles, in the data's exact wording, with gold answers.

The draw, reverse-engineered from the 1,182 dev rows (docs/families/cipher.md; the dev vs
generated table is on that page):

* 3, 4 or 5 examples, drawn with the dev counts as weights (385 / 408 / 389 rows);
* the rule: a letter permutation drawn uniformly (26! of them; a letter maps to itself in 3.8%
  of the dev map's letters, 1/26 = 3.8% for a uniform permutation), applied letter by letter,
  spaces kept;
* every sentence (examples and query) drawn independently from four shapes, evenly (dev
  examples 1,224 / 1,168 / 1,168 / 1,172, queries 281 / 294 / 312 / 295)::

      SUBJECT VERB OBJECT                 queen discovers puzzle
      the ADJECTIVE SUBJECT VERB          the curious cat chases
      SUBJECT VERB PREPOSITION PLACE      wizard writes inside tower
      SUBJECT VERB the ADJECTIVE OBJECT   cat studies the bright forest

  with each word drawn evenly from its word list below (77 distinct words: ``secret`` is an
  adjective and an object, ``castle`` / ``forest`` / ``garden`` objects and places). Sentences
  repeat within a prompt only by chance (1 dev row), as independent draws predict.

The dev draw is already even over the rule space (every permutation equally likely), so
``uniform=True`` draws exactly the same puzzles.

>>> import random
>>> p = generate(random.Random(0))
>>> p.rule.startswith("letter substitution (plain -> cipher): abcdefghijklmnopqrstuvwxyz -> ")
True
"""

from __future__ import annotations

import random
import string

from ...task import Task
from ..base import Puzzle

__all__ = ["N_EXAMPLES", "N_EXAMPLES_WEIGHTS", "WORDS", "SHAPES", "HEADER", "vocabulary", "draw_key", "sentence", "encrypt",
           "generate", "render_prompt", "features", "example_features", "shape_of"]

N_EXAMPLES = (3, 4, 5)
#: How often the dev rows show 3, 4 and 5 examples (the draw's weights).
N_EXAMPLES_WEIGHTS = (385, 408, 389)
#: The word lists of the sentence slots (every dev sentence fits a shape with these lists).
WORDS: dict[str, tuple[str, ...]] = {
    "subject": ("alice", "bird", "cat", "dragon", "hatter", "king", "knight", "mouse", "princess", "queen",
                "rabbit", "student", "teacher", "turtle", "wizard"),
    "verb": ("chases", "creates", "discovers", "draws", "dreams", "explores", "follows", "found", "imagines",
             "reads", "sees", "studies", "watches", "writes"),
    "object": ("book", "castle", "crystal", "door", "forest", "garden", "key", "map", "message", "mirror",
               "potion", "puzzle", "secret", "story", "treasure"),
    "adjective": ("ancient", "bright", "clever", "colorful", "curious", "dark", "golden", "hidden", "magical",
                  "mysterious", "secret", "silver", "strange", "wise"),
    "preposition": ("above", "around", "beyond", "in", "inside", "near", "through", "under"),
    "place": ("castle", "cave", "forest", "garden", "island", "library", "mountain", "ocean", "palace",
              "school", "tower", "valley", "village", "wonderland"),
}
#: The four sentence shapes (drawn evenly); ``the`` is a literal word.
SHAPES: tuple[tuple[str, ...], ...] = (
    ("subject", "verb", "object"),
    ("the", "adjective", "subject", "verb"),
    ("subject", "verb", "preposition", "place"),
    ("subject", "verb", "the", "adjective", "object"),
)
HEADER = "In Alice's Wonderland, secret encryption rules are used on text. Here are some examples:"
QUERY = "Now, decrypt the following text: {}"
_LETTERS = string.ascii_lowercase


def vocabulary() -> list[str]:
    """Every word the generator writes, sorted (the 77 words of the dev rows)."""
    return sorted({w for ws in WORDS.values() for w in ws} | {"the"})


def draw_key(rng: random.Random) -> dict[str, str]:
    """A uniformly drawn letter permutation, plain -> cipher."""
    perm = list(_LETTERS)
    rng.shuffle(perm)
    return dict(zip(_LETTERS, perm, strict=True))


def sentence(rng: random.Random) -> str:
    """A plaintext sentence: an evenly drawn shape, each slot's word evenly drawn."""
    shape = rng.choice(SHAPES)
    return " ".join(slot if slot == "the" else rng.choice(WORDS[slot]) for slot in shape)


def encrypt(key: dict[str, str], text: str) -> str:
    """``text`` with every letter replaced through ``key`` (other characters kept)."""
    return "".join(key.get(c, c) for c in text)


def generate(rng: random.Random, *, uniform: bool = False, n_examples: int | None = None) -> Puzzle:
    """One puzzle: a key, ``n_examples`` (default 3-5) example sentences and a query sentence."""
    key = draw_key(rng)
    n = rng.choices(N_EXAMPLES, N_EXAMPLES_WEIGHTS)[0] if n_examples is None else n_examples
    plains = [sentence(rng) for _ in range(n + 1)]
    *shown, query = plains
    task = Task.from_pairs("cipher", [(encrypt(key, p), p) for p in shown], encrypt(key, query))
    rule = f"letter substitution (plain -> cipher): {_LETTERS} -> {''.join(key[c] for c in _LETTERS)}"
    return Puzzle(task, query, rule)


def render_prompt(task: Task) -> str:
    """The prompt exactly as the data prints it."""
    return "\n".join([HEADER, *(f"{e.source} -> {e.target}" for e in task.examples), QUERY.format(task.query)])


_SHORT = {"subject": "S", "verb": "V", "object": "O", "adjective": "A", "preposition": "P", "place": "L"}


def _label(shape) -> str:
    return " ".join("the" if s == "the" else _SHORT[s] for s in shape)


def _shape(plain: str):
    words = plain.split()
    for shape in SHAPES:
        if len(shape) == len(words) and all(w == s if s == "the" else w in WORDS[s] for s, w in zip(shape, words)):
            return shape
    return None


def shape_of(plain: str) -> str:
    """The shape a plaintext sentence fits, by slot initials (``S V O``, ``the A S V``, ``S V P L``,
    ``S V the A O``), or ``other``."""
    shape = _shape(plain)
    return _label(shape) if shape else "other"


def features(task: Task, answer: str) -> dict[str, str]:
    """Per-puzzle features compared between dev and generated puzzles (``python -m``)."""
    shown = {c for e in task.examples for c in e.source if c != " "}
    unseen = {c for c in task.query if c != " " and c not in shown}
    words_unseen = sum(any(c in unseen for c in w) for w in task.query.split())
    key = {c: p for e in task.examples for c, p in zip(e.source, e.target) if c != " "}
    key.update((c, p) for c, p in zip(task.query, answer) if c != " ")
    fixed = sum(c == p for c, p in key.items())
    return {
        "examples per prompt": str(len(task.examples)),
        "query shape": shape_of(answer),
        "query letters no example shows": str(min(len(unseen), 4)) + ("+" if len(unseen) >= 4 else ""),
        "query words with such a letter": str(min(words_unseen, 3)) + ("+" if words_unseen >= 3 else ""),
        "letters mapped to themselves": str(min(fixed, 3)) + ("+" if fixed >= 3 else ""),
        "an example sentence repeats": str(len({e.target for e in task.examples}) < len(task.examples)),
    }


def example_features(task: Task) -> list[dict[str, str]]:
    """Per-example-line features: the shape, and each slot's word (``subject=alice``, ...)."""
    out = []
    for e in task.examples:
        shape = _shape(e.target)
        feats = {"example shape": _label(shape) if shape else "other"}
        for slot, w in zip(shape or (), e.target.split()):
            if slot != "the":
                feats[f"example word: {slot}"] = w
        out.append(feats)
    return out


if __name__ == "__main__":  # python -m hybrid.families.cipher.generator DEV.csv GENERATED.csv
    import sys

    from .._generator_stats import main

    sys.exit(main("cipher", features, example_features))
