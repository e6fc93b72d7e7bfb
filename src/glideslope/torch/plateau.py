"""``ReduceLROnPlateau``, torch's rule on torch's attributes, with an opt-in metric sync.

A metric ``m`` improves on the best ``b`` when ``m < b * (1 - threshold)`` (``mode="min"``,
``threshold_mode="rel"``), ``m < b - threshold`` (``"abs"``), or the mirror images in
``mode="max"``. After more than ``patience`` epochs without improvement, outside a
``cooldown``, every group's learning rate becomes ``max(lr * factor, min_lr)`` unless that
changes it by no more than ``eps``. This is the rule of :class:`glideslope.ReduceOnPlateau`
(which :attr:`ReduceLROnPlateau.schedule` returns, in the same state).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from torch.optim import Optimizer

import torch
from torch import Tensor

from ..plateau import ReduceOnPlateau
from ._base import EPOCH_DEPRECATION_WARNING, LRScheduler, as_float, check_optimizer, group_values, number, plain, write

__all__ = ["ReduceLROnPlateau"]


def _mean_over_ranks(x: float) -> float:
    """The mean of ``x`` over all ranks of the default process group (one all_reduce)."""
    dist = torch.distributed
    backend = dist.get_backend()
    device = torch.device("cuda", torch.cuda.current_device()) if backend == "nccl" else torch.device("cpu")
    buf = torch.tensor([x], dtype=torch.float64, device=device)
    dist.all_reduce(buf, op=dist.ReduceOp.SUM)
    return float(buf.item()) / dist.get_world_size()


class ReduceLROnPlateau(LRScheduler):
    """Reduce each group's learning rate when a metric stops improving (the rule in the
    module docs).

    Like torch's, ``step(metric)`` talks to no other process: under ``torch.distributed`` each
    rank decides on the metric it is given. With ``sync_metric=True`` (ours, opt-in) the metric
    is averaged over the ranks of the default process group first (one ``all_reduce`` per
    step, so every rank must call ``step``), and every rank takes the same decision.

    Args: as torch's ``ReduceLROnPlateau``, plus ``sync_metric``.
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
        sync_metric: bool = False,
    ) -> None:
        factor = number("factor", factor)
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        if factor < 0:
            raise ValueError(f"factor must be >= 0 and < 1, got {factor!r}")
        self.factor = factor
        self.optimizer = check_optimizer(optimizer)
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(f"expected {n} min_lrs, got {len(min_lr)}")
            self.default_min_lr: Any = None
            self.min_lrs = [plain(number(f"min_lr[{i}]", m)) for i, m in enumerate(min_lr)]
        else:
            self.default_min_lr = number("min_lr", min_lr)
            self.min_lrs = [self.default_min_lr] * n
        self.patience = number("patience", patience)
        self.cooldown = number("cooldown", cooldown)
        self.eps = number("eps", eps)
        self.last_epoch = 0
        self._last_lr = group_values(optimizer, "lr")
        self._init_is_better(mode, number("threshold", threshold), threshold_mode)
        if not isinstance(sync_metric, bool):
            raise TypeError(f"sync_metric must be True or False, got {sync_metric!r}")
        self.sync_metric = sync_metric
        self._reset()

    def _init_is_better(self, mode: Any, threshold: Any, threshold_mode: Any) -> None:
        if mode not in ("min", "max"):
            raise (ValueError if isinstance(mode, str) else TypeError)(f"mode {mode!r} is unknown! Use 'min' or 'max'.")
        if threshold_mode not in ("rel", "abs"):
            raise (ValueError if isinstance(threshold_mode, str) else TypeError)(
                f"threshold mode {threshold_mode!r} is unknown! Use 'rel' or 'abs'."
            )
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter: int | float = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return bool(self.cooldown_counter > 0)

    def _is_better(self, a: float, best: float) -> bool:
        th: float = self.threshold
        if self.mode == "min":
            return a < (best * (1.0 - th) if self.threshold_mode == "rel" else best - th)
        return a > (best * (th + 1.0) if self.threshold_mode == "rel" else best + th)

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Report the epoch's metric; reduce the learning rates on a plateau."""
        current = float(metrics)
        if self.sync_metric and torch.distributed.is_available() and torch.distributed.is_initialized():
            current = _mean_over_ranks(current)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:  # in_cooldown
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [lr.clone() if isinstance(lr := g["lr"], Tensor) else lr for g in self.optimizer.param_groups]

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
        for g, floor in zip(groups, self.min_lrs):
            old = float(g["lr"])
            new = max(old * self.factor, floor)
            if old - new > self.eps:
                write(g, "lr", new)

    def get_last_lr(self) -> list[Any]:
        return self._last_lr

    def _initial_step(self) -> None:
        """Start over (a SequentialLR milestone; the sequence has reset the learning rates)."""
        self._reset()
        self.last_epoch = 0
        self._last_lr = group_values(self.optimizer, "lr")

    def _update_lr(self, epoch: int | None = None) -> None:
        self._initial_step()

    @property
    def schedule(self) -> ReduceOnPlateau:
        """The engine's :class:`glideslope.ReduceOnPlateau` controller in this scheduler's
        settings and state, for param group 0 (its value is that group's learning rate)."""
        g = self.optimizer.param_groups[0]
        base = max(as_float(g.get("initial_lr", g["lr"])), as_float(g["lr"]))  # a raised lr is the new base
        ctl = ReduceOnPlateau(
            mode=self.mode, factor=float(self.factor), patience=int(self.patience), threshold=float(self.threshold),
            threshold_mode=self.threshold_mode, cooldown=int(self.cooldown), min_value=float(self.min_lrs[0]),
            eps=float(self.eps), nonfinite="count", base=base,
        )
        ctl.load_state_dict({
            "best": self.best, "num_bad": self.num_bad_epochs, "cooldown_counter": self.cooldown_counter,
            "scale": as_float(g["lr"]) / base if base else 1.0,
        })
        return ctl

    def state_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, list) else v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update({k: list(v) if isinstance(v, list) else v for k, v in state_dict.items()})
        self.__dict__.setdefault("sync_metric", False)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
