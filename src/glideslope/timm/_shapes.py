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
from ..schedule import SCALAR, Schedule


class Restarts(Schedule):
    """Warm restarts of a decay ``unit`` (timm's cycles for poly and tanh).

    Cycle ``i`` starts at ``S_i = period * (m**i - 1) / (m - 1)`` (``period * i`` when
    ``m = period_mult = 1``) and lasts ``L_i = period * m**i``. At the step ``u = t - S_i``
    into it, with ``N`` the unit's length and ``q = (u / L_i)**k`` (k-decay):

        value = end + (start * decay**i - end) * unit(N * q)

    ``unit`` falls from 1 to 0 over its ``N`` steps (e.g. ``polynomial(1, 0, N, power)``).
    After ``limit`` cycles the value holds ``end``; cycles that would start after step
    ``2**53`` never do (the value at ``2**53`` holds).

    Args:
        unit: a bound schedule with a finite length ``N >= 1``: the shape of one cycle.
        start: the peak of the first cycle.
        end: the value each cycle falls towards, and the value after the last.
        period: steps in the first cycle (int >= 1).
        period_mult: each cycle is this many times longer than the previous, in [1, 1e200].
        decay: each cycle's peak is this times the previous one's (> 0).
        limit: number of cycles (int >= 1).
        k: the k-decay exponent, in [1e-3, 1e3]; 1 is the plain shape.
    """

    unit: Schedule
    start: float
    end: float
    period: int
    period_mult: float
    decay: float
    limit: int
    k: float
    _n: float
    _stop: float  # the step where the value stops changing: the end of the last cycle, or 2**53

    kind = "timm_restarts"

    def __init__(
        self,
        unit: Schedule | None = None,
        start: float = 1.0,
        end: float = 0.0,
        period: int = 1,
        period_mult: float = 1.0,
        decay: float = 1.0,
        limit: int = 1,
        k: float = 1.0,
    ) -> None:
        if not isinstance(unit, Schedule):
            raise TypeError(f"unit must be a schedule, got {type(unit).__name__}: {unit!r}")
        n = unit.length
        if n is None or not math.isfinite(n) or n < 1:
            raise ValueError(f"unit ({unit!r}) must be bound and have a finite length >= 1, got {n!r}")
        mult = v.between("period_mult", period_mult, 1.0, 1e200)  # past 1e200 the cycle's log overflows
        self._set(
            unit=unit,
            start=v.real("start", start),
            end=v.real("end", end),
            period=v.integer("period", period, minimum=1),
            period_mult=mult,
            decay=v.positive("decay", decay),
            limit=v.integer("limit", limit, minimum=1),
            k=v.between("k", k, 1e-3, 1e3),
            _n=float(n),
        )
        stop = min(float(self._cycle_start(float(self.limit), SCALAR)), 2.0**53)
        last = min(self.limit - 1, int(self._index(stop, SCALAR)))  # the last cycle that runs
        if not math.isfinite(self.start * SCALAR.power(self.decay, last) - self.end):
            raise ValueError(
                f"decay={decay!r} over {last} cycles takes the peak past the float range "
                f"(start={start!r}); lower decay or limit"
            )
        self._set(_stop=stop)

    def children(self) -> tuple[Schedule, ...]:
        return (self.unit,)

    def _cycle_start(self, i: Any, xp: Any) -> Any:
        # the geometric factor first: (m - 1) / (m - 1) is exactly 1, so the first restart is
        # exactly at ``period`` (``p * (m - 1) / (m - 1)`` can round to one ulp above it)
        m, p = self.period_mult, self.period
        return p * i if m == 1.0 else p * ((xp.power(m, i) - 1.0) / (m - 1.0))

    def _index(self, t: Any, xp: Any) -> Any:
        """The cycle of step ``t``: from the log, then corrected where rounding put it one off."""
        m, p = self.period_mult, self.period
        if m == 1.0:
            return xp.floor(t / p)
        i = xp.floor(xp.log(1.0 + t / p * (m - 1.0)) / math.log(m))
        i = xp.where(t < self._cycle_start(i, xp), i - 1.0, i)
        return xp.where(t >= self._cycle_start(i + 1.0, xp), i + 1.0, i)

    def _length(self) -> float | None:
        return math.ceil(self._stop - 1e-9)

    def _eval(self, t: Any, xp: Any) -> Any:
        t = xp.minimum(t, self._stop)
        i = self._index(t, xp)
        length = self.period * xp.power(self.period_mult, i)
        u = xp.maximum(t - self._cycle_start(i, xp), 0.0)  # XLA may round the start a hair above t
        q = u / length if self.k == 1.0 else (u / length) ** self.k  # = u**k / L**k, without overflow
        peak = self.start * xp.power(self.decay, xp.minimum(i, self.limit - 1))
        value = self.end + (peak - self.end) * self.unit._eval(self._n * q, xp)
        return xp.where(i >= self.limit, self.end + 0.0 * t, value)


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
