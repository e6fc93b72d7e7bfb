"""The two formulas of Keras's learning-rate schedules that the native catalogue lacks.

``InverseTimeDecay`` and ``PolynomialDecay(cycle=True)`` need them. They are glideslope
schedules like any other (evaluate, plot, compose), but not native kinds: the SPEC language
and ``from_config`` do not offer them, and serializing the Keras schedule that holds one is
Keras's job (:mod:`glideslope.keras`).
"""

from __future__ import annotations

from typing import Any

from .. import _validate as v
from ..schedule import Schedule

__all__ = ["InverseTime", "PolynomialCycle"]


class _KerasShape(Schedule):
    """Base of the two shapes below: Keras formulas the native catalogue does not offer.

    They are not registered as native kinds (not constructors of the SPEC language or
    ``from_config``): serialize the Keras schedule that holds one with Keras instead.
    """

    def to_config(self) -> dict[str, Any]:
        raise TypeError(
            f"{self.kind} is internal to glideslope.keras and has no native config; serialize "
            f"the Keras schedule with keras.optimizers.schedules.serialize() instead"
        )


class InverseTime(_KerasShape):
    """Inverse-time decay: ``start / (1 + rate * t / every)`` (``floor(t / every)`` when
    ``staircase``).

    Args:
        start: value at step 0.
        rate: how fast it decays (>= 0).
        every: steps per unit of decay (> 0, need not be whole).
        staircase: decay in whole steps of ``every``.
    """

    start: float
    rate: float
    every: float
    staircase: bool

    def __init__(self, start: float = 1.0, rate: float = 1.0, every: float = 1.0, staircase: bool = False) -> None:
        self._set(
            start=v.real("start", start),
            rate=v.non_negative("rate", rate),
            every=v.positive("every", every),
            staircase=v.flag("staircase", staircase),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        p = t / self.every
        if self.staircase:
            p = xp.floor(p)
        return self.start / (1.0 + self.rate * p)


class PolynomialCycle(_KerasShape):
    """Polynomial decay that restarts on a longer horizon each cycle (Keras's ``cycle=True``).

    With ``T_t = steps * max(ceil(t / steps), 1)``: ``end + (start - end) * (1 - t / T_t) **
    power``. It reaches ``end`` at every multiple of ``steps`` and jumps back up after it.

    Args:
        start: value at step 0.
        end: value at each multiple of ``steps``.
        steps: length of the first cycle (> 0, need not be whole).
        power: the exponent (> 0).
    """

    start: float
    end: float
    steps: float
    power: float

    def __init__(self, start: float = 1.0, end: float = 0.0, steps: float = 1.0, power: float = 1.0) -> None:
        self._set(
            start=v.real("start", start),
            end=v.real("end", end),
            steps=v.positive("steps", steps),
            power=v.positive("power", power),
        )

    def _eval(self, t: Any, xp: Any) -> Any:
        n = self.steps
        horizon = n * xp.maximum(-xp.floor(-t / n), 1.0)
        return self.end + (self.start - self.end) * (1.0 - t / horizon) ** self.power


# set after the class statements so that they stay out of the native registry
InverseTime.kind = "keras_inverse_time"
PolynomialCycle.kind = "keras_polynomial_cycle"
