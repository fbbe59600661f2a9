"""Dev vs generated frequencies, the table on each family page (``python -m <family>.generator``).

Each generator module defines ``features(task, answer) -> {name: value}`` (one value per puzzle)
and optionally ``example_features(task) -> [{name: value}, ...]`` (one dict per example line);
``main`` reads the puzzles of one family from two labelled CSV files (the dev rows and a file
written by ``hybrid generate``), counts every feature value in both and prints a Markdown table
of the shares.
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from typing import Callable

__all__ = ["count_features", "frequency_table", "main"]


def count_features(rows, family: str, features: Callable, example_features: Callable | None = None):
    """``({feature: Counter(value)}, {feature: total})`` over the rows of ``family``."""
    from ..parse import parse

    counts: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        task = parse(row.prompt)
        if task.family != family:
            continue
        for name, value in features(task, row.answer).items():
            counts[name][value] += 1
        for per in (example_features(task) if example_features else ()):
            for name, value in per.items():
                counts[name][value] += 1
    return counts


def _key(value: str):
    head = value.split("-")[0].split(" ")[0].lstrip("<>")
    try:
        return (0, float(head), value)
    except ValueError:
        return (1, 0.0, value)


def frequency_table(dev: dict, gen: dict, labels=("dev", "generated")) -> str:
    """A Markdown table: feature, value, share (and count) in ``dev`` and in ``gen``."""
    lines = [f"| feature | value | {labels[0]} | {labels[1]} |", "|---|---|---:|---:|"]
    for name in list(dict.fromkeys([*dev, *gen])):
        d, g = dev.get(name, Counter()), gen.get(name, Counter())
        nd, ng = sum(d.values()) or 1, sum(g.values()) or 1
        for i, value in enumerate(sorted(set(d) | set(g), key=_key)):
            lines.append(f"| {name if i == 0 else ''} | {value} | {100 * d[value] / nd:.1f}% ({d[value]}) "
                         f"| {100 * g[value] / ng:.1f}% ({g[value]}) |")
    return "\n".join(lines)


def main(family: str, features: Callable, example_features: Callable | None = None, argv=None) -> int:
    from ..data import read_csv

    ap = argparse.ArgumentParser(description=f"dev vs generated feature frequencies for {family}")
    ap.add_argument("dev", help="labelled dev CSV (id,prompt,answer)")
    ap.add_argument("generated", help="CSV written by `hybrid generate`")
    args = ap.parse_args(argv)
    dev = count_features(read_csv(args.dev), family, features, example_features)
    gen = count_features(read_csv(args.generated), family, features, example_features)
    print(frequency_table(dev, gen))
    return 0
