"""The Transformers dialect: ``get_scheduler`` and the ``get_*_schedule*`` functions of
``transformers.optimization`` (transformers 5), same names, signatures and errors, each
returning a :class:`~glideslope.torch.ScheduleLR` whose multiplier is a glideslope schedule.

``t`` is the optimizer step; ``W`` = ``num_warmup_steps``, ``N`` = ``num_training_steps``.
Transformers does not import here unless :func:`get_scheduler` is given a ``SchedulerType``
member (the names are plain strings).
"""

from __future__ import annotations

import enum
import warnings
from typing import Any

from torch.optim import Optimizer

from .. import compose, cycles, shapes, transforms
from .._validate import checked_keywords
from ..schedule import Schedule
from .native import ScheduleLR
from .plateau import ReduceLROnPlateau

__all__ = [
    "SchedulerType", "get_constant_schedule", "get_constant_schedule_with_warmup",
    "get_cosine_schedule_with_warmup", "get_cosine_with_hard_restarts_schedule_with_warmup",
    "get_cosine_with_min_lr_schedule_with_warmup", "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "get_inverse_sqrt_schedule", "get_linear_schedule_with_warmup",
    "get_polynomial_decay_schedule_with_warmup", "get_reduce_on_plateau_schedule", "get_scheduler",
    "get_wsd_schedule",
]


class SchedulerType(str, enum.Enum):
    """The schedule names of Transformers' ``SchedulerType`` (``lr_scheduler_type``)."""

    LINEAR = "linear"
    COSINE = "cosine"
    COSINE_WITH_RESTARTS = "cosine_with_restarts"
    POLYNOMIAL = "polynomial"
    CONSTANT = "constant"
    CONSTANT_WITH_WARMUP = "constant_with_warmup"
    INVERSE_SQRT = "inverse_sqrt"
    REDUCE_ON_PLATEAU = "reduce_lr_on_plateau"
    COSINE_WITH_MIN_LR = "cosine_with_min_lr"
    COSINE_WARMUP_WITH_MIN_LR = "cosine_warmup_with_min_lr"
    WARMUP_STABLE_DECAY = "warmup_stable_decay"


def _int(name: str, v: Any, minimum: int = 0) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {v!r}")
    return v


def _seq(*phases: Schedule | None) -> Schedule:
    ps = [p for p in phases if p is not None]
    return ps[0] if len(ps) == 1 else compose.sequence(*ps)


def _warmup(w: int) -> Schedule | None:
    """``t / W`` for ``t < W`` (nothing when W is 0)."""
    return shapes.linear(0.0, 1.0, w) if w > 0 else None


def _wave(half: float, low: float = 0.0) -> Schedule:
    """The unclamped cosine wave ``low + (1 - low) * (1 + cos(pi * t / half)) / 2``."""
    unit = transforms.repeat(shapes.cosine(1.0, low, 1) >> shapes.cosine(low, 1.0, 1))
    return unit if half == 1 else transforms.stretch(unit, factor=half)


def _make(optimizer: Optimizer, s: Schedule, last_epoch: int) -> ScheduleLR:
    return ScheduleLR(optimizer, s, last_epoch=last_epoch)


@checked_keywords
def get_constant_schedule(optimizer: Optimizer, last_epoch: int = -1) -> ScheduleLR:
    """Multiplier 1."""
    return _make(optimizer, shapes.constant(1.0), last_epoch)


def get_reduce_on_plateau_schedule(optimizer: Optimizer, **kwargs: Any) -> ReduceLROnPlateau:
    """A :class:`~glideslope.torch.ReduceLROnPlateau` with ``kwargs``. To hand it to the
    Trainer, wrap it in :class:`glideslope.torch.trainer.TrainerPlateau` (the Trainer passes
    metrics only to torch's own class)."""
    return ReduceLROnPlateau(optimizer, **kwargs)


@checked_keywords
def get_constant_schedule_with_warmup(optimizer: Optimizer, num_warmup_steps: int, last_epoch: int = -1) -> ScheduleLR:
    """``t / W`` for ``t < W``, then 1."""
    w = _int("num_warmup_steps", num_warmup_steps)
    return _make(optimizer, _seq(_warmup(w), shapes.constant(1.0)), last_epoch)


