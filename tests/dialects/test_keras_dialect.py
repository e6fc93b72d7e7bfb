"""glideslope.keras against Keras itself: signatures, configs, values, serialization, fit."""

from __future__ import annotations

import inspect
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glideslope as gs

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")
import glideslope.keras as gk  # noqa: E402

K = keras.optimizers.schedules
NAMES = [
    "ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay", "InverseTimeDecay",
    "CosineDecay", "CosineDecayRestarts",
]
STEPS = np.arange(0, 400)


def theirs_on(fn: Any, steps: np.ndarray) -> np.ndarray:
    """Keras's own schedule on every step (batched with jax.vmap on the JAX backend)."""
    if keras.backend.backend() == "jax":
        import jax

        return np.asarray(jax.vmap(fn)(jax.numpy.asarray(steps)), dtype=np.float64)
    return np.array([float(fn(int(t))) for t in steps])


def ours_on(s: Any, steps: np.ndarray) -> np.ndarray:
    out = s(steps)
    assert keras.backend.standardize_dtype(out.dtype) == keras.config.floatx()
    return np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float64)


def assert_parity(name: str, *args: Any, steps: np.ndarray = STEPS, rtol: float = 2e-5, **kwargs: Any) -> Any:
    ours, theirs = getattr(gk, name)(*args, **kwargs), getattr(K, name)(*args, **kwargs)
    assert ours.get_config() == theirs.get_config()
    want, got = theirs_on(theirs, steps), ours_on(ours, steps)
    scale = max(1e-3, float(np.max(np.abs(want))))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=2e-6 * scale, err_msg=f"{ours!r} = {ours.schedule!r}")
    return ours


@pytest.mark.parametrize("name", NAMES)
def test_same_signature_and_base_as_keras(name: str) -> None:
    ours, theirs = getattr(gk, name), getattr(K, name)
    p_ours = inspect.signature(ours.__init__).parameters
    p_theirs = inspect.signature(theirs.__init__).parameters
    assert list(p_ours) == list(p_theirs)
    for p in p_theirs:
        assert p_ours[p].default == p_theirs[p].default, p
    assert issubclass(ours, K.LearningRateSchedule)
    keras_bases = [c for c in ours.__mro__ if c.__module__.startswith("keras")]
    assert keras_bases == [K.LearningRateSchedule]


# -- random configurations ----------------------------------------------------------------

lr = st.floats(min_value=1e-3, max_value=2.0)
steps = st.one_of(st.integers(1, 120), st.integers(2, 120).map(lambda n: n + 0.5))


@given(lr, steps, st.floats(0.5, 1.5), st.booleans())
@settings(max_examples=12)
def test_exponential_decay(i: float, n: float, rate: float, stair: bool) -> None:
    assert_parity("ExponentialDecay", i, n, rate, stair, rtol=5e-5, steps=off_the_stairs(n, stair))


def off_the_stairs(n: float, stair: bool) -> np.ndarray:
    """The steps to compare a staircase at: under jax.vmap XLA computes Keras's float32
    ``floor(t / n)`` as ``floor(t * (1/n))``, one stair late exactly at a multiple of ``n``
    (Keras's eager call, and ours, give the next stair there; keras_backend_worker.py compares
    eager calls, multiples included)."""
    if not stair:
        return STEPS
    q = STEPS / n
    return STEPS[np.abs(q - np.round(q)) > 1e-9]


@given(st.lists(st.integers(0, 350), min_size=1, max_size=4, unique=True), st.data())
@settings(max_examples=12)
def test_piecewise_constant_decay(boundaries: list[int], data: st.DataObject) -> None:
    values = data.draw(st.lists(lr, min_size=len(boundaries) + 1, max_size=len(boundaries) + 1))
    assert_parity("PiecewiseConstantDecay", sorted(boundaries), values)


@given(lr, st.integers(1, 200), st.floats(0.0, 0.5), st.floats(0.3, 3.0), st.booleans())
@settings(max_examples=12)
def test_polynomial_decay(i: float, n: int, end: float, power: float, cycle: bool) -> None:
    assert_parity("PolynomialDecay", i, n, end, power, cycle)


