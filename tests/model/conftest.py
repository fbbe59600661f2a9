"""Fixtures for the model tests: the bundled sample as labelled tasks, and tiny models built here."""

from __future__ import annotations

from dataclasses import replace

import pytest

import hybrid
from hybrid.data import read_csv, sample_csv


@pytest.fixture(scope="session")
def sample_tasks():
    out = []
    for r in read_csv(sample_csv()):
        t = hybrid.parse(r.prompt)
        out.append(replace(t, meta={**t.meta, "answer": r.answer, "id": r.id}))
    return out


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    """A 1-layer Llama with a char tokenizer, random weights: built in the test, never downloaded."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from hybrid.model.render import INSTRUCTION
    from hybrid.model.train import build_tiny

    d = tmp_path_factory.mktemp("tiny") / "base"
    alphabet = [chr(c) for c in range(32, 127)] + ["\n", INSTRUCTION]
    build_tiny(str(d), alphabet, hidden=32, layers=1, heads=2, max_positions=512, seed=0)
    return str(d)
