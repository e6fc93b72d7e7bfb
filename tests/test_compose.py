"""Composition: sequences, join, arithmetic, repeat, stretch, clamp, shift, time units."""

from __future__ import annotations

import math

import pytest

import glideslope as gs


def approx(x: float) -> object:
    return pytest.approx(x, rel=1e-12, abs=1e-15)


def test_sequence_flattens_and_restarts_time() -> None:
    s = gs.linear(0, 1, 10) >> gs.constant(1.0, 5) >> gs.cosine(1.0, 0.0, 10)
    assert isinstance(s, gs.Sequence) and len(s.phases_) == 3
    assert s(10) == 1.0 and s(15) == 1.0 and s(20) == approx(0.5) and s(25) == approx(0.0)
    assert s.length == 25
    assert [(p.start, p.stop) for p in s.phases()] == [(0, 10), (10, 15), (15, 25)]


def test_join_at_explicit_boundaries() -> None:
    s = gs.join([gs.constant(1.0), gs.linear(1.0, 0.0, 100)], boundaries=[30])
    assert s(29) == 1.0 and s(30) == 1.0 and s(80) == approx(0.5)


def test_arithmetic() -> None:
    c = gs.cosine(steps=100)
    assert (3e-4 * c)(50) == approx(1.5e-4)
    assert (c * 2)(50) == approx(1.0)
    assert (c / 2)(0) == approx(0.5)
    assert (c * gs.linear(1, 0, 100))(50) == approx(0.25)
    assert gs.minimum(c, 0.3)(0) == 0.3 and gs.maximum(c, 0.3)(100) == 0.3
    assert (c + 0.5)(100) == 0.5 and (0.5 + c)(0) == 1.5 and (c + c)(0) == 2.0


def test_phases_pass_through_wrappers() -> None:
    s = gs.warmup(10) >> gs.cosine(steps=90)
    assert [(p.start, p.stop) for p in (3e-4 * s).phases()] == [(0, 10), (10, 100)]
    assert (3e-4 * s).phases()[1].schedule(0) == pytest.approx(3e-4)
    assert [(p.start, p.stop) for p in gs.shift(s, 5).phases()] == [(5, 15), (15, 105)]
    assert [(p.start, p.stop) for p in gs.shift(s, -20).phases()] == [(0, 80)]
    assert gs.shift(s, -20).phases()[0].schedule(0) == pytest.approx(s(20))
    assert [(p.start, p.stop) for p in gs.stretch(s, 2.0).phases()] == [(0, 20), (20, 200)]
    assert [(p.start, p.stop) for p in gs.clamp(s, 0.1, 0.9).phases()] == [(0, 10), (10, 100)]
    assert gs.constant(1.0).phases()[0].stop == math.inf


def test_repeat_stretch_clamp_shift() -> None:
    r = gs.repeat(gs.linear(1.0, 0.0, 10), times=2)
    assert r(5) == approx(0.5) and r(10) == approx(1.0) and r(15) == approx(0.5) and r(20) == approx(0.0)
    assert r(1000) == approx(0.0) and r.length == 20
    forever = gs.repeat(gs.linear(1.0, 0.0, 10))
    assert forever(1005) == approx(0.5) and forever.length == math.inf
    st = gs.stretch(gs.linear(1.0, 0.0, 10), steps=40)
    assert st(20) == approx(0.5) and st.length == 40
    cl = gs.clamp(gs.linear(2.0, -1.0, 30), low=0.0, high=1.0)
    assert cl(0) == 1.0 and cl(30) == 0.0 and cl(15) == approx(0.5)
    sh = gs.shift(gs.linear(1.0, 0.0, 10), 5)
    assert sh(3) == 1.0 and sh(10) == approx(0.5)


def test_fractions_and_epochs_bind() -> None:
    s = gs.warmup("10%") >> gs.cosine(end=0.1)
    with pytest.raises(gs.UnboundScheduleError, match=r"needs total_steps.*bind"):
        s(5)
    b = s.bind(total_steps=1000)
    assert b == gs.warmup(100) >> gs.cosine(end=0.1, steps=900)
    assert b(100) == 1.0 and b(1000) == approx(0.1)
    e = gs.step(1.0, 0.5, every="2ep")
    with pytest.raises(gs.UnboundScheduleError, match="steps_per_epoch"):
        e(3)
    assert e.bind(steps_per_epoch=50)(100) == 0.5
    # a schedule written in fractions re-fits any run length
    assert s.bind(total_steps=50)(5) == 1.0


def test_open_phase_takes_the_rest() -> None:
    s = gs.warmup(10) >> gs.constant(1.0) >> gs.cooldown(steps="20%")
    b = s.bind(total_steps=100)
    assert [p.start for p in b.phases()] == [0, 10, 80] and b.length == 100
    with pytest.raises(ValueError, match="at most one phase"):
        (gs.linear(steps=None) >> gs.constant(1.0) >> gs.cosine(steps=10)).bind(total_steps=100)
    with pytest.raises(ValueError, match="leaving"):
        (gs.warmup(80) >> gs.constant(1.0) >> gs.cooldown(steps=30)).bind(total_steps=100)


def test_unbound_array_evaluation_raises() -> None:
    np = pytest.importorskip("numpy")
    with pytest.raises(gs.UnboundScheduleError):
        gs.cosine()(np.arange(3))


def test_warmup_end_resolves_to_next_phase_start() -> None:
    s = gs.warmup(10, start=0.1) >> (0.5 * gs.cosine(steps=10))
    assert s(10) == approx(0.5) and s(5) == approx(0.3)
    assert gs.jumps(s) == []
    unbound = gs.warmup("5%") >> gs.cosine(start=0.8)
    assert unbound.bind(total_steps=200)(10) == approx(0.8)


def test_jumps_are_reported() -> None:
    s = gs.constant(1.0, 10) >> gs.constant(0.1)
    (j,) = gs.jumps(s)
    assert j.step == 10 and j.before == 1.0 and j.after == 0.1 and j.size == approx(-0.9)


def test_immutable_and_equal_by_value() -> None:
    s = gs.cosine(steps=10)
    with pytest.raises(AttributeError, match="immutable"):
        s.start = 2.0  # type: ignore[misc]
    assert s == gs.cosine(1.0, 0.0, 10) and hash(s) == hash(gs.cosine(steps=10))
    assert s.replace(start=2.0) == gs.cosine(2.0, 0.0, 10)
    assert s != gs.linear(steps=10)


def test_negative_and_nan_steps_raise() -> None:
    s = gs.cosine(steps=10)
    with pytest.raises(ValueError, match="step must be >= 0"):
        s(-1)
    with pytest.raises(ValueError, match="step must be >= 0"):
        s(float("nan"))
    np = pytest.importorskip("numpy")
    with pytest.raises(ValueError, match="negative or NaN"):
        s(np.array([1, -2]))
    with pytest.raises(TypeError, match="step must be"):
        s("3")


def test_reduce_on_plateau_follows_a_warmup() -> None:
    ctl = gs.ReduceOnPlateau(factor=0.5, patience=1, after=gs.warmup(10, end=1.0))
    assert ctl(5) == 0.5
    assert not ctl.update(1.0, step=5)  # ignored during warmup
    assert ctl.updates == 0
    for m in (1.0, 1.0, 1.0):
        fired = ctl.update(m, step=20)
    assert fired and ctl(20) == 0.5
