"""Horizon checks: how the steps a run takes compare with the length its schedule planned.

A schedule holds its last value past its end, silently. That is right for a run that ends a
little late, and wrong for the two mistakes behind most surprises:

* the schedule was written in epochs (``cosine(steps=90)`` for 90 epochs) but ``step()`` is
  called once per batch, so the whole plan is spent in the first epoch;
* the run was made longer (more data, more compute) and the schedule was not.

:func:`past_end` says when a run has gone :data:`WELL_PAST` times the plan's length, and
:func:`past_end_message` what to do about it (the dialects warn with it, once, as a
:class:`HorizonWarning`). :func:`horizon_report` tells, at the end of a run, how the steps
taken compare with the plan: ended early (and at what fraction of the peak value), on plan,
or held past its end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import _validate as v
from .schedule import Schedule

__all__ = ["WELL_PAST", "HorizonReport", "HorizonWarning", "horizon_report", "past_end", "past_end_message"]

#: A run is "well past" its plan's end once it has taken this many times the plan's length.
WELL_PAST = 2.0

#: The most steps :func:`horizon_report` evaluates to find the peak (spread evenly beyond).
PEAK_SAMPLES = 100_001


class HorizonWarning(UserWarning):
    """A scheduler was stepped well past the end of its schedule."""


def past_end(length: float | None, step: int) -> bool:
    """Whether ``step`` is well past a plan of ``length`` steps: ``step > WELL_PAST * length``
    (never for a plan that never ends, or has no set length)."""
    return length is not None and 0 < length < math.inf and step > WELL_PAST * length


def past_end_message(who: str, length: float, step: int, value: float, fix: str) -> str:
    """The warning text: where the plan ended, the likely cause (epochs against steps) and the
    fixes; ``fix`` is the dialect's way to extend the plan."""
    return (
        f"{who} was stepped {step:,} times, but its schedule ends at step {int(length):,} and has held its "
        f"last value ({value:.6g}) since. If the schedule was written in epochs but step() is called once per "
        f"batch, write its durations in steps (or as '2ep' with steps_per_epoch=...), or step once per epoch. "
        f"If the run is longer than planned, extend the plan: {fix}"
    )


@dataclass(frozen=True)
class HorizonReport:
    """How the steps a run took compare with its plan.

    Attributes:
        planned: the plan's length in steps (``math.inf`` when it never ends).
        taken: the steps the run took.
        value: the schedule's value at the last step taken.
        peak: the plan's largest value over its steps (``0..planned``, or the steps taken when
            it never ends).
        status: ``"ended early"``, ``"on plan"``, ``"held past its end"`` or ``"no end"``.
    """

    planned: float
    taken: int
    value: float
    peak: float
    status: str

    @property
    def fraction_of_plan(self) -> float:
        """``taken / planned`` (0 for a plan that never ends)."""
        return self.taken / self.planned if math.isfinite(self.planned) and self.planned else 0.0

    @property
    def fraction_of_peak(self) -> float:
        """``value / peak``: where the run's last value stands against the plan's peak."""
        return self.value / self.peak if self.peak else 0.0

    def __str__(self) -> str:
        where = f"ended at step {self.taken:,}"
        at = f"the value there is {self.value:.6g}, {self.fraction_of_peak:.0%} of the peak {self.peak:.6g}"
        if self.status == "no end":
            return f"{where} of a plan that never ends; {at}"
        plan = int(self.planned)
        if self.status == "ended early":
            return (f"{where} of {plan:,} planned ({self.fraction_of_plan:.0%} of the plan): it ended early, {at}. "
                    f"To land a shortened run, cool down before it stops (cooldown_now) or shorten the plan")
        if self.status == "on plan":
            return f"{where}, the end of the plan; {at}"
        return (f"{where}, {self.taken - plan:,} steps past the plan's end at {plan:,} "
                f"({self.fraction_of_plan:.0%} of the plan): the last {self.taken - plan:,} steps held the final "
                f"value; {at}. Extend the plan (extend) to use them")


def _largest(schedule: Schedule, steps: list[int]) -> float:
    """The largest value at ``steps`` (one vectorized call with NumPy, a loop without)."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - exercised without numpy
        return max(float(schedule(t)) for t in steps)
    return float(np.max(schedule(np.asarray(steps, dtype=np.int64))))


@v.checked_keywords
def horizon_report(schedule: Schedule, steps_taken: int) -> HorizonReport:
    """How ``steps_taken`` compares with the plan ``schedule`` (bound).

    ``value`` is ``schedule(steps_taken)``; ``peak`` is the largest value over the plan's
    steps (up to :data:`PEAK_SAMPLES` steps spread evenly on a longer plan).
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a glideslope Schedule, got {type(schedule).__name__}")
    taken = v.integer("steps_taken", steps_taken, minimum=0)
    n = schedule.length
    if n is None:
        schedule._check_bound()
    planned = math.inf if n is None or not math.isfinite(n) else int(n)
    last = taken if planned == math.inf else int(planned)
    count = min(last + 1, PEAK_SAMPLES)
    steps = sorted({round(i * last / max(count - 1, 1)) for i in range(count)})
    peak = _largest(schedule, steps)
    if planned == math.inf:
        status = "no end"
    elif taken < planned:
        status = "ended early"
    elif taken == planned:
        status = "on plan"
    else:
        status = "held past its end"
    return HorizonReport(planned=planned, taken=taken, value=float(schedule(taken)), peak=peak, status=status)
