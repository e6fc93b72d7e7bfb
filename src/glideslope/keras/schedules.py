"""Keras 3's ``LearningRateSchedule`` classes on the glideslope engine (see :mod:`glideslope.keras`)."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any, ClassVar

from .. import _validate as v
from ..config import from_config
from ..cycles import CosineRestarts
from ..piecewise import PiecewiseConstant
from ..schedule import Schedule
from ..shapes import Cosine, Exponential, Linear, Polynomial
from ..timing import UnboundScheduleError
from ..transforms import Stretch
from ._shapes import InverseTime, PolynomialCycle
from .callbacks import import_keras

keras = import_keras()
ops = keras.ops


_PACKAGE = "glideslope"
_Base: Any = keras.optimizers.schedules.LearningRateSchedule


# -- helpers ------------------------------------------------------------------------------


def _decay_steps(name: str, value: object) -> float:
    x = v.real(name, value)
    if not x > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return x


def _start_and_steps(initial_learning_rate: object, steps_name: str, steps: object) -> tuple[float, float]:
    """The checked value at step 0 and decay length that every decay class starts from."""
    return v.real("initial_learning_rate", initial_learning_rate), _decay_steps(steps_name, steps)


def _whole(name: str, value: object, minimum: float = -math.inf) -> int:
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


def _dtype(x: Any) -> str:
    """The dtype Keras gives ``x`` as a tensor (``floatx`` for a Python float)."""
    return keras.backend.standardize_dtype(ops.convert_to_tensor(x).dtype)  # type: ignore[no-any-return]


def _float_dtype(x: Any) -> str:
    """Keras's dtype for a schedule's value: its learning rate's, ``floatx`` for an int."""
    dtype = _dtype(x)
    return dtype if "float" in dtype else keras.config.floatx()


def _as_step(step: Any) -> Any:
    """Any step Keras accepts as a backend tensor: Python and NumPy numbers, tensors and
    ``keras.Variable`` (``optimizer.iterations``); a boolean counts as 0 or 1."""
    if isinstance(step, keras.Variable):  # a TensorFlow-backend Variable converts to itself
        step = step.value
    t = ops.convert_to_tensor(step)
    if keras.backend.standardize_dtype(t.dtype) == "bool":
        t = ops.cast(t, "int32")
    return t


class _Dialect(_Base):  # type: ignore[misc]
    """Shared behaviour: the constructor's arguments, evaluation, ``get_config()`` and repr.

    A value is computed by the engine (``self.schedule``) at every finite step >= 0. Keras
    also answers at negative, NaN and infinite steps, where the engine's rule is an error: there
    each class's ``_outside(t)`` gives Keras's value, its documented formula taken as it stands
    (which can be ``inf`` or ``nan``, as in Keras). No Python branch depends on the step, so it
    traces under ``tf.function`` and ``jax.jit``.
    """

    schedule: Schedule
    #: config key -> attribute, where Keras stores an argument under another name
    _config_attrs: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        v.check_init_keywords(cls)  # a misspelt keyword names the class and suggests the fix

    def __init__(self, **arguments: Any) -> None:
        """Keep each constructor argument as given, under its own name (or ``_config_attrs``'s):
        Keras's attributes, which ``get_config()`` reads back."""
        super().__init__()
        for key, value in arguments.items():
            setattr(self, self._config_attrs.get(key, key), value)

    def __call__(self, step: Any) -> Any:
        t = _as_step(step)
        inside = t >= 0
        if "float" in keras.backend.standardize_dtype(t.dtype):
            inside = ops.logical_and(inside, ops.isfinite(t))
        value = self.schedule(self._engine_step(ops.where(inside, t, ops.zeros_like(t))))
        t = ops.cast(t, keras.backend.standardize_dtype(value.dtype))
        return ops.cast(ops.where(inside, value, self._outside(t)), self._dtype())

    def _engine_step(self, t: Any) -> Any:
        """The engine's step for Keras's step ``t`` (finite, >= 0)."""
        return t

    def _outside(self, t: Any) -> Any:
        """Keras's value at a negative, NaN or infinite float step ``t``."""
        raise NotImplementedError

    def _dtype(self) -> str:
        return _float_dtype(self.initial_learning_rate)

    def get_config(self) -> dict[str, Any]:
        """Keras's config: the constructor's arguments, as given (Keras's keys and order)."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, self._config_attrs.get(name, name)) for name in names}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={val!r}" for k, val in self.get_config().items())
        return f"{type(self).__name__}({args})"


class _RateDecay(_Dialect):
    """Base of :class:`ExponentialDecay` and :class:`InverseTimeDecay`. Both take the same
    arguments, checked alike but for ``decay_rate`` (``check_rate`` gives its range), and
    depend on the step only through the progress ``p = step / decay_steps``, floored with
    ``staircase``. Each gives its engine schedule as ``_engine(start, steps, rate, stair)`` and
    Keras's formula at ``p`` as ``_at(start, rate, p)``.
    """

    def __init__(
        self, check_rate: Callable[[str, object], float], initial_learning_rate: float, decay_steps: float,
        decay_rate: float, staircase: bool, name: str,
    ) -> None:
        start, steps = _start_and_steps(initial_learning_rate, "decay_steps", decay_steps)
        rate = check_rate("decay_rate", decay_rate)
        stair = v.flag("staircase", staircase)
        super().__init__(
            initial_learning_rate=initial_learning_rate, decay_steps=decay_steps, decay_rate=decay_rate,
            staircase=staircase, name=name,
        )
        self.schedule = self._engine(start, steps, rate, stair)
        self._numbers = (start, steps, rate, stair)

    def _engine(self, start: float, steps: float, rate: float, stair: bool) -> Schedule:
        """The engine's schedule for the checked arguments."""
        raise NotImplementedError

    def _outside(self, t: Any) -> Any:
        start, steps, rate, stair = self._numbers
        p = t / steps
        if stair:
            p = ops.floor(p)
        return self._at(start, rate, p)

    def _at(self, start: float, rate: float, p: Any) -> Any:
        """Keras's value at the progress ``p`` (a tensor, floored already with ``staircase``)."""
        raise NotImplementedError


