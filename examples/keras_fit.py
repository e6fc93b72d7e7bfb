"""Keras ``model.fit`` with glideslope schedules (JAX backend by default; torch works too).

A small dense network classifies generated points. The learning rate is
``glideslope.keras.CosineDecay`` (Keras's own class name and arguments: switching is one
import). A callback logs the optimizer's learning rate before every batch and the script
checks it against the schedule, then trains once more with a native glideslope schedule
through ``to_keras``.

Run: ``python examples/keras_fit.py`` (``KERAS_BACKEND=torch`` to use torch)
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

from typing import Any

import keras
import numpy as np

import glideslope as gs
from glideslope.keras import CosineDecay, to_keras

EPOCHS, BATCH, N = 2, 32, 512
STEPS = EPOCHS * (N // BATCH)


class LrLog(keras.callbacks.Callback):  # type: ignore[misc]
    """Records (optimizer step, learning rate) before each batch."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[int, float]] = []

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        opt = self.model.optimizer
        self.seen.append((int(opt.iterations.value), float(opt.learning_rate)))


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, 2)).astype("float32")
    y = (np.sum(x**2, axis=1) < 1.4).astype("int32")  # inside / outside a circle
    return x, y


def train(lr: Any) -> tuple[list[tuple[int, float]], list[float], float]:
    keras.utils.set_random_seed(0)
    x, y = make_data()
    model = keras.Sequential(
        [keras.Input((2,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2)]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    log = LrLog()
    history = model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, verbose=0, callbacks=[log])
    return log.seen, history.history["loss"], float(history.history["accuracy"][-1])


def check(name: str, seen: list[tuple[int, float]], values: np.ndarray, losses: list[float]) -> None:
    steps = [s for s, _ in seen]
    assert steps == list(range(STEPS)), steps
    np.testing.assert_allclose([r for _, r in seen], values[steps], rtol=1e-6)
    assert losses[-1] < losses[0], losses
    print(f"ok: {name}: the logged learning rate follows the schedule over {len(seen)} steps")


def main() -> None:
    print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")
    lr = CosineDecay(1e-3, decay_steps=STEPS - 4, alpha=0.1, warmup_target=2e-2, warmup_steps=4)
    seen, losses, accuracy = train(lr)
    print(f"{lr!r}\n  = {lr.schedule!r}\n  loss {losses[0]:.3f} -> {losses[-1]:.3f}, accuracy {accuracy:.3f}")
    for s, r in seen[:: STEPS // 8]:
        print(f"  step {s:3d}  lr {r:.5f}")
    check("CosineDecay", seen, lr.schedule(np.arange(STEPS)), losses)
    assert abs(seen[4][1] - 2e-2) < 1e-8

    native = 2e-2 * (gs.warmup("10%") >> gs.cosine(end=0.05))
    seen, losses, accuracy = train(to_keras(native, total_steps=STEPS))
    print(f"to_keras({native!r}): loss {losses[0]:.3f} -> {losses[-1]:.3f}, accuracy {accuracy:.3f}")
    check("to_keras", seen, native.bind(total_steps=STEPS)(np.arange(STEPS)), losses)


if __name__ == "__main__":
    main()
