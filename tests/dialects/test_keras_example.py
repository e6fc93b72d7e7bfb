"""examples/keras_fit.py (the Keras ``fit`` recipe) trains, and what it logged is right.

The recipe only prints; the checks are here. It runs in-process on the JAX backend; every
backend's ``model.fit`` is covered by ``keras_backend_worker.py``.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")
keras = pytest.importorskip("keras")

ROOT = Path(__file__).resolve().parents[2]


def load_example() -> Any:
    spec = importlib.util.spec_from_file_location("example_keras_fit", ROOT / "examples" / "keras_fit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_keras_recipe(capsys: pytest.CaptureFixture[str]) -> None:
    ex = load_example()
    out = ex.main()
    steps = np.arange(ex.STEPS)

    # the drop-in CosineDecay and the native schedule: the rate at every optimizer step
    for key in ("cosine", "native"):
        lr, run = out[key]
        schedule = lr.schedule if key == "cosine" else lr  # the Keras class's, or the bound native
        assert [s for s, _ in run["seen"]] == list(range(ex.STEPS))
        np.testing.assert_allclose([r for _, r in run["seen"]], schedule(steps), rtol=1e-6, atol=1e-12)
        assert run["loss"][-1] < 0.9 * run["loss"][0]
    lr, run = out["cosine"]
    assert run["seen"][0][1] == pytest.approx(1e-3) and run["seen"][4][1] == pytest.approx(2e-2, rel=1e-6)
    assert run["seen"][-1][1] == pytest.approx(float(lr.schedule(ex.STEPS - 1)), rel=1e-6)

    # the plateau callback: Keras's rule with patience=1, worked through the logged losses:
    # the rate halves (down to 1e-3) after each epoch that does not beat the best by 0.05
    plateau, run = out["plateau"]
    lrs, losses = run["learning_rate"], run["loss"]
    best, lr, want = None, 0.02, [0.02]
    for loss in losses[:-1]:
        if best is None or loss < best - 0.05:
            best = loss
        else:
            lr = max(lr / 2, 1e-3)
        want.append(lr)
    assert lrs == pytest.approx(want, rel=1e-6)
    assert plateau.controller.reductions >= 3 and min(lrs) == pytest.approx(1e-3)
    assert losses[-1] < 0.5 * losses[0]

    printed = capsys.readouterr().out
    assert "ok: CosineDecay: the logged learning rate follows its schedule" in printed
