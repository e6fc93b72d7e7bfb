"""glideslope.keras.ReduceLROnPlateau against Keras's own callback, epoch by epoch.

Both callbacks are attached to real compiled models and fed the same metric sequences
through ``on_epoch_end``; the learning rate in the optimizer must agree after every epoch.
A whole ``model.fit`` with both runs on every backend in ``keras_backend_worker.py``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")
import glideslope.keras as gk  # noqa: E402
from glideslope import ReduceOnPlateau  # noqa: E402


def model(lr: Any = 0.1) -> Any:
    m = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse", metrics=["accuracy"])
    m.evaluate(np.zeros((1, 1)), np.zeros((1, 1)), verbose=0)  # builds the metrics ("auto" reads them)
    return m


MODELS = {"ours": model(), "keras": model()}


def drive(callback: Any, metrics: list[float], monitor: str = "loss", key: str = "ours") -> list[float]:
    """The optimizer's learning rate after each epoch's ``on_epoch_end``."""
    m = MODELS[key]
    m.optimizer.learning_rate = 0.1
    callback.set_model(m)
    callback.on_train_begin()
    lrs = []
    for epoch, value in enumerate(metrics):
        callback.on_epoch_end(epoch, {monitor: value})
        lrs.append(float(keras.ops.convert_to_numpy(m.optimizer.learning_rate)))
    return lrs


def both(metrics: list[float], monitor: str = "loss", **kwargs: Any) -> tuple[list[float], list[float]]:
    ours = drive(gk.ReduceLROnPlateau(monitor=monitor, **kwargs), metrics, monitor, "ours")
    theirs = drive(keras.callbacks.ReduceLROnPlateau(monitor=monitor, **kwargs), metrics, monitor, "keras")
    return ours, theirs


@given(
    metrics=st.lists(st.sampled_from([1.0, 0.99, 0.95, 0.9, 0.8, 0.85, 0.5, 2.0]), min_size=1, max_size=40),
    patience=st.integers(0, 4),
    cooldown=st.integers(0, 3),
    factor=st.sampled_from([0.5, 0.1, 0.3]),
    min_delta=st.sampled_from([0.0, 0.02, 0.1]),
    min_lr=st.sampled_from([0.0, 0.001, 0.02]),
    mode=st.sampled_from(["min", "max", "auto"]),
)
@settings(max_examples=40)
def test_same_learning_rates_as_keras(
    metrics: list[float], patience: int, cooldown: int, factor: float, min_delta: float, min_lr: float, mode: str
) -> None:
    kwargs = dict(patience=patience, cooldown=cooldown, factor=factor, min_delta=min_delta, min_lr=min_lr, mode=mode)
    ours, theirs = both(metrics, **kwargs)
    assert ours == pytest.approx(theirs, rel=1e-6)


def test_a_known_run() -> None:
    """patience=2, cooldown=2 worked by hand: reduce at the 2nd bad epoch after the best,
    then the first cooldown epoch does not count and the second does."""
    metrics = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    ours, theirs = both(metrics, patience=2, cooldown=2, factor=0.5, min_delta=0.0)
    want = [0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125]
    assert ours == pytest.approx(want) and theirs == pytest.approx(want)


def test_accuracy_is_maximised_in_auto_mode() -> None:
    ours, theirs = both([0.5, 0.6, 0.6, 0.55, 0.7, 0.7], monitor="val_accuracy", patience=1, factor=0.5)
    want = [0.1, 0.1, 0.05, 0.025, 0.025, 0.0125]
    assert ours == pytest.approx(want) and theirs == pytest.approx(want)


def test_controller_and_logs() -> None:
    cb = gk.ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5)
    drive(cb, [1.0, 1.0, 1.0])
    assert isinstance(cb.controller, ReduceOnPlateau)
    state = cb.controller.state_dict()
    assert state["reductions"] == 2 and state["scale"] == 0.25
    logs: dict[str, Any] = {"loss": 1.0}
    cb.on_epoch_end(3, logs)  # Keras adds the current learning rate to the epoch's logs
    assert logs["learning_rate"] == pytest.approx(0.025)


def test_missing_metric_warns_like_keras() -> None:
    cb = gk.ReduceLROnPlateau(monitor="val_loss")
    cb.set_model(MODELS["ours"])
    cb.on_train_begin()
    with pytest.warns(UserWarning, match="`val_loss` which is not available. Available metrics are: loss"):
        cb.on_epoch_end(0, {"loss": 1.0})


def test_verbose_prints_each_reduction(capsys: pytest.CaptureFixture[str]) -> None:
    drive(gk.ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5, verbose=1), [1.0, 1.0])
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.05" in capsys.readouterr().out


def test_a_scheduled_optimizer_cannot_be_reduced() -> None:
    """As with Keras's own callback: the optimizer's learning rate is not settable."""
    m = model(gk.CosineDecay(0.1, 100))
    cb = gk.ReduceLROnPlateau(monitor="loss", patience=0)
    cb.set_model(m)
    cb.on_train_begin()
    cb.on_epoch_end(0, {"loss": 1.0})
    with pytest.raises(TypeError, match="not settable"):
        cb.on_epoch_end(1, {"loss": 1.0})


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(factor=1.0), ValueError, "factor must be"),
        (dict(factor=0.0), ValueError, "factor must be"),
        (dict(patience=-1), ValueError, "patience must be"),
        (dict(cooldown=1.5), TypeError, "cooldown must be"),
        (dict(min_lr=-0.1), ValueError, "min_lr must be"),
        (dict(mode="lowest"), ValueError, "mode must be one of"),
        (dict(monitor="val_custom"), ValueError, "cannot tell whether monitor='val_custom'"),
        (dict(monitor=3), TypeError, "monitor must be the name of a logged metric"),
        (dict(epsilon=1e-4), TypeError, r"^ReduceLROnPlateau\(\) got an unexpected keyword argument 'epsilon'; it takes monitor, "),
    ],
)
def test_errors_at_the_door(kwargs: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        gk.ReduceLROnPlateau(**kwargs)


def test_same_signature_as_keras() -> None:
    import inspect

    ours = inspect.signature(gk.ReduceLROnPlateau.__init__).parameters
    theirs = inspect.signature(keras.callbacks.ReduceLROnPlateau.__init__).parameters
    assert list(ours) == list(theirs)
    assert all(ours[p].default == theirs[p].default for p in theirs)
