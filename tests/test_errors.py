"""Every bad argument fails at construction, naming the argument, the value and what is allowed."""

from __future__ import annotations

import re

import pytest

import glideslope as gs

NAN, INF = float("nan"), float("inf")

CASES = [
    # non-finite values
    (lambda: gs.cosine(start=NAN, steps=10), ValueError, "start must be a finite number, got nan"),
    (lambda: gs.linear(end=INF, steps=10), ValueError, "end must be a finite number, got inf"),
    (lambda: gs.constant(-INF), ValueError, "value must be a finite number"),
    (lambda: gs.cosine(steps=10, exponent=NAN), ValueError, "exponent must be a finite number"),
    # wrong types
    (lambda: gs.cosine(start="1", steps=10), TypeError, "start must be a real number, got str: '1'"),
    (lambda: gs.cosine(steps=[10]), TypeError, "steps must be an int number of steps"),
    (lambda: gs.cosine(steps=True), TypeError, "steps must be an int number of steps"),
    (lambda: gs.step(every=2.5), TypeError, "every must be an int number of steps"),
    (lambda: gs.multistep(milestones="30,80"), TypeError, "milestones must be a list of steps (ints, '50%' or '2ep'), got str: '30,80'"),
    (lambda: gs.multistep(milestones=[1.5]), TypeError, "milestones[0] must be an int number of steps, a fraction of the run like '10%', or epochs like '2ep', got float: 1.5"),
    (lambda: gs.multistep(milestones=["150%"]), ValueError, "milestones[0] must be a percentage in (0%, 100%], got '150%'"),
    (lambda: gs.multistep(milestones=["75%", "50%"]).bind(total_steps=100), ValueError, "milestones must be strictly increasing (sorted, no duplicates); unsorted value 50 at index 1 in [75, 50]"),
    (lambda: gs.exponential(staircase="yes", every=10), TypeError, "staircase must be True or False, got 'yes'"),
    (lambda: gs.function(fn=3), TypeError, "fn must be callable, got int: 3"),
    (lambda: gs.scale("x", 2.0), TypeError, "schedule must be a schedule or a number, got str"),
    (lambda: gs.cosine_restarts(period=10, limit=1.5), TypeError, "limit must be an int, got float: 1.5"),
    # negative or zero durations and counts
    (lambda: gs.cosine(steps=0), ValueError, "steps must be >= 1 steps, got 0"),
    (lambda: gs.linear(steps=-5), ValueError, "steps must be >= 1 steps, got -5"),
    (lambda: gs.warmup(-1), ValueError, "steps must be >= 1 steps, got -1"),
    (lambda: gs.exponential(every=10, delay=-1), ValueError, "delay must be >= 0 steps, got -1"),
    (lambda: gs.repeat(gs.cosine(steps=10), times=0), ValueError, "times must be >= 1, got 0"),
    (lambda: gs.slanted_triangular(steps=1), ValueError, "steps must be >= 2 steps, got 1"),
    # percentages and epochs
    (lambda: gs.cosine(steps="150%"), ValueError, "steps must be a percentage in (0%, 100%], got '150%'"),
    (lambda: gs.cosine(steps="0%"), ValueError, "steps must be a percentage in (0%, 100%], got '0%'"),
    (lambda: gs.cosine(steps="0ep"), ValueError, "steps must be a positive number of epochs, got '0ep'"),
    (lambda: gs.cosine(steps="ten"), ValueError, "steps must be an int number of steps, a fraction of the run like '10%'"),
    # milestones and boundaries
    (lambda: gs.multistep(milestones=[30, 10]), ValueError, "unsorted value 10 at index 1 in [30, 10]"),
    (lambda: gs.multistep(milestones=[30, 30]), ValueError, "duplicate value 30 at index 1 in [30, 30]"),
    (lambda: gs.multistep(milestones=[]), ValueError, "milestones must have at least 1 value(s), got []"),
    (lambda: gs.multistep(milestones=[0, 5]), ValueError, "milestones[0] must be >= 1 steps, got 0"),
    (lambda: gs.piecewise_constant([10, 20], [1.0, 2.0]), ValueError, "one more entry than boundaries: got 2 values for 2"),
    (lambda: gs.interpolate([], []), ValueError, "boundaries must have at least 1 value(s), got []"),
    (lambda: gs.interpolate([0, 10], [1.0]), ValueError, "same length, got 2 boundaries and 1 values"),
    (lambda: gs.join([gs.constant(1.0), gs.constant(2.0)], []), ValueError, "one entry fewer than the schedules: got 0"),
    (lambda: gs.join([gs.constant(1.0), gs.constant(2.0), gs.constant(3.0)], [20, 10]), ValueError, "unsorted value 10"),
    (lambda: gs.sequence(), ValueError, "phases must hold at least 1 schedule(s), got 0"),
    # ranges and choices
    (lambda: gs.cooldown(steps=10, shape="quadratic"), ValueError, "shape must be one of 'linear', 'cosine', '1-sqrt'"),
    (lambda: gs.cooldown(1.0, 0.0, 10, shape="exponential"), ValueError, "needs start > 0 and end > 0, got start=1.0, end=0.0"),
    (lambda: gs.warmup(10, shape="exponential"), ValueError, "needs start > 0"),
    (lambda: gs.one_cycle(steps=100, warmup=1.0), ValueError, "warmup must be in (0.0, 1.0), got 1.0"),
    (lambda: gs.one_cycle(steps=100, warmup=0.6, three_phase=True), ValueError, "warmup must be < 0.5, got 0.6"),
    (lambda: gs.one_cycle(steps=100, anneal="cos"), ValueError, "anneal must be one of 'cosine', 'linear', got 'cos'"),
    (lambda: gs.cyclic(up=10, mode="triangle"), ValueError, "mode must be one of 'triangular'"),
    (lambda: gs.cosine_restarts(period=10, period_mult=0.5), ValueError, "period_mult must be >= 1, got 0.5"),
    (lambda: gs.exponential(rate=0.0), ValueError, "rate must be > 0, got 0.0"),
    (lambda: gs.exponential(1.0, 0.5, end=2.0), ValueError, "end=2.0 is never reached from start=1.0 with rate=0.5: this schedule falls, so end must be <= start"),
    (lambda: gs.exponential(-1.0, 0.5, end=-2.0), ValueError, "this schedule rises, so end must be >= start"),
    (lambda: gs.slanted_triangular(steps=10, cut_frac=0.0), ValueError, "cut_frac must be in (0.0, 1.0), got 0.0"),
    (lambda: gs.tanh(steps=10, lower=3, upper=-6), ValueError, "upper must be > lower, got lower=3, upper=-6"),
    (lambda: gs.clamp(gs.constant(1.0), low=2, high=1), ValueError, "low must be <= high, got low=2, high=1"),
    (lambda: gs.clamp(gs.constant(1.0)), TypeError, "clamp() needs low, high or both"),
    (lambda: gs.stretch(gs.cosine(steps=10)), TypeError, "exactly one of factor or steps"),
    (lambda: gs.stretch(gs.cosine(steps=10), factor=-1), ValueError, "factor must be > 0, got -1"),
    (lambda: gs.repeat(gs.exponential(every=10)), ValueError, "never ends; it needs a finite length"),
    (lambda: gs.noise(gs.constant(1.0), scale=-0.1), ValueError, "scale must be >= 0, got -0.1"),
    (lambda: gs.exponential(every=10) >> gs.constant(1.0), ValueError, "phase 0 (exponential(every=10)) never ends"),
    # plateau controller
    (lambda: gs.ReduceOnPlateau(factor=1.0), ValueError, "factor must be in (0.0, 1.0), got 1.0"),
    (lambda: gs.ReduceOnPlateau(mode="minimum"), ValueError, "mode must be one of 'min', 'max', got 'minimum'"),
    (lambda: gs.ReduceOnPlateau(patience=-1), ValueError, "patience must be >= 0, got -1"),
    (lambda: gs.ReduceOnPlateau(nonfinite="ignore"), ValueError, "nonfinite must be one of 'raise', 'skip', 'count'"),
    # binding
    (lambda: gs.cosine(steps="10%").bind(total_steps=0), ValueError, "total_steps must be >= 1, got 0"),
    (lambda: gs.cosine(steps="10%").bind(total_steps=4), ValueError, "cosine(steps='10%') resolves to 0 steps with total_steps=4; it must be >= 1"),
    (lambda: gs.cosine(steps="10%").bind(total_steps=10.5), TypeError, "total_steps must be a positive int or None"),
    (lambda: gs.cosine(steps=10).replace(stop=3), TypeError, "cosine() has no argument(s) ['stop']"),
]


