"""A complete learning-rate schedule for a run, from an LR range test and the run's length.

How to call it::

    import glideslope as gs

    result = gs.find_lr(model, optimizer, loss_fn, loader)   # or gs.find_lr(train_step)
    rec = gs.recommend(result, total_steps=2000)
    rec.schedule        # a bound, absolute-LR Schedule: group["lr"] = rec.schedule(step)
    rec.spec            # the same schedule as a SPEC string ("warmup(...) >> linear(...)")
    rec.peak            # the peak learning rate
    rec.reasons         # {"peak": "...", "warmup": "...", "shape": "..."}: why each choice
    print(rec)          # all of it, one choice per line

    # in PyTorch: absolute mode, since the schedule holds the learning rates themselves
    sched = glideslope.torch.ScheduleLR(optimizer, rec.schedule, mode="absolute")

On the command line the same is ``glideslope find --task T --steps N``; its SPEC line can be
pasted into ``glideslope show`` or parsed with ``glideslope.spec.parse_spec``.

The schedule is ``warmup(w) >> shape(peak)``, ``total_steps`` long:

* the warmup rises linearly from 0 to ``peak`` over ``w`` steps;
* then the shape (``"1-sqrt"``, the default: warmup-stable-decay, hold ``peak``, then
  ``peak * (1 - sqrt(p))`` over the last 20% of the run, ``p`` the progress of that
  cooldown; ``"linear"``: ``peak * (1 - p)`` to 0 over the rest of the run; ``"cosine"``:
  ``peak * (1 + cos(pi p)) / 2``; ``"constant"``: hold ``peak``);
* the peak is read from the range test: the finder's default suggestion (``knee``), raised
  for runs shorter than twice the range test (see :func:`peak_from_curve`).

Every choice can be overridden (``shape=``, ``warmup=``, ``peak=``); the reasons say which
were chosen by the rule and which were given.
"""

from __future__ import annotations

import math

from .. import _validate as v
from ..compose import Warmup, sequence
from ..schedule import Schedule
from ..shapes import constant, cooldown, cosine, linear
from .curve import SUGGESTIONS
from .result import RangeTest, Recommendation

#: The decay shapes :func:`recommend` can build.
SHAPES = ("linear", "cosine", "1-sqrt", "constant")

#: The default shape.
DEFAULT_SHAPE = "1-sqrt"

#: Warmup length as a fraction of the run when not given.
WARMUP_FRACTION = 0.05

#: The most :func:`peak_from_curve` raises the peak of a run shorter than twice the range test.
SHORT_RUN_CAP = 2.0

#: Fraction of the run taken by the cooldown of the ``"1-sqrt"`` shape.
COOLDOWN_FRACTION = 0.2

_DEFAULT_SHAPE_REASON = (
    "warmup-stable-decay with a 1-sqrt cooldown over the last 20%: on the task suite's 15 fitted "
    "task budgets (docs/suite.md: each shape at its best of 12 peaks, one selection seed's "
    "validation loss) it had the lowest median of the three shapes and was within 1.3% of the "
    "best shape on 11 of 15 (linear decay 10, cosine 6); it was the best shape on every language "
    "model (recurrent and transformer) and on the image MLPs at their short budgets, where linear "
    "decay and cosine fell 41% and 46% behind; it fell behind on the image CNN with SGD (10.5%) "
    "and on fine-tuning (80.0%, where cosine was the best)"
)



def peak_from_curve(result: RangeTest, total_steps: int) -> tuple[float, str]:
    """The peak learning rate for a run of ``total_steps`` read from a range test, and why.

    With ``lr_d`` the finder's default suggestion (``knee``) and ``S`` the steps the range
    test took (``len(result.lrs)``)::

        peak = lr_d * min(2, sqrt(2 S / total_steps))   if total_steps < 2 S
        peak = lr_d                                      otherwise

    Runs longer than twice the range test get the knee: the best peak does not move with
    the run's length in the measurements. In the budget study (``docs/budget-study.md``,
    charlm, budgets 60 to 1920 steps, a 2x grid) the grid-free estimate of the best peak of
    WSD 1-sqrt stayed at 0.0034-0.0057 with the knee at 0.0043 (linear decay to zero:
    0.0054-0.0085), except at 480 steps, where every decaying schedule's best peak rose to
    about 0.015 and fell back by 960 steps; no rule of the budget alone fits that, so the
    knee is kept. On a noisy regression the best peak falls at 640 steps, but the loss is flat
    around it (the knee's loss equals the best). Runs about as short as the range test itself
    stop before the noise of a high rate adds up, and take more: on the regression at 80
    steps the grid-best was 2-3x the knee (SGD's fixed-horizon rate goes as ``1 / sqrt(T)``;
    here anchored at ``2 S``, at most doubled).
    """
    if not isinstance(result, RangeTest):
        raise TypeError(f"result must be an LRFinderResult (from glideslope.find_lr), got {type(result).__name__}")
    lr = result.suggested  # raises, saying why, when the curve gave no suggestion
    name = next(n for n in (result.default, *SUGGESTIONS) if n in result.suggestions)
    label = f"the finder's {name} suggestion"
    if name != result.default:
        label += f" (its default, {result.default!r}, is missing for this curve)"
    horizon = 2 * len(result.lrs)
    why = f"{label} ({lr:.3g}): {result.suggestions[name].reason}"
    if total_steps < horizon:
        factor = min(SHORT_RUN_CAP, math.sqrt(horizon / total_steps))
        return lr * factor, (
            f"{lr * factor:.3g}, {factor:.2f} x {why}. Raised because the run ({total_steps} steps) is "
            f"shorter than twice the range test ({horizon} steps): a short run ends before the noise of "
            f"a high rate adds up (x sqrt({horizon} / {total_steps}), at most x{SHORT_RUN_CAP:g})"
        )
    return lr, (f"{lr:.3g}, {why}. Not scaled with the run's length ({total_steps} steps, at least twice "
                "the range test's): in the budget study (charlm, 60 to 1920 steps) the best peak stayed near the "
                "knee at every budget but one (docs/budget-study.md); the length sets the warmup and the cooldown")


