"""glideslope.keras on every Keras backend, against Keras's own classes and callbacks.

A Keras backend is fixed per process: each backend runs ``keras_backend_worker.py`` in a
subprocess (see its docstring for what it compares), which reports what it checked and what
failed as JSON. TensorFlow is Keras's default backend; JAX and torch are the others.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("keras_backend_worker.py")
BACKENDS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}
#: step forms every backend must have compared (compiled: tf.function / jax.jit)
FORMS = [
    "int", "float", "np.int64", "np.int32", "np.float32", "np.float64", "tensor.int32", "tensor.int64",
    "tensor.float32", "bool", "Variable.int64", "Variable.float32", "array.int64", "array.float32",
]


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_keras_backend_matches_keras(backend: str) -> None:
    missing = [m for m in ("keras", BACKENDS[backend]) if importlib.util.find_spec(m) is None]
    if missing:
        if os.environ.get("CI") == "true":  # CI installs every backend: a missing one is a failure
            pytest.fail(f"the {backend} backend needs {missing}, which CI should have installed")
        pytest.skip(f"the {backend} backend needs {missing}")
    env = {
        **os.environ,
        "KERAS_BACKEND": backend,
        "JAX_PLATFORMS": "cpu",
        "CUDA_VISIBLE_DEVICES": "",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("JAX_ENABLE_X64", None)
    proc = subprocess.run(
        [sys.executable, str(WORKER)], capture_output=True, text=True, timeout=1200, env=env, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["backend"] == backend
    assert report["failures"] == [], "\n".join(report["failures"][:40])
    checked = report["checked"]
    assert all(checked.get(form, 0) >= (10 if form.startswith("array") else 20) for form in FORMS), checked
    if backend in ("tensorflow", "jax"):
        assert checked.get("compiled.float32", 0) >= 500 and checked.get("compiled.int64", 0) >= 100, checked
    assert checked.get("fit") == 1 and checked.get("plateau") == 1, checked
    if backend == "tensorflow":  # the engine's TensorFlow namespace, on native schedules
        assert checked.get("engine.int64", 0) >= 12 and checked.get("engine.tf.function", 0) >= 12, checked
        assert checked.get("engine.refused") == 4, checked
