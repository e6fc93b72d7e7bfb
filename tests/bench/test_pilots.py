"""The pilot-based recommendation: its rule on a function whose best peak is known, the
tuning compute, diverged pilots, short budgets, bad input, and the PyTorch form's restore."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glideslope as gs
from glideslope.tune.pilots import COARSE, MIN_PILOT_STEPS, N_PILOTS, REFINE, pilot_steps, vertex


def _range_test() -> gs.LRFinderResult:
    """A range test of 100 steps on a smooth synthetic curve (falls, then blows up past 0.1)."""
    return gs.find_lr(lambda lr: 2.0 / (1.0 + 300 * lr) + (lr / 0.1) ** 2)


def _quadratic(anchor: float, total: int, alpha: float, calls: list[tuple[float, int]] | None = None) -> Any:
    """A train function whose validation loss is a parabola in log2(peak), lowest at
    ``target(steps) = 0.1 * anchor * (steps / total) ** -alpha``."""

    def train(schedule: gs.Schedule, steps: int) -> float:
        peak = float(schedule(max(1, round(0.05 * steps))))  # the end of the warmup: the peak
        if calls is not None:
            calls.append((peak, steps))
        target = 0.1 * anchor * (steps / total) ** -alpha
        return 1.0 + math.log2(peak / target) ** 2

    return train


def test_recovers_the_full_horizon_peak_when_the_exponent_is_right() -> None:
    result = _range_test()
    anchor, total, alpha = result.suggested, 1200, 0.4
    calls: list[tuple[float, int]] = []
    rec = gs.recommend_with_pilots(result, total, _quadratic(anchor, total, alpha, calls), horizon_exponent=alpha)
    assert rec.peak == pytest.approx(0.1 * anchor, rel=5e-3)  # the parabola's vertex is exact
    h = (total - len(result.lrs)) // N_PILOTS
    assert [s for _, s in calls] == [h] * N_PILOTS
    assert rec.tuning_steps == len(result.lrs) + N_PILOTS * h <= total
    assert [p.peak for p in rec.pilots[: len(COARSE)]] == pytest.approx([anchor * m for m in COARSE], rel=1e-3)
    best = min(rec.pilots[: len(COARSE)], key=lambda p: p.loss).peak
    assert [p.peak for p in rec.pilots[len(COARSE):]] == pytest.approx([best * m for m in REFINE])
    assert rec.schedule(rec.warmup_steps) == pytest.approx(rec.peak)
    assert rec.total_steps == total and "horizon correction" in rec.reasons["peak"]
    assert "tuning" in str(rec) and rec.to_dict()["tuning_steps"] == rec.tuning_steps


def test_without_the_correction_it_keeps_the_short_horizons_peak() -> None:
    result = _range_test()
    anchor, total = result.suggested, 1200
    rec = gs.recommend_with_pilots(result, total, _quadratic(anchor, total, 0.4), horizon_exponent=0.0)
    h = (total - len(result.lrs)) // N_PILOTS
    assert rec.peak == pytest.approx(0.1 * anchor * (h / total) ** -0.4, rel=5e-3)  # too high, as short pilots are


def test_diverged_pilots_are_reported_and_skipped() -> None:
    result = _range_test()
    anchor = result.suggested
    inner = _quadratic(anchor, 1200, 0.0)

    def train(schedule: gs.Schedule, steps: int) -> float:
        peak = float(schedule(steps // 2))
        if peak > anchor:
            raise FloatingPointError("loss is nan")
        if peak < anchor / 20:
            return math.nan
        return float(inner(schedule, steps))

    rec = gs.recommend_with_pilots(result, 1200, train, horizon_exponent=0.0)
    diverged = [p for p in rec.pilots if p.diverged]
    assert {round(p.peak / anchor, 4) for p in diverged} >= {2.0, 0.0312}
    assert any("FloatingPointError" in p.error for p in diverged) and any("nan" in p.error for p in diverged)
    assert all(math.isinf(p.loss) for p in diverged) and "diverged" in rec.reasons["peak"]
    assert math.isfinite(rec.peak) and rec.peak > 0


def test_every_coarse_pilot_diverging_is_an_error() -> None:
    def broken(schedule: gs.Schedule, steps: int) -> float:
        raise RuntimeError("CUDA out of memory")

    with pytest.raises(ValueError, match=r"every coarse pilot diverged.*CUDA out of memory"):
        gs.recommend_with_pilots(_range_test(), 1200, broken)


def test_a_budget_too_short_names_the_smallest_that_works() -> None:
    result = _range_test()
    need = len(result.lrs) + N_PILOTS * MIN_PILOT_STEPS
    with pytest.raises(ValueError, match=f"total_steps >= {need}"):
        gs.recommend_with_pilots(result, need - 1, _quadratic(1.0, need, 0.0))
    assert pilot_steps(need, len(result.lrs)) == MIN_PILOT_STEPS


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"train": 3}, "train must be a callable"),
    ({"result": "knee"}, "result must be an LRFinderResult"),
    ({"shape": "zigzag"}, "shape"),
    ({"horizon_exponent": -1.0}, "horizon_exponent"),
    ({"total_steps": 5}, "total_steps"),
])
def test_bad_input(kwargs: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = {"result": _range_test(), "total_steps": 1200, "train": _quadratic(1.0, 1200, 0.0)}
    args.update(kwargs)
    with pytest.raises((TypeError, ValueError), match=match):
        gs.recommend_with_pilots(args.pop("result"), args.pop("total_steps"), args.pop("train"), **args)


@settings(max_examples=20, deadline=None)
@given(total=st.integers(min_value=220, max_value=20_000), alpha=st.floats(min_value=0.0, max_value=1.0))
def test_tuning_never_exceeds_one_run(total: int, alpha: float) -> None:
    result = _range_test()
    rec = gs.recommend_with_pilots(result, total, _quadratic(result.suggested, total, alpha))
    assert len(rec.pilots) == N_PILOTS
    assert rec.tuning_steps == len(result.lrs) + sum(p.steps for p in rec.pilots) <= total


def test_vertex() -> None:
    assert vertex([1.0, 2.0, 4.0], [2.0, 1.0, 2.0]) == (2.0, True)
    p, interior = vertex([1.0, 2.0, 4.0], [1.5, 1.0, 2.0])
    assert interior and 1.0 < p < 2.0  # leans toward the lower side
    assert vertex([1.0, 2.0, 4.0], [3.0, 2.0, 1.0]) == (4.0, False)  # the edge: no vertex
    assert vertex([1.0, 2.0, 4.0], [2.0, 1.0, math.inf]) == (2.0, False)  # a diverged neighbour


def test_zero_pilot_recommend_reports_its_tuning_steps() -> None:
    result = _range_test()
    rec = gs.recommend(result, total_steps=1000)
    assert rec.tuning_steps == len(result.lrs) and rec.pilots == ()
    assert "pilot" not in str(rec)


# -- the PyTorch form ---------------------------------------------------------------------

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _one_thread() -> Any:
    """One torch thread (the machine is shared; small models run faster so)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _problem() -> tuple[Any, Any, list[Any], list[Any]]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 8, generator=g)
    y = x @ torch.randn(8, 1, generator=g) + 0.3 * torch.randn(512, 1, generator=g)
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return model, opt, [(x[i : i + 32], y[i : i + 32]) for i in range(0, 384, 32)], [(x[384:], y[384:])]


