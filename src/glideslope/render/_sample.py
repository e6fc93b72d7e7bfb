"""Sampling a schedule for pictures: integer steps, NumPy when available, a loop when not."""

from __future__ import annotations

import math
from typing import Any

from ..schedule import Schedule


def horizon(schedule: Schedule, total_steps: int | None = None) -> int:
    """The last step a picture shows: ``total_steps`` when given, else the schedule's length
    (its final value included), or 1000 steps for a schedule that never settles."""
    if total_steps is not None:
        return int(total_steps)
    n = schedule.length
    if n is None:
        schedule._check_bound()
    if n is None or not math.isfinite(n):
        return 1000
    return max(int(n), 1)


def steps_for(stop: int, max_points: int) -> list[int]:
    """Integer steps from 0 to ``stop`` inclusive: all of them, or ``max_points`` spread evenly."""
    if stop + 1 <= max_points:
        return list(range(stop + 1))
    out = sorted({round(i * stop / (max_points - 1)) for i in range(max_points)})
    return out


def evaluate(schedule: Schedule, steps: list[int]) -> list[float]:
    """The schedule's values at ``steps`` as floats (one vectorized call with NumPy)."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - exercised without numpy
        return [float(schedule(t)) for t in steps]
    values: Any = schedule(np.asarray(steps, dtype=np.int64))
    return [float(x) for x in np.asarray(values, dtype=float).ravel()]


def boundaries(schedule: Schedule, stop: int) -> list[int]:
    """Steps in ``(0, stop)`` where one phase ends and the next begins."""
    out = []
    for ph in schedule.phases()[1:]:
        if 0 < ph.start < stop:
            out.append(int(ph.start))
    return out


def fmt(value: float, digits: int = 4) -> str:
    """A compact number: ``0.001``, ``2.5e-05``, ``1``, ``-0.3``."""
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}e{int(exp):+03d}"
    return text
