"""Random alphametics with at least one solution (the planted one), for tests and benchmarks.

A puzzle is drawn from a planted assignment: ten distinct letters of A-Z take the digits 0-9 in a
random order, so every number can be spelled; the addends are random numbers (2-6 of them, 2-10
digits each by default, no leading 0) and the result is their sum, spelled with the same letters.
Draws whose result would be longer than ``max_len`` are redrawn. The puzzle's letters are the ones
its words use (at most 10); the planted assignment restricted to them is a solution, possibly one
of several (``Alphametics.generate(unique=True)`` keeps only single-solution puzzles).

``operator="-"`` writes the same sum as a subtraction (``TOTAL - A - B = C``), ``operator="*"``
draws a product of two factors of 1-5 digits.

>>> import random
>>> text, planted = draw(random.Random(1), addends=2, max_len=4)
>>> text.count("+"), text.count("=")
(1, 1)
"""

from __future__ import annotations

import string

__all__ = ["draw", "OPERATORS"]

OPERATORS = ("+", "-", "*")


def _number(rng, length: int) -> int:
    return rng.randint(10 ** (length - 1) if length > 1 else 0, 10 ** length - 1)


def draw(rng, *, addends: int | None = None, min_len: int = 2, max_len: int = 10, operator: str = "+",
         max_tries: int = 1000) -> tuple[str, dict]:
    """``(puzzle text, planted assignment)``: one random puzzle whose planted assignment solves it."""
    if operator not in OPERATORS:
        raise ValueError(f"operator must be one of {OPERATORS}, got {operator!r}")
    if not 1 <= min_len <= max_len <= 10:
        raise ValueError(f"need 1 <= min_len <= max_len <= 10, got {min_len}, {max_len}")
    letters = rng.sample(string.ascii_uppercase, 10)  # letters[d] spells digit d

    def spell(v: int) -> str:
        return "".join(letters[int(ch)] for ch in str(v))

    for _ in range(max_tries):
        if operator == "*":
            a, b = (_number(rng, rng.randint(1, min(5, max_len))) for _ in range(2))
            if a < 2 or b < 2 or len(str(a * b)) > max_len:
                continue
            words = [spell(a), spell(b), spell(a * b)]
            text = f"{words[0]} * {words[1]} = {words[2]}"
        else:
            n = addends if addends is not None else rng.randint(2, 6)
            nums = [_number(rng, rng.randint(min_len, max_len)) for _ in range(n)]
            total = sum(nums)
            if len(str(total)) > max_len:
                continue
            if operator == "+":
                words = [spell(v) for v in nums] + [spell(total)]
                text = " + ".join(words[:-1]) + " = " + words[-1]
            else:
                words = [spell(total)] + [spell(v) for v in nums]
                text = " - ".join(words[:-1]) + " = " + words[-1]
        used = set("".join(words))
        planted = {c: d for d, c in enumerate(letters) if c in used}
        return text, planted
    raise ValueError(f"no puzzle drawn in {max_tries} tries (max_len={max_len} too small for the addends?)")
