"""timm's scheduler factory: ``create_scheduler_v2`` (by name), ``create_scheduler`` and
``scheduler_kwargs`` (from a training script's arguments), with timm's names and defaults."""

from __future__ import annotations

from typing import Any

from .. import _validate as v
from . import schedulers
from ._base import Scheduler
from .plateau import PlateauLRScheduler

#: the names ``create_scheduler_v2`` accepts
SCHEDULERS = ("cosine", "tanh", "step", "multistep", "plateau", "poly", "wsd", "rsqrt", "constant", "none")


@v.checked_keywords
def scheduler_kwargs(cfg: Any, decreasing_metric: bool | None = None) -> dict[str, Any]:
    """The keyword arguments of :func:`create_scheduler_v2` from an argparse namespace (or any
    object with timm's ``train.py`` attribute names), with timm's defaults for the missing ones.
    The plateau mode is ``'min'`` when the metric decreases (``eval_metric`` containing
    ``'loss'``, unless ``decreasing_metric`` says)."""
    eval_metric = getattr(cfg, "eval_metric", "top1")
    if decreasing_metric is not None:
        plateau_mode = "min" if decreasing_metric else "max"
    else:
        plateau_mode = "min" if "loss" in eval_metric else "max"
    return {
        "sched": cfg.sched,
        "num_epochs": getattr(cfg, "epochs", 100),
        "decay_epochs": getattr(cfg, "decay_epochs", 30),
        "decay_milestones": getattr(cfg, "decay_milestones", [30, 60]),
        "warmup_epochs": getattr(cfg, "warmup_epochs", 5),
        "cooldown_epochs": getattr(cfg, "cooldown_epochs", 0),
        "patience_epochs": getattr(cfg, "patience_epochs", 10),
        "decay_rate": getattr(cfg, "decay_rate", 0.1),
        "min_lr": getattr(cfg, "min_lr", 0.0),
        "warmup_lr": getattr(cfg, "warmup_lr", 1e-5),
        "warmup_prefix": getattr(cfg, "warmup_prefix", False),
        "noise": getattr(cfg, "lr_noise", None),
        "noise_pct": getattr(cfg, "lr_noise_pct", 0.67),
        "noise_std": getattr(cfg, "lr_noise_std", 1.0),
        "noise_seed": getattr(cfg, "seed", 42),
        "cycle_mul": getattr(cfg, "lr_cycle_mul", 1.0),
        "cycle_decay": getattr(cfg, "lr_cycle_decay", 0.1),
        "cycle_limit": getattr(cfg, "lr_cycle_limit", 1),
        "k_decay": getattr(cfg, "lr_k_decay", 1.0),
        "decay_fn": getattr(cfg, "lr_decay_fn", None),
        "stable_timescale": getattr(cfg, "lr_stable_timescale", None),
        "plateau_mode": plateau_mode,
        "step_on_epochs": not getattr(cfg, "sched_on_updates", False),
    }


@v.checked_keywords
def create_scheduler(args: Any, optimizer: Any, updates_per_epoch: int = 0) -> tuple[Scheduler | None, int]:
    """``create_scheduler_v2(optimizer, **scheduler_kwargs(args), updates_per_epoch=...)``."""
    return create_scheduler_v2(optimizer, **scheduler_kwargs(args), updates_per_epoch=updates_per_epoch)


