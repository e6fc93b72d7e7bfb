"""The few shapes timm has that the engine does not: restarts of any decay, timm's tanh curve,
and two powers.

The engine's :class:`~glideslope.CosineRestarts` carries timm's cycle knobs for the cosine
only; :class:`Restarts` carries them for any decay written as a schedule (timm's poly and
tanh). :class:`HalfTanh` is timm's tanh curve, which (unlike the engine's normalised
:class:`~glideslope.Tanh`) does not reach 0 at its end and may be flat. :class:`PowerDecay` and
:class:`InversePower` are WSD's ``decay_fn='power'`` and ``stable_fn='power'``. Each formula is
written once, against ``xp``, like the engine's.
"""

from __future__ import annotations

import math
from typing import Any

from .. import _validate as v
from ..schedule import Schedule


class Restarts(Schedule):
    """Warm restarts of a decay ``unit`` (timm's cycles for poly and tanh).

    Cycle ``i`` starts at ``S_i = period * (m**i - 1) / (m - 1)`` (``period * i`` when
    ``m = period_mult = 1``) and lasts ``L_i = period * m**i``. At the step ``u = t - S_i``
    into it, with ``N`` the unit's length and ``q = (u / L_i)**k`` (k-decay):

        value = end + (start * decay**i - end) * unit(N * q)

    ``unit`` falls from 1 to 0 over its ``N`` steps (e.g. ``polynomial(1, 0, N, power)``).
    After ``limit`` cycles the value holds ``end``.

    Args:
        unit: a bound schedule with a finite length ``N >= 1``: the shape of one cycle.
        start: the peak of the first cycle.
        end: the value each cycle falls towards, and the value after the last.
        period: steps in the first cycle (int >= 1).
        period_mult: each cycle is this many times longer than the previous (>= 1).
        decay: each cycle's peak is this times the previous one's (> 0).
        limit: number of cycles (>= 1), or None for no end.
        k: the k-decay exponent (> 0); 1 is the plain shape.
    """

    unit: Schedule
    start: float
    end: float
    period: int
    period_mult: float
    decay: float
    limit: int | None
    k: float
    _n: float

    kind = "timm_restarts"

    def __init__(
        self,
        unit: Schedule | None = None,
        start: float = 1.0,
        end: float = 0.0,
        period: int = 1,
        period_mult: float = 1.0,
        decay: float = 1.0,
        limit: int | None = 1,
        k: float = 1.0,
    ) -> None:
        if not isinstance(unit, Schedule):
            raise TypeError(f"unit must be a schedule, got {type(unit).__name__}: {unit!r}")
        n = unit.length
        if n is None or not math.isfinite(n) or n < 1:
            raise ValueError(f"unit ({unit!r}) must be bound and have a finite length >= 1, got {n!r}")
        mult = v.real("period_mult", period_mult)
        if mult < 1:
            raise ValueError(f"period_mult must be >= 1, got {period_mult!r}")
        self._set(
            unit=unit,
            start=v.real("start", start),
            end=v.real("end", end),
            period=v.integer("period", period, minimum=1),
            period_mult=mult,
            decay=v.positive("decay", decay),
            limit=None if limit is None else v.integer("limit", limit, minimum=1),
            k=v.positive("k", k),
            _n=float(n),
        )

    def children(self) -> tuple[Schedule, ...]:
        return (self.unit,)

    def _cycle_start(self, i: Any) -> Any:
        # the geometric factor first: (m - 1) / (m - 1) is exactly 1, so the first restart is
        # exactly at ``period`` (``p * (m - 1) / (m - 1)`` can round to one ulp above it)
        m, p = self.period_mult, self.period
        return p * i if m == 1.0 else p * ((m**i - 1.0) / (m - 1.0))

    def _length(self) -> float | None:
        if self.limit is None:
            return math.inf
        return math.ceil(float(self._cycle_start(self.limit)) - 1e-9)

    def _eval(self, t: Any, xp: Any) -> Any:
        m, p = self.period_mult, self.period
        if m == 1.0:
            i = xp.floor(t / p)
        else:
            i = xp.floor(xp.log(1.0 + t / p * (m - 1.0)) / math.log(m))
            # a cycle index that floating point put one off at a boundary, corrected
            i = xp.where(t < self._cycle_start(i), i - 1.0, i)
            i = xp.where(t >= self._cycle_start(i + 1.0), i + 1.0, i)
        length = p * m**i
        u = t - self._cycle_start(i)
        q = u / length if self.k == 1.0 else (u / length) ** self.k  # = u**k / L**k, without overflow
        peak = self.start * self.decay**i
        value = self.end + (peak - self.end) * self.unit._eval(self._n * q, xp)
        if self.limit is not None:
            value = xp.where(i >= self.limit, self.end + 0.0 * t, value)
        return value


