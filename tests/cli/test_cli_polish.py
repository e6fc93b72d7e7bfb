"""The command line as a new user meets it: each run as a real ``python -m glideslope``.

ASCII when standard output cannot print braille; ``-`` in SPECs; ``--lr`` on a SPEC that is
already scaled; open phases summarised over the steps drawn; exit status 2 for usage and bad
input and 1 for runtime failures; a SPEC read from standard input; ``table --json``; one
notation per ``table``. ``find``, ``bench`` and ``show`` fit 100 columns in a pipe, and ``find``
never contradicts itself on any built-in task; the README's times are the measured ones.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import assert_user_error, run_cli

import glideslope as gs
from glideslope.spec import parse_spec

# -- show on a terminal that cannot print braille --------------------------------------------


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "cp1252"])
def test_show_falls_back_to_ascii_when_stdout_cannot_encode_braille(encoding: str) -> None:
    args = ["show", "warmup(10) >> exponential(rate=0.99)", "--steps", "300", "--width", "60", "--height", "8"]
    res = run_cli(*args, env={"PYTHONIOENCODING": encoding})
    assert res.rc == 0, res
    assert res.err == ""
    res.out.encode("ascii")  # every character is ASCII
    assert "->" in res.out and "inf" in res.out  # the phase table's arrows and infinity, in ASCII
    assert res.out == run_cli(*args, "--ascii").out  # the same picture --ascii draws


def test_show_keeps_braille_where_stdout_can_print_it() -> None:
    res = run_cli("show", "cosine(steps=100)", "--width", "50", "--height", "6", env={"PYTHONIOENCODING": "utf-8"})
    assert res.rc == 0, res
    assert any(0x2800 <= ord(c) <= 0x28FF for c in res.out)


# -- '-' in SPECs -----------------------------------------------------------------------------


def _rows(out: str) -> dict[int, float]:
    lines = out.strip().splitlines()
    assert lines[0].split() == ["step", "value"]
    return {int(a): float(b) for a, b in (line.split() for line in lines[1:])}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("1 - cosine(steps=100)", lambda t: 1 - gs.cosine(steps=100)(t)),
        ("cosine(steps=100) - 0.25", lambda t: gs.cosine(steps=100)(t) - 0.25),
        ("cosine(steps=100) - linear(steps=100)", lambda t: gs.cosine(steps=100)(t) - gs.linear(steps=100)(t)),
        ("1 - 0.5 * linear(steps=100) - 0.25", lambda t: 1 - 0.5 * gs.linear(steps=100)(t) - 0.25),
        ("-linear(steps=100) + 2", lambda t: 2 - gs.linear(steps=100)(t)),
        ("0.1 - 0.09 * linear(steps=100)", lambda t: 0.1 - 0.09 * gs.linear(steps=100)(t)),
    ],
)
def test_minus_works_in_specs(spec: str, expected: object) -> None:
    res = run_cli("table", spec, "--at", "0,25,50,75,100")
    assert res.rc == 0, res
    got = _rows(res.out)
    assert callable(expected)
    for t, v in got.items():
        assert v == pytest.approx(expected(t), rel=1e-9, abs=1e-12), (spec, t)


def test_a_bad_minus_is_one_line() -> None:
    assert_user_error(run_cli("table", "1 - 'a'"), "bad SPEC", "- works on schedules and numbers", "string")
    assert_user_error(run_cli("table", "1 - 2"), "must describe a schedule", "constant(-1)")


# -- --lr on a SPEC that is already scaled ----------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("3e-4 * cosine(steps=100)", "it multiplies by 0.0003"),
        ("cosine(steps=100) / 1000", "it multiplies by 0.001"),
        ("cosine(start=0.002, end=0.0001, steps=100)", "its largest value is 0.002"),
        ("one_cycle(peak=0.01, steps=100)", "its largest value is 0.01"),
    ],
)
def test_lr_on_an_already_scaled_spec_warns(spec: str, why: str) -> None:
    res = run_cli("table", spec, "--lr", "0.5", "--at", "0,50")
    assert res.rc == 0, res
    lines = res.err.strip().splitlines()
    assert len(lines) == 1, res
    assert lines[0].startswith("glideslope table: warning: --lr 0.5 multiplies"), lines
    assert "already scaled" in lines[0] and why in lines[0], lines
    s = parse_spec(spec)
    assert _rows(res.out) == pytest.approx({0: 0.5 * s(0), 50: 0.5 * s(50)}, rel=1e-9)  # still the product


@pytest.mark.parametrize("spec", ["warmup(10) >> cosine(steps=90)", "cosine(end=0.01, steps=100)", "wsd(steps=100)"])
def test_lr_on_a_multiplier_does_not_warn(spec: str) -> None:
    res = run_cli("table", spec, "--lr", "3e-4", "--at", "0,50")
    assert res.rc == 0, res
    assert res.err == ""


# -- show summarises open phases over the steps it draws ---------------------------------------


def _phase_table(out: str) -> list[list[str]]:
    return [line.split() for line in out.split("\n\n")[1].splitlines()]


@pytest.mark.parametrize("steps", [300, 5000])
def test_show_summarises_an_open_phase_over_the_steps_drawn(steps: int) -> None:
    res = run_cli("show", "warmup(100) >> exponential(rate=0.999)", "--steps", str(steps), "--width", "60",
                  "--height", "6")
    assert res.rc == 0, res
    table = _phase_table(res.out)
    row = next(r for r in table if r[0] == "exponential")
    assert row[1:4] == ["100", "→", "∞"]
    s = gs.warmup(100) >> gs.exponential(rate=0.999)
    end = s(steps)
    assert float(row[6]) == pytest.approx(end, rel=1e-3)  # the value at the last step drawn
    mean = math.fsum(s(t) for t in range(100, steps)) / (steps - 100)
    assert float(row[7]) == pytest.approx(mean, rel=1e-3)
    whole = next(r for r in table if r[0] == "whole")
    assert whole[7] == row[6]  # the open phase ends where the run ends
    assert table[-1] == f"exponential never ends: its values are over the steps drawn, 100..{steps}".split()


def test_show_without_steps_draws_1000_and_says_so() -> None:
    res = run_cli("show", "exponential(rate=0.99)", "--width", "60", "--height", "6")
    assert res.rc == 0, res
    assert "over the steps drawn, 0..1000" in res.out
    assert float(_phase_table(res.out)[1][6]) == pytest.approx(0.99**1000, rel=1e-3)


# -- exit status: 2 for usage and bad input, 1 for runtime failures ---------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["table"],  # a missing SPEC
        ["table", "cosine(steps=9)", "--every", "0"],
        ["table", "cosine(steps=9)", "--nope"],
        ["table", "cosine(steps=9) ** 2"],
        ["show", "cosine()"],  # needs --steps
        ["export", "missing.yaml"],
    ],
)
def test_usage_and_bad_input_exit_2(args: list[str], tmp_path: Path) -> None:
    assert_user_error(run_cli(*args, cwd=tmp_path))


def _assert_runtime_failure(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode == 1, proc
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for f in fragments:
        assert f in lines[0], (f, lines[0])


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_a_runtime_failure_exit_1() -> None:
    res = run_cli("export", "cosine(steps=100)", "-o", "/dev/full")
    _assert_runtime_failure(subprocess.CompletedProcess([], res.rc, res.out, res.err), "No space left", "/dev/full")
    with open("/dev/full", "w") as full:  # standard output itself cannot be written
        proc = subprocess.run([sys.executable, "-m", "glideslope", "export", "cosine(steps=5000)"], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    _assert_runtime_failure(proc, "No space left")


def test_a_missing_optional_package_is_a_runtime_failure_exit_1(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'matplotlib': raise ModuleNotFoundError('blocked', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from glideslope.cli import main\n"
        f"sys.exit(main(['plot', 'cosine(steps=9)', '-o', {str(tmp_path / 'x.png')!r}]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    _assert_runtime_failure(proc, "matplotlib", "pip install", "glideslope[plot]")
    assert not (tmp_path / "x.png").exists()


# -- a SPEC from standard input ----------------------------------------------------------------


def test_a_spec_expression_from_stdin() -> None:
    res = run_cli("table", "-", "--at", "0,50,100", stdin="warmup(10) >> cosine(steps=90)\n")
    assert res.rc == 0, res
    s = gs.warmup(10) >> gs.cosine(steps=90)
    assert _rows(res.out) == pytest.approx({0: s(0), 50: s(50), 100: s(100)}, rel=1e-9)


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_a_config_from_stdin(fmt: str, tmp_path: Path) -> None:
    s = gs.one_cycle(peak=0.01, steps=500)
    path = tmp_path / f"s.{fmt}"
    gs.save(s, path)
    res = run_cli("show", "-", "--width", "60", "--height", "6", stdin=path.read_text())
    assert res.rc == 0, res
    assert res.out.splitlines()[0] == repr(s)
    res = run_cli("export", "-", "--format", "json", stdin=path.read_text())
    assert res.rc == 0, res
    assert json.loads(res.out)["values"] == [s(t) for t in range(501)]


def test_bad_stdin_is_one_line() -> None:
    assert_user_error(run_cli("table", "-", stdin=""), "standard input is empty")
    assert_user_error(run_cli("table", "-", stdin="cosine(steps=9"), "bad SPEC '-' (standard input)", "never closed")
    assert_user_error(run_cli("table", "-", stdin='{"type": "nope"}'), "standard input", "unknown type 'nope'")
    res = run_cli("plot", "-", "-", "-o", "x.png", stdin="cosine(steps=9)")
    assert_user_error(res, "only one SPEC can be '-'")
    proc = subprocess.run([sys.executable, "-m", "glideslope", "table", "-"], input=b"cosine(steps=\xff9)",
                          capture_output=True, timeout=120)
    assert proc.returncode == 2 and b"not UTF-8" in proc.stderr and len(proc.stderr.splitlines()) == 1


# -- table --json and one notation -------------------------------------------------------------


def test_table_json() -> None:
    spec = "cosine(start=0.002, end=0.0001, steps=5000)"
    res = run_cli("table", spec, "--at", "0,1250,2500,3750,5000", "--json")
    assert res.rc == 0, res
    doc = json.loads(res.out)
    s = gs.cosine(start=0.002, end=0.0001, steps=5000)
    assert doc == {
        "spec": spec,
        "schedule": repr(s),
        "rows": [{"step": t, "value": s(t)} for t in (0, 1250, 2500, 3750, 5000)],  # full precision
    }
    res = run_cli("table", "warmup(10) >> cosine()", "--steps", "100", "--lr", "0.1", "--json")
    doc = json.loads(res.out)
    assert [r["step"] for r in doc["rows"]] == list(range(0, 101, 10))
    bound = 0.1 * (gs.warmup(10) >> gs.cosine()).bind(total_steps=100)
    assert [r["value"] for r in doc["rows"]] == pytest.approx([bound(t) for t in range(0, 101, 10)], rel=1e-12)


def _notations(out: str) -> set[str]:
    values = [line.split()[1] for line in out.strip().splitlines()[1:]]
    return {"scientific" if "e" in v else "positional" for v in values if v != "0"}


@pytest.mark.parametrize(
    ("spec", "notation"),
    [
        ("cosine(start=0.002, end=0.0001, steps=5000)", "positional"),
        ("3e-4 * (warmup(500) >> cosine(steps=4500))", "positional"),  # 1.2e-05 .. 3e-4 would mix in %g
        ("exponential(rate=0.97)", "scientific"),  # down to 6e-14 at step 1000: too small for positional
        ("1000 * linear(start=1e-3, end=1e-9, steps=50)", "scientific"),
        ("linear(start=1, end=1e9, steps=10)", "positional"),
        ("linear(start=1, end=1e12, steps=10)", "scientific"),  # more digits than --digits 10
    ],
)
def test_table_numbers_use_one_notation(spec: str, notation: str) -> None:
    res = run_cli("table", spec)
    assert res.rc == 0, res
    assert _notations(res.out) == {notation}, res.out
    s = parse_spec(spec)
    for t, v in _rows(res.out).items():
        assert v == pytest.approx(s(t), rel=1e-9), (t, v)


def test_the_console_script_reads_stdin_and_sets_the_status() -> None:
    script = Path(sys.executable).with_name("glideslope")
    if not script.exists():
        pytest.skip("no console script next to the interpreter")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    ok = subprocess.run([str(script), "table", "-", "--at", "0"], input="linear(steps=4)", capture_output=True,
                        text=True, timeout=60, env=env)
    assert ok.returncode == 0 and ok.stdout.split() == ["step", "value", "0", "1"], ok
    bad = subprocess.run([str(script), "table", "-"], input="linear(steps=-4)", capture_output=True, text=True,
                         timeout=60, env=env)
    assert bad.returncode == 2 and "steps" in bad.stderr, bad


def test_table_and_show_work_without_numpy() -> None:
    """The wheel's smoke test runs ``glideslope table`` in a venv with no NumPy."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'numpy': raise ModuleNotFoundError('blocked', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from glideslope.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "assert 'numpy' not in sys.modules\n"
        "sys.exit(rc)\n"
    )
    spec = "warmup(10) >> cosine(steps=90)"
    for args in (["table", spec, "--every", "10", "--lr", "0.1"], ["show", spec, "--width", "50", "--height", "5"],
                 ["export", spec, "--format", "csv"], ["table", spec, "--json"]):
        proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONIOENCODING": "utf-8"})
        assert proc.returncode == 0 and proc.stderr == "", (args, proc.stderr)
        assert proc.stdout == run_cli(*args).out, args  # the same output as with NumPy


