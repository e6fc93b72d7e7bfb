"""Composition drop-ins: ``SequentialLR`` and ``ChainedScheduler``.

Beyond torch, both nest (a SequentialLR or ChainedScheduler may be one of the schedulers,
at any position, and resumes from a state dict at any step) and may hold a
:class:`~glideslope.torch.ReduceLROnPlateau`, which receives the metric given to ``step``.

They drive the schedulers they hold through torch's ``LRScheduler`` protocol: ``step()``,
``_initial_step()`` (SequentialLR's start), ``_update_lr(0)`` (a SequentialLR milestone) and
``last_epoch`` (undone once at construction), as torch's own SequentialLR does.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from torch.optim import Optimizer
from torch.optim import lr_scheduler as _tls

import glideslope as gs

from ..schedule import Schedule
from . import fixed
from ._base import LRScheduler, as_float, group_values, live, number, write
from .plateau import ReduceLROnPlateau

__all__ = ["ChainedScheduler", "SequentialLR"]

#: the classes whose learning rate is ``base_lr * multiplier(t)``
_MULTIPLIERS = (
    fixed.LambdaLR, fixed.MultiplicativeLR, fixed.StepLR, fixed.MultiStepLR, fixed.ConstantLR, fixed.LinearLR,
    fixed.ExponentialLR, fixed.PolynomialLR, fixed.CosineAnnealingLR,
)


def _check_children(kind: str, optimizer: Any, schedulers: Sequence[Any]) -> None:
    for i, s in enumerate(schedulers):
        if not hasattr(s, "optimizer"):
            raise TypeError(f"{kind} at index {i} should have `optimizer` as its attribute.")
        if isinstance(s, _tls.ReduceLROnPlateau):
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


def _takes_metrics(s: Any) -> bool:
    return isinstance(s, (ReduceLROnPlateau, SequentialLR, ChainedScheduler))


def _reset_lrs(optimizer: Optimizer) -> None:
    for g in optimizer.param_groups:
        write(g, "lr", live(g["initial_lr"]))  # a copy: lr and initial_lr are never one tensor


def _undo(s: Any) -> None:
    """torch's ``recursive_undo``: take back the initial step of every scheduler held."""
    if hasattr(s, "_schedulers"):
        for c in s._schedulers:
            _undo(c)
    elif hasattr(s, "last_epoch"):
        s.last_epoch -= 1


def _start(s: Any) -> None:
    """Start ``s`` again at its epoch 0 (a SequentialLR milestone, or a restart of a sequence
    or chain holding it): through the protocol's ``_initial_step()``, from ``last_epoch = -1``."""
    if not (hasattr(s, "_schedulers") or isinstance(s, ReduceLROnPlateau)):
        s.last_epoch = -1
    s._initial_step()


def _state(s: Any) -> dict[str, Any]:
    state = {k: v for k, v in s.__dict__.items() if k not in ("optimizer", "_schedulers")}
    state = {k: list(v) if isinstance(v, list) else v for k, v in state.items()}
    state["_schedulers"] = [c.state_dict() for c in s._schedulers]
    return state


def _load(s: Any, state_dict: dict[str, Any]) -> None:
    children = state_dict["_schedulers"]
    if len(children) != len(s._schedulers):
        raise ValueError(
            f"state dict holds {len(children)} schedulers, this {type(s).__name__} has {len(s._schedulers)}"
        )
    s.__dict__.update({k: list(v) if isinstance(v, list) else v for k, v in state_dict.items() if k != "_schedulers"})
    for c, sd in zip(s._schedulers, children):
        c.load_state_dict(sd)


class _Composite(LRScheduler):
    """What SequentialLR and ChainedScheduler share: state with the held schedulers' states
    (torch's form), and the protocol a SequentialLR holding one calls."""

    _schedulers: list[Any]
    _last_lr: list[Any]

    def _initial_step(self) -> None:
        raise NotImplementedError

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.step()
        else:
            self._initial_step()

    def get_last_lr(self) -> list[Any]:
        return self._last_lr

    def state_dict(self) -> dict[str, Any]:
        return _state(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        _load(self, state_dict)


class SequentialLR(_Composite):
    """Run schedulers one after another: ``schedulers[i + 1]`` takes over at ``milestones[i]``,
    starting again at its own epoch 0 from the base learning rates.

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
        self._schedulers = list(schedulers)
        self._milestones = [number(f"milestones[{i}]", m) for i, m in enumerate(milestones)]
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        _reset_lrs(optimizer)
        _undo(self)
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = self._schedulers[idx].get_last_lr()

    def recursive_undo(self, sched: Any = None) -> None:
        """Undo the initial step of every scheduler held (recursively), as torch's does."""
        _undo(self if sched is None else sched)

    def _initial_step(self) -> None:
        """Start again at epoch 0 (this sequence held by another, at its start or milestone)."""
        self.last_epoch = 0
        _reset_lrs(self.optimizer)
        idx = bisect_right(self._milestones, 0)
        _start(self._schedulers[idx])
        self._last_lr = self._schedulers[idx].get_last_lr()

    def step(self, metrics: Any = None) -> None:
        """Advance one epoch; ``metrics`` goes to an active :class:`ReduceLROnPlateau`."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        s = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            if _takes_metrics(s):
                _reset_lrs(self.optimizer)
                _start(s)
            else:
                s._update_lr(0)
        elif _takes_metrics(s):
            s.step(metrics)
        else:
            s.step()
        self._last_lr = s.get_last_lr()

    @property
    def schedule(self) -> Schedule:
        """The schedules held, joined at the milestones (engine :func:`glideslope.join`)."""
        parts: list[Schedule] = [s.schedule for s in self._schedulers]
        if len(parts) == 1:
            return parts[0]
        joined: Schedule = gs.join(parts, [int(m) for m in self._milestones])
        return joined



class ChainedScheduler(_Composite):
    """Step several schedulers together: each ``step()`` steps every one of them in order,
    each acting on the learning rate the previous one left (torch's chained semantics, which
    the drop-in classes reproduce exactly).

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
        self.optimizer = optimizer
        self._last_lr = group_values(self._schedulers[-1].optimizer, "lr")

    def _initial_step(self) -> None:
        """Start again (this chain held by a SequentialLR, at a milestone)."""
        _reset_lrs(self.optimizer)
        for s in self._schedulers:
            _start(s)
        self._last_lr = group_values(self.optimizer, "lr")

    def step(self, metrics: Any = None) -> None:
        """Step every scheduler, in order."""
        for s in self._schedulers:
            if _takes_metrics(s):
                s.step(metrics)
            else:
                s.step()
        self._last_lr = group_values(self._schedulers[-1].optimizer, "lr")

    @property
    def schedule(self) -> Schedule:
        """The product of the multipliers of the schedulers held, times the base learning
        rate (exact for schedulers that scale the learning rate; a scheduler with an absolute
        part, such as a floor, raises TypeError naming it)."""
        base = as_float(self.optimizer.param_groups[0]["initial_lr"])
        out: Schedule = gs.constant(base)
        for s in self._schedulers:
            if not isinstance(s, _MULTIPLIERS) or (isinstance(s, fixed.CosineAnnealingLR) and s.eta_min):
                raise TypeError(
                    f"ChainedScheduler.schedule: {type(s).__name__} does not scale the learning rate "
                    f"by a multiplier, so the chain has no product form"
                )
            out = out * (s.schedule / as_float(s.base_lrs[0]))
        return out

