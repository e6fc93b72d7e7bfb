"""Hostile input to every command: deep, huge, self-referencing or exploding SPECs and configs.

Whatever the library refuses, each command exits 2 with one line on standard error, quickly,
and never a traceback; whatever it accepts, the command draws. Each case is a real
``python -m glideslope`` process.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import assert_user_error, run_cli

#: Seconds a refusal may take (the process's start, about half a second, included).
FAST = 20

COSINE = {"type": "cosine", "start": 1.0, "end": 0.0, "steps": 10, "exponent": 1.0}


def _nested_shifts(depth: int) -> str:
    """The JSON config of ``depth`` nested ``shift``s around a cosine (written as text: the
    json module itself cannot write it that deep)."""
    return '{"type": "shift", "steps": 1, "schedule": ' * depth + json.dumps(COSINE) + "}" * depth


def _alias_bomb() -> str:
    """About 500 bytes of YAML whose aliases expand to 9**9 (387 million) leaves."""
    lines = ["a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\ntype: cosine\nsteps: *a8\n"


def _shared_subtrees(depth: int = 24) -> str:
    """A valid-looking config whose phases share sub-trees through anchors: 2**depth leaves."""
    text = "{type: cosine, steps: 1}"
    for i in range(depth):
        text = f"{{type: sequence, phases: [&p{i} {text}, *p{i}]}}"
    return text + "\n"


HOSTILE_FILES: dict[str, str] = {
    "shifts-5000.json": _nested_shifts(5000),
    "lists-100000.json": "[" * 100_000 + "]" * 100_000,
    "dicts-50000.json": '{"type": "shift", "steps": 1, "schedule": ' * 50_000 + "null" + "}" * 50_000,
    "bomb.yaml": _alias_bomb(),
    "shared.yaml": _shared_subtrees(),
    "self.yaml": "&a {type: shift, steps: 1, schedule: *a}\n",
    "self-list.yaml": "&a [*a, *a]\n",
    "bignum.json": json.dumps({**COSINE, "start": 10**400}),
    "hugenum.json": '{"type": "cosine", "steps": 1' + "0" * 5000 + "}",
    "nan.json": '{"type": "cosine", "start": NaN, "steps": 10}',
    "inf.yaml": "type: cosine\nstart: .inf\nsteps: 10\n",
    "binary.json": "\x00\x01\x02 not a config",
    "empty.yaml": "",
    "scalar.yaml": "42\n",
    "unknown.json": json.dumps({"type": "os.system", "steps": 1}),
    "callable.json": json.dumps({"type": "function", "fn": {"callable": "os:system"}}),
}


HOSTILE_SPECS: dict[str, str] = {
    "parens": "(" * 5000 + "cosine(steps=10)" + ")" * 5000,
    "minus chain": " - ".join(["linear(steps=1)"] * 500),
    "unary chain": "-" * 5000 + "cosine(steps=10)",
    "nested calls": "repeat(" * 200 + "cosine(steps=10)" + ", times=2)" * 200,
    "huge int": "10**400 * cosine(steps=10)",
    "big int literal": "1" + "0" * 400 + " * cosine(steps=10)",
    "overflowing product": "1e300 * (1e300 * cosine(steps=10))",
    "huge steps": "cosine(steps=" + "9" * 500 + ")",
    "too long": "cosine(steps=10) + " * 2000 + "cosine(steps=10)",
    "tanh saturating": "tanh(lower=20, upper=30, steps=100)",
    "dunder": "cosine(steps=10).__class__.__mro__",
}

COMMANDS = {
    "show": ["show", "--width", "60", "--height", "6"],
    "table": ["table"],
    "export": ["export", "--format", "json"],
    "plot": ["plot", "-o", "out.png"],
}


def _check(res: Any, seconds: float) -> None:
    """Accepted (exit 0) or refused with one line (exit 2); never a traceback; never slow."""
    assert seconds < FAST, f"took {seconds:.1f}s: {res}"
    assert "Traceback" not in res.err, res
    if res.rc == 0:
        return
    assert_user_error(res)
    assert len(res.err) < 1000, res  # long values are cut short


def _run(*args: str, **kwargs: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    res = run_cli(*args, timeout=FAST + 40, **kwargs)
    return res, time.perf_counter() - t0


FILE_CASES = [(command, name) for command in ("show", "table") for name in sorted(HOSTILE_FILES)] + [
    (command, name) for command in ("export", "plot")
    for name in ("bomb.yaml", "self.yaml", "shifts-5000.json", "lists-100000.json")
]


@pytest.mark.parametrize(("command", "name"), FILE_CASES)
def test_hostile_config_files_are_refused_in_one_line(command: str, name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(HOSTILE_FILES[name], encoding="utf-8")
    res, seconds = _run(COMMANDS[command][0], str(path), *COMMANDS[command][1:], cwd=tmp_path)
    _check(res, seconds)
    if name != "shifts-5000.json":  # none of the others describes a schedule that can be drawn
        assert res.rc == 2, res


@pytest.mark.parametrize("name", ["bomb.yaml", "self.yaml", "shared.yaml", "dicts-50000.json"])
def test_hostile_configs_on_stdin(name: str) -> None:
    res, seconds = _run("table", "-", stdin=HOSTILE_FILES[name])
    _check(res, seconds)
    assert res.rc == 2, res


@pytest.mark.parametrize("name", sorted(HOSTILE_SPECS))
@pytest.mark.parametrize("command", ["show", "table"])
def test_hostile_specs_are_refused_in_one_line(command: str, name: str, tmp_path: Path) -> None:
    res, seconds = _run(COMMANDS[command][0], HOSTILE_SPECS[name], *COMMANDS[command][1:], cwd=tmp_path)
    _check(res, seconds)
    if name not in ("minus chain", "nested calls", "unary chain"):  # these may be drawn
        assert res.rc == 2, res


@pytest.mark.parametrize("depth", [300, 1000])
@pytest.mark.parametrize("command", ["show", "table", "export"])
def test_deep_configs_the_engine_accepts_are_drawn_or_refused_in_one_line(
    command: str, depth: int, tmp_path: Path
) -> None:
    """300 nested shifts used to print a RecursionError traceback from ``show``."""
    path = tmp_path / f"shifts-{depth}.json"
    path.write_text(_nested_shifts(depth))
    res, seconds = _run(COMMANDS[command][0], str(path), *COMMANDS[command][1:], "--steps", "2000", cwd=tmp_path)
    _check(res, seconds)
    if res.rc == 0 and command == "table":
        rows = [line.split() for line in res.out.strip().splitlines()[1:]]
        values = {int(t): float(v) for t, v in rows}
        assert values[0] == 1.0 and values[2000] == 0.0  # held at 1 for `depth` steps, then the cosine


@pytest.mark.parametrize(
    "args",
    [
        ["table", "cosine(steps=10)", "--steps", "1" + "0" * 400],
        ["table", "cosine(steps=10)", "--at", "1" + "0" * 400],
        ["table", "cosine(steps=10)", "--at", ",".join(["5"] * 2_000)],  # many, but allowed
        ["table", "cosine()", "--epochs", "1e300", "--steps-per-epoch", "1000"],
        ["table", "cosine()", "--steps", "1000000000000000", "--every", "1"],
        ["export", "cosine()", "--steps", "1000000000000"],
        ["show", "cosine(steps=10)", "--width", "99999999999"],
        ["show", "cosine(steps=10)", "--height", "1e9"],
        ["table", "cosine(steps=10)", "--digits", "500"],
        ["plot", "cosine(steps=10)", "-o", "x.png", "--dpi", "100000000"],
        ["table", "cosine(steps=10)", "--lr", "1e999"],
    ],
)
def test_huge_options_are_refused_quickly(args: list[str], tmp_path: Path) -> None:
    res, seconds = _run(*args, cwd=tmp_path)
    _check(res, seconds)
    if "--at" in args and "5,5" in args[-1]:
        assert res.rc == 0, res
    else:
        assert res.rc == 2, res
    assert not list(tmp_path.iterdir())  # nothing written


def test_show_on_a_billion_step_run_answers() -> None:
    res, seconds = _run("show", "warmup('1%') >> cosine()", "--steps", "1000000000", "--width", "60", "--height", "6")
    _check(res, seconds)
    assert res.rc == 0, res
    assert "whole run  0 → 1000000000" in res.out
