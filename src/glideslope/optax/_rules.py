"""optax's rules for arguments and joins, shared by the functions of :mod:`glideslope.optax`:
whole step counts of any sign, ``{step: scale}`` dicts, the logged fall-backs for
``transition_steps <= 0`` and a negative ``transition_begin``, ``join_schedules``' rule at
any boundaries, and the checks both one-cycle schedules make of their arguments.
"""

from __future__ import annotations

import logging
import math
import operator
from collections.abc import Mapping

from .. import _validate as v
from ..compose import Sequence, join
from ..schedule import Schedule
from ..shapes import Function
from ..transforms import Shift

logger = logging.getLogger("glideslope.optax")


def _count(name: str, value: object) -> int:
    """A whole number of steps (any sign): an int, an integral float or an integer array."""
    if isinstance(value, bool) or isinstance(value, str):
        raise TypeError(f"{name} must be an integer number of steps, got {type(value).__name__}: {value!r}")
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        pass
    x = v.real(name, value)
    if x != int(x):
        raise TypeError(f"{name} must be an integer number of steps, got {value!r}")
    return int(x)


def _scales(name: str, boundaries_and_scales: object) -> list[tuple[int, float]]:
    """``{step: scale}`` as ``(step, scale)`` pairs sorted by step; scales must be >= 0."""
    if boundaries_and_scales is None:
        return []
    if not isinstance(boundaries_and_scales, Mapping):
        raise TypeError(
            f"{name} must be a dict {{step: scale}} or None, got "
            f"{type(boundaries_and_scales).__name__}: {boundaries_and_scales!r}"
        )
    pairs = []
    for b, s in boundaries_and_scales.items():
        step = _count(f"{name} key {b!r}", b)
        scale = v.real(f"{name}[{b!r}]", s)
        if not scale >= 0.0:
            raise ValueError(f"{name} expects non-negative scale factors, got {name}[{b!r}]={s!r}")
        pairs.append((step, scale))
    pairs.sort(key=lambda p: p[0])
    return pairs


def _no_transition(what: str, steps: int) -> bool:
    """optax's rule: ``transition_steps <= 0`` makes a constant ``init_value`` (logged)."""
    if steps > 0:
        return False
    logger.info(
        f"{what} schedule was set with a non-positive `transition_steps` value; "
        "this results in a constant schedule with value `init_value`."
    )
    return True


def _begin(what: str, begin: int) -> int:
    """optax's rule: a negative ``transition_begin`` counts as 0 (logged)."""
    if begin >= 0:
        return begin
    logger.info(
        f"{what} schedule was set with a negative `transition_begin` value; "
        "this will result in `transition_begin` falling back to `0`."
    )
    return 0


def _shifted(schedule: Schedule, start: int) -> Schedule:
    """``schedule`` running from step ``start`` (< 0 means it is already ``-start`` steps in)."""
    return schedule if start == 0 else Shift(schedule, start)


def _join(schedules: list[Schedule], boundaries: list[int]) -> Schedule:
    """optax's join rule for any boundaries: the value at ``t`` is ``schedules[k](t - b_k)``
    for the last ``k`` (in list order) with ``t >= b_k``, or ``schedules[0](t)`` for none.

    Reduced to glideslope's :func:`~glideslope.join` over the pieces reachable at ``t >= 0``
    (a piece hidden by a later, lower boundary is dropped; one that began before step 0 is
    shifted), or to ``a >> b`` when each piece's own length ends exactly at the next boundary.
    """
    # piece k runs on [b_k, min(b_j for j > k)); walk back to find each piece's end
    starts: list[float] = [-math.inf, *boundaries]
    pieces: list[tuple[float, float, int]] = []
    end = math.inf
    for k in range(len(schedules) - 1, -1, -1):
        if starts[k] < end:
            pieces.append((starts[k], end, k))
            end = starts[k]
    pieces = [p for p in reversed(pieces) if p[1] > 0]
    first_start, _, k0 = pieces[0]
    run = [_shifted(schedules[k0], 0 if k0 == 0 else int(first_start))]
    bounds = [int(b) for b, _, _ in pieces[1:]]
    run += [schedules[k] for _, _, k in pieces[1:]]
    if len(run) == 1:
        return run[0]
    edges = [0, *bounds]
    if all(run[i].length == edges[i + 1] - edges[i] for i in range(len(bounds))):
        return Sequence(run)
    return join(run, bounds)


def _as_schedule(name: str, fn: object) -> Schedule:
    if isinstance(fn, Schedule):
        return fn
    if callable(fn):
        return Function(fn, vectorized=True)
    raise TypeError(f"{name} must be a schedule (a callable of the step), got {type(fn).__name__}: {fn!r}")


def _onecycle_cycle(what: str, transition_steps: object, peak_value: object) -> tuple[int, float]:
    """A one-cycle schedule's ``(transition_steps, peak_value)``: the cycle's length must be > 0."""
    steps = _count("transition_steps", transition_steps)
    if steps <= 0:
        raise ValueError(f"{what} needs transition_steps > 0, got {transition_steps!r}")
    return steps, v.real("peak_value", peak_value)


def _onecycle_factors(div_factor: float, final_div_factor: float) -> tuple[float, float]:
    """A one-cycle schedule's ``(div_factor, final_div_factor)``, both > 0."""
    div = v.real("div_factor", div_factor)
    final = v.real("final_div_factor", final_div_factor)
    if not div > 0:
        raise ValueError(f"div_factor must be > 0, got {div_factor!r}")
    if not final > 0:
        raise ValueError(f"final_div_factor must be > 0, got {final_div_factor!r}")
    return div, final
