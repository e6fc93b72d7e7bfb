"""The machinery every glideslope torch scheduler shares.

:class:`LRScheduler` is torch's base class with two fixes (it is what user subclasses and our
classes derive from); :class:`GlideScheduler` is the base of the drop-in classes: it writes
closed-form values computed by the glideslope engine into the optimizer's param groups.

How a drop-in class reproduces torch's numbers
----------------------------------------------
Torch's schedulers are written in a *chained* form: each step multiplies (or shifts) the
learning rate currently in the param group. Whenever nothing but the scheduler touches the
learning rate, that chain equals a closed form ``lr(t) = F(base_lr, t)``, which is what we
evaluate (one engine call per step, the same cost at step 10 and step 10,000,000, no replay
to resume). When something else changed a group's learning rate since our last write (a hand
edit, another scheduler of a :class:`ChainedScheduler`, a scheduler built on top of another),
torch's result depends on that foreign value; a class whose torch counterpart reads the
current learning rate then switches that group to torch's chained rule, so its numbers stay
torch's.

How ``step()`` stays cheap
--------------------------
Most classes are ``lr_i(t) = a_i + b_i * m(t)``: one engine schedule ``m`` (the multiplier)
shared by every group, and per-group constants ``a_i``, ``b_i``. The values of ``m`` (and of a
cycled momentum's multiplier) are evaluated by the engine's array path, a block of
:data:`BLOCK` consecutive steps at a time (blocks aligned on multiples of :data:`BLOCK`, so a
resumed run reads the very same numbers), and ``step()`` reads one entry: it costs the same
whatever the shape, and a fraction of torch's own ``step()``. ``step()`` does torch's work
(the step-order warning on the first call, ``_step_count``, ``last_epoch``, the group values,
a fresh ``_last_lr`` list) without the ``get_lr()`` round trip; anything unusual (a tensor
learning rate, a value changed by someone else, a step outside the table) takes the general
path.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any, ClassVar, cast
from weakref import ref

from torch.optim import Optimizer
from torch.optim import lr_scheduler as _tls

import torch
from torch import Tensor

from ..schedule import SCALAR

_np: Any
try:  # the torch extra installs numpy; without it blocks are filled by the scalar path
    import numpy

    _np = numpy
except ImportError:  # pragma: no cover
    _np = None

__all__ = ["BLOCK", "EPOCH_DEPRECATION_WARNING", "GlideScheduler", "LRScheduler"]

#: steps per block of tabulated multiplier values (see the module docs)
BLOCK = 1024

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


def _track_optimizer_steps(optimizer: Optimizer) -> None:
    """Wrap ``optimizer.step`` once so that a call sets ``optimizer._opt_called`` (the flag
    torch's step-order warning reads). Compatible with torch's own wrapper."""
    if hasattr(optimizer.step, "_wrapped_by_lr_sched"):
        return
    bound = optimizer.step
    func = bound.__func__  # type: ignore[attr-defined]
    opt_ref = ref(optimizer)

    def step(*args: Any, **kwargs: Any) -> Any:
        opt = opt_ref()
        opt._opt_called = True  # type: ignore[union-attr]
        return func(opt, *args, **kwargs)

    step.__wrapped__ = func  # type: ignore[attr-defined]
    step._wrapped_by_lr_sched = True  # type: ignore[attr-defined]
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
    """torch's first-step checks, except that a step a GradScaler skipped (non-finite
    gradients) does not count as "scheduler before optimizer"."""
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

    def step(self, epoch: int | None = None) -> None:
        if self._step_count == 1:
            opt = self.optimizer
            if hasattr(opt.step, "_wrapped_by_lr_sched") and not getattr(opt, "_opt_called", False):
                if _grads_nonfinite(opt):
                    opt._opt_called = True  # type: ignore[attr-defined]
        super().step(epoch)

    def _restart(self, chain_aware: bool = False) -> None:
        """Go back to epoch 0 (what :class:`SequentialLR` does at a milestone)."""
        if chain_aware:
            self._initial_step()
        else:
            self._update_lr(0)


def format_param(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """One value per param group: a list of the right length, or a scalar repeated
    (torch's rule and error text); tensors are cloned."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{name} must have the same length as optimizer.param_groups. "
                f"{name} has {len(value)} values, param_groups has {n}."
            )
        values = list(value)
    else:
        values = [value] * n
    return [x.clone() if isinstance(x, Tensor) else x for x in values]


