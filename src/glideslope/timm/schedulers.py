"""timm.scheduler's classes, with timm's names, arguments and numbers, on the engine.

Each class turns its arguments into one glideslope Schedule per param group (``schedules``;
``schedule`` is the first group's) and steps through timm's protocol (:mod:`._base`). ``t`` is
the epoch or update count timm's training script passes; ``base`` a group's initial lr.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from .. import _validate as v
from ..compose import Maximum, Sequence
from ..cycles import CosineRestarts
from ..piecewise import MultiStep, PiecewiseConstant, Step
from ..schedule import Schedule
from ..shapes import (
    Constant,
    Cooldown,
    Cosine,
    Exponential,
    Function,
    InverseSqrt,
    Polynomial,
)
from ..transforms import Stretch
from ._base import Scheduler, count
from ._shapes import HalfTanh, InversePower, PowerDecay, Restarts

logger = logging.getLogger("glideslope.timm")

_CYCLE_KEYS = ("cycle_mul", "cycle_decay", "cycle_limit", "warmup_t", "warmup_lr_init", "warmup_prefix")


class _Cycles(Scheduler):
    """Shared checks of the classes with timm's cycle knobs (cosine, poly, tanh)."""

    t_initial: int
    lr_min: float
    cycle_mul: float
    cycle_decay: float
    cycle_limit: int
    k_decay: float

    def _check_cycles(self) -> None:
        self.t_initial = count("t_initial", self.t_initial, 1)
        self.lr_min = v.non_negative("lr_min", self.lr_min)
        mul = v.real("cycle_mul", self.cycle_mul)
        if not 1 <= mul <= 1e200:
            raise ValueError(
                f"cycle_mul must be in [1, 1e200], got {self.cycle_mul!r} (below 1, timm's cycle index "
                f"is undefined once the shrinking cycles run out)"
            )
        self.cycle_mul = mul
        self.cycle_decay = v.positive("cycle_decay", self.cycle_decay)
        self.cycle_limit = count("cycle_limit", self.cycle_limit, 0)

    def _warn_flat(self) -> None:
        """timm's warning (logged, as timm logs it) for a cosine or poly that cannot move."""
        if self.t_initial == 1 and self.cycle_mul == 1 and self.cycle_decay == 1:
            logger.warning(
                "Cosine annealing scheduler will have no effect on the learning rate since "
                "t_initial = t_mul = eta_mul = 1."
            )

    def _cycled(self, base: float, unit: Schedule | None, k: float = 1.0) -> Schedule:
        """``unit`` (falling from 1 to 0 over ``t_initial``) from ``base`` to ``lr_min``, cycled:
        :class:`.Restarts`, or the engine's :class:`~glideslope.CosineRestarts` when ``unit`` is
        None (the cosine); ``lr_min`` throughout when ``cycle_limit`` is 0."""
        if self.cycle_limit == 0:
            return Constant(self.lr_min)
        cycles: dict[str, Any] = {
            "start": base, "end": self.lr_min, "period": self.t_initial, "period_mult": self.cycle_mul,
            "decay": self.cycle_decay, "limit": self.cycle_limit, "k": k,
        }
        if unit is None:
            return CosineRestarts(**cycles)
        return Restarts(unit=unit, **cycles)

    def get_cycle_length(self, cycles: int = 0) -> int:
        return self._cycles_length(cycles, self.t_initial, self.cycle_mul, self.cycle_limit)


