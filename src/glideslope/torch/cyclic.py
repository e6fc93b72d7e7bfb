"""The cyclic drop-ins: ``CosineAnnealingWarmRestarts``, ``CyclicLR`` and ``OneCycleLR``.

Their attributes are torch's (``T_cur``, ``T_i``; ``max_lrs``, ``total_size``,
``step_ratio``, ``_scale_fn_custom``; ``_schedule_phases``, ``_anneal_func_type``), their
numbers the engine's: :func:`glideslope.cosine`, :func:`glideslope.cyclic` and
:func:`glideslope.interpolate`.
"""

from __future__ import annotations

import itertools
import math
import types
from bisect import bisect_right
from collections.abc import Callable
from typing import Any

from torch.optim import Optimizer

import glideslope as gs
from torch import Tensor

from ..schedule import Schedule
from ._base import (
    GlideScheduler,
    as_float,
    check_optimizer,
    format_param,
    number,
    plain,
    real,
    write,
    write_beta1,
)

__all__ = ["CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR"]


# -- the engine curves (shared with from_torch) ---------------------------------------------


def cyclic_curve(total_size: float, step_ratio: float, mode: str, gamma: float,
                 scale_fn: Callable[[float], float] | None, scale_mode: str) -> Schedule:
    """torch's CyclicLR position times its scale, from 0 to 1: with ``L = total_size``,
    ``cycle = floor(1 + t / L)``, ``x = 1 + t / L - cycle``, ``r = step_ratio``:
    ``(x / r if x <= r else (x - 1) / (r - 1)) * scale`` (engine :func:`glideslope.cyclic`).
    With no falling part (``r = 1``) it is the saw ``repeat(linear(0, 1, L))`` times the scale."""
    up = total_size * step_ratio
    down = total_size - up
    if down == 0:
        if scale_fn is not None:
            raise ValueError(
                f"step_size_down=0 with a custom scale_fn (got scale_fn={scale_fn!r}) is not supported: the "
                f"engine's cyclic() has no form without a falling part; give step_size_down >= 1"
            )
        n = int(up) if up == int(up) else None
        unit = gs.repeat(gs.linear(0.0, 1.0, 1))  # the saw frac(t), stretched to frac(t / up)
        saw = gs.repeat(gs.linear(0.0, 1.0, n)) if n is not None else gs.stretch(unit, factor=up)
        if mode == "triangular2":  # 1 / 2 ** (cycle - 1), cycle = floor(1 + t / up)
            halving = gs.step(1.0, 0.5, n) if n is not None else gs.stretch(gs.step(1.0, 0.5, 1), factor=up)
            return saw * halving
        if mode == "exp_range":
            return saw * gs.exponential(1.0, gamma, 1)
        return saw
    up_ = int(up) if up == int(up) else up
    down_ = int(down) if down == int(down) else down
    if scale_fn is not None:
        return gs.cyclic(0.0, 1.0, up_, down_, scale_fn=scale_fn, scale_by=scale_mode)
    return gs.cyclic(0.0, 1.0, up_, down_, mode=mode, gamma=gamma if gamma > 0 else 1.0)


def warm_restarts_curve(t_0: int, t_mult: int) -> Schedule:
    """SGDR from 1 to 0: cycle ``k`` lasts ``T_0 * T_mult ** k`` steps (engine
    :func:`glideslope.cosine_restarts`)."""
    return gs.cosine_restarts(1.0, 0.0, t_0, period_mult=float(t_mult))


def one_cycle_phases(phases: list[dict[str, Any]]) -> tuple[list[float], list[dict[str, Any]]]:
    """The phases torch's search uses and their knots ``[start, end_1, ..., end_m]``: a phase
    that ends at or before 0 is never used (the next starts at that end), nor is a last phase
    of length 0 (``pct_start=1.0``) before ``total_steps``."""
    knots = [0.0, *(float(p["end_step"]) for p in phases)]
    used = list(phases)
    while len(knots) > 2 and knots[1] <= 0:
        if knots[1] == 0 and (len(knots) == 3 or knots[2] > 0):
            raise ZeroDivisionError(  # torch's error here (it divides by the phase's length, 0)
                f"pct_start * total_steps - 1 is 0: the first phase of {phases} has length 0; use a larger pct_start"
            )
        knots, used = knots[1:], used[1:]
    while len(knots) > 2 and knots[-1] == knots[-2]:
        knots, used = knots[:-1], used[:-1]
    for a, b in itertools.pairwise(knots):
        if b <= a:
            raise ValueError(f"the phases end at {knots[1:]}, which are not increasing; use a larger total_steps")
    return knots, used


