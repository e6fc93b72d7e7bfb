"""Laws that hold for every schedule: hypothesis draws random shapes and composites."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.strategies import lengths, schedules, shapes, values

import glideslope as gs

#: The engine leaks no warning (NumPy's or Python's) for any schedule drawn: any warning fails a test here.
pytestmark = pytest.mark.filterwarnings("error")

STEPS = np.array([0, 1, 2, 3, 5, 7, 10, 11, 17, 49, 50, 99, 100, 101, 150, 199, 200, 333, 399, 400, 401, 777, 1500])


def close(a: float, b: float, rtol: float = 1e-12, atol: float = 1e-12) -> bool:
    if a == b or (math.isnan(a) and math.isnan(b)):
        return True  # also inf == inf (growth past float range) and nan == nan (0 * inf)
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))


@given(schedules())
def test_scalar_equals_numpy(s: gs.Schedule) -> None:
    vec = s(STEPS)
    assert isinstance(vec, np.ndarray) and vec.shape == STEPS.shape
    for t, x in zip(STEPS.tolist(), vec.tolist()):
        y = s(t)
        assert isinstance(y, float)
        assert close(x, y), (s, t, x, y)


@given(schedules(depth=1))
@settings(max_examples=25)
def test_scalar_equals_torch(s: gs.Schedule) -> None:
    torch = pytest.importorskip("torch")
    vec = s(torch.tensor(STEPS))
    assert isinstance(vec, torch.Tensor) and vec.dtype == torch.float64
    for t, x in zip(STEPS.tolist(), vec.tolist()):
        assert close(x, s(t)), (s, t)


@pytest.fixture(scope="module")
def jax_x64():  # type: ignore[no-untyped-def]
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    yield jax


@given(schedules(depth=1))
@settings(max_examples=20)
def test_scalar_equals_jax(jax_x64, s: gs.Schedule) -> None:  # type: ignore[no-untyped-def]
    import jax.numpy as jnp

    vec = s(jnp.asarray(STEPS))
    assert isinstance(vec, jax_x64.Array)
    for t, x in zip(STEPS.tolist(), np.asarray(vec).tolist()):
        assert close(x, s(t)), (s, t)


def test_jit_and_vmap_trace(jax_x64) -> None:  # type: ignore[no-untyped-def]
    import jax.numpy as jnp

    s = 3e-4 * (gs.warmup(100) >> gs.cosine(end=0.1, steps=900)) * gs.noise(gs.constant(1.0), 0.1, seed=7)
    jitted = jax_x64.jit(s)
    for t in (0, 50, 100, 550, 999, 5000):
        assert close(float(jitted(jnp.asarray(t))), s(t))
    v = jax_x64.vmap(s)(jnp.arange(1000))
    assert close(float(v[321]), s(321))


@given(schedules())
def test_config_round_trip(s: gs.Schedule) -> None:
    cfg = s.to_config()
    import json

    again = gs.from_config(json.loads(json.dumps(cfg)))
    assert again == s
    assert again.fingerprint() == s.fingerprint()
    assert hash(again) == hash(s)


@given(schedules())
def test_repr_rebuilds(s: gs.Schedule) -> None:
    rebuilt = eval(repr(s), dict(vars(gs)))
    assert rebuilt == s


@given(schedules(), schedules())
def test_fingerprint_tells_schedules_apart(a: gs.Schedule, b: gs.Schedule) -> None:
    if a != b:
        assert a.fingerprint() != b.fingerprint()


@given(shapes())
def test_decays_stay_within_start_and_end(s: gs.Schedule) -> None:
    """Shapes that go from start to end never leave [min(start, end), max(start, end)]."""
    if not isinstance(s, (gs.Linear, gs.Cosine, gs.Polynomial, gs.Tanh, gs.Rex, gs.Cooldown)):
        return
    lo, hi = min(s.start, s.end), max(s.start, s.end)
    vals = s(np.arange(0, int(s.length) + 20))
    assert np.all(vals >= lo - 1e-12 * max(1, abs(lo))) and np.all(vals <= hi + 1e-12 * max(1, abs(hi)))
    assert close(float(vals[0]), s.start) and close(s(s.length), s.end)


@given(shapes())
def test_monotone_shapes_are_monotone(s: gs.Schedule) -> None:
    """Decays, warmups, step and exponential schedules move one way only."""
    monotone = (gs.Linear, gs.Cosine, gs.Polynomial, gs.Tanh, gs.Rex, gs.Cooldown, gs.Warmup,
                gs.Exponential, gs.Step, gs.MultiStep, gs.InverseSqrt)
    if not isinstance(s, monotone):
        return
    d = np.diff(s(np.arange(0, 600)))
    tol = 1e-12 * max(1.0, float(np.max(np.abs(s(np.arange(0, 600))))))
    assert np.all(d <= tol) or np.all(d >= -tol), s


@given(shapes())
def test_holds_last_value_past_the_end(s: gs.Schedule) -> None:
    n = s.length
    if n is None or math.isinf(n):
        return
    n = int(n)
    if isinstance(s, gs.Interpolate):
        n = math.ceil(s.boundaries[-1])
    last = s(n)
    for t in (n + 1, n + 17, 10 * n + 3, 10**9):
        assert close(s(t), last), (s, t)


@given(schedules(depth=1), st.integers(0, 2000), st.integers(1, 3))
def test_stretch_law(s: gs.Schedule, t: int, k: int) -> None:
    """stretch(s, k)(k * t) == s(t)"""
    assert close(gs.stretch(s, float(k))(k * t), s(t))


@given(schedules(depth=1), st.integers(0, 2000), st.integers(0, 300))
def test_shift_law(s: gs.Schedule, t: int, d: int) -> None:
    """shift(s, d)(t + d) == s(t), and before d it holds s(0); shift(s, -d)(t) == s(t + d)"""
    assert close(gs.shift(s, d)(t + d), s(t))
    assert close(gs.shift(s, d)(min(t, d)), s(0))
    assert close(gs.shift(s, -d)(t), s(t + d))


@given(shapes(), shapes(), st.integers(0, 1000))
def test_sequence_restarts_time(a: gs.Schedule, b: gs.Schedule, t: int) -> None:
    """(a >> b)(t) is a(t) before a ends and b(t - len(a)) after."""
    if a.length is None or math.isinf(a.length) or isinstance(a, gs.Warmup):
        return
    s = a >> b
    n = int(a.length)
    assert close(s(t), a(t) if t < n else b(t - n))


@given(lengths, values, shapes())
def test_warmup_reaches_the_next_phase(n: int, start: float, nxt: gs.Schedule) -> None:
    """warmup(n) >> s is continuous at the join: the warmup ends at s(0)."""
    s = gs.warmup(n, start=start) >> nxt
    assert close(s(n), nxt(0))
    assert gs.jumps(s) == []
    assert close(s(0), start)


@given(schedules(depth=1))
def test_noise_is_the_same_however_it_is_reached(s: gs.Schedule) -> None:
    """Resume law: a step's value does not depend on which steps were evaluated before."""
    noisy = gs.noise(s, 0.2, seed=42)
    forward = [noisy(t) for t in range(0, 300)]
    backward = [noisy(t) for t in reversed(range(0, 300))][::-1]
    assert forward == backward
    resumed = [noisy(t) for t in range(150, 300)]
    assert resumed == forward[150:]


