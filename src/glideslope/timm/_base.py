"""What every timm-dialect scheduler shares: param groups, stepping, noise, state.

timm's protocol: the training script passes the count itself. ``step(epoch, metric)`` is
called at the end of each epoch with the *next* epoch's index and ``step_update(num_updates,
metric)`` after each optimizer update with the updates done so far; a scheduler acts on one of
the two (``t_in_epochs``) and writes ``lr(t)`` into every param group (times the group's
``lr_scale`` when it has one).

Here ``lr(t)`` of group ``g`` is ``schedules[g](t)``: a glideslope Schedule built from the
group's base value and the timm arguments. The only thing computed outside the engine is
timm's noise, because it must equal timm's draws: when ``t`` is in ``noise_range_t`` the value
becomes ``lr * (1 + z)`` with ``z`` drawn from ``torch.Generator().manual_seed(noise_seed + t)``,
a normal variate times ``noise_std`` redrawn until ``|z| < noise_pct`` (or, with
``noise_type='uniform'``, ``z = (2 * u - 1) * noise_pct``).
"""

from __future__ import annotations

import copy
import math
from typing import Any, ClassVar

from .. import _validate as v
from .._optional import require
from ..compose import Warmup
from ..schedule import Schedule
from ..transforms import Shift

NOISE_TYPES = ("normal", "uniform")

#: the state keys every timm scheduler (but the plateau one) saves, in timm's order
BASE_KEYS = (
    "param_group_field", "_initial_param_group_field", "base_values", "metric", "t_in_epochs",
    "noise_range_t", "noise_pct", "noise_type", "noise_std", "noise_seed",
)


def count(name: str, value: object, minimum: int) -> int:
    """An int number of epochs or updates (a whole float is taken as its int)."""
    return v.integer(name, value, minimum=minimum)


def noise_range(value: Any) -> Any:
    """``noise_range_t``: None, a start ``t``, or ``[start, stop]`` (list or tuple), checked and
    kept as given (it is saved in the state dict as timm saves it)."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f"noise_range_t must be one number or a pair (start, stop), got {value!r}")
        v.real("noise_range_t[0]", value[0])
        v.real("noise_range_t[1]", value[1])
        return value
    v.real("noise_range_t", value)
    return value


def draw_noise(seed: int, noise_type: str, pct: float, std: float) -> float:
    """timm's noise for one step, drawn the same way with a seeded ``torch.Generator``."""
    torch = require("torch", extra="timm", feature="timm's lr noise")  # the dialect's only torch use
    g = torch.Generator()
    g.manual_seed(seed)
    if noise_type == "normal":
        while True:
            z = torch.randn(1, generator=g).item() * std
            if abs(z) < pct:
                return float(z)
    return float(2 * (torch.rand(1, generator=g).item() - 0.5) * pct)


