"""``SWALR``, the drop-in for ``torch.optim.swa_utils.SWALR``."""

from __future__ import annotations

import math
from typing import Any

from torch.optim import Optimizer

import glideslope as gs

from ..schedule import Schedule
from ._base import GlideScheduler, as_float, check_optimizer, format_param

__all__ = ["SWALR"]


def swa_alpha_curve(anneal_epochs: int, anneal_strategy: str) -> Schedule:
    """``a(s)``, from 0 to 1 over ``anneal_epochs`` steps: cosine ``(1 - cos(pi x)) / 2``
    (engine :func:`glideslope.cosine` from 0 to 1) or linear ``x``, ``x = min(s / n, 1)``."""
    n = max(1, anneal_epochs)
    return gs.cosine(0.0, 1.0, n) if anneal_strategy == "cos" else gs.linear(0.0, 1.0, n)


def _cosine_anneal(t: float) -> float:
    """torch's ``anneal_func`` for ``"cos"``: ``(1 - cos(pi t)) / 2``."""
    return (1 - math.cos(math.pi * t)) / 2


def _linear_anneal(t: float) -> float:
    """torch's ``anneal_func`` for ``"linear"``: ``t``."""
    return t


class SWALR(GlideScheduler):
    """Anneal each group's learning rate to its ``swa_lr`` over ``anneal_epochs`` steps and
    hold it: ``lr_i(s) = swa_lr_i * a(s) + lr0_i * (1 - a(s))`` where ``s`` counts steps,
    ``a`` is :func:`swa_alpha_curve` and ``lr0_i`` the learning rate the group held when
    annealing began. As in torch, each step recovers ``lr0_i`` from the learning rate the
    group holds (``(lr - a(s-1) * swa_lr) / (1 - a(s-1))``), so if another scheduler changed
    it in between, annealing continues from that value.

    Args: as torch's ``torch.optim.swa_utils.SWALR``.
    """

    _derived = ("_curve", "anneal_func")

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float | list[float],
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        check_optimizer(optimizer)
        for s, g in zip(format_param("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            g["swa_lr"] = s
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._anneal_strategy = anneal_strategy
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def _rebuild(self) -> None:
        self._curve = swa_alpha_curve(self.anneal_epochs, self._anneal_strategy)
        self.anneal_func = _cosine_anneal if self._anneal_strategy == "cos" else _linear_anneal

    def _alpha(self, s: int) -> float:
        return float(self._curve(min(max(s, 0), max(1, self.anneal_epochs))))

    def _closed(self, t: int) -> list[Any]:
        s = self._step_count - 1
        if self.anneal_epochs == 0:
            s = max(1, s)
        prev, a = self._alpha(s - 1), self._alpha(s)
        out = []
        for g in self.optimizer.param_groups:
            swa = g["swa_lr"]
            lr0 = swa if prev == 1 else (g["lr"] - prev * swa) / (1 - prev)
            out.append(swa * a + lr0 * (1 - a))
        return out

    def _group_schedule(self, i: int) -> Schedule:
        swa = as_float(self.optimizer.param_groups[i]["swa_lr"])
        lr0 = as_float(self.base_lrs[i])
        return lr0 + (swa - lr0) * self._curve
