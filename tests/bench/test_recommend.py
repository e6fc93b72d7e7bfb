"""``glideslope.recommend``: a whole schedule from a range test and the run's length."""

from __future__ import annotations

import json
import math

import pytest

import glideslope as gs
from glideslope.spec import parse_spec
from glideslope.tune.finder import LRFinderResult, find_lr
from glideslope.tune.recommendation import SHAPES, Recommendation, build_schedule, recommend


def _curve(edge: float = 0.1):  # type: ignore[no-untyped-def]
    """A range test whose loss falls from 3 to 1 around ``edge / 10`` and blows up past ``edge``."""
    def step(lr: float) -> float:
        return 1.0 + 2.0 / (1.0 + (lr / (edge / 10)) ** 2) + (50.0 * (lr / edge) ** 4 if lr > edge else 0.0)

    return find_lr(step)


def test_the_default_schedule_is_warmup_stable_then_1_sqrt_cooldown_at_the_knee() -> None:
    res = _curve()
    rec = gs.recommend(res, 1000)
    assert isinstance(rec, Recommendation)
    assert rec.peak == float(f"{res.suggestions['knee'].lr:.3g}")
    assert (rec.warmup_steps, rec.shape, rec.total_steps) == (50, "1-sqrt", 1000)
    s = rec.schedule
    assert s(0) == 0.0 and s(25) == pytest.approx(rec.peak / 2) and s(50) == pytest.approx(rec.peak)
    # held until the last 20%, then peak * (1 - sqrt(p)) down to 0
    assert s(500) == s(800) == pytest.approx(rec.peak)
    assert s(850) == pytest.approx(rec.peak * (1 - 0.25 ** 0.5)) and s(1000) == 0.0 and s(5000) == 0.0
    assert max(s(t) for t in range(1001)) == pytest.approx(rec.peak)
    assert set(rec.reasons) == {"peak", "warmup", "shape"}
    assert "knee" in rec.reasons["peak"] and "5%" in rec.reasons["warmup"] and "1-sqrt" in rec.reasons["shape"]
    assert "task suite" in rec.reasons["shape"] and "budget study" in rec.reasons["peak"]
    assert str(rec).splitlines()[0] == f"recommended schedule for 1000 steps: {rec.spec}"


def test_the_spec_rebuilds_the_schedule_and_the_dict_is_json() -> None:
    rec = gs.recommend(_curve(), 240)
    assert parse_spec(rec.spec) == rec.schedule
    assert rec.spec == (f"warmup(steps=12) >> constant(value={rec.peak!r}, steps=180) >> "
                        f"cooldown(start={rec.peak!r}, steps=48, shape='1-sqrt')")
    data = json.loads(json.dumps(rec.to_dict()))
    assert data["spec"] == rec.spec and data["peak"] == rec.peak and data["total_steps"] == 240


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape(shape: str) -> None:
    rec = gs.recommend(_curve(), 500, shape=shape)
    s = rec.schedule
    assert rec.shape == shape and parse_spec(rec.spec) == s
    assert max(s(t) for t in range(501)) == pytest.approx(rec.peak)
    assert s(500) == (rec.peak if shape == "constant" else 0.0)
    if shape == "1-sqrt":  # held until the last 20%
        assert s(399) == pytest.approx(rec.peak) and s(450) < rec.peak
    assert rec.reasons["shape"] == f"{shape}, as given"


def test_overrides_say_so_in_the_reasons() -> None:
    rec = gs.recommend(_curve(), 400, peak=3e-3, warmup="10%")
    assert rec.peak == 3e-3 and rec.warmup_steps == 40
    assert rec.reasons["peak"] == "0.003, as given" and rec.reasons["warmup"] == "40 steps, as given"
    assert gs.recommend(_curve(), 400, warmup=0).spec.startswith("constant(")


def test_the_pick_follows_the_curve() -> None:
    # the same curve shape 10x to the left: the peak moves 10x
    a = gs.recommend(_curve(0.1), 1000).peak
    b = gs.recommend(_curve(0.01), 1000).peak
    assert a / b == pytest.approx(10, rel=0.2)


def test_from_a_stored_result() -> None:
    res = _curve()
    again = LRFinderResult.from_dict(json.loads(json.dumps(res.to_dict())))
    assert gs.recommend(again, 777) == gs.recommend(res, 777)
    assert find_lr(lambda lr: 1.0 / (1.0 + lr), total_steps=300).recommendation == \
        gs.recommend(find_lr(lambda lr: 1.0 / (1.0 + lr)), 300)


def test_build_schedule_matches_the_spec_language() -> None:
    s = build_schedule(0.01, 5, "cosine", 100)
    assert s == parse_spec("warmup(steps=5) >> cosine(start=0.01, steps=95)")


@pytest.mark.parametrize(
    ("kwargs", "exc", "words"),
    [
        ({"total_steps": 5}, ValueError, "total_steps"),
        ({"total_steps": 10.5}, TypeError, "total_steps"),
        ({"shape": "step"}, ValueError, "shape"),
        ({"warmup": -1}, ValueError, "warmup"),
        ({"warmup": 1000}, ValueError, "warmup must be shorter than the run"),
        ({"warmup": "5"}, ValueError, "percentage like '5%'"),
        ({"warmup": "100%"}, ValueError, r"\[0%, 100%\)"),
        ({"peak": 0.0}, ValueError, "peak"),
        ({"peak": math.inf}, ValueError, "peak"),
    ],
)
def test_bad_arguments(kwargs, exc, words) -> None:  # type: ignore[no-untyped-def]
    args = {"total_steps": 100, **kwargs}
    with pytest.raises(exc, match=words):
        recommend(_curve(), **args)


def test_bad_result() -> None:
    with pytest.raises(TypeError, match="result must be an LRFinderResult"):
        recommend({"lrs": []}, 100)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="result must be an LRFinderResult"):
        recommend("curve", 100, peak=0.1)  # type: ignore[arg-type]
    empty = find_lr(lambda lr: math.inf, steps=10)
    with pytest.raises(ValueError, match="no suggestion"):
        recommend(empty, 100)


def test_a_run_shorter_than_twice_the_range_test_gets_a_higher_peak() -> None:
    res = _curve()
    knee = res.suggestions["knee"].lr
    horizon = 2 * len(res.lrs)
    assert gs.recommend(res, horizon).peak == float(f"{knee:.3g}")  # long enough: the knee
    assert gs.recommend(res, 10 * horizon).peak == float(f"{knee:.3g}")
    short = gs.recommend(res, horizon // 2)
    assert short.peak == float(f"{knee * math.sqrt(horizon / (horizon // 2)):.3g}")
    assert "shorter than twice the range test" in short.reasons["peak"]
    assert gs.recommend(res, 10).peak == float(f"{2 * knee:.3g}")  # at most doubled
    assert "Not scaled with the run's length" in gs.recommend(res, horizon).reasons["peak"]
