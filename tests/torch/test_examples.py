"""The PyTorch examples run as scripts: each trains a tiny model. ``torch_loop.py`` asserts
that the learning rate it logged follows the schedule (so a wrong number fails the script, and
this test); the Lightning and Transformers recipes are checked in ``tests/test_recipes.py``."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

CASES = {
    "torch_loop.py": "torch",
    "lightning_module.py": "lightning",
    "transformers_trainer.py": "accelerate",  # the Trainer needs accelerate
}


@pytest.mark.parametrize("script", sorted(CASES))
def test_example_runs_and_its_lr_follows_the_schedule(script):
    if importlib.util.find_spec(CASES[script]) is None:
        pytest.skip(f"{CASES[script]} is not installed")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script)], capture_output=True, text=True, timeout=240, env=env,
        cwd=EXAMPLES.parent,
    )
    assert proc.returncode == 0, f"{script} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    if script == "torch_loop.py":
        assert "ok: the logged learning rates follow the schedule" in proc.stdout, proc.stdout[-2000:]
