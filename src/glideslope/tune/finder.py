"""The learning-rate range test (Smith, 2017; fastai's ``lr_find``): pick a learning rate
without guessing, and a whole schedule for your run's length.

Train for a short while with the learning rate growing every step (geometrically from
``start`` to ``end``, or linearly); record the loss; stop when it diverges. Then read the
curve (:mod:`glideslope.tune.curve` has the formulas): trim its start and end the way fastai
does, smooth it without lag, and suggest learning rates, each with its reason. The default
suggestion, ``knee``, is where the smoothed loss bends from falling to flat (where it has made
90-98% of its descent)::

    result = gs.find_lr(train_step)                         # any framework: train_step(lr) -> loss
    result = gs.find_lr(model, optimizer, loss_fn, loader)  # PyTorch; state and RNG restored after
    print(result)                                           # suggestions, each with its reason
    rec = result.recommend(total_steps=2000)                # warmup + decay + peak, with reasons
    rec.schedule, rec.spec                                  # see glideslope.recommend
    result.plot("lr_find.png")                              # matplotlib, imported lazily

The defaults (``start=1e-7, end=10, steps=100``, an EMA of 0.98 that stops the sweep at 4x
its minimum) are fastai's and the command line's (``glideslope find``).

The module imports neither torch nor numpy; torch is used only when you hand it a model.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import _validate as v
from .curve import DEFAULT_SUGGESTION, SUGGESTIONS, Suggestion, smooth, suggest, trim
from .recommendation import recommend
from .result import RangeTest, Recommendation

SWEEPS = ("exp", "linear")

#: The sweep's defaults, shared by :func:`find_lr` and ``glideslope find`` (fastai's).
DEFAULT_START = 1e-7
DEFAULT_END = 10.0
DEFAULT_STEPS = 100
DEFAULT_SMOOTHING = 0.98
DEFAULT_DIVERGE = 4.0


class LRFinderResult(RangeTest):
    """The outcome of a range test (:func:`find_lr`): its record (:class:`RangeTest`: the
    curve, the stop reason, the suggestions, and ``recommendation`` when ``find_lr`` was given
    ``total_steps``) and :meth:`recommend`, a whole schedule for a run."""

    def recommend(self, total_steps: int, **kwargs: Any) -> Recommendation:
        """:func:`glideslope.recommend` ``(self, total_steps, **kwargs)``: a whole schedule."""
        return recommend(self, total_steps, **kwargs)


# ----------------------------------------------------------------------------------------
# the sweep
# ----------------------------------------------------------------------------------------

def lr_sweep(start: float, end: float, steps: int, sweep: str = "exp") -> list[float]:
    """The ``steps`` learning rates of a sweep from ``start`` to ``end`` (both included):
    ``start * (end / start) ** (i / (steps - 1))`` (exp) or ``start + (end - start) * i /
    (steps - 1)`` (linear)."""
    if sweep == "exp":
        return [start * (end / start) ** (i / (steps - 1)) for i in range(steps)]
    return [start + (end - start) * i / (steps - 1) for i in range(steps)]


def _check(start: float, end: float, steps: int, sweep: str, smoothing: float, diverge: float,
           default: str) -> tuple[float, float, int, str, float, float, str]:
    start = v.positive("start", start)
    end = v.positive("end", end)
    if end <= start:
        raise ValueError(f"end must be > start, got start={start!r}, end={end!r}")
    if not math.isfinite(end):
        raise ValueError(f"end must be a finite learning rate, got {end!r}")
    steps = v.integer("steps", steps, minimum=5)
    sweep = v.choice("sweep", sweep, SWEEPS)
    smoothing = v.between("smoothing", smoothing, 0.0, 1.0, high_open=True)
    diverge = v.between("diverge", diverge, 1.0, math.inf, low_open=True, high_open=True)
    default = v.choice("default", default, SUGGESTIONS)
    return start, end, steps, sweep, smoothing, diverge, default


@v.checked_keywords
def find_lr(
    train_step: Any,
    optimizer: Any = None,
    loss_fn: Any = None,
    data: Any = None,
    *,
    start: float = DEFAULT_START,
    end: float = DEFAULT_END,
    steps: int = DEFAULT_STEPS,
    sweep: str = "exp",
    smoothing: float = DEFAULT_SMOOTHING,
    diverge: float = DEFAULT_DIVERGE,
    default: str = DEFAULT_SUGGESTION,
    skip_start: int | None = None,
    total_steps: int | None = None,
    accumulate: int = 1,
) -> LRFinderResult:
    """Run an LR range test.

    Two forms:

    * ``find_lr(train_step)``: any framework. ``train_step(lr)`` takes one optimisation step
      at learning rate ``lr`` and returns the training loss (a number). You are responsible
      for restoring your model afterwards.
    * ``find_lr(model, optimizer, loss_fn, data)``: PyTorch. Each step sets every parameter
      group's ``lr``, draws the next batch of ``data`` (an iterable, cycled when exhausted),
      back-propagates and steps. A batch is ``(inputs, targets)``, giving
      ``loss_fn(model(inputs), targets)``, or a dict, giving ``loss_fn(model(**batch),
      batch)`` (with ``loss_fn=None``: the output's ``loss``, as Hugging Face models return
      it). With ``accumulate=k`` each step sums the gradients of ``k`` batches (each loss
      divided by ``k``) before the optimizer steps, and records their mean loss. Tensors are
      moved to the model's device. The model's and the optimizer's ``state_dict``, the
      model's train/eval mode and the random number generators (Python's, NumPy's global,
      torch's CPU and CUDA) are restored afterwards, also on error.

    Args:
        start: first learning rate (> 0).
        end: last learning rate (> start).
        steps: number of steps (>= 5) if the loss does not diverge first.
        sweep: ``"exp"`` (geometric spacing, the usual) or ``"linear"``.
        smoothing: factor ``beta`` of the running average that stops the sweep (0 = none;
            fastai's 0.98), bias-corrected: ``ema_i = m_i / (1 - beta^(i+1))`` with
            ``m_i = beta m_(i-1) + (1 - beta) loss_i``, ``m_(-1) = 0``.
        diverge: stop when the running average exceeds ``diverge`` times its minimum (> 1),
            or when a loss is NaN or infinite.
        default: which suggestion :attr:`LRFinderResult.suggested` returns: ``"knee"`` (the
            default: where the smoothed loss has made 90-98% of its descent; on the bench tasks
            and a noisy minibatch regression it lands within a factor of 3 of the grid-best
            peak, see ``docs/finder.md``), ``"steepest"``, ``"valley"`` (fastai's default)
            or ``"minimum"`` (a tenth of the LR at the lowest smoothed loss).
        skip_start: steps at the start left out of the suggestions (>= 0); None for fastai's
            ``steps // 10``. The last 5 recorded steps are always left out (fastai's trim).
        total_steps: the length of the run you will train (>= 10); when given, the result's
            :attr:`~LRFinderResult.recommendation` holds :func:`glideslope.recommend` for it.
        accumulate: batches per step, their gradients summed (PyTorch form only; >= 1).

    Returns:
        an :class:`LRFinderResult` with the curve, the stop reason and the suggestions.
    """
    start, end, steps, sweep, smoothing, diverge, default = _check(
        start, end, steps, sweep, smoothing, diverge, default
    )
    if skip_start is not None:
        skip_start = v.integer("skip_start", skip_start, minimum=0)
    if total_steps is not None:
        total_steps = v.integer("total_steps", total_steps, minimum=10)
    accumulate = v.integer("accumulate", accumulate, minimum=1)
    opts: dict[str, Any] = {"start": start, "end": end, "steps": steps, "sweep": sweep,
                            "smoothing": smoothing, "diverge": diverge, "default": default,
                            "skip_start": skip_start}
    if optimizer is not None or loss_fn is not None or data is not None:
        from ._torch import find_lr_torch

        result: LRFinderResult = find_lr_torch(train_step, optimizer, loss_fn, data, accumulate, _sweep, opts)
    else:
        if not callable(train_step):
            raise TypeError(
                f"train_step must be a callable train_step(lr) -> loss (or pass model, optimizer, "
                f"loss_fn, data for the PyTorch form), got {type(train_step).__name__}"
            )
        if accumulate != 1:
            raise ValueError(f"accumulate applies to the PyTorch form only (your train_step accumulates "
                             f"itself); got accumulate={accumulate}")
        result = _sweep(train_step, **opts)
    if total_steps is not None:
        result.recommendation = result.recommend(total_steps)
    return result


def _sweep(train_step: Callable[[float], Any], start: float, end: float, steps: int, sweep: str,
           smoothing: float, diverge: float, default: str, skip_start: int | None) -> LRFinderResult:
    first = steps // 10 if skip_start is None else skip_start
    lrs_all = lr_sweep(start, end, steps, sweep)
    lrs: list[float] = []
    losses: list[float] = []
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
            reason = f"diverged: loss is {loss} at lr={lr:.3g}"
            break
        avg = smoothing * avg + (1 - smoothing) * loss
        ema = avg / (1 - smoothing ** (i + 1))
        if i >= first:
            best = min(best, ema)
        if i > max(first, 4) and ema > diverge * best:
            reason = (f"diverged: the running average of the loss {ema:.4g} > {diverge:g} x its minimum "
                      f"{best:.4g} at lr={lr:.3g}")
            break
    a, b = trim(len(losses), steps, losses, skip_start)
    smoothed = [math.nan] * len(losses)
    smoothed[a:b] = smooth(lrs[a:b], losses[a:b])
    if reason == "reached end":
        reason = _late_blowup(lrs, losses, diverge, a) or reason
    return LRFinderResult(lrs, losses, smoothed, reason, suggest(lrs[a:b], smoothed[a:b], sweep),
                          default, (a, b), sweep)


def _late_blowup(lrs: list[float], losses: list[float], diverge: float, first: int) -> str | None:
    """A blow-up the lagging running average missed. The zero-lag smoothed loss ``s`` (over
    every finite step) ends above ``diverge`` times its minimum, or above where it started
    (``s`` at step ``first``) after falling below it: the loss diverged, or the model died
    (a network whose loss returns to chance level). A curve that never fell by 10% has no
    such end. Returns the stop reason, or None."""
    fin = [i for i, x in enumerate(losses) if math.isfinite(x)]
    if len(fin) < 5:
        return None
    s = smooth([lrs[i] for i in fin], [losses[i] for i in fin])
    f = min(range(len(fin)), key=lambda j: abs(fin[j] - first))
    lo = min(range(f, len(s)), key=s.__getitem__)
    lo_y, start_y = s[lo], s[f]
    bar = min(diverge * lo_y, start_y) if lo_y > 0 else start_y
    top = max(range(lo, len(s)), key=s.__getitem__)
    if not lo_y < start_y - 0.1 * abs(start_y) or s[top] <= bar:  # no real descent, or no rise
        return None
    k = next(j for j in range(lo, len(s)) if s[j] > bar)
    what = f"{diverge:g} x its minimum {lo_y:.4g}" if bar < start_y else f"its starting value {start_y:.4g}"
    peak = f"{s[top]:.4g}" + (f", {s[top] / lo_y:.3g} x its minimum" if lo_y > 0 else "")
    return (f"reached end, but the loss blew up there: the smoothed loss rose above {what} from "
            f"lr={lrs[fin[k]]:.3g} and peaked at {peak}, too late for the running average to stop the sweep")


__all__ = ["DEFAULT_END", "DEFAULT_START", "DEFAULT_STEPS", "SUGGESTIONS", "SWEEPS", "LRFinderResult",
           "Suggestion", "find_lr", "lr_sweep", "suggest"]
