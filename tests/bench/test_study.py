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
    assert ("### 60 steps (3 reporting seeds; reference, the grid-best on seed 0's validation loss: wsd-1-sqrt "
            "at 0.008)") in text
    assert "| prodigy |" in text and "Tuning-free" in text
    # prodigy: 2.09 against wsd's 2.0 + 0.05 * log2(8/6)^2 + 0.01; ratio printed with its verdict
    assert "worse" in text
    term = format_study_terminal(outs)
    assert term.splitlines()[0].startswith("60 steps (reference wsd-1-sqrt): wsd-1-sqrt")
    assert "prodigy" in term and "% compute" in term


def test_collect_reports_the_largest_complete_seed_count_and_skips_missing_budgets(tmp_path: Any) -> None:
    import glideslope.bench.study_report as sr

    results = str(tmp_path / "s.jsonl")
    methods = (*GRIDDED, "prodigy")
    run_many(study_configs((60,), seeds=3, jobs=1, results=results, methods=methods), progress=False, run=_fake_run)
    # 60 steps has 3 seeds (not 10 or 5); 120 steps has nothing, so it is left out; the study's
    # methods that did not run (the finder's, D-Adaptation, the default LR) are left out of its tables
    outs = sr.collect(results, budgets=(60, 120), seeds=(10, 5, 3))
    assert [(o.config.steps, o.config.seeds) for o in outs] == [(60, 3)]
    assert set(outs[0].eval_records) == set(methods)


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


def _cursed_run(job: dict[str, Any]) -> dict[str, Any]:
    """On seed 0 schedule-free has the lowest validation loss; on the reporting seeds WSD has
    the lowest test loss: a reference picked on the reporting seeds would be WSD."""
    offset = {"warmup-constant": 0.10, "warmup-cosine": 0.03, "linear-to-zero": 0.02, "wsd-1-sqrt": 0.01,
              "schedule-free": 0.0, "prodigy": 0.05, "default-lr": 0.2}[job["method"]]
    if job["seed"] > 0 and job["method"] == "wsd-1-sqrt":
        offset = -0.05
    loss = 2.0 + offset + 0.05 * (math.log2(job["peak"]) - math.log2(0.006)) ** 2 + 0.003 * (job["seed"] % 3)
    return {**job, "val_loss": loss, "test_loss": loss + 0.01, "wall": 1.0, "diverged_at": None}


def test_the_reference_is_chosen_on_validation_not_on_the_reporting_seeds(tmp_path: Any) -> None:
    from glideslope.bench.report import grid_best, summary, tuning_free

    cfgs = study_configs((60,), seeds=3, jobs=1, results=str(tmp_path / "c.jsonl"),
                         methods=(*GRIDDED, "prodigy", "default-lr"))
    out = run_many(cfgs, progress=False, run=_cursed_run)[0]
    rows = summary(out)
    assert rows[0]["method"] == "wsd-1-sqrt"  # lowest test loss on the reporting seeds...
    ref = next(r for r in rows if r["verdict"] == "reference")
    assert ref["method"] == grid_best(out) == "schedule-free"  # ...but the reference is chosen on seed 0
    assert rows[0]["verdict"] == "better"
    assert {t["reference"] for t in tuning_free(out)} == {"schedule-free"}
    assert {t["schedule_reference"] for t in tuning_free(out)} == {"wsd-1-sqrt"}
    # the untuned default is a tuning-free row at AdamW's default LR
    assert {t["method"] for t in tuning_free(out)} == {"prodigy", "default-lr"} and out.best["default-lr"] == 1e-3


def test_rebuilt_from_the_records_equals_the_planners_outcome(tmp_path: Any) -> None:
    from glideslope.bench.records import rebuild

    results = str(tmp_path / "s.jsonl")
    cfgs = study_configs((60, 120), seeds=3, jobs=1, results=results, methods=(*GRIDDED, "prodigy", "default-lr"))
    planned = run_many(cfgs, progress=False, run=_fake_run_with_default)
    rebuilt = [rebuild(results, "charlm", b) for b in (60, 120)]
    assert all(o is not None for o in rebuilt)
    assert format_study(rebuilt) == format_study(planned)  # type: ignore[arg-type]


def _fake_run_with_default(job: dict[str, Any]) -> dict[str, Any]:
    if job["method"] == "default-lr":
        return {**job, "val_loss": 2.3, "test_loss": 2.3 + 0.001 * job["seed"], "wall": 1.0, "diverged_at": None}
    return _fake_run(job)


def test_rebuild_reports_the_last_version_written(tmp_path: Any) -> None:
    # an append-only file holds an older version of a method (another peak, another schedule):
    # the version of the method's last record counts
    from glideslope.bench.executor import append_result
    from glideslope.bench.records import rebuild

    results = tmp_path / "v.jsonl"
    for m, peak in (("warmup-cosine", p) for p in GRID):
        append_result(results, {"key": f"{m}|{peak}", "kind": "run", "task": "charlm", "method": m, "peak": peak,
                                "seed": 0, "steps": 60, "evals": 4, "val_loss": abs(peak - 0.004)})
    for version, peak in (("old", 0.005), ("new", 0.006)):
        for seed in (1, 2):
            append_result(results, {"key": f"p|{version}|{seed}|sched={version}", "kind": "run", "task": "charlm",
                                    "method": "prodigy", "peak": peak, "seed": seed, "steps": 60, "evals": 4,
                                    "val_loss": 1.0, "test_loss": 1.0, "wall": 1.0})
    for seed in (1, 2):
        append_result(results, {"key": f"c|{seed}", "kind": "run", "task": "charlm", "method": "warmup-cosine",
                                "peak": 0.004, "seed": seed, "steps": 60, "evals": 4, "val_loss": 1.0,
                                "test_loss": 1.0, "wall": 1.0})
    out = rebuild(results, "charlm", 60)
    assert out is not None and out.best == {"warmup-cosine": 0.004, "prodigy": 0.006}
    assert [r["key"] for r in out.eval_records["prodigy"]] == ["p|new|1|sched=new", "p|new|2|sched=new"]
    assert out.config.seeds == 2 and out.config.grid == GRID


def test_verdict_counts_per_comparison_and_under_bonferroni(tmp_path: Any) -> None:
    from glideslope.bench.study_report import verdict_counts

    results = str(tmp_path / "s.jsonl")
    cfgs = study_configs((60, 120, 240), seeds=3, jobs=1, results=results, methods=(*GRIDDED, "prodigy"))
    outs = run_many(cfgs, progress=False, run=_fake_run)
    c = verdict_counts(outs, "prodigy")
    assert c["k"] == 3 and c["level"] == pytest.approx(1 - 0.05 / 3)
    assert len(c["per"]) == len(c["family"]) == 3
    # a wider (Bonferroni) interval never turns "cannot tell" into a finding
    for per, fam in zip(c["per"], c["family"], strict=True):
        assert not (per == "cannot tell" and fam != "cannot tell")
    assert "Verdict counts over the budgets" in format_study(outs) and "Bonferroni" in format_study(outs)
