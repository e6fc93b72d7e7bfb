"""Keras 3's learning-rate schedules, computed by the glideslope engine.

Switch by changing one import::

    from glideslope.keras import CosineDecay   # was: from keras.optimizers.schedules import ...

    lr = CosineDecay(1e-3, decay_steps=10_000, warmup_target=3e-3, warmup_steps=500)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss="mse")

The classes have Keras's names, constructor signatures, attributes and ``get_config()``, and
return the same values (parity-tested against Keras itself). Each subclasses only Keras's
``LearningRateSchedule`` base, is registered as serializable (package ``"glideslope"``), so
``keras.optimizers.schedules.serialize``/``deserialize`` and saved models round-trip it, and
holds its glideslope schedule as ``.schedule``: a value you can print, plot, compose or
evaluate on any array kind. :func:`to_keras` turns any glideslope schedule into a Keras one.

Values are computed on the backend's tensors (JAX, torch or NumPy) and returned in Keras's
``floatx`` dtype. Where Keras computes ``nan``/``inf`` or fails when called, these raise
``ValueError``/``TypeError`` at construction instead, naming the argument and the value
(``decay_rate``, ``power``, ``t_mul``, ``m_mul`` ranges, unsorted or negative boundaries,
negative ``warmup_steps``). Keras steps are whole numbers (``optimizer.iterations``).
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import keras

from . import _validate as v
from .compose import Stretch
from .config import from_config
from .cycles import CosineRestarts
from .schedule import Schedule
from .shapes import Cosine, Exponential, Linear, PiecewiseConstant, Polynomial
from .timing import UnboundScheduleError

__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "InverseTimeDecay",
    "KerasSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "to_keras",
]

_PACKAGE = "glideslope"
_Base: Any = keras.optimizers.schedules.LearningRateSchedule


# -- shapes Keras has and the catalogue does not --------------------------------------------


class _KerasShape(Schedule):
    """Base of the two shapes below: Keras formulas the native catalogue does not offer.

    They are not registered as native kinds (not constructors of the SPEC language or
    ``from_config``): serialize the Keras schedule that holds one with Keras instead.
    """

    def to_config(self) -> dict[str, Any]:
        raise TypeError(
            f"{self.kind} is internal to glideslope.keras and has no native config; serialize "
            f"the Keras schedule with keras.optimizers.schedules.serialize() instead"
        )


class InverseTime(_KerasShape):
    """Inverse-time decay: ``start / (1 + rate * t / every)`` (``floor(t / every)`` when
    ``staircase``).

    Args:
        start: value at step 0.
        rate: how fast it decays (>= 0).
        every: steps per unit of decay (> 0, need not be whole).
        staircase: decay in whole steps of ``every``.
    """

    start: float
    rate: float
    every: float
    staircase: bool

    def __init__(self, start: float = 1.0, rate: float = 1.0, every: float = 1.0, staircase: bool = False) -> None:
        self._set(
            start=v.real("start", start),
            rate=v.non_negative("rate", rate),
            every=v.positive("every", every),
            staircase=v.flag("staircase", staircase),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        p = t / self.every
        if self.staircase:
            p = xp.floor(p)
        return self.start / (1.0 + self.rate * p)


class PolynomialCycle(_KerasShape):
    """Polynomial decay that restarts on a longer horizon each cycle (Keras's ``cycle=True``).

    With ``T_t = steps * max(ceil(t / steps), 1)``: ``end + (start - end) * (1 - t / T_t) **
    power``. It reaches ``end`` at every multiple of ``steps`` and jumps back up after it.

    Args:
        start: value at step 0.
        end: value at each multiple of ``steps``.
        steps: length of the first cycle (> 0, need not be whole).
        power: the exponent (> 0).
    """

    start: float
    end: float
    steps: float
    power: float

    def __init__(self, start: float = 1.0, end: float = 0.0, steps: float = 1.0, power: float = 1.0) -> None:
        self._set(
            start=v.real("start", start),
            end=v.real("end", end),
            steps=v.positive("steps", steps),
            power=v.positive("power", power),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        n = self.steps
        horizon = n * xp.maximum(-xp.floor(-t / n), 1.0)
        return self.end + (self.start - self.end) * (1.0 - t / horizon) ** self.power


# set after the class statements so that they stay out of the native registry
InverseTime.kind = "keras_inverse_time"
PolynomialCycle.kind = "keras_polynomial_cycle"


# -- helpers ------------------------------------------------------------------------------


def _decay_steps(name: str, value: object) -> float:
    x = v.real(name, value)
    if not x > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return x


def _whole(name: str, value: object, minimum: int = 0) -> int:
    x = v.real(name, value)
    if x != int(x):
        raise TypeError(f"{name} must be a whole number of steps, got {value!r}")
    if x < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(x)


def _over(make: Any, steps: float) -> Schedule:
    """``make(steps)`` for whole ``steps``; else ``make(1)`` stretched to ``steps``."""
    if steps == int(steps):
        return make(int(steps))  # type: ignore[no-any-return]
    return Stretch(make(1), factor=steps)


def _evaluate(schedule: Schedule, step: Any) -> Any:
    from keras import ops

    value = schedule(ops.convert_to_tensor(step))
    return ops.cast(value, keras.config.floatx())


class _Dialect(_Base):  # type: ignore[misc]
    """Shared behaviour: evaluate ``self.schedule``; repr from the config."""

    schedule: Schedule
    #: config key -> attribute, where Keras stores an argument under another name
    _config_attrs: ClassVar[dict[str, str]] = {}

    def __call__(self, step: Any) -> Any:
        return _evaluate(self.schedule, step)

    def get_config(self) -> dict[str, Any]:
        """Keras's config: the constructor's arguments, as given (Keras's keys and order)."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, self._config_attrs.get(name, name)) for name in names}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={val!r}" for k, val in self.get_config().items())
        return f"{type(self).__name__}({args})"


# -- the Keras classes --------------------------------------------------------------------


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ExponentialDecay(_Dialect):
    """Exponential decay: ``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    With ``staircase=True`` the exponent is floored: the value drops every ``decay_steps``.

    Args:
        initial_learning_rate: value at step 0.
        decay_steps: steps per factor of ``decay_rate`` (> 0).
        decay_rate: the factor (> 0; above 1 it grows).
        staircase: decay in whole steps of ``decay_steps``.
        name: Keras's name for the schedule.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        decay_rate: float,
        staircase: bool = False,
        name: str = "ExponentialDecay",
    ) -> None:
        super().__init__()
        start = v.real("initial_learning_rate", initial_learning_rate)
        steps = _decay_steps("decay_steps", decay_steps)
        rate = v.positive("decay_rate", decay_rate)
        stair = v.flag("staircase", staircase)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        self.schedule = _over(lambda n: Exponential(start, rate, n, staircase=stair), steps)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class PiecewiseConstantDecay(_Dialect):
    """Piecewise constant: ``values[0]`` while ``step <= boundaries[0]``, ``values[i + 1]``
    while ``boundaries[i] < step <= boundaries[i + 1]``, ``values[-1]`` after the last.

    Note Keras's convention: the value changes the step *after* each boundary.

    Args:
        boundaries: strictly increasing whole steps (>= 0).
        values: one more value than boundaries.
        name: Keras's name for the schedule.
    """

    def __init__(self, boundaries: list[int], values: list[float], name: str = "PiecewiseConstant") -> None:
        super().__init__()
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                f"values must have one more entry than boundaries: got boundaries={boundaries!r} "
                f"of length {len(boundaries)} and values={values!r} of length {len(values)}"
            )
        if not boundaries:
            raise ValueError("boundaries must hold at least one step, got []")
        bounds = [_whole(f"boundaries[{i}]", b) for i, b in enumerate(boundaries)]
        v.increasing("boundaries", bounds)
        vals = v.reals("values", values)
        self.boundaries = boundaries
        self.values = values
        self.name = name
        self.schedule = PiecewiseConstant([b + 1 for b in bounds], vals)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class PolynomialDecay(_Dialect):
    """Polynomial decay from ``initial_learning_rate`` (I) to ``end_learning_rate`` (E).

    ``E + (I - E) * (1 - min(step, T) / T) ** power`` with ``T = decay_steps``. With
    ``cycle=True``, ``T`` grows to ``decay_steps * ceil(step / decay_steps)`` instead of the
    step being clipped: E at every multiple of ``decay_steps``, then a jump back up.

    Args:
        initial_learning_rate: value at step 0.
        decay_steps: length of the decay (> 0).
        end_learning_rate: the final value.
        power: the exponent (> 0).
        cycle: restart on a longer horizon after each ``decay_steps``.
        name: Keras's name for the schedule.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        end_learning_rate: float = 0.0001,
        power: float = 1.0,
        cycle: bool = False,
        name: str = "PolynomialDecay",
    ) -> None:
        super().__init__()
        start = v.real("initial_learning_rate", initial_learning_rate)
        steps = _decay_steps("decay_steps", decay_steps)
        end = v.real("end_learning_rate", end_learning_rate)
        p = v.positive("power", power)
        cyc = v.flag("cycle", cycle)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name
        if cyc:
            self.schedule: Schedule = PolynomialCycle(start, end, steps, p)
        else:
            self.schedule = _over(lambda n: Polynomial(start, end, n, power=p), steps)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class InverseTimeDecay(_Dialect):
    """Inverse-time decay: ``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    With ``staircase=True``, ``step / decay_steps`` is floored.

    Args:
        initial_learning_rate: value at step 0.
        decay_steps: steps per unit of decay (> 0).
        decay_rate: how fast it decays (>= 0).
        staircase: decay in whole steps of ``decay_steps``.
        name: Keras's name for the schedule.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        decay_rate: float,
        staircase: bool = False,
        name: str = "InverseTimeDecay",
    ) -> None:
        super().__init__()
        start = v.real("initial_learning_rate", initial_learning_rate)
        steps = _decay_steps("decay_steps", decay_steps)
        rate = v.non_negative("decay_rate", decay_rate)
        stair = v.flag("staircase", staircase)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name
        self.schedule = InverseTime(start, rate, steps, stair)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class CosineDecay(_Dialect):
    """Cosine decay, with an optional linear warmup in front.

    Without ``warmup_target``: ``I * ((1 - alpha) * c + alpha)`` with ``I =
    initial_learning_rate``, ``c = (1 + cos(pi * min(step, D) / D)) / 2``, ``D = decay_steps``
    (``warmup_steps`` is then ignored, as in Keras).

    With ``warmup_target`` (W): linear from I to W over ``warmup_steps`` (S), then
    ``W * ((1 - alpha) * c + alpha)`` with ``c`` taken at ``step - S``.

    Args:
        initial_learning_rate: value at step 0.
        decay_steps: length of the cosine decay (> 0), after the warmup.
        alpha: the final value as a fraction of the decay's first value.
        name: Keras's name for the schedule.
        warmup_target: value at the end of the warmup, or None for no warmup.
        warmup_steps: length of the warmup (whole, >= 0).
    """

    def __init__(
        self,
        initial_learning_rate: float,
        decay_steps: float,
        alpha: float = 0.0,
        name: str = "CosineDecay",
        warmup_target: float | None = None,
        warmup_steps: int = 0,
    ) -> None:
        super().__init__()
        start = v.real("initial_learning_rate", initial_learning_rate)
        steps = _decay_steps("decay_steps", decay_steps)
        a = v.real("alpha", alpha)
        target = None if warmup_target is None else v.real("warmup_target", warmup_target)
        warm = _whole("warmup_steps", warmup_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target
        if target is None:
            self.schedule = _over(lambda n: Cosine(start, a * start, n), steps)
        else:
            decay = _over(lambda n: Cosine(target, a * target, n), steps)
            self.schedule = decay if warm == 0 else Linear(start, target, warm) >> decay


@keras.saving.register_keras_serializable(package=_PACKAGE)
class CosineDecayRestarts(_Dialect):
    """Cosine decay with warm restarts (SGDR).

    Cycle ``i`` lasts ``first_decay_steps * t_mul ** i`` steps; at progress ``q`` through it
    the value is ``I * (alpha + (1 - alpha) * m_mul ** i * (1 + cos(pi * q)) / 2``, with
    ``I = initial_learning_rate`` (``alpha`` is not scaled by ``m_mul ** i``, as in Keras).

    Args:
        initial_learning_rate: value at step 0.
        first_decay_steps: length of the first cycle (> 0).
        t_mul: each cycle is this many times longer than the previous (>= 1).
        m_mul: each cycle's height is this times the previous one's (> 0).
        alpha: the value at the end of every cycle as a fraction of ``initial_learning_rate``.
        name: Keras's name for the schedule.
    """

    def __init__(
        self,
        initial_learning_rate: float,
        first_decay_steps: float,
        t_mul: float = 2.0,
        m_mul: float = 1.0,
        alpha: float = 0.0,
        name: str = "SGDRDecay",
    ) -> None:
        super().__init__()
        start = v.real("initial_learning_rate", initial_learning_rate)
        steps = _decay_steps("first_decay_steps", first_decay_steps)
        tm = v.real("t_mul", t_mul)
        if not tm >= 1:
            raise ValueError(f"t_mul must be >= 1 (shorter cycles end in nan), got {t_mul!r}")
        mm = v.positive("m_mul", m_mul)
        a = v.real("alpha", alpha)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name
        if a == 0.0 or mm == 1.0:
            self.schedule = _over(
                lambda n: CosineRestarts(start, a * start, n, period_mult=tm, decay=mm), steps
            )
        else:
            cycles = _over(lambda n: CosineRestarts((1.0 - a) * start, 0.0, n, period_mult=tm, decay=mm), steps)
            self.schedule = cycles + a * start

    # Keras keeps the multipliers private
    _config_attrs = {"t_mul": "_t_mul", "m_mul": "_m_mul"}


@keras.saving.register_keras_serializable(package=_PACKAGE)
class KerasSchedule(_Dialect):
    """Any glideslope schedule as a Keras ``LearningRateSchedule`` (see :func:`to_keras`).

    ``get_config()`` holds the schedule's own config (``schedule.to_config()``), so it
    serializes and saves with the model when the schedule can be written to a config.

    Args:
        schedule: a bound glideslope schedule.
        name: a name for the schedule.
    """

    def __init__(self, schedule: Schedule, name: str = "glideslope") -> None:
        super().__init__()
        if isinstance(schedule, dict):
            schedule = from_config(schedule)
        if not isinstance(schedule, Schedule):
            raise TypeError(f"schedule must be a glideslope Schedule, got {type(schedule).__name__}: {schedule!r}")
        missing = schedule.unresolved()
        if missing:
            raise UnboundScheduleError(
                f"{schedule!r} cannot be evaluated yet: {'; '.join(missing)}. "
                f"Pass total_steps=... / steps_per_epoch=... to to_keras()."
            )
        self.schedule = schedule
        self.name = name

    def get_config(self) -> dict[str, Any]:
        return {"schedule": self.schedule.to_config(), "name": self.name}

    def __repr__(self) -> str:
        return f"to_keras({self.schedule!r})"


def to_keras(
    schedule: Schedule, total_steps: int | None = None, steps_per_epoch: int | None = None
) -> KerasSchedule:
    """Any glideslope schedule as a Keras ``LearningRateSchedule``::

        lr = to_keras(1e-3 * (gs.warmup("5%") >> gs.cosine()), total_steps=epochs * len(ds))
        model.compile(optimizer=keras.optimizers.AdamW(learning_rate=lr), ...)

    Args:
        schedule: the schedule (a value at each optimizer step, ``optimizer.iterations``).
        total_steps: the run's length, to resolve ``"10%"`` and open durations.
        steps_per_epoch: to resolve ``"2ep"`` durations.
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a glideslope Schedule, got {type(schedule).__name__}: {schedule!r}")
    if total_steps is not None or steps_per_epoch is not None:
        schedule = schedule.bind(total_steps=total_steps, steps_per_epoch=steps_per_epoch)
    return KerasSchedule(schedule)

