"""The 2-fold check of pooling the two equation families' evidence (docs/families/equation_numeric.md
and cryptarithm.md, "Priors tried").

``python -m benchmarks.equation_priors [equation_numeric] [cryptarithm]`` learns the operator prior
on half the rows of both families and scores each family on the other half (split by a hash of
the prompt, never the row id), once per pooling mode, so a gain from pooling is not fitted to the
rows it is measured on. The families ship the mode this check supports (``prior_pooling``).
"""

from __future__ import annotations

from hybrid.families.cryptarithm.decode import decode_glyph_rows
from hybrid.families.equations.prior import glyph_tasks_of, learn_shared, numeric_tasks_of
from hybrid.task import Task

__all__ = ["folds", "two_fold", "two_fold_glyph"]


def folds(tasks, k: int = 2) -> list[list[Task]]:
    """Deterministic split by a hash of the prompt text (never the row id)."""
    import hashlib

    out: list[list[Task]] = [[] for _ in range(k)]
    for t in tasks:
        h = int(hashlib.sha1((t.prompt or t.query).encode()).hexdigest(), 16)
        out[h % k].append(t)
    return out


def _score(family: str, tasks, set_prior) -> tuple[int, int]:
    import hybrid
    from hybrid.families import get_family

    fam = get_family(family)
    set_prior(fam)
    right = sum(hybrid.solve(t).answer == t.meta["answer"] for t in tasks)
    return right, len(tasks)


def numeric_prior_setter(prior_data):

    def set_prior(fam):
        cat = fam.catalog()
        cat["prior"] = prior_data
        fam.clear_derived()

    return set_prior


def two_fold(pool: str, k: int = 2) -> dict:
    """Learn on k-1 folds of both families, score equation_numeric on the held-out fold."""
    num = folds(numeric_tasks_of(), k)
    gly = folds(glyph_tasks_of(), k)
    right = total = 0
    for i in range(k):
        train_n = [t for j in range(k) if j != i for t in num[j]]
        train_g = [t for j in range(k) if j != i for t in gly[j]]
        data = learn_shared(train_n, decode_glyph_rows(train_g) if pool != "none" else [], pool)
        r, n = _score("equation_numeric", num[i], numeric_prior_setter(data))
        right, total = right + r, total + n
    return {"pool": pool, "right": right, "total": total, "acc": round(100.0 * right / max(1, total), 2)}


def two_fold_glyph(mode: str, k: int = 2) -> dict:
    """Score cryptarithm on each held-out fold with a prior learned on the other folds.

    ``mode``: ``own`` (the family's per-glyph-class matrix from its examples), or the shared
    model learned from the decoded glyph rows with ``learn_shared``'s pooling ``none``,
    ``structure`` or ``all``."""
    from hybrid.families import get_family
    from hybrid.families.cryptarithm import learn_glyph_class_prior

    gly = folds(glyph_tasks_of(), k)
    num = folds(numeric_tasks_of(), k)
    index = get_family("cryptarithm")._index()
    right = total = 0
    for i in range(k):
        train_g = [t for j in range(k) if j != i for t in gly[j]]
        train_n = [t for j in range(k) if j != i for t in num[j]] if mode != "none" else []
        if mode == "own":
            matrix = learn_glyph_class_prior(index, train_g, False)

            def set_prior(fam, matrix=matrix):
                cat = fam.catalog()
                cat.pop("op_prior", None)
                cat["prior"] = matrix
        else:
            data = learn_shared(decode_glyph_rows(train_g, index), train_n, pool=mode)

            def set_prior(fam, data=data):
                fam.catalog()["op_prior"] = data
        r, n = _score("cryptarithm", gly[i], set_prior)
        right, total = right + r, total + n
    return {"mode": mode, "right": right, "total": total, "acc": round(100.0 * right / max(1, total), 2)}


if __name__ == "__main__":  # python -m benchmarks.equation_priors [equation_numeric] [cryptarithm]
    import sys

    which = sys.argv[1:] or ["equation_numeric", "cryptarithm"]
    if "equation_numeric" in which:
        for pool in ("none", "structure", "all"):
            print("equation_numeric 2-fold", pool, two_fold(pool))
    if "cryptarithm" in which:
        for mode in ("own", "none", "structure", "all"):
            print("cryptarithm 2-fold", two_fold_glyph(mode))
