"""glideslope.optax against optax itself: same signatures, same values, same edge behaviour."""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glideslope as gs
import glideslope.optax as go

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
jnp = jax.numpy

NAMES = [
    "constant_schedule", "linear_schedule", "polynomial_schedule", "cosine_decay_schedule",
    "exponential_decay", "piecewise_constant_schedule", "piecewise_interpolate_schedule",
    "linear_onecycle_schedule", "cosine_onecycle_schedule", "warmup_constant_schedule",
    "warmup_cosine_decay_schedule", "warmup_exponential_decay_schedule", "sgdr_schedule",
    "join_schedules",
]
STEPS = np.arange(0, 420)


@pytest.fixture(autouse=True, scope="module")
def x64() -> Iterator[None]:
    """Parity is checked in float64; the previous setting is restored afterwards."""
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", before)


def theirs_on(fn: Any, steps: np.ndarray) -> np.ndarray:
    return np.asarray(jax.vmap(fn)(jnp.asarray(steps)), dtype=np.float64)


def assert_parity(name: str, *args: Any, steps: np.ndarray = STEPS, **kwargs: Any) -> gs.Schedule:
    """Ours and optax's on every step (array path) and on a few steps (scalar path)."""
    ours = getattr(go, name)(*args, **kwargs)
    theirs = getattr(optax, name)(*args, **kwargs)
    assert isinstance(ours, gs.Schedule)
    want = theirs_on(theirs, steps)
    scale = max(1.0, float(np.max(np.abs(want))))
    got = ours(steps)
    assert isinstance(got, np.ndarray) and got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12 * scale, err_msg=f"{name}{args}{kwargs}: {ours!r}")
    for t in steps[:: max(1, len(steps) // 25)].tolist():
        x = ours(t)
        assert isinstance(x, float)
        assert math.isclose(x, want[t], rel_tol=1e-9, abs_tol=1e-12 * scale), (ours, t, x, want[t])
    return ours


# -- signatures ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_same_signature_as_optax(name: str) -> None:
    ours = inspect.signature(getattr(go, name)).parameters
    theirs = inspect.signature(getattr(optax, name)).parameters
    assert list(ours) == list(theirs)
    for p in theirs:
        assert ours[p].kind == theirs[p].kind, p
        assert ours[p].default == theirs[p].default, p


# -- random configurations ----------------------------------------------------------------

values = st.floats(min_value=-5.0, max_value=5.0, allow_nan=False)
positive = st.floats(min_value=1e-3, max_value=5.0)
begins = st.integers(min_value=-5, max_value=120)
lengths = st.integers(min_value=1, max_value=300)
scales = st.dictionaries(
    st.integers(min_value=-30, max_value=350), st.floats(min_value=0.0, max_value=3.0), max_size=5
)


@given(values, values, st.floats(min_value=0.1, max_value=4.0), st.integers(-3, 300), begins)
@settings(max_examples=30)
def test_polynomial_and_linear(init: float, end: float, power: float, n: int, begin: int) -> None:
    assert_parity("polynomial_schedule", init, end, power, n, begin)
    assert_parity("linear_schedule", init, end, n, transition_begin=begin)
    assert_parity("warmup_constant_schedule", init, end, n)


@given(values, lengths, st.floats(-1.0, 2.0), st.floats(min_value=0.25, max_value=4.0))
@settings(max_examples=30)
def test_cosine_decay(init: float, n: int, alpha: float, exponent: float) -> None:
    assert_parity("cosine_decay_schedule", init, n, alpha, exponent)


@given(
    values,
    st.integers(-3, 60),
    st.one_of(st.just(0.0), st.floats(min_value=0.2, max_value=1.6)),
    begins,
    st.booleans(),
    st.one_of(st.none(), values),
)
@settings(max_examples=40)
def test_exponential_decay(init: float, n: int, rate: float, begin: int, stair: bool, end: float | None) -> None:
    assert_parity("exponential_decay", init, n, rate, begin, stair, end)


@given(values, st.one_of(st.none(), scales))
@settings(max_examples=30)
def test_piecewise_constant(init: float, bs: dict[int, float] | None) -> None:
    assert_parity("piecewise_constant_schedule", init, bs)


@given(st.sampled_from(["linear", "cosine"]), values, st.one_of(st.none(), scales))
@settings(max_examples=25)
def test_piecewise_interpolate(kind: str, init: float, bs: dict[int, float] | None) -> None:
    assert_parity("piecewise_interpolate_schedule", kind, init, bs)


@given(
    lengths,
    positive,
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.floats(min_value=1.0, max_value=100.0),
    st.floats(min_value=1.0, max_value=1e5),
)
@settings(max_examples=30)
def test_onecycles(n: int, peak: float, pct_start: float, pct_final: float, div: float, final_div: float) -> None:
    assert_parity("linear_onecycle_schedule", n, peak, pct_start, pct_final, div, final_div)
    assert_parity("cosine_onecycle_schedule", n, peak, pct_start, div, final_div)


@given(
    values,
    st.one_of(st.just(0.0), positive),
    st.integers(-5, 100),
    lengths,
    values,
    st.floats(min_value=0.5, max_value=3.0),
)
@settings(max_examples=30)
def test_warmup_cosine_decay(init: float, peak: float, warm: int, n: int, end: float, exponent: float) -> None:
    assert_parity("warmup_cosine_decay_schedule", init, peak, warm, warm + n, end, exponent)


@given(
    values,
    positive,
    st.integers(-5, 100),
    st.integers(-2, 50),
    st.one_of(st.just(0.0), st.floats(min_value=0.2, max_value=1.5)),
    begins,
    st.booleans(),
    st.one_of(st.none(), values),
)
@settings(max_examples=30)
def test_warmup_exponential_decay(
    init: float, peak: float, warm: int, n: int, rate: float, begin: int, stair: bool, end: float | None
) -> None:
    assert_parity("warmup_exponential_decay_schedule", init, peak, warm, n, rate, begin, stair, end)


cycle = st.builds(
    lambda init, peak, warm, n, end: dict(
        init_value=init, peak_value=peak, warmup_steps=warm, decay_steps=warm + n, end_value=end
    ),
    values, positive, st.integers(0, 40), st.integers(1, 150), values,
)


@given(st.lists(cycle, min_size=1, max_size=3))
@settings(max_examples=25)
def test_sgdr(cycles: list[dict[str, Any]]) -> None:
    assert_parity("sgdr_schedule", cycles)


@given(st.lists(st.integers(-20, 300), min_size=0, max_size=3), st.lists(positive, min_size=4, max_size=4))
@settings(max_examples=30)
def test_join_schedules_any_boundaries(boundaries: list[int], peaks: list[float]) -> None:
    """optax's rule holds for unsorted, equal, zero and negative boundaries too."""
    k = len(boundaries) + 1
    ours = [go.cosine_decay_schedule(p, 50 + 10 * i) for i, p in enumerate(peaks[:k])]
    theirs = [optax.cosine_decay_schedule(p, 50 + 10 * i) for i, p in enumerate(peaks[:k])]
    got = go.join_schedules(ours, boundaries)(STEPS)
    want = theirs_on(optax.join_schedules(theirs, boundaries), STEPS)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_join_schedules_takes_plain_callables() -> None:
    fns = [lambda t: 1.0 + 0.0 * t, lambda t: jnp.sqrt(t + 1.0), optax.linear_schedule(3.0, 1.0, 40)]
    ours = go.join_schedules(fns, [10, 60])
    want = theirs_on(optax.join_schedules(fns, [10, 60]), STEPS)
    np.testing.assert_allclose(np.asarray(ours(jnp.asarray(STEPS))), want, rtol=1e-9)
    assert math.isclose(ours(35), want[35], rel_tol=1e-9)


def test_constant() -> None:
    assert_parity("constant_schedule", 0.25)
    assert go.constant_schedule(3)(10**9) == 3.0


def test_known_values() -> None:
    """Numbers worked out by hand, independent of optax."""
    s = go.warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=10, decay_steps=110, end_value=0.1)
    assert s(0) == 0.0 and s(5) == 0.5 and s(10) == 1.0
    assert math.isclose(s(60), 0.55) and math.isclose(s(110), 0.1) and math.isclose(s(10**6), 0.1)
    e = go.exponential_decay(2.0, transition_steps=10, decay_rate=0.5, transition_begin=5, staircase=True)
    assert [e(t) for t in (0, 5, 14, 15, 25)] == [2.0, 2.0, 2.0, 1.0, 0.5]
    p = go.piecewise_constant_schedule(1.0, {100: 0.1, 200: 0.5})
    assert [p(t) for t in (99, 100, 199, 200)] == [1.0, 0.1, 0.1, pytest.approx(0.05)]
    i = go.piecewise_interpolate_schedule("linear", 1.0, {4: 0.1, 8: 0.01})
    assert [round(i(t), 6) for t in (0, 2, 4, 6, 8, 10)] == [1.0, 0.55, 0.1, 0.0505, 0.001, 0.001]


# -- float32, jit, vmap, inject_hyperparams -----------------------------------------------

CONFIGS: list[tuple[str, tuple[Any, ...]]] = [
    ("warmup_cosine_decay_schedule", (1e-4, 3e-3, 20, 300, 1e-5)),
    ("linear_onecycle_schedule", (300, 1e-2)),
    ("cosine_onecycle_schedule", (300, 1e-2, 0.25)),
    ("exponential_decay", (1e-2, 25, 0.7, 30, True, 1e-3)),
    ("piecewise_interpolate_schedule", ("cosine", 1.0, {50: 0.5, -10: 2.0, 120: 0.01})),
    ("sgdr_schedule", ([dict(init_value=0.0, peak_value=1.0, warmup_steps=5, decay_steps=100)] * 3,)),
    ("polynomial_schedule", (1.0, 0.1, 2.0, 200, 40)),
]


@pytest.mark.parametrize(("name", "args"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_jit_traced_step_and_vmap(name: str, args: tuple[Any, ...]) -> None:
    ours, theirs = getattr(go, name)(*args), getattr(optax, name)(*args)
    steps = jnp.asarray([0, 1, 19, 20, 21, 90, 150, 299, 300, 301, 5000], dtype=jnp.int32)
    # int64 steps for optax: it divides an int32 count in float32 even with x64 enabled
    want = theirs_on(theirs, np.asarray(steps, dtype=np.int64))
    jitted = jax.jit(ours)
    got = np.array([float(jitted(t)) for t in steps])  # one compile, traced int32 step
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-15)
    batched = jax.vmap(ours)(steps)
    assert isinstance(batched, jax.Array) and batched.shape == steps.shape
    np.testing.assert_allclose(np.asarray(batched), want, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize(("name", "args"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_float32_default_is_close(name: str, args: tuple[Any, ...]) -> None:
    with jax.enable_x64(False):
        ours, theirs = getattr(go, name)(*args), getattr(optax, name)(*args)
        steps = jnp.arange(0, 420, dtype=jnp.int32)
        got, want = ours(steps), jax.vmap(theirs)(steps)
        assert got.dtype == jnp.float32 and want.dtype == jnp.float32
        scale = float(jnp.max(jnp.abs(want)))
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=2e-5, atol=2e-6 * scale)


def _train(lr: Any, b1: Any, steps: int = 25) -> tuple[Any, list[tuple[float, float]]]:
    opt = optax.inject_hyperparams(optax.adam)(learning_rate=lr, b1=b1)
    params = {"w": jnp.arange(1.0, 4.0)}
    state = opt.init(params)

    @jax.jit
    def update(params: Any, state: Any) -> tuple[Any, Any]:
        grads = jax.grad(lambda p: jnp.sum((p["w"] - 0.5) ** 2))(params)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    seen = []
    for _ in range(steps):
        params, state = update(params, state)
        seen.append((float(state.hyperparams["learning_rate"]), float(state.hyperparams["b1"])))
    return params, seen


def test_inject_hyperparams_schedules_lr_and_b1() -> None:
    lr_args, b1_args = (0.0, 0.1, 5, 25, 0.01), (0.5, 0.95, 10)
    ours_params, ours_seen = _train(go.warmup_cosine_decay_schedule(*lr_args), go.linear_schedule(*b1_args))
    theirs_params, theirs_seen = _train(
        optax.warmup_cosine_decay_schedule(*lr_args), optax.linear_schedule(*b1_args)
    )
    # inject_hyperparams counts in int32, and optax divides an int32 count in float32 even
    # with x64 enabled; glideslope evaluates it in float64, so agreement is float32-close
    np.testing.assert_allclose(ours_seen, theirs_seen, rtol=1e-6)
    np.testing.assert_allclose(ours_params["w"], theirs_params["w"], rtol=1e-5, atol=1e-6)
    # the b1 used by update k (k = 0, 1, ...) is the schedule at step k
    b1 = go.linear_schedule(*b1_args)
    assert [b for _, b in ours_seen] == pytest.approx([b1(t) for t in range(25)], rel=1e-12)
    assert ours_seen[3][1] != ours_seen[4][1]


def test_to_optax_any_schedule() -> None:
    native = 3e-3 * (gs.warmup("10%") >> gs.cosine(end=0.05))
    lr = go.to_optax(native, total_steps=200)
    assert lr == native.bind(total_steps=200)
    jitted = jax.jit(lr)
    assert math.isclose(float(jitted(jnp.int32(20))), 3e-3, rel_tol=1e-12)
    assert math.isclose(float(jitted(jnp.int32(200))), 1.5e-4, rel_tol=1e-9)
    opt = optax.sgd(learning_rate=lr)
    state = opt.init(jnp.zeros(2))
    updates, _ = jax.jit(opt.update)(jnp.ones(2), state)
    assert float(updates[0]) == 0.0  # step 0 of the warmup
    with pytest.raises(gs.UnboundScheduleError, match="needs total_steps"):
        go.to_optax(native)
    with pytest.raises(TypeError, match="not vectorized"):
        go.to_optax(0.5 * gs.function(lambda t: 1.0 / (t + 1)))
    with pytest.raises(TypeError, match="must be a glideslope Schedule, got function"):
        go.to_optax(optax.constant_schedule(1.0))


# -- edge behaviour and errors ------------------------------------------------------------


def test_optax_edge_behaviour_is_kept(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="glideslope.optax"):
        assert go.linear_schedule(2.0, 0.0, 0) == gs.constant(2.0)
        assert go.polynomial_schedule(2.0, 0.0, 1.5, -4) == gs.constant(2.0)
        assert go.exponential_decay(2.0, 0, 0.5) == gs.constant(2.0)
        assert go.exponential_decay(2.0, 10, 0.0) == gs.constant(2.0)
        assert go.warmup_constant_schedule(0.1, 1.0, 0) == gs.constant(0.1)  # init, not peak
    assert len([r for r in caplog.records if "constant schedule" in r.getMessage()]) == 5
    assert go.linear_schedule(1.0, 0.0, 10, -3) == go.linear_schedule(1.0, 0.0, 10)
    assert go.exponential_decay(1.0, 10, 0.5, -3) == go.exponential_decay(1.0, 10, 0.5)
    # an end_value on the far side clips from step 0, as in optax
    assert_parity("exponential_decay", 1.0, 10, 0.5, 0, False, 2.0)
    assert_parity("warmup_cosine_decay_schedule", 0.0, 0.0, 10, 50, 0.3)  # peak 0 ignores end


OPTAX_ALSO_RAISES = [
    ("cosine_decay_schedule", (1.0, 0), "decay_steps > 0, got decay_steps=0"),
    ("piecewise_constant_schedule", (1.0, {10: -0.1}), r"non-negative scale factors, got boundaries_and_scales\[10\]=-0.1"),
    ("piecewise_interpolate_schedule", ("cosine", 1.0, {10: -1.0}), "non-negative scale factors"),
    ("piecewise_interpolate_schedule", ("cubic", 1.0), "must be either 'cosine' or 'linear', got 'cubic'"),
    ("linear_onecycle_schedule", (0, 1.0), "transition_steps > 0, got 0"),
    ("cosine_onecycle_schedule", (-3, 1.0), "transition_steps > 0, got -3"),
    ("warmup_cosine_decay_schedule", (0.0, 1.0, 50, 50), "must be > warmup_steps, got decay_steps=50, warmup_steps=50"),
]


@pytest.mark.parametrize(("name", "args", "message"), OPTAX_ALSO_RAISES)
def test_errors_where_optax_raises(name: str, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError):
        getattr(optax, name)(*args)
    with pytest.raises(ValueError, match=message):
        getattr(go, name)(*args)


OUR_ERRORS = [
    (lambda: go.linear_schedule(1.0, 0.0, 10.5), TypeError, "transition_steps must be an integer number of steps, got 10.5"),
    (lambda: go.linear_schedule(1.0, 0.0, "10"), TypeError, "transition_steps must be an integer number of steps, got str"),
    (lambda: go.linear_schedule(float("nan"), 0.0, 10), ValueError, "init_value must be a finite number, got nan"),
    (lambda: go.polynomial_schedule(1.0, 0.0, 0.0, 10), ValueError, "power must be > 0, got 0.0"),
    (lambda: go.cosine_decay_schedule(1.0, 10, exponent=-1.0), ValueError, "exponent must be > 0, got -1.0"),
    (lambda: go.exponential_decay(1.0, 10, -0.5), ValueError, "decay_rate must be >= 0 .*got -0.5"),
    (lambda: go.exponential_decay(1.0, 10, 0.5, staircase=1), TypeError, "staircase must be True or False, got 1"),
    (lambda: go.piecewise_constant_schedule(1.0, [(10, 0.5)]), TypeError, r"must be a dict \{step: scale\} or None"),
    (lambda: go.piecewise_constant_schedule(1.0, {10.5: 0.5}), TypeError, "key 10.5 must be an integer number of steps"),
    (lambda: go.linear_onecycle_schedule(100, 1.0, div_factor=0.0), ValueError, "div_factor must be > 0, got 0.0"),
    (lambda: go.cosine_onecycle_schedule(100, 1.0, final_div_factor=-1), ValueError, "final_div_factor must be > 0"),
    (lambda: go.sgdr_schedule([]), ValueError, "at least one cycle"),
    (lambda: go.sgdr_schedule({"decay_steps": 10}), TypeError, "must be a list of dicts"),
    (lambda: go.join_schedules([go.constant_schedule(1.0)] * 2, [10, 20]), ValueError, "one entry fewer than schedules: got 2 boundaries for 2"),
    (lambda: go.join_schedules([go.constant_schedule(1.0), 3.0], [10]), TypeError, r"schedules\[1\] must be a schedule \(a callable of the step\), got float"),
    (lambda: go.join_schedules([], []), ValueError, "at least one schedule"),
]


@pytest.mark.parametrize(("build", "error", "message"), OUR_ERRORS)
def test_errors_at_the_door(build: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build()


def test_negative_step_is_an_error() -> None:
    s = go.cosine_decay_schedule(1.0, 10)
    with pytest.raises(ValueError, match="step must be >= 0"):
        s(-1)
    with pytest.raises(ValueError, match="negative or NaN step"):
        s(jnp.asarray([0, -1]))
