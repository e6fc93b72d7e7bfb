"""The machinery every glideslope torch scheduler shares.

:class:`LRScheduler` is torch's base class with one fix (it is what user subclasses and our
classes derive from); :class:`GlideScheduler` is the base of the drop-in classes: it writes
closed-form values computed by the glideslope engine into the optimizer's param groups.

How a drop-in class reproduces torch's numbers
----------------------------------------------
Torch's schedulers are written in a *chained* form: each step multiplies (or shifts) the
learning rate currently in the param group. Whenever nothing but the scheduler touches the
learning rate, that chain equals a closed form ``lr(t) = F(base_lr, t)``, which is what we
evaluate: one engine call per step (the same cost at step 10 and step 10,000,000, no replay
to resume). When something else changed a group's learning rate since our last write (a hand
edit, another scheduler of a :class:`ChainedScheduler`, a scheduler built on top of another),
torch's result depends on that foreign value; a class whose torch counterpart reads the
current learning rate then switches that group to torch's chained rule (``_follow``), so its
numbers stay torch's.

Param-group entries
-------------------
The constants a scheduler puts in a group (``initial_lr``, ``max_lr``, ``min_lr``,
``max_momentum``, ``base_momentum``, ``swa_lr``) are set once and never written again. A live
entry (``lr``, ``momentum``, ``betas[0]``) that is a tensor is written in place (no recompiles
under ``torch.compile``), and it is a tensor of its own: never one object with a constant,
another entry or the caller's argument (tensors are copied, NumPy scalars and 0-d arrays made
Python numbers), so that a write reaches only the live value. The type torch gives an entry
(a tensor, or a float) is the type it has here.

State, as torch keeps it
------------------------
An instance's ``__dict__`` holds torch's attributes under torch's names (``base_lrs``,
``last_epoch``, ``_step_count``, ``_last_lr``, ``_is_initial``, ``_get_lr_called_within_step``
and each class's own), plus ``_follow`` and, for the classes that need it, the engine
schedule the closed form evaluates (``_curve``), which is rebuilt from the other attributes
and compares equal to the one it replaces. ``state_dict()`` is ``__dict__`` without the
optimizer and without ``_curve`` (torch's rule), so torch's state dicts load into ours and
ours into torch's, and ``b.load_state_dict(a.state_dict())`` leaves ``b.__dict__ == a.__dict__``
(but for the optimizer).
"""

from __future__ import annotations

import numbers
import types
import warnings
from typing import Any, ClassVar
from weakref import ref

from torch.optim import Optimizer
from torch.optim import lr_scheduler as _tls

import torch
from torch import Tensor

from .._validate import check_init_keywords
from ..schedule import Schedule

__all__ = ["EPOCH_DEPRECATION_WARNING", "GlideScheduler", "LRScheduler"]

#: torch's text for ``step(epoch)``, kept word for word so filters written for torch still match.
EPOCH_DEPRECATION_WARNING: str = _tls.EPOCH_DEPRECATION_WARNING

_OVERRIDDEN_MSG = (
    "Seems like `optimizer.step()` has been overridden after learning rate scheduler "
    "initialization. Please, make sure to call `optimizer.step()` before "
    "`lr_scheduler.step()`. See more details at "
    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"
)
_ORDER_MSG = (
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. "
    "In PyTorch 1.1.0 and later, you should call them in the opposite order: "
    "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this "
    "will result in PyTorch skipping the first value of the learning rate schedule. "
    "See more details at "
    "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"
)
_GET_LR_MSG = "To get the last learning rate computed by the scheduler, please use `get_last_lr()`."


# The step-order check is part of torch's LRScheduler protocol: torch wraps
# ``optimizer.step`` so that a call sets ``optimizer._opt_called``, and marks the wrapper
# with ``_wrapped_by_lr_sched``. We read and write exactly those two names (and nothing else
# private of torch), so that our schedulers and torch's share one wrapper and one flag.


