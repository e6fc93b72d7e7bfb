"""optax's schedule functions on the glideslope engine (see :mod:`glideslope.optax`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .. import _validate as v
from ..piecewise import PiecewiseConstant
from ..schedule import Schedule
from ..shapes import Constant, Cosine, Exponential, Function, Linear, Polynomial
from ..timing import UnboundScheduleError
from ..transforms import Clamp
from ._rules import (
    _as_schedule,
    _begin,
    _count,
    _join,
    _no_transition,
    _onecycle_cycle,
    _onecycle_factors,
    _scales,
    _shifted,
)

logger = logging.getLogger("glideslope.optax")

INTERPOLATE_TYPES = ("linear", "cosine")


# -- the optax functions ------------------------------------------------------------------


@v.checked_keywords
def constant_schedule(value: float) -> Schedule:
    """``value`` at every step.

    Args:
        value: the value held throughout.

    Returns:
        ``glideslope.constant(value)``.
    """
    return Constant(v.real("value", value))


@v.checked_keywords
def polynomial_schedule(
    init_value: float,
    end_value: float,
    power: float,
    transition_steps: int,
    transition_begin: int = 0,
) -> Schedule:
    """Polynomial transition from ``init_value`` (I) to ``end_value`` (E).

    With ``B = transition_begin``, ``T = transition_steps``, ``P = power`` and
    ``c = clip(t - B, 0, T)``: ``(I - E) * (1 - c / T) ** P + E``. So I until ``B``, E from
    ``B + T`` on.

    As in optax, ``transition_steps <= 0`` gives the constant ``init_value`` and a negative
    ``transition_begin`` counts as 0 (both logged at INFO).

    Args:
        init_value: value before and at ``transition_begin``.
        end_value: value from ``transition_begin + transition_steps`` on.
        power: the exponent ``P`` (> 0).
        transition_steps: length of the transition.
        transition_begin: steps to hold ``init_value`` first.
    """
    init, end = v.real("init_value", init_value), v.real("end_value", end_value)
    power_ = v.positive("power", power)
    steps = _count("transition_steps", transition_steps)
    begin = _count("transition_begin", transition_begin)
    if _no_transition("A polynomial", steps):
        return Constant(init)
    begin = _begin("A polynomial", begin)
    return _shifted(Polynomial(init, end, steps, power=power_), begin)


@v.checked_keywords
def linear_schedule(
    init_value: float,
    end_value: float,
    transition_steps: int,
    transition_begin: int = 0,
) -> Schedule:
    """Linear transition from ``init_value`` (I) to ``end_value`` (E).

    With ``B = transition_begin``, ``T = transition_steps`` and ``c = clip(t - B, 0, T)``:
    ``I + (E - I) * c / T`` (:func:`polynomial_schedule` with ``power=1``), with the same
    edge behaviour: ``transition_steps <= 0`` gives the constant ``init_value``.

    Args:
        init_value: value before and at ``transition_begin``.
        end_value: value from ``transition_begin + transition_steps`` on.
        transition_steps: length of the transition.
        transition_begin: steps to hold ``init_value`` first.
    """
    init, end = v.real("init_value", init_value), v.real("end_value", end_value)
    steps = _count("transition_steps", transition_steps)
    begin = _count("transition_begin", transition_begin)
    if _no_transition("A linear", steps):
        return Constant(init)
    begin = _begin("A linear", begin)
    return _shifted(Linear(init, end, steps), begin)


@v.checked_keywords
def piecewise_constant_schedule(
    init_value: float,
    boundaries_and_scales: Mapping[int, float] | None = None,
) -> Schedule:
    """Piecewise constant: ``init_value`` times every scale whose boundary has been reached.

    ``init_value * prod(s_i for b_i, s_i in boundaries_and_scales.items() if t >= b_i)``:
    the value changes at the boundary step itself.

    Args:
        init_value: the value before the first boundary.
        boundaries_and_scales: ``{step: scale}``; scales must be >= 0 (ValueError otherwise,
            as in optax). A boundary ``<= 0`` applies from step 0.
    """
    value = v.real("init_value", init_value)
    pairs = _scales("boundaries_and_scales", boundaries_and_scales)
    boundaries, values = [], [value]
    for b, s in pairs:
        value = value * s
        if b <= 0:
            values[-1] = value
        else:
            boundaries.append(b)
            values.append(value)
    if not boundaries:
        return Constant(values[0])
    return PiecewiseConstant(boundaries, values)


@v.checked_keywords
def exponential_decay(
    init_value: float,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Schedule:
    """Exponential decay (or growth) of ``init_value`` (I).

    With ``B = transition_begin``, ``T = transition_steps``, ``r = decay_rate`` and
    ``p = max(t - B, 0) / T`` (floored when ``staircase``): ``I * r ** p``. When ``end_value``
    (E) is given the value is clipped by it: ``max(., E)`` when ``r < 1``, ``min(., E)``
    otherwise (from step 0 on, as in optax).

    As in optax, ``transition_steps <= 0`` or ``decay_rate == 0`` give the constant
    ``init_value`` and a negative ``transition_begin`` counts as 0 (all logged at INFO).

    Args:
        init_value: value until ``transition_begin``.
        transition_steps: steps per factor of ``decay_rate``.
        decay_rate: the factor (>= 0; 0 means a constant schedule).
        transition_begin: steps to hold ``init_value`` first.
        staircase: apply the factor in whole steps of ``transition_steps``.
        end_value: bound of the decay (a floor when ``r < 1``, else a ceiling), or None.
    """
    init = v.real("init_value", init_value)
    steps = _count("transition_steps", transition_steps)
    rate = v.real("decay_rate", decay_rate)
    if rate < 0:
        raise ValueError(
            f"decay_rate must be >= 0 (0 gives a constant schedule, as in optax), got {decay_rate!r}"
        )
    begin = _count("transition_begin", transition_begin)
    stair = v.flag("staircase", staircase)
    end = None if end_value is None else v.real("end_value", end_value)
    if _no_transition("An exponential", steps):
        return Constant(init)
    if rate == 0:
        logger.info(
            "An exponential schedule was set with a zero `decay_rate` value; "
            "this will result in a constant schedule with value `init_value`."
        )
        return Constant(init)
    begin = _begin("An exponential", begin)
    reachable = end is None or rate == 1 or end == init or ((end < init) == (rate < 1))
    s = Exponential(init, rate, steps, staircase=stair, delay=begin, end=end if reachable else None)
    if not reachable:  # a bound on the far side clips from step 0, as in optax
        assert end is not None
        return Clamp(s, low=end) if rate < 1 else Clamp(s, high=end)
    return s


@v.checked_keywords
def cosine_decay_schedule(
    init_value: float,
    decay_steps: int,
    alpha: float = 0.0,
    exponent: float = 1.0,
) -> Schedule:
    """Cosine decay of ``init_value`` (I) to ``alpha * init_value`` over ``decay_steps`` (T).

    With ``c = 0.5 * (1 + cos(pi * min(t, T) / T))``: ``I * ((1 - alpha) * c ** exponent +
    alpha)``, then ``alpha * I`` from ``T`` on.

    Args:
        init_value: value at step 0.
        decay_steps: length of the decay (> 0; ValueError otherwise, as in optax).
        alpha: the final value as a fraction of ``init_value``.
        exponent: power of the cosine factor (> 0).
    """
    init = v.real("init_value", init_value)
    a = v.real("alpha", alpha)
    e = v.positive("exponent", exponent)
    steps = _count("decay_steps", decay_steps)
    if not steps > 0:
        raise ValueError(f"cosine_decay_schedule needs decay_steps > 0, got decay_steps={decay_steps!r}")
    return Cosine(init, a * init, steps, exponent=e)


@v.checked_keywords
def piecewise_interpolate_schedule(
    interpolate_type: str,
    init_value: float,
    boundaries_and_scales: Mapping[int, float] | None = None,
) -> Schedule:
    """Interpolation between values that are scaled at boundaries.

    The knots are ``(0, V_0 = init_value)`` and ``(b_i, V_i = V_{i-1} * s_i)`` for the sorted
    ``{b_i: s_i}``. Between consecutive knots, with progress ``q``:

    * ``"linear"``: ``V_i + (V_{i+1} - V_i) * q``;
    * ``"cosine"``: ``V_{i+1} + (V_i - V_{i+1}) * (1 + cos(pi * q)) / 2``;

    and ``V_n`` after the last knot. As in optax, a boundary ``<= 0`` replaces the knot at 0
    (its segment is then followed from wherever step 0 falls in it).

    Args:
        interpolate_type: ``"linear"`` or ``"cosine"``.
        init_value: value at step 0.
        boundaries_and_scales: ``{step: scale}``, scales >= 0.
    """
    if interpolate_type not in INTERPOLATE_TYPES:
        raise ValueError(f"interpolate_type must be either 'cosine' or 'linear', got {interpolate_type!r}")
    init = v.real("init_value", init_value)
    pairs = _scales("boundaries_and_scales", boundaries_and_scales)
    knots = [0, *(b for b, _ in pairs)]
    values = [init]
    for _, s in pairs:
        values.append(values[-1] * s)
    segment = Linear if interpolate_type == "linear" else Cosine
    schedules: list[Schedule] = []
    starts: list[int] = []
    for i in range(len(knots) - 1):
        lo, hi = knots[i], knots[i + 1]
        if hi > lo and hi > 0:  # a segment that some step t >= 0 falls in
            schedules.append(segment(values[i], values[i + 1], hi - lo))
            starts.append(lo)
    schedules.append(Constant(values[-1]))
    starts.append(knots[-1])
    if starts[-1] <= 0:
        return schedules[-1]
    schedules[0] = _shifted(schedules[0], starts[0])
    return _join(schedules, starts[1:])


@v.checked_keywords
def linear_onecycle_schedule(
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    pct_final: float = 0.85,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """One-cycle with three linear phases (optax's knots, which differ from torch's).

    With ``T = transition_steps``, ``I = peak_value / div_factor``: linear from ``I`` to
    ``peak_value`` at ``int(pct_start * T)``, back to ``I`` at ``int(pct_final * T)``, then to
    ``I / final_div_factor`` at ``T``, held after. It is :func:`piecewise_interpolate_schedule`
    with ``{int(pct_start * T): div_factor, int(pct_final * T): 1 / div_factor,
    T: 1 / final_div_factor}`` (a later key replaces an equal earlier one, as in optax).

    Args:
        transition_steps: length of the cycle (> 0; ValueError otherwise).
        peak_value: the highest value.
        pct_start: fraction of the cycle spent rising (optax does not bound it).
        pct_final: fraction of the cycle at which the fall back to ``I`` ends.
        div_factor: ``peak_value / I`` (> 0).
        final_div_factor: ``I / final value`` (> 0).
    """
    steps, peak = _onecycle_cycle("linear_onecycle_schedule", transition_steps, peak_value)
    start, final = v.real("pct_start", pct_start), v.real("pct_final", pct_final)
    div, final_div = _onecycle_factors(div_factor, final_div_factor)
    return piecewise_interpolate_schedule(
        "linear",
        peak / div,
        {int(start * steps): div, int(final * steps): 1.0 / div, steps: 1.0 / final_div},
    )


@v.checked_keywords
def cosine_onecycle_schedule(
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """One-cycle with cosine phases.

    With ``T = transition_steps``, ``I = peak_value / div_factor``: cosine from ``I`` up to
    ``peak_value`` at ``int(pct_start * T)``, then cosine down to ``I / final_div_factor`` at
    ``T``, held after (:func:`piecewise_interpolate_schedule` with ``"cosine"``).

    Args:
        transition_steps: length of the cycle (> 0; ValueError otherwise).
        peak_value: the highest value.
        pct_start: fraction of the cycle spent rising (optax does not bound it).
        div_factor: ``peak_value / I`` (> 0).
        final_div_factor: ``I / final value`` (> 0).
    """
    steps, peak = _onecycle_cycle("cosine_onecycle_schedule", transition_steps, peak_value)
    start = v.real("pct_start", pct_start)
    div, final_div = _onecycle_factors(div_factor, final_div_factor)
    return piecewise_interpolate_schedule(
        "cosine",
        peak / div,
        {int(start * steps): div, steps: 1.0 / (div * final_div)},
    )


@v.checked_keywords
def warmup_constant_schedule(init_value: float, peak_value: float, warmup_steps: int) -> Schedule:
    """Linear warmup from ``init_value`` to ``peak_value`` over ``warmup_steps``, then constant.

    ``init + (peak - init) * min(t, W) / W``; as in optax, ``warmup_steps <= 0`` gives the
    constant ``init_value``.

    Args:
        init_value: value at step 0.
        peak_value: value from ``warmup_steps`` on.
        warmup_steps: length of the warmup.
    """
    return linear_schedule(init_value, peak_value, warmup_steps)


@v.checked_keywords
def warmup_cosine_decay_schedule(
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    decay_steps: int,
    end_value: float = 0.0,
    exponent: float = 1.0,
) -> Schedule:
    """Linear warmup, then cosine decay; ``decay_steps`` counts the warmup too.

    ``linear_schedule(init_value, peak_value, W)`` for ``t < W``, then
    ``cosine_decay_schedule(peak_value, D - W, alpha, exponent)(t - W)`` with
    ``alpha = end_value / peak_value`` (0 when ``peak_value == 0``, as in optax), i.e.
    ``peak * ((1 - alpha) * c ** exponent + alpha)``, ``c = (1 + cos(pi * (t - W) / (D - W))) / 2``.

    Args:
        init_value: value at step 0.
        peak_value: value at the end of the warmup.
        warmup_steps: length of the warmup ``W`` (<= 0: no warmup).
        decay_steps: total length ``D`` including the warmup (must be > ``warmup_steps``).
        end_value: value from ``decay_steps`` on.
        exponent: power of the cosine factor (> 0).
    """
    peak = v.real("peak_value", peak_value)
    end = v.real("end_value", end_value)
    warm = _count("warmup_steps", warmup_steps)
    total = _count("decay_steps", decay_steps)
    if not total - warm > 0:
        raise ValueError(
            f"decay_steps counts the warmup and must be > warmup_steps, got "
            f"decay_steps={decay_steps!r}, warmup_steps={warmup_steps!r}"
        )
    # optax decays to ``peak * (end / peak)``; ``end`` itself is the same number to 1 ulp and
    # reads better. With ``peak == 0`` optax's alpha is 0: the decay stays at 0, whatever end.
    schedules = [
        linear_schedule(init_value, peak, warm),
        Cosine(peak, end if peak != 0.0 else 0.0, total - warm, exponent=v.positive("exponent", exponent)),
    ]
    return _join(schedules, [warm])


@v.checked_keywords
def warmup_exponential_decay_schedule(
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Schedule:
    """Linear warmup, then exponential decay.

    ``linear_schedule(init_value, peak_value, W)`` for ``t < W``, then
    ``exponential_decay(peak_value, transition_steps, decay_rate, transition_begin, staircase,
    end_value)(t - W)``.

    Args:
        init_value: value at step 0.
        peak_value: value at the end of the warmup.
        warmup_steps: length of the warmup ``W`` (<= 0: no warmup).
        transition_steps: steps per factor of ``decay_rate`` (see :func:`exponential_decay`).
        decay_rate: the factor (>= 0).
        transition_begin: steps after the warmup to hold ``peak_value``.
        staircase: decay in whole steps of ``transition_steps``.
        end_value: bound of the decay, or None.
    """
    warm = _count("warmup_steps", warmup_steps)
    schedules = [
        linear_schedule(init_value, peak_value, warm),
        exponential_decay(peak_value, transition_steps, decay_rate, transition_begin, staircase, end_value),
    ]
    return _join(schedules, [warm])


@v.checked_keywords
def sgdr_schedule(cosine_kwargs: Iterable[dict[str, Any]]) -> Schedule:
    """SGD with warm restarts: :func:`warmup_cosine_decay_schedule` cycles, one after another.

    Cycle ``i`` is ``warmup_cosine_decay_schedule(**cosine_kwargs[i])`` and lasts its
    ``decay_steps``; it sees its own step count restart at 0.

    Args:
        cosine_kwargs: one dict of :func:`warmup_cosine_decay_schedule` arguments per cycle
            (at least one).
    """
    if isinstance(cosine_kwargs, Mapping) or not isinstance(cosine_kwargs, Iterable):
        raise TypeError(f"cosine_kwargs must be a list of dicts, got {type(cosine_kwargs).__name__}: {cosine_kwargs!r}")
    schedules: list[Schedule] = []
    boundaries: list[int] = []
    step = 0
    for i, kwargs in enumerate(cosine_kwargs):
        if not isinstance(kwargs, Mapping):
            raise TypeError(f"cosine_kwargs[{i}] must be a dict, got {type(kwargs).__name__}: {kwargs!r}")
        schedules.append(warmup_cosine_decay_schedule(**kwargs))
        step += _count(f"cosine_kwargs[{i}]['decay_steps']", kwargs["decay_steps"])
        boundaries.append(step)
    if not schedules:
        raise ValueError("cosine_kwargs must hold at least one cycle, got none")
    return _join(schedules, boundaries[:-1])


@v.checked_keywords
def join_schedules(schedules: list[Callable[[Any], Any]], boundaries: list[int]) -> Schedule:
    """Run ``schedules`` one after another, switching at ``boundaries``.

    The value at ``t`` is ``schedules[k](t - boundaries[k - 1])`` for the last ``k`` with
    ``t >= boundaries[k - 1]``, or ``schedules[0](t)``: each schedule sees its step count
    restart at its boundary. Boundaries need not be increasing (optax's rule above decides),
    but there must be exactly one fewer than schedules.

    Args:
        schedules: glideslope schedules or any callables of the step (JAX-traceable ones to
            use under ``jax.jit``; they are wrapped with ``glideslope.function``).
        boundaries: the steps where the next schedule takes over.
    """
    if isinstance(schedules, (str, bytes, Schedule)) or not isinstance(schedules, (list, tuple)):
        raise TypeError(f"schedules must be a list of schedules, got {type(schedules).__name__}: {schedules!r}")
    if isinstance(boundaries, (str, bytes)) or not isinstance(boundaries, (list, tuple)):
        raise TypeError(f"boundaries must be a list of steps, got {type(boundaries).__name__}: {boundaries!r}")
    if not schedules:
        raise ValueError("schedules must hold at least one schedule, got none")
    if len(boundaries) != len(schedules) - 1:
        raise ValueError(
            f"boundaries must have one entry fewer than schedules: got "
            f"{v.count(len(boundaries), 'boundary', 'boundaries')} for {len(schedules)} schedules"
        )
    run = [_as_schedule(f"schedules[{i}]", s) for i, s in enumerate(schedules)]
    bounds = [_count(f"boundaries[{i}]", b) for i, b in enumerate(boundaries)]
    return _join(run, bounds)


@v.checked_keywords
def to_optax(
    schedule: Schedule, total_steps: int | None = None, steps_per_epoch: int | None = None
) -> Schedule:
    """Any glideslope schedule as an optax schedule (a traceable callable of the step).

    A glideslope schedule already is one; this binds it to the run when ``total_steps`` /
    ``steps_per_epoch`` are given, and checks at the door that it can be evaluated (every
    duration resolved) and traced (no non-vectorized ``function``)::

        lr = to_optax(3e-4 * (gs.warmup("5%") >> gs.cosine()), total_steps=10_000)
        opt = optax.adamw(learning_rate=lr)

    Args:
        schedule: the schedule.
        total_steps: the run's length, to resolve ``"10%"`` and open durations.
        steps_per_epoch: to resolve ``"2ep"`` durations.
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a glideslope Schedule, got {type(schedule).__name__}: {schedule!r}")
    if total_steps is not None or steps_per_epoch is not None:
        schedule = schedule.bind(total_steps=total_steps, steps_per_epoch=steps_per_epoch)
    missing = schedule.unresolved()
    if missing:
        raise UnboundScheduleError(
            f"{schedule!r} cannot be evaluated yet: {'; '.join(missing)}. "
            f"Pass total_steps=... / steps_per_epoch=... to to_optax()."
        )
    todo = [schedule]
    while todo:
        s = todo.pop()
        if isinstance(s, Function) and not s.vectorized:
            raise TypeError(
                f"{s!r} wraps a Python function that is not vectorized, so jax.jit cannot trace "
                f"it; build it with function(fn, vectorized=True) and an fn written for arrays"
            )
        todo.extend(s.children())
    return schedule
