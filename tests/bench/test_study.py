"""The budget study's tables: the grid-free peak estimate and the markdown, from records the
real planner asks for (a stand-in trainer answers with a known loss surface)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from glideslope.bench.runner import run_many
from glideslope.bench.study import GRID, GRIDDED, study_configs
from glideslope.bench.study_report import format_study, format_study_terminal, vertex_peak


def _recs(points: dict[float, float | None]) -> list[dict[str, Any]]:
    return [{"peak": p, "val_loss": v} for p, v in points.items()]


def test_vertex_of_an_exact_parabola_in_log_lr() -> None:
    best = 0.0061
    pts = {p: 2.0 + 0.05 * (math.log2(p) - math.log2(best)) ** 2 for p in GRID}
    assert vertex_peak(_recs(pts)) == pytest.approx(best, rel=1e-9)
    # the order of the records does not matter
    assert vertex_peak(list(reversed(_recs(pts)))) == pytest.approx(best, rel=1e-9)


def test_vertex_is_none_at_the_edge_or_next_to_a_divergence() -> None:
    falling = {p: 3.0 - i for i, p in enumerate(GRID)}
    assert vertex_peak(_recs(falling)) is None  # best at the top of the grid
    pts = {p: 2.0 + 0.05 * (math.log2(p) - math.log2(0.0045)) ** 2 for p in GRID}
    pts[0.008] = None  # the upper neighbour of the best (0.004) diverged
    assert vertex_peak(_recs(pts)) is None


def _fake_run(job: dict[str, Any]) -> dict[str, Any]:
    """Loss = a parabola in log2(peak) around 0.006, offset per method and seed."""
    offset = {"warmup-constant": 0.10, "warmup-cosine": 0.03, "linear-to-zero": 0.02, "wsd-1-sqrt": 0.0,
              "schedule-free": 0.01, "prodigy": 0.05}[job["method"]]
    loss = 2.0 + offset + 0.05 * (math.log2(job["peak"]) - math.log2(0.006)) ** 2 if job["method"] != "prodigy" \
        else 2.08
    loss += 0.001 * job["seed"] - 0.0001 * job["steps"] / 60
    return {**job, "val_loss": loss, "test_loss": loss + 0.01, "wall": 1.0, "diverged_at": None}


def test_study_tables_from_the_planner(tmp_path: Any) -> None:
    cfgs = study_configs((60, 120), seeds=3, jobs=1, results=str(tmp_path / "s.jsonl"),
                         methods=(*GRIDDED, "prodigy"))
    outs = run_many(cfgs, progress=False, run=_fake_run)
    text = format_study(outs)
    # every gridded method chose 0.004 or 0.008 (the surface's minimum is at 0.006), and the
    # vertex recovers 0.006 from the grid
    assert "| linear-to-zero | 0.008 (≈0.006) | 0.008 (≈0.006) |" in text
    assert "### 60 steps (3 reporting seeds; grid-best: wsd-1-sqrt at 0.008)" in text
    assert "| prodigy |" in text and "Tuning-free" in text
    # prodigy: 2.09 against wsd's 2.0 + 0.05 * log2(8/6)^2 + 0.01; ratio printed with its verdict
    assert "worse" in text
    term = format_study_terminal(outs)
    assert term.splitlines()[0].startswith("60 steps: wsd-1-sqrt")
    assert "prodigy" in term and "% compute" in term


def test_collect_reports_the_largest_complete_seed_count_and_skips_missing_budgets(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import glideslope.bench.study_report as sr

    results = str(tmp_path / "s.jsonl")
    methods = (*GRIDDED, "prodigy")
    run_many(study_configs((60,), seeds=3, jobs=1, results=results, methods=methods), progress=False, run=_fake_run)
    real = sr.study_configs
    monkeypatch.setattr(sr, "study_configs", lambda budgets, seeds, jobs, results: real(
        budgets, seeds, jobs=jobs, results=results, methods=methods))
    # 60 steps has 3 seeds (not 10 or 5); 120 steps has nothing, so it is left out
    outs = sr.collect(results, budgets=(60, 120), seeds=(10, 5, 3))
    assert [(o.config.steps, o.config.seeds) for o in outs] == [(60, 3)]


def test_a_job_shared_by_several_budgets_runs_once(tmp_path: Any) -> None:
    # every budget of the study asks for the same range test (same seed, same key)
    from glideslope.bench.executor import execute, load_results

    calls: list[str] = []

    def run(job: dict[str, Any]) -> dict[str, Any]:
        calls.append(job["key"])
        return {**job, "val_loss": 1.0}

    results = tmp_path / "r.jsonl"
    jobs = [{"key": "finder|seed=0"}, {"key": "run|a"}, {"key": "finder|seed=0"}]
    recs = execute(jobs, results, 1, run=run)
    assert calls == ["finder|seed=0", "run|a"]
    assert set(recs) == {"finder|seed=0", "run|a"} and len(load_results(results)) == 2
    assert len(results.read_text().splitlines()) == 2