def group_values(optimizer: Optimizer, key: str) -> list[Any]:
    """``group[key]`` of every group; tensors cloned so callers never alias them."""
    groups = optimizer.param_groups
    out = [groups[0][key]] if len(groups) == 1 else [g[key] for g in groups]
    for x in out:
        if x.__class__ is not float:
            return [x.clone() if isinstance(x, Tensor) else x for x in out]
    return out


def write(group: dict[str, Any], key: str, value: float) -> None:
    """Set ``group[key]``: in place when it is a tensor (no recompiles under torch.compile)."""
    cur = group[key]
    if isinstance(cur, Tensor):
        cur.fill_(value)
    else:
        group[key] = value


def write_beta1(group: dict[str, Any], value: float, use_beta1: bool) -> None:
    """Write a cycled momentum: ``betas[0]`` (Adam-like) or ``momentum`` (SGD-like); a tensor
    is filled in place."""
    if use_beta1:
        betas = group["betas"]
        if isinstance(betas[0], Tensor):
            betas[0].fill_(value)
        else:
            group["betas"] = (value, *betas[1:])
    else:
        write(group, "momentum", value)


def as_float(x: Any) -> float:
    return float(x.item()) if isinstance(x, Tensor) else float(x)


def check_optimizer(optimizer: object) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
    return optimizer