@given(lr, steps, st.floats(0.0, 3.0), st.booleans())
@settings(max_examples=12)
def test_inverse_time_decay(i: float, n: float, rate: float, stair: bool) -> None:
    assert_parity("InverseTimeDecay", i, n, rate, stair, steps=off_the_stairs(n, stair))


@given(lr, st.integers(1, 300), st.floats(0.0, 0.9), st.one_of(st.none(), lr), st.integers(0, 100))
@settings(max_examples=12)
def test_cosine_decay(i: float, n: int, alpha: float, target: float | None, warm: int) -> None:
    assert_parity("CosineDecay", i, n, alpha, warmup_target=target, warmup_steps=warm)


@given(lr, st.integers(1, 80), st.sampled_from([1.0, 1.5, 2.0, 3.0]), st.floats(0.3, 1.2), st.floats(0.0, 0.5))
@settings(max_examples=12)
def test_cosine_decay_restarts(i: float, n: int, t_mul: float, m_mul: float, alpha: float) -> None:
    # Keras finds the cycle in float32, which under jax.vmap XLA computes as t * (1/n) (and a
    # log when t_mul != 1): exactly at a restart it can land one cycle off; compare away from
    # the restarts (keras_backend_worker.py checks them too, for t_mul == 1)
    starts = [n * (t_mul**k - 1) / (t_mul - 1) if t_mul != 1 else n * k for k in range(12)]
    ok = [t for t in STEPS if min(abs(t - s) for s in starts) > 1e-2]
    assert_parity("CosineDecayRestarts", i, n, t_mul, m_mul, alpha, steps=np.asarray(ok))


def test_known_values() -> None:
    """Numbers worked out by hand, independent of Keras."""
    c = gk.CosineDecay(0.1, 100, alpha=0.1, warmup_target=1.0, warmup_steps=10)
    got = ours_on(c, np.array([0, 5, 10, 60, 110, 500]))
    np.testing.assert_allclose(got, [0.1, 0.55, 1.0, 0.55, 0.1, 0.1], rtol=1e-6)
    p = gk.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.25])
    np.testing.assert_array_equal(ours_on(p, np.array([0, 10, 11, 20, 21])), [1.0, 1.0, 0.5, 0.5, 0.25])
    r = gk.CosineDecayRestarts(1.0, 10, t_mul=2.0, m_mul=0.5)
    np.testing.assert_allclose(ours_on(r, np.array([0, 5, 10, 20, 30])), [1.0, 0.5, 0.5, 0.25, 0.25], atol=1e-7)
    y = gk.PolynomialDecay(1.0, 10, 0.0, cycle=True)
    np.testing.assert_allclose(ours_on(y, np.array([0, 5, 10, 15, 20])), [1.0, 0.5, 0.0, 0.25, 0.0], atol=1e-7)


# -- serialization ------------------------------------------------------------------------

EXAMPLES = [
    gk.ExponentialDecay(0.1, 10, 0.9, staircase=True),
    gk.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1], name="steps"),
    gk.PolynomialDecay(0.1, 50, 0.001, power=2.0, cycle=True),
    gk.InverseTimeDecay(0.1, 7.5, 0.5),
    gk.CosineDecay(0.01, 100, alpha=0.1, warmup_target=0.1, warmup_steps=10),
    gk.CosineDecayRestarts(0.1, 10, 1.5, 0.8, 0.1),
    gk.to_keras(1e-3 * (gs.warmup(10) >> gs.cosine(end=0.1, steps=90))),
]


@pytest.mark.parametrize("s", EXAMPLES, ids=lambda s: type(s).__name__)
def test_serialize_round_trip(s: Any) -> None:
    data = K.serialize(s)
    assert data["registered_name"] == f"glideslope>{type(s).__name__}"
    back = K.deserialize(data)
    assert type(back) is type(s)
    assert back.get_config() == s.get_config()
    assert back.schedule == s.schedule
    np.testing.assert_array_equal(ours_on(back, STEPS[:150]), ours_on(s, STEPS[:150]))