@checked_keywords
def get_linear_schedule_with_warmup(
    optimizer: Optimizer, num_warmup_steps: int, num_training_steps: int, last_epoch: int = -1
) -> ScheduleLR:
    """``t / W`` for ``t < W``, then ``max(0, (N - t) / (N - W))``."""
    w = _int("num_warmup_steps", num_warmup_steps)
    n = _int("num_training_steps", num_training_steps)
    decay = shapes.linear(1.0, 0.0, n - w) if n > w else shapes.constant(0.0)
    return _make(optimizer, _seq(_warmup(w), decay), last_epoch)


@checked_keywords
def get_cosine_schedule_with_warmup(
    optimizer: Optimizer,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 0.5,
    last_epoch: int = -1,
) -> ScheduleLR:
    """``t / W`` for ``t < W``, then ``(1 + cos(2 pi * num_cycles * p)) / 2`` with
    ``p = (t - W) / max(1, N - W)`` (not clamped: past ``N`` the wave goes on, as in
    Transformers)."""
    w = _int("num_warmup_steps", num_warmup_steps)
    n = _int("num_training_steps", num_training_steps)
    c = float(num_cycles)
    if not c > 0:
        raise ValueError(f"num_cycles must be > 0, got {num_cycles!r}")
    half = max(1, n - w) / (2 * c)
    return _make(optimizer, _seq(_warmup(w), _wave(half)), last_epoch)