@v.checked_keywords
def create_scheduler_v2(
    optimizer: Any,
    sched: str = "cosine",
    num_epochs: int = 300,
    decay_epochs: float | None = None,
    decay_milestones: Any = (90, 180, 270),
    cooldown_epochs: int = 0,
    patience_epochs: int = 10,
    decay_rate: float = 0.1,
    min_lr: float = 0.0,
    warmup_lr: float = 1e-5,
    warmup_epochs: int = 0,
    warmup_prefix: bool = False,
    noise: float | list[float] | None = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    cycle_mul: float = 1.0,
    cycle_decay: float = 0.1,
    cycle_limit: int = 1,
    k_decay: float = 1.0,
    decay_fn: str | None = None,
    stable_timescale: float | None = None,
    plateau_mode: str = "max",
    step_on_epochs: bool = True,
    updates_per_epoch: int = 0,
) -> tuple[Scheduler | None, int]:
    """A scheduler by name, and the number of epochs to train (timm's ``create_scheduler_v2``).

    ``sched``: ``'cosine'``, ``'tanh'``, ``'poly'`` (``decay_rate`` is the power), ``'step'``
    (every ``decay_epochs``, default 90), ``'multistep'`` (at ``decay_milestones``),
    ``'constant'`` (warmup, then the base lr), ``'wsd'`` (1-sqrt decay over ``decay_epochs``,
    default 20 % of the stable + decay length; a value in (0, 1) is a fraction), ``'rsqrt'``
    (WSD with an inverse-square-root stable phase and a linear decay), ``'plateau'``, or
    ``'none'`` (returns None). With ``step_on_epochs=False`` every length is multiplied by
    ``updates_per_epoch`` and the scheduler steps per update. ``noise``: the start (or
    ``[start, stop]``) of the noise as fractions of the schedule.

    Returns:
        ``(scheduler, num_epochs)``: the epochs to train, with the cycles' length, the warmup
        when it is a prefix, and ``cooldown_epochs``.
    """
    sched = v.choice("sched", sched, SCHEDULERS)
    if decay_epochs is None:
        decay_epochs = 0.2 if sched in ("wsd", "rsqrt") else 90
    t_initial, warmup_t, decay_t, cooldown_t = num_epochs, warmup_epochs, decay_epochs, cooldown_epochs
    timescale_t = stable_timescale
    if not step_on_epochs:
        if isinstance(updates_per_epoch, bool) or not isinstance(updates_per_epoch, int) or updates_per_epoch <= 0:
            raise ValueError(
                f"updates_per_epoch must be the number of batches per epoch (an int >= 1) when "
                f"step_on_epochs=False, got {updates_per_epoch!r}"
            )
        u = updates_per_epoch
        t_initial, warmup_t, decay_t, cooldown_t = t_initial * u, warmup_t * u, decay_t * u, cooldown_t * u
        decay_milestones = [d * u for d in decay_milestones]
        if timescale_t is not None:
            timescale_t = timescale_t * u

    warmup_args: dict[str, Any] = {"warmup_lr_init": warmup_lr, "warmup_t": warmup_t, "warmup_prefix": warmup_prefix}
    noise_range: Any = None
    if noise is not None:
        if isinstance(noise, (list, tuple)):
            noise_range = [n * t_initial for n in noise]
            if len(noise_range) == 1:
                noise_range = noise_range[0]
        else:
            noise_range = noise * t_initial
    noise_args: dict[str, Any] = {
        "noise_range_t": noise_range, "noise_pct": noise_pct, "noise_std": noise_std, "noise_seed": noise_seed
    }
    cycle_args: dict[str, Any] = {"cycle_mul": cycle_mul, "cycle_decay": cycle_decay, "cycle_limit": cycle_limit}

    s: Scheduler | None = None
    if sched == "cosine":
        s = schedulers.CosineLRScheduler(optimizer, t_initial=t_initial, lr_min=min_lr,
                                         t_in_epochs=step_on_epochs, **cycle_args, **warmup_args, **noise_args,
                                         k_decay=k_decay)
    elif sched == "tanh":
        s = schedulers.TanhLRScheduler(optimizer, t_initial=t_initial, lr_min=min_lr, t_in_epochs=step_on_epochs,
                                       **cycle_args, **warmup_args, **noise_args)
    elif sched in ("step", "constant"):
        d, r = (decay_t, decay_rate) if sched == "step" else (1, 1.0)
        s = schedulers.StepLRScheduler(optimizer, decay_t=d, decay_rate=r, t_in_epochs=step_on_epochs,
                                       **warmup_args, **noise_args)
    elif sched == "multistep":
        s = schedulers.MultiStepLRScheduler(optimizer, decay_t=list(decay_milestones), decay_rate=decay_rate,
                                            t_in_epochs=step_on_epochs, **warmup_args, **noise_args)
    elif sched == "plateau":
        if not step_on_epochs:
            raise ValueError("sched='plateau' steps per epoch only; pass step_on_epochs=True")
        warmup_args.pop("warmup_prefix")
        s = PlateauLRScheduler(optimizer, decay_rate=decay_rate, patience_t=patience_epochs, cooldown_t=0,
                               **warmup_args, lr_min=min_lr, mode=plateau_mode, **noise_args)
    elif sched == "poly":
        s = schedulers.PolyLRScheduler(optimizer, power=decay_rate, t_initial=t_initial, lr_min=min_lr,
                                       t_in_epochs=step_on_epochs, k_decay=k_decay, **cycle_args, **warmup_args,
                                       **noise_args)
    elif sched in ("wsd", "rsqrt"):
        # the warmup is always a prefix; without warmup_prefix the stable + decay phases fit in num_epochs
        t_sched = t_initial if warmup_prefix else t_initial - warmup_t
        if 0 < decay_epochs < 1:
            decay_t = decay_epochs * t_sched
        decay_t = round(decay_t)
        if not 0 < decay_t <= t_sched:
            raise ValueError(
                f"sched={sched!r} needs 0 < decay_epochs <= epochs{'' if warmup_prefix else ' - warmup_epochs'}, "
                f"got a decay of {decay_t} in a stable + decay length of {t_sched}"
            )
        s = schedulers.WSDLRScheduler(optimizer, t_initial=t_sched, decay_t=decay_t, lr_min=min_lr,
                                      stable_fn="rsqrt" if sched == "rsqrt" else "constant",
                                      stable_timescale=timescale_t,
                                      decay_fn=decay_fn or ("linear" if sched == "rsqrt" else "1-sqrt"),
                                      t_in_epochs=step_on_epochs, warmup_t=warmup_t, warmup_lr_init=warmup_lr,
                                      **noise_args)

    cycled = (schedulers.CosineLRScheduler, schedulers.TanhLRScheduler, schedulers.PolyLRScheduler,
              schedulers.WSDLRScheduler)
    if isinstance(s, cycled):
        total = s.get_cycle_length() + cooldown_t
        num_epochs = total if step_on_epochs else total // updates_per_epoch
    elif warmup_prefix:
        num_epochs += warmup_epochs
    return s, num_epochs
