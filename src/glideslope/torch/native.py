"""ScheduleLR: drive any param-group hyperparameter from any glideslope schedule, change
its plan mid-run (:meth:`ScheduleLR.replan`) and resume on the changed plan."""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

from torch.optim import Optimizer

from torch import Tensor

from .. import UnboundScheduleError
from ..horizon import WELL_PAST, HorizonReport, HorizonWarning, horizon_report, past_end, past_end_message
from ..replan import CHANGES, Splice, change_record, replay
from ..schedule import Schedule
from ..transforms import Shift
from ._base import GlideScheduler, as_float, check_optimizer, group_values

__all__ = ["ON_RESUME", "ScheduleLR"]

_BETA = re.compile(r"^(\w+)\[(\d+)\]$")
MODES = ("multiply", "absolute")
#: What ``load_state_dict`` does with a checkpoint saved under another plan than the one built.
ON_RESUME = ("error", "saved", "constructed")


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
        on_resume: what :meth:`load_state_dict` does with a checkpoint saved under another
            plan than this one (see there): ``"error"`` (default), ``"saved"`` or ``"constructed"``.

    Changing the plan: :meth:`replan` (``sched.replan(gs.extend, steps=20_000)``) applies a
    plan change at the current step, or adopts a new schedule from it.

    State: ``state_dict()`` holds the step, the schedules' fingerprints, the plan history
    (each change: its step, the change itself and the fingerprints after it) and the plans'
    configs. Loading it into a scheduler built with the same plan continues on the changed plan.

    Horizon: stepped more than twice its plan's length (:data:`glideslope.horizon.WELL_PAST`),
    it warns once (a :class:`glideslope.HorizonWarning` naming the likely cause: a schedule
    written in epochs, stepped per batch); :meth:`horizon_report` says at the end of a run how
    the steps taken compare with the plan.
    """

    _derived = ("schedules", "_planned", "_planned_fps", "_history", "_ends", "_warn_after", "_horizon_warned",
                "_resume_mode")

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
        on_resume: str = "error",
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
        if on_resume not in ON_RESUME:
            raise ValueError(f"on_resume must be one of {ON_RESUME}, got {on_resume!r}")
        self.key, self.mode, self.multipliers = key, mode, mults
        self.schedules = scheds
        self._planned = list(scheds)  # the plans as built, before any change
        self._planned_fps = [x.fingerprint() for x in scheds]  # of the plans the history starts from
        self._history: list[dict[str, Any]] = []
        self._resume_mode = on_resume
        self._horizon_warned = False
        self._set_horizon()
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
        if t > self._warn_after and not self._horizon_warned:
            self._warn_past_end(t)
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

    # -- plan changes ------------------------------------------------------------------------

    def replan(self, change: Any, /, **arguments: Any) -> None:
        """Change the plan at the current step ``t = last_epoch``; the past stays as it ran.

        ``change`` is one of

        * a plan change, :func:`glideslope.extend`, :func:`~glideslope.shorten`,
          :func:`~glideslope.cooldown_now` or :func:`~glideslope.splice` (or its name,
          ``"extend"``), with its arguments but the plan and ``at``: every group's schedule
          ``s`` becomes ``change(s, at=t, **arguments)``, continuous at ``t``::

              sched.replan(gs.extend, steps=20_000)
              sched.replan(gs.cooldown_now, steps=2_000, shape="1-sqrt")

        * a schedule (or a list, one per group): the new plan, in the run's own steps, from
          ``t`` on. A plan change of the current plan at ``t`` (``gs.extend(plan, ..., at=t)``)
          is taken as it is; any other schedule is spliced on as given,
          ``splice(s, shift(new, -t), at=t, continuous=False)``: its value at ``t`` is written
          now, a jump if it differs.

        Each change is recorded in the plan history (``plan_history``, ``state_dict()``).
        """
        t = self.last_epoch
        n = len(self.schedules)
        if isinstance(change, str):
            if change not in CHANGES:
                raise ValueError(f"replan(): change must be one of {sorted(CHANGES)} or a schedule, got {change!r}")
            change = CHANGES[change]
        if isinstance(change, type) and change in CHANGES.values():
            if "at" in arguments or "schedule" in arguments:
                raise TypeError(
                    f"replan(): the change comes at the current step (at={t}) to the current plan; "
                    f"pass only {getattr(change, 'kind', '')}()'s other arguments"
                )
            new = [change(s, at=t, **arguments) for s in self.schedules]
        elif isinstance(change, Schedule) or (isinstance(change, (list, tuple)) and change):
            if arguments:
                raise TypeError(f"replan(): a new schedule takes no arguments, got {sorted(arguments)}")
            plans = list(change) if isinstance(change, (list, tuple)) else [change] * n
            if len(plans) != n:
                raise ValueError(
                    f"replan(): give one schedule or a list of {n} (one per param group), got {len(plans)}"
                )
            new = [self._adopt(i, old, plan, t) for i, (old, plan) in enumerate(zip(self.schedules, plans))]
        else:
            raise TypeError(
                f"replan(): change must be a plan change (gs.extend, gs.shorten, gs.cooldown_now, gs.splice) "
                f"or a schedule, got {type(change).__name__}: {change!r}"
            )
        self.schedules = new
        record = {"step": t, "changes": [change_record(s) for s in new], "fingerprints": self.fingerprints()}
        self._history.append(record)
        self._set_horizon()
        self._horizon_warned = False
        self._apply(t, closed=True)

    @staticmethod
    def _adopt(i: int, old: Schedule, plan: Any, t: int) -> Schedule:
        if not isinstance(plan, Schedule):
            raise TypeError(
                f"replan(): schedule[{i}] must be a glideslope Schedule, got {type(plan).__name__}: {plan!r}"
            )
        if not plan.is_bound:
            raise UnboundScheduleError(
                f"replan(): schedule[{i}] ({plan!r}) needs binding: {'; '.join(plan.unresolved())}"
            )
        if isinstance(plan, tuple(CHANGES.values())) and plan.at == t and plan.schedule == old:  # type: ignore[attr-defined]
            return plan
        return Splice(old, Shift(plan, -t), at=t, continuous=False)

    @property
    def plan_history(self) -> list[dict[str, Any]]:
        """The plan changes so far: ``{"step", "changes" (one config per group, without the
        plan it changed), "fingerprints" (of the plans after it)}`` each, oldest first."""
        return [dict(h) for h in self._history]

    # -- horizon -----------------------------------------------------------------------------

    def _set_horizon(self) -> None:
        lengths = [s.length for s in self.schedules]
        finite = all(n is not None and math.isfinite(n) and n > 0 for n in lengths)
        self._ends = max(lengths) if finite else None  # type: ignore[type-var]
        self._warn_after = WELL_PAST * self._ends if self._ends is not None else math.inf

    def _warn_past_end(self, t: int) -> None:
        """Warn once that the run is well past its plan (from ``step()``: the caller's line)."""
        self._horizon_warned = True
        if past_end(self._ends, t):
            fix = ("build the scheduler with the plan for the run's real length, or, before the plan ends, "
                   "sched.replan(gs.extend, steps=NEW_TOTAL)")
            message = past_end_message("ScheduleLR", self._ends, t, self.schedules[0](t), fix)  # type: ignore[arg-type]
            warnings.warn(message, HorizonWarning, stacklevel=4)

    def horizon_report(self, group: int = 0) -> HorizonReport:
        """How the steps taken (``last_epoch``) compare with group ``group``'s plan: ended
        early (at what fraction of the peak), on plan, or held past its end."""
        return horizon_report(self.schedules[group], max(self.last_epoch, 0))

    # -- state -------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The step, the plans' fingerprints, the plan history and the plans' configs (None
        for a plan that holds a function no config can hold): plain values only."""
        state = super().state_dict()
        state["fingerprints"] = self.fingerprints()
        state["planned_fingerprints"] = list(self._planned_fps)
        state["plan_history"] = [dict(h, changes=list(h["changes"]), fingerprints=list(h["fingerprints"]))
                                 for h in self._history]
        state["plans"] = [_config_or_none(s) for s in self.schedules]
        return state

    def load_state_dict(self, state_dict: dict[str, Any], on_resume: str | None = None) -> None:
        """Restore a state from :meth:`state_dict` and go on with its plan.

        A checkpoint of this scheduler's plan, changed or not, continues on the plan it
        holds (the recorded changes are applied again to the plan built). A checkpoint saved
        under another plan is handled by ``on_resume`` (default: the constructor's):

        * ``"error"``: a ValueError naming both plans and these two ways out;
        * ``"saved"``: adopt the checkpoint's plan (rebuilt from its configs);
        * ``"constructed"``: keep the plan built here, from the checkpoint's step on (its value
          there is what the run gets: a jump, if the plans differ there).
        """
        mode = self._resume_mode if on_resume is None else on_resume
        if mode not in ON_RESUME:
            raise ValueError(f"on_resume must be one of {ON_RESUME}, got {mode!r}")
        self._loading = mode
        try:
            super().load_state_dict(state_dict)
        finally:
            self.__dict__.pop("_loading", None)
        self._set_horizon()
        self._horizon_warned = False

    def _load_special(self, state: dict[str, Any]) -> None:
        mode = self.__dict__.get("_loading", self._resume_mode)
        saved = state.pop("fingerprints", None)
        planned = state.pop("planned_fingerprints", saved)
        history = state.pop("plan_history", None) or []
        configs = state.pop("plans", None)
        mine = self.fingerprints()
        if saved is not None and list(saved) != mine:
            built = [s.fingerprint() for s in self._planned]
            step = state.get("last_epoch", self.last_epoch)
            if planned is not None and list(planned) == built and history:
                self._replay(history, list(saved))
            elif mode == "saved":
                self._adopt_saved(configs, list(saved))
                self._history, self._planned_fps = [dict(h) for h in history], list(planned or saved)
            elif mode == "constructed":
                self._history, self._planned_fps = [], mine
            else:
                changed = [i for i, (a, b) in enumerate(zip(saved, mine)) if a != b] or list(range(len(mine)))
                raise ValueError(
                    f"ScheduleLR.load_state_dict: the checkpoint was saved at step {step} under another plan than "
                    f"this scheduler's for param group(s) {changed} (fingerprints {list(saved)} saved, {mine} "
                    f"here: {[repr(self.schedules[i]) for i in changed]}). Resuming would mix the two. To go on "
                    f"with the checkpoint's plan: sched.load_state_dict(state, on_resume='saved'); to switch to "
                    f"this plan from step {step} (a jump where they differ): on_resume='constructed'; to re-plan "
                    f"continuously, load with on_resume='saved', then sched.replan(...). ScheduleLR(..., "
                    f"on_resume=...) sets the default, for trainers that call load_state_dict(state) themselves"
                )
        elif saved is not None:  # this plan is the checkpoint's: its history goes on
            self._history, self._planned_fps = [dict(h) for h in history], list(planned or saved)
        saved_key = state.pop("key", self.key)
        if saved_key != self.key:
            warnings.warn(
                f"ScheduleLR.load_state_dict: the checkpoint drove {saved_key!r}, this scheduler drives "
                f"{self.key!r}",  # the key this scheduler was built with is kept
                UserWarning,
                stacklevel=3,
            )

    def _replay(self, history: list[dict[str, Any]], saved: list[str]) -> None:
        plans = list(self._planned)
        for h in history:
            records = h["changes"]
            if any(r is None for r in records):
                raise ValueError(
                    f"ScheduleLR.load_state_dict: the change at step {h['step']} holds a function no config can "
                    f"hold, so it cannot be applied again; build the scheduler with the changed plan"
                )
            plans = [replay(p, r) for p, r in zip(plans, records)]
        if [p.fingerprint() for p in plans] != saved:
            raise ValueError(
                "ScheduleLR.load_state_dict: the plan history, applied again to this plan, does not give the "
                "checkpoint's plan; load it with on_resume='saved' to adopt the checkpoint's plan"
            )
        self.schedules = plans
        self._history = [dict(h) for h in history]

    def _adopt_saved(self, configs: list[Any] | None, saved: list[str]) -> None:
        from ..config import from_config

        if not configs or any(c is None for c in configs) or len(configs) != len(self.schedules):
            raise ValueError(
                "ScheduleLR.load_state_dict(on_resume='saved'): the checkpoint holds no config of its plan "
                "(a plan holding a function cannot be written to one); build the scheduler with that plan"
            )
        plans = [from_config(c) for c in configs]
        if [p.fingerprint() for p in plans] != saved:
            raise ValueError("ScheduleLR.load_state_dict: the checkpoint's plan configs do not match its fingerprints")
        self.schedules = plans


def _config_or_none(s: Schedule) -> dict[str, Any] | None:
    try:
        return s.to_config()
    except TypeError:  # a function no config can hold
        return None

