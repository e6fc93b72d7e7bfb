"""The benchmark end to end on the seconds-long digits task: records, report, resume, errors."""

from __future__ import annotations

import importlib.metadata
import json
import math
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

import torch
from glideslope.bench import methods as methods_mod
from glideslope.bench import report
from glideslope.bench.cooldowns import run_cooldowns
from glideslope.bench.executor import append_result, load_results
from glideslope.bench.runner import BenchConfig, check_grid, parse_grid, run_benchmark
from glideslope.bench.tasks import get_task
from glideslope.bench.train import run_job
from glideslope.cli import main

METHODS = ("constant", "warmup-constant", "cosine", "wsd-1-sqrt", "plateau", "one-cycle-momentum", "schedule-free",
           "finder-recommended", "prodigy", "dadapt-adam", "default-lr")
GRIDDED = ("constant", "warmup-constant", "cosine", "wsd-1-sqrt", "plateau", "one-cycle-momentum", "schedule-free")


def _cfg(path: Path, **kw: Any) -> BenchConfig:
    base: dict[str, Any] = {"task": "digits", "steps": 60, "grid": (0.01, 0.1), "seeds": 2,
                            "methods": METHODS, "jobs": 1, "results": str(path), "evals": 6}
    base.update(kw)
    return BenchConfig(**base)


