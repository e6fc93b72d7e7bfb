"""``from_torch``: read a torch learning-rate scheduler into the glideslope schedule it follows.

It reads what torch makes public: the scheduler's documented attributes (``base_lrs``,
``T_max``, ``lr_lambdas``, ...), its ``state_dict()`` (the checkpoint format, which holds
OneCycleLR's phases) and the optimizer's param groups. The one exception is what a
``SequentialLR`` / ``ChainedScheduler`` holds, ``_schedulers`` and ``_milestones``, which torch
keeps under these names only (its own ``recursive_undo`` and ``state_dict`` read them so).
"""

from __future__ import annotations

import functools
import math
from typing import Any

from torch.optim import lr_scheduler as tls
from torch.optim.swa_utils import SWALR as TorchSWALR  # noqa: N811

import glideslope as gs
import torch

from .._validate import checked_keywords
from ..schedule import Schedule
from ._base import GlideScheduler, as_float
from .cyclic import cyclic_curve, one_cycle_curve, warm_restarts_curve
from .fixed import (
    constant_curve,
    cosine_annealing_curve,
    exponential_curve,
    linear_curve,
    multiplicative_curve,
    multistep_curve,
    polynomial_curve,
    step_curve,
)
from .native import ScheduleLR
from .swa import swa_alpha_curve

__all__ = ["from_torch", "take_over"]

#: Transformers' lambdas (``transformers.optimization``), by name: the dialect function that
#: builds the same schedule
_TRANSFORMERS = {
    "_get_constant_lambda": "get_constant_schedule",
    "_get_constant_schedule_with_warmup_lr_lambda": "get_constant_schedule_with_warmup",
    "_get_linear_schedule_with_warmup_lr_lambda": "get_linear_schedule_with_warmup",
    "_get_cosine_schedule_with_warmup_lr_lambda": "get_cosine_schedule_with_warmup",
    "_get_cosine_with_hard_restarts_schedule_with_warmup_lr_lambda": (
        "get_cosine_with_hard_restarts_schedule_with_warmup"
    ),
    "_get_polynomial_decay_schedule_with_warmup_lr_lambda": "get_polynomial_decay_schedule_with_warmup",
    "_get_inverse_sqrt_schedule_lr_lambda": "get_inverse_sqrt_schedule",
    "_get_cosine_with_min_lr_schedule_with_warmup_lr_rate_lambda": (
        "get_cosine_with_min_lr_schedule_with_warmup_lr_rate"
    ),
    "_get_wsd_scheduler_lambda": "get_wsd_schedule",
}


class UnreadableSchedulerError(TypeError):
    """``from_torch`` met something it cannot express as a glideslope schedule."""


@checked_keywords
def from_torch(scheduler: Any, group: int = 0) -> Schedule:
    """The glideslope schedule that param group ``group``'s learning rate follows under
    ``scheduler`` (an instance of any ``torch.optim.lr_scheduler`` class or of
    ``torch.optim.swa_utils.SWALR``, or one of ours), from epoch 0, in absolute values:
    ``from_torch(s)(t)`` is the learning rate after ``t`` calls of ``s.step()``.

    A ``LambdaLR`` whose lambda is one of Transformers' (what ``get_scheduler`` returns) gives
    the dialect's closed form; any other lambda is wrapped as :func:`glideslope.function`.

    Raises:
        UnreadableSchedulerError (a TypeError): naming what it cannot read, e.g. a
            ``ReduceLROnPlateau`` (it reacts to a metric) or a user's own subclass.
    """
    if isinstance(scheduler, GlideScheduler):
        return scheduler.group_schedules[group]
    if hasattr(scheduler, "schedule") and type(scheduler).__module__.startswith("glideslope."):
        s: Schedule = scheduler.schedule
        return s
    if isinstance(scheduler, tls.ReduceLROnPlateau):
        raise UnreadableSchedulerError(
            "from_torch cannot read ReduceLROnPlateau: it reacts to a metric, so it has no schedule "
            "(glideslope.ReduceOnPlateau is the engine's controller for it)"
        )
    groups = scheduler.optimizer.param_groups
    if not 0 <= group < len(groups):
        raise ValueError(f"group must be in [0, {len(groups)}), got {group!r}")
    kind = type(scheduler)
    if kind not in _READERS:
        raise UnreadableSchedulerError(
            f"from_torch cannot read {kind.__module__}.{kind.__qualname__}: it reads torch's own classes "
            f"({', '.join(sorted(c.__name__ for c in _READERS))}), not subclasses, whose get_lr() it cannot see"
        )
    out: Schedule = _READERS[kind](scheduler, group)
    return out


def _base(s: Any, i: int) -> float:
    return as_float(s.base_lrs[i])


def _lambda(s: Any, i: int) -> Schedule:
    fn = s.lr_lambdas[i]
    base = _base(s, i)
    if isinstance(fn, functools.partial) and getattr(fn.func, "__module__", "") == "transformers.optimization":
        return base * _transformers(fn.func.__name__, dict(fn.keywords))
    if getattr(fn, "__module__", "") == "transformers.optimization" and fn.__name__ == "_get_constant_lambda":
        return base * gs.constant(1.0)
    return base * gs.function(fn)


def _transformers(name: str, kwargs: dict[str, Any]) -> Schedule:
    from . import transformers as tf

    if name not in _TRANSFORMERS:
        raise UnreadableSchedulerError(f"from_torch cannot read Transformers' lambda {name!r} (not one it knows)")
    fname = _TRANSFORMERS[name]
    lr = 1.0
    if fname == "get_polynomial_decay_schedule_with_warmup":
        lr = float(kwargs.pop("lr_init"))
    if fname == "get_cosine_schedule_with_warmup" and "min_lr_rate" in kwargs:
        fname = "get_cosine_with_min_lr_schedule_with_warmup"
    # the dialect function builds its schedule for an optimizer; a throwaway one carries lr_init
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    made = getattr(tf, fname)(opt, **kwargs)
    out: Schedule = made.schedules[0]
    return out


