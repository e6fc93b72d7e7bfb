"""A changed plan in optax and Keras: a new schedule object on resume, under jit and in a
compiled Keras train step, and Keras's horizon check. The frameworks run for real."""

from __future__ import annotations

import warnings

import pytest

import glideslope as gs

PLAN = 0.1 * gs.wsd(steps=100)
CHANGES = [
    lambda at: gs.extend(PLAN, 250, at=at),
    lambda at: gs.shorten(PLAN, 80, at=at),
    lambda at: gs.cooldown_now(PLAN, at=at, steps=20, shape="cosine"),
    lambda at: gs.splice(PLAN, gs.cosine(steps=50), at=at),
]


@pytest.mark.parametrize("change", CHANGES, ids=["extend", "shorten", "cooldown_now", "splice"])
def test_optax_resumes_on_a_new_schedule_under_jit(change) -> None:  # type: ignore[no-untyped-def]
    jax = pytest.importorskip("jax")
    optax = pytest.importorskip("optax")
    import jax.numpy as jnp

    def make_step(schedule):  # type: ignore[no-untyped-def]
        opt = optax.inject_hyperparams(optax.sgd)(learning_rate=schedule)

        @jax.jit
        def step(w, state):  # type: ignore[no-untyped-def]
            updates, state = opt.update(jnp.ones_like(w), state, w)
            return optax.apply_updates(w, updates), state

        return opt, step

    opt, step = make_step(PLAN)
    w = jnp.zeros(1)
    state = opt.init(w)
    for _ in range(60):
        w, state = step(w, state)
    at = int(state.count)
    new = change(at)
    _, new_step = make_step(new)  # the optimizer state carries over as it is
    seen = []
    for _ in range(int(new.length) - at + 5):
        w, state = new_step(w, state)
        seen.append(float(state.hyperparams["learning_rate"]))
    # inject_hyperparams records the rate each update used: new(count) at counts at, at + 1, ...
    assert seen == pytest.approx([new(t) for t in range(at, int(new.length) + 5)], rel=1e-5, abs=1e-8)  # float32
    assert gs.horizon_report(new, int(state.count)).status == "held past its end"


@pytest.fixture(scope="module")
def keras():  # type: ignore[no-untyped-def]
    return pytest.importorskip("keras")


def _model(keras, lr):  # type: ignore[no-untyped-def]
    import numpy as np

    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss=lambda y, p: keras.ops.sum(p))
    x = np.ones((1, 1), "float32")
    return model, x  # the gradient is 1: each step moves the weight by the learning rate


def test_keras_takes_a_changed_plan_once_the_train_function_is_rebuilt(keras) -> None:  # type: ignore[no-untyped-def]
    from glideslope.keras import to_keras

    model, x = _model(keras, to_keras(PLAN))
    model.fit(x, x, epochs=60, verbose=0)
    new = gs.extend(PLAN, 200, at=int(model.optimizer.iterations))
    model.optimizer.learning_rate = to_keras(new)
    model.make_train_function(force=True)
    model.fit(x, x, epochs=140, verbose=0)
    moved = -float(model.layers[0].kernel.numpy()[0, 0])
    assert moved == pytest.approx(sum(new(t) for t in range(200)), rel=1e-5)
    # the changed plan saves with the optimizer and comes back equal
    config = keras.optimizers.schedules.serialize(to_keras(new))
    assert keras.optimizers.schedules.deserialize(config).schedule == new


def test_keras_horizon_check_warns_once_and_reports(keras) -> None:  # type: ignore[no-untyped-def]
    from glideslope.keras import HorizonCheck, to_keras

    lr = to_keras(0.1 * gs.cosine(steps=10))
    model, x = _model(keras, lr)
    check = HorizonCheck(lr)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", gs.HorizonWarning)
        model.fit(x, x, epochs=30, verbose=0, callbacks=[check])
    horizon = [w for w in caught if w.category is gs.HorizonWarning]
    assert len(horizon) == 1
    assert "stepped 21 times, but its schedule ends at step 10" in str(horizon[0].message)
    assert "make_train_function(force=True)" in str(horizon[0].message)
    assert check.report is not None and check.report.status == "held past its end" and check.report.taken == 30
    with pytest.raises(TypeError, match=r"schedule must be a glideslope schedule or one of glideslope.keras's"):
        HorizonCheck(0.1)