class Counter:
    """Wraps the real run function and counts what it was asked to run."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def __call__(self, job: dict[str, Any]) -> dict[str, Any]:
        self.keys.append(job["key"])
        return run_job(job)


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, Counter]:
    path = tmp_path_factory.mktemp("bench") / "digits.jsonl"
    counter = Counter()
    out = run_benchmark(_cfg(path), progress=False, run=counter)
    return path, out, counter


N_JOBS = len(GRIDDED) * 2 + 1 + len(METHODS) * 2  # grid on seed 0 + the finder; every method on seeds 1, 2


def test_protocol_selection_seed_is_never_reported(finished: tuple[Path, Any, Counter]) -> None:
    path, out, counter = finished
    assert len(counter.keys) == N_JOBS == len(load_results(path))
    assert out.ran == N_JOBS and out.reused == 0 and out.skipped == []
    for m in METHODS:
        assert [r["seed"] for r in out.eval_records[m]] == [1, 2]  # paired, and never seed 0
    for m, recs in out.grid_records.items():
        assert {r["seed"] for r in recs} == {0} and sorted(r["peak"] for r in recs) == [0.01, 0.1]
        # the peak is chosen on validation loss, not on test loss
        assert out.best[m] == min(recs, key=lambda r: (r["val_loss"], r["peak"]))["peak"]
    for recs in out.eval_records.values():
        for r in recs:
            assert r["val_loss"] != r["test_loss"] and 0 <= r["test_acc"] <= 1
    rows = report.summary(out)
    assert [r["n"] for r in rows] == [2] * len(METHODS)


def test_records_carry_versions_and_fingerprints(finished: tuple[Path, Any, Counter]) -> None:
    _, out, _ = finished
    fp = get_task("digits").fingerprint()
    for recs in out.eval_records.values():
        for r in recs:
            assert r["python"] == platform.python_version() and r["torch"] == torch.__version__
            assert r["data_fingerprint"] == fp and f"data={fp}" in r["key"]
            assert r["schedule_fingerprint"] in r["key"]
    assert out.eval_records["prodigy"][0]["package"] == f"prodigyopt {importlib.metadata.version('prodigyopt')}"
    assert out.eval_records["dadapt-adam"][0]["package"] == f"dadaptation {importlib.metadata.version('dadaptation')}"
    assert out.eval_records["schedule-free"][0]["package"].startswith("schedulefree ")
    # one-cycle with momentum schedules two things: the LR and beta1
    assert "+" in out.eval_records["one-cycle-momentum"][0]["schedule_fingerprint"]


def test_lrs_are_what_the_methods_say(finished: tuple[Path, Any, Counter]) -> None:
    from glideslope.config import from_config

    _, out, _ = finished
    cos = out.eval_records["cosine"][0]["lr_curve"]
    assert cos[0][1] == pytest.approx(out.best["cosine"]) and cos[-1][1] < 0.05 * out.best["cosine"]
    assert {p[1] for p in out.eval_records["constant"][0]["lr_curve"]} == {out.best["constant"]}
    # finder + recommended trains with glideslope.recommend's absolute schedule, unchanged
    rec = out.eval_records["finder-recommended"][0]
    sched = from_config(rec["lr_schedule"])
    assert rec["lr_schedule"] == out.recommended["schedule"] and repr(sched) == out.recommended["spec"]
    for t, lr in rec["lr_curve"]:
        assert lr == pytest.approx(float(sched(int(t))))
    assert max(lr for _, lr in rec["lr_curve"]) == pytest.approx(out.best["finder-recommended"], rel=0.05)


def test_parameter_free_optimizers_train_untuned(finished: tuple[Path, Any, Counter]) -> None:
    _, out, _ = finished
    for m in ("prodigy", "dadapt-adam"):
        assert out.best[m] == 1.0 and m not in out.grid_records  # one run per seed, no grid
        for r in out.eval_records[m]:
            assert r["adapted_d"] > 1e-6  # the adapted step size grew from d0
            assert r["test_loss"] < 0.9 * math.log(10)  # it learned something in 60 steps
        assert report.tuning_runs(out, m) == 1.0
    assert report.tuning_runs(out, "schedule-free") == 2.0  # its grid is its compute


def test_report_terminal_and_markdown(finished: tuple[Path, Any, Counter], tmp_path: Path) -> None:
    _, out, _ = finished
    md = report.format_report(out)
    for m in METHODS:
        assert f"| {m} |" in md
    assert "Whole grid" in md and "Protocol:" in md and "±1%" in md and "Tuning-free" in md
    term = report.format_terminal(out)
    assert "|" not in term and "**" not in term  # plain text, not markdown
    assert "Tuning-free vs the grid-best" in term
    tf = report.tuning_free(out)
    assert {t["method"] for t in tf} == {"finder-recommended", "prodigy", "dadapt-adam", "default-lr"}
    # every verdict is against the reference, chosen on seed 0's validation loss
    ref = report.grid_best(out)
    assert [r["method"] for r in report.summary(out) if r["verdict"] == "reference"] == [ref]
    assert "Multiplicity: each interval is per comparison" in md and "Under Bonferroni over the" in md
    for t in tf:
        assert t["low"] <= t["ratio"] <= t["high"] and 0 < t["compute"] < 1
    for claim, verdict, _ in report.claims(out):
        assert verdict in ("holds", "does not hold", "cannot tell"), claim
    png = report.plot(out, str(tmp_path / "p.png"))
    assert Path(png).read_bytes()[:4] == b"\x89PNG"


def test_runs_are_deterministic(finished: tuple[Path, Any, Counter]) -> None:
    _, out, _ = finished
    for m in ("wsd-1-sqrt", "prodigy", "finder-recommended"):
        rec = out.eval_records[m][1]
        again = run_job({k: rec[k] for k in ("key", "kind", "task", "method", "peak", "seed", "steps", "evals",
                                             "lr_schedule") if k in rec})
        assert again["test_loss"] == rec["test_loss"] and again["curve"] == rec["curve"]


def test_rerun_redoes_nothing(finished: tuple[Path, Any, Counter]) -> None:
    path, out, _ = finished
    counter = Counter()
    again = run_benchmark(_cfg(path), progress=False, run=counter)
    assert counter.keys == []
    assert again.reused == out.ran and again.ran == 0
    assert report.format_table(again) == report.format_table(out)


def test_cache_reuses_only_matching_fingerprints(finished: tuple[Path, Any, Counter], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from glideslope import cosine

    path, _, _ = finished
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(path.read_bytes())
    # a changed schedule: only that method runs again (grid and reporting seeds)
    changed = methods_mod.Method("cosine", "cosine to 10%", lambda n: cosine(end=0.1).bind(total_steps=n))
    monkeypatch.setitem(methods_mod.METHODS, "cosine", changed)
    counter = Counter()
    run_benchmark(_cfg(copy), progress=False, run=counter)
    assert len(counter.keys) == 2 + 2 and all("method=cosine|" in k for k in counter.keys)
    monkeypatch.undo()
    # changed data: nothing is reused
    task = get_task("digits")
    monkeypatch.setitem(task._data, "fingerprint", "0" * 16)
    counter = Counter()
    run_benchmark(_cfg(copy), progress=False, run=counter)
    assert len(counter.keys) == N_JOBS


def test_missing_package_skips_its_method_with_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "prodigyopt", None)  # import prodigyopt -> ImportError
    out = run_benchmark(_cfg(tmp_path / "m.jsonl", methods=("constant", "prodigy", "dadapt-adam")), progress=False)
    assert set(out.eval_records) == {"constant", "dadapt-adam"}
    assert len(out.skipped) == 1 and out.skipped[0].startswith("prodigy: skipped, prodigyopt is not installed")
    assert "\n" not in out.skipped[0]
    assert "note: prodigy: skipped" in report.format_terminal(out)


def test_resume_after_interruption_redoes_only_unfinished(finished: tuple[Path, Any, Counter], tmp_path: Path) -> None:
    # What an interrupted run leaves: the first k records, then half a line.
    path, out, counter = finished
    lines = path.read_text().splitlines()
    k = 7
    cut = tmp_path / "cut.jsonl"
    cut.write_text("\n".join(lines[:k]) + "\n" + lines[k][: len(lines[k]) // 2])
    kept = set(load_results(cut))
    assert len(kept) == k
    c2 = Counter()
    resumed = run_benchmark(_cfg(cut), progress=False, run=c2)
    assert len(c2.keys) == len(counter.keys) - k
    assert not kept & set(c2.keys)  # nothing finished was redone
    assert resumed.reused == k
    for m in METHODS:  # the resumed outcome is the uninterrupted one (runs are deterministic)
        assert [r["test_loss"] for r in resumed.eval_records[m]] == [r["test_loss"] for r in out.eval_records[m]]


def test_task_splits_are_disjoint() -> None:
    task = get_task("digits")
    model = task.model(0)
    assert task.evaluate(model, "val", final=True) != task.evaluate(model, "test", final=True)
    with pytest.raises(ValueError, match="test split is evaluated only at the end"):
        task.evaluate(model, "test")
    with pytest.raises(ValueError, match="split must be 'val' or 'test'"):
        task.evaluate(model, "train", final=True)
    (xv, _), (xt, _) = task._data["val_full"][0], task._data["test_full"][0]
    rows = {tuple(r.tolist()) for r in task._data["x"]}
    assert not rows & {tuple(r.tolist()) for r in xv[:50]} or len(rows) < 1500  # held out, not resampled
    assert not torch.equal(xv, xt)


def test_charlm_holds_out_whole_files_for_validation_and_test() -> None:
    task = get_task("charlm")
    files = task._data["files"]
    val = [f for i, f in enumerate(files) if i % 16 == 7]
    test = [f for i, f in enumerate(files) if i % 16 == 15]
    assert val and test and not set(val) & set(test)
    xv, xt = task._data["val_full"][0][0], task._data["test_full"][0][0]
    assert xv.shape == xt.shape and not torch.equal(xv, xt)


def test_sigint_then_resume(tmp_path: Path) -> None:
    """A real interruption: Ctrl-C (SIGINT) on the CLI, then the same command again."""
    path = tmp_path / "r.jsonl"
    cmd = [sys.executable, "-m", "glideslope", "bench", "--task", "digits", "--steps", "300", "--grid",
           "0.01,0.03,0.1", "--seeds", "2", "--jobs", "1", "--results", str(path), "--no-plot",
           "--methods", "constant,cosine,linear-to-zero,prodigy"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.time() + 120
    while time.time() < deadline and (not path.exists() or len(path.read_text().splitlines()) < 3):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    before = load_results(path)
    total = 3 * 3 + 4 * 2
    if len(before) >= total:
        pytest.skip("the benchmark finished before it could be interrupted")
    assert proc.returncode != 0
    assert len(before) >= 3
    done = subprocess.run([*cmd, "--no-progress"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{total - len(before)} runs now, {len(before)} reused" in done.stdout
    after = load_results(path)
    assert len(after) == total
    for key, rec in before.items():  # finished runs untouched
        assert after[key] == rec


def test_append_survives_a_half_written_line(tmp_path: Path) -> None:
    p = tmp_path / "x.jsonl"
    p.write_text('{"key": "a", "v": 1}\n{"key": "b", "v"')
    append_result(p, {"key": "c", "v": math.nan})
    assert set(load_results(p)) == {"a", "c"}
    assert load_results(p)["c"]["v"] is None  # NaN stored as null: the file stays strict JSON
    for line in p.read_text().splitlines()[2:]:
        json.loads(line)


def test_cooldown_branches(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path / "cd.jsonl", steps=40, seeds=1, evals=4)
    out = run_cooldowns(cfg, peak=0.03, progress=False)
    assert out.branches == [10, 20, 30, 40]
    assert out.lengths == [b + round(b / 4) for b in out.branches]
    text = report.format_cooldowns(out)
    assert text.count("\n| ") == 5  # header + 4 rows
    # a branch from the checkpoint is exactly the same WSD run trained straight through
    b = out.wsd[out.lengths[2]][0]
    straight = run_job({**{k: b[k] for k in ("key", "kind", "task", "peak", "seed", "steps", "branch", "cooldown",
                                              "warmup", "shape", "evals")}, "checkpoint": None})
    assert straight["test_loss"] == pytest.approx(b["test_loss"], rel=1e-6)
    assert straight["curve"][-1][1] == pytest.approx(b["curve"][-1][1], rel=1e-6)
    # and the branch did not redo the constant phase
    assert b["lr_curve"][0][0] >= 30
    assert Path(report.plot_cooldowns(out, str(tmp_path / "c.png"))).exists()


@pytest.mark.parametrize(
    ("kw", "exc", "words"),
    [
        ({"task": "imagenet"}, ValueError, "task must be one of .*charlm, .*digits, .*fashion, .*; got 'imagenet'"),
        ({"steps": 5}, ValueError, r"steps \(the step budget\) must be an int >= 20; got 5"),
        ({"steps": 100.5}, ValueError, "steps"),
        ({"grid": ()}, ValueError, "grid must hold 1 to 12"),
        ({"grid": (0.01, -1.0)}, ValueError, r"grid\[1\] must be a learning rate in \(0, 10\], got -1.0"),
        ({"grid": (0.01, 0.01)}, ValueError, "must not repeat"),
        ({"grid": ("0.1",)}, TypeError, r"grid\[0\] must be a number"),
        ({"seeds": 0}, ValueError, r"seeds \(reporting seeds\) must be an int in"),
        ({"ray": ""}, ValueError, "ray must be 'auto', 'local' or a Ray address"),
        ({"methods": ("cosine", "adam")}, ValueError, "method must be one of .*got 'adam'"),
        ({"jobs": 0}, ValueError, "jobs must be an int >= 1"),
        ({"evals": 1}, ValueError, "evals must be an int in"),
    ],
)
def test_bad_config(kw: dict[str, Any], exc: type[Exception], words: str, tmp_path: Path) -> None:
    with pytest.raises(exc, match=words):
        _cfg(tmp_path / "x.jsonl", **kw).validate()


def test_grid_parsing() -> None:
    assert parse_grid("3e-3, 1e-3,1e-2") == (1e-3, 3e-3, 1e-2)
    with pytest.raises(ValueError, match="grid entries must be numbers like 1e-3, got 'fast'"):
        parse_grid("1e-3,fast")
    with pytest.raises(TypeError, match="grid must be a list"):
        check_grid(0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["bench", "--task", "digits", "--steps", "5"], "steps (the step budget) must be an int >= 20; got 5"),
        (["bench", "--task", "digits", "--grid", "1e-3,abc"], "grid entries must be numbers"),
        (["bench", "--task", "digits", "--grid", "0.1,20"], "grid[1] must be a learning rate in (0, 10], got 20.0"),
        (["bench", "--task", "digits", "--methods", "sgd"], "method must be one of"),
        (["bench", "--task", "digits", "--budgets", "60"], "--budgets only applies with --study"),
        (["bench", "--study", "--methods", "constant"], "--study runs its own budgets, grid and methods"),
        (["bench", "--study", "--budgets", "60,x"], "--budgets must be whole numbers like 120,240"),
        (["bench", "--task", "digits", "--peak", "0.01"], "--peak only applies with --cooldowns"),
        (["bench", "--task", "digits", "--margin", "0.02"], "--margin and --interval only apply with --reanalyse"),
        (["bench", "--reanalyse", "nope.jsonl"], "--reanalyse needs a results file (JSON lines); 'nope.jsonl'"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(argv: list[str], words: str, capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    code = main([*argv, "--results", str(tmp_path / "r.jsonl")] if argv[0] == "bench" else argv)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and words in err, err
    assert "Traceback" not in err


def test_cli_bad_number_is_an_argparse_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["bench", "--steps", "many"])
    assert exc.value.code == 2
    assert "--steps must be a whole number, got 'many'" in capsys.readouterr().err


def test_cli_bench_on_digits(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    res = tmp_path / "b.jsonl"
    argv = ["bench", "--task", "digits", "--steps", "30", "--grid", "0.03", "--seeds", "2", "--jobs", "2",
            "--methods", "warmup-constant,cosine,finder-recommended,prodigy", "--results", str(res)]
    assert main(argv) == 0
    cap = capsys.readouterr()
    opening = " ".join(cap.out.split("\n\n")[0].split())  # the opening line, however the terminal wraps it
    assert opening.startswith("glideslope bench: training ") and " to see which schedule wins" in opening
    assert "| " not in cap.out  # the terminal gets plain text
    assert "Tuning-free vs the grid-best" in cap.out and "runs now" in cap.out
    assert "runs" in cap.err  # the progress bar
    md = (tmp_path / "b.md").read_text()
    assert "| cosine |" in md and "| warmup-constant |" in md and "Protocol:" in md
    assert (tmp_path / "b.png").exists()
    assert len(load_results(res)) == 2 + 1 + 4 * 2


def test_cli_bench_help_shows_examples_tasks_and_methods(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["bench", "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and "glideslope bench --study" in out and "--ray auto" in out
    assert "--reanalyse FILE" in out and "--margin" in out and "--interval {t,wide}" in out
    assert "* default-lr" in out  # the untuned default is in the main job
    for name in ("charlm", "fashion", "digits", "finder-recommended", "prodigy", "dadapt-adam",
                 "one-cycle-momentum", "warmup-constant"):
        assert name in out
    with pytest.raises(SystemExit) as exc:
        main(["bench", "--task", "imagenet"])
    assert exc.value.code == 2
    assert "invalid choice: 'imagenet'" in capsys.readouterr().err


def test_missing_fashion_data_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from glideslope.bench import tasks

    monkeypatch.setattr(tasks, "FASHION_DIRS", (str(tmp_path),))
    monkeypatch.delenv(tasks.FASHION_ENV, raising=False)
    with pytest.raises(tasks.TaskUnavailable, match="apt-get install dataset-fashion-mnist"):
        tasks.fashion_dir()


def test_default_lr_is_adamw_at_1e3_under_warmup_cosine(finished: tuple[Path, Any, Counter]) -> None:
    _, out, _ = finished
    assert out.best["default-lr"] == 1e-3 and "default-lr" not in out.grid_records
    lrs = [lr for _, lr in out.eval_records["default-lr"][0]["lr_curve"]]
    assert lrs[0] == 0.0 and max(lrs) == pytest.approx(1e-3) and lrs[-1] < 1e-5  # warmup, then cosine to 0
    assert report.tuning_runs(out, "default-lr") == 1.0
    assert "default-lr" in methods_mod.DEFAULT_METHODS


def test_cli_reanalyse_recomputes_the_report_from_the_records(finished: tuple[Path, Any, Counter],
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    path, out, _ = finished
    before = path.read_bytes()
    assert main(["bench", "--reanalyse", str(path)]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"Re-analysed from the records of `{path.name}` (nothing trained)")
    # the same tables as the run's own report (recommend's reasons are not records: left out)
    import dataclasses

    assert out.recommended is not None
    bare = dataclasses.replace(out, recommended={**out.recommended, "reasons": {}})
    assert report.format_table(bare) in text
    assert main(["bench", "--reanalyse", str(path), "--margin", "0.5", "--interval", "wide"]) == 0
    wide = capsys.readouterr().out
    assert "matches (within ±50%)" in wide and "97.5%" in wide
    assert path.read_bytes() == before  # nothing written, nothing trained