@v.checked_keywords
def recommend(
    result: RangeTest,
    total_steps: int,
    *,
    shape: str | None = None,
    warmup: int | str | None = None,
    peak: float | None = None,
) -> Recommendation:
    """A whole schedule (warmup, shape, peak) for a run of ``total_steps``, from a range test.

    ``warmup(w) >> shape(start=peak, end=0)`` bound to ``total_steps``; see the module
    docstring for the shapes and :func:`peak_from_curve` for the peak.

    What the task suite's held-out tasks measured (``docs/suite.md``, its second held-out round:
    test loss over a 36-run grid search's, the mean of 5 reporting seeds, median and worst over
    the six held-out task budgets): this zero-pilot form, median 1.096x and worst 3.117x
    (noisy-small@300: small data that overfits, where the knee is far above the best peak);
    :func:`glideslope.recommend_with_pilots`, at most one run of tuning, median 1.042x and
    worst 1.376x (friedman-momentum@150: SGD with momentum, 20-step pilots). Both miss the
    suite's targets (1.02x and 1.05x). Where a run can afford it, prefer the pilots.

    Args:
        result: an :class:`~glideslope.LRFinderResult` from :func:`glideslope.find_lr`.
        total_steps: the run's length in optimizer steps (>= 10).
        shape: one of :data:`SHAPES`; None for the default (:data:`DEFAULT_SHAPE`, ``"1-sqrt"``).
        warmup: warmup steps (int >= 0) or a fraction of the run (``"5%"``); None for 5%.
        peak: the peak learning rate (> 0); None to read it from ``result``.

    Returns:
        a :class:`Recommendation`.
    """
    total_steps = v.integer("total_steps", total_steps, minimum=10)
    reasons: dict[str, str] = {}
    if peak is None:
        peak, reasons["peak"] = peak_from_curve(result, total_steps)
    else:
        if not isinstance(result, RangeTest):
            raise TypeError(f"result must be an LRFinderResult (from glideslope.find_lr), got {type(result).__name__}")
        peak = v.positive("peak", peak)
        if not math.isfinite(peak):
            raise ValueError(f"peak must be a finite learning rate > 0, got {peak!r}")
        reasons["peak"] = f"{peak:.3g}, as given"
    peak = float(f"{peak:.3g}")  # three significant digits: a readable SPEC, no false precision
    w = _warmup_steps(warmup, total_steps)
    if warmup is None:
        reasons["warmup"] = (
            f"{w} steps ({WARMUP_FRACTION:.0%} of the run), linear from 0: the first steps come "
            "before the optimizer's statistics (Adam's second moments, momentum) and the weights "
            "have settled, and taking them at the full peak can blow up the start"
        )
    else:
        reasons["warmup"] = f"{w} steps, as given"
    shape_name = DEFAULT_SHAPE if shape is None else v.choice("shape", shape, SHAPES)
    reasons["shape"] = _DEFAULT_SHAPE_REASON if shape is None else f"{shape_name}, as given"
    schedule = build_schedule(peak, w, shape_name, total_steps)
    return Recommendation(schedule, repr(schedule), peak, w, shape_name, total_steps, reasons,
                          tuning_steps=len(result.lrs))


def _warmup_steps(warmup: int | str | None, total_steps: int) -> int:
    if warmup is None:
        return max(1, round(WARMUP_FRACTION * total_steps))
    if isinstance(warmup, str):
        text = warmup.strip()
        if not text.endswith("%"):
            raise ValueError(f"warmup must be steps (int >= 0) or a percentage like '5%', got {warmup!r}")
        try:
            pct = float(text[:-1])
        except ValueError:
            raise ValueError(f"warmup must be steps (int >= 0) or a percentage like '5%', got {warmup!r}") from None
        if not 0 <= pct < 100:
            raise ValueError(f"warmup must be a percentage in [0%, 100%), got {warmup!r}")
        w = round(pct / 100 * total_steps)
    else:
        w = v.integer("warmup", warmup, minimum=0)
    if w >= total_steps:
        raise ValueError(f"warmup must be shorter than the run (total_steps={total_steps}), got {warmup!r}")
    return w


def build_schedule(peak: float, warmup_steps: int, shape: str, total_steps: int) -> Schedule:
    """``warmup(warmup_steps) >> shape(start=peak, end=0)`` bound to ``total_steps``."""
    rest = total_steps - warmup_steps
    main: Schedule
    if shape == "linear":
        main = linear(start=peak, end=0.0, steps=rest)
    elif shape == "cosine":
        main = cosine(start=peak, end=0.0, steps=rest)
    elif shape == "constant":
        main = constant(peak, steps=rest)
    else:
        cool = max(1, round(COOLDOWN_FRACTION * total_steps))
        main = constant(peak, steps=rest - cool) >> cooldown(peak, 0.0, cool, shape="1-sqrt")
    s = sequence(Warmup(warmup_steps), main) if warmup_steps else main
    return s.bind(total_steps=total_steps)


__all__ = ["SHAPES", "Recommendation", "build_schedule", "peak_from_curve", "recommend"]
