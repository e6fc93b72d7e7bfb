"""glideslope.optax.reduce_on_plateau (the engine's ReduceOnPlateau as an optax transformation)
against optax.contrib.reduce_on_plateau: same states and updates step by step, and inside a real
jitted optax training loop."""

from __future__ import annotations

import inspect
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glideslope as gs
import glideslope.optax as go

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")
contrib = pytest.importorskip("optax.contrib")
jnp = jax.numpy


@pytest.fixture(scope="module")
def x64() -> Iterator[None]:
    """float64 for the exact comparisons; the previous setting is restored afterwards."""
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", before)


def same_state(a: Any, b: Any) -> bool:
    for f in a._fields:
        x, y = np.asarray(getattr(a, f)), np.asarray(getattr(b, f))
        if x.dtype != y.dtype or not np.array_equal(x, y, equal_nan=True):
            return False
    return True


def test_same_signature_and_state_fields_as_optax() -> None:
    ours = inspect.signature(go.reduce_on_plateau).parameters
    theirs = inspect.signature(contrib.reduce_on_plateau).parameters
    assert list(ours) == list(theirs)
    assert all(ours[p].default == theirs[p].default for p in theirs)
    assert go.PlateauState._fields == contrib.ReduceLROnPlateauState._fields


@settings(max_examples=15)
@given(
    st.fixed_dictionaries(
        {
            "factor": st.floats(0.05, 0.95),
            "patience": st.integers(1, 4),
            "cooldown": st.integers(0, 3),
            "accumulation_size": st.integers(1, 3),
            "min_scale": st.sampled_from([0.0, 0.01, 0.3]),
        }
    ),
    st.one_of(st.tuples(st.floats(1e-4, 0.2), st.just(0.0)), st.tuples(st.just(0.0), st.floats(1e-4, 0.2))),
    st.lists(st.sampled_from([1.0, 0.99, 0.999, 0.9, 0.5, 2.0, -1.0, float("nan")]), min_size=1, max_size=40),
)
def test_states_match_optax_contrib(
    x64: None, kw: dict[str, Any], tols: tuple[float, float], values: list[float]
) -> None:
    """Fuzzed arguments and value sequences (ties, NaN, negative losses): every field of the
    state and every scaled update equal optax's, under jit, in float64."""
    rtol, atol = tols
    ours = go.reduce_on_plateau(**kw, rtol=rtol, atol=atol)
    theirs = contrib.reduce_on_plateau(**kw, rtol=rtol, atol=atol)
    params = {"w": jnp.ones(2)}
    s1, s2 = theirs.init(params), ours.init(params)
    assert same_state(s1, s2)
    with jax.disable_jit():  # op by op: no compilation per example (the loop test runs jitted)
        for i, val in enumerate(values):
            g = {"w": jnp.full(2, 1.0 + i)}
            x1, s1 = theirs.update(g, s1, params, value=val)
            x2, s2 = ours.update(g, s2, params, value=val)
            assert same_state(s1, s2), (kw, tols, i, s1, s2)
            assert np.array_equal(x1["w"], x2["w"])


@pytest.mark.parametrize("factor", [0.1, 0.3, 0.9])
def test_float32_states_match_optax_contrib_to_the_bit(factor: float) -> None:
    """In float32 the reduction is computed in float32, as optax computes it: the scale equals
    optax's bit for bit over 60 reductions, down to an underflow to 0."""
    kw = {"factor": factor, "patience": 1, "rtol": 1e-4}
    ours, theirs = go.reduce_on_plateau(**kw), contrib.reduce_on_plateau(**kw)
    params = {"w": jnp.ones(2, jnp.float32)}
    s1, s2 = theirs.init(params), ours.init(params)
    u1, u2 = jax.jit(theirs.update), jax.jit(ours.update)
    for _ in range(60):
        g = {"w": jnp.ones(2, jnp.float32)}
        x1, s1 = u1(g, s1, params, value=1.0)
        x2, s2 = u2(g, s2, params, value=1.0)
        assert same_state(s1, s2), (s1, s2)
        assert np.array_equal(x1["w"], x2["w"])
    assert s2.scale.dtype == jnp.float32 and (factor != 0.1 or float(s2.scale) == 0.0)


