"""Shared fixtures: the dev CSV (when the shared data sits beside the checkout) and the bundled sample."""

from __future__ import annotations

import random

import pytest

from hybrid.data import default_dev_csv, read_csv, sample_csv


@pytest.fixture(scope="session")
def dev_rows():
    path = default_dev_csv()
    if not path.exists():
        pytest.skip(f"dev data not found at {path}")
    return read_csv(path)


@pytest.fixture(scope="session")
def dev_by_family(dev_rows):
    import hybrid

    by: dict = {}
    for r in dev_rows:
        by.setdefault(hybrid.parse(r.prompt).family, []).append(r)
    return by


def sample_rows_of(by_family, family, n, seed=0):
    rows = by_family.get(family, [])
    return random.Random(seed).sample(rows, min(n, len(rows)))


@pytest.fixture(scope="session")
def bundled_rows():
    return read_csv(sample_csv())
