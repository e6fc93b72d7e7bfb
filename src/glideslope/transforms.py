"""Transforms of one schedule: repeat it, stretch its time, clamp its value, shift its start.

Each is a schedule again: ``repeat(s)(t) = s(t mod L)``, ``stretch(s, f)(t) = s(t / f)``,
``clamp(s, lo, hi)(t) = min(max(s(t), lo), hi)``, ``shift(s, k)(t) = s(t + k)`` (see each
class for its exact rule at the ends).
"""

from __future__ import annotations

import math
from typing import Any

from . import _validate as v
from ._validate import short
from .compose import as_schedule
from .schedule import PERIODIC_HORIZON, Phase, Schedule
from .shapes import divide, floordiv
from .timing import MAX_STEPS


def _finite_length(name: str, s: Schedule) -> int | None:
    n = s.length
    if n == math.inf:
        raise ValueError(f"{name} ({short(s)}) never ends; it needs a finite length here")
    return None if n is None else int(n)


def _needs_length(owner: Schedule, s: Schedule) -> list[str]:
    """What an open child length leaves unresolved in ``repeat``/``stretch(steps=...)``."""
    if s.is_bound and s.length is None:
        return [
            f"{owner.kind}() needs the length of {short(s)}, which runs for the rest of the run: "
            f"give it steps=... or bind total_steps"
        ]
    return []


class Repeat(Schedule):
    """Repeat a schedule: ``schedule(t mod L)`` with ``L`` its length, ``times`` times (for
    ever when None), then hold ``schedule(L)``. Steps past ``2**53`` evaluate as ``2**53``.

    Args:
        schedule: a schedule with a finite length.
        times: how many runs of it (>= 1), or None for no end.
    """

    schedule: Schedule
    times: int | None
    _period: float  # None while unbound

    kind = "repeat"

    def __init__(self, schedule: Schedule | None = None, times: int | None = None) -> None:
        s = as_schedule("schedule", schedule)
        period = _finite_length("schedule", s)
        if period == 0:
            raise ValueError(f"schedule ({short(s)}) has length 0; it cannot be repeated")
        times = None if times is None else v.integer("times", times, minimum=1)
        if period is not None and times is not None and period * times > MAX_STEPS:
            raise ValueError(
                f"times must be <= {MAX_STEPS // period} for a schedule of {period} steps (2**53 steps "
                f"in all), got {short(times)}"
            )
        self._set(schedule=s, times=times, _period=None if period is None else float(period))

    def children(self) -> tuple[Schedule, ...]:
        return (self.schedule,)

    def _own_unresolved(self) -> list[str]:
        return _needs_length(self, self.schedule)

    def _length(self) -> float | None:
        if self._period is None:
            return None
        return math.inf if self.times is None else int(self._period) * self.times

    def _magnitude(self) -> float | None:
        return self.schedule.magnitude

    def _eval(self, t: Any, xp: Any) -> Any:
        n = self._period
        t = xp.minimum(t, PERIODIC_HORIZON)
        tt = xp.minimum(xp.maximum(t - n * floordiv(t, n, xp), 0.0), n)  # t mod n, kept in [0, n]
        if self.times is not None:
            tt = xp.where(t >= n * self.times, n, tt)
        return self.schedule._eval(tt, xp)