def one_cycle_unit(knots: list[float], anneal: str) -> Schedule:
    """Each phase's progress, 0 to 1 then 1 to 0 in turn, through the knots: the engine's
    :func:`glideslope.interpolate` (cosine ``(1 - cos(pi * q)) / 2`` of the phase's fraction
    ``q``, or linear ``q``) on the values ``0, 1, 0, 1, ...``."""
    values = [float(k % 2) for k in range(len(knots))]
    return gs.interpolate(knots, values, shape="cosine" if anneal == "cos" else "linear")


def one_cycle_curve(phases: list[dict[str, Any]], group: dict[str, Any], anneal: str, what: str) -> Schedule:
    """The value of one group's ``what`` (``"lr"`` or ``"momentum"``) through torch's phases:
    the engine's :func:`glideslope.interpolate` (cosine ``b + (a - b) * (1 + cos(pi * q)) / 2``
    or linear ``a + (b - a) * q``) through the knots ``(start, start of phase 1)`` and
    ``(end_step_k, end of phase k)``."""
    knots, used = one_cycle_phases(phases)
    values = [as_float(group[used[0][f"start_{what}"]])] + [as_float(group[p[f"end_{what}"]]) for p in used]
    return gs.interpolate(knots, values, shape="cosine" if anneal == "cos" else "linear")


# -- the classes ----------------------------------------------------------------------------