@pytest.mark.parametrize(("build", "exc", "message"), CASES, ids=[c[2][:40] for c in CASES])
def test_bad_arguments_fail_at_construction(build, exc, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(exc, match=re.escape(message)):
        build()


def test_nonfinite_metric_policies() -> None:
    ctl = gs.ReduceOnPlateau(patience=0)
    with pytest.raises(ValueError, match=r"metric is nan; pass nonfinite=.skip."):
        ctl.update(float("nan"))
    skip = gs.ReduceOnPlateau(patience=0, nonfinite="skip")
    skip.update(1.0)
    assert not skip.update(float("inf")) and skip.updates == 1
    count = gs.ReduceOnPlateau(patience=0, nonfinite="count")
    count.update(1.0)
    assert count.update(float("nan")) and count.scale == pytest.approx(0.1)


def test_config_errors() -> None:
    with pytest.raises(ValueError, match="unknown type 'cosinus'; known types:"):
        gs.from_config({"type": "cosinus"})
    with pytest.raises(ValueError, match=r"cosine takes \['start', 'end', 'steps', 'exponent'\], not \['stop'\]"):
        gs.from_config({"type": "cosine", "stop": 3})
    with pytest.raises(TypeError, match="cannot be written to a config"):
        gs.function(lambda t: 1.0).to_config()
    import math

    cfg = gs.function(math.sqrt).to_config()
    with pytest.raises(ValueError, match=r"would import code\. Pass allow_callables=True"):
        gs.from_config(cfg)
    assert gs.from_config(cfg, allow_callables=True) == gs.function(math.sqrt)