@checked_keywords
def get_cosine_with_hard_restarts_schedule_with_warmup(
    optimizer: Optimizer,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: int = 1,
    last_epoch: int = -1,
) -> ScheduleLR:
    """``t / W`` for ``t < W``, then ``(1 + cos(pi * ((num_cycles * p) mod 1))) / 2`` for
    ``p = (t - W) / max(1, N - W) < 1`` and 0 from ``N`` on (engine
    :func:`glideslope.cosine_restarts` with ``limit=num_cycles``)."""
    w = _int("num_warmup_steps", num_warmup_steps)
    n = _int("num_training_steps", num_training_steps)
    c = _int("num_cycles", num_cycles, 1)
    d = max(1, n - w)
    if d % c == 0:
        restarts: Schedule = cycles.cosine_restarts(1.0, 0.0, d // c, limit=c)
    else:
        restarts = transforms.stretch(cycles.cosine_restarts(1.0, 0.0, 1, limit=c), factor=d / c)
    return _make(optimizer, _seq(_warmup(w), restarts), last_epoch)


@checked_keywords
def get_polynomial_decay_schedule_with_warmup(
    optimizer: Optimizer,
    num_warmup_steps: int,
    num_training_steps: int,
    lr_end: float = 1e-7,
    power: float = 1.0,
    last_epoch: int = -1,
) -> ScheduleLR:
    """``t / W`` for ``t < W``, then ``(lr_end + (lr_init - lr_end) * (1 - (t - W) / (N - W))
    ** power) / lr_init``, held at ``lr_end / lr_init`` from ``N`` on; ``lr_init`` is the
    optimizer's default lr."""
    lr_init = optimizer.defaults["lr"]
    if not (lr_init > lr_end):
        raise ValueError(f"lr_end ({lr_end}) must be smaller than initial lr ({lr_init})")
    w = _int("num_warmup_steps", num_warmup_steps)
    n = _int("num_training_steps", num_training_steps)
    if n <= w:
        raise ValueError(f"num_training_steps ({n}) must be > num_warmup_steps ({w}) for a polynomial decay")
    end = lr_end / lr_init
    decay = shapes.polynomial(1.0, end, n - w, power=power)
    return _make(optimizer, _seq(_warmup(w), decay), last_epoch)


@checked_keywords
def get_inverse_sqrt_schedule(
    optimizer: Optimizer, num_warmup_steps: int, timescale: int | None = None, last_epoch: int = -1
) -> ScheduleLR:
    """``t / W`` for ``t < W``, then ``1 / sqrt((t - W + timescale) / timescale)``
    (``timescale`` defaults to ``W``, or 10,000 when W is 0)."""
    w = _int("num_warmup_steps", num_warmup_steps)
    if timescale is None:
        timescale = w or 10_000
    ts = _int("timescale", timescale, 1)
    return _make(optimizer, _seq(_warmup(w), shapes.inverse_sqrt(1.0, ts)), last_epoch)


def _min_rate(optimizer: Optimizer, min_lr: float | None, min_lr_rate: float | None) -> float:
    if min_lr is not None and min_lr_rate is not None:
        raise ValueError("Only one of min_lr or min_lr_rate should be set")
    if min_lr is not None:
        return float(min_lr / optimizer.defaults["lr"])
    if min_lr_rate is None:
        raise ValueError("One of min_lr or min_lr_rate should be set through the `lr_scheduler_kwargs`")
    return float(min_lr_rate)


@checked_keywords
def get_cosine_with_min_lr_schedule_with_warmup(
    optimizer: Optimizer,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 0.5,
    last_epoch: int = -1,
    min_lr: float | None = None,
    min_lr_rate: float | None = None,
) -> ScheduleLR:
    """``t / W`` for ``t < W``, then ``r + (1 - r) * (1 + cos(2 pi * num_cycles * p)) / 2``
    with ``r`` = ``min_lr_rate`` (or ``min_lr`` / the optimizer's lr)."""
    r = _min_rate(optimizer, min_lr, min_lr_rate)
    w = _int("num_warmup_steps", num_warmup_steps)
    n = _int("num_training_steps", num_training_steps)
    half = max(1, n - w) / (2 * float(num_cycles))
    return _make(optimizer, _seq(_warmup(w), _wave(half, r)), last_epoch)


@checked_keywords
def get_cosine_with_min_lr_schedule_with_warmup_lr_rate(
    optimizer: Optimizer,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 0.5,
    last_epoch: int = -1,
    min_lr: float | None = None,
    min_lr_rate: float | None = None,
    warmup_lr_rate: float | None = None,
) -> ScheduleLR:
    """Warmup ``(t + 1) / W`` (or ``w + (1 - w) * t / (W - 1)`` with ``warmup_lr_rate=w``) for
    ``t < W``, then ``r + (1 - r) * (1 + cos(2 pi * num_cycles * p)) / 2`` with
    ``p = (t - W + 1) / max(1, N - W)``."""
    r = _min_rate(optimizer, min_lr, min_lr_rate)
    w = _int("num_warmup_steps", num_warmup_steps)
    n = _int("num_training_steps", num_training_steps)
    warm: Schedule | None = None
    if w > 0:
        if warmup_lr_rate is None:
            warm = shapes.linear(1.0 / w, 1.0 / w + 1.0, w)
        else:
            wr = float(warmup_lr_rate)
            warm = shapes.linear(wr, wr + (1.0 - wr) * w / max(1, w - 1), w)
    half = max(1, n - w) / (2 * float(num_cycles))
    return _make(optimizer, _seq(warm, transforms.shift(_wave(half, r), -1)), last_epoch)


@checked_keywords
def get_wsd_schedule(
    optimizer: Optimizer,
    num_warmup_steps: int,
    num_decay_steps: int,
    num_training_steps: int | None = None,
    num_stable_steps: int | None = None,
    warmup_type: str = "linear",
    decay_type: str = "cosine",
    min_lr_ratio: float = 0,
    num_cycles: float = 0.5,
    last_epoch: int = -1,
) -> ScheduleLR:
    """Warmup-stable-decay: from ``r`` = ``min_lr_ratio`` up to 1 over ``W`` steps (linear,
    cosine ``r + (1 - r) * (1 - cos(pi p)) / 2`` or 1-sqrt ``1 - (1 - r) * sqrt(1 - p)``),
    1 for ``num_stable_steps``, down to ``r`` over ``num_decay_steps`` (linear, cosine wave
    with ``num_cycles``, or 1-sqrt ``r + (1 - r) * (1 - sqrt(q))``), then ``r``."""
    if num_training_steps is None and num_stable_steps is None:
        raise ValueError("Either num_training_steps or num_stable_steps must be specified.")
    if num_training_steps is not None and num_stable_steps is not None:
        warnings.warn("Both num_training_steps and num_stable_steps are specified. num_stable_steps will be used.", stacklevel=2)  # noqa: E501
    if warmup_type not in ["linear", "cosine", "1-sqrt"]:
        raise ValueError(f"Unknown warmup type: {warmup_type}, expected 'linear', 'cosine' or '1-sqrt'")
    if decay_type not in ["linear", "cosine", "1-sqrt"]:
        raise ValueError(f"Unknown decay type: {decay_type}, expected 'linear', 'cosine' or '1-sqrt'")
    w = _int("num_warmup_steps", num_warmup_steps)
    d = _int("num_decay_steps", num_decay_steps)
    if num_stable_steps is None:
        assert num_training_steps is not None
        num_stable_steps = num_training_steps - w - d
    s = _int("num_stable_steps", num_stable_steps)
    r = float(min_lr_ratio)
    warm: Schedule | None = None
    if w > 0:
        if warmup_type == "linear":
            warm = shapes.linear(r, 1.0, w)
        elif warmup_type == "cosine":
            warm = shapes.cosine(r, 1.0, w)
        else:
            warm = shapes.polynomial(r, 1.0, w, power=0.5)
    decay: Schedule | None = None
    if d > 0:
        if decay_type == "linear":
            decay = shapes.linear(1.0, r, d)
        elif decay_type == "1-sqrt":
            decay = shapes.cooldown(1.0, r, d, shape="1-sqrt")
        else:
            half = d / (2 * float(num_cycles))
            decay = _wave(half, r)
    phases: list[Schedule] = []
    bounds: list[int] = []
    for phase, length in ((warm, w), (shapes.constant(1.0) if s > 0 else None, s), (decay, d)):
        if phase is not None:
            phases.append(phase)
            bounds.append((bounds[-1] if bounds else 0) + length)
    phases.append(shapes.constant(r))
    full = phases[0] if len(phases) == 1 else compose.join(phases, bounds)
    return _make(optimizer, full, last_epoch)


_FUNCS: dict[str, Any] = {
    "linear": get_linear_schedule_with_warmup,
    "cosine": get_cosine_schedule_with_warmup,
    "cosine_with_restarts": get_cosine_with_hard_restarts_schedule_with_warmup,
    "polynomial": get_polynomial_decay_schedule_with_warmup,
    "constant": get_constant_schedule,
    "constant_with_warmup": get_constant_schedule_with_warmup,
    "inverse_sqrt": get_inverse_sqrt_schedule,
    "reduce_lr_on_plateau": get_reduce_on_plateau_schedule,
    "cosine_with_min_lr": get_cosine_with_min_lr_schedule_with_warmup,
    "cosine_warmup_with_min_lr": get_cosine_with_min_lr_schedule_with_warmup_lr_rate,
    "warmup_stable_decay": get_wsd_schedule,
}


@checked_keywords
def get_scheduler(
    name: str | SchedulerType,
    optimizer: Optimizer,
    num_warmup_steps: int | None = None,
    num_training_steps: int | None = None,
    scheduler_specific_kwargs: dict[str, Any] | None = None,
) -> ScheduleLR | ReduceLROnPlateau:
    """Any schedule by its Transformers name (a string or a ``SchedulerType``), with the
    same argument rules and errors as ``transformers.get_scheduler``."""
    key = name.value if isinstance(name, enum.Enum) else name
    if key not in _FUNCS:
        raise ValueError(f"{name!r} is not a valid SchedulerType, please select one of {list(_FUNCS)}")
    fn = _FUNCS[key]
    if key == "constant":
        return fn(optimizer)  # type: ignore[no-any-return]
    kwargs = dict(scheduler_specific_kwargs or {})
    if key == "reduce_lr_on_plateau":
        return fn(optimizer, **kwargs)  # type: ignore[no-any-return]
    if num_warmup_steps is None:
        raise ValueError(f"{SchedulerType(key)} requires `num_warmup_steps`, please provide that argument.")
    if key == "constant_with_warmup":
        return fn(optimizer, num_warmup_steps=num_warmup_steps)  # type: ignore[no-any-return]
    if key == "inverse_sqrt":
        return fn(optimizer, num_warmup_steps=num_warmup_steps, **kwargs)  # type: ignore[no-any-return]
    if key == "warmup_stable_decay":
        return fn(  # type: ignore[no-any-return]
            optimizer, num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps, **kwargs
        )
    if num_training_steps is None:
        raise ValueError(f"{SchedulerType(key)} requires `num_training_steps`, please provide that argument.")
    return fn(  # type: ignore[no-any-return]
        optimizer, num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps, **kwargs
    )