def test_to_keras() -> None:
    native = 3e-3 * (gs.warmup("10%") >> gs.cosine(end=0.05))
    s = gk.to_keras(native, total_steps=200)
    assert s.schedule == native.bind(total_steps=200)
    np.testing.assert_allclose(ours_on(s, STEPS), native.bind(total_steps=200)(STEPS), rtol=1e-6)
    assert repr(s).startswith("to_keras(0.003 * (warmup(steps=20)")
    with pytest.raises(gs.UnboundScheduleError, match="needs total_steps"):
        gk.to_keras(native)
    with pytest.raises(TypeError, match="must be a glideslope Schedule, got CosineDecay"):
        gk.to_keras(K.CosineDecay(0.1, 10))


# -- errors -------------------------------------------------------------------------------

KERAS_ALSO_RAISES = [
    ("ExponentialDecay", (0.1, 0, 0.9), "decay_steps must be > 0, got 0"),
    ("PolynomialDecay", (0.1, -5), "decay_steps must be > 0, got -5"),
    ("InverseTimeDecay", (0.1, 0, 0.5), "decay_steps must be > 0, got 0"),
    ("CosineDecay", (0.1, 0), "decay_steps must be > 0, got 0"),
    ("CosineDecayRestarts", (0.1, 0), "first_decay_steps must be > 0, got 0"),
    ("PiecewiseConstantDecay", ([10, 20], [1.0, 0.5]), "one more entry than boundaries"),
]


@pytest.mark.parametrize(("name", "args", "message"), KERAS_ALSO_RAISES)
def test_errors_where_keras_raises(name: str, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError):
        getattr(K, name)(*args)
    with pytest.raises(ValueError, match=message):
        getattr(gk, name)(*args)


OUR_ERRORS = [
    (lambda: gk.ExponentialDecay(0.1, 10, 0.0), ValueError, "decay_rate must be > 0, got 0.0"),
    (lambda: gk.ExponentialDecay(0.1, 10, 0.9, staircase="no"), TypeError, "staircase must be True or False"),
    (lambda: gk.ExponentialDecay(float("inf"), 10, 0.9), ValueError, "initial_learning_rate must be a finite number"),
    (lambda: gk.PolynomialDecay(0.1, 10, power=0), ValueError, "power must be > 0, got 0"),
    (lambda: gk.InverseTimeDecay(0.1, 10, -1.0), ValueError, "decay_rate must be >= 0, got -1.0"),
    (lambda: gk.CosineDecay(0.1, 10, warmup_target=1.0, warmup_steps=-1), ValueError, "warmup_steps must be >= 0, got -1"),
    (lambda: gk.CosineDecay(0.1, 10, warmup_target=1.0, warmup_steps=2.5), TypeError, "warmup_steps must be a whole number of steps, got 2.5"),
    (lambda: gk.CosineDecayRestarts(0.1, 10, t_mul=0.5), ValueError, "t_mul must be >= 1"),
    (lambda: gk.CosineDecayRestarts(0.1, 10, m_mul=0.0), ValueError, "m_mul must be > 0, got 0.0"),
    (lambda: gk.PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1]), ValueError, "strictly increasing"),
    (lambda: gk.PiecewiseConstantDecay([10, 10], [1.0, 0.5, 0.1]), ValueError, r"boundaries\[1\]=10 after 10"),
    (lambda: gk.PiecewiseConstantDecay([10.5], [1.0, 0.5]), TypeError, r"boundaries\[0\] must be a whole number of steps"),
    (lambda: gk.PiecewiseConstantDecay([], [1.0]), ValueError, "at least one step"),
    (lambda: gk.KerasSchedule(3.0), TypeError, "must be a glideslope Schedule, got float"),
]


@pytest.mark.parametrize(("build", "error", "message"), OUR_ERRORS)
def test_errors_at_the_door(build: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build()


# -- a real model.fit ---------------------------------------------------------------------


class LrLog(keras.callbacks.Callback):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[int, float]] = []

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        opt = self.model.optimizer
        self.seen.append((int(opt.iterations.value), float(opt.learning_rate)))


def _fit(schedule: Any) -> tuple[Any, LrLog]:
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 3.0], dtype="float32"))[:, None]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="mse")
    log = LrLog()
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[log])
    return (model, history), log


