"""glideslope.keras against Keras's own classes, under one Keras backend (run as a script).

A Keras backend is fixed per process, so ``test_keras_backends.py`` runs this script once per
backend (``KERAS_BACKEND=tensorflow|jax|torch``). Keras is the oracle: every value of ours is
compared with Keras's own class built from the same arguments, called with the same step.

* ``grid``: each class over a grid of configurations and steps (negative, fractional, NaN,
  infinite), in every form Keras accepts: Python and NumPy numbers, backend tensors of several
  dtypes, ``keras.Variable`` (what the optimizer passes), arrays, and compiled functions
  (``tf.function`` / ``jax.jit``). Same value (float32 tolerance), same dtype, same type.
* ``fit``: ``model.fit`` with ours and with Keras's schedule: the same learning rate at every
  batch and the same weights; ``to_keras`` follows its native schedule.
* ``plateau``: ``model.fit`` with our ReduceLROnPlateau and with Keras's: the same learning
  rate and loss after every epoch, and reductions did happen.

Prints one JSON object: the backend, counts of what was checked and the failures.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from typing import Any

import keras
import numpy as np
from keras import ops

import glideslope as gs
import glideslope.keras as gk

K = keras.optimizers.schedules
BACKEND = keras.backend.backend()
if BACKEND == "tensorflow":  # two fits compared number for number: no thread-order rounding
    import tensorflow as tf

    tf.config.experimental.enable_op_determinism()
failures: list[str] = []
checked: Counter[str] = Counter()

CONFIGS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("ExponentialDecay", (0.1, 10, 0.5), {}),
    ("ExponentialDecay", (0.1, 7.5, 0.9, True), {}),
    ("ExponentialDecay", (), dict(initial_learning_rate=np.float32(0.05), decay_steps=np.int64(4), decay_rate=1.5)),
    ("ExponentialDecay", (np.float64(0.1), 10, 0.5), dict(name="f64")),
    ("PiecewiseConstantDecay", ([10, 20], [1.0, 0.5, 0.1]), {}),
    ("PiecewiseConstantDecay", ([-5, 0, 30], [0.4, 0.3, 0.2, 0.1]), {}),
    ("PiecewiseConstantDecay", ([10, 20], [1, 2, 3]), {}),
    ("PiecewiseConstantDecay", (), dict(boundaries=[np.int64(3)], values=[0.25, 0.125], name="pc")),
    ("PolynomialDecay", (1.0, 50), {}),
    ("PolynomialDecay", (0.1, 20, 0.01, 2.0, True), {}),
    ("PolynomialDecay", (0.1, 20, 0.01, 1.5, True), {}),
    ("PolynomialDecay", (0.1, 12.5, 0.0, 0.5), {}),
    ("InverseTimeDecay", (0.1, 10, 0.5), {}),
    ("InverseTimeDecay", (0.1, 7.5, 2.0, True), {}),
    ("CosineDecay", (0.1, 100), {}),
    ("CosineDecay", (0.1, 40, 0.1), {}),
    ("CosineDecay", (0.01, 40), dict(alpha=0.1, warmup_target=0.1, warmup_steps=10)),
    ("CosineDecay", (0.01, 30), dict(warmup_target=0.1)),
    ("CosineDecay", (0.1, 12.5, 0.2, "cd", 0.05, 3), {}),
    ("CosineDecayRestarts", (0.1, 10), {}),
    ("CosineDecayRestarts", (0.1, 10, 1.0, 0.7, 0.1), {}),
    ("CosineDecayRestarts", (0.1, 7, 1.5, 0.8, 0.05), {}),
]

INTS = [-40, -21, -10, -7, -3, -1, 0, 1, 2, 3, 5, 7, 9, 10, 11, 12, 19, 20, 21, 29, 30, 31, 45, 50, 51, 99, 100, 333]
FLOATS = [float(i) for i in INTS] + [-12.5, -0.5, 0.25, 2.5, 9.75, 10.5, 20.5, 37.3, math.nan, math.inf, -math.inf]


def restart_points(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[float]:
    """Where a CosineDecayRestarts cycle starts (t_mul != 1): Keras finds the cycle with a
    float32 log, which may land one cycle off exactly there."""
    n = float(args[1])
    t_mul = float(args[2]) if len(args) > 2 else 2.0
    if t_mul == 1.0:
        return []
    return [n * (t_mul**k - 1) / (t_mul - 1) for k in range(-60, 30)]


def compiled(fn: Any) -> Any:
    if BACKEND == "tensorflow":
        import tensorflow as tf

        return tf.function(fn)
    if BACKEND == "jax":
        import jax

        return jax.jit(fn)
    return None  # torch: eager (torch.compile would take minutes)


#: steps tried in every form (the whole grid goes through Python numbers and compiled calls)
SOME = [-7.0, 0.0, 10.0, 21.0, 2.5, math.nan]


def forms(steps: list[float]) -> list[tuple[str, Any]]:
    """(form, step) for the grid's steps as Python numbers, and for the steps in ``SOME`` in
    every other form Keras accepts."""
    whole = [s for s in steps if math.isfinite(s) and s == int(s)]
    out: list[tuple[str, Any]] = [("int", int(s)) for s in whole] + [("float", s) for s in steps]
    for s in SOME:
        if math.isfinite(s) and s == int(s):
            i = int(s)
            out += [("np.int64", np.int64(i)), ("np.int32", np.int32(i))]
            out += [(f"tensor.{d}", ops.convert_to_tensor(i, dtype=d)) for d in ("int32", "int64")]
        out += [("np.float32", np.float32(s)), ("np.float64", np.float64(s))]
        out += [("tensor.float32", ops.convert_to_tensor(s, dtype="float32"))]
    return out


def close(ours: Any, theirs: Any, atol: float) -> bool:
    a = np.asarray(ops.convert_to_numpy(ours), dtype=np.float64)
    b = np.asarray(ops.convert_to_numpy(theirs), dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=2e-5, atol=atol, equal_nan=True))


def compare(label: str, ours: Any, theirs: Any, step: Any, form: str, atol: float) -> None:
    try:
        want = theirs(step)
    except Exception:  # not an input Keras accepts (e.g. an array where Keras needs a scalar)
        checked["keras refused"] += 1
        return
    checked[form] += 1
    try:
        got = ours(step)
    except Exception as e:
        failures.append(f"{label} at {form} {step!r}: raised {type(e).__name__}: {e}")
        return
    d_got = keras.backend.standardize_dtype(got.dtype)
    d_want = keras.backend.standardize_dtype(want.dtype)
    if d_got != d_want or type(got) is not type(want):
        failures.append(f"{label} at {form} {step!r}: {type(got).__name__} {d_got}, Keras {type(want).__name__} {d_want}")
    elif not close(got, want, atol):
        failures.append(
            f"{label} at {form} {step!r}: {ops.convert_to_numpy(got)!r}, Keras {ops.convert_to_numpy(want)!r}"
        )


def tolerance(name: str, ours: Any) -> float:
    """Absolute tolerance: float32's, on the schedule's scale. Compiled, XLA divides by
    ``decay_steps`` as a multiplication by its reciprocal, so past the end Keras's ``1 - p``
    can be one float32 ulp (6e-8) instead of 0, which a power below 1 magnifies: ``(6e-8) **
    power`` of the scale (2.4e-4 for a square root)."""
    scale = float(np.max(np.abs(ours.schedule(np.arange(400)))))
    power = float(getattr(ours, "power", 1.0))
    if name == "PolynomialDecay" and power < 1:
        return scale * (1.2e-7) ** power
    return 2e-6 * scale


def grid() -> None:
    for name, args, kwargs in CONFIGS:
        ours, theirs = getattr(gk, name)(*args, **kwargs), getattr(K, name)(*args, **kwargs)
        label = f"{name}{args}{kwargs}"
        if ours.get_config() != theirs.get_config():
            failures.append(f"{label}: config {ours.get_config()} != Keras {theirs.get_config()}")
        avoid = restart_points(args, kwargs) if name == "CosineDecayRestarts" else []
        steps = [s for s in FLOATS if not any(abs(s - r) < 1e-3 for r in avoid)]
        atol = tolerance(name, ours)
        # On JAX, Keras's lax.cond (CosineDecay with warmup, CosineDecayRestarts) compiles both
        # branches at every eager call (0.3 s): there Keras's values come from its jitted call,
        # but for keras.Variable steps (which jax.jit does not take)
        uses_cond = name == "CosineDecayRestarts" or getattr(theirs, "warmup_target", None) is not None
        oracle = compiled(theirs) if BACKEND == "jax" and uses_cond else theirs
        for form, step in forms(steps):
            compare(label, ours, oracle, step, form, atol)
        if name != "PiecewiseConstantDecay":  # Keras casts the boundaries to bool for a bool step
            for flag in (True, False):
                compare(label, ours, oracle, flag, "bool", atol)
        # what the optimizer passes: a keras.Variable, assigned each step
        for dtype in ("int64", "float32"):
            var = keras.Variable(0, dtype=dtype, trainable=False)
            for s in SOME[:3] if BACKEND == "jax" and uses_cond else SOME:
                if dtype == "int64" and not (math.isfinite(s) and s == int(s)):
                    continue
                var.assign(s)
                compare(label, ours, theirs, var, f"Variable.{dtype}", atol)
        # many steps at once, and compiled
        whole = np.array([s for s in steps if math.isfinite(s) and s == int(s)], dtype="int64")
        compare(label, ours, theirs, ops.convert_to_tensor(whole), "array.int64", atol)
        compare(label, ours, theirs, ops.convert_to_tensor(np.array(steps, "float32")), "array.float32", atol)
        c_ours, c_theirs = compiled(ours), compiled(theirs)
        if c_ours is not None:
            for s in steps:
                compare(label, c_ours, c_theirs, ops.convert_to_tensor(s, dtype="float32"), "compiled.float32", atol)
            for i in whole[::3]:
                compare(label, c_ours, c_theirs, ops.convert_to_tensor(int(i), dtype="int64"), "compiled.int64", atol)


# -- model.fit ------------------------------------------------------------------------------


class LrLog(keras.callbacks.Callback):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[int, float]] = []

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        opt = self.model.optimizer
        self.seen.append((int(ops.convert_to_numpy(opt.iterations)), float(ops.convert_to_numpy(opt.learning_rate))))


def data(n: int = 64, noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0], dtype="float32"))[:, None] + noise * rng.normal(size=(n, 1)).astype("float32")
    return x, y


def fit(lr: Any, epochs: int = 3, callbacks: list[Any] | None = None, noise: float = 0.0) -> tuple[Any, Any, LrLog]:
    keras.utils.set_random_seed(0)
    x, y = data(noise=noise)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    log = LrLog()
    history = model.fit(x, y, batch_size=16, epochs=epochs, verbose=0, shuffle=False, callbacks=[log, *(callbacks or [])])
    return model, history, log


def fit_schedules() -> None:
    args, kwargs = (0.01, 8), dict(alpha=0.1, warmup_target=0.05, warmup_steps=4)
    model, history, log = fit(gk.CosineDecay(*args, **kwargs))
    model_k, _, log_k = fit(K.CosineDecay(*args, **kwargs))
    checked["fit"] += 1
    if [i for i, _ in log.seen] != list(range(12)):
        failures.append(f"fit: optimizer steps {[i for i, _ in log.seen]}")
    if not np.allclose([r for _, r in log.seen], [r for _, r in log_k.seen], rtol=1e-6):
        failures.append(f"fit: learning rates {log.seen} != Keras {log_k.seen}")
    if not np.allclose(model.get_weights()[0], model_k.get_weights()[0], rtol=1e-4, atol=1e-6):
        failures.append("fit: weights differ from the run with Keras's schedule")
    if not history.history["loss"][-1] < history.history["loss"][0]:
        failures.append(f"fit: loss did not fall: {history.history['loss']}")
    native = 0.05 * (gs.warmup(3) >> gs.cosine(end=0.1))
    _, _, log = fit(gk.to_keras(native, total_steps=12))
    want = native.bind(total_steps=12)(np.arange(12))
    if not np.allclose([r for _, r in log.seen], want, rtol=1e-6):
        failures.append(f"fit to_keras: learning rates {log.seen} != {list(want)}")


def fit_plateau() -> None:
    kwargs = dict(monitor="loss", factor=0.5, patience=2, min_delta=0.05, cooldown=2, min_lr=0.002)
    runs = []
    for callback in (gk.ReduceLROnPlateau(**kwargs), keras.callbacks.ReduceLROnPlateau(**kwargs)):
        _, history, _ = fit(0.05, epochs=24, callbacks=[callback], noise=0.3)
        runs.append(history.history)
    ours, theirs = runs
    checked["plateau"] += 1
    lrs = ours["learning_rate"]
    if not np.allclose(lrs, theirs["learning_rate"], rtol=1e-6):
        failures.append(f"plateau: learning rates {lrs} != Keras {theirs['learning_rate']}")
    if not np.allclose(ours["loss"], theirs["loss"], rtol=1e-5):
        failures.append(f"plateau: losses {ours['loss']} != Keras {theirs['loss']}")
    if len(set(lrs)) < 4:
        failures.append(f"plateau: expected at least three reductions, got {lrs}")


# -- the engine on TensorFlow tensors ---------------------------------------------------------


def engine_on_tensorflow() -> None:
    """Native schedules on ``tf.Tensor`` steps, eager and under ``tf.function``: equal to
    their NumPy values (the TensorFlow array namespace, every function it offers)."""
    import tensorflow as tf

    schedules = [
        gs.warmup(10) >> gs.cosine(end=0.1, steps=90),
        gs.cosine_restarts(1.0, 0.05, period=7, period_mult=1.5, decay=0.8),
        gs.one_cycle(peak=1.0, steps=120),
        gs.cyclic(0.1, 1.0, up=9, mode="exp_range", gamma=0.99),
        gs.multistep(1.0, 0.5, milestones=[10, 40]) * gs.piecewise_constant([5, 60], [1.0, 0.5, 0.25]),
        gs.exponential(1.0, 0.5, every=10, staircase=True, delay=5),
        gs.interpolate([0, 30, 80], [0.0, 1.0, 0.1], shape="cosine"),
        gs.inverse_sqrt(1.0, timescale=20) + gs.tanh(steps=100) + gs.rex(steps=50),
        gs.wsd(1.0, steps=120),
        gs.slanted_triangular(steps=100),
        gs.noise(gs.cosine(steps=100), scale=0.1, seed=3),
        gs.clamp(gs.repeat(gs.linear(1.0, 0.0, steps=25), times=3), low=0.2),
        gs.function(lambda t: 1.0 / (1.0 + t), steps=100),
    ]
    steps = np.concatenate([np.arange(0, 150), [1000, 10_000_000]])
    for s in schedules:
        want = np.asarray(s(steps), dtype=np.float64)
        cases = [
            ("int64", tf.constant(steps), s, 1e-12),
            ("float64", tf.constant(steps, tf.float64), s, 1e-12),
            ("float32", tf.constant(steps[:150], tf.float32), s, 1e-5),  # float32 arithmetic
            ("tf.function", tf.constant(steps), tf.function(lambda t, s=s: s(t), reduce_retracing=True), 1e-12),
        ]
        for name, t, fn, rtol in cases:
            try:
                got = fn(t)
            except TypeError as e:  # a plain Python function cannot be traced: it says so
                if not (name == "tf.function" and "vectorized=True" in str(e)):
                    failures.append(f"engine {s!r} on {name}: raised {e}")
                continue
            except Exception as e:
                failures.append(f"engine {s!r} on {name}: raised {type(e).__name__}: {e}")
                continue
            checked[f"engine.{name}"] += 1
            n = int(t.shape[0])
            if got.dtype != (t.dtype if t.dtype.is_floating else tf.float64) or not np.allclose(
                got.numpy(), want[:n], rtol=rtol, atol=rtol / 10
            ):
                failures.append(f"engine {s!r} on {name}: {got.dtype.name} {got.numpy()[:5]} != {want[:5]}")
    s = schedules[0]
    for bad in (tf.constant([-1]), tf.constant([math.nan]), tf.constant([math.inf])):
        checked["engine.refused"] += 1
        try:
            s(bad)
            failures.append(f"engine: {bad!r} was not refused")
        except ValueError:
            pass
    try:
        s(tf.constant([True]))
        failures.append("engine: a bool tensor was not refused")
    except TypeError:
        checked["engine.refused"] += 1


if __name__ == "__main__":
    parts = sys.argv[1:] or ["grid", "fit", "plateau"] + (["engine"] if BACKEND == "tensorflow" else [])
    for part in parts:
        {"grid": grid, "fit": fit_schedules, "plateau": fit_plateau, "engine": engine_on_tensorflow}[part]()
    print(json.dumps({"backend": BACKEND, "keras": keras.__version__, "checked": checked, "failures": failures}))