def _cyclic(s: Any, i: int) -> Schedule:
    state = s.state_dict()
    builtins: dict[str, Any] = {
        "triangular": lambda x: 1.0, "triangular2": lambda x: 1 / (2.0 ** (x - 1)), "exp_range": lambda x: s.gamma**x,
    }
    builtin = builtins.get(s.mode)
    # a custom scale_fn is kept privately by torch; its public face is the method scale_fn
    custom = state.get("_scale_fn_custom") is not None or builtin is None or any(
        not math.isclose(float(s.scale_fn(x)), float(builtin(x)), rel_tol=1e-15) for x in (1, 2, 3, 7)
    )
    g = cyclic_curve(s.total_size, s.step_ratio, s.mode, s.gamma, s.scale_fn if custom else None, s.scale_mode)
    b = _base(s, i)
    return b + (as_float(s.max_lrs[i]) - b) * g


def _one_cycle(s: Any, i: int) -> Schedule:
    state = s.state_dict()
    anneal = state.get("_anneal_func_type")
    if anneal is None:
        raise UnreadableSchedulerError("from_torch cannot read this OneCycleLR: its state has no _anneal_func_type")
    return one_cycle_curve(state["_schedule_phases"], s.optimizer.param_groups[i], anneal, "lr")


def _swa(s: Any, i: int) -> Schedule:
    swa = as_float(s.optimizer.param_groups[i]["swa_lr"])
    lr0 = _base(s, i)
    state = s.state_dict()
    return lr0 + (swa - lr0) * swa_alpha_curve(s.anneal_epochs, state.get("_anneal_strategy", "cos"))


def _sequential(s: Any, i: int) -> Schedule:
    parts = [from_torch(c, i) for c in s._schedulers]  # the composition protocol's name (module docs)
    if len(parts) == 1:
        return parts[0]
    joined: Schedule = gs.join(parts, [int(m) for m in s._milestones])  # (module docs)
    return joined


def _chained(s: Any, i: int) -> Schedule:
    out: Schedule = gs.constant(as_float(s.optimizer.param_groups[i]["initial_lr"]))
    for c in s._schedulers:  # the composition protocol's name (module docs)
        if type(c) in (tls.CyclicLR, tls.OneCycleLR, tls.CosineAnnealingWarmRestarts, TorchSWALR) or (
            type(c) is tls.CosineAnnealingLR and c.eta_min
        ):
            raise UnreadableSchedulerError(
                f"from_torch cannot read a ChainedScheduler holding {type(c).__name__}: it does not scale "
                f"the learning rate by a multiplier, so the chain has no product form"
            )
        out = out * (from_torch(c, i) / _base(c, i))
    return out


_READERS: dict[type, Any] = {
    tls.LambdaLR: _lambda,
    tls.MultiplicativeLR: lambda s, i: _base(s, i) * multiplicative_curve(s.lr_lambdas[i]),
    tls.StepLR: lambda s, i: _base(s, i) * step_curve(s.step_size, s.gamma),
    tls.MultiStepLR: lambda s, i: _base(s, i) * multistep_curve(s.milestones, s.gamma),
    tls.ConstantLR: lambda s, i: _base(s, i) * constant_curve(s.factor, s.total_iters),
    tls.LinearLR: lambda s, i: _base(s, i) * linear_curve(s.start_factor, s.end_factor, s.total_iters),
    tls.ExponentialLR: lambda s, i: _base(s, i) * exponential_curve(s.gamma),
    tls.PolynomialLR: lambda s, i: _base(s, i) * polynomial_curve(s.total_iters, s.power),
    tls.CosineAnnealingLR: lambda s, i: s.eta_min + (_base(s, i) - s.eta_min) * cosine_annealing_curve(s.T_max),
    tls.CosineAnnealingWarmRestarts: lambda s, i: s.eta_min + (_base(s, i) - s.eta_min) * warm_restarts_curve(
        s.T_0, s.T_mult
    ),
    tls.CyclicLR: _cyclic,
    tls.OneCycleLR: _one_cycle,
    TorchSWALR: _swa,
    tls.SequentialLR: _sequential,
    tls.ChainedScheduler: _chained,
}


@checked_keywords
def take_over(scheduler: Any) -> ScheduleLR:
    """A :class:`ScheduleLR` that continues ``scheduler`` (any scheduler :func:`from_torch`
    reads) from the step it has reached, on the schedules it follows, so that its plan can
    then be changed: ``take_over(s).replan(gs.extend, steps=...)``.

    It drives the same optimizer in absolute values (``mode="absolute"``); its ``last_epoch``
    is the scheduler's, and the learning rates it writes now are ``from_torch(scheduler,
    i)(last_epoch)``, the ones the scheduler holds. Step it instead of the old one from here.

    Raises:
        UnreadableSchedulerError: as :func:`from_torch`.
    """
    if isinstance(scheduler, ScheduleLR):
        return scheduler
    optimizer = scheduler.optimizer
    plans = [from_torch(scheduler, i) for i in range(len(optimizer.param_groups))]
    step = int(scheduler.last_epoch)
    # built one step back: construction takes one step, to the scheduler's own
    return ScheduleLR(optimizer, plans, mode="absolute", last_epoch=step - 1 if step > 0 else -1)
