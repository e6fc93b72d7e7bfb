"""Keras ``model.fit`` with glideslope: a drop-in schedule, a native schedule, a plateau callback.

Runs on every Keras backend: TensorFlow (Keras's default), JAX or torch, picked as usual with
``KERAS_BACKEND``. A small dense network classifies generated points, three times:

1. ``glideslope.keras.CosineDecay``: Keras's own class name and arguments, so switching is
   one import;
2. a native glideslope schedule written in fractions of the run, through ``to_keras``;
3. a fixed learning rate with ``glideslope.keras.ReduceLROnPlateau``, Keras's callback.

A small callback records the optimizer's learning rate before every batch, so you can see
that it follows the schedule. (The checks live in ``tests/dialects/test_keras_example.py``.)

Run: ``python examples/keras_fit.py`` (or ``KERAS_BACKEND=jax python examples/keras_fit.py``)
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

import glideslope as gs
from glideslope.keras import CosineDecay, ReduceLROnPlateau, to_keras

EPOCHS, BATCH, N = 2, 32, 512
STEPS = EPOCHS * (N // BATCH)  # optimizer steps in the run


class LrLog(keras.callbacks.Callback):  # type: ignore[misc]
    """Records (optimizer step, learning rate) before each batch."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[int, float]] = []

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        opt = self.model.optimizer
        step = keras.ops.convert_to_numpy(opt.iterations)
        self.seen.append((int(step), float(keras.ops.convert_to_numpy(opt.learning_rate))))


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, 2)).astype("float32")
    y = (np.sum(x**2, axis=1) < 1.4).astype("int32")  # inside / outside a circle
    return x, y


def train(lr: Any, epochs: int = EPOCHS, callbacks: list[Any] | None = None) -> dict[str, Any]:
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
    history = model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0, callbacks=[log, *(callbacks or [])])
    return {"seen": log.seen, **history.history}


def report(name: str, run: dict[str, Any], schedule: gs.Schedule | None = None) -> None:
    loss = run["loss"]
    print(f"{name}: loss {loss[0]:.3f} -> {loss[-1]:.3f}, accuracy {run['accuracy'][-1]:.3f}")
    if schedule is not None:
        steps = [s for s, _ in run["seen"]]
        gap = max(abs(r - float(schedule(s))) for s, r in run["seen"])
        print(f"  ok: {name}: the logged learning rate follows its schedule over steps "
              f"{steps[0]}..{steps[-1]} (largest gap {gap:.1e})")
        for s, r in run["seen"][:: STEPS // 4]:
            print(f"  step {s:3d}  lr {r:.5f}")


def main() -> dict[str, Any]:
    print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")

    # 1. Keras's CosineDecay, computed by glideslope: warmup to 2e-2, then cosine to 10% of it
    lr = CosineDecay(1e-3, decay_steps=STEPS - 4, alpha=0.1, warmup_target=2e-2, warmup_steps=4)
    print(f"{lr!r}\n  = {lr.schedule!r}")
    cosine = train(lr)
    report("CosineDecay", cosine, lr.schedule)

    # 2. a native schedule in fractions of the run, bound to its length by to_keras
    native = 2e-2 * (gs.warmup("10%") >> gs.cosine(end=0.05))
    bound = native.bind(total_steps=STEPS)
    run_native = train(to_keras(native, total_steps=STEPS))
    report(f"to_keras({native!r})", run_native, bound)

    # 3. a fixed learning rate, halved after each epoch that improves the loss by less than
    #    0.05, down to 1e-3 (Keras's callback; the engine's ReduceOnPlateau decides)
    plateau = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=0.05, min_lr=1e-3)
    run_plateau = train(2e-2, epochs=12, callbacks=[plateau])
    report("ReduceLROnPlateau", run_plateau)
    print("  learning rate by epoch: " + ", ".join(f"{r:.4f}" for r in run_plateau["learning_rate"]))
    return {"cosine": (lr, cosine), "native": (bound, run_native), "plateau": (plateau, run_plateau)}


if __name__ == "__main__":
    main()
