"""The fixed-form drop-ins: ``LambdaLR``, ``MultiplicativeLR``, ``StepLR``, ``MultiStepLR``,
``ConstantLR``, ``LinearLR``, ``ExponentialLR``, ``PolynomialLR``, ``CosineAnnealingLR``.

In every formula ``t`` is ``last_epoch`` (the number of ``step()`` calls) and ``base_lr`` a
group's ``initial_lr``. Arguments take every form torch's arithmetic takes (ints, floats,
NumPy scalars, one-element tensors; for milestones any iterable) and are kept as torch keeps
them, NumPy and tensor scalars as Python numbers. Each class's engine multiplier comes from a
function of its arguments (``*_curve``), which :func:`glideslope.torch.from_torch` shares.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from torch.optim import Optimizer

import glideslope as gs
from torch import Tensor

from ..schedule import Schedule
from ._base import (
    GlideScheduler,
    as_float,
    check_optimizer,
    group_values,
    lambda_state,
    load_lambdas,
    plain,
    real,
    write,
)

__all__ = [
    "ConstantLR", "CosineAnnealingLR", "ExponentialLR", "LambdaLR", "LinearLR", "MultiStepLR",
    "MultiplicativeLR", "PolynomialLR", "StepLR",
]


# -- the engine multipliers (shared with from_torch) ----------------------------------------


def _whole(x: float) -> int | None:
    """``x`` as an int when it is a whole number, else None."""
    return int(x) if x == int(x) else None


def step_curve(step_size: float, gamma: float) -> Schedule:
    """``gamma ** floor(t / step_size)`` (a fractional ``step_size`` decays at the integer
    steps that are multiples of it, as torch's chained rule does)."""
    n = _whole(step_size)
    if n is not None:
        return gs.step(1.0, gamma, n)
    # t % step_size == 0 only at multiples of the smallest integer multiple of step_size
    num = float(step_size).as_integer_ratio()[0]
    return gs.step(1.0, gamma, num)


def multistep_curve(milestones: Counter[Any], gamma: float) -> Schedule:
    """``gamma ** (number of milestones m <= t counted with multiplicity)``, over the
    milestones torch's chained rule meets: whole numbers ``>= 0`` (a negative or fractional
    one never equals an epoch)."""
    hits: Counter[int] = Counter()
    for m, c in milestones.items():
        w = _whole(float(m)) if isinstance(m, (int, float)) else None
        if w is not None and w >= 0 and c > 0:
            hits[w] += c
    start = gamma ** hits.pop(0, 0)
    if not hits:
        return gs.constant(start)
    levels = [
        gs.multistep(1.0, gamma, sorted(m for m, c in hits.items() if c >= k)) for k in range(1, max(hits.values()) + 1)
    ]
    s = levels[0] if len(levels) == 1 else gs.product(*levels)
    return s if start == 1.0 else start * s


def constant_curve(factor: float, total_iters: float) -> Schedule:
    """``factor`` before ``total_iters``, then 1; for ever ``factor`` when ``total_iters`` is
    not a whole number ``>= 1`` (torch's chained rule switches back only at ``t == total_iters``)."""
    n = _whole(total_iters)
    if n is None or n < 1:
        return gs.constant(factor)
    return gs.join([gs.constant(factor), gs.constant(1.0)], [n])


def linear_curve(start: float, end: float, total_iters: float) -> Schedule:
    """``start + (end - start) * min(t, n) / T`` with ``T = total_iters`` and ``n = floor(T)``
    (torch's chained rule stops at the last whole step ``<= T``)."""
    n = math.floor(total_iters) if total_iters >= 1 else 0
    if n == 0:
        return gs.constant(start)
    if n == total_iters:
        return gs.linear(start, end, n)
    stop = start + (end - start) * n / total_iters
    return gs.join([gs.stretch(gs.linear(start, end, 1), factor=float(total_iters)), gs.constant(stop)], [n])


def multiplicative_curve(fn: Callable[[int], float]) -> Schedule:
    """``prod(fn(k) for k in 1..t)``: torch's MultiplicativeLR has no closed form, so the
    product is replayed at each evaluation (:func:`glideslope.function`)."""

    def product(t: float) -> float:
        p = 1.0
        for k in range(1, int(t) + 1):
            p *= float(fn(k))
        return p

    return gs.function(product)


def exponential_curve(gamma: float) -> Schedule:
    """``gamma ** t``."""
    return gs.exponential(1.0, gamma, 1)


def polynomial_curve(total_iters: float, power: float) -> Schedule:
    """``(1 - min(t, n) / T) ** power`` with ``T = total_iters``, ``n = floor(T)``."""
    n = math.floor(total_iters) if total_iters >= 1 else 0
    if n == 0 or power == 0:
        return gs.constant(1.0)
    if n == total_iters:
        return gs.polynomial(1.0, 0.0, n, power)
    stop = (1.0 - n / total_iters) ** power
    return gs.join([gs.stretch(gs.polynomial(1.0, 0.0, 1, power), factor=float(total_iters)), gs.constant(stop)], [n])


def cosine_annealing_curve(t_max: float) -> Schedule:
    """``(1 + cos(pi * t / T_max)) / 2``: torch's code keeps going past ``T_max``, so the curve
    climbs back to 1 at ``2 * T_max`` and is periodic: ``repeat(cosine(1, 0, T) >> cosine(0, 1, T))``."""
    n = _whole(t_max)
    if n is not None:
        return gs.repeat(gs.cosine(1.0, 0.0, n) >> gs.cosine(0.0, 1.0, n))
    return gs.stretch(gs.repeat(gs.cosine(1.0, 0.0, 1) >> gs.cosine(0.0, 1.0, 1)), factor=float(t_max))


# -- the classes ----------------------------------------------------------------------------


def _lambdas(optimizer: Optimizer, lr_lambda: Any) -> list[Any]:
    n = len(optimizer.param_groups)
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != n:
            raise ValueError(f"Expected {n} lr_lambdas, but got {len(lr_lambda)}")
        return list(lr_lambda)
    return [lr_lambda] * n


class _Lambdas(GlideScheduler):
    """State of the classes holding ``lr_lambdas`` (torch's form: None for a function, the
    ``__dict__`` of a callable object)."""

    _derived = ()
    lr_lambdas: list[Any]

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
        super().__init__(optimizer, last_epoch)


    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["lr_lambdas"] = lambda_state(self.lr_lambdas)
        return state

    def _load_special(self, state: dict[str, Any]) -> None:
        load_lambdas(self.lr_lambdas, state.pop("lr_lambdas", None))


class LambdaLR(_Lambdas):
    """``lr_i(t) = base_lr_i * lr_lambda_i(t)``. One function given for every group is
    called once per step (torch calls it once per group; the values are the same for a
    function of the epoch).

    Args:
        optimizer: the optimizer.
        lr_lambda: a function of the epoch, or a list with one per param group.
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    def _closed(self, t: int) -> list[float]:
        fns = self.lr_lambdas
        first = fns[0]
        if all(fn is first for fn in fns):
            m = first(t)
            return [b * m for b in self._bases()]
        return [b * fn(t) for b, fn in zip(self._bases(), fns)]

    def _group_schedule(self, i: int) -> Schedule:
        return as_float(self.base_lrs[i]) * gs.function(self.lr_lambdas[i])


class MultiplicativeLR(_Lambdas):
    """``lr_i(t) = lr_i(t - 1) * lr_lambda_i(t)`` for ``t >= 1`` (inherently chained, as in
    torch: each step multiplies the learning rate the group holds).

    Args:
        optimizer: the optimizer.
        lr_lambda: a function of the epoch giving the factor, or one per param group.
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True

    def _apply(self, t: int, closed: bool = False) -> None:
        initial = self._is_initial
        out: list[Any] = []
        for g, fn in zip(self.optimizer.param_groups, self.lr_lambdas):
            cur = g["lr"]
            if isinstance(cur, Tensor):
                # multiplied as a tensor, in its dtype, as torch does, and written in place
                if not initial:
                    cur.fill_(cur * fn(t))
                out.append(cur.clone())
            else:
                v = as_float(cur) if initial else cur * fn(t)
                g["lr"] = v
                out.append(v)
        self._last_lr = out

    def _group_schedule(self, i: int) -> Schedule:
        return as_float(self.base_lrs[i]) * multiplicative_curve(self.lr_lambdas[i])


class StepLR(GlideScheduler):
    """``lr_i(t) = base_lr_i * gamma ** floor(t / step_size)`` (engine :func:`glideslope.step`).

    Args:
        optimizer: the optimizer.
        step_size: epochs between decays (> 0; a fractional one decays at the epochs that are
            multiples of it, as torch's rule does).
        gamma: the decay factor (> 0).
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        self.step_size = real("step_size", step_size, low=0.0, low_open=True)
        self.gamma = real("gamma", gamma, low=0.0, low_open=True)
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        self._curve = step_curve(self.step_size, self.gamma)

    def _chain(self, i: int, lr: Any, t: int) -> Any:
        return lr if t == 0 or t % self.step_size else lr * self.gamma

    def _chain_all(self, lrs: list[float], t: int) -> list[float]:
        if t == 0 or t % self.step_size:
            return lrs
        g = self.gamma
        return [lr * g for lr in lrs]


class MultiStepLR(GlideScheduler):
    """``lr_i(t) = base_lr_i * gamma ** (number of milestones <= t)``; a milestone listed ``k``
    times counts ``k`` times, in any order (torch keeps a Counter); a negative or fractional
    milestone is never met by ``step()`` (as in torch). Engine :func:`glideslope.multistep`.

    Args:
        optimizer: the optimizer.
        milestones: epochs at which the learning rate is multiplied by gamma (any iterable).
        gamma: the decay factor (> 0).
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True

    def __init__(
        self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if isinstance(milestones, (str, bytes)) or not isinstance(milestones, Iterable):
            raise TypeError(
                f"milestones must be an iterable of epochs, got {type(milestones).__name__}: {milestones!r}"
            )
        ms = [plain(m) for m in milestones]
        for i, m in enumerate(ms):
            ms[i] = real(f"milestones[{i}]", m)
        self.milestones: Counter[Any] = Counter(ms)
        self.gamma = real("gamma", gamma, low=0.0, low_open=True)
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        self._curve = multistep_curve(self.milestones, self.gamma)

    def _chain(self, i: int, lr: Any, t: int) -> Any:
        k = self.milestones.get(t, 0)
        return lr * self.gamma**k if k else lr

    def _chain_all(self, lrs: list[float], t: int) -> list[float]:
        k = self.milestones.get(t, 0)
        if not k:
            return lrs
        f = self.gamma**k
        return [lr * f for lr in lrs]

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            super()._update_lr()
            return
        # torch's closed form for an explicit epoch counts every milestone <= epoch
        self.last_epoch = epoch
        k = bisect_right(sorted(self.milestones.elements()), epoch)
        values = [b * self.gamma**k for b in self._bases()]
        for g, v in zip(self.optimizer.param_groups, values):
            write(g, "lr", v)
        self._follow = [False] * len(values)
        self._last_lr = group_values(self.optimizer, "lr")


class ConstantLR(GlideScheduler):
    """``lr_i(t) = base_lr_i * factor`` for ``t < total_iters``, then ``base_lr_i`` (engine
    :func:`glideslope.join` of two constants). With ``total_iters`` 0, negative or fractional,
    torch's code keeps ``factor`` for ever; so do we.

    Args:
        optimizer: the optimizer.
        factor: the multiplier before ``total_iters``, in [0, 1].
        total_iters: epochs at the reduced value.
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True

    def __init__(
        self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1
    ) -> None:
        factor = real("factor", factor)
        if factor > 1.0 or factor < 0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor = factor
        self.total_iters = real("total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        self._curve = constant_curve(self.factor, self.total_iters)

    def _chain(self, i: int, lr: Any, t: int) -> Any:
        if t == 0:
            return lr * self.factor
        if t != self.total_iters:
            return lr
        return lr * (1.0 / self.factor) if self.factor else self._bases()[i]

    def _chain_all(self, lrs: list[float], t: int) -> list[float]:
        return lrs if t != 0 and t != self.total_iters else super()._chain_all(lrs, t)


class LinearLR(GlideScheduler):
    """``lr_i(t) = base_lr_i * (start_factor + (end_factor - start_factor) * min(t, n) / T)``
    with ``T = total_iters`` and ``n = floor(T)`` (engine :func:`glideslope.linear`);
    ``total_iters <= 0`` keeps ``start_factor`` for ever (torch's code).

    Args:
        optimizer: the optimizer.
        start_factor: multiplier at epoch 0, in (0, 1].
        end_factor: multiplier from ``total_iters`` on, in [0, 1].
        total_iters: length of the ramp.
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        start_factor = real("start_factor", start_factor)
        end_factor = real("end_factor", end_factor)
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = real("total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        self._curve = linear_curve(self.start_factor, self.end_factor, self.total_iters)

    def _chain(self, i: int, lr: Any, t: int) -> Any:
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


class ExponentialLR(GlideScheduler):
    """``lr_i(t) = base_lr_i * gamma ** t`` (engine :func:`glideslope.exponential`).

    Args:
        optimizer: the optimizer.
        gamma: the factor per epoch (> 0).
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = real("gamma", gamma, low=0.0, low_open=True)
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        self._curve = exponential_curve(self.gamma)

    def _chain(self, i: int, lr: Any, t: int) -> Any:
        return lr if self._is_initial else lr * self.gamma

    def _chain_all(self, lrs: list[float], t: int) -> list[float]:
        if self._is_initial:
            return lrs
        g = self.gamma
        return [lr * g for lr in lrs]


class PolynomialLR(GlideScheduler):
    """``lr_i(t) = base_lr_i * (1 - min(t, n) / T) ** power`` with ``T = total_iters`` and
    ``n = floor(T)`` (engine :func:`glideslope.polynomial`; ``total_iters < 1`` keeps the base).

    Args:
        optimizer: the optimizer.
        total_iters: epochs of decay.
        power: the exponent (>= 0).
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True

    def __init__(
        self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1
    ) -> None:
        self.total_iters = real("total_iters", total_iters)
        self.power = real("power", power, low=0.0)
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        self._curve = polynomial_curve(self.total_iters, self.power)

    def _chain(self, i: int, lr: Any, t: int) -> Any:
        if self._is_initial or t > self.total_iters:
            return lr
        n = self.total_iters
        return lr * ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power

    def _chain_all(self, lrs: list[float], t: int) -> list[float]:
        return lrs if self._is_initial or t > self.total_iters else super()._chain_all(lrs, t)


class CosineAnnealingLR(GlideScheduler):
    """``lr_i(t) = eta_min + (base_lr_i - eta_min) * (1 + cos(pi * t / T_max)) / 2``.

    Torch's docs describe one half cosine; its (recursive) code keeps going, so past
    ``T_max`` the learning rate climbs back to ``base_lr`` at ``2 * T_max`` and the curve is
    periodic with period ``2 * T_max``. We follow the code (:func:`cosine_annealing_curve`).

    Args:
        optimizer: the optimizer.
        T_max: half period (> 0).
        eta_min: the lowest learning rate.
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    chained = True

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:  # noqa: N803
        self.T_max = real("T_max", T_max, low=0.0, low_open=True)
        self.eta_min = real("eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    _derived = ("_curve", "_descent")

    def _rebuild(self) -> None:
        self._curve = cosine_annealing_curve(self.T_max)
        # the first half period on its own: what _curve is for t <= T_max, in one engine call
        # where _curve (periodic, a repeat of a sequence) makes three
        n = _whole(self.T_max)
        one = gs.cosine(1.0, 0.0, 1)
        self._descent = gs.cosine(1.0, 0.0, n) if n is not None else gs.stretch(one, factor=float(self.T_max))

    def _closed(self, t: int) -> list[float]:
        m = self.eta_min
        g = self._descent(t) if t <= self.T_max else self._curve(t)
        return [m + (b - m) * g if b.__class__ is float else m + (as_float(b) - m) * g for b in self.base_lrs]

    def _group_schedule(self, i: int) -> Schedule:
        m = float(self.eta_min)
        return m + (as_float(self.base_lrs[i]) - m) * self._curve

    def _chain(self, i: int, lr: Any, t: int) -> Any:
        n, m = self.T_max, self.eta_min
        if self._is_initial:
            return lr
        base = self._bases()[i]
        if self._step_count == 1 and t > 0:
            return m + (base - m) * (1 + math.cos(t * math.pi / n)) / 2
        if (t - 1 - n) % (2 * n) == 0:
            return lr + (base - m) * (1 - math.cos(math.pi / n)) / 2
        return (1 + math.cos(math.pi * t / n)) / (1 + math.cos(math.pi * (t - 1) / n)) * (lr - m) + m

