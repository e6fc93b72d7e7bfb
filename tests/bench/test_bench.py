"""The benchmark end to end on the seconds-long digits task: records, report, resume, errors."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from glideslope.bench import report
from glideslope.bench.runner import (
    BenchConfig,
    append_result,
    check_grid,
    load_results,
    parse_grid,
    run_benchmark,
    run_cooldowns,
)
from glideslope.bench.train import run_job
from glideslope.cli import main

METHODS = ("constant", "cosine", "wsd-1-sqrt", "plateau", "finder-one-cycle", "schedule-free")


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


def test_end_to_end_records_and_table(finished: tuple[Path, Any, Counter], tmp_path: Path) -> None:
    path, out, counter = finished
    # grid: 5 gridded methods x 2 LRs + finder; then 5 x 1 extra seed + finder-one-cycle x 2 seeds
    assert len(counter.keys) == 5 * 2 + 1 + 5 + 2 == len(load_results(path))
    assert out.ran == len(counter.keys) and out.reused == 0
    for m in METHODS:
        recs = out.eval_records[m]
        assert [r["seed"] for r in recs] == [0, 1]  # paired: every method on the same seeds
        assert len({r["peak"] for r in recs}) == 1
        for r in recs:
            assert r["steps"] == 60 and r["final_loss"] is not None and 0 <= r["final_acc"] <= 1
            assert r["curve"][-1][0] == 60
    # the whole grid is there, and the chosen peak is the best of it on seed 0
    for m, recs in out.grid_records.items():
        assert sorted(r["peak"] for r in recs) == [0.01, 0.1]
        assert out.best[m] == min(recs, key=lambda r: r["final_loss"])["peak"]
    # the finder's (steepest) suggestion is what finder-one-cycle used
    assert out.best["finder-one-cycle"] == out.finder["finder"]["suggestions"]["steepest"]["lr"]
    # LR curves are what the methods say: cosine ends near 0, constant stays at its peak
    cos = out.eval_records["cosine"][0]["lr_curve"]
    assert cos[0][1] == pytest.approx(out.best["cosine"]) and cos[-1][1] < 0.05 * out.best["cosine"]
    assert {p[1] for p in out.eval_records["constant"][0]["lr_curve"]} == {out.best["constant"]}
    text = report.format_table(out)
    for m in METHODS:
        assert f"| {m} |" in text
    assert "Whole grid" in text and "± " in text and "best" in text
    assert "LR finder" in text
    claims = report.claims(out)
    assert {c for c, _, _ in claims} >= {"a schedule beats a fixed LR", "cosine beats reduce-on-plateau"}
    assert all(v in ("holds", "does not hold") for _, v, _ in claims)
    png = report.plot(out, str(tmp_path / "p.png"))
    assert Path(png).read_bytes()[:4] == b"\x89PNG"


def test_runs_are_deterministic(finished: tuple[Path, Any, Counter]) -> None:
    _, out, _ = finished
    rec = out.eval_records["wsd-1-sqrt"][1]
    again = run_job({k: rec[k] for k in ("key", "kind", "task", "method", "peak", "seed", "steps", "evals")})
    assert again["final_loss"] == rec["final_loss"]
    assert again["curve"] == rec["curve"]


def test_rerun_redoes_nothing(finished: tuple[Path, Any, Counter]) -> None:
    path, out, _ = finished
    counter = Counter()
    again = run_benchmark(_cfg(path), progress=False, run=counter)
    assert counter.keys == []
    assert again.reused == out.ran and again.ran == 0
    assert report.format_table(again) == report.format_table(out)


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
    # the resumed outcome is the same as the uninterrupted one (runs are deterministic)
    for m in METHODS:
        assert [r["final_loss"] for r in resumed.eval_records[m]] == [r["final_loss"] for r in out.eval_records[m]]
    assert len(load_results(cut)) == len(counter.keys)


def test_sigint_then_resume(tmp_path: Path) -> None:
    """A real interruption: Ctrl-C (SIGINT) on the CLI, then the same command again."""
    path = tmp_path / "r.jsonl"
    cmd = [sys.executable, "-m", "glideslope", "bench", "--task", "digits", "--steps", "300", "--grid",
           "0.01,0.03,0.1", "--seeds", "2", "--jobs", "1", "--results", str(path), "--no-plot"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    deadline = time.time() + 120
    while time.time() < deadline and (not path.exists() or len(path.read_text().splitlines()) < 3):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    before = load_results(path)
    total = 10 * 3 + 1 + 10 * 1 + 2
    if len(before) >= total:
        pytest.skip("the benchmark finished before it could be interrupted")
    assert proc.returncode != 0
    assert len(before) >= 3
    done = subprocess.run([*cmd, "--no-progress"], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"{total - len(before)} run now, {len(before)} reused" in done.stdout
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
    assert straight["final_loss"] == pytest.approx(b["final_loss"], rel=1e-6)
    assert straight["curve"][-1][1] == pytest.approx(b["curve"][-1][1], rel=1e-6)
    # and the branch did not redo the constant phase
    assert b["lr_curve"][0][0] >= 30
    assert Path(report.plot_cooldowns(out, str(tmp_path / "c.png"))).exists()


@pytest.mark.parametrize(
    ("kw", "exc", "words"),
    [
        ({"task": "imagenet"}, ValueError, "task must be one of charlm, digits, fashion; got 'imagenet'"),
        ({"steps": 5}, ValueError, r"steps \(the step budget\) must be an int >= 20; got 5"),
        ({"steps": 100.5}, ValueError, "steps"),
        ({"grid": ()}, ValueError, "grid must hold 1 to 12"),
        ({"grid": (0.01, -1.0)}, ValueError, r"grid\[1\] must be a learning rate in \(0, 10\], got -1.0"),
        ({"grid": (0.01, 0.01)}, ValueError, "must not repeat"),
        ({"grid": ("0.1",)}, TypeError, r"grid\[0\] must be a number"),
        ({"seeds": 0}, ValueError, "seeds must be an int in"),
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
        (["bench", "--task", "imagenet"], "task must be one of charlm, digits, fashion; got 'imagenet'"),
        (["bench", "--task", "digits", "--steps", "5"], "steps (the step budget) must be an int >= 20; got 5"),
        (["bench", "--task", "digits", "--grid", "1e-3,abc"], "grid entries must be numbers"),
        (["bench", "--task", "digits", "--grid", "0.1,20"], "grid[1] must be a learning rate in (0, 10], got 20.0"),
        (["bench", "--task", "digits", "--methods", "sgd"], "method must be one of"),
        (["find", "--task", "nope"], "task must be one of"),
        (["find", "--task", "digits", "--sweep", "log"], "--sweep must be one of exp, linear"),
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


def test_cli_find_on_digits(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    png = tmp_path / "f.png"
    assert main(["find", "--task", "digits", "--steps", "60", "--plot", str(png), "--one-cycle", "500"]) == 0
    out = capsys.readouterr().out
    assert "steepest" in out and "valley" in out and "minimum" in out
    assert "one_cycle(peak=" in out and png.exists()


def test_cli_bench_on_digits(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    res = tmp_path / "b.jsonl"
    argv = ["bench", "--task", "digits", "--steps", "30", "--grid", "0.03", "--seeds", "2", "--jobs", "2",
            "--methods", "constant,cosine", "--results", str(res)]
    assert main(argv) == 0
    cap = capsys.readouterr()
    assert "| cosine |" in cap.out and "| constant |" in cap.out
    assert "runs" in cap.err  # the progress bar
    assert (tmp_path / "b.png").exists() and (tmp_path / "b.md").exists()
    assert len(load_results(res)) == 4


def test_missing_fashion_data_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from glideslope.bench import tasks

    monkeypatch.setattr(tasks, "FASHION_DIRS", (str(tmp_path),))
    monkeypatch.delenv(tasks.FASHION_ENV, raising=False)
    with pytest.raises(tasks.TaskUnavailable, match="apt-get install dataset-fashion-mnist"):
        tasks.fashion_dir()