class Stretch(Schedule):
    """Stretch time: ``schedule(t / factor)``; a factor of 2 makes it twice as long.

    Give ``factor``, or ``steps`` to stretch the schedule's length to that many steps.

    Args:
        schedule: the schedule.
        factor: time multiplier (> 0).
        steps: the length to stretch to (the schedule must have a finite length).
    """

    schedule: Schedule
    factor: float | None
    steps: int | None
    _f: float  # None while unbound

    kind = "stretch"

    def __init__(self, schedule: Schedule | None = None, factor: float | None = None, steps: int | None = None) -> None:
        s = as_schedule("schedule", schedule)
        if (factor is None) == (steps is None):
            raise TypeError(
                f"stretch() needs exactly one of factor or steps, got factor={short(factor)}, steps={short(steps)}"
            )
        if factor is not None:
            f: float | None = v.positive("factor", factor)
        else:
            steps = v.integer("steps", steps, minimum=1, maximum=MAX_STEPS)
            own = _finite_length("schedule", s)
            if own == 0:
                raise ValueError(f"schedule ({short(s)}) has length 0; it cannot be stretched")
            f = None if own is None else steps / own
        n = s.length
        if f is not None and n is not None and n != math.inf and not n * f <= MAX_STEPS:
            raise ValueError(f"stretching {short(s)} by factor {f!r} makes it last more than 2**53 steps")
        self._set(schedule=s, factor=None if factor is None else f, steps=steps, _f=f)

    def children(self) -> tuple[Schedule, ...]:
        return (self.schedule,)

    def _own_unresolved(self) -> list[str]:
        return _needs_length(self, self.schedule) if self._f is None else []

    def _length(self) -> float | None:
        n = self.schedule.length
        if n is None or self._f is None:
            return None
        return n if n == math.inf else math.ceil(n * self._f - 1e-9)

    def _magnitude(self) -> float | None:
        return self.schedule.magnitude

    def _eval(self, t: Any, xp: Any) -> Any:
        return self.schedule._eval(divide(t, self._f, xp), xp)

    def _phases(self) -> list[Phase]:
        f = self._f
        return [
            Phase(math.floor(p.start * f), p.stop * f, Stretch(p.schedule, factor=f))
            for p in self.schedule.phases()
        ]


class Clamp(Schedule):
    """Clamp values into ``[low, high]``: ``min(max(schedule(t), low), high)``.

    Args:
        schedule: the schedule.
        low: the floor, or None.
        high: the ceiling, or None (``low <= high``).
    """

    schedule: Schedule
    low: float | None
    high: float | None

    kind = "clamp"

    def __init__(self, schedule: Schedule | None = None, low: float | None = None, high: float | None = None) -> None:
        lo = None if low is None else v.real("low", low)
        hi = None if high is None else v.real("high", high)
        if lo is None and hi is None:
            raise TypeError("clamp() needs low, high or both")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"low must be <= high, got low={low!r}, high={high!r}")
        self._set(schedule=as_schedule("schedule", schedule), low=lo, high=hi)

    def children(self) -> tuple[Schedule, ...]:
        return (self.schedule,)

    def _length(self) -> float | None:
        return self.schedule.length

    def _magnitude(self) -> float | None:
        if self.low is not None and self.high is not None:
            return max(abs(self.low), abs(self.high))
        m = self.schedule.magnitude
        bound = self.low if self.low is not None else self.high
        return None if m is None else max(m, abs(bound))  # type: ignore[arg-type]

    def _eval(self, t: Any, xp: Any) -> Any:
        out = self.schedule._eval(t, xp)
        if self.low is not None:
            out = xp.maximum(out, self.low)
        if self.high is not None:
            out = xp.minimum(out, self.high)
        return out

    def _phases(self) -> list[Phase]:
        return [Phase(p.start, p.stop, Clamp(p.schedule, self.low, self.high)) for p in self.schedule.phases()]


class Shift(Schedule):
    """Shift in time: ``schedule(max(t - steps, 0))``. A positive shift delays the schedule
    (holding its first value meanwhile); a negative one starts it ``-steps`` steps in.

    Args:
        schedule: the schedule.
        steps: the shift, an int (any sign, at most 2**53 either way).
    """

    schedule: Schedule
    steps: int

    kind = "shift"

    def __init__(self, schedule: Schedule | None = None, steps: int = 0) -> None:
        self._set(
            schedule=as_schedule("schedule", schedule),
            steps=v.integer("steps", steps, minimum=-MAX_STEPS, maximum=MAX_STEPS),
        )

    def children(self) -> tuple[Schedule, ...]:
        return (self.schedule,)

    def _length(self) -> float | None:
        n = self.schedule.length
        return None if n is None else max(n + self.steps, 0)

    def _magnitude(self) -> float | None:
        return self.schedule.magnitude

    def _eval(self, t: Any, xp: Any) -> Any:
        return self.schedule._eval(xp.maximum(t - float(self.steps), 0.0), xp)

    def _phases(self) -> list[Phase]:
        out = []
        for p in self.schedule.phases():
            start, stop = p.start + self.steps, p.stop + self.steps
            if stop <= 0:
                continue
            skipped = max(0, -start)  # a negative shift starts the phase part-way in
            sched = p.schedule if skipped == 0 else Shift(p.schedule, -skipped)
            out.append(Phase(max(start, 0), stop, sched))
        return out


repeat = Repeat
stretch = Stretch
clamp = Clamp
shift = Shift