# -- the Keras classes --------------------------------------------------------------------


@keras.saving.register_keras_serializable(package=_PACKAGE)
class ExponentialDecay(_RateDecay):
    """Exponential decay: ``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    With ``staircase=True`` the exponent is floored: the value drops every ``decay_steps``.
    Before step 0 the same formula grows back above ``initial_learning_rate``, as in Keras.

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
        super().__init__(v.positive, initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def _engine(self, start: float, steps: float, rate: float, stair: bool) -> Schedule:
        return _over(lambda n: Exponential(start, rate, n, staircase=stair), steps)

    def _at(self, start: float, rate: float, p: Any) -> Any:
        return start * ops.power(ops.full_like(p, rate), p)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class PiecewiseConstantDecay(_Dialect):
    """Piecewise constant: ``values[0]`` while ``step <= boundaries[0]``, ``values[i + 1]``
    while ``boundaries[i] < step <= boundaries[i + 1]``, ``values[-1]`` after the last.

    Note Keras's convention: the value changes the step *after* each boundary (at a float
    step, as soon as the step passes it). The value has the values' dtype, as in Keras:
    ``floatx`` for Python floats, ``int32`` when every value is a Python int. At a NaN step
    Keras's sum of interval masks is 0, and so is this.

    Args:
        boundaries: strictly increasing whole steps (negative ones too, as Keras allows).
        values: one more value than boundaries.
        name: Keras's name for the schedule.
    """

    def __init__(self, boundaries: list[int], values: list[float], name: str = "PiecewiseConstant") -> None:
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                f"values must have one more entry than boundaries: got boundaries={boundaries!r} "
                f"of length {len(boundaries)} and values={values!r} of length {len(values)}"
            )
        if not boundaries:
            raise ValueError("boundaries must hold at least one step, got []")
        bounds = [_whole(f"boundaries[{i}]", b) for i, b in enumerate(boundaries)]
        for i in range(1, len(bounds)):
            if not bounds[i] > bounds[i - 1]:
                raise ValueError(
                    f"boundaries must be strictly increasing, got boundaries={boundaries!r} "
                    f"(boundaries[{i}]={boundaries[i]!r} after {boundaries[i - 1]!r})"
                )
        vals = v.reals("values", values)
        super().__init__(boundaries=boundaries, values=values, name=name)
        # Keras's value changes after a boundary b, the engine's at b + 1; boundaries below
        # step 0 are passed before the engine's time starts
        passed = sum(b < 0 for b in bounds)
        self.schedule = PiecewiseConstant([b + 1 for b in bounds[passed:]], vals[passed:])
        self._numbers = (bounds, vals)

    def _engine_step(self, t: Any) -> Any:
        # at a float step between two whole steps Keras has already passed the boundary
        if "float" in keras.backend.standardize_dtype(t.dtype):
            return ops.ceil(t)
        return t

    def _outside(self, t: Any) -> Any:
        bounds, vals = self._numbers
        out = ops.full_like(t, vals[0])
        for b, value in zip(bounds, vals[1:]):
            out = ops.where(t > b, ops.full_like(t, value), out)
        return ops.where(ops.isnan(t), ops.zeros_like(t), out)

    def _dtype(self) -> str:
        return keras.backend.result_type(*(_dtype(x) for x in self.values))  # type: ignore[no-any-return]


@keras.saving.register_keras_serializable(package=_PACKAGE)
class PolynomialDecay(_Dialect):
    """Polynomial decay from ``initial_learning_rate`` (I) to ``end_learning_rate`` (E).

    ``E + (I - E) * (1 - min(step, T) / T) ** power`` with ``T = decay_steps``. With
    ``cycle=True``, ``T`` grows to ``decay_steps * ceil(step / decay_steps)`` (``decay_steps``
    at step 0) instead of the step being clipped: E at every multiple of ``decay_steps``, then
    a jump back up. Before step 0 the formula stands as written (with ``cycle=True`` Keras's
    ``T`` is 0 or negative there, and the value ``inf`` or ``nan``).

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
        start, steps = _start_and_steps(initial_learning_rate, "decay_steps", decay_steps)
        end = v.real("end_learning_rate", end_learning_rate)
        p = v.positive("power", power)
        cyc = v.flag("cycle", cycle)
        super().__init__(
            initial_learning_rate=initial_learning_rate, decay_steps=decay_steps,
            end_learning_rate=end_learning_rate, power=power, cycle=cycle, name=name,
        )
        if cyc:
            self.schedule: Schedule = PolynomialCycle(start, end, steps, p)
        else:
            self.schedule = _over(lambda n: Polynomial(start, end, n, power=p), steps)
        self._numbers = (start, steps, end, p, cyc)

    def _outside(self, t: Any) -> Any:
        start, steps, end, p, cyc = self._numbers
        if cyc:
            horizon = steps * ops.where(t == 0, ops.ones_like(t), ops.ceil(t / steps))
        else:
            t, horizon = ops.minimum(t, steps), steps
        return end + (start - end) * ops.power(1.0 - t / horizon, ops.full_like(t, p))


