"""The catalogue of shapes: closed-form schedules of the step ``t`` (the piecewise-constant
ones, step, multistep and piecewise_constant, are in :mod:`glideslope.piecewise`).

Conventions shared by every shape here:

* ``steps`` is the length of the shape: a duration (int, ``"10%"``, ``"2ep"``) or ``None``
  for "the rest of the run" (filled in by :meth:`~glideslope.Schedule.bind`);
* ``p = min(t, steps) / steps`` is the progress in ``[0, 1]``; past ``steps`` the value holds;
* decays go from ``start`` at ``t = 0`` to exactly ``end`` at ``t = steps``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from . import _validate as v
from .schedule import GROWTH_LIMIT, Schedule
from .timing import Duration, check_duration

PI = math.pi


def _difference(a_name: str, a: float, b_name: str, b: float) -> None:
    """Refuse two values whose difference overflows a float (the formulas scale it)."""
    if not math.isfinite(a - b):
        raise ValueError(
            f"{a_name} - {b_name} overflows a float ({a_name}={a!r}, {b_name}={b!r}); "
            f"keep both within about +-8.9e307"
        )


def floordiv(a: Any, b: float, xp: Any) -> Any:
    """``floor(a / b)``, exact at the multiples of ``b`` on every backend: XLA (JAX) divides
    through a reciprocal, so ``49 / 49`` can come out just below 1 there. The correction
    is a no-op where division is correctly rounded."""
    q = xp.floor(a / b)
    return xp.where(q * b > a, q - 1.0, xp.where((q + 1.0) * b <= a, q + 1.0, q))


def divide(a: Any, b: float, xp: Any) -> Any:
    """``a / b``, snapped to the nearest whole number when within a few float64 ulps of it:
    XLA's (JAX's) division can be a last bit off, which a floor further on would turn into a
    whole step; snapped alike everywhere, the backends agree."""
    q = a / b
    r = xp.floor(q + 0.5)
    return xp.where(abs(q - r) <= 1e-15 * r, r, q)


def _exponent(name: str, value: object) -> float:
    """An exponent of a curve's shape, in [0.001, 1000]: beyond, the curve is a step made of
    floating-point rounding (``c ** 1e-300`` is 1 for every ``c > 0``), different per backend."""
    return v.between(name, value, 1e-3, 1e3)


def growth_cap(name: str, start: float, rate: float) -> float | None:
    """For ``start * rate ** k`` with ``rate > 1``: the largest ``k`` that keeps both the value
    and ``rate ** k`` within ``GROWTH_LIMIT`` (a growing schedule saturates there); None when
    it never grows."""
    if rate <= 1.0:
        return None
    room = math.log(GROWTH_LIMIT) - (max(math.log(abs(start)), 0.0) if start else 0.0)  # log(LIMIT / |start|)
    return max(0.0, room / math.log(rate))


class Constant(Schedule):
    """``value`` at every step.

    Args:
        value: the value.
        steps: how long the phase lasts in a sequence; ``None`` means the rest of the run.
    """

    value: float
    steps: Duration

    kind = "constant"
    _durations = {"steps": "optional"}

    def __init__(self, value: float = 1.0, steps: Duration = None) -> None:
        self._set(value=v.real("value", value), steps=check_duration("steps", steps))

    def _magnitude(self) -> float:
        return abs(self.value)

    def _eval(self, t: Any, xp: Any) -> Any:
        return self.value + xp.minimum(t, 0.0)  # + 0 in the step's array kind and shape


class _Decay(Schedule):
    """Base of the shapes that go from ``start`` to ``end`` over ``steps``."""

    start: float
    end: float
    steps: Duration
    _n: float  # steps, as a float; None while unbound

    _durations = {"steps": "rest"}

    def _init_decay(self, start: float, end: float, steps: Duration, **extra: Any) -> None:
        self._set(
            start=v.real("start", start),
            end=v.real("end", end),
            steps=check_duration("steps", steps),
            **extra,
        )
        _difference("start", self.start, "end", self.end)
        self._set(_n=self._fsteps("steps"))

    def _magnitude(self) -> float:
        return max(abs(self.start), abs(self.end))


class Linear(_Decay):
    """Straight line: ``start + (end - start) * p``.

    Args:
        start: value at step 0.
        end: value at ``steps`` and after.
        steps: length of the ramp.
    """

    kind = "linear"

    def __init__(self, start: float = 1.0, end: float = 0.0, steps: Duration = None) -> None:
        self._init_decay(start, end, steps)

    def _eval(self, t: Any, xp: Any) -> Any:
        n = self._n
        return self.start + (self.end - self.start) * (xp.minimum(t, n) / n)


class Cosine(_Decay):
    """Cosine annealing: ``end + (start - end) * (0.5 * (1 + cos(pi * p))) ** exponent``.

    Args:
        start: value at step 0.
        end: value at ``steps`` and after.
        steps: length of the half cosine wave.
        exponent: power applied to the cosine factor (optax's ``exponent``), in [0.001, 1000];
            1 is plain cosine.
    """

    exponent: float
    _w: float  # pi / steps; None while unbound
    _d: float  # start - end

    kind = "cosine"

    def __init__(
        self, start: float = 1.0, end: float = 0.0, steps: Duration = None, exponent: float = 1.0
    ) -> None:
        self._init_decay(start, end, steps, exponent=_exponent("exponent", exponent))
        n = self._n
        self._set(_w=None if n is None else PI / n, _d=self.start - self.end)

    def _eval(self, t: Any, xp: Any) -> Any:
        c = 0.5 * (1.0 + xp.cos(self._w * xp.minimum(t, self._n)))  # _w = pi / steps
        if self.exponent != 1.0:
            c = c**self.exponent
        return self.end + self._d * c


class Polynomial(_Decay):
    """Polynomial decay: ``end + (start - end) * (1 - p) ** power``.

    Args:
        start: value at step 0.
        end: value at ``steps`` and after.
        steps: length of the decay.
        power: the exponent, in [0.001, 1000]; 1 is linear, 2 quadratic, 0.5 a square-root decay.
    """

    power: float

    kind = "polynomial"

    def __init__(
        self, start: float = 1.0, end: float = 0.0, steps: Duration = None, power: float = 1.0
    ) -> None:
        self._init_decay(start, end, steps, power=_exponent("power", power))

    def _eval(self, t: Any, xp: Any) -> Any:
        n = self._n  # 1 - p as (steps - min(t, steps)) / steps: exactly 0 at the end everywhere
        return self.end + (self.start - self.end) * ((n - xp.minimum(t, n)) / n) ** self.power


class Tanh(_Decay):
    """Hyperbolic-tangent decay (Hsueh et al., 2019), normalised to hit ``start`` and ``end``.

    ``g(p) = (tanh(upper) - tanh(lower + (upper - lower) * p)) / (tanh(upper) - tanh(lower))``,
    value ``end + (start - end) * g(p)``.

    Args:
        start: value at step 0.
        end: value at ``steps`` and after.
        steps: length of the decay.
        lower: where the tanh curve starts (-6: a long flat top).
        upper: where it ends (3: a short tail); must be > ``lower``.
    """

    lower: float
    upper: float
    _th: float
    _span: float

    kind = "tanh"

    def __init__(
        self,
        start: float = 1.0,
        end: float = 0.0,
        steps: Duration = None,
        lower: float = -6.0,
        upper: float = 3.0,
    ) -> None:
        lo, hi = v.real("lower", lower), v.real("upper", upper)
        if hi <= lo:
            raise ValueError(f"upper must be > lower, got lower={lower!r}, upper={upper!r}")
        _difference("upper", hi, "lower", lo)
        span = math.tanh(hi) - math.tanh(lo)
        if span < 1e-6:
            raise ValueError(
                f"tanh saturates between lower={lower!r} and upper={upper!r}: tanh(upper) - "
                f"tanh(lower) = {span!r} < 1e-6, so the curve is flat (and its normalisation divides by "
                f"~0, amplifying rounding); keep lower < upper within about [-7, 7], straddling the bend near 0"
            )
        self._init_decay(start, end, steps, lower=lo, upper=hi)
        self._set(_th=math.tanh(hi), _span=span)

    def _eval(self, t: Any, xp: Any) -> Any:
        n = self._n
        x = self.lower + (self.upper - self.lower) * (xp.minimum(t, n) / n)
        return self.end + (self.start - self.end) * ((self._th - xp.tanh(x)) / self._span)


class Rex(_Decay):
    """REX, the reflected exponential decay (Chen et al., 2021).

    ``g(p) = (1 - p) / (1 - p / 2)``, value ``end + (start - end) * g(p)``.

    Args:
        start: value at step 0.
        end: value at ``steps`` and after.
        steps: length of the decay.
    """

    kind = "rex"

    def __init__(self, start: float = 1.0, end: float = 0.0, steps: Duration = None) -> None:
        self._init_decay(start, end, steps)

    def _eval(self, t: Any, xp: Any) -> Any:
        p = xp.minimum(t, self._n) / self._n
        return self.end + (self.start - self.end) * ((1.0 - p) / (1.0 - 0.5 * p))


COOLDOWN_SHAPES = ("linear", "cosine", "1-sqrt", "square", "exponential")


class Cooldown(_Decay):
    """The final decay of a warmup-stable-decay run, in one of five shapes.

    With ``p`` the progress, value ``end + (start - end) * g(p)`` where ``g`` is

    * ``"linear"``: ``1 - p``;
    * ``"cosine"``: ``(1 + cos(pi * p)) / 2``;
    * ``"1-sqrt"``: ``1 - sqrt(p)`` (Hägele et al., 2024);
    * ``"square"``: ``1 - p**2``;

    and ``"exponential"`` is geometric: ``start * (end / start) ** p`` (``start``, ``end`` > 0).

    Args:
        start: value at step 0 (the stable value).
        end: value at ``steps`` and after.
        steps: length of the cooldown.
        shape: one of ``"linear"``, ``"cosine"``, ``"1-sqrt"``, ``"square"``, ``"exponential"``.
    """

    shape: str
    _d: float  # start - end

    kind = "cooldown"

    def __init__(
        self, start: float = 1.0, end: float = 0.0, steps: Duration = None, shape: str = "linear"
    ) -> None:
        self._init_decay(start, end, steps, shape=v.choice("shape", shape, COOLDOWN_SHAPES))
        self._set(_d=self.start - self.end)
        if shape == "exponential" and not (self.start > 0 and self.end > 0):
            raise ValueError(
                f"shape='exponential' needs start > 0 and end > 0, got start={start!r}, "
                f"end={end!r}; use a small positive end such as 1e-3 * start"
            )
        if shape == "exponential" and not 0.0 < self.end / self.start < math.inf:
            raise ValueError(f"shape='exponential': end / start overflows a float (start={start!r}, end={end!r})")

    def _eval(self, t: Any, xp: Any) -> Any:
        p = xp.minimum(t, self._n) / self._n
        shape = self.shape
        if shape == "linear":
            g = 1.0 - p
        elif shape == "cosine":
            g = 0.5 + 0.5 * xp.cos(PI * p)
        elif shape == "1-sqrt":
            g = 1.0 - xp.sqrt(p)
        elif shape == "square":
            g = 1.0 - p * p
        else:  # exponential
            return self.start * (self.end / self.start) ** p
        return self.end + self._d * g


class Exponential(Schedule):
    """Exponential decay (or growth): ``start * rate ** (max(t - delay, 0) / every)``.

    With ``staircase=True`` the exponent is floored, so the value drops once every ``every``
    steps. ``end``, when given, bounds the value: a floor when the value falls (``rate < 1``
    with a positive ``start``, or ``rate > 1`` with a negative one), a ceiling when it rises.
    Growth (``rate > 1``) stops where ``|value|`` (or ``rate ** k``) would pass
    ``GROWTH_LIMIT`` (1e300), so the value stays a finite float at every step.

    Args:
        start: value at step 0 (and until ``delay``).
        rate: factor applied every ``every`` steps (> 0).
        every: steps per factor of ``rate`` (optax's ``transition_steps``).
        staircase: apply the factor in whole steps of ``every``.
        delay: steps to hold ``start`` before decaying (optax's ``transition_begin``).
        end: the floor (falling) or ceiling (rising) the value stops at, or None.
    """

    start: float
    rate: float
    every: Duration
    staircase: bool
    delay: Duration
    end: float | None
    _every: float  # None while unbound
    _delay: float  # None while unbound
    _falling: bool
    _kmax: float | None  # growth stops at this exponent (|value| <= GROWTH_LIMIT) when no end

    kind = "exponential"

    def __init__(
        self,
        start: float = 1.0,
        rate: float = 0.5,
        every: Duration = 1,
        staircase: bool = False,
        delay: Duration = 0,
        end: float | None = None,
    ) -> None:
        self._set(
            start=v.real("start", start),
            rate=v.positive("rate", rate),
            every=check_duration("every", every, open_ok=False),
            staircase=v.flag("staircase", staircase),
            delay=check_duration("delay", delay, minimum=0, open_ok=False),
            end=None if end is None else v.real("end", end),
        )
        falling = (self.start > 0) == (self.rate < 1)
        if self.end is not None and self.start != 0 and self.rate != 1:
            if (self.end > self.start) if falling else (self.end < self.start):
                raise ValueError(
                    f"end={end!r} is never reached from start={start!r} with rate={rate!r}: "
                    f"this schedule {'falls' if falling else 'rises'}, so end must be "
                    f"{'<=' if falling else '>='} start"
                )
        kmax = growth_cap("rate", self.start, self.rate)
        self._set(_every=self._fsteps("every"), _delay=self._fsteps("delay"), _falling=falling, _kmax=kmax)

    _durations = {"every": "rest", "delay": "rest"}
    _minimums = {"every": 1, "delay": 0}

    def _length(self) -> float | None:
        if self._every is None or self._delay is None:
            return None
        return math.inf

    def _magnitude(self) -> float:
        top = abs(self.start) if self._kmax is None else max(abs(self.start), GROWTH_LIMIT)
        return top if self.end is None else max(abs(self.start), abs(self.end))

    def _eval(self, t: Any, xp: Any) -> Any:
        d = xp.maximum(t - self._delay, 0.0)
        k = floordiv(d, self._every, xp) if self.staircase else d / self._every
        if self._kmax is not None:  # growing: saturate below the float limit
            k = xp.minimum(k, self._kmax)
        value = self.start * xp.power(self.rate, k)
        if self.end is not None:
            value = xp.maximum(value, self.end) if self._falling else xp.minimum(value, self.end)
        return value


INTERPOLATIONS = ("linear", "cosine")


class Interpolate(Schedule):
    """Piecewise interpolation through the points ``(boundaries[i], values[i])``.

    Before the first point the value is ``values[0]``, after the last ``values[-1]``. Between
    points ``i`` and ``i + 1`` with local progress ``q``:

    * ``shape="linear"``: ``values[i] + (values[i+1] - values[i]) * q``;
    * ``shape="cosine"``: ``values[i+1] + (values[i] - values[i+1]) * (1 + cos(pi * q)) / 2``.

    Args:
        boundaries: strictly increasing steps (>= 0; fractional steps allowed).
        values: the value at each boundary (same length).
        shape: ``"linear"`` or ``"cosine"``.
    """

    boundaries: tuple[float, ...]
    values: tuple[float, ...]
    shape: str
    _b: list[float]
    _v: list[float]
    _last: int

    kind = "interpolate"

    def __init__(self, boundaries: Any = (0,), values: Any = (1.0,), shape: str = "linear") -> None:
        b = v.increasing("boundaries", boundaries, minimum=-math.inf)
        vals = v.reals("values", values)
        if len(vals) != len(b):
            raise ValueError(
                f"boundaries and values must have the same length, got {v.count(len(b), 'boundary', 'boundaries')} "
                f"and {v.count(len(vals), 'value')}"
            )
        b = tuple(int(x) if x == int(x) else x for x in b)
        for i in range(1, len(b)):
            _difference(f"boundaries[{i}]", b[i], f"boundaries[{i - 1}]", b[i - 1])
            _difference(f"values[{i}]", vals[i], f"values[{i - 1}]", vals[i - 1])
        self._set(boundaries=b, values=vals, shape=v.choice("shape", shape, INTERPOLATIONS))
        # padded so that every segment index k has knots k and k + 1 (one point: flat, over a
        # segment of length > 0 even where b[0] + 1 rounds to b[0])
        first = float(b[0])
        pad = [b[0], first + 1.0 if first + 1.0 > first else math.nextafter(first, math.inf)]
        self._set(_b=list(b) if len(b) > 1 else pad, _v=list(vals) if len(b) > 1 else [vals[0]] * 2)
        self._set(_last=len(self._b) - 2)

    def _length(self) -> float | None:
        return max(0, math.ceil(self.boundaries[-1]))

    def _magnitude(self) -> float:
        return max(abs(x) for x in self.values)

    def _eval(self, t: Any, xp: Any) -> Any:
        # the segment k with boundaries[k] <= t < boundaries[k + 1], clamped to the first/last
        k = xp.minimum(xp.maximum(xp.count_le(self._b, t) - 1, 0), self._last)
        b0, b1 = xp.take(self._b, k), xp.take(self._b, k + 1)
        v0, v1 = xp.take(self._v, k), xp.take(self._v, k + 1)
        q = (xp.minimum(xp.maximum(t, b0), b1) - b0) / (b1 - b0)  # in [0, 1]; clipped first, so never inf
        if self.shape == "cosine":  # anchored at the segment's end, as torch's OneCycleLR
            return v1 + (v0 - v1) * (0.5 + 0.5 * xp.cos(PI * q))
        return v0 + (v1 - v0) * q


class InverseSqrt(Schedule):
    """Inverse square root (Noam / rsqrt): ``start * sqrt(timescale / (t + timescale))``.

    Starts at ``start`` and decays like ``1 / sqrt(t)``; put a warmup of ``timescale`` steps in
    front to get the Transformer schedule.

    Args:
        start: value at step 0.
        timescale: steps over which the value halves its square (> 0).
    """

    start: float
    timescale: Duration
    _ts: float  # None while unbound

    kind = "inverse_sqrt"
    _durations = {"timescale": "rest"}

    def __init__(self, start: float = 1.0, timescale: Duration = 10_000) -> None:
        self._set(start=v.real("start", start), timescale=check_duration("timescale", timescale, open_ok=False))
        self._set(_ts=self._fsteps("timescale"))

    def _length(self) -> float | None:
        return None if self._ts is None else math.inf

    def _eval(self, t: Any, xp: Any) -> Any:
        return self.start * xp.sqrt(self._ts / (t + self._ts))


class SlantedTriangular(Schedule):
    """Slanted triangular learning rate (Howard & Ruder, 2018, ULMFiT).

    With ``cut = floor(steps * cut_frac)``: ``x = t / cut`` while ``t < cut``, then
    ``x = 1 - (t - cut) / (steps - cut)``; value ``peak * (1 + x * (ratio - 1)) / ratio``.

    Args:
        peak: the highest value, reached at ``cut``.
        steps: length of the schedule.
        cut_frac: fraction of ``steps`` spent increasing, in (0, 1).
        ratio: how much smaller the lowest value is than ``peak`` (>= 1).
    """

    peak: float
    steps: Duration
    cut_frac: float
    ratio: float
    _n: float  # None while unbound
    _cut: float  # None while unbound

    kind = "slanted_triangular"
    _durations = {"steps": "rest"}

    def __init__(
        self, peak: float = 1.0, steps: Duration = None, cut_frac: float = 0.1, ratio: float = 32.0
    ) -> None:
        self._set(
            peak=v.real("peak", peak),
            steps=check_duration("steps", steps, minimum=2),
            cut_frac=v.between("cut_frac", cut_frac, 0.0, 1.0, low_open=True, high_open=True),
            ratio=v.real("ratio", ratio),
        )
        if self.ratio < 1:
            raise ValueError(f"ratio must be >= 1, got {ratio!r}")
        if not math.isfinite(self.peak * self.ratio):
            raise ValueError(f"peak * ratio overflows a float (peak={peak!r}, ratio={ratio!r})")
        n = self._steps("steps")
        cut = None if n is None else max(1, min(n - 1, math.floor(n * self.cut_frac)))
        self._set(_n=None if n is None else float(n), _cut=None if cut is None else float(cut))

    def _magnitude(self) -> float:
        return abs(self.peak)

    _minimums = {"steps": 2}

    def _eval(self, t: Any, xp: Any) -> Any:
        n, cut = self._n, self._cut
        t = xp.minimum(t, n)
        x = xp.where(t < cut, t / cut, 1.0 - (t - cut) / (n - cut))
        return self.peak * (1.0 + x * (self.ratio - 1.0)) / self.ratio


class Function(Schedule):
    """A user function of the step, wrapped as a schedule: ``fn(t)``.

    Args:
        fn: called with the step. With ``vectorized=False`` it gets one Python int (or float)
            at a time and array inputs are mapped element by element (not traceable by
            ``jax.jit``); with ``vectorized=True`` it must accept arrays of any kind.
        steps: the length, for sequences and plots; ``None`` means forever.
        vectorized: whether ``fn`` works on arrays.
    """

    fn: Callable[[Any], Any]
    steps: Duration
    vectorized: bool

    kind = "function"
    _durations = {"steps": "forever"}

    def __init__(self, fn: Any = None, steps: Duration = None, vectorized: bool = False) -> None:
        self._set(
            fn=v.function("fn", fn),
            steps=check_duration("steps", steps),
            vectorized=v.flag("vectorized", vectorized),
        )

    def _magnitude(self) -> None:
        return None  # the user's function: its values are its own

    def _eval(self, t: Any, xp: Any) -> Any:
        if xp.name == "python":
            return float(self.fn(t))
        return self.fn(t) if self.vectorized else xp.map(self.fn, t)


constant = Constant
linear = Linear
cosine = Cosine
polynomial = Polynomial
tanh = Tanh
rex = Rex
cooldown = Cooldown
exponential = Exponential
interpolate = Interpolate
inverse_sqrt = InverseSqrt
slanted_triangular = SlantedTriangular
function = Function