class CosineAnnealingWarmRestarts(GlideScheduler):
    """SGDR: ``lr_i = eta_min + (base_lr_i - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2``,
    ``T_i = T_0 * T_mult ** k`` in the ``k``-th cycle and ``T_cur`` the epochs since the last
    restart (engine :func:`glideslope.cosine` over ``T_i`` steps, at ``T_cur``, which may be
    fractional: ``step(epoch=2.5)`` is allowed, as in torch). As in torch, ``step()`` does not
    count ``_step_count`` (so it never warns about the step order).

    Args:
        optimizer: the optimizer.
        T_0: length of the first cycle (int >= 1).
        T_mult: growth factor of the cycle length (int >= 1).
        eta_min: the lowest learning rate (an int or a float).
        last_epoch: index of the last epoch when resuming (-1: start).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,  # noqa: N803
        T_mult: int = 1,  # noqa: N803
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        # torch's checks, word for word (a NumPy integer is not an int here, as in torch)
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"Expected positive integer T_0, but got {T_0}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"Expected integer T_mult >= 1, but got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"Expected float or int eta_min, but got {eta_min} of type {type(eta_min)}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = plain(eta_min)
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)
        self._step_count = 0  # torch's step() here does not count

    def _rebuild(self) -> None:
        self._curve = gs.cosine(1.0, 0.0, int(self.T_i))

    def _initial_step(self) -> None:
        """torch's initial step; resuming with ``last_epoch = N >= 0`` goes to epoch ``N + 1``
        of the uninterrupted run (torch's own initial step would count from ``T_cur = N``)."""
        self._last_lr = list(self.base_lrs)
        self._is_initial = True
        try:
            self.step(None if self.last_epoch < 0 else self.last_epoch + 1)
        finally:
            self._is_initial = False

    def _update_lr(self, epoch: int | None = None) -> None:
        self.step(epoch)

    def _closed(self, t: int) -> list[float]:
        m, g = self.eta_min, self._curve(self.T_cur)
        return [m + (b - m) * g for b in self._bases()]

    def _group_schedule(self, i: int) -> Schedule:
        m = float(self.eta_min)
        return m + (as_float(self.base_lrs[i]) - m) * warm_restarts_curve(self.T_0, self.T_mult)

    def step(self, epoch: float | None = None) -> None:
        """Advance one epoch, or go to ``epoch`` (a float is allowed: fractions of an epoch)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        t_i = self.T_i
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"Expected non-negative epoch, but got {epoch}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log((epoch / self.T_0 * (self.T_mult - 1) + 1), self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** (n)
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        if self.T_i != t_i:
            self._rebuild()
        self._apply(self.last_epoch)


def _momentum_setup(
    sched: Any, optimizer: Optimizer, base_momentum: Any, max_momentum: Any, fresh: bool
) -> tuple[list[Any], list[Any]]:
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` option enabled")
    sched.use_beta1 = "betas" in optimizer.defaults
    lows = format_param("base_momentum", optimizer, base_momentum)
    highs = format_param("max_momentum", optimizer, max_momentum)
    if fresh:
        for hi, lo, g in zip(highs, lows, optimizer.param_groups):
            write_beta1(g, hi, sched.use_beta1)
            g["max_momentum"] = hi
            g["base_momentum"] = lo
    return lows, highs


class CyclicLR(GlideScheduler):
    """Cyclical learning rate: ``lr_i = base_lr_i + (max_lr_i - base_lr_i) * g(t)`` and, with
    ``cycle_momentum``, ``momentum_i = max_momentum_i - (max_momentum_i - base_momentum_i) *
    g(t)``, where ``g`` is :func:`cyclic_curve`: with ``L = step_size_up + step_size_down``,
    ``cycle = floor(1 + t / L)``, ``x = 1 + t/L - cycle``, ``r = step_size_up / L``,
    ``g = scale * (x / r if x <= r else (x - 1) / (r - 1))`` and ``scale`` 1 (triangular),
    ``1 / 2 ** (cycle - 1)`` (triangular2), ``gamma ** t`` (exp_range) or ``scale_fn(cycle or t)``.

    Args: as torch's ``CyclicLR``.
    """

    use_beta1: bool
    base_momentums: list[Any]
    max_momentums: list[Any]

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
        up = float(real("step_size_up", step_size_up, low=0.0))
        if up == 0:  # torch divides by zero in its first step: same error, said plainly
            raise ZeroDivisionError("step_size_up must be > 0 (CyclicLR's rising part divides by it), got 0")
        down = up if step_size_down is None else float(real("step_size_down", step_size_down, low=0.0))
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"scale_fn must be callable or None, got {type(scale_fn).__name__}")
        self.mode = mode
        self.gamma = number("gamma", gamma)
        if mode == "exp_range" and scale_fn is None and not self.gamma > 0:
            raise ValueError(f"gamma must be > 0 with mode='exp_range', got {gamma!r}")
        self._scale_fn_custom = scale_fn
        if scale_fn is None:  # torch's _init_scale_fn
            self.scale_mode = "iterations" if mode == "exp_range" else "cycle"
        elif scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}")
        else:
            self.scale_mode = scale_mode
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.base_momentums, self.max_momentums = _momentum_setup(
                self, optimizer, base_momentum, max_momentum, last_epoch == -1
            )
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _rebuild(self) -> None:
        self._curve = cyclic_curve(self.total_size, self.step_ratio, self.mode, self.gamma,
                                   self._scale_fn_custom, self.scale_mode)

    def scale_fn(self, x: float) -> float:
        """The amplitude scale of ``mode`` (or the custom ``scale_fn``) at ``x``."""
        if self._scale_fn_custom is not None:
            return float(self._scale_fn_custom(x))
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return float(1 / (2.0 ** (x - 1)))
        return float(self.gamma**x)

    def _closed(self, t: int) -> list[float]:
        g = self._curve(t)
        if self.cycle_momentum:
            groups = self.optimizer.param_groups
            if self.use_beta1:
                for grp, lo, hi in zip(groups, self.base_momentums, self.max_momentums):
                    write_beta1(grp, hi - (hi - lo) * g, True)
            else:
                for grp, lo, hi in zip(groups, self.base_momentums, self.max_momentums):
                    write(grp, "momentum", hi - (hi - lo) * g)
        return [b + (m - b) * g for b, m in zip(self._bases(), self.max_lrs)]

    def _group_schedule(self, i: int) -> Schedule:
        b = as_float(self.base_lrs[i])
        return b + (as_float(self.max_lrs[i]) - b) * self._curve

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        fn = self._scale_fn_custom
        state["_scale_fn_custom"] = None if fn is None or isinstance(fn, types.FunctionType) else fn.__dict__.copy()
        return state

    def _load_special(self, state: dict[str, Any]) -> None:
        fn = state.pop("_scale_fn_custom", None)
        state.pop("_scale_fn_ref", None)
        if fn is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(fn)


class OneCycleLR(GlideScheduler):
    """The 1cycle policy. With ``T = total_steps``, ``initial = max_lr / div_factor`` and
    ``min = initial / final_div_factor`` (kept in each param group, as torch keeps them), the
    learning rate is annealed (cosine ``b + (a - b) * (1 + cos(pi * q)) / 2`` or linear
    ``a + (b - a) * q``) through the knots ``(0, initial), (pct_start * T - 1, max_lr),
    (T - 1, min)``; with ``three_phase`` through ``(0, initial), (pct_start*T - 1, max_lr),
    (2*pct_start*T - 2, initial), (T - 1, min)`` (torch's ``_schedule_phases``). Momentum goes
    the other way, ``max_momentum -> base_momentum -> max_momentum``. Each group's curve is
    :func:`one_cycle_curve`.

    Torch evaluates one step past the last knot (``t = T``) by extrapolating the last phase;
    we give the same number. Further steps raise ``ValueError`` as in torch, unless
    ``hold_final=True`` (ours, opt-in): then the final value is held for every ``t >= T``.

    Args: as torch's ``OneCycleLR``, plus ``hold_final``.
    """

    _derived = ("_curve", "_phases", "_ends")
    use_beta1: bool

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
        # torch's checks, word for word (a NumPy integer is not an int here, as in torch)
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
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
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        div_factor = real("div_factor", div_factor, low=0.0, low_open=True)
        final_div_factor = real("final_div_factor", final_div_factor, low=0.0, low_open=True)
        n, p = self.total_steps, float(pct_start)
        self._schedule_phases: list[dict[str, Any]]
        if three_phase:
            self._schedule_phases = [
                {"end_step": float(p * n) - 1, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": float(2 * p * n) - 2, "start_lr": "max_lr", "end_lr": "initial_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
                {"end_step": n - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"},
            ]
        else:
            self._schedule_phases = [
                {"end_step": float(p * n) - 1, "start_lr": "initial_lr", "end_lr": "max_lr",
                 "start_momentum": "max_momentum", "end_momentum": "base_momentum"},
                {"end_step": n - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
            ]
        self._anneal_func_type = anneal_strategy
        self.hold_final = bool(hold_final)
        max_lrs = format_param("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for m, g in zip(max_lrs, optimizer.param_groups):
                g["initial_lr"] = m / div_factor
                g["max_lr"] = m
                g["min_lr"] = g["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            _momentum_setup(self, optimizer, base_momentum, max_momentum, last_epoch == -1)
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        knots, self._phases = one_cycle_phases(self._schedule_phases)
        self._curve = one_cycle_unit(knots, self._anneal_func_type)
        self._ends = (knots[-2], knots[-1])  # the last phase

    def _progress(self, x: float) -> tuple[int, float]:
        """The phase ``k`` holding step ``x`` and the progress in it, 0 to 1 (one
        step past the end, torch's extrapolation of the last phase: a cosine mirrors about its
        end, a line continues; with ``hold_final``, 1)."""
        a, b = self._ends
        curve = self._curve
        k = min(max(bisect_right(curve.boundaries, x) - 1, 0), len(self._phases) - 1)  # type: ignore[attr-defined]
        if x <= b:
            u = float(curve(x))
        elif self.hold_final:
            u = float(curve(b))
        elif self._anneal_func_type == "cos":
            u = float(curve(2 * b - x)) if 2 * b - x >= a else float(curve(a))
        else:
            u = 2 * float(curve(b)) - float(curve(b - (x - b))) if b - (x - b) >= a else float(curve(b))
        return k, (u if k % 2 == 0 else 1.0 - u)

    def _closed(self, t: int) -> list[float]:
        if t > self.total_steps and not self.hold_final:
            raise ValueError(f"Tried to step {t} times. The specified number of total steps is {self.total_steps}")
        phases = self._schedule_phases
        if t > phases[-1]["end_step"] and phases[-1]["end_step"] == phases[-2]["end_step"] and not self.hold_final:
            raise ZeroDivisionError(  # torch's error here: its last phase has length 0
                f"step {t} is past the end of the 1cycle (pct_start=1.0 leaves no annealing phase)"
            )
        k, p = self._progress(t)
        ph = self._phases[k]
        groups = self.optimizer.param_groups
        # each group's values, read from the group as torch reads them
        lo, hi = ph["start_lr"], ph["end_lr"]
        out = [g[lo] + (g[hi] - g[lo]) * p for g in groups]
        if self.cycle_momentum:
            lo, hi, ub = ph["start_momentum"], ph["end_momentum"], self.use_beta1
            for g in groups:
                write_beta1(g, g[lo] + (g[hi] - g[lo]) * p, ub)
        return out

    def _group_schedule(self, i: int) -> Schedule:
        g = self.optimizer.param_groups[i]
        return one_cycle_curve(self._schedule_phases, g, self._anneal_func_type, "lr")

    def _load_special(self, state: dict[str, Any]) -> None:
        # a state dict written by torch < 2.2 carries the anneal function itself
        fn = state.pop("anneal_func", None)
        if fn is not None and "_anneal_func_type" not in state:
            name = getattr(fn, "__name__", "")
            if name not in ("_annealing_cos", "_annealing_linear"):
                raise ValueError(
                    f"OneCycleLR state dict has anneal_func={fn!r}; "
                    "expected torch's _annealing_cos or _annealing_linear"
                )
            state["_anneal_func_type"] = "cos" if name == "_annealing_cos" else "linear"
