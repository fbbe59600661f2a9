"""Benchmarks: catalog vs search cost per family, amortised over queries (issue 6).

``python -m benchmarks [--quick] [--families ...] [--out docs/]`` runs every solving path of
every family on the same tasks, measures the catalog's build cost, and regenerates
``docs/benchmarks.md`` and ``docs/img/bench_*.png`` from the measured numbers.
"""

from __future__ import annotations

__all__ = ["main"]


def main(argv=None) -> int:
    from .__main__ import main as _main

    return _main(argv)
