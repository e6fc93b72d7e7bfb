"""Deterministic, seeded noise on top of a schedule.

The noise at step ``t`` is a pure function of ``(seed, floor(t))``: a 32-bit integer hash of
the step, turned into a uniform or a normal variate. A resumed run sees exactly the noise
the uninterrupted run saw, whatever order the steps were evaluated in, on any array kind.
"""

from __future__ import annotations

import math
from typing import Any

from . import _validate as v
from .compose import _fits, as_schedule
from .schedule import PERIODIC_HORIZON, Schedule

DISTRIBUTIONS = ("normal", "uniform")
MODES = ("multiplicative", "additive")
_TWO32 = 4294967296.0
_SECOND_STREAM = 0x9E3779B9
#: The largest |z| / scale Box-Muller gives from two 32-bit uniforms: sqrt(-2 ln(0.5 / 2**32)).
_NORMAL_MAX = 6.8


class Noise(Schedule):
    """``schedule(t) * (1 + z_t)`` (multiplicative) or ``schedule(t) + z_t`` (additive).

    ``z_t`` is ``scale`` times a standard normal variate (Box-Muller on two hashed uniforms)
    or a uniform variate on ``[-scale, scale]``, clipped to ``[-clip, clip]`` when ``clip`` is
    given (timm's ``noise_pct``). The same ``(seed, step)`` always gives the same ``z``, on
    every array kind (the hash takes the low 32 bits of ``floor(t)`` exactly, without 64-bit
    integers, so JAX without x64 agrees too). Steps past ``2**53`` get the noise of ``2**53``.

    Args:
        schedule: the schedule to perturb.
        scale: standard deviation (normal) or half-width (uniform) of the noise (>= 0).
        seed: an int; different seeds give independent noise.
        distribution: ``"normal"`` or ``"uniform"``.
        mode: ``"multiplicative"`` or ``"additive"``.
        clip: bound on ``|z|``, or None.
    """

    schedule: Schedule
    scale: float
    seed: int
    distribution: str
    mode: str
    clip: float | None
    _s1: int
    _s2: int

    kind = "noise"

    def __init__(
        self,
        schedule: Schedule | None = None,
        scale: float = 0.1,
        seed: int = 0,
        distribution: str = "normal",
        mode: str = "multiplicative",
        clip: float | None = None,
    ) -> None:
        self._set(
            schedule=as_schedule("schedule", schedule),
            scale=v.non_negative("scale", scale),
            seed=v.integer("seed", seed, minimum=0),
            distribution=v.choice("distribution", distribution, DISTRIBUTIONS),
            mode=v.choice("mode", mode, MODES),
            clip=None if clip is None else v.positive("clip", clip),
        )
        s = self.seed & 0xFFFFFFFF
        self._set(_s1=s, _s2=s ^ _SECOND_STREAM)
        _fits("the noisy values", self._magnitude(), self)

    def children(self) -> tuple[Schedule, ...]:
        return (self.schedule,)

    def _length(self) -> float | None:
        return self.schedule.length

    def _magnitude(self) -> float | None:
        m = self.schedule.magnitude
        if m is None:
            return None
        z = self.scale * (_NORMAL_MAX if self.distribution == "normal" else 1.0)
        z = z if self.clip is None else min(z, self.clip)
        return m * (1.0 + z) if self.mode == "multiplicative" else m + z

    def noise(self, t: Any, xp: Any) -> Any:
        """The variate ``z_t`` (before ``scale``), from the step's hash."""
        t = xp.minimum(t, PERIODIC_HORIZON)
        u1 = (xp.hash32(t, self._s1) + 0.5) / _TWO32
        if self.distribution == "uniform":
            return 2.0 * u1 - 1.0
        u2 = xp.hash32(t, self._s2) / _TWO32
        return xp.sqrt(-2.0 * xp.log(u1)) * xp.cos(2.0 * math.pi * u2)

    def _eval(self, t: Any, xp: Any) -> Any:
        z = self.scale * self.noise(t, xp)
        if self.clip is not None:
            z = xp.minimum(xp.maximum(z, -self.clip), self.clip)
        base = self.schedule._eval(t, xp)
        return base * (1.0 + z) if self.mode == "multiplicative" else base + z


noise = Noise