@keras.saving.register_keras_serializable(package=_PACKAGE)
class InverseTimeDecay(_RateDecay):
    """Inverse-time decay: ``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    With ``staircase=True``, ``step / decay_steps`` is floored. Before step 0 the formula
    stands as written (it reaches ``inf`` where the denominator is 0, as in Keras).

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
        super().__init__(v.non_negative, initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def _engine(self, start: float, steps: float, rate: float, stair: bool) -> Schedule:
        return InverseTime(start, rate, steps, stair)

    def _at(self, start: float, rate: float, p: Any) -> Any:
        return start / (1.0 + rate * p)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class CosineDecay(_Dialect):
    """Cosine decay, with an optional linear warmup in front.

    Without ``warmup_target``: ``I * ((1 - alpha) * c + alpha)`` with ``I =
    initial_learning_rate``, ``c = (1 + cos(pi * min(step, D) / D)) / 2``, ``D = decay_steps``
    (``warmup_steps`` is then ignored, as in Keras).

    With ``warmup_target`` (W): linear from I to W over ``warmup_steps`` (S), then
    ``W * ((1 - alpha) * c + alpha)`` with ``c`` taken at ``step - S``. Before step 0 the
    warmup line is extended (with ``S = 0`` Keras divides by 0 there: ``inf``).

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
        start, steps = _start_and_steps(initial_learning_rate, "decay_steps", decay_steps)
        a = v.real("alpha", alpha)
        target = None if warmup_target is None else v.real("warmup_target", warmup_target)
        warm = _whole("warmup_steps", warmup_steps, minimum=0)
        super().__init__(
            initial_learning_rate=initial_learning_rate, decay_steps=decay_steps, alpha=alpha, name=name,
            warmup_steps=warmup_steps, warmup_target=warmup_target,
        )
        if target is None:
            self.schedule = _over(lambda n: Cosine(start, a * start, n), steps)
        else:
            decay = _over(lambda n: Cosine(target, a * target, n), steps)
            self.schedule = decay if warm == 0 else Linear(start, target, warm) >> decay
        self._numbers = (start, steps, a, target, warm)

    def _outside(self, t: Any) -> Any:
        start, steps, a, target, warm = self._numbers

        def decay(t: Any, top: float) -> Any:
            c = 0.5 * (1.0 + ops.cos(math.pi * (t / steps)))
            return top * ((1.0 - a) * c + a)

        if target is None:
            return decay(ops.minimum(t, steps), start)
        t = ops.minimum(t, steps + warm)
        line = (target - start) * (t / float(warm)) + start
        return ops.where(t < warm, line, decay(t - warm, target))


