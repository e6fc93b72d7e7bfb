"""Piecewise-constant shapes: a decay every ``k`` steps, at given milestones, or a value per
interval between boundaries.

``step``: ``start * rate ** floor(t / every)``; ``multistep``: ``start * rate ** (number of
milestones <= t)``; ``piecewise_constant``: ``values[i]`` for ``boundaries[i-1] <= t <
boundaries[i]``. Each floors the same way on every backend (see :func:`~glideslope.shapes.floordiv`).
"""

from __future__ import annotations

import math
from typing import Any

from . import _validate as v
from .schedule import GROWTH_LIMIT, Schedule
from .shapes import floordiv, growth_cap
from .timing import Duration, check_duration, check_steps


def _power(a: float, b: float) -> float:
    try:
        return math.pow(a, b)
    except OverflowError:
        return math.inf


class Step(Schedule):
    """Step decay: ``start * rate ** floor(t / every)`` (torch's StepLR); with ``rate > 1``
    the growth stops before ``|value|`` passes ``GROWTH_LIMIT`` (1e300).

    Args:
        start: value from step 0 to ``every - 1``.
        rate: factor applied at every multiple of ``every`` (> 0).
        every: steps between drops.
    """

    start: float
    rate: float
    every: Duration
    _every: float  # None while unbound
    _kmax: float | None  # growth stops after this many drops (rate > 1)

    kind = "step"
    _durations = {"every": "rest"}

    def __init__(self, start: float = 1.0, rate: float = 0.1, every: Duration = None) -> None:
        self._set(
            start=v.real("start", start),
            rate=v.positive("rate", rate),
            every=check_duration("every", every, open_ok=False),
        )
        kmax = growth_cap("rate", self.start, self.rate)
        self._set(_every=self._fsteps("every"), _kmax=None if kmax is None else float(math.floor(kmax)))

    def _length(self) -> float | None:
        return None if self._every is None else math.inf

    def _magnitude(self) -> float:
        return abs(self.start) if self._kmax is None else max(abs(self.start), GROWTH_LIMIT)

    def _eval(self, t: Any, xp: Any) -> Any:
        k = floordiv(t, self._every, xp)
        if self._kmax is not None:  # growing: saturate below the float limit
            k = xp.minimum(k, self._kmax)
        return self.start * xp.power(self.rate, k)


class MultiStep(Schedule):
    """Multi-step decay: ``start * rate ** (number of milestones <= t)`` (torch's MultiStepLR).

    Args:
        start: value before the first milestone.
        rate: factor applied at each milestone (> 0).
        milestones: strictly increasing steps (>= 1) where the value is multiplied by rate;
            each may be a duration (``["50%", "75%"]``, ``["30ep"]``), resolved by ``bind()``.
    """

    start: float
    rate: float
    milestones: tuple[int | str, ...]
    _m: list[int]
    _last: float  # the value after the last milestone

    kind = "multistep"
    _step_lists = ("milestones",)

    def __init__(self, start: float = 1.0, rate: float = 0.1, milestones: Any = (1,)) -> None:
        self._set(
            start=v.real("start", start),
            rate=v.positive("rate", rate),
            milestones=check_steps("milestones", milestones),
        )
        last = self.start * _power(self.rate, len(self.milestones))
        if not math.isfinite(last):
            raise ValueError(
                f"start * rate ** len(milestones) overflows a float (start={start!r}, "
                f"rate={rate!r}, {len(self.milestones)} milestones)"
            )
        self._set(_m=list(self.milestones), _last=last)

    def _length(self) -> float | None:
        last = self.milestones[-1]
        return last if isinstance(last, int) else None

    def _magnitude(self) -> float:
        return max(abs(self.start), abs(self._last))

    def _eval(self, t: Any, xp: Any) -> Any:
        return self.start * xp.power(self.rate, xp.count_le(self._m, t) + 0.0)


class PiecewiseConstant(Schedule):
    """Piecewise constant: ``values[i]`` where ``i`` = number of ``boundaries`` ``<= t``.

    Args:
        boundaries: strictly increasing steps (>= 1) where the value changes; each may be a
            duration (``["50%", "75%"]``), resolved by ``bind()``.
        values: one more value than boundaries: ``values[0]`` before ``boundaries[0]``, ...
    """

    boundaries: tuple[int | str, ...]
    values: tuple[float, ...]
    _b: list[int]
    _v: list[float]

    kind = "piecewise_constant"
    _step_lists = ("boundaries",)

    def __init__(self, boundaries: Any = (), values: Any = (1.0,)) -> None:
        b = check_steps("boundaries", boundaries, min_len=0)
        vals = v.reals("values", values)
        if len(vals) != len(b) + 1:
            raise ValueError(
                f"values must have one more entry than boundaries: got {v.count(len(vals), 'value')} "
                f"for {v.count(len(b), 'boundary', 'boundaries')}"
            )
        self._set(boundaries=b, values=vals, _b=list(b), _v=list(vals))

    def _length(self) -> float | None:
        if not self.boundaries:
            return math.inf
        last = self.boundaries[-1]
        return last if isinstance(last, int) else None

    def _magnitude(self) -> float:
        return max(abs(x) for x in self.values)

    def _eval(self, t: Any, xp: Any) -> Any:
        return xp.take(self._v, xp.count_le(self._b, t)) + xp.minimum(t, 0.0)


step = Step
multistep = MultiStep
piecewise_constant = PiecewiseConstant