class HalfTanh(Schedule):
    """timm's tanh curve: ``(1 - tanh(lower + (upper - lower) * p)) / 2``, ``p = min(t, steps) / steps``.

    It falls from about 1 towards about 0 and is not normalised: at ``p = 1`` it is
    ``(1 - tanh(upper)) / 2``, and a range where tanh is saturated gives a flat curve (timm
    allows both).

    Args:
        steps: length of the curve (int >= 1).
        lower: the tanh argument at the start.
        upper: the tanh argument at the end (> lower).
    """

    steps: int
    lower: float
    upper: float

    kind = "timm_half_tanh"

    def __init__(self, steps: int = 1, lower: float = -7.0, upper: float = 3.0) -> None:
        lo, hi = v.real("lower", lower), v.real("upper", upper)
        if hi <= lo:
            raise ValueError(f"upper must be > lower, got lower={lower!r}, upper={upper!r}")
        self._set(steps=v.integer("steps", steps, minimum=1), lower=lo, upper=hi)

    def _length(self) -> float | None:
        return self.steps

    def _eval(self, t: Any, xp: Any) -> Any:
        p = xp.minimum(t, self.steps) / self.steps
        return 0.5 * (1.0 - xp.tanh(self.lower * (1.0 - p) + self.upper * p))


class PowerDecay(Schedule):
    """``1 - p ** power`` with ``p = min(t, steps) / steps``: timm WSD's ``decay_fn='power'``.

    Args:
        steps: length of the decay (int >= 1).
        power: the exponent (> 0); 0.5 is ``1-sqrt``, 1 linear, 2 a square decay.
    """

    steps: int
    power: float

    kind = "timm_power_decay"

    def __init__(self, steps: int = 1, power: float = 0.5) -> None:
        self._set(steps=v.integer("steps", steps, minimum=1), power=v.positive("power", power))

    def _length(self) -> float | None:
        return self.steps

    def _eval(self, t: Any, xp: Any) -> Any:
        return 1.0 - (xp.minimum(t, self.steps) / self.steps) ** self.power


class InversePower(Schedule):
    """``start * (1 + t / timescale) ** -power``: timm WSD's ``stable_fn`` ``'rsqrt'``
    (``power=0.5``) and ``'power'``.

    Args:
        start: value at step 0.
        timescale: steps (> 0, not necessarily whole) over which ``1 + t / timescale`` doubles.
        power: the exponent (> 0).
    """

    start: float
    timescale: float
    power: float

    kind = "timm_inverse_power"

    def __init__(self, start: float = 1.0, timescale: float = 1.0, power: float = 0.5) -> None:
        self._set(
            start=v.real("start", start),
            timescale=v.positive("timescale", timescale),
            power=v.positive("power", power),
        )

    def _length(self) -> float | None:
        return math.inf

    def _eval(self, t: Any, xp: Any) -> Any:
        return self.start * (1.0 + t / self.timescale) ** -self.power
