"""The NumPy, JAX + optax and Keras examples run, train, and check their logged learning rates."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    "numpy_loop.py": [],
    "jax_optax_loop.py": ["jax", "optax"],
    "keras_fit.py": ["keras", "jax"],
}


@pytest.mark.parametrize("script", sorted(EXAMPLES))
def test_example_runs(script: str) -> None:
    missing = [m for m in EXAMPLES[script] if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{script} needs {missing}")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "PYTHONPATH": str(ROOT / "src")}
    env.pop("JAX_ENABLE_X64", None)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script)],
        capture_output=True, text=True, timeout=300, env=env, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok: " in proc.stdout and "follow" in proc.stdout


def test_core_imports_no_framework() -> None:
    """`import glideslope` and `import glideslope.optax` load no framework at all."""
    code = (
        "import sys, glideslope, glideslope.optax\n"
        "heavy = [m for m in ('jax', 'optax', 'keras', 'torch', 'numpy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