def check_int(name: str, value: object, minimum: int) -> int:
    """A plain int ``>= minimum`` (bool rejected), with a message naming the argument."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int >= {minimum}, got {type(value).__name__}: {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return value


def check_real(name: str, value: object, *, low: float | None = None, low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, Tensor) and value.numel() == 1:
            value = float(value.item())
        else:
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}: {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if low is not None and (x <= low if low_open else x < low):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value!r}")
    return x


_PLAIN_KEYS = ("last_epoch", "_step_count", "base_lrs", "_last_lr")


class GlideScheduler(LRScheduler):
    """Base of the drop-in classes: closed-form values from the glideslope engine.

    A subclass sets its attributes, then calls :meth:`_start`. It implements

    * ``_closed(t)``: the value of every group at epoch ``t`` (a list of floats);
    * ``_chain(i, lr, t)`` when ``chained`` is True: torch's update rule for group ``i``
      given its current learning rate ``lr`` (used only after a foreign change, see the
      module docs);
    * ``_extra_state()`` / ``_load_extra(state)`` for its own state.
    """

    #: whether the torch class reads the current ``group["lr"]`` (a chained scheduler)
    chained: ClassVar[bool] = False
    #: attributes (beyond the common ones) saved by state_dict, each a plain value
    _state_keys: ClassVar[tuple[str, ...]] = ()

    # the tabulated form ``lr_i(t) = a_i + b_i * m(t)`` (see the module docs); a class that
    # uses it calls :meth:`_set_curve` and implements :meth:`_coefficients`
    _curve: Any = None  # the engine schedule m, evaluated at t + _offset
    _mcurve: Any = None  # the momentum multiplier (or None)
    _offset: float = 0.0
    _limit: float = math.inf  # the table covers integer t in [0, _limit)
    _lo: int = 0  # the block held: t in [_lo, _hi)
    _hi: int = 0
    _vals: list[float]
    _mvals: list[float]
    _a: list[float]
    _b: list[float]

    optimizer: Optimizer
    base_lrs: list[Any]
    last_epoch: int
    _step_count: int
    _last_lr: list[Any]

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = check_optimizer(optimizer)
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch < -1:
            raise ValueError(f"last_epoch must be an int >= -1, got {last_epoch!r}")
        self._init_base(last_epoch)
        self._start(last_epoch)

    # -- construction ---------------------------------------------------------------------

    def _init_base(self, last_epoch: int) -> None:
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

    def _start(self, last_epoch: int) -> None:
        """Track optimizer steps and take the initial step (epoch ``last_epoch + 1``).

        Resuming with ``last_epoch = N >= 0`` writes the closed-form value at ``N + 1`` whatever
        the optimizer holds (torch's chained classes would multiply whatever is there)."""
        _track_optimizer_steps(self.optimizer)
        self._bases = [as_float(b) for b in self.base_lrs]
        self._follow = [False] * len(self.optimizer.param_groups)
        self._step_count = 1
        self._is_initial = True
        self._prepare()
        try:
            self.last_epoch = last_epoch + 1
            self._last_lr = list(self.base_lrs)
            self._apply(self.last_epoch, closed=last_epoch >= 0)
        finally:
            self._is_initial = False

    def _restart(self, chain_aware: bool = False) -> None:
        """Go to epoch 0. By default (a :class:`SequentialLR` milestone) the closed form from the
        base values is written, as torch's ``_update_lr(0)`` does; with ``chain_aware`` it is
        the initial step again (a chained class follows a learning rate it did not write)."""
        self._step_count = 1
        self._follow = [False] * len(self.optimizer.param_groups)
        self._last_lr = list(self.base_lrs) if chain_aware else group_values(self.optimizer, "lr")
        self._is_initial = chain_aware
        try:
            self.last_epoch = 0
            self._apply(0, closed=not chain_aware)
        finally:
            self._is_initial = False

    def _rewind(self) -> None:
        """Undo the initial step (what SequentialLR does to the schedulers it holds)."""
        self.last_epoch -= 1

    # -- the tabulated multiplier -----------------------------------------------------------

    def _set_curve(self, curve: Any, mcurve: Any = None, offset: float = 0.0, limit: float = math.inf) -> None:
        """Use ``lr_i(t) = a_i + b_i * curve(t + offset)`` (and a momentum multiplier ``mcurve``)
        for integer steps ``0 <= t < limit``; drops the block held."""
        self._curve, self._mcurve, self._offset, self._limit = curve, mcurve, float(offset), limit
        self._lo = self._hi = 0
        self._vals, self._mvals = [], []

    def _coefficients(self) -> tuple[list[float], list[float]]:
        """``(a, b)``: each group's ``lr_i = a_i + b_i * m`` (a tabulated class overrides it)."""
        return [0.0] * len(self._bases), list(self._bases)

    def _prepare(self) -> None:
        """Recompute the per-group constants (after construction or a state load)."""
        a, b = self._a, self._b = self._coefficients()
        # every group the same constants: one value per step, shared
        self._uniform = bool(a) and a.count(a[0]) == len(a) and b.count(b[0]) == len(b)

    def _m(self, t: float) -> float:
        """The multiplier at step ``t``."""
        if t.__class__ is int and self._lo <= t < self._hi:
            return self._vals[t - self._lo]
        return self._refill(t)

    def _h(self, t: float) -> float:
        """The momentum multiplier at step ``t``."""
        if t.__class__ is int and self._lo <= t < self._hi:
            return self._mvals[t - self._lo]
        self._refill(t)
        if t.__class__ is int and self._lo <= t < self._hi:
            return self._mvals[t - self._lo]
        return float(self._mcurve(t + self._offset))

    def _refill(self, t: float) -> float:
        """``m(t)`` for a step outside the block held: load the block holding ``t`` (evaluated
        by the engine's array path), or, for a step the table does not cover (a fraction, past
        ``_limit``), evaluate the scalar path."""
        if t.__class__ is not int or not 0 <= t < self._limit:
            return float(self._curve(t + self._offset))
        lo = t - t % BLOCK
        hi = int(min(lo + BLOCK, self._limit))
        if _np is not None:
            steps = _np.arange(lo, hi, dtype=_np.float64)
            if self._offset:
                steps = steps + self._offset
            self._vals = self._curve(steps).tolist()
            if self._mcurve is self._curve:
                self._mvals = self._vals
            elif self._mcurve is not None:
                self._mvals = self._mcurve(steps).tolist()
        else:  # pragma: no cover
            xs = [x + self._offset for x in range(lo, hi)]
            self._vals = [float(self._curve(x)) for x in xs]
            if self._mcurve is not None:
                self._mvals = [float(self._mcurve(x)) for x in xs]
        self._lo, self._hi = lo, hi
        return self._vals[t - lo]

    def _closed_table(self, t: int) -> list[float]:
        m = self._m(t)
        return [a + b * m for a, b in zip(self._a, self._b)]

    # -- stepping -------------------------------------------------------------------------

    def _closed(self, t: int) -> list[float]:
        if self._curve is not None:
            return self._closed_table(t)
        raise NotImplementedError

    def _chain(self, i: int, lr: float, t: int) -> float:
        raise NotImplementedError

    def _apply(self, t: int, closed: bool = False) -> None:
        """Write the values at epoch ``t`` into the param groups and ``_last_lr``."""
        groups = self.optimizer.param_groups
        values = self._closed(t)
        last = self._last_lr
        if self.chained and not closed:
            follow = self._follow
            for i, g in enumerate(groups):
                cur = g["lr"]
                if cur.__class__ is not float and isinstance(cur, Tensor):
                    # torch computes a tensor lr by arithmetic on the tensor, step after step,
                    # in its dtype (a float32 lr rounds at every step): so do we, exactly
                    # (each _chain is plain arithmetic on lr, which a tensor supports)
                    values[i] = self._chain(i, cast(float, cur), t)
                elif follow[i] or (cur is not last[i] and as_float(cur) != as_float(last[i])):
                    follow[i] = True
                    values[i] = self._chain(i, as_float(cur), t)
        elif closed and self.chained:
            self._follow = [False] * len(groups)
        out: list[Any] = values
        for g, v in zip(groups, values):
            cur = g["lr"]
            if cur.__class__ is not float and isinstance(cur, Tensor):
                out = [x for x in values]
                break
            g["lr"] = v
        else:
            self._last_lr = values
            return
        for i, (g, v) in enumerate(zip(groups, values)):
            cur = g["lr"]
            if isinstance(cur, Tensor):
                cur.fill_(v)
                out[i] = cur.clone()
            else:
                g["lr"] = v
        self._last_lr = out

    def _fast_ok(self) -> bool:
        """Whether the learning rates are floats we wrote last (no tensor, nobody else changed
        them) and no group follows a chained rule: then a step may skip the general path."""
        groups = self.optimizer.param_groups
        last = self._last_lr
        if len(groups) != len(last) or True in self._follow:
            return False
        for g, x in zip(groups, last):
            if g["lr"] is not x:
                return False
        return True

    def _write_fast(self, m: float) -> bool:
        """Write ``lr_i = a_i + b_i * m`` when it is safe to skip the general path: float
        learning rates that are the ones we wrote last (no tensor, nobody else changed them);
        the caller has checked that no group follows a chained rule. Returns whether it
        wrote."""
        groups = self.optimizer.param_groups
        last = self._last_lr
        if len(groups) != len(last):
            return False
        if len(groups) == 1:
            g = groups[0]
            if g["lr"] is not last[0]:
                return False
            v = self._a[0] + self._b[0] * m
            g["lr"] = v
            self._last_lr = [v]
            return True
        # check and write in one pass; on a mismatch, put back what was written (fresh float
        # objects of ours, so identity tells them apart) and let the general path run
        if self._uniform:
            v = self._a[0] + self._b[0] * m
            for g, x in zip(groups, last):
                if g["lr"] is not x:
                    break
                g["lr"] = v
            else:
                self._last_lr = [v] * len(groups)
                return True
            _restore(groups, last, [v] * len(groups))
            return False
        values = [a + b * m for a, b in zip(self._a, self._b)]
        for g, x, v in zip(groups, last, values):
            if g["lr"] is not x:
                break
            g["lr"] = v
        else:
            self._last_lr = values
            return True
        _restore(groups, last, values)
        return False

    def _write_m(self, m: float) -> None:
        """Write ``lr_i = a_i + b_i * m`` into float learning rates (see :meth:`_fast_ok`)."""
        groups = self.optimizer.param_groups
        if self._uniform:
            v = self._a[0] + self._b[0] * m
            for g in groups:
                g["lr"] = v
            self._last_lr = [v] * len(groups)
            return
        values = [a + b * m for a, b in zip(self._a, self._b)]
        for g, v in zip(groups, values):
            g["lr"] = v
        self._last_lr = values

    def _chain_all(self, lrs: list[float], t: int) -> list[float]:
        """torch's chained rule for every group (all following, see the module docs); a class
        may return ``lrs`` itself when nothing changes at ``t``."""
        return [self._chain(i, lr, t) for i, lr in enumerate(lrs)]

    def _write_momentum(self, h: float) -> None:
        """Hook of the classes that cycle momentum: write it for multiplier ``h``."""

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or, deprecated as in torch, jump to ``epoch``)."""
        if self._step_count == 1:
            _warn_step_order(self)
        self._step_count += 1
        if epoch is not None:
            warnings.warn(EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
            self.last_epoch = epoch
            self._apply(epoch, closed=True)
            return
        t = self.last_epoch + 1
        self.last_epoch = t
        follow = self._follow
        if True not in follow:
            lo = self._lo
            if lo <= t < self._hi:
                # _write_fast, with its one-group case inlined (the common case, one frame less)
                groups = self.optimizer.param_groups
                last = self._last_lr
                if len(groups) == 1 == len(last) and groups[0]["lr"] is last[0]:
                    v = self._a[0] + self._b[0] * self._vals[t - lo]
                    groups[0]["lr"] = v
                    self._last_lr = [v]
                elif not self._write_fast(self._vals[t - lo]):
                    self._apply(t)
                    return
                if self._mcurve is not None:
                    self._write_momentum(self._mvals[t - lo])
                return
        elif self.chained and False not in follow:
            # every group follows torch's chained rule (e.g. inside a ChainedScheduler)
            groups = self.optimizer.param_groups
            if len(groups) == 1 == len(follow):
                lr = groups[0]["lr"]
                if lr.__class__ is float:
                    lrs = [lr]
                    values = self._chain_all(lrs, t)
                    if values is not lrs:
                        groups[0]["lr"] = values[0]
                    self._last_lr = values
                    return
            elif len(groups) == len(follow):
                lrs = [g["lr"] for g in groups]
                for x in lrs:
                    if x.__class__ is not float:
                        break
                else:
                    values = self._chain_all(lrs, t)
                    if values is not lrs:
                        for g, v in zip(groups, values):
                            g["lr"] = v
                    self._last_lr = values
                    return
        self._apply(t)

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

    # -- state ----------------------------------------------------------------------------

    def _extra_state(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._state_keys}

    def _load_extra(self, state: dict[str, Any]) -> None:
        for k in self._state_keys:
            if k in state:
                setattr(self, k, state[k])

    def state_dict(self) -> dict[str, Any]:
        """Plain values only (ints, floats, tensors, lists, dicts of those): it survives
        ``torch.save`` / ``torch.load(weights_only=True)``."""
        state: dict[str, Any] = {k: _plain(getattr(self, k)) for k in _PLAIN_KEYS}
        state["_follow"] = list(self._follow)
        state.update({k: _plain(v) for k, v in self._extra_state().items()})
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved (also accepts torch's own state dicts of the
        same class: unknown keys are ignored)."""
        if "last_epoch" not in state_dict:
            raise KeyError(f"{type(self).__name__} state dict has no 'last_epoch'; got keys {sorted(state_dict)}")
        self.last_epoch = int(state_dict["last_epoch"])
        self._step_count = int(state_dict.get("_step_count", self._step_count))
        if "base_lrs" in state_dict:
            self.base_lrs = list(state_dict["base_lrs"])
            self._bases = [as_float(b) for b in self.base_lrs]
        if "_last_lr" in state_dict:
            self._last_lr = list(state_dict["_last_lr"])
        n = len(self.optimizer.param_groups)
        self._follow = [bool(x) for x in state_dict.get("_follow", [False] * n)]
        self._load_extra(state_dict)
        self._rebuild()
        self._prepare()

    def _rebuild(self) -> None:
        """Recompute derived values after a state load (the per-group schedules)."""


def _restore(groups: list[dict[str, Any]], last: list[Any], written: list[float]) -> None:
    """Undo a partial fast write: groups holding the value just written get back ``last``."""
    for g, x, v in zip(groups, last, written):
        if g["lr"] is v:
            g["lr"] = x


def _plain(v: Any) -> Any:
    if isinstance(v, Tensor):
        return v.clone()
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def evaluate(schedule: Any) -> Callable[[float], float]:
    """A fast evaluator of an engine schedule at a non-negative step (skips the argument checks
    of ``schedule(t)``; our steps are always valid)."""
    ev = schedule._eval

    def f(t: float) -> float:
        return float(ev(t, SCALAR))

    return f
