"""Every command run as a real subprocess: ``python -m glideslope ...`` and the console script."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import assert_user_error, run_cli

import glideslope as gs

COSINE = "cosine(start=0.002, end=0.0001, steps=5000)"


def _table(out: str) -> dict[int, float]:
    rows = [line.split() for line in out.strip().splitlines()]
    assert rows[0] == ["step", "value"]
    return {int(a): float(b) for a, b in rows[1:]}


def test_table_prints_the_worked_example() -> None:
    res = run_cli("table", COSINE, "--at", "0,1250,2500,3750,5000")
    assert res.rc == 0, res
    got = _table(res.out)
    assert list(got) == [0, 1250, 2500, 3750, 5000]
    assert got[0] == 0.002 and got[2500] == 0.00105 and got[5000] == 0.0001
    assert got[1250] == pytest.approx(0.0017217514421272, rel=1e-9)
    assert got[3750] == pytest.approx(0.0003782485578728, rel=1e-9)
    # at least 6 significant digits: the design note's 0.001721 is a truncation of these
    assert "0.00172175" in res.out and "0.000378248" in res.out


def test_table_every_n_ends_at_the_last_step_and_honours_lr_and_epochs() -> None:
    res = run_cli("table", "warmup(10) >> cosine()", "--lr", "0.5", "--epochs", "2", "--steps-per-epoch", "45",
                  "--every", "40")
    assert res.rc == 0, res
    got = _table(res.out)
    assert list(got) == [0, 40, 80, 90]
    s = 0.5 * (gs.warmup(10) >> gs.cosine()).bind(total_steps=90)
    for t, v in got.items():
        assert v == pytest.approx(s(t), rel=1e-9, abs=1e-15)


def test_the_console_script_is_installed_and_runs() -> None:
    script = Path(sys.executable).with_name("glideslope")
    exe = str(script) if script.exists() else shutil.which("glideslope")
    assert exe, "the glideslope console script is not installed"
    proc = subprocess.run([exe, "table", "linear(steps=4)", "--every", "2"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert _table(proc.stdout) == {0: 1.0, 2: 0.5, 4: 0.0}


def test_show_draws_the_curve_and_the_phase_table() -> None:
    res = run_cli("show", "warmup('5%') >> cosine(end=0.01)", "--steps", "2000", "--width", "70", "--height", "10")
    assert res.rc == 0, res
    lines = res.out.splitlines()
    assert lines[0] == "warmup(steps=100) >> cosine(end=0.01, steps=1900)"
    assert all(len(line) <= 70 for line in lines[:13])
    table = res.out.split("\n\n")[1].splitlines()
    assert table[0].split() == ["phase", "steps", "start", "peak", "end", "mean"]
    assert table[1].split() == ["warmup", "0", "→", "100", "0", "1", "1", "0.495"]
    assert table[2].split()[:7] == ["cosine", "100", "→", "2000", "1", "1", "0.01"]
    assert table[-1].split()[:4] == ["whole", "run", "0", "→"]


def test_show_fits_the_terminal_width() -> None:
    res = run_cli("show", "cosine(steps=100)", env={"COLUMNS": "50", "LINES": "20"})
    assert res.rc == 0, res
    plot = res.out.split("\n\n")[0].splitlines()
    assert max(len(line) for line in plot) == 50
    assert len(plot) == 1 + 1 + 8 + 2  # title, the value axis's name, rows (LINES - 12), axis and step labels


def test_export_csv_and_json(tmp_path: Path) -> None:
    res = run_cli("export", "3e-4 * cosine(steps=8)", "--format", "csv")
    assert res.rc == 0, res
    rows = list(csv.reader(io.StringIO(res.out)))
    assert rows[0] == ["step", "value"]
    s = 3e-4 * gs.cosine(steps=8)
    assert [int(r[0]) for r in rows[1:]] == list(range(9))
    assert [float(r[1]) for r in rows[1:]] == [s(t) for t in range(9)]  # full precision

    out = tmp_path / "lr.json"
    res = run_cli("export", "warmup('10%') >> cosine()", "--steps", "100", "--every", "30", "-o", str(out))
    assert res.rc == 0, res
    doc = json.loads(out.read_text())
    assert doc["steps"] == [0, 30, 60, 90, 100]
    bound = (gs.warmup("10%") >> gs.cosine()).bind(total_steps=100)
    assert doc["values"] == [bound(t) for t in doc["steps"]]
    assert gs.from_config(doc["config"]) == bound
    assert doc["schedule"] == repr(bound)


def test_a_spec_may_be_a_config_file(tmp_path: Path) -> None:
    s = gs.one_cycle(peak=0.01, steps=500)
    for name in ("s.json", "s.yaml"):
        gs.save(s, tmp_path / name)
        res = run_cli("table", str(tmp_path / name), "--at", "0,150,500")
        assert res.rc == 0, res
        assert _table(res.out) == pytest.approx({0: s(0), 150: s(150), 500: s(500)})


@pytest.mark.parametrize("command", ["show", "table", "plot", "export"])
def test_every_command_has_help_with_examples(command: str) -> None:
    res = run_cli(command, "--help")
    assert res.rc == 0, res
    assert "examples:" in res.out and f"glideslope {command} " in res.out
    for option in ("--lr", "--steps", "--epochs", "--steps-per-epoch"):
        assert option in res.out


def test_top_level_help_lists_the_commands() -> None:
    res = run_cli("--help")
    assert res.rc == 0
    for command in ("show", "table", "plot", "export"):
        assert command in res.out
    res = run_cli()
    assert res.rc == 2 and "COMMAND" in res.out


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["table", "__import__('os').system('touch /tmp/glideslope-pwned')"], ["bad SPEC", "attribute access", "column 1"]),
        (["show", "cosine.__class__"], ["attribute access", "'cosine.__class__'"]),
        (["table", "lambda: 0"], ["a lambda"]),
        (["export", "cosin(steps=10)"], ["unknown name 'cosin'", "did you mean 'cosine'"]),
        (["table", "warmup(10) >> cosine(steps=-5)"], ["in cosine(...)", "'cosine(steps=-5)'", "steps must be at least 1 step"]),
        (["table", "cosine(end=0.01)"], ["needs the run's size", "add --steps N"]),
        (["table", "warmup('2ep') >> cosine(steps=10)"], ["add --steps-per-epoch"]),
        (["table", "cosine()", "--steps", "x"], ["argument --steps", "'x'"]),
        (["table", "cosine()", "--steps", "0"], ["argument --steps", ">= 1"]),
        (["table", "cosine()", "--lr", "-1"], ["argument --lr"]),
        (["table", "cosine(steps=9)", "--at", "1,a"], ["argument --at", "'a'"]),
        (["table", "cosine(steps=9)", "--at", "-3"], ["argument --at"]),
        (["table", "cosine()", "--epochs", "3"], ["--epochs needs --steps-per-epoch"]),
        (["table", "cosine()", "--epochs", "3", "--steps-per-epoch", "10", "--steps", "7"], ["disagrees"]),
        (["table", "warmup(100) >> cosine()", "--steps", "50"], ["cannot bind", "leaving"]),
        (["table", "missing-file.json"], ["no such config file"]),
        (["plot", "cosine(steps=9)", "-o", "out.gif"], [".png, .svg, .pdf"]),
        (["plot", "cosine(steps=9)", "-o", "no/such/dir/out.png"], ["does not exist"]),
        (["plot", "cosine(steps=9)", "linear(steps=9)", "--label", "a", "-o", "x.png"], ["--label"]),
        (["plot", "linear(start=0, end=-1, steps=9)", "-o", "x.png", "--log"], ["--log", "no value > 0"]),
        (["show", "cosine(steps=9)", "--width", "12"], ["argument --width", ">= 24", "'12'"]),
        (["show", "cosine(steps=9)", "--width", "10000000"], ["argument --width", "at most 1,000"]),
        (["export", "cosine(steps=9)", "--format", "xml"], ["argument --format", "'xml'"]),
        (["frobnicate"], ["invalid choice"]),
    ],
)
def test_bad_input_is_one_clear_line_and_status_2(args: list[str], fragments: list[str], tmp_path: Path) -> None:
    res = run_cli(*args, cwd=tmp_path)
    assert_user_error(res, *fragments)
    assert res.out == ""
    assert not Path("/tmp/glideslope-pwned").exists()
    assert not list(tmp_path.iterdir())  # nothing written


def test_bad_config_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    assert_user_error(run_cli("show", str(tmp_path / "bad.json")), "bad.json")
    (tmp_path / "evil.json").write_text(json.dumps({"type": "function", "fn": {"callable": "os:system"}}))
    assert_user_error(run_cli("table", str(tmp_path / "evil.json")), "would import code")


def test_infinite_schedules_show_a_default_horizon() -> None:
    res = run_cli("table", "step(rate=0.5, every=100)")
    assert res.rc == 0, res
    got = _table(res.out)
    assert max(got) == 1000 and got[1000] == pytest.approx(0.5**10)
    res = run_cli("show", "exponential(rate=0.99)", "--width", "60", "--height", "6", "--log")
    assert res.rc == 0, res
    assert "0 → ∞" in res.out and "never ends" in res.out
    assert res.out.splitlines()[1] == "value"
    assert math.isclose(float(res.out.splitlines()[2].split()[0]), 1.0)