class CosineLRScheduler(_Cycles):
    """Cosine decay with warm restarts (SGDR), warmup, k-decay and noise (timm's class).

    After warmup, in cycle ``i`` (length ``L_i = t_initial * cycle_mul**i``) at the step ``u``
    into it: ``lr = lr_min + (base * cycle_decay**i - lr_min) * (1 + cos(pi * u**k / L_i**k)) / 2``
    (engine :class:`~glideslope.CosineRestarts`, or :class:`~glideslope.Cosine` for one plain
    cycle); after ``cycle_limit`` cycles, ``lr_min``.
    The warmup rises linearly from ``warmup_lr_init`` to ``base`` over ``warmup_t``; with
    ``warmup_prefix`` the cosine starts after it, otherwise the warmup covers its first steps.

    Args:
        optimizer: the optimizer (its ``param_groups``).
        t_initial: length of the first cycle (epochs or updates).
        lr_min: the lowest lr (>= 0).
        cycle_mul: each cycle is this many times longer (>= 1).
        cycle_decay: each cycle's peak is this times the previous one's (> 0).
        cycle_limit: number of cycles (>= 0), then ``lr_min``.
        warmup_t: warmup length (>= 0).
        warmup_lr_init: lr at the start of the warmup.
        warmup_prefix: run the warmup before the cosine rather than over its start.
        t_in_epochs: ``t`` counts epochs (``step``), otherwise updates (``step_update``).
        noise_range_t: where noise applies: a start ``t``, ``(start, stop)`` or None.
        noise_pct: bound on the relative noise (> 0).
        noise_std: standard deviation of the relative noise (>= 0).
        noise_seed: seed of the noise (timm's draws).
        k_decay: the k-decay exponent (> 0).
        initialize: set each group's ``initial_lr`` from its ``lr``.
    """

    _keys = ("t_initial", "lr_min", *_CYCLE_KEYS, "k_decay", "warmup_steps")

    def __init__(
        self,
        optimizer: Any,
        t_initial: int,
        lr_min: float = 0.0,
        cycle_mul: float = 1.0,
        cycle_decay: float = 1.0,
        cycle_limit: int = 1,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        warmup_prefix: bool = False,
        t_in_epochs: bool = True,
        noise_range_t: Any = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        k_decay: float = 1.0,
        initialize: bool = True,
    ) -> None:
        super().__init__(
            optimizer, "lr", t_in_epochs, noise_range_t, "normal", noise_pct, noise_std, noise_seed, initialize
        )
        self.t_initial, self.lr_min, self.k_decay = t_initial, lr_min, k_decay
        self.cycle_mul, self.cycle_decay, self.cycle_limit = cycle_mul, cycle_decay, cycle_limit
        self._finish(warmup_t, warmup_lr_init, warmup_prefix)

    def _check(self) -> None:
        self._check_cycles()
        self.k_decay = v.between("k_decay", self.k_decay, 1e-3, 1e3)
        self._warn_flat()

    def _main(self, base: float) -> Schedule:
        if self.cycle_limit == 1 and self.k_decay == 1.0:  # one plain cosine, then lr_min
            return Cosine(start=base, end=self.lr_min, steps=self.t_initial)
        return self._cycled(base, None, self.k_decay)


class PolyLRScheduler(_Cycles):
    """Polynomial decay with warm restarts, warmup, k-decay and noise (timm's class).

    After warmup, in cycle ``i`` at the step ``u`` into it:
    ``lr = lr_min + (base * cycle_decay**i - lr_min) * (1 - u**k / L_i**k) ** power``: the
    engine's :class:`~glideslope.Polynomial` (alone for one cycle without k-decay), cycled by
    :class:`.Restarts`.

    Args:
        power: the polynomial's exponent (> 0).
        others: as :class:`CosineLRScheduler`.
    """

    _keys = ("t_initial", "power", "lr_min", *_CYCLE_KEYS, "k_decay", "warmup_steps")

    def __init__(
        self,
        optimizer: Any,
        t_initial: int,
        power: float = 0.5,
        lr_min: float = 0.0,
        cycle_mul: float = 1.0,
        cycle_decay: float = 1.0,
        cycle_limit: int = 1,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        warmup_prefix: bool = False,
        t_in_epochs: bool = True,
        noise_range_t: Any = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        k_decay: float = 1.0,
        initialize: bool = True,
    ) -> None:
        super().__init__(
            optimizer, "lr", t_in_epochs, noise_range_t, "normal", noise_pct, noise_std, noise_seed, initialize
        )
        self.t_initial, self.power, self.lr_min, self.k_decay = t_initial, power, lr_min, k_decay
        self.cycle_mul, self.cycle_decay, self.cycle_limit = cycle_mul, cycle_decay, cycle_limit
        self._finish(warmup_t, warmup_lr_init, warmup_prefix)

    def _check(self) -> None:
        self._check_cycles()
        self.power = v.positive("power", self.power)
        self.k_decay = v.between("k_decay", self.k_decay, 1e-3, 1e3)
        self._warn_flat()

    def _main(self, base: float) -> Schedule:
        if self.cycle_limit == 1 and self.k_decay == 1.0:  # one plain decay, then lr_min
            return Polynomial(start=base, end=self.lr_min, steps=self.t_initial, power=self.power)
        unit = Polynomial(start=1.0, end=0.0, steps=self.t_initial, power=self.power)
        return self._cycled(base, unit, self.k_decay)