@given(st.integers(0, 10**6), st.integers(0, 2**32 - 1))
def test_noise_hash_agrees_everywhere(t: int, seed: int) -> None:
    from glideslope import _xp

    h = _xp.SCALAR.hash32(t, seed)
    assert 0 <= h < 2**32
    assert float(_xp.NUMPY().hash32(np.array([float(t)]), seed)[0]) == h


@given(schedules(depth=1), st.integers(1, 5000))
def test_bind_is_idempotent(s: gs.Schedule, total: int) -> None:
    b = s.bind(total_steps=max(total, 2000))
    assert b.bind(total_steps=max(total, 2000)) == b


@given(schedules(depth=1))
@settings(max_examples=10)
def test_large_arrays_are_evaluated_in_blocks_with_the_same_values(s: gs.Schedule) -> None:
    """Arrays above the block threshold go through NumPy block by block: same numbers, same shape."""
    from glideslope import _xp

    n = _xp.NumpyNamespace._BLOCKED_ABOVE + 12_345
    t = np.arange(n).reshape(5, -1) if n % 5 == 0 else np.arange(n)
    big = s(t)
    assert big.shape == t.shape
    flat, tf = big.reshape(-1), t.reshape(-1)
    for i in (0, 1, 16_383, 16_384, 16_385, n // 2, n - 1):
        assert close(float(flat[i]), s(int(tf[i]))), (s, i)
