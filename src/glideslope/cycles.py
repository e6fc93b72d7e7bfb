"""Cyclical schedules: triangular cycles, one-cycle, and cosine with warm restarts."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from . import _validate as v
from .schedule import GROWTH_LIMIT, PERIODIC_HORIZON, SCALAR, Schedule
from .shapes import Interpolate, floordiv, growth_cap
from .timing import Duration, check_duration

CYCLIC_MODES = ("triangular", "triangular2", "exp_range")
SCALE_BY = ("cycle", "iterations")


def _length_arg(name: str, value: object) -> Duration | float:
    """A cycle half-length: a duration, or a positive non-integer number of steps."""
    value = v.plain(value)
    if isinstance(value, float) and math.isfinite(value) and value != int(value):
        return v.positive(name, value)
    return check_duration(name, value, open_ok=False)


class Cyclic(Schedule):
    """Cyclical learning rate (Smith, 2017; torch's CyclicLR), between ``low`` and ``high``.

    With ``L = up + down``, ``cycle = floor(1 + t / L)`` and ``x = 1 + t / L - cycle``, the
    position in the cycle rises as ``x / r`` while ``x <= r = up / L`` then falls as
    ``(x - 1) / (r - 1)``; value ``low + (high - low) * position * scale`` where ``scale`` is

    * ``"triangular"``: 1;
    * ``"triangular2"``: ``1 / 2 ** (cycle - 1)`` (amplitude halves each cycle);
    * ``"exp_range"``: ``gamma ** t`` (with ``gamma > 1`` the growth stops before
      ``|value|`` passes ``GROWTH_LIMIT``, 1e300);
    * ``scale_fn(cycle)`` or ``scale_fn(t)`` for a custom function (``scale_by`` says which).

    ``low > high`` is allowed: it gives the inverse curve (cyclic momentum). Steps past
    ``2**53`` evaluate as step ``2**53``.

    Args:
        low: value at the start of each cycle.
        high: value at the top of the first cycle.
        up: steps rising in each cycle.
        down: steps falling (None: same as ``up``).
        mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``.
        gamma: base of ``exp_range`` (0 < gamma <= 1 usually).
        scale_fn: custom amplitude function; overrides ``mode``. Must accept arrays too.
        scale_by: ``"cycle"`` or ``"iterations"``: what ``scale_fn`` receives.
    """

    low: float
    high: float
    up: Duration | float
    down: Duration | float
    mode: str
    gamma: float
    scale_fn: Callable[[Any], Any] | None
    scale_by: str
    _total: float  # None while unbound
    _ratio: float  # None while unbound
    _tmax: float | None  # exp_range with gamma > 1: the step where growth stops

    kind = "cyclic"
    _durations = {"up": "rest", "down": "forever"}

    def __init__(
        self,
        low: float = 0.1,
        high: float = 1.0,
        up: Any = 2000,
        down: Any = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Any = None,
        scale_by: str = "cycle",
    ) -> None:
        up_ = _length_arg("up", up)
        down_ = None if down is None else _length_arg("down", down)
        self._set(
            low=v.real("low", low),
            high=v.real("high", high),
            up=up_,
            down=down_,
            mode=v.choice("mode", mode, CYCLIC_MODES),
            gamma=v.positive("gamma", gamma),
            scale_fn=None if scale_fn is None else v.function("scale_fn", scale_fn),
            scale_by=v.choice("scale_by", scale_by, SCALE_BY),
        )
        u = up_ if isinstance(up_, (int, float)) else None
        d = u if down_ is None else down_ if isinstance(down_, (int, float)) else None
        total = None if u is None or d is None else float(u + d)
        if not math.isfinite(self.high - self.low):
            raise ValueError(f"high - low overflows a float (low={low!r}, high={high!r})")
        top = max(abs(self.low), abs(self.high))
        tmax = None if self.mode != "exp_range" else growth_cap("gamma", top, self.gamma)
        self._set(_total=total, _ratio=None if total is None else u / total, _tmax=tmax)  # type: ignore[operator]

    def _length(self) -> float | None:
        return None if self._total is None else math.inf

    def _magnitude(self) -> float | None:
        if self.scale_fn is not None:
            return None  # the user's function
        top = max(abs(self.low), abs(self.high))
        return top if self._tmax is None else max(top, 2.0 * GROWTH_LIMIT)

    def _eval(self, t: Any, xp: Any) -> Any:
        total, r = self._total, self._ratio
        t = xp.minimum(t, PERIODIC_HORIZON)
        cycle = 1.0 + floordiv(t, total, xp)
        x = 1.0 + t / total - cycle
        position = xp.where(x <= r, x / r, (x - 1.0) / (r - 1.0))
        height = (self.high - self.low) * position
        if self.scale_fn is not None:
            arg = cycle if self.scale_by == "cycle" else t
            return self.low + height * self.scale_fn(arg)
        if self.mode == "triangular":
            return self.low + height
        if self.mode == "triangular2":
            return self.low + height / xp.power(2.0, cycle - 1.0)
        if self._tmax is not None:  # growing: saturate below the float limit
            t = xp.minimum(t, self._tmax)
        return self.low + height * xp.power(self.gamma, t)


ANNEALS = ("cosine", "linear")


class OneCycle(Schedule):
    """One-cycle policy (Smith & Topin, 2018; torch's OneCycleLR), as a closed form.

    ``initial = peak / initial_div`` and ``final = initial / final_div``. Two phases: anneal
    from ``initial`` up to ``peak`` over the first ``warmup`` fraction of ``steps``, then down to
    ``final`` at ``steps``. With ``three_phase``: up to ``peak`` at ``w``, back to ``initial`` at
    ``2w``, then down to ``final`` at ``steps`` (``w = warmup * steps``). Annealing between knots
    is cosine ``b + (a - b) * (1 + cos(pi * q)) / 2`` or linear ``a + (b - a) * q``.

    Args:
        peak: the highest value.
        steps: the length of the cycle.
        warmup: fraction of ``steps`` spent rising, in (0, 1) (< 0.5 with three phases).
        initial_div: ``peak / initial`` (torch's ``div_factor``).
        final_div: ``initial / final`` (torch's ``final_div_factor``).
        anneal: ``"cosine"`` or ``"linear"``.
        three_phase: use the three-phase variant.
    """

    peak: float
    steps: Duration
    warmup: float
    initial_div: float
    final_div: float
    anneal: str
    three_phase: bool
    _curve: Interpolate | None

    kind = "one_cycle"
    _durations = {"steps": "rest"}

    def __init__(
        self,
        peak: float = 1.0,
        steps: Duration = None,
        warmup: float = 0.3,
        initial_div: float = 25.0,
        final_div: float = 1e4,
        anneal: str = "cosine",
        three_phase: bool = False,
    ) -> None:
        self._set(
            peak=v.real("peak", peak),
            steps=check_duration("steps", steps),
            warmup=v.between("warmup", warmup, 0.0, 1.0, low_open=True, high_open=True),
            initial_div=v.positive("initial_div", initial_div),
            final_div=v.positive("final_div", final_div),
            anneal=v.choice("anneal", anneal, ANNEALS),
            three_phase=v.flag("three_phase", three_phase),
        )
        if three_phase and self.warmup >= 0.5:
            raise ValueError(f"with three_phase=True, warmup must be < 0.5, got {warmup!r}")
        _, values = self._knots(1)
        if not all(math.isfinite(x) for x in values):
            raise ValueError(
                f"peak / initial_div / final_div overflows a float (peak={peak!r}, "
                f"initial_div={initial_div!r}, final_div={final_div!r})"
            )
        self._set(_curve=self._make_curve())

    def _knots(self, steps: int | None = None) -> tuple[list[float], list[float]]:
        n = self._steps("steps") if steps is None else steps
        assert n is not None
        w = self.warmup * n
        initial = self.peak / self.initial_div
        final = initial / self.final_div
        if self.three_phase:
            return [0.0, w, 2 * w, n], [initial, self.peak, initial, final]
        return [0.0, w, n], [initial, self.peak, final]

    def _make_curve(self) -> Interpolate | None:
        if self._steps("steps") is None:
            return None
        knots, values = self._knots()
        return Interpolate(knots, values, shape=self.anneal)

    def _magnitude(self) -> float:
        _, values = self._knots(1)
        return max(abs(x) for x in values)

    def _eval(self, t: Any, xp: Any) -> Any:
        return self._curve._eval(t, xp)  # type: ignore[union-attr]


class OneCycleMomentum(OneCycle):
    """The momentum curve that goes with :class:`OneCycle`: the inverse shape.

    From ``high`` down to ``low`` at ``warmup * steps``, back up to ``high`` at ``steps``;
    with ``three_phase``, back to ``high`` at ``2 * warmup * steps`` and held there.

    Args:
        low: momentum at the learning-rate peak.
        high: momentum at the start and the end.
        steps, warmup, anneal, three_phase: as for :class:`OneCycle`.
    """

    low: float
    high: float

    kind = "one_cycle_momentum"

    def __init__(
        self,
        low: float = 0.85,
        high: float = 0.95,
        steps: Duration = None,
        warmup: float = 0.3,
        anneal: str = "cosine",
        three_phase: bool = False,
    ) -> None:
        self._set(low=v.real("low", low), high=v.real("high", high))
        OneCycle.__init__(self, 1.0, steps, warmup, 25.0, 1e4, anneal, three_phase)
        self.__dict__.pop("peak")
        self.__dict__.pop("initial_div")
        self.__dict__.pop("final_div")

    def _knots(self, steps: int | None = None) -> tuple[list[float], list[float]]:
        n = self._steps("steps") if steps is None else steps
        assert n is not None
        w = self.warmup * n
        if self.three_phase:
            return [0.0, w, 2 * w, n], [self.high, self.low, self.high, self.high]
        return [0.0, w, n], [self.high, self.low, self.high]


class CosineRestarts(Schedule):
    """Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2017; timm's knobs).

    Cycle ``i`` lasts ``T_i = period * period_mult ** i`` steps; inside it, at local step
    ``u``, value ``end + (start * decay ** i - end) * (1 + cos(pi * (u / T_i) ** k)) / 2``. After
    ``limit`` cycles the value holds at ``end``. With ``decay > 1`` the peak stops growing
    before it passes ``GROWTH_LIMIT`` (1e300); steps past ``2**53`` evaluate as step ``2**53``.

    Args:
        start: value at the start of the first cycle.
        end: value at the end of every cycle.
        period: length of the first cycle.
        period_mult: each cycle is this many times longer than the previous (>= 1).
        decay: each cycle's peak is this times the previous peak (timm's ``cycle_decay``).
        limit: number of cycles, then hold ``end``; None for no end.
        k: k-decay exponent (Zhang et al., 2020), in [0.001, 1000]; 1 is plain cosine.
    """

    start: float
    end: float
    period: Duration
    period_mult: float
    decay: float
    limit: int | None
    k: float
    _p: float  # None while unbound
    _imax: float | None  # decay > 1: the cycle after which the peak stops growing

    kind = "cosine_restarts"
    _durations = {"period": "rest"}

    def __init__(
        self,
        start: float = 1.0,
        end: float = 0.0,
        period: Duration = None,
        period_mult: float = 1.0,
        decay: float = 1.0,
        limit: int | None = None,
        k: float = 1.0,
    ) -> None:
        mult = v.real("period_mult", period_mult)
        if mult < 1:
            raise ValueError(f"period_mult must be >= 1, got {period_mult!r}")
        self._set(
            start=v.real("start", start),
            end=v.real("end", end),
            period=check_duration("period", period),
            period_mult=mult,
            decay=v.positive("decay", decay),
            limit=None if limit is None else v.integer("limit", limit, minimum=1, maximum=2**53),
            k=v.between("k", k, 1e-3, 1e3),
        )
        if not math.isfinite(self.start - self.end):
            raise ValueError(f"start - end overflows a float (start={start!r}, end={end!r})")
        p = self._fsteps("period")
        self._set(_p=p, _imax=growth_cap("decay", self.start, self.decay))
        if p is not None and self.limit is not None and not self._cycle_start(float(self.limit), SCALAR) <= 2.0**53:
            raise ValueError(
                f"{self.limit} cycles (limit={limit!r}) of period={period!r} growing by "
                f"period_mult={period_mult!r} last more than 2**53 steps; lower the limit"
            )

    def _cycle_start(self, i: Any, xp: Any) -> Any:
        m, p = self.period_mult, self._p
        return p * i if m == 1.0 else p * ((xp.power(m, i) - 1.0) / (m - 1.0))

    def _length(self) -> float | None:
        if self._p is None:
            return None
        if self.limit is None:
            return math.inf
        return math.ceil(float(self._cycle_start(float(self.limit), SCALAR)) - 1e-9)

    def _magnitude(self) -> float:
        top = max(abs(self.start), abs(self.end))
        return top if self._imax is None else max(top, GROWTH_LIMIT)

    def _eval(self, t: Any, xp: Any) -> Any:
        m, p = self.period_mult, self._p
        t = xp.minimum(t, PERIODIC_HORIZON)
        if m == 1.0:
            i = floordiv(t, p, xp)
        else:
            i = xp.floor(xp.log(1.0 + t / p * (m - 1.0)) / math.log(m))
            # correct a cycle index that floating point put one off at a boundary
            i = xp.where(t < self._cycle_start(i, xp), i - 1.0, i)
            i = xp.where(t >= self._cycle_start(i + 1.0, xp), i + 1.0, i)
        length = p * xp.power(m, i)
        u = xp.maximum(t - self._cycle_start(i, xp), 0.0)
        grow = i if self._imax is None else xp.minimum(i, self._imax)  # decay > 1 saturates
        peak = self.start * xp.power(self.decay, grow)
        if self.k == 1.0:
            c = 0.5 + 0.5 * xp.cos(math.pi * u / length)
        else:
            c = 0.5 + 0.5 * xp.cos(math.pi * xp.power(u / length, self.k))
        value = self.end + (peak - self.end) * c
        if self.limit is not None:
            value = xp.where(i >= self.limit, self.end + xp.minimum(t, 0.0), value)
        return value


cyclic = Cyclic
one_cycle = OneCycle
one_cycle_momentum = OneCycleMomentum
cosine_restarts = CosineRestarts