class TanhLRScheduler(_Cycles):
    """Hyperbolic-tangent decay with warm restarts, warmup and noise (timm's class).

    After warmup, in cycle ``i`` at progress ``p = u / L_i``:
    ``lr = lr_min + (base * cycle_decay**i - lr_min) * (1 - tanh(lb * (1 - p) + ub * p)) / 2``:
    :class:`.HalfTanh` (timm's curve; the engine's :class:`~glideslope.Tanh` is normalised to
    end at 0 and refuses a flat range) cycled by :class:`.Restarts`. Without ``warmup_prefix``
    the warmup ends at the value the tanh has at ``warmup_t`` (timm's rule for this class).

    Args:
        lb: where the tanh curve starts.
        ub: where it ends (> lb).
        others: as :class:`CosineLRScheduler` (no k-decay).
    """

    _keys = ("lb", "ub", "t_initial", "lr_min", *_CYCLE_KEYS, "warmup_steps")

    def __init__(
        self,
        optimizer: Any,
        t_initial: int,
        lb: float = -7.0,
        ub: float = 3.0,
        lr_min: float = 0.0,
        cycle_mul: float = 1.0,
        cycle_decay: float = 1.0,
        cycle_limit: int = 1,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        warmup_prefix: bool = False,
        t_in_epochs: bool = True,
        noise_range_t: Any = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        initialize: bool = True,
    ) -> None:
        super().__init__(
            optimizer, "lr", t_in_epochs, noise_range_t, "normal", noise_pct, noise_std, noise_seed, initialize
        )
        self.lb, self.ub, self.t_initial, self.lr_min = lb, ub, t_initial, lr_min
        self.cycle_mul, self.cycle_decay, self.cycle_limit = cycle_mul, cycle_decay, cycle_limit
        self._finish(warmup_t, warmup_lr_init, warmup_prefix)

    def _check(self) -> None:
        self._check_cycles()
        self.lb, self.ub = v.real("lb", self.lb), v.real("ub", self.ub)
        if self.ub <= self.lb:
            raise ValueError(f"ub must be > lb, got lb={self.lb!r}, ub={self.ub!r}")
        self.warmup_lr_init = v.non_negative("warmup_lr_init", self.warmup_lr_init)

    def _main(self, base: float) -> Schedule:
        return self._cycled(base, HalfTanh(steps=self.t_initial, lower=self.lb, upper=self.ub))

    def _warmup_end(self, base: float, main: Schedule) -> float | None:
        return base if self.warmup_prefix else None


class _Decays(Scheduler):
    """The constructor and state of the step and multistep classes (the same arguments)."""

    _keys = ("decay_t", "decay_rate", "warmup_t", "warmup_lr_init", "warmup_prefix", "warmup_steps")

    decay_t: Any
    decay_rate: float

    def __init__(
        self,
        optimizer: Any,
        decay_t: Any,
        decay_rate: float = 1.0,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        warmup_prefix: bool = True,
        t_in_epochs: bool = True,
        noise_range_t: Any = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        initialize: bool = True,
    ) -> None:
        super().__init__(
            optimizer, "lr", t_in_epochs, noise_range_t, "normal", noise_pct, noise_std, noise_seed, initialize
        )
        self.decay_t, self.decay_rate = decay_t, decay_rate
        self._finish(warmup_t, warmup_lr_init, warmup_prefix)


class StepLRScheduler(_Decays):
    """Step decay with warmup and noise (timm's class): ``lr = base * decay_rate ** floor(t / decay_t)``
    (engine :class:`~glideslope.Step`; a fractional ``decay_t`` stretches a one-step Step).

    With ``warmup_prefix`` (the default here) ``t`` counts from the end of the warmup.

    Args:
        decay_t: steps between decays (> 0, may be fractional, e.g. 2.4 epochs).
        decay_rate: factor per decay (> 0).
        others: as :class:`CosineLRScheduler`.
    """

    def _check(self) -> None:
        v.positive("decay_t", self.decay_t)
        self.decay_rate = v.positive("decay_rate", self.decay_rate)

    def _main(self, base: float) -> Schedule:
        d = float(self.decay_t)
        if d == int(d):
            return Step(start=base, rate=self.decay_rate, every=int(d))
        return Stretch(Step(start=base, rate=self.decay_rate, every=1), factor=d)


