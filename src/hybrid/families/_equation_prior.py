"""One operator->operation prior for both equation families, learned from pooled evidence.

``equation_numeric`` and ``cryptarithm`` come from one generator (the cryptarithm rows are numeric
rows with the digits hidden behind glyphs), so the way it assigns operations to operator glyphs
(reading direction, operation given the glyph class, one operation group per operator, sign side,
+-1 offsets that co-occur in a row) is learned once from both: the numeric rows as they are, and
every glyph row whose digit map the join pins down (examples plus the labelled answer), decoded
back to digits. The model is ``equation_numeric.model.Prior`` (EM over consistent explanations).

``python -m hybrid.families._equation_prior`` prints the 2-fold check: the prior is learned on
half the rows of both families and each family is scored on the other half, so a gain from
pooling is not fitted to the rows it is measured on.
"""

from __future__ import annotations

from ..task import Example, Task

__all__ = ["decode_glyph_rows", "pooled_tasks", "glyph_tasks_of", "numeric_tasks_of", "learn_shared",
           "POOLED_KEYS"]

#: Parts of the prior learned from both families' rows when pooling structure only: whether an
#: operation group repeats within a row ("repeat"). Reading direction and operation given the
#: glyph class stay per family (decodable glyph rows over-represent plain reading and
#: under-represent concatenation, whose equality pattern pins no digits).
POOLED_KEYS = ("repeat",)


def learn_shared(own_rows, other_rows, pool: str = "none") -> dict:
    """The family's prior: learned on its own rows; ``pool`` = ``all`` learns every part from
    both families' rows, ``structure`` only ``POOLED_KEYS``."""
    from .equation_numeric.model import learn_prior

    own = learn_prior(list(own_rows))
    if pool == "none" or not other_rows:
        return own
    both = learn_prior(list(own_rows) + list(other_rows))
    if pool == "all":
        return both
    return {k: (both[k] if k in POOLED_KEYS else v) for k, v in own.items()}


def glyph_tasks_of(path=None) -> list[Task]:
    """The labelled cryptarithm rows of the dev CSV (the catalog build hands each family only its
    own rows; the pooled prior needs the other family's too)."""
    from ..data import default_dev_csv, labelled_tasks

    path = path or default_dev_csv()
    try:
        return [t for t in labelled_tasks(path) if t.family == "cryptarithm"]
    except OSError:
        return []


def numeric_tasks_of(path=None) -> list[Task]:
    from ..data import default_dev_csv, labelled_tasks

    path = path or default_dev_csv()
    try:
        return [t for t in labelled_tasks(path) if t.family == "equation_numeric"]
    except OSError:
        return []


def decode_glyph_rows(tasks, index=None) -> list[Task]:
    """Glyph rows whose digit map is unique (given examples and answer), rewritten with digits.

    The operator glyphs stay (they are the prior's conditioning and the printed sign)."""
    import dataclasses

    import numpy as np

    from .cryptarithm.patterns import build_index
    from .cryptarithm.solver import prepare, run_join

    if index is None:
        keys, starts, var, aa, bb, letters, table = build_index()
        index = {"keys": keys, "starts": starts, "var": var, "a": aa, "b": bb, "letters": letters, "table": table}
    index = dict(index)
    index.setdefault("_key_id", {k: i for i, k in enumerate(index["keys"])})
    out = []
    for task in tasks:
        answer = task.meta.get("answer")
        if answer is None:
            continue
        full = dataclasses.replace(task, examples=tuple(task.examples) + (Example(task.query, answer),))
        prep = prepare(full, index)
        if prep is None:
            continue
        sol_map, _, truncated, _ = run_join(prep, index, 64)
        if len(sol_map) == 0 or truncated or len(np.unique(sol_map, axis=0)) != 1:
            continue
        dmap = {g: str(int(sol_map[0, i])) for g, i in prep.glyph_ids.items()}
        ops = set(prep.op_ids) | {task.query[2]}
        if any(q not in dmap for q in task.query[:2] + task.query[3:]):
            continue

        try:
            exs = tuple(Example(_decode_lhs(e.source, dmap), _decode(e.target, dmap, ops)) for e in task.examples)
            ans = _decode(answer, dmap, ops)
        except KeyError:
            continue
        out.append(Task(family="equation_numeric", examples=exs, query=_decode_lhs(task.query, dmap),
                        meta={"answer": ans, "decoded_from": "cryptarithm"}))
    return out


def _decode(s: str, dmap: dict, ops: set) -> str:
    return "".join(c if c in ops else dmap[c] for c in s)


def _decode_lhs(s: str, dmap: dict) -> str:
    return _decode(s[:2], dmap, set()) + s[2] + _decode(s[3:], dmap, set())


def pooled_tasks(numeric_tasks, glyph_tasks, index=None) -> list[Task]:
    """Numeric rows followed by the decodable glyph rows (fixed order: rebuilds stay identical)."""
    return list(numeric_tasks) + decode_glyph_rows(glyph_tasks, index)


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
    from .equation_numeric.model import Prior

    def set_prior(fam):
        cat = fam.catalog()
        cat["prior"] = prior_data
        cat["_prior_obj"] = Prior(prior_data)

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
    from . import get_family
    from .cryptarithm import _learn_prior

    gly = folds(glyph_tasks_of(), k)
    num = folds(numeric_tasks_of(), k)
    index = get_family("cryptarithm")._index()
    right = total = 0
    for i in range(k):
        train_g = [t for j in range(k) if j != i for t in gly[j]]
        train_n = [t for j in range(k) if j != i for t in num[j]] if mode != "none" else []
        if mode == "own":
            matrix = _learn_prior(index, train_g, False)

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


if __name__ == "__main__":  # pragma: no cover - the documented 2-fold check
    import sys

    which = sys.argv[1:] or ["equation_numeric", "cryptarithm"]
    if "equation_numeric" in which:
        for pool in ("none", "structure", "all"):
            print("equation_numeric 2-fold", pool, two_fold(pool))
    if "cryptarithm" in which:
        for mode in ("own", "none", "structure", "all"):
            print("cryptarithm 2-fold", two_fold_glyph(mode))
