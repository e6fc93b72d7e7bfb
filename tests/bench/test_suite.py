"""The task suite: the tasks as declared, the held-out split, the suite's plan and report on
a synthetic run function, the pilots job on a real task, and the command line."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

import torch
from glideslope.bench import suite, suite_report
from glideslope.bench.lm_tasks import SUITE_LM_TASKS
from glideslope.bench.tabular_tasks import SUITE_TABULAR_TASKS
from glideslope.bench.tasks import TASKS, get_task
from glideslope.cli import main

CHEAP = [t.name for t in SUITE_TABULAR_TASKS]


def test_at_least_twelve_tasks_each_declared_once() -> None:
    assert len(TASKS) >= 12 and len({t.name for t in TASKS.values()}) == len(TASKS)
    for name, cls in TASKS.items():
        t = cls()
        assert t.name == name and t.kind and t.description
        assert t.optimizer in ("adamw", "sgd") and t.default_lr == 1e-3
        assert len(t.suite_grid()) == 12
        assert all(math.isclose(b / a, 2.0, rel_tol=1e-3) for a, b in zip(t.suite_grid(), t.suite_grid()[1:]))


def test_the_suite_covers_what_the_issue_lists() -> None:
    ts = [cls() for cls in TASKS.values()]
    assert any(t.objective == "regress" for t in ts) and any("tabular classification" in t.kind for t in ts)
    assert any(t.kind == "image CNN" for t in ts) and any(t.kind == "fine-tuning" for t in ts)
    sgd = [t for t in ts if t.optimizer == "sgd"]
    assert any(t.momentum == 0 for t in sgd) and any(t.momentum and not t.nesterov for t in sgd)
    assert any(t.nesterov for t in sgd)
    adamw = [t for t in ts if t.optimizer == "adamw"]
    assert any(t.weight_decay for t in adamw) and any(not t.weight_decay for t in adamw)
    assert any(t.batch_size >= 512 for t in ts) and any("small-data" in t.kind for t in ts)
    two = [t for t in ts if len(t.suite_budgets) >= 2 and max(t.suite_budgets) >= 8 * min(t.suite_budgets)]
    assert len(two) >= 3
    lms = {cls.name: cls for cls in SUITE_LM_TASKS}
    assert {"recurrent language model", "transformer language model"} <= {c().kind for c in lms.values()}
    corpora = {c.documents.__qualname__ for c in lms.values()}
    assert len(corpora) >= 2  # prose and package source (charlm: the top-level modules)


def test_the_split_file_holds_out_four_kinds_before_results() -> None:
    split = suite.load_split()
    held = split["held_out"]
    assert len(held) >= 4 and all(isinstance(why, str) and len(why) > 20 for why in held.values())
    assert len({TASKS[n]().kind for n in held}) >= 4
    assert set(held).isdisjoint(split["fitted"])
    assert set(held) | set(split["fitted"]) | set(split["retired"]) == set(TASKS)
    assert "before" in split["about"]


def test_a_retired_task_is_not_in_the_suite() -> None:
    retired = suite.load_split()["retired"]
    assert "wine" in retired and all(e.task not in retired for e in suite.entries())
    with pytest.raises(ValueError, match="wine is retired"):
        suite.entries(["wine"])


def test_a_broken_split_file_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "split.json"
    bad.write_text(json.dumps({"held_out": {"wine": "x"}, "fitted": ["wine"]}))
    with pytest.raises(ValueError, match="must split the tasks"):
        suite.load_split(bad)


@pytest.mark.parametrize("name", CHEAP)
def test_tabular_tasks_are_deterministic(name: str) -> None:
    t = get_task(name)
    x1, y1 = t.batch(3, 17)
    x2, y2 = t.batch(3, 17)
    assert torch.equal(x1, x2) and torch.equal(y1, y2) and len(y1) == t.batch_size
    a, b = t.model(5), t.model(5)
    assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values(), strict=True))
    loss, acc = t.evaluate(a, "val", final=True)
    assert math.isfinite(loss) and (acc is None) == (t.objective == "regress")
    fresh = type(t)().ensure()
    assert fresh.fingerprint() == t.fingerprint()


def test_finetune_starts_from_the_pretrained_body() -> None:
    t = get_task("digits-finetune")
    a, b = t.model(1), t.model(2)
    body_a, body_b = a[0].state_dict(), b[0].state_dict()
    assert all(torch.equal(body_a[k], body_b[k]) for k in body_a)  # the same pretrained body
    assert not torch.equal(a[2].weight, b[2].weight)  # a fresh head per seed
    scratch = t.evaluate(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 5)), "val", final=True)[0]
    assert t.evaluate(a, "val", final=True)[0] < scratch + 1.0


def test_original_tasks_keep_their_fingerprint() -> None:
    # the committed budget-study records were made on this data: they must still resume
    assert get_task("charlm").fingerprint() == "bb9d886e28002558"


def test_sgd_tasks_get_their_optimizer() -> None:
    t = get_task("breast-nesterov")
    opt = t.make_optimizer(t.model(0).parameters(), lr=0.05)
    assert isinstance(opt, torch.optim.SGD) and opt.param_groups[0]["nesterov"] and opt.param_groups[0]["momentum"] == 0.9
    assert isinstance(get_task("wine").make_optimizer(t.model(0).parameters(), 1e-3), torch.optim.AdamW)


# -- the plan and the report, on a synthetic run function -----------------------------------

SHAPE_OFFSET = {"warmup-cosine": 0.02, "linear-to-zero": 0.0, "wsd-1-sqrt": 0.05}


def fake_run(job: dict[str, Any]) -> dict[str, Any]:
    """Real range tests and pilots; every training run replaced by a loss that is a parabola in
    log(peak), lowest at 3e-3, plus a per-shape offset and a per-seed shift."""
    if job["kind"] != "run":
        return suite.run_suite_job(job)
    base = (math.log(float(job["peak"]) / 3e-3)) ** 2 / 10 + 1.0 + SHAPE_OFFSET.get(job["method"], 0.01)
    return {**job, "val_loss": base, "test_loss": base * (1 + 0.001 * int(job["seed"])), "wall": 0.0, "cpu": 0.0}


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[suite.EntryPlan], str]:
    results = str(tmp_path_factory.mktemp("suite") / "suite.jsonl")
    plans, missing = suite.run_suite(["diabetes", "breast-nesterov"], results=results, jobs=1, progress=False,
                                     run=fake_run)
    assert missing == []
    return plans, results


def test_the_plan_chooses_on_the_selection_seed(ran: tuple[list[suite.EntryPlan], str]) -> None:
    plans, _ = ran
    assert [p.entry.label for p in plans] == ["diabetes@200", "diabetes@1600", "breast-nesterov@150",
                                              "breast-nesterov@1200"]
    for p in plans:
        assert len(p.grid) == 36 and p.chosen["best_method"] == "linear-to-zero"
        assert p.chosen["best_peak"] in p.cfg.grid
        assert p.tuning_steps("grid-best") == 36 * int(p.cfg.steps or 0)
        assert 0 < p.tuning_steps("pilots") <= int(p.cfg.steps or 0)
        assert p.tuning_steps("recommend") == p.chosen["finder"]["sweep_steps"] <= 100
    adamw, sgd = plans[0].contenders(), plans[2].contenders()
    assert "prodigy" in adamw and "prodigy" not in sgd and "schedule-free" not in sgd
    assert plans[2].job("fastai", 1)["method"] == "one-cycle" and plans[0].job("fastai", 1)["method"] == "one-cycle-momentum"


def test_the_report_reads_the_records(ran: tuple[list[suite.EntryPlan], str], tmp_path: Path) -> None:
    _, results = ran
    plans, recs, notes = suite.read_suite(["diabetes", "breast-nesterov"], results)
    assert len(plans) == 4 and notes == []
    table = suite_report.rows(plans, recs)
    grid = [r for r in table if r.contender == "grid-best"]
    assert len(grid) == 4 and all(r.ratio == pytest.approx(1.0) for r in grid)
    assert all(r.n == suite.SEEDS for r in table)
    fitted = suite_report.summary(table, held_out=False)
    assert fitted["grid-best"][0] == pytest.approx(1.0) and fitted["default-lr"][1] >= 1.0
    shape, stats = suite_report.fit_shape(plans)
    assert shape == "linear" and stats["wsd-1-sqrt"][1] == pytest.approx(1.05 / 1.0, rel=1e-3)
    text = suite_report.format_suite(plans, recs, notes)
    assert "held-out" in text and "| diabetes@200 | fitted | pilots |" in text
    png = suite_report.plot_suite(table, str(tmp_path / "suite.png"))
    assert Path(png).stat().st_size > 1000


def test_missing_records_are_named_not_filled_in(ran: tuple[list[suite.EntryPlan], str], tmp_path: Path) -> None:
    _, results = ran
    lines = Path(results).read_text().splitlines()
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(line for line in lines if '"task": "breast-nesterov"' not in line) + "\n")
    plans, _, notes = suite.read_suite(["diabetes", "breast-nesterov"], str(cut))
    assert [p.entry.task for p in plans] == ["diabetes", "diabetes"]
    assert any(n.startswith("breast-nesterov@150: selection stage not in") for n in notes)


def test_the_pilots_job_on_a_real_task() -> None:
    plans, _ = suite.plan(["diabetes"])
    rec = suite.run_suite_job({**suite.pilot_job(plans[0].cfg), "threads": 1})
    r = rec["recommendation"]
    assert len(r["pilots"]) == 6 and r["tuning_steps"] <= 200 and rec["range_test_steps"] <= 200 // 5
    peak, p_hat, h = suite.pilot_peak(rec, 0.5)
    assert h == (200 - rec["range_test_steps"]) // 6 and peak == pytest.approx(p_hat * (h / 200) ** 0.5, rel=2e-3)


def test_bench_help_lists_every_task(capsys: pytest.CaptureFixture[str]) -> None:
    for cmd in (["bench", "--help"], ["find", "--help"]):
        with pytest.raises(SystemExit):
            main(cmd)
        out = capsys.readouterr().out
        assert all(f"  {name} " in out for name in TASKS), cmd


def test_suite_flags_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["bench", "--rerun"]) == 2
    assert "only apply with --suite" in capsys.readouterr().err
    assert main(["bench", "--suite", "--tasks", "nope"]) == 2
    assert "task must be one of" in capsys.readouterr().err
    assert main(["bench", "--suite", "--results", str(tmp_path / "none.jsonl")]) == 2
    assert "--rerun" in capsys.readouterr().err


def test_suite_command_reads_the_records(ran: tuple[list[suite.EntryPlan], str],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    _, results = ran
    assert main(["bench", "--suite", "--tasks", "diabetes,breast-nesterov", "--results", results]) == 0
    out = capsys.readouterr().out
    assert "4 task budgets" in out and "nothing trained now" in out
    assert Path(results).with_suffix(".md").exists() and Path(results).with_suffix(".png").exists()


def test_suite_verdict_without_records(tmp_path: Path) -> None:
    from glideslope.bench.suite_command import suite_verdict

    assert "no records at" in suite_verdict(str(tmp_path / "none.jsonl"))


def test_the_suites_pilot_peak_is_what_recommend_with_pilots_gives() -> None:
    import glideslope as gs
    from glideslope.tune.pilots import exponent_for_epochs

    result = gs.find_lr(lambda lr: 2.0 / (1.0 + 300 * lr) + (lr / 0.1) ** 2)

    def train(schedule: gs.Schedule, steps: int) -> float:
        return 1.0 + (math.log2(float(schedule(max(1, round(0.05 * steps)))) / 0.003) - 0.3 * math.log2(steps)) ** 2

    for epochs in (0.5, 40.0, 400.0):
        rec = gs.recommend_with_pilots(result, 900, train, epochs=epochs)
        record = {"recommendation": rec.to_dict(), "steps": 900}
        assert suite.pilot_peak(record, exponent_for_epochs(epochs))[0] == rec.peak


def test_progress_names_a_pilots_record_by_its_peak_not_as_diverged() -> None:
    from glideslope.bench.executor import _note

    note = _note({"kind": "pilots", "task": "digits", "steps": 150, "recommendation": {"peak": 0.0355}})
    assert note == "pilots digits@150 -> peak 0.0355"


def test_the_docs_and_readme_count_the_suite_tasks() -> None:
    root = Path(__file__).resolve().parents[2]
    n = len({e.task for e in suite.entries()})
    words = {16: "sixteen", 17: "seventeen", 18: "eighteen"}
    assert f"It is {words[n]} small offline tasks" in " ".join((root / "docs/suite.md").read_text().split())
    assert f"on {n} offline tasks" in " ".join((root / "README.md").read_text().split())
