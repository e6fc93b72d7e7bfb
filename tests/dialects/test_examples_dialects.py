"""The NumPy, JAX + optax, timm and Keras examples run, train, and their logged learning rates
follow their schedules (the recipes print; the checks are here)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    "numpy_loop.py": [],
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


def load_example(script: str, needs: list[str]) -> Any:
    """Import an example as a module (its ``main()`` returns what it logged)."""
    missing = [m for m in needs if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{script} needs {missing}")
    spec = importlib.util.spec_from_file_location(f"example_{script[:-3]}", ROOT / "examples" / script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("script", ["jax_optax_loop.py", "timm_train.py"])
def test_recipe_runs_as_a_script(script: str) -> None:
    needs = {"jax_optax_loop.py": ["jax", "optax"], "timm_train.py": ["torch"]}[script]
    if any(importlib.util.find_spec(m) is None for m in needs):
        pytest.skip(f"{script} needs {needs}")
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONPATH": str(ROOT / "src")}
    env.pop("JAX_ENABLE_X64", None)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / script)], capture_output=True, text=True, timeout=300, env=env, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_optax_recipe_rates_follow_the_schedules() -> None:
    """inject_hyperparams: the rates in the optimizer state at each update are the schedules'."""
    ex = load_example("jax_optax_loop.py", ["jax", "optax"])
    log = ex.main()
    steps = np.arange(ex.STEPS)
    np.testing.assert_allclose(log["lr"], ex.lr(steps), rtol=1e-5, atol=1e-9)  # float32 in JAX
    np.testing.assert_allclose(log["b1"], ex.b1(steps), rtol=1e-6)
    assert log["lr"][0] == 0.0 and abs(log["lr"][20] - 0.02) < 1e-8 and log["b1"][-1] > 0.949
    assert log["loss"][-1] < 0.1 * log["loss"][0]


def test_timm_recipe_lrs_follow_the_schedule_and_timm() -> None:
    """timm's idiom: the lr of every update is the scheduler's glideslope schedule at the update
    count, the cooldown holds min_lr, and the model learns."""
    ex = load_example("timm_train.py", ["torch"])
    out = ex.main()
    lrs, sched = out["log"]["lr"], out["scheduler"]
    n = out["num_epochs"] * out["updates_per_epoch"]
    assert out["num_epochs"] == ex.EPOCHS + 2 and len(lrs) == n  # warmup prefix + cooldown epochs
    np.testing.assert_allclose(lrs, sched.schedule(np.arange(n)), rtol=1e-12)
    assert lrs[0] == 1e-4 and max(lrs) == pytest.approx(1e-2) and lrs[-1] == pytest.approx(1e-4)
    assert out["log"]["loss"][-1] < 0.6 * out["log"]["loss"][0]


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
