"""``Deadline``: one wall-clock budget shared by every stage of a solve.

``hybrid.solve(..., time_limit=S)`` creates one ``Deadline(S)`` and hands it to the family's
``candidates`` and ``search`` (and uses it itself between stages). Every loop whose length grows
with the input calls ``deadline.check(stage)``, which raises ``TimeLimitReached`` once the budget is
spent; CP-SAT gets ``deadline.cpsat_seconds()`` as its own limit. The pipeline turns
``TimeLimitReached`` into a ``Solution`` whose ``proof`` is ``"time_limit"``: such an answer is
never ``deduced``.

>>> d = Deadline(5.0)
>>> d.expired(), 0 < d.remaining() <= 5.0
(False, True)
>>> Deadline(0).expired()
True
"""

from __future__ import annotations

import math
import time

from .errors import HybridError

__all__ = ["Deadline", "TimeLimitReached"]


class TimeLimitReached(HybridError):
    """The solve's wall-clock budget ran out in ``stage``.

    Raised inside families and caught by the pipeline, which reports what was found so far with
    ``proof="time_limit"``. Users see it only when they call a family method directly.
    """

    def __init__(self, stage: str = "", seconds: float | None = None):
        self.stage = stage
        self.seconds = seconds
        where = f" during {stage}" if stage else ""
        budget = f" of {seconds:g} s" if seconds is not None and math.isfinite(seconds) else ""
        super().__init__(f"time limit{budget} reached{where}")


class Deadline:
    """A point in time after which work stops. ``seconds=None`` or ``inf`` means no limit."""

    __slots__ = ("seconds", "start", "end")

    def __init__(self, seconds: float | None = None):
        if seconds is None:
            seconds = math.inf
        seconds = float(seconds)
        if math.isnan(seconds) or seconds < 0:
            raise HybridError(f"time_limit must be a number >= 0, got {seconds!r}")
        self.seconds = seconds
        self.start = time.perf_counter()
        self.end = self.start + seconds

    @classmethod
    def coerce(cls, value: "Deadline | float | None") -> "Deadline":
        """Return ``value`` if it is a ``Deadline``, else a new one of ``value`` seconds."""
        return value if isinstance(value, Deadline) else cls(value)

    def remaining(self) -> float:
        """Seconds left (0.0 once expired; ``inf`` without a limit)."""
        return max(0.0, self.end - time.perf_counter())

    def elapsed(self) -> float:
        """Seconds since the deadline was created."""
        return time.perf_counter() - self.start

    def expired(self) -> bool:
        """True once the budget is spent (never raises; ``check`` raises)."""
        return time.perf_counter() >= self.end

    def check(self, stage: str = "") -> None:
        """Raise ``TimeLimitReached`` naming ``stage`` when the budget is spent."""
        if time.perf_counter() >= self.end:
            raise TimeLimitReached(stage, self.seconds)

    def cpsat_seconds(self, floor: float = 0.001) -> float:
        """The budget left, for ``solver.parameters.max_time_in_seconds`` (never 0: CP-SAT treats
        0 as 'stop at once', which is what we want only when nothing is left)."""
        left = self.remaining()
        return max(floor, min(left, 1e9))

    def sub(self, fraction: float) -> "Deadline":
        """A deadline that ends after ``fraction`` of the time left (never after this one)."""
        d = Deadline(0)
        d.seconds = self.remaining() * fraction
        d.start = time.perf_counter()
        d.end = min(self.end, d.start + d.seconds)
        return d

    def __repr__(self) -> str:
        return f"Deadline({self.seconds:g} s, {self.remaining():.3f} s left)"
