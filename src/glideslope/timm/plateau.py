"""timm's PlateauLRScheduler on the engine's reduce-on-plateau controller."""

from __future__ import annotations

from typing import Any

from .. import _validate as v
from ..plateau import ReduceOnPlateau
from ..schedule import Schedule
from ..shapes import Constant
from ._base import Scheduler, count


class PlateauLRScheduler(Scheduler):
    """Decay the lr by ``decay_rate`` when a metric stops improving, after a warmup (timm's class).

    ``step(epoch, metric)``: while ``epoch <= warmup_t`` the lr is
    ``warmup_lr_init + epoch * (base - warmup_lr_init) / warmup_t`` and metrics are ignored;
    after, each metric goes to the engine's :class:`~glideslope.ReduceOnPlateau` (torch's rule:
    ``m`` improves on the best ``b`` when ``m > b * (1 + threshold)`` in ``'max'`` mode,
    ``m < b * (1 - threshold)`` in ``'min'``), and when it fires each group's lr becomes
    ``max(lr * decay_rate, lr_min)`` unless that changes it by no more than 1e-8. Noise (timm's
    draws) perturbs the lr of a noisy epoch, which the next step undoes before reducing.

    timm saves only ``best`` and ``last_epoch``; this class saves those plus the controller's
    whole state (patience and cooldown counters) and the lr a noisy epoch replaced, so a resumed
    run carries on where it stopped. It loads timm's two-key state too.

    Args:
        optimizer: the optimizer (its ``param_groups``).
        decay_rate: factor applied on a plateau, in (0, 1).
        patience_t: epochs without improvement tolerated (>= 0).
        threshold: least relative change that counts as an improvement (>= 0).
        cooldown_t: epochs to wait after a decay before counting again (>= 0).
        warmup_t: warmup length in epochs (>= 0).
        warmup_lr_init: lr at epoch 0 of the warmup.
        lr_min: the lowest lr (>= 0).
        mode: ``'max'`` (a higher metric is better) or ``'min'``.
        noise_range_t, noise_type, noise_pct, noise_std, noise_seed: timm's noise.
        initialize: set each group's ``initial_lr`` from its ``lr``.
    """

    controller: ReduceOnPlateau
    restore_lr: list[float] | None
    last_epoch: int

    def __init__(
        self,
        optimizer: Any,
        decay_rate: float = 0.1,
        patience_t: int = 10,
        threshold: float = 1e-4,
        cooldown_t: int = 0,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        lr_min: float = 0.0,
        mode: str = "max",
        noise_range_t: Any = None,
        noise_type: str = "normal",
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int | None = None,
        initialize: bool = True,
    ) -> None:
        super().__init__(optimizer, "lr", True, noise_range_t, noise_type, noise_pct, noise_std, noise_seed, initialize)
        self.decay_rate = v.between("decay_rate", decay_rate, 0.0, 1.0, low_open=True, high_open=True)
        self.patience_t = count("patience_t", patience_t, 0)
        self.threshold = v.non_negative("threshold", threshold)
        self.cooldown_t = count("cooldown_t", cooldown_t, 0)
        self.lr_min = v.non_negative("lr_min", lr_min)
        self.mode = v.choice("mode", mode, ("min", "max"))
        # the controller decides when; each group's reduction (with its own lr) is applied in
        # step(), so the controller's own scale is pinned at 1 (min_value=1: it never moves)
        self.controller = ReduceOnPlateau(
            mode=self.mode, factor=self.decay_rate, patience=self.patience_t, threshold=self.threshold,
            threshold_mode="rel", cooldown=self.cooldown_t, min_value=1.0, eps=1e-8, nonfinite="count",
        )
        self.last_epoch = 0
        self.restore_lr = None
        self._finish(warmup_t, warmup_lr_init, True)

    def _check(self) -> None:
        pass

    def _main(self, base: float) -> Schedule:
        return Constant(base)

    @property
    def schedule(self) -> Schedule:
        """The first group's lr before any reduction: the warmup, then its base value."""
        return self.schedules[0]

    def state_dict(self) -> dict[str, Any]:
        return {
            "best": self.controller.best,
            "last_epoch": self.last_epoch,
            "controller": self.controller.state_dict(),
            "restore_lr": None if self.restore_lr is None else list(self.restore_lr),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load :meth:`state_dict`'s dict, or timm's ``{'best', 'last_epoch'}``."""
        if "controller" in state_dict:
            self.controller.load_state_dict(state_dict["controller"])
        if "best" not in state_dict:
            raise KeyError("PlateauLRScheduler.load_state_dict: the state lacks 'best'")
        self.controller.best = float(state_dict["best"])
        if "last_epoch" in state_dict:
            self.last_epoch = count("last_epoch", state_dict["last_epoch"], 0)
        if "restore_lr" in state_dict:
            r = state_dict["restore_lr"]
            self.restore_lr = None if r is None else [float(x) for x in r]

    def step(self, epoch: int, metric: float | None = None) -> None:
        """End of an epoch (``epoch``: the next one's index), with the metric to watch."""
        groups = self.optimizer.param_groups
        if epoch <= self.warmup_t:
            if self.warmup_t:
                self.update_groups([float(s(epoch)) for s in self.schedules])
            else:  # timm: warmup_lr_init + epoch * 1 for epoch <= 0
                self.update_groups([self.warmup_lr_init + epoch for _ in groups])
            return
        if self.restore_lr is not None:  # undo the last noisy epoch before reducing
            for group, lr in zip(groups, self.restore_lr):
                group["lr"] = lr
            self.restore_lr = None
        if metric is not None:
            self.last_epoch += 1
            if self.controller.update(metric):
                for group in groups:
                    old = float(group["lr"])
                    new = max(old * self.decay_rate, self.lr_min)
                    if old - new > 1e-8:
                        group["lr"] = new
        if self._is_apply_noise(epoch):
            z = self._calculate_noise(epoch)
            self.restore_lr = [float(g["lr"]) for g in groups]
            for group, lr in zip(groups, self.restore_lr):
                group["lr"] = lr + lr * z

    def step_update(self, num_updates: int, metric: float | None = None) -> None:
        """Does nothing: this scheduler steps per epoch."""
        return None
