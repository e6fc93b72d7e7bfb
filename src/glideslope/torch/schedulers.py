"""Drop-in replacements for the classes of ``torch.optim.lr_scheduler`` (torch 2.13) and
``torch.optim.swa_utils.SWALR``: same names, signatures, defaults, attributes, errors and
warnings, numbers from the glideslope engine in closed form.

In every formula ``t`` is ``last_epoch`` (the number of ``step()`` calls) and ``base_lr`` a
group's ``initial_lr``. See :mod:`glideslope.torch._base` for how a learning rate changed by
someone else (by hand, or by another scheduler of a :class:`ChainedScheduler`) is followed.
"""

from __future__ import annotations

import itertools
import math
import types
import warnings
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from torch.optim import Optimizer

import torch
from torch import Tensor

from .. import compose, cycles, shapes
from ..plateau import ReduceOnPlateau as _Plateau
from ..schedule import SCALAR as _SCALAR
from ._base import (
    EPOCH_DEPRECATION_WARNING,
    GlideScheduler,
    LRScheduler,
    _restore,
    _warn_step_order,
    as_float,
    check_int,
    check_optimizer,
    check_real,
    evaluate,
    format_param,
    group_values,
    write,
    write_beta1,
)

__all__ = [
    "SWALR",
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]


class _Scaled(GlideScheduler):
    """A multiplier schedule ``m`` shared by all groups: ``lr_i(t) = base_lr_i * m(t)``
    (tabulated, see :mod:`glideslope.torch._base`)."""


def _lambdas(optimizer: Optimizer, lr_lambda: Any) -> list[Callable[[int], float]]:
    n = len(optimizer.param_groups)
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != n:
            raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
        return list(lr_lambda)
    return [lr_lambda] * n


def _lambda_state(fns: list[Any]) -> list[Any]:
    return [None if isinstance(fn, types.FunctionType) else dict(fn.__dict__) for fn in fns]


def _load_lambdas(fns: list[Any], saved: list[Any] | None) -> None:
    for fn, d in zip(fns, saved or []):
        if d is not None:
            fn.__dict__.update(d)


class LambdaLR(GlideScheduler):
    """``lr_i(t) = base_lr_i * lr_lambda_i(t)``, each lambda wrapped as an engine
    :func:`glideslope.function` schedule. One function given for every group is called once
    per step (torch calls it once per group; the values are the same for a function of the
    epoch).

    Args:
        optimizer: the optimizer.
        lr_lambda: a function of the epoch, or a list with one per param group.
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        check_optimizer(optimizer)
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
        self._fns = [shapes.function(fn)._eval for fn in self.lr_lambdas]
        # one function for every group (the usual case) is called once per step
        self._shared = all(fn is self.lr_lambdas[0] for fn in self.lr_lambdas)
        super().__init__(optimizer, last_epoch)

    def _closed(self, t: int) -> list[float]:
        if self._shared:
            m = self._fns[0](t, _SCALAR)
            return [b * m for b in self._bases]
        return [b * fn(t, _SCALAR) for b, fn in zip(self._bases, self._fns)]

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or, deprecated as in torch, jump to ``epoch``)."""
        if epoch is None and self._step_count != 1 and self._shared:
            # the fast path (see GlideScheduler._fast_ok); float(fn(t)) is what the engine's
            # function() schedule computes
            groups = self.optimizer.param_groups
            last = self._last_lr
            if len(groups) == 1 == len(last) and groups[0]["lr"] is last[0]:
                self._step_count += 1
                t = self.last_epoch = self.last_epoch + 1
                v = self._bases[0] * float(self.lr_lambdas[0](t))
                groups[0]["lr"] = v
                self._last_lr = [v]
                return
            if self._fast_ok():
                self._step_count += 1
                t = self.last_epoch = self.last_epoch + 1
                self._write_m(float(self.lr_lambdas[0](t)))
                return
        super().step(epoch)

    def _extra_state(self) -> dict[str, Any]:
        return {"lr_lambdas": _lambda_state(self.lr_lambdas)}

    def _load_extra(self, state: dict[str, Any]) -> None:
        _load_lambdas(self.lr_lambdas, state.get("lr_lambdas"))


def _own_dtype(lr: Any) -> Any:
    """A tensor lr as it is (arithmetic on it rounds in its dtype, like torch's); else a float."""
    return lr if isinstance(lr, Tensor) else as_float(lr)


class MultiplicativeLR(GlideScheduler):
    """``lr_i(t) = lr_i(t - 1) * lr_lambda_i(t)`` for ``t >= 1`` (inherently chained, as in
    torch: each step multiplies the learning rate the group holds). One function given for
    every group is called once per step (torch calls it once per group).

    Args:
        optimizer: the optimizer.
        lr_lambda: a function of the epoch giving the factor, or one per param group.
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        check_optimizer(optimizer)
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
        # one function for every group (the usual case) is called once per step
        self._shared = all(fn is self.lr_lambdas[0] for fn in self.lr_lambdas)
        super().__init__(optimizer, last_epoch)

    def _closed(self, t: int) -> list[float]:
        return [as_float(g["lr"]) for g in self.optimizer.param_groups]

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch: multiply each group's learning rate by ``lr_lambda(epoch)``."""
        if epoch is not None or self._step_count == 1:
            super().step(epoch)
            return
        self._step_count += 1
        t = self.last_epoch + 1
        self.last_epoch = t
        groups = self.optimizer.param_groups
        fns = self.lr_lambdas
        if len(groups) == 1 == len(fns):
            lr = groups[0]["lr"]
            if lr.__class__ is float:
                v = lr * fns[0](t)
                groups[0]["lr"] = v
                self._last_lr = [v]
                return
        elif len(fns) == len(groups):
            if self._shared:
                f = fns[0](t)
                values = [g["lr"] * f for g in groups]
                plain = True
                for g, v in zip(groups, values):
                    if v.__class__ is float:
                        g["lr"] = v
                    else:  # a tensor lr: the product in its dtype (torch's), filled in place
                        plain = False
                        write(g, "lr", v)
                self._last_lr = values if plain else group_values(self.optimizer, "lr")
                return
            lrs = [g["lr"] for g in groups]
            for x in lrs:
                if x.__class__ is not float:
                    break
            else:  # float learning rates: no tensor to fill in place or clone
                values = [lr * fn(t) for lr, fn in zip(lrs, fns)]
                for g, v in zip(groups, values):
                    g["lr"] = v
                self._last_lr = values
                return
        self._apply(t)

    def _apply(self, t: int, closed: bool = False) -> None:
        groups = self.optimizer.param_groups
        if self._is_initial:
            values = [as_float(g["lr"]) for g in groups]
        else:
            # a tensor lr is multiplied as a tensor, in its dtype, as torch does
            values = [_own_dtype(g["lr"]) * fn(t) for g, fn in zip(groups, self.lr_lambdas)]
        out: list[Any] = []
        for g, v in zip(groups, values):
            write(g, "lr", v)
            out.append(g["lr"].clone() if isinstance(g["lr"], Tensor) else v)
        self._last_lr = out

    def _restart(self, chain_aware: bool = False) -> None:
        # torch's SequentialLR calls get_lr() at epoch 0 outside the initial step:
        # the group's current value times lr_lambda(0)
        self._step_count = 1
        self.last_epoch = 0
        self._is_initial = chain_aware
        try:
            self._apply(0)
        finally:
            self._is_initial = False

    def _extra_state(self) -> dict[str, Any]:
        return {"lr_lambdas": _lambda_state(self.lr_lambdas)}

    def _load_extra(self, state: dict[str, Any]) -> None:
        _load_lambdas(self.lr_lambdas, state.get("lr_lambdas"))


