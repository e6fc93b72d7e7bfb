"""Sampling a schedule for pictures: integer steps, NumPy when available, a loop when not."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ...schedule import Schedule


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


@dataclass(frozen=True)
class PhaseRow:
    """One phase for a picture: its name, step range and start/peak/end/mean values.

    The values are over the steps ``start..until``: ``until`` is the phase's ``stop``, or for a
    phase that never ends, the last step drawn (``horizon``; 1000 steps after its start when
    no horizon is given). ``end_value`` is the phase's own value at ``until`` (before the next
    phase takes over); ``peak`` includes it; ``mean`` is over the steps ``start..until-1``.
    """

    name: str
    start: int
    stop: float
    start_value: float
    peak: float
    end_value: float
    mean: float
    until: int


def _phases(schedule: Schedule) -> list[tuple[str, int, float, Schedule]]:
    """``(name, start, stop, schedule of the phase)``, looking through a constant factor
    (``3e-4 * (warmup >> cosine)`` has the phases of the sequence, scaled)."""
    from ...compose import Scale

    if isinstance(schedule, Scale):
        return [(name, a, b, Scale(ph, schedule.factor)) for name, a, b, ph in _phases(schedule.schedule)]
    return [(ph.name, ph.start, ph.stop, ph.schedule) for ph in schedule.phases()]


#: Up to this many steps, :func:`stats` evaluates every step.
MAX_EXACT = 20_000_000


def stats(schedule: Schedule, start: int, stop: int) -> tuple[float, float, float]:
    """``(first value, highest value, mean)`` over the steps ``start..stop-1``, every step
    counted (vectorized with NumPy, in chunks, so millions of steps stay fast). Beyond
    ``MAX_EXACT`` steps the steps are sampled at an even stride, so a billion-step run
    still answers in seconds."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - exercised without numpy
        vals = [float(schedule(t)) for t in range(start, stop)]
        return vals[0], max(vals), math.fsum(vals) / len(vals)
    first, peak, total, count = float(schedule(start)), -math.inf, 0.0, 0
    stride = _next_prime(math.ceil((stop - start) / MAX_EXACT))  # a prime stride does not alias with periods
    chunk = (1 << 20) * stride
    for a in range(start, stop, chunk):
        v = np.asarray(schedule(np.arange(a, min(a + chunk, stop), stride, dtype=np.int64)), dtype=float)
        peak = max(peak, float(v.max()))
        total += float(v.sum())
        count += v.size
    return first, peak, total / count


def _next_prime(n: int) -> int:
    """The smallest prime >= n (1 for n <= 1)."""
    if n <= 1:
        return 1
    while any(n % d == 0 for d in range(2, math.isqrt(n) + 1)):
        n += 1
    return n


def phase_rows(schedule: Schedule, horizon: int | None = None) -> list[PhaseRow]:
    """The phases of ``schedule`` with their values (see :class:`PhaseRow`); a phase that
    never ends is summarised up to ``horizon``, the last step a picture draws."""
    rows = []
    for name, start, stop, ph in _phases(schedule):
        if math.isfinite(stop):
            b = max(math.ceil(stop), start + 1)
        elif horizon is not None:
            b = max(horizon, start + 1)
        else:
            b = start + 1000
        first, peak, mean = stats(schedule, start, b)
        end = float(ph(b - start))
        rows.append(PhaseRow(name, start, stop, first, max(peak, end), end, mean, b))
    return rows


def boundaries(schedule: Schedule, stop: int) -> list[int]:
    """Steps in ``(0, stop)`` where one phase ends and the next begins."""
    return [int(start) for _, start, _, _ in _phases(schedule)[1:] if 0 < start < stop]


def fmt(value: float, digits: int = 4) -> str:
    """A compact number: ``0.001``, ``2.5e-05``, ``1``, ``-0.3``."""
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant}e{int(exp):+03d}"
    return text