def test_torch_form_restores_the_model_and_the_optimizer() -> None:
    model, opt, train, val = _problem()
    model.eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    rec = gs.recommend_torch(model, opt, torch.nn.functional.mse_loss, train, val, total_steps=600)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert opt.param_groups[0]["lr"] == 0.01 and not opt.state and not model.training
    assert torch.equal(torch.get_rng_state(), rng)
    assert len(rec.pilots) == N_PILOTS and rec.tuning_steps <= 600
    assert not any(p.diverged for p in rec.pilots) and 0 < rec.peak < 10


def test_torch_form_restores_after_a_failing_pilot_and_reports_it() -> None:
    model, opt, train, val = _problem()
    before = {k: v.clone() for k, v in model.state_dict().items()}

    def loss_fn(out: Any, y: Any) -> Any:
        if not torch.is_grad_enabled() and float(out.abs().max()) > 50:  # a "diverged" validation pass
            raise FloatingPointError("validation overflow")
        return torch.nn.functional.mse_loss(out, y)

    rec = gs.recommend_torch(model, opt, loss_fn, train, val, total_steps=600)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(p.diverged == bool(p.error) for p in rec.pilots)


def test_torch_form_errors() -> None:
    model, opt, train, val = _problem()
    with pytest.raises(ValueError, match="total_steps must be >= 150"):
        gs.recommend_torch(model, opt, torch.nn.functional.mse_loss, train, val, total_steps=149)
    with pytest.raises(TypeError, match="val_data is required"):
        gs.recommend_torch(model, opt, torch.nn.functional.mse_loss, train, None, total_steps=600)


@settings(max_examples=50, deadline=None)
@given(a=st.floats(min_value=0.01, max_value=1e4), b=st.floats(min_value=0.01, max_value=1e4))
def test_the_epochs_exponent_rises_from_its_floor_to_one(a: float, b: float) -> None:
    from glideslope.tune.pilots import EPOCHS_HIGH, EPOCHS_LOW, EXPONENT_MIN, exponent_for_epochs

    lo, hi = sorted((a, b))
    assert EXPONENT_MIN <= exponent_for_epochs(lo) <= exponent_for_epochs(hi) <= 1.0
    assert exponent_for_epochs(EPOCHS_LOW) == pytest.approx(EXPONENT_MIN)
    assert exponent_for_epochs(EPOCHS_HIGH) == pytest.approx(1.0)


def test_epochs_set_the_correction() -> None:
    from glideslope.tune.pilots import exponent_for_epochs

    result = _range_test()
    anchor, total = result.suggested, 1200
    for epochs in (0.5, 30.0, 500.0):
        alpha = exponent_for_epochs(epochs)
        rec = gs.recommend_with_pilots(result, total, _quadratic(anchor, total, alpha), epochs=epochs)
        assert rec.peak == pytest.approx(0.1 * anchor, rel=5e-3), epochs
        assert f"for {epochs:.3g} passes over the data" in rec.reasons["peak"]
    with pytest.raises(ValueError, match="epochs"):
        gs.recommend_with_pilots(result, total, _quadratic(anchor, total, 0.0), epochs=0)