def _train(plateau_tx: Any, steps: int = 160) -> tuple[list[float], list[float], Any]:
    """A jitted optax loop: SGD on a linear regression whose targets hold irreducible noise, so
    the loss flattens out and the plateau rule has something to do."""
    key = jax.random.PRNGKey(0)
    kx, kn = jax.random.split(key)
    x = jax.random.normal(kx, (256, 4))
    y = x @ jnp.array([1.0, -2.0, 0.5, 3.0]) + 0.5 * jax.random.normal(kn, (256,))
    params = {"w": jnp.zeros(4), "b": jnp.zeros(())}

    def loss_fn(p: Any) -> Any:
        return jnp.mean((x @ p["w"] + p["b"] - y) ** 2)

    opt = optax.chain(optax.sgd(0.05), plateau_tx)
    state = opt.init(params)

    @jax.jit
    def step(p: Any, s: Any) -> Any:
        loss, grads = jax.value_and_grad(loss_fn)(p)
        updates, s = opt.update(grads, s, p, value=loss)
        return optax.apply_updates(p, updates), s, loss

    losses, scales = [], []
    for _ in range(steps):
        params, state, loss = step(params, state)
        losses.append(float(loss))
        scales.append(float(state[1].scale))
    return losses, scales, params


def test_training_loop_matches_optax_contrib() -> None:
    kw = {"factor": 0.5, "patience": 3, "rtol": 1e-3, "accumulation_size": 2, "cooldown": 1}
    l1, s1, p1 = _train(contrib.reduce_on_plateau(**kw))
    l2, s2, p2 = _train(go.reduce_on_plateau(**kw))
    assert s1 == s2 and l1 == l2
    np.testing.assert_array_equal(p1["w"], p2["w"])
    assert s2[0] == 1.0 and s2[-1] < 0.2, s2  # the loss flattened and the scale came down
    assert l2[-1] < 0.1 * l2[0]


def test_engine_controller_in_max_mode_drives_the_scale() -> None:
    """Any engine controller works: max mode (an accuracy), an absolute threshold; the scale
    after each update is the one the same controller reaches in plain Python."""
    c = gs.ReduceOnPlateau(mode="max", factor=0.5, patience=1, threshold=0.01, threshold_mode="abs", min_value=0.1)
    tx = go.plateau(c)
    params = {"w": jnp.ones(3)}
    state = tx.init(params)
    update = jax.jit(tx.update)
    ref = gs.ReduceOnPlateau(mode="max", factor=0.5, patience=1, threshold=0.01, threshold_mode="abs", min_value=0.1)
    accs = [0.5, 0.6, 0.605, 0.6, 0.61, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
    for acc in accs:
        upd, state = update({"w": jnp.ones(3)}, state, params, value=acc)
        ref.update(acc)
        assert math.isclose(float(state.scale), ref.scale, rel_tol=1e-6)
        np.testing.assert_allclose(upd["w"], ref.scale, rtol=1e-6)
    assert ref.reductions == 4 and float(state.scale) == pytest.approx(0.1)  # 0.5, 0.25, 0.125, floor
    assert c.updates == 0 and c.scale == 1.0  # the template's own state is untouched


@pytest.mark.parametrize(
    ("kw", "exc", "match"),
    [
        ({"factor": 1.0}, ValueError, "factor"),
        ({"factor": 0.0}, ValueError, "factor"),
        ({"patience": 0}, ValueError, "patience"),
        ({"rtol": 0.1, "atol": 0.1}, ValueError, "exactly one of rtol"),
        ({"rtol": 0.0, "atol": 0.0}, ValueError, "exactly one of rtol"),
        ({"rtol": 1.5}, ValueError, "rtol"),
        ({"atol": -1.0, "rtol": 0.0}, ValueError, "atol"),
        ({"cooldown": -1}, ValueError, "cooldown"),
        ({"accumulation_size": 0}, ValueError, "accumulation_size"),
        ({"min_scale": -0.1}, ValueError, "min_scale"),
        ({"patience": 2.5}, TypeError, "patience"),
    ],
)
def test_bad_arguments(kw: dict[str, Any], exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        go.reduce_on_plateau(**kw)


def test_without_jax_one_line_names_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['jax'] = None  # as if JAX were not installed\n"
        "import glideslope.optax as go\n"
        "try:\n"
        "    go.reduce_on_plateau()\n"
        "except ImportError as e:\n"
        "    assert str(e).endswith('pip install \"glideslope[jax]\"'), e\n"
        "else:\n"
        "    raise AssertionError('built without JAX')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr


def test_plateau_refuses_what_it_cannot_scale() -> None:
    with pytest.raises(TypeError, match="ReduceOnPlateau"):
        go.plateau("min")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="after=None"):
        go.plateau(gs.ReduceOnPlateau(after=gs.warmup(10, end=1.0)))
    with pytest.raises(ValueError, match=r"base=1\.0"):
        go.plateau(gs.ReduceOnPlateau(base=3e-4))
