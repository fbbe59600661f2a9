"""Instances of growing size for every family, with their hidden answers.

The families do not expose generators, so the benchmark carries its own, written from the rule
spaces the families document (Roman numerals; ``d = 0.5 g t^2``; ``y = k x``; a letter bijection
over the dev vocabulary; the shared equation operations; shifts/rotations/boolean operators on
8 bits). Ranges come from the dev rows (numbers 1..100, g in [4.9, 19.6], k in [0.5, 2.0],
t in [1, 5], x in [5, 50]). "Size" is the knob that makes a task bigger for the family:

============== ====================================================
numeral        number of examples
gravity        number of examples
unit_conversion number of examples
cipher         words in the query sentence (more words the examples never decode)
equation_*     distinct operator glyphs (deeper rules; 2 examples per glyph + 1)
cryptarithm    distinct operator glyphs (more glyphs to pin down)
bit_manipulation rule depth: 1 transform, 2-operand, 3-operand boolean rules
============== ====================================================

Every generated task is built with ``Task.from_pairs`` so the family's own validation runs.
Seeds are fixed: the same call always gives the same tasks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from hybrid import HybridError, Task
from hybrid.families.numeral import to_roman

__all__ = ["Generated", "SIZES", "generate", "generate_many", "GENERATORS"]

#: Sizes generated per family (full run). The quick run uses the first and last.
SIZES = {
    "numeral": (2, 4, 8, 16, 32),
    "gravity": (2, 3, 5, 8, 12),
    "unit_conversion": (2, 3, 5, 8, 12),
    "cipher": (2, 4, 6, 8, 10),
    "equation_numeric": (1, 2, 3, 4),
    "cryptarithm": (1, 2, 3, 4),
    "bit_manipulation": (1, 2, 3),
}

_DIGIT_GLYPHS = "!\"#$%&'()/:<>?@[\\]^`{|}"
_OP_GLYPHS = "!\"#$%&'()*+-/:<>?@[\\]^`{|}"
_FALLBACK_WORDS = ("alice", "rabbit", "queen", "king", "cat", "reads", "dreams", "follows", "the",
                   "dark", "garden", "castle", "princess", "teacher", "chases", "through", "cave",
                   "hatter", "mouse", "turtle", "draws", "sees", "finds", "secret", "golden", "key")


@dataclass(frozen=True)
class Generated:
    task: Task
    answer: str
    size: int
    source: str = "generated"


def _fmt2(x: float) -> str:
    return f"{round(x, 2):.2f}"


def gen_numeral(size: int, rng: random.Random) -> Generated:
    nums = rng.sample(range(1, 101), size + 1)
    pairs = [(str(n), to_roman(n)) for n in nums[:-1]]
    return Generated(Task.from_pairs("numeral", pairs, str(nums[-1])), to_roman(nums[-1]), size)


def gen_gravity(size: int, rng: random.Random) -> Generated:
    g = rng.uniform(4.95, 19.55)
    ts = [round(rng.uniform(1.0, 5.0), 2) for _ in range(size + 1)]
    pairs = [(f"{t:g}", _fmt2(0.5 * g * t * t)) for t in ts[:-1]]
    q = ts[-1]
    return Generated(Task.from_pairs("gravity", pairs, f"{q:g}"), _fmt2(0.5 * g * q * q), size)


def gen_unit_conversion(size: int, rng: random.Random) -> Generated:
    k = rng.uniform(0.51, 1.99)
    xs = [round(rng.uniform(5.0, 49.99), 2) for _ in range(size + 1)]
    pairs = [(f"{x:.2f}", _fmt2(k * x)) for x in xs[:-1]]
    q = xs[-1]
    return Generated(Task.from_pairs("unit_conversion", pairs, f"{q:.2f}", unit="m"), _fmt2(k * q), size)


_VOCAB_CACHE: list[str] = []


def vocabulary() -> list[str]:
    """Plaintext words of the dev rows' cipher examples (the generator's word list)."""
    if not _VOCAB_CACHE:
        words = set()
        try:
            from hybrid.data import default_dev_csv, labelled_tasks

            if default_dev_csv().exists():
                for t in labelled_tasks(families=["cipher"]):
                    for ex in t.examples:
                        words.update(ex.target.split())
        except Exception:  # the benchmark must still run without the dev data
            words = set()
        _VOCAB_CACHE.extend(sorted(words) or _FALLBACK_WORDS)
    return _VOCAB_CACHE


def gen_cipher(size: int, rng: random.Random) -> Generated:
    vocab = vocabulary()
    letters = "abcdefghijklmnopqrstuvwxyz"
    perm = list(letters)
    rng.shuffle(perm)
    key = dict(zip(letters, perm, strict=False))

    def enc(s: str) -> str:
        return "".join(key.get(c, c) for c in s)

    plains = [" ".join(rng.choice(vocab) for _ in range(rng.randint(3, 5))) for _ in range(3)]
    query = " ".join(rng.choice(vocab) for _ in range(size))
    pairs = [(enc(p), p) for p in plains]
    return Generated(Task.from_pairs("cipher", pairs, enc(query)), query, size)


def _equation_ops():
    from hybrid.families.equation_numeric.operations import BASES, operation

    return BASES, operation


def _equation_rule(size: int, rng: random.Random):
    """``size`` operator glyphs, each with its own operation, one reading direction per row."""
    bases, operation = _equation_ops()
    reverse = rng.random() < 0.5
    glyphs = rng.sample(_OP_GLYPHS, size)
    ops = {}
    for g in glyphs:
        base = rng.choice(sorted(bases))
        ops[g] = operation(base, reverse, rng.choice(("pre", "suf")))
    return glyphs, ops


def _equation_examples(size: int, rng: random.Random, glyphs, ops):
    rows = []
    need = [g for g in glyphs for _ in range(2)] + [rng.choice(glyphs)]
    for g in need:
        for _ in range(100):
            a, b = f"{rng.randrange(100):02d}", f"{rng.randrange(100):02d}"
            r = ops[g].fn(a, b, neg=g)
            if r is not None:
                rows.append((a, g, b, r))
                break
    return rows


def gen_equation_numeric(size: int, rng: random.Random) -> Generated:
    glyphs, ops = _equation_rule(size, rng)
    rows = _equation_examples(size, rng, glyphs, ops)
    *ex, q = rows
    pairs = [(a + g + b, r) for a, g, b, r in ex]
    return Generated(Task.from_pairs("equation_numeric", pairs, q[0] + q[1] + q[2]), q[3], size)


def gen_cryptarithm(size: int, rng: random.Random) -> Generated:
    glyphs, ops = _equation_rule(size, rng)
    digit_glyphs = rng.sample([c for c in _DIGIT_GLYPHS if c not in glyphs], 10)
    rows = _equation_examples(size, rng, glyphs, ops)

    def enc(s: str) -> str:
        return "".join(digit_glyphs[int(c)] if c.isdigit() else c for c in s)

    *ex, q = rows
    pairs = [(enc(a) + g + enc(b), enc(r)) for a, g, b, r in ex]
    return Generated(Task.from_pairs("cryptarithm", pairs, enc(q[0]) + q[1] + enc(q[2])), enc(q[3]), size)


def _bit_transforms():
    m = 0xFF
    out = []
    for k in range(1, 8):
        out.append((f"x<<{k}", lambda x, k=k: (x << k) & m))
        out.append((f"x>>{k}", lambda x, k=k: x >> k))
        out.append((f"rotl{k}(x)", lambda x, k=k: ((x << k) | (x >> (8 - k))) & m))
    out.append(("x", lambda x: x))
    out.append(("~x", lambda x: ~x & m))
    return out


def bit_rule(depth: int, rng: random.Random):
    """A random rule of the given depth: ``(text, function on 0..255)``."""
    ts = _bit_transforms()
    picks = [rng.choice(ts) for _ in range(depth)]
    if depth == 1:
        return picks[0]
    if depth == 2:
        name, f = rng.choice((("and", lambda a, b: a & b), ("or", lambda a, b: a | b), ("xor", lambda a, b: a ^ b)))
        (ta, fa), (tb, fb) = picks
        return f"{name}({ta}, {tb})", lambda x: f(fa(x), fb(x))
    (ta, fa), (tb, fb), (tc, fc) = picks[:3]
    if rng.random() < 0.5:
        return f"maj({ta}, {tb}, {tc})", lambda x: (fa(x) & fb(x)) | (fa(x) & fc(x)) | (fb(x) & fc(x))
    return f"choice({ta}, {tb}, {tc})", lambda x: (fa(x) & fb(x)) | (~fa(x) & 0xFF & fc(x))


def gen_bit_manipulation(size: int, rng: random.Random) -> Generated:
    _, f = bit_rule(size, rng)
    xs = rng.sample(range(256), 9)
    pairs = [(f"{x:08b}", f"{f(x):08b}") for x in xs[:-1]]
    return Generated(Task.from_pairs("bit_manipulation", pairs, f"{xs[-1]:08b}"), f"{f(xs[-1]):08b}", size)


GENERATORS = {
    "numeral": gen_numeral,
    "gravity": gen_gravity,
    "unit_conversion": gen_unit_conversion,
    "cipher": gen_cipher,
    "equation_numeric": gen_equation_numeric,
    "cryptarithm": gen_cryptarithm,
    "bit_manipulation": gen_bit_manipulation,
}


def generate(family: str, size: int, seed: int = 0) -> Generated:
    """One instance of ``family`` at ``size``; deterministic in ``seed``."""
    rng = random.Random(f"{family}:{size}:{seed}")
    return GENERATORS[family](size, rng)


def generate_many(family: str, sizes, per_size: int, seed: int = 0) -> list[Generated]:
    """``per_size`` instances at each size (a generator that fails validation is skipped)."""
    out = []
    for size in sizes:
        for i in range(per_size):
            try:
                out.append(generate(family, size, seed * 1000 + i))
            except HybridError:  # a family stub may reject a shape; leave it out
                continue
    return out
