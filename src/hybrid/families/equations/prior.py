"""Learning the operator->operation prior of an equation family, alone or pooled with the other.

``equation_numeric`` and ``cryptarithm`` come from one generator (the cryptarithm rows are numeric
rows with the digits hidden behind glyphs), so the way it assigns operations to operator glyphs
(reading direction, operation given the glyph class, one operation group per operator, sign side,
+-1 offsets that co-occur in a row) is learned once from both: the numeric rows as they are, and
every glyph row whose digit map the join pins down (examples plus the labelled answer), decoded
back to digits. The model is ``equations.model.Prior`` (over consistent explanations).

Whether pooling pays is decided by the 2-fold check in ``benchmarks/equation_priors.py``
(``python -m benchmarks.equation_priors``): the prior is learned on half the rows of both
families and each family is scored on the other half. The glyph rows are decoded back to digits
by the cryptarithm family (``cryptarithm.decode``).
"""

from __future__ import annotations

from ...task import Task

__all__ = ["glyph_tasks_of", "numeric_tasks_of", "learn_shared", "POOLED_KEYS"]

#: Parts of the prior learned from both families' rows when pooling structure only: whether an
#: operation group repeats within a row ("repeat"). Reading direction and operation given the
#: glyph class stay per family (decodable glyph rows over-represent plain reading and
#: under-represent concatenation, whose equality pattern pins no digits).
POOLED_KEYS = ("repeat",)


def learn_shared(own_rows, other_rows, pool: str = "none") -> dict:
    """The family's prior: learned on its own rows; ``pool`` = ``all`` learns every part from
    both families' rows, ``structure`` only ``POOLED_KEYS``."""
    from .model import learn_prior

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
    from ...data import default_dev_csv, labelled_tasks

    path = path or default_dev_csv()
    try:
        return [t for t in labelled_tasks(path) if t.family == "cryptarithm"]
    except OSError:
        return []


def numeric_tasks_of(path=None) -> list[Task]:
    """The labelled equation_numeric rows of the dev CSV."""
    from ...data import default_dev_csv, labelled_tasks

    path = path or default_dev_csv()
    try:
        return [t for t in labelled_tasks(path) if t.family == "equation_numeric"]
    except OSError:
        return []
