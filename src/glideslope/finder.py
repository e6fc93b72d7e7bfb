"""The learning-rate range test (Smith, 2017; fastai's ``lr_find``): pick a learning rate
without guessing.

Train for a short while with the learning rate growing every step (exponentially, or
linearly) from ``start`` to ``end``; record the loss; smooth it; stop when it diverges. Where
the smoothed loss falls fastest, where its longest valley lies, and where it bottoms out tell
you which learning rates work. :func:`find_lr` runs the sweep on any framework through a
``train_step(lr) -> loss`` callable, or on a PyTorch model directly (restoring the model's and
the optimizer's state afterwards)::

    result = gs.find_lr(train_step)                        # any framework
    result = gs.find_lr(model, optimizer, loss_fn, loader)  # PyTorch; state restored after
    print(result)                                           # suggestions, each with its reason
    lr = result.one_cycle(steps=2000)                       # gs.one_cycle(peak=suggested, ...)
    result.plot("lr_find.png")                              # matplotlib, imported lazily

The module imports neither torch nor numpy; both are used only when you hand it a torch model.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from . import _validate as v
from .cycles import one_cycle as _one_cycle
from .schedule import Schedule

SWEEPS = ("exp", "linear")
SUGGESTIONS = ("steepest", "valley", "minimum")


@dataclass(frozen=True)
class Suggestion:
    """One suggested learning rate and why.

    Attributes:
        name: ``"valley"``, ``"steepest"`` or ``"minimum"``.
        lr: the suggested learning rate.
        reason: a sentence saying where on the curve it comes from.
    """

    name: str
    lr: float
    reason: str


@dataclass
class LRFinderResult:
    """The outcome of a range test.

    Attributes:
        lrs: the learning rate of every step taken.
        losses: the raw loss of every step.
        smoothed: the bias-corrected exponential moving average of ``losses``.
        stop_reason: why the sweep ended (``"reached end"``, ``"diverged ..."``, ...).
        suggestions: ``{"valley": Suggestion, "steepest": ..., "minimum": ...}``; a
            suggestion the curve cannot support (too few points) is absent.
        default: the name of the suggestion :attr:`suggested` returns.
    """

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    stop_reason: str
    suggestions: dict[str, Suggestion] = field(default_factory=dict)
    default: str = "steepest"

    @property
    def suggested(self) -> float:
        """The default suggestion's learning rate (steepest, else valley, else minimum/10)."""
        for name in (self.default, *SUGGESTIONS):
            if name in self.suggestions:
                return self.suggestions[name].lr
        raise ValueError(
            f"the range test produced no suggestion ({len(self.lrs)} steps, stopped: "
            f"{self.stop_reason}); widen the range (start/end) or take more steps"
        )

    def suggestion(self, which: str | None = None) -> float:
        """The learning rate of suggestion ``which`` (one of valley, steepest, minimum)."""
        if which is None:
            return self.suggested
        v.choice("which", which, SUGGESTIONS)
        if which not in self.suggestions:
            raise ValueError(f"no {which!r} suggestion for this curve; available: {sorted(self.suggestions)}")
        return self.suggestions[which].lr

    def one_cycle(self, steps: int | str | None = None, which: str | None = None, **kwargs: Any) -> Schedule:
        """A one-cycle schedule peaking at the suggested LR: ``gs.one_cycle(peak=lr, steps, ...)``.

        The schedule gives absolute learning rates (use it as ``group['lr'] = s(step)``).
        ``kwargs`` go to :func:`glideslope.one_cycle` (``warmup``, ``initial_div``, ...).
        """
        return _one_cycle(peak=self.suggestion(which), steps=steps, **kwargs)

    def scale(self, schedule: Schedule, which: str | None = None) -> Schedule:
        """``suggested_lr * schedule``: any multiplier schedule made absolute at the suggestion."""
        if not isinstance(schedule, Schedule):
            raise TypeError(f"schedule must be a glideslope Schedule, got {type(schedule).__name__}")
        return self.suggestion(which) * schedule

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (non-finite losses become None)."""
        def clean(xs: list[float]) -> list[float | None]:
            return [x if math.isfinite(x) else None for x in xs]
        return {
            "lrs": self.lrs,
            "losses": clean(self.losses),
            "smoothed": clean(self.smoothed),
            "stop_reason": self.stop_reason,
            "suggestions": {k: {"lr": s.lr, "reason": s.reason} for k, s in self.suggestions.items()},
            "default": self.default,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LRFinderResult:
        """Inverse of :meth:`to_dict`."""
        def unclean(xs: list[float | None]) -> list[float]:
            return [math.nan if x is None else float(x) for x in xs]
        return cls(
            lrs=[float(x) for x in data["lrs"]],
            losses=unclean(data["losses"]),
            smoothed=unclean(data["smoothed"]),
            stop_reason=str(data["stop_reason"]),
            suggestions={
                k: Suggestion(k, float(s["lr"]), str(s["reason"])) for k, s in data["suggestions"].items()
            },
            default=str(data.get("default", "steepest")),
        )

    def plot(self, path: str | None = None, ax: Any = None) -> Any:
        """Plot the smoothed loss against the learning rate (log axis) with each suggestion
        marked; save to ``path`` if given. Needs matplotlib (imported here, not before)."""
        try:
            import matplotlib

            if ax is None and path is not None:
                matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("LRFinderResult.plot needs matplotlib: pip install matplotlib") from exc
        fig = None
        if ax is None:
            fig, ax = plt.subplots(figsize=(6.4, 4.0))
        ax.plot(self.lrs, self.losses, color="0.75", lw=0.8, label="loss")
        ax.plot(self.lrs, self.smoothed, color="C0", lw=1.6, label="smoothed")
        for i, (name, s) in enumerate(self.suggestions.items()):
            ax.axvline(s.lr, color=f"C{i + 1}", ls="--", lw=1, label=f"{name}: {s.lr:.2g}")
        ax.set_xscale("log")
        finite = [x for x in self.smoothed if math.isfinite(x)]
        if finite:
            lo, first = min(finite), finite[0]
            ax.set_ylim(lo - 0.1 * abs(first - lo) - 1e-3, first + 0.5 * abs(first - lo) + 1e-3)
        ax.set_xlabel("learning rate")
        ax.set_ylabel("training loss")
        ax.set_title(f"LR range test ({self.stop_reason})")
        ax.legend(fontsize=8)
        if path is not None:
            (fig or ax.figure).savefig(path, dpi=120, bbox_inches="tight")
            if fig is not None:
                plt.close(fig)
        return ax

    def __str__(self) -> str:
        lines = [
            f"LR range test: {len(self.lrs)} steps, lr {self.lrs[0]:.3g} .. {self.lrs[-1]:.3g}, "
            f"stopped: {self.stop_reason}"
        ]
        for name, s in self.suggestions.items():
            star = " (default)" if name == self.default else ""
            lines.append(f"  {name:<9}{s.lr:.3g}{star}  {s.reason}")
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------
# suggestions
# ----------------------------------------------------------------------------------------

def _valley(lrs: list[float], losses: list[float]) -> tuple[int, int, int] | None:
    """fastai's valley: the longest strictly decreasing subsequence of the smoothed loss, from
    ``a`` to ``b``; the pick is index ``a + int(len/3) + int(len/6)``, about half-way along."""
    n = len(losses)
    if n < 5:
        return None
    lds = [1] * n
    max_start = max_end = 0
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
        if lds[max_end] < lds[i]:
            max_end = i
            max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    if max_end - max_start < 2:
        return None
    # fastai's start is one before the stretch when it begins at the first point (-1): the
    # pick keeps fastai's arithmetic, the stretch reported starts at a real point
    return idx, max(max_start, 0), max_end


def suggest(lrs: list[float], smoothed: list[float], sweep: str = "exp") -> dict[str, Suggestion]:
    """The three suggestions for a (learning rate, smoothed loss) curve.

    * ``steepest``: where the smoothed loss falls fastest per unit of log-LR (per unit LR for a
      linear sweep), before the minimum;
    * ``valley``: fastai's choice, a point half-way along the longest descending stretch;
    * ``minimum``: a tenth of the LR where the smoothed loss is lowest (the minimum itself is
      already too close to divergence).
    """
    pts = [(lr, y) for lr, y in zip(lrs, smoothed) if math.isfinite(y)]
    out: dict[str, Suggestion] = {}
    if len(pts) < 3:
        return out
    xs_lr = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    imin = min(range(len(ys)), key=ys.__getitem__)
    out_min = Suggestion(
        "minimum", xs_lr[imin] / 10,
        f"the smoothed loss is lowest ({ys[imin]:.4g}) at lr={xs_lr[imin]:.3g}; a tenth of that "
        "keeps clear of the divergence that follows",
    )
    xs = [math.log10(x) for x in xs_lr] if sweep == "exp" else xs_lr
    # central differences up to the minimum
    best_i, best_slope = -1, 0.0
    for i in range(1, max(imin, 1)):
        if i + 1 >= len(ys):
            break
        dx = xs[i + 1] - xs[i - 1]
        if dx <= 0:
            continue
        slope = (ys[i + 1] - ys[i - 1]) / dx
        if slope < best_slope:
            best_i, best_slope = i, slope
    if best_i >= 0:
        unit = "per decade of lr" if sweep == "exp" else "per unit of lr"
        out["steepest"] = Suggestion(
            "steepest", xs_lr[best_i],
            f"the smoothed loss falls fastest here ({best_slope:.3g} {unit}) before its minimum at "
            f"lr={xs_lr[imin]:.3g}",
        )
    val = _valley(xs_lr, ys)
    if val is not None:
        idx, a, b = val
        out["valley"] = Suggestion(
            "valley", xs_lr[idx],
            f"inside the longest descending stretch of the loss, lr {xs_lr[a]:.3g} .. {xs_lr[b]:.3g} "
            f"(loss {ys[a]:.4g} -> {ys[b]:.4g}), just past its midpoint",
        )
    out["minimum"] = out_min
    return {k: out[k] for k in SUGGESTIONS if k in out}


# ----------------------------------------------------------------------------------------
# the sweep
# ----------------------------------------------------------------------------------------

def lr_sweep(start: float, end: float, steps: int, sweep: str = "exp") -> list[float]:
    """The ``steps`` learning rates of a sweep from ``start`` to ``end`` (both included)."""
    if sweep == "exp":
        return [start * (end / start) ** (i / (steps - 1)) for i in range(steps)]
    return [start + (end - start) * i / (steps - 1) for i in range(steps)]


def _check(start: float, end: float, steps: int, sweep: str, smoothing: float, diverge: float,
           default: str) -> tuple[float, float, int, str, float, float, str]:
    start = v.positive("start", start)
    end = v.positive("end", end)
    if end <= start:
        raise ValueError(f"end must be > start, got start={start!r}, end={end!r}")
    steps = v.integer("steps", steps, minimum=5)
    sweep = v.choice("sweep", sweep, SWEEPS)
    smoothing = v.between("smoothing", smoothing, 0.0, 1.0, high_open=True)
    diverge = v.between("diverge", diverge, 1.0, math.inf, low_open=True, high_open=True)
    default = v.choice("default", default, SUGGESTIONS)
    return start, end, steps, sweep, smoothing, diverge, default


def find_lr(
    train_step: Any,
    optimizer: Any = None,
    loss_fn: Any = None,
    data: Any = None,
    *,
    start: float = 1e-7,
    end: float = 10.0,
    steps: int = 100,
    sweep: str = "exp",
    smoothing: float = 0.98,
    diverge: float = 4.0,
    default: str = "steepest",
    skip_start: int = 0,
) -> LRFinderResult:
    """Run an LR range test.

    Two forms:

    * ``find_lr(train_step)``: any framework. ``train_step(lr)`` takes one optimisation step
      at learning rate ``lr`` and returns the training loss (a number). You are responsible
      for restoring your model afterwards.
    * ``find_lr(model, optimizer, loss_fn, data)``: PyTorch. Each step sets every parameter
      group's ``lr``, computes ``loss_fn(model(inputs), targets)`` on the next ``(inputs,
      targets)`` of ``data`` (an iterable, cycled when exhausted), back-propagates and steps.
      The model's and the optimizer's ``state_dict`` are restored afterwards (also on error).

    Args:
        start: first learning rate (> 0).
        end: last learning rate (> start).
        steps: number of steps (>= 5) if the loss does not diverge first.
        sweep: ``"exp"`` (geometric spacing, the usual) or ``"linear"``.
        smoothing: EMA factor of the loss (0 = none; fastai uses 0.98), bias-corrected.
        diverge: stop when the smoothed loss exceeds ``diverge`` times its minimum (> 1), or
            when a loss is NaN or infinite.
        default: which suggestion :attr:`LRFinderResult.suggested` returns: ``"steepest"``
            (the default: on least-squares problems it lands at 0.04-0.3x the divergence
            threshold for sweeps starting anywhere from 1e-7 to 1e-3), ``"valley"``
            (fastai's default; it sits mid-way along the longest descent, so it moves with
            ``start`` and is conservative when the curve falls from the first step) or
            ``"minimum"`` (a tenth of the LR at the lowest smoothed loss; the smoothing lags,
            so this lands near the threshold).
        skip_start: steps at the beginning left out of the suggestions (>= 0).

    Returns:
        an :class:`LRFinderResult` with the curve, the stop reason and the suggestions.
    """
    start, end, steps, sweep, smoothing, diverge, default = _check(
        start, end, steps, sweep, smoothing, diverge, default
    )
    skip_start = v.integer("skip_start", skip_start, minimum=0)
    if optimizer is not None or loss_fn is not None or data is not None:
        return _find_lr_torch(train_step, optimizer, loss_fn, data, start=start, end=end, steps=steps,
                              sweep=sweep, smoothing=smoothing, diverge=diverge, default=default,
                              skip_start=skip_start)
    if not callable(train_step):
        raise TypeError(
            f"train_step must be a callable train_step(lr) -> loss (or pass model, optimizer, "
            f"loss_fn, data for the PyTorch form), got {type(train_step).__name__}"
        )
    return _sweep(train_step, start, end, steps, sweep, smoothing, diverge, default, skip_start)


def _sweep(train_step: Callable[[float], Any], start: float, end: float, steps: int, sweep: str,
           smoothing: float, diverge: float, default: str, skip_start: int) -> LRFinderResult:
    lrs_all = lr_sweep(start, end, steps, sweep)
    lrs: list[float] = []
    losses: list[float] = []
    smoothed: list[float] = []
    avg, best = 0.0, math.inf
    reason = "reached end"
    for i, lr in enumerate(lrs_all):
        raw = train_step(lr)
        try:
            loss = float(raw)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"train_step must return a number (the loss), got {type(raw).__name__}: {raw!r}") from exc
        lrs.append(lr)
        losses.append(loss)
        if not math.isfinite(loss):
            smoothed.append(math.nan)
            reason = f"diverged: loss is {loss} at lr={lr:.3g}"
            break
        avg = smoothing * avg + (1 - smoothing) * loss
        sm = avg / (1 - smoothing ** (i + 1))
        smoothed.append(sm)
        if i >= skip_start:
            best = min(best, sm)
        if i > max(skip_start, 4) and sm > diverge * best:
            reason = f"diverged: smoothed loss {sm:.4g} > {diverge:g} x minimum {best:.4g} at lr={lr:.3g}"
            break
    sugg = suggest(lrs[skip_start:], smoothed[skip_start:], sweep)
    return LRFinderResult(lrs, losses, smoothed, reason, sugg, default)


def _cycle(data: Iterable[Any]) -> Iterator[Any]:
    while True:
        empty = True
        for item in data:
            empty = False
            yield item
        if empty:
            raise ValueError("data yielded no batches")
        if iter(data) is data:  # a one-shot iterator: cannot go round again
            raise ValueError("data ran out: pass a re-iterable (a DataLoader or a list of batches) "
                             "or fewer steps")


def _find_lr_torch(model: Any, optimizer: Any, loss_fn: Any, data: Any, **opts: Any) -> LRFinderResult:
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable loss_fn(outputs, targets), got {type(loss_fn).__name__}")
    if data is None:
        raise TypeError("data is required: an iterable of (inputs, targets) batches")
    model_state = copy.deepcopy(model.state_dict())
    opt_state = copy.deepcopy(optimizer.state_dict())
    was_training = model.training
    batches = _cycle(data)
    device = next((p.device for p in model.parameters()), None)

    def step(lr: float) -> float:
        inputs, targets = next(batches)
        if device is not None:
            inputs, targets = inputs.to(device), targets.to(device)
        for g in optimizer.param_groups:
            g["lr"] = lr
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        return float(loss.detach())

    model.train()
    try:
        return _sweep(step, **opts)
    finally:
        model.load_state_dict(model_state)
        optimizer.load_state_dict(opt_state)
        model.train(was_training)


__all__ = ["LRFinderResult", "Suggestion", "find_lr", "lr_sweep", "suggest"]
