"""The cyclic drop-ins: ``CosineAnnealingWarmRestarts``, ``CyclicLR`` and ``OneCycleLR``.

Their attributes are torch's (``T_cur``, ``T_i``; ``max_lrs``, ``total_size``,
``step_ratio``, ``_scale_fn_ref``, ``_scale_fn_custom``; ``_schedule_phases``,
``_anneal_func_type``) and so are the static methods (CyclicLR's scale functions, OneCycleLR's
``_annealing_cos`` and ``_annealing_linear``), their
numbers the engine's: :func:`glideslope.cosine`, :func:`glideslope.cyclic` and
:func:`glideslope.interpolate`.
"""

from __future__ import annotations

import itertools
import math
import types
from bisect import bisect_left
from collections.abc import Callable
from functools import partial
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
    live,
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


def one_cycle_progress(length: float, anneal: str) -> Schedule:
    """One phase's progress, 0 to 1 over ``length`` steps: cosine ``(1 - cos(pi * q)) / 2``
    of its fraction ``q`` (engine :func:`glideslope.cosine` from 0 to 1), or linear ``q``."""
    unit = gs.cosine(0.0, 1.0, 1) if anneal == "cos" else gs.linear(0.0, 1.0, 1)
    n = int(length)
    if n == length:
        return gs.cosine(0.0, 1.0, n) if anneal == "cos" else gs.linear(0.0, 1.0, n)
    return gs.stretch(unit, factor=float(length))


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
        # torch puts one object in both the live entry and max_momentum (harmless there: each
        # step assigns a new one); ours writes the live one in place, so it gets its own copy
        for hi, lo, g in zip(highs, lows, optimizer.param_groups):
            if sched.use_beta1:
                g["betas"] = (live(hi), *g["betas"][1:])
            else:
                g["momentum"] = live(hi)
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

    _derived = ("_curve", "_scale_fn_ref")
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
            # a tensor base_lr goes into a float group as a copy: torch puts base_lrs[i] itself
            # there, which its in-place writes then move (its learning rate stops cycling)
            for lr, g in zip(base_lrs, optimizer.param_groups):
                write(g, "lr", as_float(lr) if isinstance(g["lr"], Tensor) else live(lr))
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
        if scale_fn is not None and scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}")
        self._scale_fn_ref: Callable[[float], float]
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode  # with no custom scale_fn, _init_scale_fn sets the mode's
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.base_momentums, self.max_momentums = _momentum_setup(
                self, optimizer, base_momentum, max_momentum, last_epoch == -1
            )
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _rebuild(self) -> None:
        self._init_scale_fn()
        self._curve = cyclic_curve(self.total_size, self.step_ratio, self.mode, self.gamma,
                                   self._scale_fn_custom, self.scale_mode)

    def _init_scale_fn(self) -> None:
        """torch's: with no custom ``scale_fn``, ``_scale_fn_ref`` is the mode's function and
        ``scale_mode`` the mode's (``"cycle"``, or ``"iterations"`` for ``exp_range``); with
        one, both are left as they are (and ``_scale_fn_ref`` is not set)."""
        if self._scale_fn_custom is not None:
            return
        if self.mode == "triangular":
            self._scale_fn_ref = CyclicLR._triangular_scale_fn
            self.scale_mode = "cycle"
        elif self.mode == "triangular2":
            self._scale_fn_ref = CyclicLR._triangular2_scale_fn
            self.scale_mode = "cycle"
        elif self.mode == "exp_range":
            self._scale_fn_ref = partial(CyclicLR._exp_range_scale_fn, self.gamma)
            self.scale_mode = "iterations"
        else:  # only a state saved with a custom scale_fn has another mode
            raise ValueError(
                f"CyclicLR has mode={self.mode!r} and no scale_fn: a state saved with a custom scale_fn "
                "loads only into a CyclicLR built with that scale_fn (functions are not saved)"
            )

    @staticmethod
    def _triangular_scale_fn(x: float) -> float:
        """``1``: the ``triangular`` mode's amplitude scale."""
        return 1.0

    @staticmethod
    def _triangular2_scale_fn(x: float) -> float:
        """``1 / 2 ** (x - 1)``: the ``triangular2`` mode's, halved each cycle ``x``."""
        return float(1 / (2.0 ** (x - 1)))

    @staticmethod
    def _exp_range_scale_fn(gamma: float, x: float) -> float:
        """``gamma ** x``: the ``exp_range`` mode's, at iteration ``x``."""
        return float(gamma**x)

    def scale_fn(self, x: float) -> float:
        """The amplitude scale at ``x``: the custom ``scale_fn``, else the mode's (``_scale_fn_ref``)."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        return self._scale_fn_ref(x)

    def _closed(self, t: int) -> list[float]:
        g = self._curve(t)
        if self.cycle_momentum:
            groups = self.optimizer.param_groups
            ub = self.use_beta1
            for grp, lo, hi in zip(groups, self.base_momentums, self.max_momentums):
                write_beta1(grp, hi - (hi - lo) * g, ub)
        return [b + (m - b) * g for b, m in zip(self._bases(), self.max_lrs)]

    def _group_schedule(self, i: int) -> Schedule:
        b = as_float(self.base_lrs[i])
        return b + (as_float(self.max_lrs[i]) - b) * self._curve

    def state_dict(self) -> dict[str, Any]:
        """torch's: without ``_scale_fn_ref``, and ``_scale_fn_custom`` as None for a function
        (it is not saved; give it again to the scheduler that loads) or the ``__dict__`` of a
        callable object, so that the state pickles."""
        state = super().state_dict()
        fn = self._scale_fn_custom
        state["_scale_fn_custom"] = None if fn is None or isinstance(fn, types.FunctionType) else fn.__dict__.copy()
        return state

    def _load_special(self, state: dict[str, Any]) -> None:
        # the scheduler's own scale_fn stays; a saved object's __dict__ is loaded into it, and
        # _rebuild restores the built-in mode's _scale_fn_ref (torch's load_state_dict)
        saved = state.pop("_scale_fn_custom", None)
        mode = state.get("mode", self.mode)
        if self._scale_fn_custom is None and mode not in ("triangular", "triangular2", "exp_range"):
            raise ValueError(
                f"this CyclicLR state has mode={mode!r}, so it was saved with a custom scale_fn (functions are "
                "not saved); build the CyclicLR with that scale_fn before load_state_dict"
            )
        if saved is not None:
            if self._scale_fn_custom is None:
                raise ValueError(
                    f"this CyclicLR state was saved with a custom scale_fn object (its state: {saved!r}); "
                    "build the CyclicLR with scale_fn=<that object> before load_state_dict"
                )
            self._scale_fn_custom.__dict__.update(saved)


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

    _derived = ("_curve", "_phases", "_knots", "_progress", "_anneal")
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
        real("div_factor", div_factor, low=0.0, low_open=True)
        real("final_div_factor", final_div_factor, low=0.0, low_open=True)
        # the divisors as torch uses them: a tensor (copied) divides into a tensor entry
        div_factor, final_div_factor = plain(div_factor), plain(final_div_factor)
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

    @staticmethod
    def _annealing_cos(start: Any, end: Any, pct: float) -> Any:
        """Cosine from ``start`` (``pct = 0``) to ``end`` (``pct = 1``):
        ``end + (start - end) / 2 * (1 + cos(pi * pct))``."""
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)

    @staticmethod
    def _annealing_linear(start: Any, end: Any, pct: float) -> Any:
        """Linear from ``start`` to ``end``: ``start + (end - start) * pct``."""
        return (end - start) * pct + start

    def _anneal_func(self, start: Any, end: Any, pct: float) -> Any:
        """torch's: the function ``_anneal_func_type`` names, or (a state saved by torch < 2.2,
        which kept the function itself) ``anneal_func``."""
        kind = self.__dict__.get("_anneal_func_type")
        if kind is None:
            return self.__dict__["anneal_func"](start, end, pct)
        return self._annealing_cos(start, end, pct) if kind == "cos" else self._annealing_linear(start, end, pct)

    def _rebuild(self) -> None:
        self._anneal = _anneal_kind(self.__dict__)
        self._knots, self._phases = one_cycle_phases(self._schedule_phases)
        self._curve = one_cycle_unit(self._knots, self._anneal)
        # each phase's progress on its own, 0 to 1 over the phase: what _curve is (or 1 minus
        # it) between two knots, in one engine call where _curve's interpolation takes three times as long
        self._progress = [one_cycle_progress(b - a, self._anneal) for a, b in itertools.pairwise(self._knots)]

    def _past_end(self, t: int) -> float:
        """The engine curve's value for a step past the last knot ``b``: torch's error for a
        step past ``total_steps`` or past a last phase of length 0; at ``t = total_steps``
        torch's extrapolation of the last phase (a cosine mirrors about its end, a line
        continues); with ``hold_final``, the value at ``b``."""
        a, b = self._knots[-2], self._knots[-1]
        curve = self._curve
        if self.hold_final:
            return float(curve(b))
        if t > self.total_steps:
            raise ValueError(f"Tried to step {t} times. The specified number of total steps is {self.total_steps}")
        phases = self._schedule_phases
        if phases[-1]["end_step"] == phases[-2]["end_step"]:
            raise ZeroDivisionError(  # torch's error here: its last phase has length 0
                f"step {t} is past the end of the 1cycle (pct_start=1.0 leaves no annealing phase)"
            )
        if self._anneal == "cos":
            return float(curve(2 * b - t)) if 2 * b - t >= a else float(curve(a))
        return 2 * float(curve(b)) - float(curve(2 * b - t)) if 2 * b - t >= a else float(curve(b))

    def _closed(self, t: int) -> list[float]:
        knots = self._knots
        # phase k runs from knots[k] to knots[k + 1] and holds its end (torch's search: the
        # first phase with t <= its end_step); the engine curve goes 0 -> 1 in the even phases
        # and 1 -> 0 in the odd ones, so the progress p through phase k is u or 1 - u
        if t <= knots[-1]:
            k = bisect_left(knots, t, 1) - 1
            p = self._progress[k](t - knots[k])
        else:
            k = len(knots) - 2
            u = self._past_end(t)
            p = u if k % 2 == 0 else 1.0 - u
        ph = self._phases[k]
        # each group's values, read from the group as torch reads them
        lo, hi = ph["start_lr"], ph["end_lr"]
        if not self.cycle_momentum:
            return [g[lo] + (g[hi] - g[lo]) * p for g in self.optimizer.param_groups]
        out = []
        mlo, mhi, ub = ph["start_momentum"], ph["end_momentum"], self.use_beta1
        for g in self.optimizer.param_groups:
            out.append(g[lo] + (g[hi] - g[lo]) * p)
            write_beta1(g, g[mlo] + (g[mhi] - g[mlo]) * p, ub)
        return out

    def _group_schedule(self, i: int) -> Schedule:
        g = self.optimizer.param_groups[i]
        return one_cycle_curve(self._schedule_phases, g, self._anneal, "lr")

    def _load_special(self, state: dict[str, Any]) -> None:
        _anneal_kind({**self.__dict__, **state})  # a legacy anneal_func we cannot follow: refused before loading


def _anneal_kind(attrs: dict[str, Any]) -> str:
    """OneCycleLR's annealing, ``"cos"`` or ``"linear"``, from its attributes: ``_anneal_func_type``,
    or else (a state saved by torch < 2.2) the static method ``anneal_func`` is, torch's or
    ours; torch, too, reads ``anneal_func`` only when there is no ``_anneal_func_type``."""
    kind = attrs.get("_anneal_func_type")
    if kind is not None:
        return str(kind)
    fn = attrs.get("anneal_func")
    name = getattr(fn, "__qualname__", "")
    if name not in ("OneCycleLR._annealing_cos", "OneCycleLR._annealing_linear"):
        raise ValueError(
            f"OneCycleLR has no _anneal_func_type and its anneal_func is {fn!r}; a legacy state dict "
            "loads when its anneal_func is OneCycleLR._annealing_cos or OneCycleLR._annealing_linear"
        )
    return "cos" if name.endswith("_cos") else "linear"