def _track_optimizer_steps(optimizer: Optimizer) -> None:
    """Wrap ``optimizer.step`` once so that a call sets ``optimizer._opt_called`` (the
    protocol's flag, see above). Compatible with torch's own wrapper."""
    if hasattr(optimizer.step, "_wrapped_by_lr_sched"):  # the protocol's marker
        return
    func = optimizer.step.__func__  # type: ignore[attr-defined]
    opt_ref = ref(optimizer)

    def step(*args: Any, **kwargs: Any) -> Any:
        opt = opt_ref()
        opt._opt_called = True  # type: ignore[union-attr]  # the protocol's flag
        return func(opt, *args, **kwargs)

    step.__wrapped__ = func  # type: ignore[attr-defined]
    step._wrapped_by_lr_sched = True  # type: ignore[attr-defined]  # the protocol's marker
    optimizer.step = step  # type: ignore[method-assign]


def _grads_nonfinite(optimizer: Optimizer) -> bool:
    """True when some gradient holds inf/NaN: the case where a GradScaler skips
    ``optimizer.step()`` on purpose (so the step-order warning would be a false alarm)."""
    for group in optimizer.param_groups:
        for p in group["params"]:
            g = p.grad
            if g is not None and not bool(torch.isfinite(g).all()):
                return True
    return False


def _warn_step_order(scheduler: Any) -> None:
    """torch's first-step checks (the protocol's marker and flag), except that a step a
    GradScaler skipped (non-finite gradients) does not count as "scheduler before optimizer"."""
    opt = scheduler.optimizer
    if not hasattr(opt.step, "_wrapped_by_lr_sched"):
        warnings.warn(_OVERRIDDEN_MSG, UserWarning, stacklevel=3)
    elif not getattr(opt, "_opt_called", False):
        if _grads_nonfinite(opt):
            opt._opt_called = True  # the step was attempted; the scaler skipped it
        else:
            warnings.warn(_ORDER_MSG, UserWarning, stacklevel=3)


