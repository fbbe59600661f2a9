"""The time-limit check the adversarial suites share."""

from __future__ import annotations

import time


def within(limit: float, fn):
    """Run ``fn`` and assert it returned within twice its time limit plus one second (a generous
    bound: the point is that it returns, not how fast); return its result."""
    t0 = time.perf_counter()
    out = fn()
    elapsed = time.perf_counter() - t0
    assert elapsed <= 2 * limit + 1.0, f"{elapsed:.2f} s for time_limit={limit}"
    return out