# -- glideslope find: every line fits a pipe, and nothing it prints contradicts itself ----------

import contextlib  # noqa: E402
import io  # noqa: E402
import re  # noqa: E402

SWEEP = 20  # the fewest sweep steps that give every task's range test a suggestion


def _find_text(task: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """``glideslope find`` in this process (a task's data is loaded once, not per run), 100 columns wide."""
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    from glideslope.bench.tasks import TaskUnavailable, get_task
    from glideslope.cli import main

    try:
        get_task(task)
    except TaskUnavailable as exc:
        pytest.skip(str(exc))
    monkeypatch.setenv("COLUMNS", "100")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main(["find", "--task", task, "--sweep-steps", str(SWEEP), "--steps", "10"])
    assert rc == 0
    return out.getvalue()


def _shape_of(spec: str) -> str:
    """The decay shape a recommended SPEC holds (the names of glideslope.tune.recommendation.SHAPES)."""
    if "cooldown(" in spec:
        return re.search(r"shape='([^']+)'", spec).group(1)  # type: ignore[union-attr]
    for shape in ("linear", "cosine"):
        if f"{shape}(" in spec:
            return shape
    return "constant"


def contradictions(text: str, sweep_steps: int) -> list[str]:
    """What in ``find``'s output says two things at once (empty when nothing does)."""
    from glideslope.spec import parse_spec
    from glideslope.tune.recommendation import SHAPES

    lines = text.splitlines()
    spec_at = next(i for i, line in enumerate(lines) if line.startswith("SPEC: "))
    spec = " ".join(line.strip() for line in lines[spec_at:])[len("SPEC: "):]
    if spec.startswith("("):
        spec = spec[1:-1]
    schedule = parse_spec(spec)  # the SPEC, pasted whole, is one expression
    flat = " ".join(line.strip() for line in lines)
    found = []
    steps = int(re.search(r"LR range test: (\d+) steps", flat).group(1))  # type: ignore[union-attr]
    header = flat.split("LR range test:", 1)[1].split(" knee ", 1)[0]
    ran_out = "reached end" in header or "ran to its end" in header
    if "diverged" in header and ran_out:
        found.append(f"the stop reason says both that the sweep diverged and that it ran out: {header}")
    if steps < sweep_steps and not ("diverged" in header and not ran_out):
        found.append(f"the sweep stopped early ({steps} of {sweep_steps} steps), but the stop reason says: {header}")
    if ran_out and steps != sweep_steps:
        found.append(f"the sweep took {steps} of {sweep_steps} steps, but the stop reason says: {header}")
    shape = _shape_of(spec)
    reason = flat.split(" shape ", 1)[1]
    for other in set(SHAPES) - {shape}:
        for claim in (f"shape='{other}' did better", f"{other} did better", f"{other} decay did better",
                      f"{other} won", f"{other} decay won"):
            if claim in reason:
                found.append(f"recommends {shape} but its reason says {claim!r}")
    peak = float(re.search(r" peak +([0-9.e+-]+),", flat).group(1))  # type: ignore[union-attr]
    top = max(schedule(t) for t in range(11))
    if not math.isclose(peak, top, rel_tol=1e-9):
        found.append(f"the peak reason says {peak}, the schedule peaks at {top}")
    return found


def _tasks() -> list[str]:
    try:
        from glideslope.bench.tasks import TASKS
    except ImportError:
        return []
    return list(TASKS)


@pytest.mark.parametrize("task", _tasks())
def test_find_fits_100_columns_and_never_contradicts_itself(task: str, monkeypatch: pytest.MonkeyPatch) -> None:
    text = _find_text(task, monkeypatch)
    wide = [line for line in text.splitlines() if len(line) > 100]
    assert not wide, wide
    assert contradictions(text, SWEEP) == [], text


def test_the_contradiction_check_catches_the_old_wording() -> None:
    """The output ``find`` printed on digits before: WSD recommended, linear said to do better, a
    sweep that ran to its end said to have diverged, and a peak that is not the schedule's."""
    old = (
        "LR range test: 20 steps, lr 1e-07 .. 10, stopped: diverged: the smoothed loss rose (the sweep ran to its end)\n"
        "  knee     0.117 (default)  where the curve bends\n"
        "  peak   0.2, the finder's knee suggestion\n"
        "  shape  warmup-stable-decay: on digits shape='linear' did better there (docs/finder.md)\n"
        "SPEC: warmup(steps=1) >> constant(value=0.117, steps=7) >> cooldown(start=0.117, steps=2, shape='1-sqrt')\n"
    )
    found = contradictions(old, SWEEP)
    assert len(found) == 3, found


def test_find_wraps_to_100_columns_in_a_pipe() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    res = run_cli("find", "--task", "digits", "--sweep-steps", "30", "--steps", "600", env={"COLUMNS": ""}, timeout=300)
    assert res.rc == 0, res
    lines = res.out.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert max(len(line) for line in lines) > 90  # wrapped at 100, not at some narrower width
    narrow = run_cli("find", "--task", "digits", "--sweep-steps", "30", "--steps", "600", env={"COLUMNS": "60"},
                     timeout=300)
    assert narrow.rc == 0 and max(len(line) for line in narrow.out.splitlines()) <= 60


def test_show_draws_100_columns_into_a_pipe() -> None:
    res = run_cli("show", "cosine(steps=100)", env={"COLUMNS": ""})  # no terminal: the fallback width
    assert res.rc == 0, res
    assert max(len(line) for line in res.out.split("\n\n")[0].splitlines()) == 100


def test_fit_wraps_under_the_text_and_keeps_short_lines() -> None:
    from glideslope.cli.render.terminal import fit

    text = "short\n  peak   0.0631, " + "word " * 40 + "\nSPEC: " + "x" * 120
    out = fit(text, 60).splitlines()
    assert out[0] == "short"
    assert all(len(line) <= 60 for line in out if "x" * 120 not in line)
    assert out[1].startswith("  peak   0.0631, ") and all(line.startswith(" " * 9) for line in out[2:-2])
    assert out[-1].strip() == "x" * 120  # a word longer than the line is not cut
    assert " ".join(" ".join(out).split()) == " ".join(text.split())  # nothing lost or reordered


# -- the README's times come from the figures benchmarks/time_readme.py measured -------------


def _figures() -> dict:  # type: ignore[type-arg]
    from glideslope.bench.timings import load_figures

    figures = load_figures()
    assert figures is not None, "benchmarks/results/readme-times.json is missing"
    return figures


def test_the_readme_times_are_the_measured_ones() -> None:
    from glideslope.bench.timings import JOBS, estimate

    readme = " ".join((Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8").split())
    figures = _figures()
    measured = [job for job in JOBS if estimate(job, figures) is not None]
    assert {"setup", "bench"} <= set(measured)
    for job in measured:
        said = str(estimate(job, figures))
        assert " ".join(said.split()) in readme, f"the README does not say {said!r} for {job}"
    if "tests" not in measured:  # then the README must not give the test suite a time
        assert "the test suite's time is not measured yet" in readme
    # and no other figure for these jobs: the old guesses are gone
    for stale in ("about 3 min on 2 idle cores", "2 min 45 s on 2 quiet cores"):
        assert stale not in readme


def test_the_main_job_opens_with_the_same_estimate() -> None:
    import argparse

    from glideslope.bench.commands import opening_line
    from glideslope.bench.runner import BenchConfig
    from glideslope.bench.timings import estimate

    said = estimate("bench", _figures())
    main = argparse.Namespace(task="charlm", full=False, steps=None, grid=None, seeds=None, methods=None)
    cfg = BenchConfig(task="charlm").validate()
    assert opening_line(main, cfg).endswith(f" It takes {said}.")
    other = argparse.Namespace(**{**vars(main), "steps": 480})  # another job: no estimate for it
    assert "It takes" not in opening_line(other, cfg)


def test_time_ranges_round_outwards_and_name_the_machine() -> None:
    from glideslope.bench.timings import estimate, machine, time_range

    runs = {"runs": [
        {"cores": 2, "seconds": {"bench": 250.0}, "load_before": {"bench": 0.1}},
        {"cores": 2, "seconds": {"bench": 275.0}, "load_before": {"bench": 0.3}},
    ]}
    assert time_range(runs, "bench") == "4-5 min" and machine(runs, "bench") == "2 idle cores"
    runs["runs"].append({"cores": 2, "seconds": {"bench": 2100.0}, "load_before": {"bench": 9.6}})
    assert estimate("bench", runs) == "about 4-5 min on 2 idle cores"  # a shared run is not quoted beside idle ones
    shared = {"runs": runs["runs"][2:]}
    assert estimate("bench", shared) == "about 35-35.5 min on 2 cores shared with other work (load average 9.6)"
    assert time_range({"runs": [{"cores": 2, "seconds": {"bench": 240.0}, "load_before": {"bench": 0}}]},
                      "bench") == "4-4.5 min"  # one run still reads as a range
    assert estimate("tests", runs) is None


def test_bench_fits_100_columns_in_a_pipe(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    res = run_cli("bench", "--task", "digits", "--seeds", "1", "--methods", "constant,warmup-cosine", "--grid", "0.01",
                  "--steps", "20", "--no-plot", "--no-progress", "--results", str(tmp_path / "r.jsonl"),
                  env={"COLUMNS": ""}, timeout=300)
    assert res.rc == 0, res
    lines = res.out.splitlines()
    assert lines[0].startswith("glideslope bench: training ") and "It takes" not in res.out  # not the main job
    assert max(len(line) for line in lines) <= 100 < len(" ".join(lines[:4]))  # the opening line was wrapped