class LRScheduler(_tls.LRScheduler):
    """torch's ``LRScheduler`` base, for user subclasses, with one fix: no "step before
    optimizer.step()" warning when a GradScaler skipped the first optimizer step.

    A subclass implements ``get_lr()`` exactly as for torch.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_init_keywords(cls)  # a misspelt keyword names the class and suggests the fix

    def step(self, epoch: int | None = None) -> None:
        if self._step_count == 1:
            opt = self.optimizer
            # the protocol's marker and flag (see _track_optimizer_steps)
            if hasattr(opt.step, "_wrapped_by_lr_sched") and not getattr(opt, "_opt_called", False):
                if _grads_nonfinite(opt):
                    opt._opt_called = True  # type: ignore[attr-defined]
        super().step(epoch)


# -- arguments ------------------------------------------------------------------------------


def number(name: str, value: object) -> int | float:
    """A real argument as a Python number: ints, floats, NumPy scalars, 0-d arrays and
    one-element tensors are accepted (as torch's arithmetic accepts them); an int stays an int. Anything
    else raises TypeError naming the argument."""
    if value.__class__ is int or value.__class__ is float:
        return value
    if isinstance(value, Tensor):
        if value.numel() != 1 or value.is_complex():
            raise TypeError(f"{name} must be a real number, got a tensor of shape {tuple(value.shape)}")
        x: int | float = value.item()
        return x
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # a 0-d NumPy array
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}: {value!r}")
    if isinstance(value, numbers.Integral):
        return int(value)
    return float(value)


def real(name: str, value: object, *, low: float | None = None, low_open: bool = False) -> int | float:
    """A finite real number, ``>= low`` (``> low`` with ``low_open``) when ``low`` is given."""
    x = number(name, value)
    if not -float("inf") < x < float("inf"):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if low is not None and (x <= low if low_open else x < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value!r}")
    return x


def plain(value: Any) -> Any:
    """A per-group value as it is kept: a tensor cloned (as torch clones it), a NumPy scalar
    or 0-d array as a Python number (torch keeps the caller's object, which for a 0-d array
    is mutable and does not load with ``torch.load(weights_only=True)``). Either way, changing
    the caller's object afterwards changes nothing here."""
    if isinstance(value, Tensor):
        return value.clone()
    if isinstance(value, numbers.Real) and not isinstance(value, (int, float)):
        return value.item() if hasattr(value, "item") else float(value)
    if value.__class__ is not float and isinstance(value, float):  # numpy.float64 is a float
        return float(value)
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # a 0-d NumPy array
        return value.item()
    return value


def format_param(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value per param group: a list of the right length, or a scalar repeated
    (torch's rule and error text); tensors cloned, NumPy scalars made Python numbers."""
    n = len(optimizer.param_groups)
    if getattr(value, "ndim", 0) != 0:
        # torch takes an array here for one value and fails on its arithmetic: refuse it now
        raise TypeError(
            f"{name} must be a number or a list/tuple with one per param group, got "
            f"{type(value).__name__} of shape {tuple(value.shape)}; pass list({name})"
        )
    if isinstance(value, (list, tuple)):
        values = list(value)
        if len(values) != n:
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. "
                f"{name} has {len(values)} values, param_groups has {n}."
            )
    else:
        values = [value] * n
    return [plain(x) for x in values]


def group_values(optimizer: Optimizer, key: str) -> list[Any]:
    """``group[key]`` of every group; tensors cloned so callers never alias them."""
    return [g[key].clone() if isinstance(g[key], Tensor) else g[key] for g in optimizer.param_groups]


#: the param-group entries a scheduler sets once and keeps constant (torch's names)
CONSTANT_ENTRIES = ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum", "swa_lr")


def shares_constant(group: dict[str, Any], value: Tensor) -> bool:
    """Whether ``value`` is the very tensor one of the group's constant entries holds (as after
    loading a state in which two entries were one object): then it must not be written in place."""
    for k in CONSTANT_ENTRIES:
        if group.get(k) is value:
            return True
    return False


def live(value: Any) -> Any:
    """A value about to become a live entry (``lr``, ``momentum``, ``betas[0]``): a tensor of its
    own, so that writing it in place never changes another entry or the caller's object."""
    return value.clone() if isinstance(value, Tensor) else value


def write(group: dict[str, Any], key: str, value: Any) -> None:
    """Set ``group[key]``: in place when it is a tensor of its own (no recompiles under
    torch.compile); a tensor that a constant entry also holds is replaced by a filled copy."""
    cur = group[key]
    if isinstance(cur, Tensor):
        if shares_constant(group, cur):
            cur = group[key] = cur.clone()
        cur.fill_(value)
    else:
        group[key] = value


def write_beta1(group: dict[str, Any], value: Any, use_beta1: bool) -> None:
    """Write a cycled momentum, ``betas[0]`` (Adam-like) or ``momentum`` (SGD-like), as torch
    does: it puts in the value it computed, a tensor or a float as the arguments were. A
    tensor value goes into a tensor entry of its own in place instead (the same value and type,
    and no recompiles under torch.compile)."""
    if use_beta1:
        betas = group["betas"]
        b0 = betas[0]
        if isinstance(b0, Tensor) and isinstance(value, Tensor) and not shares_constant(group, b0):
            b0.fill_(value)
        else:
            group["betas"] = (value, *betas[1:])
        return
    cur = group["momentum"]
    if isinstance(cur, Tensor) and isinstance(value, Tensor) and not shares_constant(group, cur):
        cur.fill_(value)
    else:
        group["momentum"] = value


def as_float(x: Any) -> float:
    return float(x.item()) if isinstance(x, Tensor) else float(x)


def check_optimizer(optimizer: object) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
    return optimizer


def copied(v: Any) -> Any:
    """A state value as a state dict holds it: lists and dicts copied (one level), so that two
    schedulers never share a list one of them changes in place."""
    if isinstance(v, list):
        return list(v)
    if isinstance(v, dict):
        return v.copy()
    return v


class GlideScheduler(LRScheduler):
    """Base of the drop-in classes: closed-form values from the glideslope engine.

    A subclass sets its attributes, then calls ``super().__init__``. It implements

    * ``_rebuild()``: set the derived engine schedule(s) named in ``_derived`` from the
      attributes (called at construction and after a state load);
    * ``_closed(t)``: the value of every group at epoch ``t`` (a list of floats);
    * ``_chain(i, lr, t)`` when ``chained`` is True: torch's update rule for group ``i``
      given its current learning rate ``lr`` (used only after a foreign change, see the
      module docs);
    * ``_group_schedule(i)``: the engine schedule group ``i``'s learning rate follows
      (what :attr:`schedule` returns for group 0).
    """

    #: whether the torch class reads the current ``group["lr"]`` (a chained scheduler)
    chained: ClassVar[bool] = False
    #: attributes rebuilt from the others by ``_rebuild`` and left out of the state dict
    _derived: ClassVar[tuple[str, ...]] = ("_curve",)

    optimizer: Optimizer
    base_lrs: list[Any]
    last_epoch: int
    _step_count: int
    _last_lr: list[Any]
    _follow: list[bool]
    _curve: Schedule

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = check_optimizer(optimizer)
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch < -1:
            raise ValueError(f"last_epoch must be an int >= -1, got {last_epoch!r}")
        opt = self.optimizer
        if last_epoch == -1:
            for g in opt.param_groups:
                lr = g["lr"]
                g.setdefault("initial_lr", lr.clone() if isinstance(lr, Tensor) else lr)
        else:
            for i, g in enumerate(opt.param_groups):
                if "initial_lr" not in g:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        f"scheduler with last_epoch >= 0.\nThis typically happens when:\n"
                        f"1. You're trying to resume training from a checkpoint but haven't "
                        f"properly loaded the optimizer state\n"
                        f"2. You're using last_epoch >= 0 for a fresh training run (not recommended)"
                    )
        self.base_lrs = group_values(opt, "initial_lr")
        self.last_epoch = last_epoch
        # torch's instance attributes, at the values torch leaves them
        self._is_initial = False
        self._get_lr_called_within_step = False
        self._follow = [False] * len(opt.param_groups)
        self._rebuild()
        _track_optimizer_steps(opt)
        self._initial_step()

    # SequentialLR drives the schedulers it holds through two methods of torch's LRScheduler
    # protocol, ``_initial_step()`` and ``_update_lr(0)``; ours implement both.

    def _initial_step(self) -> None:
        """torch's initial step: epoch ``last_epoch + 1``. Resuming with ``last_epoch = N >= 0``
        writes the closed-form value at ``N + 1`` (the uninterrupted run's value)."""
        self._step_count = 1
        self._is_initial = True
        try:
            self.last_epoch += 1
            self._last_lr = list(self.base_lrs)
            self._apply(self.last_epoch, closed=self.last_epoch > 0)
        finally:
            self._is_initial = False

    def _update_lr(self, epoch: int | None = None) -> None:
        """torch's ``_update_lr``: one step, or (``epoch`` given) the closed form at ``epoch``
        (what SequentialLR does at a milestone, with ``epoch=0``)."""
        if epoch is None:
            self.last_epoch += 1
            self._apply(self.last_epoch)
            return
        self.last_epoch = epoch
        self._apply(epoch, closed=True)

    def _rebuild(self) -> None:
        """Set the derived engine schedule(s) from the attributes."""

    # -- values ----------------------------------------------------------------------------

    def _bases(self) -> list[float]:
        return [b if b.__class__ is float else as_float(b) for b in self.base_lrs]

    def _closed(self, t: int) -> list[float]:
        """Every group's value at epoch ``t`` (default: ``base_lr_i * curve(t)``)."""
        m = self._curve(t)
        return [b * m if b.__class__ is float else as_float(b) * m for b in self.base_lrs]

    def _chain(self, i: int, lr: Any, t: int) -> Any:
        raise NotImplementedError

    def _chain_all(self, lrs: list[float], t: int) -> list[float]:
        """torch's chained rule for every group at once (float lrs); a class may return ``lrs``
        itself when its rule leaves them as they are at ``t``."""
        return [self._chain(i, lr, t) for i, lr in enumerate(lrs)]

    def _group_schedule(self, i: int) -> Schedule:
        """The schedule group ``i`` follows (default: ``base_lr_i * curve``)."""
        return as_float(self.base_lrs[i]) * self._curve

    @property
    def schedule(self) -> Schedule:
        """The glideslope schedule the learning rate of param group 0 follows from epoch 0 (a
        value: print it, plot it, ``to_config()`` it). See :attr:`group_schedules` for every group."""
        return self._group_schedule(0)

    @property
    def group_schedules(self) -> list[Schedule]:
        """One schedule per param group (see :attr:`schedule`)."""
        return [self._group_schedule(i) for i in range(len(self.base_lrs))]

    # -- stepping ------------------------------------------------------------------------

    def _apply(self, t: int, closed: bool = False) -> None:
        """Write the values at epoch ``t`` into the param groups and ``_last_lr``.

        A group whose learning rate is the one we wrote last gets the closed form; in a
        chained class, a group whose learning rate someone else changed (or a tensor one,
        which torch computes by arithmetic on the tensor, in its dtype) gets torch's chained
        rule from that value, now and for the rest of the run (``closed`` resets that).
        """
        groups = self.optimizer.param_groups
        last = self._last_lr
        if closed:
            self._follow = [False] * len(groups)
        follow = self._follow
        chained = self.chained and not closed
        all_follow = chained and all(follow)
        if all_follow:
            # every group on the chained rule (inside a ChainedScheduler): float lrs in one go
            lrs = [g["lr"] for g in groups]
            if all(x.__class__ is float for x in lrs):
                new = self._chain_all(lrs, t)
                if new is not lrs:
                    for g, v in zip(groups, new):
                        g["lr"] = v
                self._last_lr = list(new)
                return
        values: list[Any] = list(last) if all_follow else self._closed(t)
        out = values
        for i, g in enumerate(groups):
            cur = g["lr"]
            v = values[i]
            if cur is last[i] and v.__class__ is float and not follow[i]:  # the float we wrote last: the closed form
                g["lr"] = v
                continue
            if chained:
                if cur.__class__ is float:
                    if follow[i] or cur != last[i]:
                        follow[i] = True
                        values[i] = self._chain(i, cur, t)
                elif isinstance(cur, Tensor):
                    values[i] = self._chain(i, cur, t)
                elif follow[i] or as_float(cur) != as_float(last[i]):
                    follow[i] = True
                    values[i] = self._chain(i, as_float(cur), t)
            if isinstance(cur, Tensor):
                if shares_constant(g, cur):
                    cur = g["lr"] = cur.clone()
                cur.fill_(values[i])
                if out is values:
                    out = list(values)
                out[i] = cur.clone()
            else:
                g["lr"] = v = values[i]
                if isinstance(v, Tensor):
                    # a tensor value (CyclicLR, OneCycleLR or SWALR given a tensor) into a float
                    # group: the group holds it, get_last_lr() a copy (the two never alias)
                    if out is values:
                        out = list(values)
                    out[i] = v.clone()
        self._last_lr = out

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or, deprecated as in torch, jump to ``epoch``)."""
        if self._step_count == 1:
            _warn_step_order(self)
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            self._apply(self.last_epoch)
            return
        warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def get_lr(self) -> list[float | Tensor]:
        """The values at ``last_epoch`` (closed form). Use :meth:`get_last_lr` to read the
        current learning rates; calling this outside ``step`` warns as torch does."""
        if not self._get_lr_called_within_step:
            warnings.warn(_GET_LR_MSG, UserWarning, stacklevel=2)
        return list(self._closed(self.last_epoch))

    def _get_closed_form_lr(self) -> list[float | Tensor]:
        return list(self._closed(self.last_epoch))

    def get_last_lr(self) -> list[float | Tensor]:
        return self._last_lr

    # -- state ------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Every attribute but the optimizer and the derived schedule (torch's rule): plain
        values only, so it survives ``torch.save`` / ``torch.load(weights_only=True)``."""
        skip = ("optimizer", *self._derived)
        return {k: copied(v) for k, v in self.__dict__.items() if k not in skip}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved; torch's state dicts of the same class load too."""
        state = {k: copied(v) for k, v in state_dict.items() if k not in self._derived}
        self._load_special(state)
        self.__dict__.update(state)
        n = len(self.optimizer.param_groups)
        if len(self._follow) != n or "_follow" not in state_dict:
            self._follow = [False] * n
        self._rebuild()

    def _load_special(self, state: dict[str, Any]) -> None:
        """Handle (and remove from ``state``) the entries that are not plain attributes."""


def lambda_state(fns: list[Any]) -> list[Any]:
    """torch's form of a lambda list in a state dict: None for a function, the ``__dict__``
    of a callable object."""
    return [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy() for fn in fns]


def load_lambdas(fns: list[Any], saved: list[Any] | None) -> None:
    for fn, d in zip(fns, saved or []):
        if d is not None:
            fn.__dict__.update(d)

