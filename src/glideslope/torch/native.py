"""ScheduleLR: drive any param-group hyperparameter from any glideslope schedule."""

from __future__ import annotations

import re
import warnings
from typing import Any

from torch.optim import Optimizer

from torch import Tensor

from .. import UnboundScheduleError
from ..schedule import Schedule
from ._base import GlideScheduler, as_float, check_optimizer, group_values

__all__ = ["ScheduleLR"]

_BETA = re.compile(r"^(\w+)\[(\d+)\]$")
MODES = ("multiply", "absolute")


def _get(group: dict[str, Any], key: str) -> Any:
    m = _BETA.match(key)
    if m:
        return group[m.group(1)][int(m.group(2))]
    return group[key]


def _set(group: dict[str, Any], key: str, value: float) -> None:
    m = _BETA.match(key)
    if m:
        name, idx = m.group(1), int(m.group(2))
        seq = group[name]
        if isinstance(seq[idx], Tensor):
            seq[idx].fill_(value)
        else:
            items = list(seq)
            items[idx] = value
            group[name] = type(seq)(items) if isinstance(seq, tuple) else items
        return
    cur = group.get(key)
    if isinstance(cur, Tensor):
        cur.fill_(value)
    else:
        group[key] = value


class ScheduleLR(GlideScheduler):
    """Set a param-group hyperparameter from glideslope schedules, in closed form.

    With ``mode="multiply"`` (default), group ``i`` gets ``base_i * multipliers[i] * s_i(t)``,
    where ``base_i`` is the group's value when the scheduler was built (saved in the group as
    ``initial_<key>``, like torch's ``initial_lr``); with ``mode="absolute"`` it gets
    ``multipliers[i] * s_i(t)``. ``t`` is the number of ``step()`` calls.

    Args:
        optimizer: the optimizer.
        schedule: one schedule for every group, or a list with one per group.
        key: the param-group entry to drive: ``"lr"`` (default), ``"momentum"``,
            ``"weight_decay"``, ``"betas[0]"``, ``"betas[1]"`` or any custom key (a custom key
            that a group lacks needs ``mode="absolute"``).
        mode: ``"multiply"`` or ``"absolute"``.
        multipliers: per-group factors (layer-wise learning rates); default all 1.
        total_steps, steps_per_epoch: bind schedules written in fractions or epochs.
        last_epoch: index of the last step when resuming (-1: start).

    ``state_dict()`` holds the step and the schedules' fingerprints; loading a state saved
    under different schedules warns.
    """

    _derived = ("schedules",)

    def __init__(
        self,
        optimizer: Optimizer,
        schedule: Schedule | list[Schedule],
        key: str = "lr",
        mode: str = "multiply",
        multipliers: list[float] | None = None,
        total_steps: int | None = None,
        steps_per_epoch: int | None = None,
        last_epoch: int = -1,
    ) -> None:
        check_optimizer(optimizer)
        n = len(optimizer.param_groups)
        scheds = list(schedule) if isinstance(schedule, (list, tuple)) else [schedule] * n
        if len(scheds) != n:
            raise ValueError(f"schedule must be one schedule or a list of {n} (one per param group), got {len(scheds)}")
        for i, s in enumerate(scheds):
            if not isinstance(s, Schedule):
                raise TypeError(f"schedule[{i}] must be a glideslope Schedule, got {type(s).__name__}: {s!r}")
        if total_steps is not None or steps_per_epoch is not None:
            scheds = [s.bind(total_steps=total_steps, steps_per_epoch=steps_per_epoch) for s in scheds]
        for i, s in enumerate(scheds):
            if not s.is_bound:
                raise UnboundScheduleError(
                    f"schedule[{i}] ({s!r}) cannot be evaluated yet: {'; '.join(s.unresolved())}. "
                    f"Pass total_steps=... / steps_per_epoch=..., or bind it first"
                )
        if not isinstance(key, str) or not key:
            raise TypeError(f"key must be a param-group key (str), got {key!r}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if multipliers is None:
            mults = [1.0] * n
        else:
            if not isinstance(multipliers, (list, tuple)) or len(multipliers) != n:
                raise ValueError(f"multipliers must be a list of {n} numbers (one per param group), got {multipliers!r}")  # noqa: E501
            mults = [float(m) for m in multipliers]
        self.key, self.mode, self.multipliers = key, mode, mults
        self.schedules = scheds
        self._ikey = "initial_lr" if key == "lr" else f"initial_{key}"
        for i, g in enumerate(optimizer.param_groups):
            try:
                cur = _get(g, key)
            except (KeyError, IndexError, TypeError):
                if mode == "multiply":
                    raise KeyError(
                        f"param_groups[{i}] has no {key!r}; with mode='multiply' each group needs a base "
                        f"value to multiply (or use mode='absolute')"
                    ) from None
                cur = 0.0
            if last_epoch == -1 and key != "lr":
                g.setdefault(self._ikey, as_float(cur))
        super().__init__(optimizer, last_epoch)

    def _values(self, t: int) -> list[float]:
        if self.mode == "absolute":
            return [m * s(t) for m, s in zip(self.multipliers, self.schedules)]
        bases = self._bases() if self.key == "lr" else [as_float(g[self._ikey]) for g in self.optimizer.param_groups]
        return [b * m * s(t) for b, m, s in zip(bases, self.multipliers, self.schedules)]

    def _closed(self, t: int) -> list[float]:
        return self._values(t)

    def _apply(self, t: int, closed: bool = False) -> None:
        if self.key == "lr":
            super()._apply(t, closed)
            return
        for g, v in zip(self.optimizer.param_groups, self._values(t)):
            _set(g, self.key, v)
        self._last_lr = group_values(self.optimizer, "lr")

    def get_last_value(self) -> list[float]:
        """The current values of ``key`` in every group."""
        return [as_float(_get(g, self.key)) for g in self.optimizer.param_groups]

    def fingerprints(self) -> list[str]:
        return [s.fingerprint() for s in self.schedules]

    def _group_schedule(self, i: int) -> Schedule:
        if self.mode == "absolute":
            return self.multipliers[i] * self.schedules[i]
        return as_float(self.base_lrs[i]) * self.multipliers[i] * self.schedules[i]

    def state_dict(self) -> dict[str, Any]:
        """The step and the schedules' fingerprints (the schedules themselves are the
        constructor's arguments, not state)."""
        state = super().state_dict()
        state["fingerprints"] = self.fingerprints()
        return state

    def _load_special(self, state: dict[str, Any]) -> None:
        saved = state.pop("fingerprints", None)
        mine = self.fingerprints()
        if saved is not None and list(saved) != mine:
            changed = [i for i, (a, b) in enumerate(zip(saved, mine)) if a != b] or list(range(len(mine)))
            warnings.warn(
                f"ScheduleLR.load_state_dict: the checkpoint was saved under different schedule(s) "
                f"for param group(s) {changed} (fingerprints {list(saved)} saved, {mine} now: "
                f"{[repr(self.schedules[i]) for i in changed]}). Resuming at step {self.last_epoch} "
                f"of the new schedule(s); values will not continue the old run.",
                UserWarning,
                stacklevel=3,
            )
        saved_key = state.pop("key", self.key)
        if saved_key != self.key:
            warnings.warn(
                f"ScheduleLR.load_state_dict: the checkpoint drove {saved_key!r}, this scheduler drives "
                f"{self.key!r}",  # the key this scheduler was built with is kept
                UserWarning,
                stacklevel=3,
            )