class StepLR(_Scaled):
    """``lr_i(t) = base_lr_i * gamma ** floor(t / step_size)`` (engine :func:`glideslope.step`).

    Args:
        optimizer: the optimizer.
        step_size: epochs between decays (int >= 1).
        gamma: the decay factor (> 0).
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True
    _state_keys = ("step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size = check_int("step_size", step_size, 1)
        self.gamma = check_real("gamma", gamma, low=0.0, low_open=True)
        self._rebuild()
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        self._set_curve(shapes.step(1.0, self.gamma, self.step_size))

    def _chain(self, i: int, lr: float, t: int) -> float:
        return lr if t == 0 or t % self.step_size else lr * self.gamma

    def _chain_all(self, lrs: list[float], t: int) -> list[float]:
        if t == 0 or t % self.step_size:
            return lrs
        g = self.gamma
        return [lr * g for lr in lrs]


class MultiStepLR(_Scaled):
    """``lr_i(t) = base_lr_i * gamma ** (number of milestones <= t)``; a milestone listed
    ``k`` times counts ``k`` times (torch's code uses a Counter; its docs say "increasing").
    Built from engine :func:`glideslope.multistep` schedules, one per multiplicity.

    Args:
        optimizer: the optimizer.
        milestones: epochs (ints >= 0) at which the learning rate is multiplied by gamma.
        gamma: the decay factor (> 0).
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True
    _state_keys = ("milestones", "gamma")

    def __init__(
        self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if isinstance(milestones, (str, bytes)) or not isinstance(milestones, Iterable):
            raise TypeError(f"milestones must be a list of ints, got {type(milestones).__name__}: {milestones!r}")
        ms = list(milestones)
        for i, m in enumerate(ms):
            check_int(f"milestones[{i}]", m, 0)
        self.milestones: Counter[int] = Counter(ms)
        self.gamma = check_real("gamma", gamma, low=0.0, low_open=True)
        self._rebuild()
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        self.milestones = Counter({int(k): int(v) for k, v in dict(self.milestones).items()})
        at_zero = self.milestones.get(0, 0)
        rest = {m: c for m, c in self.milestones.items() if m > 0}
        start = self.gamma**at_zero
        if not rest:
            s: Any = shapes.constant(start)
        else:
            levels = [
                shapes.multistep(1.0, self.gamma, sorted(m for m, c in rest.items() if c >= k))
                for k in range(1, max(rest.values()) + 1)
            ]
            s = start * (levels[0] if len(levels) == 1 else compose.product(*levels))
        self._set_curve(s)

    def _extra_state(self) -> dict[str, Any]:
        return {"milestones": dict(self.milestones), "gamma": self.gamma}

    def _chain(self, i: int, lr: float, t: int) -> float:
        k = self.milestones.get(t, 0)
        return lr * self.gamma**k if k else lr

    def _chain_all(self, lrs: list[float], t: int) -> list[float]:
        k = self.milestones.get(t, 0)
        if not k:
            return lrs
        f = self.gamma**k
        return [lr * f for lr in lrs]


class ConstantLR(_Scaled):
    """``lr_i(t) = base_lr_i * factor`` for ``t < total_iters``, then ``base_lr_i``
    (engine :func:`glideslope.join` of two constants). With ``total_iters=0`` torch's code
    (unlike its closed form) keeps ``factor`` for ever; we follow the code.

    Args:
        optimizer: the optimizer.
        factor: the multiplier before ``total_iters``, in [0, 1].
        total_iters: epochs at the reduced value (int >= 0).
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True
    _state_keys = ("factor", "total_iters")

    def __init__(
        self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1
    ) -> None:
        factor = check_real("factor", factor)
        if factor > 1.0 or factor < 0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor = factor
        self.total_iters = check_int("total_iters", total_iters, 0)
        self._rebuild()
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        if self.total_iters == 0:
            s: Any = shapes.constant(self.factor)
        else:
            s = compose.join([shapes.constant(self.factor), shapes.constant(1.0)], [self.total_iters])
        self._set_curve(s)

    def _chain(self, i: int, lr: float, t: int) -> float:
        if t == 0:
            return lr * self.factor
        if t != self.total_iters:
            return lr
        return lr * (1.0 / self.factor) if self.factor else self._bases[i]

    def _chain_all(self, lrs: list[float], t: int) -> list[float]:
        if t != 0 and t != self.total_iters:
            return lrs
        return super()._chain_all(lrs, t)


class LinearLR(_Scaled):
    """``lr_i(t) = base_lr_i * (start_factor + (end_factor - start_factor) * min(t, T) / T)``
    with ``T = total_iters`` (engine :func:`glideslope.linear`); ``total_iters=0`` keeps
    ``start_factor`` for ever (torch's code).

    Args:
        optimizer: the optimizer.
        start_factor: multiplier at epoch 0, in (0, 1].
        end_factor: multiplier from ``total_iters`` on, in [0, 1].
        total_iters: length of the ramp (int >= 0).
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True
    _state_keys = ("start_factor", "end_factor", "total_iters")

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        start_factor = check_real("start_factor", start_factor)
        end_factor = check_real("end_factor", end_factor)
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError(
                "Starting multiplicative factor expected to be greater than 0 and less or equal to 1."
            )
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = check_int("total_iters", total_iters, 0)
        self._rebuild()
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        if self.total_iters == 0:
            s: Any = shapes.constant(self.start_factor)
        else:
            s = shapes.linear(self.start_factor, self.end_factor, self.total_iters)
        self._set_curve(s)

    def _chain(self, i: int, lr: float, t: int) -> float:
        if t == 0:
            return lr * self.start_factor
        if self._is_initial or t > self.total_iters:
            return lr
        d = self.end_factor - self.start_factor
        return lr * (1.0 + d / (self.total_iters * self.start_factor + (t - 1) * d))

    def _chain_all(self, lrs: list[float], t: int) -> list[float]:
        if t != 0 and (self._is_initial or t > self.total_iters):
            return lrs
        return super()._chain_all(lrs, t)


class ExponentialLR(_Scaled):
    """``lr_i(t) = base_lr_i * gamma ** t`` (engine :func:`glideslope.exponential`).

    Args:
        optimizer: the optimizer.
        gamma: the factor per epoch (> 0).
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True
    _state_keys = ("gamma",)

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = check_real("gamma", gamma, low=0.0, low_open=True)
        self._rebuild()
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        self._set_curve(shapes.exponential(1.0, self.gamma, 1))

    def _chain(self, i: int, lr: float, t: int) -> float:
        return lr if self._is_initial else lr * self.gamma

    def _chain_all(self, lrs: list[float], t: int) -> list[float]:
        if self._is_initial:
            return lrs
        g = self.gamma
        return [lrs[0] * g] if len(lrs) == 1 else [lr * g for lr in lrs]


class PolynomialLR(_Scaled):
    """``lr_i(t) = base_lr_i * (1 - min(t, T) / T) ** power`` with ``T = total_iters``
    (engine :func:`glideslope.polynomial`).

    Args:
        optimizer: the optimizer.
        total_iters: epochs of decay (int >= 0; 0 keeps the base value).
        power: the exponent (> 0).
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True
    _state_keys = ("total_iters", "power")

    def __init__(
        self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1
    ) -> None:
        self.total_iters = check_int("total_iters", total_iters, 0)
        self.power = check_real("power", power, low=0.0, low_open=True)
        self._rebuild()
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        if self.total_iters == 0:
            s: Any = shapes.constant(1.0)
        else:
            s = shapes.polynomial(1.0, 0.0, self.total_iters, self.power)
        self._set_curve(s)

    def _chain(self, i: int, lr: float, t: int) -> float:
        if self._is_initial or t > self.total_iters:
            return lr
        n = self.total_iters
        return float(lr * ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power)

    def _chain_all(self, lrs: list[float], t: int) -> list[float]:
        if self._is_initial or t > self.total_iters:
            return lrs
        return super()._chain_all(lrs, t)


class CosineAnnealingLR(GlideScheduler):
    """``lr_i(t) = eta_min + (base_lr_i - eta_min) * (1 + cos(pi * t / T_max)) / 2``.

    Torch's docs describe one half cosine; its (recursive) code keeps going, so past
    ``T_max`` the learning rate climbs back to ``base_lr`` at ``2 * T_max`` and the curve is
    periodic with period ``2 * T_max``. We follow the code: the engine schedule is
    ``repeat(cosine(1, 0, T_max) >> cosine(0, 1, T_max))``.

    Args:
        optimizer: the optimizer.
        T_max: half period (int >= 1).
        eta_min: the lowest learning rate.
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True
    _state_keys = ("T_max", "eta_min")

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:  # noqa: N803
        self.T_max = check_int("T_max", T_max, 1)
        self.eta_min = check_real("eta_min", eta_min)
        self._rebuild()
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        n = self.T_max
        self._set_curve(compose.repeat(shapes.cosine(1.0, 0.0, n) >> shapes.cosine(0.0, 1.0, n)))

    def _coefficients(self) -> tuple[list[float], list[float]]:
        m = self.eta_min
        return [m] * len(self._bases), [b - m for b in self._bases]

    def _chain(self, i: int, lr: float, t: int) -> float:
        n, m = self.T_max, self.eta_min
        if self._is_initial:
            return lr
        if self._step_count == 1 and t > 0:
            return m + (self._bases[i] - m) * (1 + math.cos(t * math.pi / n)) / 2
        if (t - 1 - n) % (2 * n) == 0:
            return lr + (self._bases[i] - m) * (1 - math.cos(math.pi / n)) / 2
        return (1 + math.cos(math.pi * t / n)) / (1 + math.cos(math.pi * (t - 1) / n)) * (lr - m) + m


class CosineAnnealingWarmRestarts(GlideScheduler):
    """SGDR: ``lr_i = eta_min + (base_lr_i - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2``,
    ``T_i = T_0 * T_mult ** k`` in the ``k``-th cycle and ``T_cur`` the epochs since the last
    restart (engine :func:`glideslope.cosine_restarts`, evaluated at the position reached,
    which may be fractional: ``step(epoch=2.5)`` is allowed, as in torch).

    Args:
        optimizer: the optimizer.
        T_0: length of the first cycle (int >= 1).
        T_mult: growth factor of the cycle length (int >= 1).
        eta_min: the lowest learning rate.
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    _state_keys = ("T_0", "T_mult", "eta_min", "_position")

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,  # noqa: N803
        T_mult: int = 1,  # noqa: N803
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        if isinstance(T_0, bool) or not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if isinstance(T_mult, bool) or not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}")
        self.T_0 = T_0
        self.T_mult = T_mult
        self.eta_min = check_real("eta_min", eta_min)
        self._position: float = float(max(last_epoch, 0))
        self._rebuild()
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        self._sched = cycles.cosine_restarts(1.0, 0.0, self.T_0, period_mult=float(self.T_mult))
        self._set_curve(self._sched)

    def _coefficients(self) -> tuple[list[float], list[float]]:
        m = self.eta_min
        return [m] * len(self._bases), [b - m for b in self._bases]

    def _cycle(self) -> tuple[float, int]:
        """(start of the current cycle, its length)."""
        p, n, m = self._position, self.T_0, self.T_mult
        if m == 1:
            k = math.floor(p / n)
            return k * n, n
        start, length = 0, n
        while p >= start + length:
            start += length
            length *= m
        return start, length

    @property
    def T_cur(self) -> float:  # noqa: N802
        """Epochs since the last restart."""
        start, _ = self._cycle()
        return self._position - start

    @T_cur.setter
    def T_cur(self, value: float) -> None:  # noqa: N802
        start, _ = self._cycle()
        self._position = start + float(value)

    @property
    def T_i(self) -> int:  # noqa: N802
        """Length of the current cycle."""
        return self._cycle()[1]

    def _closed(self, t: int) -> list[float]:
        p = self._position
        k = int(p)
        g = self._m(k if k == p else p)
        return [a + b * g for a, b in zip(self._a, self._b)]

    def _start(self, last_epoch: int) -> None:
        self._position = float(last_epoch + 1)
        super()._start(last_epoch)

    def _restart(self, chain_aware: bool = False) -> None:
        self._position = 0.0
        super()._restart(chain_aware)

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or go to ``epoch`` (a float is allowed: fractions of an epoch)."""
        if self._step_count == 1:
            _warn_step_order(self)
        self._step_count += 1
        if epoch is None:
            p = self._position + 1.0
            self._position = p
            self.last_epoch += 1
            k = int(p)
            lo = self._lo
            if k == p and lo <= k < self._hi and True not in self._follow:
                groups = self.optimizer.param_groups
                last = self._last_lr
                if len(groups) == 1 == len(last) and groups[0]["lr"] is last[0]:  # _write_fast, inlined
                    v = self._a[0] + self._b[0] * self._vals[k - lo]
                    groups[0]["lr"] = v
                    self._last_lr = [v]
                    return
                if self._write_fast(self._vals[k - lo]):
                    return
        else:
            if epoch < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            self._position = float(epoch)
            self.last_epoch = math.floor(epoch)
        self._apply(self.last_epoch)


class _CycledMomentum(GlideScheduler):
    """A class that may cycle momentum (or ``betas[0]``): ``w_i = c_i + d_i * h(t)``."""

    cycle_momentum: bool
    use_beta1: bool
    base_momentums: list[Any]
    max_momentums: list[Any]
    _mc: list[float]
    _md: list[float]

    def _write_momentum(self, h: float) -> None:
        groups = self.optimizer.param_groups
        if len(groups) == 1 and not self.use_beta1:
            g = groups[0]
            if g["momentum"].__class__ is float:
                g["momentum"] = self._mc[0] + self._md[0] * h
                return
        if self.use_beta1:
            for g, c, d in zip(groups, self._mc, self._md):
                write_beta1(g, c + d * h, True)
            return
        for g, c, d in zip(groups, self._mc, self._md):
            w = c + d * h
            cur = g["momentum"]
            if cur.__class__ is float or not isinstance(cur, Tensor):
                g["momentum"] = w
            else:
                cur.fill_(w)


def _cycle_momentum_setup(
    sched: Any, optimizer: Optimizer, cycle_momentum: bool, base_momentum: Any, max_momentum: Any, fresh: bool
) -> None:
    sched.cycle_momentum = bool(cycle_momentum)
    if not cycle_momentum:
        return
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
    sched.use_beta1 = "betas" in optimizer.defaults
    sched.base_momentums = format_param("base_momentum", optimizer, base_momentum)
    sched.max_momentums = format_param("max_momentum", optimizer, max_momentum)
    if fresh:
        for hi, lo, g in zip(sched.max_momentums, sched.base_momentums, optimizer.param_groups):
            write_beta1(g, as_float(hi), sched.use_beta1)
            g["max_momentum"] = hi
            g["base_momentum"] = lo


class CyclicLR(_CycledMomentum):
    """Cyclical learning rate: ``lr_i = base_lr_i + (max_lr_i - base_lr_i) * g(t)`` and, with
    ``cycle_momentum``, ``momentum_i = max_momentum_i - (max_momentum_i - base_momentum_i) *
    g(t)``, where ``g`` is the engine's :func:`glideslope.cyclic` from 0 to 1: with
    ``L = step_size_up + step_size_down``, ``cycle = floor(1 + t / L)``, ``x = 1 + t/L - cycle``,
    ``g = scale * (x / r if x <= r else (x - 1) / (r - 1))``, ``r = step_size_up / L`` and
    ``scale`` 1 (triangular), ``1 / 2 ** (cycle - 1)`` (triangular2), ``gamma ** t``
    (exp_range) or ``scale_fn(cycle or t)``.

    Args: as torch's ``CyclicLR``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | list[float],
        max_lr: float | list[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float = 0.8,
        max_momentum: float = 0.9,
        last_epoch: int = -1,
    ) -> None:
        check_optimizer(optimizer)
        base_lrs = format_param("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, g in zip(base_lrs, optimizer.param_groups):
                write(g, "lr", as_float(lr) if isinstance(g["lr"], Tensor) else lr)
        self.max_lrs = format_param("max_lr", optimizer, max_lr)
        up = check_real("step_size_up", step_size_up, low=0.0, low_open=True)
        down = up if step_size_down is None else check_real("step_size_down", step_size_down, low=0.0, low_open=True)
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"scale_fn must be callable or None, got {type(scale_fn).__name__}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}")
        self.mode = mode
        self.gamma = check_real("gamma", gamma, low=0.0, low_open=True)
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else ("iterations" if mode == "exp_range" else "cycle")
        self._up, self._down = up, down
        _cycle_momentum_setup(self, optimizer, cycle_momentum, base_momentum, max_momentum, last_epoch == -1)
        self._rebuild()
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs
        self._bases = [as_float(b) for b in base_lrs]
        self._prepare()

    def scale_fn(self, x: float) -> float:
        """The amplitude scale of ``mode`` (or the custom ``scale_fn``) at ``x``."""
        if self._scale_fn_custom is not None:
            return float(self._scale_fn_custom(x))
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return float(1 / (2.0 ** (x - 1)))
        return float(self.gamma**x)

    def _rebuild(self) -> None:
        up = self._up if self._up != int(self._up) else int(self._up)
        down = self._down if self._down != int(self._down) else int(self._down)
        if self._scale_fn_custom is not None:
            # a user's scale_fn takes scalars and may keep state: scalar path, step by step
            s = cycles.cyclic(0.0, 1.0, up, down, scale_fn=self._scale_fn_custom, scale_by=self.scale_mode)
            self._set_curve(s, s if self.cycle_momentum else None, limit=0)
        else:
            s = cycles.cyclic(0.0, 1.0, up, down, mode=self.mode, gamma=self.gamma)
            self._set_curve(s, s if self.cycle_momentum else None)
        self._maxes = [as_float(m) for m in self.max_lrs]
        if self.cycle_momentum:
            self._mlo = [as_float(m) for m in self.base_momentums]
            self._mhi = [as_float(m) for m in self.max_momentums]

    def _coefficients(self) -> tuple[list[float], list[float]]:
        if self.cycle_momentum:  # hi - (hi - lo) * g
            self._mc, self._md = list(self._mhi), [-(hi - lo) for lo, hi in zip(self._mlo, self._mhi)]
        return list(self._bases), [m - b for b, m in zip(self._bases, self._maxes)]

    def _closed(self, t: int) -> list[float]:
        g = self._m(t)
        if self.cycle_momentum:
            self._write_momentum(g)
        return [a + b * g for a, b in zip(self._a, self._b)]

    def _extra_state(self) -> dict[str, Any]:
        fn = self._scale_fn_custom
        state = {
            "max_lrs": self.max_lrs, "total_size": self.total_size, "step_ratio": self.step_ratio,
            "mode": self.mode, "gamma": self.gamma, "scale_mode": self.scale_mode,
            "cycle_momentum": self.cycle_momentum, "_up": self._up, "_down": self._down,
            "_scale_fn_custom": None if fn is None or isinstance(fn, types.FunctionType) else dict(fn.__dict__),
        }
        if self.cycle_momentum:
            state.update(use_beta1=self.use_beta1, base_momentums=self.base_momentums, max_momentums=self.max_momentums)
        return state

    def _load_extra(self, state: dict[str, Any]) -> None:
        for k in ("max_lrs", "total_size", "step_ratio", "mode", "gamma", "scale_mode", "cycle_momentum",
                  "_up", "_down", "use_beta1", "base_momentums", "max_momentums"):
            if k in state:
                setattr(self, k, state[k])
        fn = state.get("_scale_fn_custom")
        if fn is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(fn)


class OneCycleLR(_CycledMomentum):
    """The 1cycle policy. With ``T = total_steps``, ``initial = max_lr / div_factor`` and
    ``min = initial / final_div_factor``, the learning rate is annealed (cosine
    ``b + (a - b) * (1 + cos(pi * q)) / 2`` or linear ``a + (b - a) * q``) through the knots
    ``(0, initial), (pct_start * T - 1, max_lr), (T - 1, min)``; with ``three_phase`` through
    ``(0, initial), (pct_start*T - 1, max_lr), (2*pct_start*T - 2, initial), (T - 1, min)``.
    Momentum goes the other way, ``max_momentum -> base_momentum -> max_momentum``. The
    curve is the engine's :func:`glideslope.interpolate` on those (fractional) knots.

    Torch evaluates one step past the last knot (``t = T``) by extrapolating the last phase;
    we give the same number (a cosine mirrors about its end, a line continues). Further steps
    raise ``ValueError`` as in torch, unless ``hold_final=True`` (ours, opt-in): then the
    final value ``min`` (and final momentum) is held for every ``t >= T``.

    Args: as torch's ``OneCycleLR``, plus ``hold_final``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
        hold_final: bool = False,
    ) -> None:
        check_optimizer(optimizer)
        if total_steps is not None:
            if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(f"Expected positive integer steps_per_epoch, but got {steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if not isinstance(pct_start, float) or pct_start < 0 or pct_start > 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        div_factor = check_real("div_factor", div_factor, low=0.0, low_open=True)
        final_div_factor = check_real("final_div_factor", final_div_factor, low=0.0, low_open=True)
        self.pct_start = pct_start
        self._anneal_func_type = anneal_strategy
        self.three_phase = bool(three_phase)
        self.hold_final = bool(hold_final)
        self.div_factor, self.final_div_factor = div_factor, final_div_factor
        max_lrs = format_param("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for m, g in zip(max_lrs, optimizer.param_groups):
                g["initial_lr"] = m / div_factor
                g["max_lr"] = m
                g["min_lr"] = g["initial_lr"] / final_div_factor
        self._maxes = [as_float(g.get("max_lr", m)) for m, g in zip(max_lrs, optimizer.param_groups)]
        _cycle_momentum_setup(self, optimizer, cycle_momentum, base_momentum, max_momentum, last_epoch == -1)
        if self.cycle_momentum:
            self._mlo = [as_float(g.get("base_momentum", m)) for m, g in zip(self.base_momentums, optimizer.param_groups)]  # noqa: E501
            self._mhi = [as_float(g.get("max_momentum", m)) for m, g in zip(self.max_momentums, optimizer.param_groups)]
        self._rebuild()
        super().__init__(optimizer, last_epoch)

    def _knots(self) -> list[float]:
        n, p = self.total_steps, self.pct_start
        if self.three_phase:
            return [0.0, float(p * n) - 1, float(2 * p * n) - 2, float(n - 1)]
        return [0.0, float(p * n) - 1, float(n - 1)]

    def _rebuild(self) -> None:
        knots = self._knots()
        shape = "cosine" if self._anneal_func_type == "cos" else "linear"
        inv = 1.0 / self.div_factor
        lr_vals = [inv, 1.0, inv, inv / self.final_div_factor] if self.three_phase else [inv, 1.0, inv / self.final_div_factor]  # noqa: E501
        mom_vals = [0.0, 1.0, 0.0, 0.0] if self.three_phase else [0.0, 1.0, 0.0]
        # torch picks the first phase whose end is >= t, starting at the previous end; a phase
        # whose end is <= 0 is never used and the next one starts at that (negative) end.
        while len(knots) > 2 and knots[1] <= 0:
            if knots[1] == 0 and (len(knots) == 3 or knots[2] > 0):
                raise ValueError(
                    f"pct_start={self.pct_start} with total_steps={self.total_steps} puts the "
                    f"first phase end at step 0, where torch divides by zero; use a larger pct_start"
                )
            knots, lr_vals, mom_vals = knots[1:], lr_vals[1:], mom_vals[1:]
        for a, b in itertools.pairwise(knots):
            if b <= a:
                raise ValueError(
                    f"pct_start={self.pct_start} with total_steps={self.total_steps} gives phases "
                    f"ending at {knots}, which are not increasing; use a larger total_steps"
                )
        if len(knots) < 2 or knots[-1] <= knots[0]:
            raise ValueError(f"total_steps={self.total_steps} is too small for a 1cycle schedule (needs >= 2)")
        self._shift = -knots[0]
        ks = [k + self._shift for k in knots]
        lr_curve = shapes.interpolate(ks, lr_vals, shape=shape)
        mom_curve = shapes.interpolate(ks, mom_vals, shape=shape)
        self._lr_curve = evaluate(lr_curve)
        self._mom_curve = evaluate(mom_curve)
        self._last_phase = (ks[-2], ks[-1])
        # tabulated while t + shift <= the last knot; past it, _at's extrapolation or hold
        self._set_curve(lr_curve, mom_curve if self.cycle_momentum else None, offset=self._shift,
                        limit=math.floor(ks[-1] - self._shift) + 1)

    def _coefficients(self) -> tuple[list[float], list[float]]:
        if self.cycle_momentum:  # hi + (lo - hi) * h
            self._mc, self._md = list(self._mhi), [lo - hi for lo, hi in zip(self._mlo, self._mhi)]
        return [0.0] * len(self._maxes), list(self._maxes)

    def _at(self, curve: Callable[[float], float], t: int) -> float:
        x = t + self._shift
        a, b = self._last_phase
        if x <= b:
            return curve(x)
        if self.hold_final:
            return curve(b)
        # torch extrapolates the last phase one step past its end
        if self._anneal_func_type == "cos":
            return curve(2 * b - x) if 2 * b - x >= a else curve(a)
        return 2 * curve(b) - curve(b - (x - b)) if b - (x - b) >= a else curve(b)

    def _closed(self, t: int) -> list[float]:
        if t > self.total_steps and not self.hold_final:
            raise ValueError(
                f"Tried to step {t} times. The specified number of total steps is {self.total_steps}"
            )
        if t < self._limit:
            g = self._m(t)
            h = self._h(t) if self.cycle_momentum else 0.0
        else:
            g = self._at(self._lr_curve, t)
            h = self._at(self._mom_curve, t) if self.cycle_momentum else 0.0
        if self.cycle_momentum:
            self._write_momentum(h)
        return [a + b * g for a, b in zip(self._a, self._b)]

    def _extra_state(self) -> dict[str, Any]:
        state = {
            "total_steps": self.total_steps, "pct_start": self.pct_start,
            "_anneal_func_type": self._anneal_func_type, "three_phase": self.three_phase,
            "hold_final": self.hold_final, "div_factor": self.div_factor,
            "final_div_factor": self.final_div_factor, "cycle_momentum": self.cycle_momentum,
            "_maxes": self._maxes,
        }
        if self.cycle_momentum:
            state.update(use_beta1=self.use_beta1, _mlo=self._mlo, _mhi=self._mhi)
        return state

    def _load_extra(self, state: dict[str, Any]) -> None:
        for k in ("total_steps", "pct_start", "_anneal_func_type", "three_phase", "hold_final", "div_factor",
                  "final_div_factor", "cycle_momentum", "_maxes", "use_beta1", "_mlo", "_mhi"):
            if k in state:
                setattr(self, k, state[k])


class SWALR(GlideScheduler):
    """Anneal each group's learning rate to its ``swa_lr`` over ``anneal_epochs`` steps and
    hold it: ``lr_i(s) = swa_lr_i * a(s) + lr0_i * (1 - a(s))`` where ``s`` counts steps,
    ``a(s) = anneal(min(s / anneal_epochs, 1))`` (cosine ``(1 - cos(pi x)) / 2``, engine
    :func:`glideslope.cosine` from 0 to 1, or linear ``x``) and ``lr0_i`` the learning rate
    the group held when annealing began. As in torch, if another scheduler changed the
    learning rate in between, annealing continues from that value.

    Args: as torch's ``torch.optim.swa_utils.SWALR``.
    """

    chained = True
    _state_keys = ("anneal_epochs", "_anneal_type", "_lr0")

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float | list[float],
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        check_optimizer(optimizer)
        swa_lrs = format_param("swa_lr", optimizer, swa_lr)
        for s, g in zip(swa_lrs, optimizer.param_groups):
            g["swa_lr"] = s
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}"
            )
        self._anneal_type = anneal_strategy
        if isinstance(anneal_epochs, bool) or not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        self._lr0 = [as_float(g["lr"]) for g in optimizer.param_groups]
        self._rebuild()
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        n = self.anneal_epochs
        if n == 0:
            a: Any = shapes.constant(1.0)
        elif self._anneal_type == "cos":
            a = shapes.cosine(0.0, 1.0, n)
        else:
            a = shapes.linear(0.0, 1.0, n)
        self._alpha = evaluate(a)
        self._set_curve(a)  # tabulated alpha, indexed by the step count

    def _s(self) -> int:
        s = self._step_count - 1
        return max(1, s) if self.anneal_epochs == 0 else s

    def _closed(self, t: int) -> list[float]:
        a = self._m(self._s())
        return [as_float(g["swa_lr"]) * a + l0 * (1 - a) for g, l0 in zip(self.optimizer.param_groups, self._lr0)]

    def step(self, epoch: int | None = None) -> None:
        """Advance one step of the annealing."""
        if self._step_count == 1:
            _warn_step_order(self)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
            self.last_epoch = epoch
            self._apply(epoch, closed=True)
            return
        self.last_epoch += 1
        groups = self.optimizer.param_groups
        last = self._last_lr
        if len(groups) != len(last) or len(groups) != len(self._lr0) or True in self._follow:
            self._apply(self.last_epoch)
            return
        s = self._step_count - 1
        if self.anneal_epochs == 0 and s < 1:
            s = 1
        lo = self._lo
        a = self._vals[s - lo] if lo <= s < self._hi else self._m(s)
        b = 1 - a
        if len(groups) == 1:
            g = groups[0]
            swa = g["swa_lr"]
            if g["lr"] is last[0] and swa.__class__ is float:
                v = swa * a + self._lr0[0] * b
                g["lr"] = v
                self._last_lr = [v]
                return
            self._apply(self.last_epoch)
            return
        # the fast path (see GlideScheduler._write_fast): learning rates we wrote, float swa_lrs
        values = [g["swa_lr"] * a + l0 * b for g, l0 in zip(groups, self._lr0)]
        for g, x, v in zip(groups, last, values):
            if g["lr"] is not x or v.__class__ is not float:
                break
            g["lr"] = v
        else:
            self._last_lr = values
            return
        _restore(groups, last, values)
        self._apply(self.last_epoch)

    def _chain(self, i: int, lr: float, t: int) -> float:
        # a foreign learning rate: find the lr0 it implies (torch's inversion), then continue
        # in closed form from it
        s = self._s()
        prev = self._alpha(max(s - 1, 0)) if self.anneal_epochs else (1.0 if s - 1 >= 1 else 0.0)
        swa = as_float(self.optimizer.param_groups[i]["swa_lr"])
        self._lr0[i] = swa if prev == 1 else (lr - prev * swa) / (1 - prev)
        self._follow[i] = False
        a = self._alpha(s)
        return swa * a + self._lr0[i] * (1 - a)

    def _restart(self, chain_aware: bool = False) -> None:
        self._lr0 = [as_float(g["lr"]) for g in self.optimizer.param_groups]
        super()._restart(chain_aware=True)


_MODE_WORSE = {"min": math.inf, "max": -math.inf}


class ReduceLROnPlateau(LRScheduler):
    """Reduce each group's learning rate when a metric stops improving.

    The decision is the engine's :class:`glideslope.ReduceOnPlateau` controller (torch's rule:
    improvement means ``m < best * (1 - threshold)`` / ``m < best - threshold`` in ``min``
    mode, mirrored in ``max`` mode; after more than ``patience`` bad epochs, outside a
    ``cooldown``, reduce). A reduction sets ``lr_i = max(lr_i * factor, min_lr_i)`` unless that
    changes it by no more than ``eps``. When ``torch.distributed`` is initialized, the metric
    is averaged over all ranks first, so every rank takes the same decision.

    Args: as torch's ``ReduceLROnPlateau``.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: list[float] | float = 0,
        eps: float = 1e-8,
    ) -> None:
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        factor = check_real("factor", factor, low=0.0, low_open=True)
        self.optimizer = check_optimizer(optimizer)
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"expected {n} min_lrs, got {len(min_lr)}")
            self.default_min_lr: float | None = None
            self.min_lrs = [check_real(f"min_lr[{i}]", m, low=0.0) for i, m in enumerate(min_lr)]
        else:
            self.default_min_lr = check_real("min_lr", min_lr, low=0.0)
            self.min_lrs = [self.default_min_lr] * n
        if mode not in ("min", "max"):
            raise ValueError("mode " + str(mode) + " is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError("threshold mode " + str(threshold_mode) + " is unknown!")
        self._ctl = _Plateau(
            mode=mode, factor=factor, patience=check_int("patience", patience, 0),
            threshold=check_real("threshold", threshold, low=0.0), threshold_mode=threshold_mode,
            cooldown=check_int("cooldown", cooldown, 0), eps=check_real("eps", eps, low=0.0),
            nonfinite="count",
        )
        self.factor = factor
        self.last_epoch = 0
        self._step_count = 1
        self._last_lr = group_values(optimizer, "lr")

    # torch's attribute names, read and written through the engine controller
    mode = property(lambda self: self._ctl.mode)
    threshold = property(lambda self: self._ctl.threshold)
    threshold_mode = property(lambda self: self._ctl.threshold_mode)
    patience = property(lambda self: self._ctl.patience)
    cooldown = property(lambda self: self._ctl.cooldown)
    eps = property(lambda self: self._ctl.eps)
    mode_worse = property(lambda self: _MODE_WORSE[self._ctl.mode])

    @property
    def best(self) -> float:
        return self._ctl.best

    @best.setter
    def best(self, v: float) -> None:
        self._ctl.best = float(v)

    @property
    def num_bad_epochs(self) -> int:
        return self._ctl.num_bad

    @num_bad_epochs.setter
    def num_bad_epochs(self, v: int) -> None:
        self._ctl.num_bad = int(v)

    @property
    def cooldown_counter(self) -> int:
        return self._ctl.cooldown_counter

    @cooldown_counter.setter
    def cooldown_counter(self, v: int) -> None:
        self._ctl.cooldown_counter = int(v)

    @property
    def in_cooldown(self) -> bool:
        return self._ctl.in_cooldown

    def _reset(self) -> None:
        self._ctl.reset()

    def _restart(self, chain_aware: bool = False) -> None:
        """Start over from each group's ``initial_lr`` (a :class:`SequentialLR` milestone)."""
        for g in self.optimizer.param_groups:
            write(g, "lr", as_float(g.get("initial_lr", g["lr"])))
        self._ctl.reset()
        self.last_epoch = 0
        self._last_lr = group_values(self.optimizer, "lr")

    def _rewind(self) -> None:
        pass

    def step(self, metrics: Any = None, epoch: int | None = None) -> None:  # type: ignore[override]
        """Report the epoch's metric; reduce the learning rates on a plateau."""
        if metrics is None:
            raise TypeError("ReduceLROnPlateau.step() needs the metric: call step(metrics)")
        current = metrics if metrics.__class__ is float else float(metrics)
        if _WORLD._default_pg is not None:
            current = _mean_over_ranks(current)
        if epoch is None:
            self.last_epoch += 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
            self.last_epoch = epoch
        if self._ctl.update(current):
            self._reduce_lr()
        groups = self.optimizer.param_groups
        if len(groups) == 1 and groups[0]["lr"].__class__ is float:
            self._last_lr = [groups[0]["lr"]]
        else:
            self._last_lr = group_values(self.optimizer, "lr")

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    "The number of param groups in the `optimizer` "
                    f"({len(groups)}) differs "
                    f"from when `ReduceLROnPlateau` was initialized "
                    f"({len(self.min_lrs)}), usually due to a new "
                    "param group being added to the optimizer. Please "
                    "modify the `min_lrs` field to match the length "
                    "of the `optimizer` param groups."
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        factor, eps = self.factor, self._ctl.eps
        for g, floor in zip(groups, self.min_lrs):
            old = float(g["lr"])
            new = max(old * factor, floor)
            if old - new > eps:
                write(g, "lr", new)

    def get_last_lr(self) -> list[float | Tensor]:
        return self._last_lr

    def state_dict(self) -> dict[str, Any]:
        return {
            "factor": self.factor, "min_lrs": list(self.min_lrs), "default_min_lr": self.default_min_lr,
            "patience": self.patience, "cooldown": self.cooldown, "eps": self.eps, "mode": self.mode,
            "threshold": self.threshold, "threshold_mode": self.threshold_mode,
            "best": self.best, "num_bad_epochs": self.num_bad_epochs, "cooldown_counter": self.cooldown_counter,
            "last_epoch": self.last_epoch, "_last_lr": list(self._last_lr), "mode_worse": self.mode_worse,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        s = state_dict
        self._ctl = _Plateau(
            mode=s.get("mode", self.mode), factor=float(s.get("factor", self.factor)),
            patience=int(s.get("patience", self.patience)), threshold=float(s.get("threshold", self.threshold)),
            threshold_mode=s.get("threshold_mode", self.threshold_mode), cooldown=int(s.get("cooldown", self.cooldown)),
            eps=float(s.get("eps", self.eps)), nonfinite="count",
        )
        self.factor = float(s.get("factor", self.factor))
        self.min_lrs = list(s.get("min_lrs", self.min_lrs))
        self.default_min_lr = s.get("default_min_lr", self.default_min_lr)
        self.best = s.get("best", self.best)
        self.num_bad_epochs = s.get("num_bad_epochs", 0)
        self.cooldown_counter = s.get("cooldown_counter", 0)
        self.last_epoch = int(s.get("last_epoch", 0))
        self._last_lr = list(s.get("_last_lr", self._last_lr))


class _NoWorld:
    """Stands in for torch's private world object where it is missing (other torch versions,
    or no ``torch.distributed``): ``_default_pg`` is not None exactly when the default process
    group is initialized, asked through the public function."""

    @property
    def _default_pg(self) -> object | None:
        dist = torch.distributed
        return True if dist.is_available() and dist.is_initialized() else None


def _world() -> Any:
    """What a ReduceLROnPlateau step reads to know whether torch.distributed runs:
    ``world._default_pg is not None``. The public ``is_initialized()`` costs more than the
    rest of a step (two properties deep), so where torch's world object exists, read it."""
    dist = torch.distributed
    world = getattr(dist.distributed_c10d, "_world", None) if dist.is_available() else None
    if world is None or not hasattr(world, "_default_pg"):  # pragma: no cover - other torch versions
        return _NoWorld()
    return world


_WORLD = _world()


def _mean_over_ranks(x: float) -> float:
    """The mean of ``x`` over all ranks when torch.distributed is running, else ``x``."""
    dist = torch.distributed
    if not (dist.is_available() and dist.is_initialized()):
        return x
    backend = dist.get_backend()
    device = torch.device("cuda", torch.cuda.current_device()) if backend == "nccl" else torch.device("cpu")
    buf = torch.tensor([x], dtype=torch.float64, device=device)
    dist.all_reduce(buf, op=dist.ReduceOp.SUM)
    return float(buf.item()) / dist.get_world_size()


def _check_children(kind: str, optimizer: Any, schedulers: Sequence[Any]) -> None:
    for i, s in enumerate(schedulers):
        if not hasattr(s, "optimizer"):
            raise TypeError(f"{kind} at index {i} should have `optimizer` as its attribute.")
        if isinstance(s, torch.optim.lr_scheduler.ReduceLROnPlateau):
            raise ValueError(
                f"{kind} does not support torch's `ReduceLROnPlateau` scheduler as it "
                "requires additional kwargs to be specified when calling `step`, "
                f"but got one at index {i} in the given schedulers sequence. "
                "Use glideslope.torch.ReduceLROnPlateau, which it supports."
            )
        if optimizer != s.optimizer:
            raise ValueError(
                f"{kind} expects all schedulers to belong to the same optimizer, but "
                f"got scheduler {s.__class__.__name__} at index {i} has {s.optimizer}, "
                f"which is different from {optimizer.__class__.__name__}."
            )


#: ``get_last_lr`` implementations that return ``self._last_lr``
_PLAIN_GET_LAST_LR = (torch.optim.lr_scheduler.LRScheduler.get_last_lr, GlideScheduler.get_last_lr)


def _takes_metrics(s: Any) -> bool:
    return isinstance(s, (ReduceLROnPlateau, SequentialLR, ChainedScheduler))


def _rewind(s: Any) -> None:
    if hasattr(s, "_rewind"):
        s._rewind()
    elif hasattr(s, "_schedulers"):
        for c in s._schedulers:
            _rewind(c)
    elif hasattr(s, "last_epoch"):
        s.last_epoch -= 1


def _restart(s: Any, chain_aware: bool) -> None:
    if hasattr(s, "_restart"):
        s._restart(chain_aware)
    elif chain_aware:
        s._initial_step()
    else:
        s._update_lr(0)


class SequentialLR(LRScheduler):
    """Run schedulers one after another: ``schedulers[i + 1]`` takes over at
    ``milestones[i]``, starting again at its own epoch 0 from the base learning rates.

    Beyond torch: it nests (a SequentialLR or ChainedScheduler may be one of the
    schedulers, at any position, and resumes from a state dict at any step), and a
    :class:`ReduceLROnPlateau` may be one of them (for instance after a warmup): then
    ``step(metrics)`` passes the metric on while it is active.

    Args: as torch's ``SequentialLR``.
    """

    def __init__(
        self, optimizer: Optimizer, schedulers: list[Any], milestones: list[int], last_epoch: int = -1
    ) -> None:
        if len(schedulers) < 1:
            raise ValueError(f"{self.__class__.__name__} expects at least one scheduler, but got no scheduler.")
        _check_children(self.__class__.__name__, optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more "
                f"than the number of milestone points, but got number of schedulers {len(schedulers)} and the "
                f"number of milestones to be equal to {len(milestones)}"
            )
        for i, m in enumerate(milestones):
            check_int(f"milestones[{i}]", m, 0)
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self._metrics_to = [_takes_metrics(s) for s in self._schedulers]
        self._plain_last = [type(s).get_last_lr in _PLAIN_GET_LAST_LR for s in self._schedulers]
        # (start, stop, scheduler, takes metrics, plain get_last_lr) of the run holding the last
        # step: steps strictly inside it skip the milestone search
        self._segment: tuple[float, float, Any, bool, bool] | None = None
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        self._step_count = 1
        self._reset_lrs()
        for s in self._schedulers:
            _rewind(s)
        idx = bisect_right(self._milestones, 0)
        _restart(self._schedulers[idx], True)
        self._last_lr = self._schedulers[idx].get_last_lr()

    def _reset_lrs(self) -> None:
        for g in self.optimizer.param_groups:
            write(g, "lr", as_float(g["initial_lr"]) if isinstance(g["lr"], Tensor) else g["initial_lr"])

    def recursive_undo(self, sched: Any = None) -> None:
        """Undo the initial step of every scheduler held (recursively), as torch's does."""
        _rewind(self if sched is None else sched)

    def _rewind(self) -> None:
        for s in self._schedulers:
            _rewind(s)

    def _restart(self, chain_aware: bool = False) -> None:
        self.last_epoch = 0
        self._reset_lrs()
        for s in self._schedulers:
            _rewind(s)
        idx = bisect_right(self._milestones, 0)
        _restart(self._schedulers[idx], True)
        self._last_lr = self._schedulers[idx].get_last_lr()

    def step(self, metrics: Any = None) -> None:
        """Advance one epoch; ``metrics`` goes to an active :class:`ReduceLROnPlateau`."""
        self._step_count += 1
        t = self.last_epoch = self.last_epoch + 1
        seg = self._segment
        if seg is not None and seg[0] < t < seg[1]:  # inside one scheduler's run: no milestone
            s = seg[2]
            if seg[3]:
                s.step(metrics)
            else:
                s.step()
            self._last_lr = s._last_lr if seg[4] else s.get_last_lr()
            return
        milestones = self._milestones
        idx = bisect_right(milestones, t)
        self._segment = (
            milestones[idx - 1] if idx else -math.inf, milestones[idx] if idx < len(milestones) else math.inf,
            self._schedulers[idx], self._metrics_to[idx], self._plain_last[idx],
        )
        s = self._schedulers[idx]
        if idx > 0 and milestones[idx - 1] == t:
            if self._metrics_to[idx]:
                self._reset_lrs()
            _restart(s, isinstance(s, ChainedScheduler))
        elif self._metrics_to[idx]:
            s.step(metrics)
        else:
            s.step()
        self._last_lr = s._last_lr if self._plain_last[idx] else s.get_last_lr()

    def get_last_lr(self) -> list[float | Tensor]:
        return self._last_lr

    def state_dict(self) -> dict[str, Any]:
        return {
            "last_epoch": self.last_epoch, "_milestones": list(self._milestones),
            "_last_lr": list(self._last_lr), "_step_count": self._step_count,
            "_schedulers": [s.state_dict() for s in self._schedulers],
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.last_epoch = int(state_dict["last_epoch"])
        self._milestones = list(state_dict.get("_milestones", self._milestones))
        self._segment = None
        self._last_lr = list(state_dict.get("_last_lr", self._last_lr))
        self._step_count = int(state_dict.get("_step_count", self._step_count))
        children = state_dict["_schedulers"]
        if len(children) != len(self._schedulers):
            raise ValueError(
                f"state dict holds {len(children)} schedulers, this SequentialLR has {len(self._schedulers)}"
            )
        for s, sd in zip(self._schedulers, children):
            s.load_state_dict(sd)


class ChainedScheduler(LRScheduler):
    """Step several schedulers together: each ``step()`` steps every one of them in order,
    each acting on the learning rate the previous one left (torch's chained semantics, which
    the drop-in classes reproduce exactly). Nests inside :class:`SequentialLR` and resumes
    at any step; a :class:`ReduceLROnPlateau` member receives ``step(metrics)``'s metric.

    Args: as torch's ``ChainedScheduler``.
    """

    def __init__(self, schedulers: Sequence[Any], optimizer: Optimizer | None = None) -> None:
        if len(schedulers) < 1:
            raise ValueError(
                f"{self.__class__.__name__} expects at least one scheduler to be chained, but got no scheduler."
            )
        optimizer = optimizer or schedulers[0].optimizer
        _check_children(self.__class__.__name__, optimizer, schedulers)
        self._schedulers = list(schedulers)
        self._metrics_to = [_takes_metrics(s) for s in self._schedulers]
        self.optimizer = optimizer
        self._step_count = 1
        self.last_epoch = 0
        self._last_lr = group_values(self._schedulers[-1].optimizer, "lr")

    def _rewind(self) -> None:
        for s in self._schedulers:
            _rewind(s)

    def _restart(self, chain_aware: bool = False) -> None:
        for g in self.optimizer.param_groups:
            write(g, "lr", as_float(g["initial_lr"]) if isinstance(g["lr"], Tensor) else g["initial_lr"])
        for s in self._schedulers:
            _restart(s, True)
        self.last_epoch = 0
        self._last_lr = group_values(self.optimizer, "lr")

    def step(self, metrics: Any = None) -> None:
        """Step every scheduler, in order."""
        self._step_count += 1
        self.last_epoch += 1
        for s, takes in zip(self._schedulers, self._metrics_to):
            if takes:
                s.step(metrics)
            else:
                s.step()
        groups = self.optimizer.param_groups
        if len(groups) == 1 and groups[0]["lr"].__class__ is float:
            self._last_lr = [groups[0]["lr"]]
        else:
            self._last_lr = group_values(self.optimizer, "lr")

    def get_last_lr(self) -> list[float | Tensor]:
        return self._last_lr

    def state_dict(self) -> dict[str, Any]:
        return {
            "_last_lr": list(self._last_lr), "_step_count": self._step_count, "last_epoch": self.last_epoch,
            "_schedulers": [s.state_dict() for s in self._schedulers],
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self._last_lr = list(state_dict.get("_last_lr", self._last_lr))
        self._step_count = int(state_dict.get("_step_count", self._step_count))
        self.last_epoch = int(state_dict.get("last_epoch", self.last_epoch))
        children = state_dict["_schedulers"]
        if len(children) != len(self._schedulers):
            raise ValueError(
                f"state dict holds {len(children)} schedulers, this ChainedScheduler has {len(self._schedulers)}"
            )
        for s, sd in zip(self._schedulers, children):
            s.load_state_dict(sd)
