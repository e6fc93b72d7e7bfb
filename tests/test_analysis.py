"""Analysis: mean, area, crossings, extremes, phase table, jumps; plateau controller state."""

from __future__ import annotations

import json
import math

import pytest

import glideslope as gs


def test_mean_and_area_of_linear() -> None:
    s = gs.linear(1.0, 0.0, 100)
    assert gs.area(s, 0, 101) == pytest.approx(50.5)
    assert gs.mean(s, 0, 101) == pytest.approx(0.5)
    assert gs.mean(gs.constant(0.25), 0, 10) == 0.25


def test_first_crossing() -> None:
    s = gs.cosine(1.0, 0.0, 100)
    t = gs.first_crossing(s, 0.5, 0, 101)
    assert t == 50
    assert gs.first_crossing(s, -1.0, 0, 101) is None
    w = gs.warmup(10) >> gs.constant(1.0)
    assert gs.first_crossing(w, 0.55, 0, 50, direction="up") == 6
    assert gs.first_crossing(w, 0.55, 0, 50, direction="any") == 6
    with pytest.raises(ValueError, match="direction must be"):
        gs.first_crossing(s, 0.5, direction="sideways")


def test_extremes() -> None:
    s = gs.one_cycle(1.0, steps=100, warmup=0.3)
    (imin, vmin), (imax, vmax) = gs.extremes(s)
    assert imax == 30 and vmax == pytest.approx(1.0)
    assert imin == 100 and vmin == pytest.approx(1.0 / 25 / 1e4)


def test_phase_table() -> None:
    s = (gs.warmup(10) >> gs.constant(1.0, 20) >> gs.cosine(1.0, 0.1, 70)).bind(total_steps=100)
    rows = gs.phase_table(s)
    assert [(r.name, r.start, r.stop) for r in rows] == [("warmup", 0, 10), ("constant", 10, 30), ("cosine", 30, 100)]
    assert rows[0].start_value == 0.0 and rows[0].end_value == pytest.approx(1.0)
    assert rows[2].end_value == pytest.approx(0.1) and rows[2].peak == pytest.approx(1.0)
    assert rows[1].mean == 1.0


def test_range_errors() -> None:
    with pytest.raises(ValueError, match="stop must be an int > start=5"):
        gs.mean(gs.constant(1.0), 5, 5)


def test_plateau_state_dict_round_trip_resumes_exactly() -> None:
    metrics = [1.0, 0.9, 0.9, 0.91, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.85, 0.86, 0.87, 0.88, 0.88]
    full = gs.ReduceOnPlateau(factor=0.5, patience=2, cooldown=1, min_value=0.01)
    scales = []
    for m in metrics:
        full.update(m)
        scales.append(full.scale)
    first = gs.ReduceOnPlateau(factor=0.5, patience=2, cooldown=1, min_value=0.01)
    for m in metrics[:7]:
        first.update(m)
    state = json.loads(json.dumps(first.state_dict()))
    resumed = gs.ReduceOnPlateau(factor=0.5, patience=2, cooldown=1, min_value=0.01)
    resumed.load_state_dict(state)
    rest = []
    for m in metrics[7:]:
        resumed.update(m)
        rest.append(resumed.scale)
    assert rest == scales[7:]
    assert scales[-1] < 1.0


def test_plateau_resumes_after_its_scale_underflowed_to_zero() -> None:
    # factor 0.1, min_value 0 and eps 0: about 324 reductions take the scale below the smallest float
    ctl = gs.ReduceOnPlateau(factor=0.1, patience=0, min_value=0.0, eps=0.0)
    ctl.update(1.0)
    for _ in range(400):
        ctl.update(2.0)
    assert ctl.scale == 0.0
    again = gs.ReduceOnPlateau(factor=0.1, patience=0, min_value=0.0, eps=0.0)
    again.load_state_dict(json.loads(json.dumps(ctl.state_dict())))
    assert again.scale == 0.0 and again.state_dict() == ctl.state_dict()
    with pytest.raises(ValueError, match="scale"):
        again.load_state_dict({**ctl.state_dict(), "scale": -1e-300})


def test_plateau_modes_and_thresholds() -> None:
    mx = gs.ReduceOnPlateau(mode="max", patience=0, threshold=0.1, threshold_mode="abs")
    mx.update(1.0)
    assert mx.update(1.05)  # not better by more than 0.1 -> reduce
    assert mx.scale == pytest.approx(0.1)
    floor = gs.ReduceOnPlateau(patience=0, factor=0.1, min_value=0.05)
    floor.update(1.0)
    floor.update(1.0)
    floor.update(1.0)
    assert floor(0) == pytest.approx(0.05)
    assert math.isinf(gs.ReduceOnPlateau().state_dict()["best"])
