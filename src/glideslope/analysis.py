"""Questions about a schedule: mean and area, where it crosses a level, its extremes, its
phases, and whether it jumps where phases join.

Everything here evaluates the schedule at integer steps through its own formula; with NumPy
installed that is one vectorized call, without it a plain loop.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ._validate import checked_keywords
from .schedule import Schedule


def _range(s: Schedule, start: int, stop: int | None) -> tuple[int, int]:
    if stop is None:
        stop = s.default_horizon()
    if isinstance(start, bool) or not isinstance(start, int) or start < 0:
        raise ValueError(f"start must be an int >= 0, got {start!r}")
    if isinstance(stop, bool) or not isinstance(stop, int) or stop <= start:
        raise ValueError(f"stop must be an int > start={start}, got {stop!r}")
    return start, stop


def sample(s: Schedule, start: int = 0, stop: int | None = None) -> list[float]:
    """The values at ``start, start + 1, ..., stop - 1`` as a list of floats."""
    start, stop = _range(s, start, stop)
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - exercised in the no-numpy job
        return [s(t) for t in range(start, stop)]
    return [float(x) for x in s(np.arange(start, stop))]


_CHUNK = 1 << 20


@checked_keywords
def area(s: Schedule, start: int = 0, stop: int | None = None) -> float:
    """Sum of the values over ``[start, stop)``: the total "learning-rate budget" spent.

    With NumPy this evaluates in vectorized chunks of a million steps (a 10M-step run takes
    well under a second); without it, a plain loop.
    """
    start, stop = _range(s, start, stop)
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - exercised in the no-numpy job
        return math.fsum(s(t) for t in range(start, stop))
    parts = [float(np.sum(s(np.arange(a, min(a + _CHUNK, stop))))) for a in range(start, stop, _CHUNK)]
    return math.fsum(parts)


@checked_keywords
def mean(s: Schedule, start: int = 0, stop: int | None = None) -> float:
    """Mean value over the steps ``[start, stop)`` (the average learning rate a run sees)."""
    start, stop = _range(s, start, stop)
    return area(s, start, stop) / (stop - start)


@checked_keywords
def extremes(s: Schedule, start: int = 0, stop: int | None = None) -> tuple[tuple[int, float], tuple[int, float]]:
    """``((step_of_min, min), (step_of_max, max))`` over ``[start, stop)`` (first occurrence)."""
    a, _ = _range(s, start, stop)
    vals = sample(s, start, stop)
    lo = min(range(len(vals)), key=vals.__getitem__)
    hi = max(range(len(vals)), key=vals.__getitem__)
    return (a + lo, vals[lo]), (a + hi, vals[hi])


@checked_keywords
def first_crossing(
    s: Schedule, level: float, start: int = 0, stop: int | None = None, direction: str = "down"
) -> int | None:
    """The first step in ``[start, stop)`` where the value reaches ``level``, or None.

    ``"down"``: the first step with value ``<= level``; ``"up"``: with value ``>= level``;
    ``"any"``: the first step at or across ``level`` from where the value was at ``start``.
    """
    if direction not in ("down", "up", "any"):
        raise ValueError(f"direction must be 'down', 'up' or 'any', got {direction!r}")
    a, _ = _range(s, start, stop)
    vals = sample(s, start, stop)
    if direction == "any":
        direction = "down" if vals[0] >= level else "up"
    for i, x in enumerate(vals):
        if (x <= level) if direction == "down" else (x >= level):
            return a + i
    return None


class PhaseRow(NamedTuple):
    """A row of :func:`phase_table`."""

    name: str
    start: int
    stop: float
    start_value: float
    end_value: float
    peak: float
    mean: float


@checked_keywords
def phase_table(s: Schedule) -> list[PhaseRow]:
    """What runs from which step to which, with its first, last, peak and mean values.

    A phase that never ends is summarised over its first 1000 steps.
    """
    rows = []
    for ph in s.phases():
        stop = ph.stop if math.isfinite(ph.stop) else ph.start + 1000
        b = max(math.ceil(stop), ph.start + 1)
        vals = sample(s, ph.start, b)
        rows.append(
            PhaseRow(
                name=ph.name,
                start=ph.start,
                stop=ph.stop,
                start_value=vals[0],
                end_value=(end := float(ph.schedule(b - ph.start))),
                peak=max(*vals, end),
                mean=math.fsum(vals) / len(vals),
            )
        )
    return rows


class Jump(NamedTuple):
    """A discontinuity where two phases join."""

    step: int
    before: float
    after: float

    @property
    def size(self) -> float:
        return self.after - self.before


@checked_keywords
def jumps(s: Schedule, rtol: float = 1e-9, atol: float = 1e-12) -> list[Jump]:
    """Phase joins where the value jumps: the ending phase's value at the join differs from
    the starting phase's first value by more than ``atol + rtol * max(|before|, |after|)``."""
    out = []
    for step, before, after in _joins(s):
        if abs(after - before) > atol + rtol * max(abs(before), abs(after)):
            out.append(Jump(step, before, after))
    return out


def _joins(s: Schedule) -> list[tuple[int, float, float]]:
    """The joins of the sequence ``s`` is, or wraps through one-child composites (found
    without recursion: the chain may be deep)."""
    while True:
        boundary_values = getattr(s, "boundary_values", None)
        if boundary_values is not None:
            return list(boundary_values())
        children = s.children()
        if len(children) != 1:
            return []
        s = children[0]
