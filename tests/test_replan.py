"""Plan changes (extend, shorten, cooldown_now, splice): laws over every shape and random
change points, exact cases, and the errors at the call."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from tests.strategies import schedules, shapes

import glideslope as gs
from glideslope.spec import SpecError, parse_spec


def close(a: float, b: float, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    return a == b or abs(a - b) <= atol + rtol * max(abs(a), abs(b))


def finite(s: gs.Schedule) -> bool:
    n = s.length
    return s.is_bound and n is not None and math.isfinite(n) and n >= 2


def wsd_like(peak: float, warm: int, stable: int, cool: int, shape: str) -> gs.Schedule:
    return gs.warmup(warm) >> gs.constant(peak, steps=stable) >> gs.cooldown(peak, 0.0, cool, shape=shape)


@st.composite
def composites(draw: st.DrawFn) -> gs.Schedule:
    try:
        return draw(schedules(depth=1))
    except ValueError:  # a composite whose values could overflow a float: refused when built
        assume(False)
        raise


#: every shape of the catalogue, composites of them, and WSD-like plans with a flat phase
plans = st.one_of(
    shapes(),
    composites(),
    st.builds(wsd_like, st.floats(0.1, 5.0), st.integers(1, 50), st.integers(1, 300), st.integers(1, 200),
              st.sampled_from(["linear", "cosine", "1-sqrt"])),
    st.builds(lambda n, w: gs.warmup(w) >> gs.cosine(steps=n), st.integers(2, 400), st.integers(1, 100)),
)


@st.composite
def resized(draw: st.DrawFn) -> tuple[gs.Schedule, gs.Resize]:
    plan = draw(plans)
    assume(finite(plan))
    n = int(plan.length)
    at = draw(st.integers(0, n - 1))
    if draw(st.booleans()):
        return plan, gs.extend(plan, draw(st.integers(n + 1, 3 * n + 10)), at=at)
    assume(n - at >= 2)
    return plan, gs.shorten(plan, draw(st.integers(at + 1, n - 1)), at=at)


@st.composite
def changed(draw: st.DrawFn) -> tuple[gs.Schedule, gs.Schedule]:
    """A plan and one change of it (any of the four), at a random step."""
    which = draw(st.sampled_from(["resize", "cooldown", "splice"]))
    if which == "resize":
        return draw(resized())
    plan = draw(plans)
    assume(plan.is_bound and plan.length is not None)
    n = plan.length
    at = draw(st.integers(0, int(n) if math.isfinite(n) else 500))
    if which == "cooldown":
        left = int(n) - at if math.isfinite(n) else 500
        assume(left >= 1)
        end = None if math.isfinite(n) and plan(int(n)) != plan(at) else draw(st.floats(-1.0, 1.0))
        shape = draw(st.sampled_from(["linear", "cosine", "1-sqrt", "square"]))
        return plan, gs.cooldown_now(plan, at=at, steps=draw(st.integers(1, left)), shape=shape, end=end)
    then = draw(shapes())
    first, reached = float(then(0)), float(plan(at))
    continuous = draw(st.booleans())
    match = "offset" if first == 0 and reached != 0 else draw(st.sampled_from(["scale", "offset"]))
    if continuous and match == "scale" and abs(reached / first) > 1e6 if first else False:
        match = "offset"
    return plan, gs.splice(plan, then, at=at, continuous=continuous, match=match)


def steps_around(new: gs.Schedule, at: int) -> list[int]:
    n = new.length
    last = int(n) if n is not None and math.isfinite(n) else at + 500
    picks = {0, max(at - 1, 0), at, at + 1, at + 2, last - 1, last, last + 1, last + 37, (at + last) // 2}
    return sorted(t for t in picks if t >= 0)


# -- laws ------------------------------------------------------------------------------------


@given(changed())
def test_equal_before_the_change_and_continuous_at_it(pair: tuple[gs.Schedule, gs.Schedule]) -> None:
    plan, new = pair
    at = new.at  # type: ignore[attr-defined]
    before = np.arange(0, at)
    if at:
        assert np.array_equal(new(before), plan(before)), new
        assert new(at - 1) == plan(at - 1)
    if not (isinstance(new, gs.Splice) and not new.continuous):
        assert close(new(at), plan(at)), (new, new(at), plan(at))
    else:
        assert close(new(at), float(new.then(0)))  # the documented jump


@given(resized())
def test_resize_follows_the_old_plan_after_the_change_step(pair: tuple[gs.Schedule, gs.Resize]) -> None:
    """No second warmup: from ``at`` on, the new plan takes only values the old plan takes from
    ``at`` on (the step it follows is ``source_step``, never before ``at``), and where the old
    plan only fell, the new one only falls."""
    plan, new = pair
    at = new.at
    ts = np.arange(at, new.steps + 20)
    src = [new.source_step(int(t)) for t in ts]
    assert all(s >= at for s in src), (new, min(src))
    assert all(src[i] <= src[i + 1] or plan(src[i]) == plan(src[i + 1]) for i in range(len(src) - 1))
    mine = new(ts)
    theirs = np.array([plan(s) for s in src])
    assert np.allclose(mine, theirs, rtol=1e-12, atol=1e-12), new
    old_rest = plan(np.arange(at, int(plan.length) + 1))
    if np.all(np.diff(old_rest) <= 0):
        assert np.all(np.diff(mine) <= 1e-12 * np.max(np.abs(mine)) + 1e-12), new


@given(resized())
def test_resize_has_the_new_length_and_the_same_end_value(pair: tuple[gs.Schedule, gs.Resize]) -> None:
    plan, new = pair
    end = plan(int(plan.length))
    assert new.length == new.steps
    for t in (new.steps, new.steps + 1, new.steps + 1000):
        assert new(t) == end, (new, t)


def _expected_source(plan: gs.Schedule, new: gs.Resize, t: int) -> float:
    """The old step the module docs say the new plan follows at ``t`` (derived here from the
    plan's phases, independently of the implementation)."""
    at, old, steps = new.at, int(plan.length), new.steps
    delta = steps - old
    phases = plan.phases()
    for p in phases[:-1]:
        core = p.schedule
        while isinstance(core, (gs.Scale, gs.Clamp)):
            core = core.schedule
        if p.stop <= at or not isinstance(core, gs.Constant):
            continue
        c = max(p.start, at)
        room = p.stop - c
        if room > 0 and (delta > 0 or -delta < room or (-delta == room and c > at)):
            if t < at:
                return t
            if delta > 0:  # the flat phase lasts delta steps longer
                return t if t < p.stop else c if t < p.stop + delta else t - delta
            return t if t < c else t - delta
        break
    c = at
    for p in phases:
        core = p.schedule
        while isinstance(core, (gs.Scale, gs.Clamp)):
            core = core.schedule
        if p.start <= at < p.stop and isinstance(core, gs.Warmup) and steps > p.stop:
            c = int(p.stop)
    if t < c:
        return t
    return old if t >= steps else c + (t - c) * (old - c) / (steps - c)


@given(resized())
def test_resize_follows_the_documented_time_map(pair: tuple[gs.Schedule, gs.Resize]) -> None:
    plan, new = pair
    for t in sorted({new.at, new.at + 1, (new.at + new.steps) // 2, new.steps - 1, new.steps, new.steps + 3,
                     *range(new.at, new.steps + 2, max(1, (new.steps - new.at) // 17))}):
        want = _expected_source(plan, new, t)
        assert new.source_step(t) == pytest.approx(want, rel=1e-12, abs=1e-9), (new, t)
        assert close(new(t), plan(want), rtol=1e-9, atol=1e-9) or close(new(t), plan(new.source_step(t))), (new, t)


@given(changed())
def test_cooldown_and_splice_lengths_and_end_values(pair: tuple[gs.Schedule, gs.Schedule]) -> None:
    plan, new = pair
    if isinstance(new, gs.CooldownNow):
        assert new.length == new.at + new.steps
        want = plan(int(plan.length)) if new.end is None else new.end
        start = plan(new.at)
        for t in (new.at + new.steps, new.at + new.steps + 5):
            assert close(new(t), want), (new, t)
        ts = np.arange(new.at, new.at + new.steps + 1)
        lo, hi = min(start, want), max(start, want)
        tol = 1e-12 * max(abs(lo), abs(hi), 1.0)
        assert np.all((new(ts) >= lo - tol) & (new(ts) <= hi + tol)), new  # no rise: a cooldown
    elif isinstance(new, gs.Splice):
        n = new.then.length
        assert new.length == (None if n is None else n if not math.isfinite(n) else new.at + n)


@given(changed())
def test_config_spec_and_repr_round_trips(pair: tuple[gs.Schedule, gs.Schedule]) -> None:
    _, new = pair
    again = gs.from_config(json.loads(json.dumps(new.to_config())))
    assert again == new and again.fingerprint() == new.fingerprint() and hash(again) == hash(new)
    assert eval(repr(new), dict(vars(gs))) == new
    assert parse_spec(repr(new)) == new
    ts = np.array(steps_around(new, new.at))  # type: ignore[attr-defined]
    assert np.array_equal(again(ts), new(ts))


@given(changed())
def test_scalar_numpy_and_torch_agree(pair: tuple[gs.Schedule, gs.Schedule]) -> None:
    torch = pytest.importorskip("torch")
    _, new = pair
    ts = steps_around(new, new.at)  # type: ignore[attr-defined]
    vec = new(np.array(ts))
    ten = new(torch.tensor(ts))
    for t, x, y in zip(ts, vec.tolist(), ten.tolist()):
        assert close(x, new(t)) and close(y, new(t)), (new, t)


@given(changed(), st.data())
def test_a_change_can_be_changed_again(pair: tuple[gs.Schedule, gs.Schedule], data: st.DataObject) -> None:
    _, first = pair
    n = first.length
    assume(n is not None and math.isfinite(n) and n > first.at + 1)  # type: ignore[attr-defined]
    at = data.draw(st.integers(first.at, int(n) - 1))  # type: ignore[attr-defined]
    second = gs.extend(first, int(n) + data.draw(st.integers(1, 300)), at=at)
    ts = np.arange(0, at + 1)
    assert np.array_equal(second(ts[:-1]), first(ts[:-1])) and second(at) == first(at)
    assert second(second.steps) == first(int(n))
    assert gs.from_config(second.to_config()) == second


@given(changed())
def test_phases_cover_the_new_plan(pair: tuple[gs.Schedule, gs.Schedule]) -> None:
    """The phases start at 0, follow one another, and each one's schedule gives the plan's
    value at its own first step."""
    _, new = pair
    phases = new.phases()
    assert phases[0].start == 0
    for p, q in itertools.pairwise(phases):
        assert q.start >= p.start
    for p in phases:
        if p.stop > p.start and p.start == int(p.start) and isinstance(p.stop, int | float):
            if p.start < new.at:  # type: ignore[attr-defined]
                assert close(p.schedule(0), new(p.start), rtol=1e-9, atol=1e-9), (new, p)


# -- exact cases -------------------------------------------------------------------------------


def test_wsd_extend_grows_the_stable_phase_and_keeps_the_cooldown() -> None:
    plan = gs.wsd(peak=1.0, steps=10_000)  # warmup 500, stable to 8000, cooldown 2000
    new = gs.extend(plan, 20_000, at=6000)
    assert [(p.start, p.stop, p.name) for p in new.phases()] == [
        (0, 500, "warmup"), (500, 18_000, "constant"), (18_000, 20_000, "cooldown")]
    for k in (0, 1, 700, 1999, 2000):
        assert new(18_000 + k) == plan(8000 + k)
    assert new(17_999) == 1.0
    short = gs.shorten(plan, 7000, at=3000)
    for k in (0, 1, 700, 2000):
        assert short(5000 + k) == plan(8000 + k)
    assert "flat phase" in new.explain()


def test_cosine_extend_continues_from_the_value_reached_to_the_same_end() -> None:
    plan = gs.cosine(start=1.0, end=0.1, steps=1000)
    new = gs.extend(plan, 2000, at=500)
    assert new(500) == plan(500) and new(2000) == 0.1
    assert new(1250) == pytest.approx(plan(750), rel=1e-12)  # halfway through the new remainder
    linear = gs.extend(gs.linear(1.0, 0.0, 100), 200, at=50)
    assert [linear(t) for t in (50, 100, 150, 200)] == pytest.approx([0.5, 1 / 3, 1 / 6, 0.0])


def test_a_warmup_under_way_runs_as_planned() -> None:
    plan = gs.warmup(100) >> gs.cosine(steps=900)
    new = gs.extend(plan, 1900, at=40)
    assert all(new(t) == plan(t) for t in range(0, 101))
    assert new(1900) == plan(1000)
    assert "warmup under way" in new.explain()


def test_cooldown_now_from_the_value_reached() -> None:
    plan = gs.warmup(100) >> gs.constant(2.0, steps=None)
    plan = plan.bind(total_steps=10_000)
    with pytest.raises(ValueError, match=r"the plan ends on 2.0, the value it has at at=5000.*end=0.0"):
        gs.cooldown_now(plan, at=5000, steps=1000)
    new = gs.cooldown_now(plan, at=5000, steps=1000, shape="1-sqrt", end=0.0)
    assert new(4999) == 2.0 and new(5000) == 2.0 and new(6000) == 0.0 and new.length == 6000
    assert new(5250) == pytest.approx(2.0 * (1 - math.sqrt(0.25)))
    endless = gs.cooldown_now(gs.constant(3.0), at=10, steps=10, end=0.3, shape="cosine")
    assert endless(20) == pytest.approx(0.3) and endless.length == 20


def test_splice_scales_offsets_or_jumps() -> None:
    plan = gs.linear(1.0, 0.0, 100)  # 0.5 at step 50
    scaled = gs.splice(plan, gs.cosine(steps=40), at=50)
    assert scaled(50) == 0.5 and scaled(90) == 0.0 and scaled.length == 90
    offset = gs.splice(plan, gs.cosine(start=1.0, end=0.8, steps=40), at=50, match="offset")
    assert offset(50) == pytest.approx(0.5) and offset(90) == pytest.approx(0.3)
    jump = gs.splice(plan, gs.constant(0.9, steps=10), at=50, continuous=False)
    assert jump(49) == plan(49) and jump(50) == 0.9
    assert [p.start for p in jump.phases()] == [0, 50]


def test_repr_names_the_plan_the_step_and_the_change() -> None:
    new = gs.extend(gs.cosine(steps=100), 200, at=60)
    assert repr(new) == "extend(cosine(steps=100), steps=200, at=60)"
    assert repr(gs.cooldown_now(gs.cosine(steps=100), at=60, steps=20, shape="cosine")) == (
        "cooldown_now(cosine(steps=100), at=60, steps=20, shape='cosine')")
    assert parse_spec("splice(cosine(steps=100), linear(steps=30), at=40, continuous=False)").at == 40


def test_changes_bind_and_work_through_every_array_kind() -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    new = 3e-4 * gs.extend(gs.wsd(steps=1000), 3000, at=600)
    f = jax.jit(new)
    for t in (0, 599, 600, 2500, 2999, 3000, 4000):
        assert float(f(jnp.asarray(t))) == pytest.approx(new(t), rel=1e-12)


# -- errors at the call ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: gs.extend(gs.cosine(steps=100), 200, at=101), r"at=101 is past the end of the plan \(100 steps\)"),
        (lambda: gs.cooldown_now(gs.cosine(steps=100), at=150, steps=5), r"at=150 is past the end"),
        (lambda: gs.splice(gs.cosine(steps=100), gs.linear(steps=5), at=101), r"at=101 is past the end"),
        (lambda: gs.extend(gs.cosine(steps=100), 0, at=10), r"steps must be >= 1, got 0"),
        (lambda: gs.extend(gs.cosine(steps=100), -5, at=10), r"steps must be >= 1, got -5"),
        (lambda: gs.extend(gs.cosine(steps=100), 80, at=10), r"steps must be > 100, the plan's length, got 80"),
        (lambda: gs.shorten(gs.cosine(steps=100), 120, at=10), r"steps must be < 100, the plan's length, got 120"),
        (lambda: gs.shorten(gs.cosine(steps=100), 40, at=50), r"steps must be > at=50"),
        (lambda: gs.cooldown_now(gs.cosine(steps=100), at=60, steps=41), r"steps=41 is longer than what remains of the plan after at=60 \(40 steps"),
        (lambda: gs.cooldown_now(gs.cosine(steps=100), at=60, steps=0), r"steps must be >= 1, got 0"),
        (lambda: gs.cooldown_now(gs.cosine(steps=100), at=100, steps=5), r"at=100 is the end of the plan"),
        (lambda: gs.splice(gs.cosine(), gs.linear(steps=5), at=10), r"splice\(\): schedule=cosine\(\) has an open length"),
        (lambda: gs.extend(gs.warmup("5%") >> gs.cosine(), 200, at=10), r"has an open length"),
        (lambda: gs.extend(gs.exponential(rate=0.9), 200, at=10), r"never ends, so it has no end to move"),
        (lambda: gs.extend(gs.constant(1.0), 200, at=10), r"has no end to move: a part of it runs on with no set length"),
        (lambda: gs.cooldown_now(gs.constant(1.0), at=10, steps=5), r"give end=\.\.\."),
        (lambda: gs.splice(gs.linear(1, 0, 100), gs.linear(0.0, 1.0, 10), at=50), r"starts at 0, so no factor"),
        (lambda: gs.splice(gs.linear(1, 0, 100), gs.cosine(), at=50), r"then=cosine\(\) needs binding first"),
        (lambda: gs.cooldown_now(gs.linear(1, 0, 100), at=50, steps=10, shape="exponential"), r"value reached at at=50"),
        (lambda: gs.cooldown_now(gs.linear(1, 0, 100), at=50, steps=10, shape="sideways"), r"shape must be one of"),
        (lambda: gs.splice(gs.linear(1, 0, 100), gs.linear(steps=5), at=50, match="nudge"), r"match must be one of"),
        (lambda: gs.extend(gs.cosine(steps=100), 200, at=-1), r"at must be >= 0, got -1"),
    ],
)
def test_bad_changes_are_refused_at_the_call(make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message):
        make()


def test_wrong_types_are_refused() -> None:
    with pytest.raises(TypeError, match=r"extend\(\): schedule must be a glideslope Schedule, got float"):
        gs.extend(0.5, 200, at=10)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"at must be an int, got str"):
        gs.extend(gs.cosine(steps=100), 200, at="10%")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"then must be a glideslope Schedule"):
        gs.splice(gs.cosine(steps=100), "cosine()", at=10)  # type: ignore[arg-type]


def test_bad_changes_in_a_spec_and_a_config_name_the_problem() -> None:
    with pytest.raises(SpecError, match=r"in extend\(\.\.\.\).*at=500 is past the end of the plan \(100 steps\)"):
        parse_spec("extend(cosine(steps=100), 200, at=500)")
    cfg = gs.extend(gs.cosine(steps=100), 200, at=50).to_config()
    cfg["at"] = 400
    with pytest.raises(ValueError, match=r"config \(extend\): extend\(\): at=400 is past the end"):
        gs.from_config(cfg)


def test_a_change_record_replays_and_refuses_what_is_not_one() -> None:
    from glideslope.replan import change_record, replay

    plan = gs.wsd(steps=1000)
    for new in (gs.extend(plan, 2000, at=600), gs.splice(plan, gs.cosine(steps=100), at=900, continuous=False),
                gs.cooldown_now(plan, at=500, steps=200, shape="cosine")):
        record = change_record(new)
        assert record is not None and "schedule" not in record
        assert replay(plan, json.loads(json.dumps(record))) == new
    assert change_record(plan) is None
    assert change_record(gs.splice(plan, gs.function(lambda t: 0.5, steps=5), at=10, continuous=False)) is None
    with pytest.raises(ValueError, match=r"a plan change record is a dict whose 'type' is one of"):
        replay(plan, {"type": "cosine", "steps": 5})
    with pytest.raises(ValueError, match=r"a record of extend\(\) takes \['steps', 'at'\], not \['fn'\]"):
        replay(plan, {"type": "extend", "steps": 2000, "at": 5, "fn": {"callable": "os:system"}})


def test_horizon_report_says_how_the_run_compares_with_the_plan() -> None:
    plan = gs.wsd(steps=1000)
    early = gs.horizon_report(plan, 900)
    assert (early.status, early.planned, early.taken) == ("ended early", 1000, 900)
    assert early.fraction_of_peak == pytest.approx(plan(900)) and early.peak == 1.0
    assert gs.horizon_report(plan, 1000).status == "on plan"
    late = gs.horizon_report(plan, 2500)
    assert late.status == "held past its end" and late.fraction_of_plan == 2.5
    assert "1,500 steps past the plan's end at 1,000 (250% of the plan)" in str(late)
    endless = gs.horizon_report(gs.exponential(rate=0.99), 100)
    assert endless.status == "no end" and "a plan that never ends" in str(endless)
    with pytest.raises(ValueError, match=r"steps_taken must be >= 0, got -1"):
        gs.horizon_report(plan, -1)
    with pytest.raises(gs.UnboundScheduleError):
        gs.horizon_report(gs.cosine(), 10)
