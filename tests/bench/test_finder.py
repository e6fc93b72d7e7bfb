"""The LR range test on problems whose good learning rates are known analytically."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import glideslope as gs
from glideslope.finder import LRFinderResult, find_lr, lr_sweep, suggest


def _regression(seed: int = 0, n: int = 200, d: int = 10) -> tuple[np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)) * np.linspace(0.3, 2.0, d)
    y = x @ rng.normal(size=d) + 0.1 * rng.normal(size=n)
    lam_max = float(np.linalg.eigvalsh(x.T @ x / n).max())
    return x, y, lam_max


def _gd_step_fn(x: np.ndarray, y: np.ndarray):  # type: ignore[no-untyped-def]
    """Full-batch gradient descent on mean squared error / 2; returns the loss before the step."""
    w = np.zeros(x.shape[1])

    def train_step(lr: float) -> float:
        nonlocal w
        r = x @ w - y
        loss = float(0.5 * np.mean(r**2))
        w = w - lr * (x.T @ r) / len(y)
        return loss

    return train_step


def test_linear_regression_suggestions_land_in_the_stable_range() -> None:
    # Gradient descent on a quadratic converges iff lr < 2 / lambda_max; the fastest rate is
    # around 1 / lambda_max. A useful suggestion is inside (2 / lambda_max) * [1/100, 1).
    x, y, lam = _regression()
    limit = 2.0 / lam
    res = find_lr(_gd_step_fn(x, y), start=1e-5, end=10.0, steps=120)
    assert res.stop_reason.startswith("diverged"), res.stop_reason
    assert res.lrs[-1] > limit  # it ran past the edge and noticed
    for name in ("steepest", "minimum"):
        lr = res.suggestion(name)
        assert limit / 10 <= lr < limit, (name, lr, limit)
    # valley (fastai's rule) sits half-way along the descent: below the limit, conservative
    assert res.suggestion("valley") < limit / 10
    assert res.suggested == res.suggestions["steepest"].lr
    # the sweep never went far beyond divergence: stopped within a decade of the limit
    assert res.lrs[-1] < 10 * limit


@pytest.mark.parametrize("start", [1e-7, 1e-5, 1e-3])
def test_default_suggestion_does_not_depend_on_where_the_sweep_starts(start: float) -> None:
    for seed in range(3):
        x, y, lam = _regression(seed=seed)
        lr = find_lr(_gd_step_fn(x, y), start=start, end=10.0, steps=120).suggested
        assert 0.02 * 2 / lam <= lr <= 0.5 * 2 / lam, (seed, start, lr * lam / 2)


def test_scaling_the_problem_moves_the_suggestion() -> None:
    # Multiply the features by 3: the Hessian grows 9x, so the good LRs shrink 9x.
    x, y, _ = _regression(seed=1)
    a = find_lr(_gd_step_fn(x, y), start=1e-6, end=10.0, steps=150).suggested
    b = find_lr(_gd_step_fn(3 * x, 3 * y), start=1e-6, end=10.0, steps=150).suggested
    assert 3 < a / b < 27, (a, b)


def test_linear_sweep_and_smoothing() -> None:
    x, y, lam = _regression(seed=2)
    res = find_lr(_gd_step_fn(x, y), start=1e-3, end=4.0 / lam, steps=60, sweep="linear", smoothing=0.5)
    assert res.lrs[1] - res.lrs[0] == pytest.approx(res.lrs[2] - res.lrs[1])
    assert res.suggested < 2.0 / lam


def test_sweep_spacing() -> None:
    exp = lr_sweep(1e-4, 1.0, 5)
    assert exp == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert lr_sweep(0.0 + 1.0, 5.0, 5, "linear") == pytest.approx([1, 2, 3, 4, 5])


def test_nan_loss_stops_the_sweep() -> None:
    calls = []

    def step(lr: float) -> float:
        calls.append(lr)
        return math.nan if lr > 1e-2 else 1.0 - lr

    res = find_lr(step, start=1e-5, end=1.0, steps=50)
    assert "nan" in res.stop_reason
    assert calls[-1] > 1e-2 and len(calls) < 50


def test_feeding_the_suggestion_into_a_schedule() -> None:
    x, y, _ = _regression()
    res = find_lr(_gd_step_fn(x, y), start=1e-5, end=10.0, steps=100)
    oc = res.one_cycle(steps=1000)
    assert isinstance(oc, gs.OneCycle)
    assert max(oc(t) for t in range(0, 1001, 10)) == pytest.approx(res.suggested, rel=1e-6)
    s = res.scale(gs.cosine(steps=100), which="minimum")
    assert s(0) == pytest.approx(res.suggestions["minimum"].lr)
    # round trip through JSON-safe data
    again = LRFinderResult.from_dict(res.to_dict())
    assert again.suggestions == res.suggestions and again.lrs == res.lrs
    assert "valley" in str(res) and "steepest" in str(res)


def test_plot(tmp_path) -> None:  # type: ignore[no-untyped-def]
    x, y, _ = _regression()
    res = find_lr(_gd_step_fn(x, y), start=1e-5, end=10.0, steps=80)
    out = tmp_path / "lr.png"
    res.plot(str(out))
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("kwargs", "exc", "words"),
    [
        ({"start": 0.0}, ValueError, "start"),
        ({"start": 1.0, "end": 0.5}, ValueError, "end must be > start"),
        ({"steps": 2}, ValueError, "steps"),
        ({"sweep": "log"}, ValueError, "sweep"),
        ({"smoothing": 1.0}, ValueError, "smoothing"),
        ({"diverge": 1.0}, ValueError, "diverge"),
        ({"default": "best"}, ValueError, "default"),
    ],
)
def test_bad_arguments(kwargs, exc, words) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(exc, match=words):
        find_lr(lambda lr: 1.0, **kwargs)


def test_bad_train_step() -> None:
    with pytest.raises(TypeError, match="train_step must be a callable"):
        find_lr(3.0)
    with pytest.raises(TypeError, match="must return a number"):
        find_lr(lambda lr: "low", steps=10)


def test_too_short_a_curve_has_no_suggestion() -> None:
    assert suggest([1e-3, 1e-2], [1.0, 0.9]) == {}
    res = find_lr(lambda lr: math.inf, steps=10)
    with pytest.raises(ValueError, match="no suggestion"):
        _ = res.suggested


def test_torch_form_restores_model_and_optimizer() -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    x = torch.randn(256, 8)
    y = x @ torch.randn(8, 1) + 0.05 * torch.randn(256, 1)
    model = torch.nn.Linear(8, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.123, momentum=0.9)
    # one real step first, so the optimizer has state (momentum buffers) to restore
    torch.nn.functional.mse_loss(model(x), y).backward()
    opt.step()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    buf = opt.state[model.weight]["momentum_buffer"].clone()
    model.eval()
    data = [(x[i : i + 32], y[i : i + 32]) for i in range(0, 256, 32)]
    res = gs.find_lr(model, opt, torch.nn.functional.mse_loss, data, start=1e-4, end=100.0, steps=80)
    assert res.stop_reason.startswith("diverged")
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert torch.equal(opt.state[model.weight]["momentum_buffer"], buf)
    assert opt.param_groups[0]["lr"] == 0.123
    assert not model.training  # mode restored
    # SGD with momentum 0.9 on this problem diverges near lr = 2 * (1 + 0.9) / lambda_max
    lam = float(torch.linalg.eigvalsh(x.T @ x / 256).max()) * 2  # mse_loss = mean(r^2): Hessian 2 X'X/n
    assert res.suggested < 2 * 1.9 / lam


def test_torch_form_bad_arguments() -> None:
    torch = pytest.importorskip("torch")
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"optimizer must be a torch\.optim\.Optimizer"):
        find_lr(model, "sgd", torch.nn.functional.mse_loss, [])
    with pytest.raises(TypeError, match=r"model must be a torch\.nn\.Module"):
        find_lr("model", opt, torch.nn.functional.mse_loss, [])
    with pytest.raises(ValueError, match="data yielded no batches"):
        find_lr(model, opt, torch.nn.functional.mse_loss, [], steps=10)
    # a one-shot iterator that runs out
    batches = iter([(torch.zeros(4, 2), torch.zeros(4, 1))] * 3)
    with pytest.raises(ValueError, match="data ran out"):
        find_lr(model, opt, torch.nn.functional.mse_loss, batches, steps=10)


def test_import_glideslope_imports_no_numpy_or_torch() -> None:
    code = (
        "import sys, glideslope, glideslope.finder, glideslope.bench.commands; "
        "print(sorted(m for m in ('numpy', 'torch', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_valley_reports_a_stretch_that_starts_at_a_real_point() -> None:
    # the loss falls from the first point on: fastai's start index is -1 there, and the
    # reason once reported "lr 5.72 .. 3.94", the last point as the start of the stretch
    lrs = [10.0 ** (k / 4 - 6) for k in range(20)]
    losses = [10.0 - k for k in range(15)] + [20.0, 40.0, 80.0, 160.0, 320.0]
    valley = suggest(lrs, losses)["valley"]
    assert f"lr {lrs[0]:.3g} .. {lrs[14]:.3g}" in valley.reason
    assert valley.lr == lrs[-1 + int(15 / 3) + int(15 / 6)]  # fastai's pick from its start -1