class Scheduler:
    """Base of the timm-dialect schedulers (timm's ``timm.scheduler.Scheduler`` protocol).

    A subclass stores its arguments, then ends its constructor with :meth:`_finish` (the warmup
    arguments, then :meth:`_build`); it implements ``_check()`` (validate the stored arguments)
    and ``_main(base)`` (the schedule after warmup for a group whose base value is ``base``), and
    lists its own state keys in ``_keys``.
    """

    _keys: ClassVar[tuple[str, ...]] = ()
    #: whether the warmup runs before ``_main`` (True) or inside its time (False)
    _always_prefix: ClassVar[bool] = False

    optimizer: Any
    schedules: list[Schedule]
    base_values: list[float]
    warmup_t: int
    warmup_lr_init: float
    warmup_prefix: bool
    warmup_steps: list[float]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        v.check_init_keywords(cls)  # a misspelt keyword names the class and suggests the fix

    def __init__(
        self,
        optimizer: Any,
        param_group_field: str = "lr",
        t_in_epochs: bool = True,
        noise_range_t: Any = None,
        noise_type: str = "normal",
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int | None = None,
        initialize: bool = True,
    ) -> None:
        groups = getattr(optimizer, "param_groups", None)
        if not isinstance(groups, list) or not groups or not all(isinstance(g, dict) for g in groups):
            raise TypeError(
                f"optimizer must have param_groups, a non-empty list of dicts (a torch optimizer), "
                f"got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.param_group_field = param_group_field
        self._initial_param_group_field = init = f"initial_{param_group_field}"
        self._initialize = v.flag("initialize", initialize)
        for i, group in enumerate(groups):
            if self._initialize and param_group_field not in group:
                raise KeyError(f"{param_group_field} missing from param_groups[{i}]")
            if not self._initialize and init not in group:
                raise KeyError(f"{init} missing from param_groups[{i}]; pass initialize=True")
        # each group's base value: its initial_lr, else (initialize) its lr; written by _build
        self.base_values = [
            v.real(f"param_groups[{i}][{init!r}]", g[init] if init in g else g[param_group_field])
            for i, g in enumerate(groups)
        ]
        self.metric: Any = None
        self.t_in_epochs = v.flag("t_in_epochs", t_in_epochs)
        self.noise_range_t: Any = noise_range_t
        self.noise_pct = noise_pct
        self.noise_type = noise_type
        self.noise_std = noise_std
        self.noise_seed = 42 if noise_seed is None else noise_seed
        self._check_noise()

    # -- construction ---------------------------------------------------------------------

    def _check_noise(self) -> None:
        self.noise_range_t = noise_range(self.noise_range_t)
        self.noise_type = v.choice("noise_type", self.noise_type, NOISE_TYPES)
        self.noise_pct = v.positive("noise_pct", self.noise_pct)
        self.noise_std = v.non_negative("noise_std", self.noise_std)
        self.noise_seed = v.integer("noise_seed", self.noise_seed)
        if self.noise_range_t is not None:
            require("torch", extra="timm", feature="timm's lr noise (noise_range_t)")

    def _check(self) -> None:
        raise NotImplementedError

    def _main(self, base: float) -> Schedule:
        raise NotImplementedError

    def _check_warmup(self) -> None:
        self.warmup_t = count("warmup_t", self.warmup_t, 0)
        self.warmup_lr_init = v.real("warmup_lr_init", self.warmup_lr_init)
        self.warmup_prefix = v.flag("warmup_prefix", self.warmup_prefix)

    def _warmup_end(self, base: float, main: Schedule) -> float | None:
        """Where the warmup of a group ends: its base value (None: where ``main`` continues)."""
        return base

    def _schedule(self, base: float) -> tuple[Schedule, float]:
        """The group's whole schedule, ``warmup(warmup_t, warmup_lr_init, end) >> main``, where
        the main part starts at its own step 0 (``warmup_prefix``) or ``warmup_t`` steps in;
        and the warmup's ``end``."""
        main = self._main(base)
        w = self.warmup_t
        if not w:
            return main, base
        after = main if self.warmup_prefix or self._always_prefix else Shift(main, steps=-w)
        end = self._warmup_end(base, after)
        if end is None:
            end = float(after(0))
        return Warmup(steps=w, start=self.warmup_lr_init, end=end) >> after, end

    def _finish(self, warmup_t: int, warmup_lr_init: float, warmup_prefix: bool) -> None:
        """The end of every constructor: store the warmup arguments, then :meth:`_build`."""
        self.warmup_t, self.warmup_lr_init, self.warmup_prefix = warmup_t, warmup_lr_init, warmup_prefix
        self._build()

    def _build(self, initial: bool = True) -> None:
        """Validate the arguments and build one schedule per group; at construction, only then
        touch the optimizer: set each group's ``initial_lr`` (``initialize``) and write the base
        values, then ``warmup_lr_init`` when there is a warmup (timm's first writes)."""
        self._check_noise()
        self._check_warmup()
        self._check()
        built = [self._schedule(b) for b in self.base_values]
        self.schedules = [s for s, _ in built]
        w, init = self.warmup_t, self.warmup_lr_init
        self.warmup_steps = [(end - init) / w for _, end in built] if w else [1 for _ in built]
        if initial:
            if self._initialize:
                for group in self.optimizer.param_groups:
                    group.setdefault(self._initial_param_group_field, group[self.param_group_field])
            self.update_groups(self.base_values)
            if w:
                self.update_groups(init)

    @property
    def schedule(self) -> Schedule:
        """The glideslope Schedule of the first param group: its lr at ``t`` (epochs or updates,
        see ``t_in_epochs``) before noise and ``lr_scale``; ``schedules`` has one per group."""
        return self.schedules[0]

    # -- timm's protocol --------------------------------------------------------------------

    def _get_lr(self, t: float) -> list[float]:
        return [float(s(t)) for s in self.schedules]

    def _get_values(self, t: float, on_epoch: bool = True) -> list[float] | None:
        if on_epoch != self.t_in_epochs:
            return None
        return self._get_lr(t)

    def step(self, epoch: int, metric: float | None = None) -> None:
        """End of an epoch: ``epoch`` is the index of the next one. Acts when ``t_in_epochs``."""
        self.metric = metric
        values = self._get_values(epoch, on_epoch=True)
        if values is not None:
            self.update_groups(self._add_noise(values, epoch))

    def step_update(self, num_updates: int, metric: float | None = None) -> None:
        """After an optimizer update: ``num_updates`` done so far. Acts unless ``t_in_epochs``."""
        self.metric = metric
        values = self._get_values(num_updates, on_epoch=False)
        if values is not None:
            self.update_groups(self._add_noise(values, num_updates))

    def update_groups(self, values: float | list[float]) -> None:
        """Write ``values`` (one per group, or one for all) into the groups, times ``lr_scale``."""
        groups = self.optimizer.param_groups
        if not isinstance(values, (list, tuple)):
            values = [values] * len(groups)
        for group, value in zip(groups, values):
            if "lr_scale" in group:
                group[self.param_group_field] = value * group["lr_scale"]
            else:
                group[self.param_group_field] = value

    def _is_apply_noise(self, t: float) -> bool:
        r = self.noise_range_t
        if r is None:
            return False
        if isinstance(r, (list, tuple)):
            return bool(r[0] <= t < r[1])
        return bool(t >= r)

    def _calculate_noise(self, t: int) -> float:
        return draw_noise(self.noise_seed + t, self.noise_type, self.noise_pct, self.noise_std)

    def _add_noise(self, lrs: list[float], t: int) -> list[float]:
        if self._is_apply_noise(t):
            z = self._calculate_noise(t)
            lrs = [x + x * z for x in lrs]
        return lrs

    # -- state ------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """timm's state: every argument and derived value, with timm's keys (no optimizer)."""
        return {k: copy.copy(getattr(self, k)) for k in (*BASE_KEYS, *self._keys)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state from :meth:`state_dict` (or timm's own); the arguments are checked
        again and the schedules rebuilt. Keys this class does not save raise KeyError."""
        known = set(BASE_KEYS) | set(self._keys)
        unknown = sorted(set(state_dict) - known)
        if unknown:
            raise KeyError(f"{type(self).__name__}.load_state_dict: unknown keys {unknown}; it saves {sorted(known)}")
        for k, val in state_dict.items():
            self.__dict__[k] = copy.copy(val)
        self.base_values = [v.real(f"base_values[{i}]", b) for i, b in enumerate(self.base_values)]
        self._build(initial=False)

    def _cycles_length(self, cycles: int, t_initial: int, cycle_mul: float, cycle_limit: int) -> int:
        n = max(1, cycles or cycle_limit)
        if cycle_mul == 1.0:
            t = t_initial * n
        else:
            t = math.floor(-t_initial * (cycle_mul**n - 1) / (1 - cycle_mul))
        return t + self.warmup_t if self.warmup_prefix else t

    def __repr__(self) -> str:
        return f"{type(self).__name__}(schedule={self.schedule!r})"