@keras.saving.register_keras_serializable(package=_PACKAGE)
class CosineDecayRestarts(_Dialect):
    """Cosine decay with warm restarts (SGDR).

    Cycle ``i`` lasts ``first_decay_steps * t_mul ** i`` steps; at progress ``q`` through it
    the value is ``I * (alpha + (1 - alpha) * m_mul ** i * (1 + cos(pi * q)) / 2``, with
    ``I = initial_learning_rate`` (``alpha`` is not scaled by ``m_mul ** i``, as in Keras).
    Before step 0 the cycles go on backwards (``i < 0``), as Keras's closed form does; with
    ``t_mul > 1`` they shrink towards ``-first_decay_steps / (t_mul - 1)``, before which the
    value is ``nan``, as in Keras.

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
        start, steps = _start_and_steps(initial_learning_rate, "first_decay_steps", first_decay_steps)
        tm = v.real("t_mul", t_mul)
        if not tm >= 1:
            raise ValueError(f"t_mul must be >= 1 (shorter cycles end in nan), got {t_mul!r}")
        mm = v.positive("m_mul", m_mul)
        a = v.real("alpha", alpha)
        super().__init__(
            initial_learning_rate=initial_learning_rate, first_decay_steps=first_decay_steps, t_mul=t_mul,
            m_mul=m_mul, alpha=alpha, name=name,
        )
        if a == 0.0 or mm == 1.0:
            self.schedule = _over(
                lambda n: CosineRestarts(start, a * start, n, period_mult=tm, decay=mm), steps
            )
        else:
            cycles = _over(lambda n: CosineRestarts((1.0 - a) * start, 0.0, n, period_mult=tm, decay=mm), steps)
            self.schedule = cycles + a * start
        self._numbers = (start, steps, tm, mm, a)

    # Keras keeps the multipliers private
    _config_attrs = {"t_mul": "_t_mul", "m_mul": "_m_mul"}

    def _outside(self, t: Any) -> Any:
        start, steps, tm, mm, a = self._numbers
        f = t / steps  # cycles of the first length
        if tm == 1.0:
            i = ops.floor(f)
            q = f - i
        else:
            # cycle i starts at f = (tm**i - 1) / (tm - 1)
            i = ops.floor(ops.log(1.0 + f * (tm - 1.0)) / math.log(tm))
            grown = ops.power(ops.full_like(t, tm), i)
            q = (f - (grown - 1.0) / (tm - 1.0)) / grown
        height = ops.power(ops.full_like(t, mm), i)
        return start * ((1.0 - a) * 0.5 * height * (1.0 + ops.cos(math.pi * q)) + a)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class KerasSchedule(_Dialect):
    """Any glideslope schedule as a Keras ``LearningRateSchedule`` (see :func:`to_keras`).

    ``get_config()`` holds the schedule's own config (``schedule.to_config()``), so it
    serializes and saves with the model when the schedule can be written to a config. Its
    steps follow the engine's rule: a negative, NaN or infinite step is a ``ValueError`` (a
    Keras optimizer never passes one); the value is in ``floatx``.

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

    def __call__(self, step: Any) -> Any:
        return ops.cast(self.schedule(_as_step(step)), keras.config.floatx())

    def get_config(self) -> dict[str, Any]:
        return {"schedule": self.schedule.to_config(), "name": self.name}

    def __repr__(self) -> str:
        return f"to_keras({self.schedule!r})"


@v.checked_keywords
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