def test_model_fit_save_and_load(tmp_path: Path) -> None:
    args = (0.01, 8)
    kwargs = dict(alpha=0.1, warmup_target=0.05, warmup_steps=4)
    ours = gk.CosineDecay(*args, **kwargs)
    (model, history), log = _fit(ours)
    assert [i for i, _ in log.seen] == list(range(12))
    lrs = [x for _, x in log.seen]
    want = ours.schedule(np.arange(12))
    np.testing.assert_allclose(lrs, want, rtol=1e-6)
    assert lrs[0] == pytest.approx(0.01) and lrs[4] == pytest.approx(0.05, rel=1e-6) and lrs[11] < lrs[5]
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    # the same run with Keras's own schedule: same learning rates, same weights
    (model_k, _), log_k = _fit(K.CosineDecay(*args, **kwargs))
    np.testing.assert_allclose(lrs, [x for _, x in log_k.seen], rtol=1e-6)
    np.testing.assert_allclose(model.get_weights()[0], model_k.get_weights()[0], rtol=1e-4, atol=1e-6)
    # the schedule is saved with the model and comes back as itself
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    back = K.deserialize(loaded.optimizer.get_config()["learning_rate"])
    assert type(back) is gk.CosineDecay and back.get_config() == ours.get_config()
    assert math.isclose(float(loaded.optimizer.learning_rate), float(ours.schedule(12)), rel_tol=1e-6)


def test_keras_only_shapes_stay_out_of_the_native_registry() -> None:
    """InverseTimeDecay and PolynomialDecay(cycle=True) need formulas the catalogue lacks;
    their shapes are not native kinds (the SPEC language and from_config list every kind)."""
    from glideslope.schedule import REGISTRY

    assert not [k for k in REGISTRY if k.startswith("keras")]
    inner = gk.InverseTimeDecay(0.1, 10, 0.5).schedule
    assert repr(inner) == "keras_inverse_time(start=0.1, rate=0.5, every=10.0)"
    with pytest.raises(TypeError, match="serialize the Keras schedule"):
        inner.to_config()
    # restarts with alpha and m_mul are a native sum, so they do have a config
    restarts = gk.CosineDecayRestarts(0.1, 10, 2.0, 0.5, 0.1).schedule
    assert gs.from_config(restarts.to_config()) == restarts


def test_an_integer_learning_rate_is_its_number() -> None:
    """A documented difference: Keras computes in the int's dtype (0.0 at every step here)."""
    ours = gk.ExponentialDecay(1, 10, 0.5)
    assert float(ours(5)) == pytest.approx(0.5**0.5, rel=1e-6)
    assert keras.backend.standardize_dtype(ours(5).dtype) == keras.config.floatx()
    assert float(K.ExponentialDecay(1, 10, 0.5)(5)) == 0.0
    # all-int values of a piecewise constant stay ints, as in Keras
    p = gk.PiecewiseConstantDecay([10, 20], [3, 2, 1])
    assert keras.backend.standardize_dtype(p(15).dtype) == "int32" and int(p(15)) == 2


def test_tensorflow_is_imported_only_for_tensorflow_tensors() -> None:
    """The TensorFlow namespace loads with the first tf.Tensor, never with glideslope."""
    import subprocess
    import sys

    code = (
        "import sys, numpy, glideslope as gs\n"
        "gs.cosine(steps=10)(numpy.arange(3))\n"
        "assert 'tensorflow' not in sys.modules and 'glideslope._xp.tensorflow' not in sys.modules\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("blocked", "backend", "message"),
    [
        ("keras", "jax", 'glideslope.keras needs keras, which is not installed: pip install "glideslope[keras]"'),
        ("tensorflow", "tensorflow", "glideslope.keras needs Keras's tensorflow backend, which is not installed: "
         'pip install "glideslope[tensorflow]" (or set KERAS_BACKEND to an installed backend)'),
    ],
)
def test_a_missing_package_names_the_extra(blocked: str, backend: str, message: str) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] == {blocked!r}:\n"
        "            raise ModuleNotFoundError('blocked: ' + name, name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "try:\n"
        "    import glideslope.keras\n"
        "except ImportError as e:\n"
        "    print(type(e).__name__, e)\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root / "src"), "KERAS_BACKEND": backend}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert proc.stdout.strip() == f"MissingExtraError {message}", proc.stdout + proc.stderr[-2000:]