class MultiStepLRScheduler(_Decays):
    """Decay at milestones with warmup and noise (timm's class).

    ``lr = base * decay_rate ** n`` with ``n`` the milestones ``m`` in ``decay_t`` with
    ``m <= t + 1`` (timm's convention: a milestone takes effect one step before torch's), i.e.
    the engine's :class:`~glideslope.MultiStep` at the steps ``ceil(m) - 1``.

    Args:
        decay_t: the milestones, sorted.
        decay_rate: factor per milestone (> 0).
        others: as :class:`StepLRScheduler`.
    """

    def _check(self) -> None:
        ms = v.reals("decay_t", self.decay_t, min_len=0)
        for i in range(1, len(ms)):
            if ms[i] < ms[i - 1]:
                raise ValueError(
                    f"decay_t must be sorted; {ms[i]!r} at index {i} follows {ms[i - 1]!r} in {list(ms)!r}"
                )
        self.decay_rate = v.positive("decay_rate", self.decay_rate)

    def _main(self, base: float) -> Schedule:
        steps = [math.ceil(m) - 1 for m in v.reals("decay_t", self.decay_t, min_len=0)]
        start = base * self.decay_rate ** sum(1 for s in steps if s <= 0)
        later = [s for s in steps if s > 0]
        if not later:
            return Constant(start)
        if len(set(later)) == len(later):
            return MultiStep(start=start, rate=self.decay_rate, milestones=later)
        bounds = sorted(set(later))  # repeated milestones: several decays at once
        values = [start * self.decay_rate ** sum(1 for s in later if s <= b) for b in bounds]
        return PiecewiseConstant(boundaries=bounds, values=[start, *values])


_STABLE_FNS = ("constant", "rsqrt", "power")
_DECAY_FNS = ("linear", "1-sqrt", "cosine", "power", "exp")


