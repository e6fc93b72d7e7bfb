"""A whole schedule from a range test and a few short pilot runs: at most one run of tuning.

The range test alone reads the curve at one short horizon; where the best peak lies depends
on what it cannot see (the run's length, the batch noise, overfitting, the optimizer and its
weight decay). Pilots measure it: short runs from a fresh start, each under the recommended
shape compressed into the pilot's length, scored on validation loss. With ``a`` the range
test's suggestion (the knee), ``R`` its steps and ``T`` the run's budget::

    h      = (T - R) // 6                               each pilot's length
    coarse = a * (2, 1/2, 1/8, 1/32)                    4 pilots, 4x apart
    refine = b * (2, 1/2)                               b: the best coarse peak
    p      = vertex of the parabola through the best pilot and its two 2x neighbours
             (in log2 peak), else the best pilot's peak (it was at the edge)
    peak   = p * (h / T) ** alpha                       the horizon correction
    alpha  = clip(A + (1 - A) log(E / E_LOW) / log(E_HIGH / E_LOW), A, 1)   E: the run's epochs
    alpha  = HORIZON_EXPONENT                            when the epochs are not given

so the tuning compute is ``R + 6 h <= T`` optimizer steps, reported as
``rec.tuning_steps``. Short runs prefer peaks that are too high (they stop before the noise
of a high rate adds up, and before a small data set is overfitted); the correction lowers the
pilots' peak to the run's horizon, the more the more passes the run makes over its data
(``E`` = passes over the training data in the full run; ``A`` = :data:`EXPONENT_MIN`,
``E_LOW`` = :data:`EPOCHS_LOW`, ``E_HIGH`` = :data:`EPOCHS_HIGH`). Those constants, :data:`HORIZON_EXPONENT` and
:data:`PILOT_SHAPE` were fitted on the suite's *fitted* tasks only (``docs/suite.md``; the
held-out tasks in ``src/glideslope/bench/suite_split.json`` judge them).

A pilot whose training function raises, or returns NaN or an infinity, counts as diverged
(its loss is ``inf``, its error is kept) and is reported in ``rec.pilots``. A budget too
short for six pilots of :data:`MIN_PILOT_STEPS` is an error that names the smallest budget
that works; :func:`glideslope.recommend` (no pilots) is the fallback for shorter runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import _validate as v
from ..schedule import Schedule
from .recommendation import SHAPES, WARMUP_FRACTION, _warmup_steps, build_schedule
from .result import Pilot, RangeTest, Recommendation

#: The coarse pilots' peaks, as multiples of the range test's suggestion (4x apart).
COARSE = (2.0, 0.5, 0.125, 0.03125)
#: The refining pilots' peaks, as multiples of the best coarse peak.
REFINE = (2.0, 0.5)
#: Pilots in all.
N_PILOTS = len(COARSE) + len(REFINE)
#: The shortest pilot, in optimizer steps.
MIN_PILOT_STEPS = 20
#: The exponent of the horizon correction ``(h / T) ** alpha`` when the run's epochs are not
#: given (fitted on the suite's fitted tasks; see docs/suite.md).
HORIZON_EXPONENT = 0.05
#: The exponent of runs of at most :data:`EPOCHS_LOW` passes over their data (fitted).
EXPONENT_MIN = 0.0
#: At most this many passes over the data, the exponent is EXPONENT_MIN (fitted; docs/suite.md).
EPOCHS_LOW = 16.0
#: At least this many passes over the data, the full correction ``alpha = 1`` (fitted).
EPOCHS_HIGH = 300.0


def exponent_for_epochs(epochs: float) -> float:
    """The horizon correction's exponent for a run of ``epochs`` passes over its data:
    ``clip(A + (1 - A) log(epochs / EPOCHS_LOW) / log(EPOCHS_HIGH / EPOCHS_LOW), A, 1)`` with
    ``A = EXPONENT_MIN``."""
    return epochs_rule(epochs, EXPONENT_MIN, EPOCHS_LOW, EPOCHS_HIGH)


def epochs_rule(epochs: float, floor: float, low: float, high: float) -> float:
    """``clip(floor + (1 - floor) log(epochs / low) / log(high / low), floor, 1)``: the
    exponent rises from ``floor`` at ``low`` passes over the data to 1 at ``high``."""
    x = floor + (1 - floor) * math.log(epochs / low) / math.log(high / low)
    return min(1.0, max(floor, x))
#: The shape the pilots run and the recommendation uses (fitted on the fitted tasks).
PILOT_SHAPE = "1-sqrt"


def pilot_steps(total_steps: int, range_test_steps: int) -> int:
    """Each pilot's length for a run of ``total_steps`` after a range test of
    ``range_test_steps``: ``(total_steps - range_test_steps) // N_PILOTS``; ValueError naming
    the smallest budget that works when that is under :data:`MIN_PILOT_STEPS`."""
    h = (total_steps - range_test_steps) // N_PILOTS
    if h < MIN_PILOT_STEPS:
        need = range_test_steps + N_PILOTS * MIN_PILOT_STEPS
        raise ValueError(
            f"total_steps={total_steps} is too short for pilots after a {range_test_steps}-step range test: "
            f"{N_PILOTS} pilots of at least {MIN_PILOT_STEPS} steps need total_steps >= {need}; for a shorter "
            "run use glideslope.recommend(result, total_steps) (no pilots) or a shorter range test"
        )
    return h


def vertex(peaks: list[float], losses: list[float]) -> tuple[float, bool]:
    """``(peak, interior)``: the vertex of the parabola through the lowest loss and its
    neighbours at half and twice its peak, in ``log2(peak)``; or the lowest loss's own peak
    (``interior`` False) when a neighbour is missing or diverged. The vertex lies within a
    factor ``sqrt(2)`` of the best pilot (the middle point is the lowest)."""
    finite = {p: loss for p, loss in zip(peaks, losses, strict=True) if math.isfinite(loss)}
    best = min(finite, key=lambda p: (finite[p], p))
    lo = next((p for p in finite if math.isclose(p, best / 2, rel_tol=1e-6)), None)
    hi = next((p for p in finite if math.isclose(p, best * 2, rel_tol=1e-6)), None)
    if lo is None or hi is None:
        return best, False
    ym, y0, yp = finite[lo], finite[best], finite[hi]
    curve = ym - 2 * y0 + yp
    if curve <= 0:
        return best, True
    return best * 2.0 ** ((ym - yp) / (2 * curve)), True


def _run_pilot(train: Callable[[Schedule, int], Any], peak: float, steps: int, shape: str) -> Pilot:
    schedule = build_schedule(peak, max(1, round(WARMUP_FRACTION * steps)), shape, steps)
    try:
        raw = train(schedule, steps)
        loss = float(raw)
    except Exception as exc:  # a pilot that fails is a diverged pilot, reported as such
        return Pilot(peak, steps, math.inf, True, repr(exc)[:200])
    if not math.isfinite(loss):
        return Pilot(peak, steps, math.inf, True, f"returned {loss}")
    return Pilot(peak, steps, loss)


@v.checked_keywords
def recommend_with_pilots(
    result: RangeTest,
    total_steps: int,
    train: Callable[[Schedule, int], Any],
    *,
    epochs: float | None = None,
    shape: str | None = None,
    warmup: int | str | None = None,
    horizon_exponent: float | None = None,
) -> Recommendation:
    """A whole schedule for a run of ``total_steps``, from a range test and six pilot runs.

    Args:
        result: the range test (:func:`glideslope.find_lr`); its steps count as tuning.
        total_steps: the run's length in optimizer steps.
        train: ``train(schedule, steps) -> validation loss``: train from a fresh start (the
            same initial weights and a fresh optimizer each time) for ``steps`` optimizer
            steps, setting the learning rate to ``schedule(t)`` at step ``t`` (an absolute
            schedule, already bound to ``steps``), and return the validation loss.
        epochs: passes over the training data the full run makes (``total_steps * batch /
            training examples``; > 0), which sets the horizon correction's exponent
            (:func:`exponent_for_epochs`); None for :data:`HORIZON_EXPONENT`.
        shape: the decay shape (one of :data:`~glideslope.tune.recommendation.SHAPES`);
            None for :data:`PILOT_SHAPE`.
        warmup: the full run's warmup (steps or ``"5%"``); None for 5%.
        horizon_exponent: the exponent of the horizon correction, in [0, 2] (0 turns it
            off); None to derive it from ``epochs``.

    Returns:
        a :class:`~glideslope.Recommendation` whose ``tuning_steps`` (range test and pilots)
        is at most ``total_steps`` and whose ``pilots`` lists every pilot.

    Raises:
        ValueError: ``total_steps`` too short (the message names the smallest that works), or
            every pilot diverged.
    """
    if not isinstance(result, RangeTest):
        raise TypeError(f"result must be an LRFinderResult (from glideslope.find_lr), got {type(result).__name__}")
    if not callable(train):
        raise TypeError(f"train must be a callable train(schedule, steps) -> validation loss, got "
                        f"{type(train).__name__}")
    total_steps = v.integer("total_steps", total_steps, minimum=10)
    shape_name = PILOT_SHAPE if shape is None else v.choice("shape", shape, SHAPES)
    if epochs is not None:
        epochs = v.positive("epochs", epochs)
    if horizon_exponent is not None:
        alpha = v.between("horizon_exponent", horizon_exponent, 0.0, 2.0)
        why_alpha = "as given"
    elif epochs is not None:
        alpha = exponent_for_epochs(epochs)
        why_alpha = f"for {epochs:.3g} passes over the data"
    else:
        alpha = HORIZON_EXPONENT
        why_alpha = "the default; pass epochs= to set it by the passes over the data"
    w = _warmup_steps(warmup, total_steps)
    range_steps = len(result.lrs)
    h = pilot_steps(total_steps, range_steps)
    anchor = result.suggested
    pilots = [_run_pilot(train, anchor * m, h, shape_name) for m in COARSE]
    coarse_ok = [p for p in pilots if not p.diverged]
    if not coarse_ok:
        raise ValueError(f"every coarse pilot diverged (peaks {', '.join(f'{p.peak:.3g}' for p in pilots)}); "
                         f"first error: {pilots[0].error}")
    best = min(coarse_ok, key=lambda p: (p.loss, p.peak)).peak
    pilots += [_run_pilot(train, best * m, h, shape_name) for m in REFINE]
    p_hat, interior = vertex([p.peak for p in pilots], [p.loss for p in pilots])
    factor = (h / total_steps) ** alpha
    peak = float(f"{p_hat * factor:.3g}")
    diverged = [p for p in pilots if p.diverged]
    where = ("the vertex of a parabola through the best pilot and its 2x neighbours" if interior else
             "the best pilot's peak (at the edge of the pilots' range, so no vertex)")
    reasons = {
        "peak": (
            f"{peak:.3g}: {where}, {p_hat:.3g}, x {factor:.3g} = ({h} / {total_steps}) ** {alpha:.3g} "
            f"({why_alpha}), the horizon correction (short pilots prefer peaks that are too high). "
            f"{N_PILOTS} pilots of {h} "
            f"steps at {', '.join(f'{p.peak:.3g}' for p in pilots)}, around the range test's "
            f"{result.default} {anchor:.3g}" + (f"; {len(diverged)} diverged" if diverged else "")
        ),
        "warmup": (f"{w} steps ({WARMUP_FRACTION:.0%} of the run), linear from 0" if warmup is None
                   else f"{w} steps, as given"),
        "shape": (f"{shape_name}, as given" if shape is not None else
                  f"{shape_name}: of the shapes the pilots ran under on the suite's fitted tasks (tabular, "
                  "image and language-model tasks; docs/suite.md), the one whose corrected peak came closest to "
                  "the grid search's best loss; the pilots ran it too"),
    }
    schedule = build_schedule(peak, w, shape_name, total_steps)
    tuning = range_steps + sum(p.steps for p in pilots)
    return Recommendation(schedule, repr(schedule), peak, w, shape_name, total_steps, reasons,
                          tuning_steps=tuning, pilots=tuple(pilots))


__all__ = [
    "COARSE", "EPOCHS_HIGH", "EPOCHS_LOW", "EXPONENT_MIN", "HORIZON_EXPONENT", "MIN_PILOT_STEPS", "N_PILOTS",
    "PILOT_SHAPE", "REFINE", "epochs_rule", "exponent_for_epochs", "pilot_steps", "recommend_with_pilots", "vertex",
]