class WSDLRScheduler(Scheduler):
    """Warmup-stable-decay with a choice of stable and decay functions (timm's class).

    After the warmup (always a prefix), at ``s = t - warmup_t``, with ``D = decay_t`` and
    ``stable(s) = max(base * f(s), lr_min)``:

        lr = stable(s)                                               for s <= t_initial - D
        lr = lr_min + (stable(s) - lr_min) * g(min(1, (s - t_initial + D) / D))   after

    ``f``: ``'constant'`` 1, ``'rsqrt'`` ``(1 + s / timescale) ** -0.5``, ``'power'``
    ``(1 + s / timescale) ** -stable_power``. ``g``: ``'linear'`` ``1 - x``, ``'1-sqrt'``
    ``1 - sqrt(x)``, ``'cosine'`` ``(1 + cos(pi x)) / 2`` (engine :class:`~glideslope.Cooldown`),
    ``'power'`` ``1 - x ** decay_power``, ``'exp'`` ``(r ** x - r) / (1 - r)`` with
    ``r = decay_ratio`` (engine :class:`~glideslope.Exponential`), or a callable.

    Args:
        t_initial: length of the stable and decay phases (>= 1).
        decay_t: length of the decay phase, in (0, t_initial].
        lr_min: the lr the decay ends at (>= 0).
        stable_fn: ``'constant'``, ``'rsqrt'`` or ``'power'``.
        stable_timescale: timescale of ``'rsqrt'``/``'power'`` (> 0; default ``warmup_t``).
        stable_power: exponent of ``'power'`` (> 0).
        decay_fn: one of ``'linear'``, ``'1-sqrt'``, ``'cosine'``, ``'power'``, ``'exp'`` or a callable.
        decay_power: exponent of the ``'power'`` decay (> 0).
        decay_ratio: ``r`` of the ``'exp'`` decay, in (0, 1).
        others: as :class:`CosineLRScheduler`.
    """

    _keys = (
        "t_initial", "decay_t", "lr_min", "stable_fn", "stable_timescale", "stable_power", "decay_fn",
        "decay_power", "decay_ratio", "warmup_t", "warmup_lr_init", "warmup_steps",
    )
    _always_prefix = True

    t_initial: int
    decay_t: int
    lr_min: float
    stable_fn: str
    stable_timescale: float | None
    stable_power: float
    decay_fn: str | Callable[[float], float]
    decay_power: float
    decay_ratio: float

    def __init__(
        self,
        optimizer: Any,
        t_initial: int,
        decay_t: int,
        lr_min: float = 0.0,
        stable_fn: str = "constant",
        stable_timescale: float | None = None,
        stable_power: float = 0.5,
        decay_fn: str | Callable[[float], float] = "1-sqrt",
        decay_power: float = 0.5,
        decay_ratio: float = 0.1,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        t_in_epochs: bool = True,
        noise_range_t: Any = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        initialize: bool = True,
    ) -> None:
        super().__init__(
            optimizer, "lr", t_in_epochs, noise_range_t, "normal", noise_pct, noise_std, noise_seed, initialize
        )
        self.t_initial, self.decay_t, self.lr_min = t_initial, decay_t, lr_min
        self.stable_fn, self.stable_timescale, self.stable_power = stable_fn, stable_timescale, stable_power
        self.decay_fn, self.decay_power, self.decay_ratio = decay_fn, decay_power, decay_ratio
        self._finish(warmup_t, warmup_lr_init, True)

    def _check(self) -> None:
        self.t_initial = count("t_initial", self.t_initial, 1)
        self.decay_t = count("decay_t", self.decay_t, 1)
        if self.decay_t > self.t_initial:
            raise ValueError(f"decay_t must be in [1, t_initial={self.t_initial}], got {self.decay_t!r}")
        self.lr_min = v.non_negative("lr_min", self.lr_min)
        self.stable_fn = v.choice("stable_fn", self.stable_fn, _STABLE_FNS)
        if not callable(self.decay_fn):
            self.decay_fn = v.choice("decay_fn", self.decay_fn, _DECAY_FNS)
        self.decay_ratio = v.between("decay_ratio", self.decay_ratio, 0.0, 1.0, low_open=True, high_open=True)
        self.decay_power = v.positive("decay_power", self.decay_power)
        self.stable_power = v.positive("stable_power", self.stable_power)
        if self.stable_fn != "constant":
            if self.stable_timescale is None:
                self.stable_timescale = self.warmup_t
            if not self.stable_timescale:
                raise ValueError(
                    f"stable_fn={self.stable_fn!r} needs stable_timescale > 0; it defaults to warmup_t "
                    f"({self.warmup_t}), so give it when there is no warmup"
                )
            self.stable_timescale = v.positive("stable_timescale", self.stable_timescale)

    def _stable(self, base: float) -> Schedule:
        if self.stable_fn == "constant":
            return Constant(max(base, self.lr_min))
        power = 0.5 if self.stable_fn == "rsqrt" else self.stable_power
        ts = self.stable_timescale
        assert ts is not None
        f: Schedule = (
            InverseSqrt(start=base, timescale=int(ts))
            if power == 0.5 and ts == int(ts)
            else InversePower(start=base, timescale=ts, power=power)
        )
        return Maximum(f, self.lr_min)

    def _decay(self) -> Schedule:
        """The decay factor ``g``, from 1 to 0 over ``decay_t`` steps, then held."""
        d, fn = self.decay_t, self.decay_fn
        if callable(fn):
            user = fn

            def g(u: float) -> float:  # timm keeps the stable value at u = 0 whatever fn(0) is
                return 1.0 if u <= 0 else float(user(min(u / d, 1.0)))

            return Function(fn=g, steps=d)
        if fn in ("linear", "1-sqrt", "cosine"):
            return Cooldown(start=1.0, end=0.0, steps=d, shape=fn)
        if fn == "power":
            return PowerDecay(steps=d, power=self.decay_power)
        r = self.decay_ratio  # exp: (r**x - r) / (1 - r), x = u / d held at 1
        return (Exponential(start=1.0, rate=r, every=d, end=r) + (-r)) * (1.0 / (1.0 - r))

    def _main(self, base: float) -> Schedule:
        stable, decay = self._stable(base), self._decay()
        hold = self.t_initial - self.decay_t
        g = Sequence([Constant(1.0, steps=hold), decay]) if hold else decay
        return (stable + (-self.lr_min)) * g + self.lr_min

    def get_cycle_length(self, cycles: int = 0) -> int:
        return self.warmup_t + self.t_initial
