"""Terminal plots: checked against stored expected output (fixed --width/--height), and the
braille dots decoded back into a dot grid to check the curve sits where the values put it.

To accept a deliberate change of the pictures, regenerate the expected files with
``GLIDESLOPE_UPDATE_EXPECTED=1 .venv/bin/python -m pytest tests/cli/test_cli_terminal.py``
and review the diff.
"""

from __future__ import annotations

import os

import pytest
from cli_helpers import EXPECTED, run_cli

import glideslope as gs

CASES = {
    "show_warmup_cosine": ["show", "warmup('5%') >> cosine(end=0.01)", "--steps", "2000", "--width", "72", "--height", "12"],
    "show_step_log_ascii": ["show", "step(rate=0.5, every=300)", "--steps", "2000", "--log", "--ascii", "--width", "64",
                            "--height", "8"],
    "show_one_cycle_epochs": ["show", "one_cycle(peak=0.01)", "--epochs", "10", "--steps-per-epoch", "391", "--width", "80",
                              "--height", "10"],
    "show_wsd_lr": ["show", "wsd(cooldown='30%')", "--lr", "3e-4", "--steps", "1000", "--width", "70", "--height", "8"],
    "show_restarts": ["show", "warmup(100) >> cosine_restarts(period=300, decay=0.7)", "--steps", "1500", "--width", "90",
                      "--height", "10"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_show_matches_the_expected_picture(name: str) -> None:
    res = run_cli(*CASES[name])
    assert res.rc == 0, res
    path = EXPECTED / f"{name}.txt"
    if os.environ.get("GLIDESLOPE_UPDATE_EXPECTED"):
        path.write_text(res.out, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert res.out == expected, f"{name}: output differs from {path}\n--- got ---\n{res.out}"


# braille dot bits by (column, row-from-top) inside a cell
_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


def _dots(plot_rows: list[str], label_w: int) -> tuple[list[set[int]], int]:
    """Decode braille rows into, per dot column, the set of dot rows lit (0 = bottom)."""
    cells = [row[label_w + 2:] for row in plot_rows]
    width = max(len(r) for r in cells)
    height = len(cells) * 4
    columns: list[set[int]] = [set() for _ in range(width * 2)]
    for i, row in enumerate(cells):
        for j, ch in enumerate(row):
            code = ord(ch) - 0x2800
            if not 0 < code < 256:
                continue
            for dx in range(2):
                for dy in range(4):
                    if code & _BITS[dx][dy]:
                        columns[j * 2 + dx].add(height - 1 - (i * 4 + dy))
    return columns, height


def test_the_braille_curve_sits_where_the_values_are() -> None:
    spec = "warmup(200) >> cosine(steps=800)"
    res = run_cli("show", spec, "--width", "70", "--height", "10")
    assert res.rc == 0, res
    lines = res.out.splitlines()
    assert lines[1] == "value"  # the value axis's name, above it
    plot_rows = lines[2:12]
    label_w = plot_rows[0].index("┤") - 1
    assert plot_rows[0].split()[0] == "1" and plot_rows[-1].split()[0] == "0"
    columns, height = _dots(plot_rows, label_w)
    s = (gs.warmup(200) >> gs.cosine(steps=800))
    n_cols = (70 - label_w - 2) * 2
    for t in (0, 60, 150, 300, 450, 600, 750, 900, 1000):
        x = round(t * (n_cols - 1) / 1000)
        expected = round(s(t) * (height - 1))
        assert columns[x], f"no dot in the column of step {t}"
        assert min(abs(r - expected) for r in columns[x]) <= 1, (t, sorted(columns[x]), expected)
    # the phase boundary at step 200 is marked on the plot and on the step axis
    boundary_col = label_w + 2 + round(200 * (n_cols - 1) / 1000) // 2
    assert lines[12][boundary_col] == "┴"
    assert "┊" in [row[boundary_col] for row in plot_rows if len(row) > boundary_col]
    assert "200" in lines[13] and lines[13].rstrip().endswith("1000")


@pytest.mark.parametrize(
    ("extra", "name"),
    [([], "value"), (["--lr", "3e-4"], "learning rate"), (["--param", "momentum"], "momentum"),
     (["--lr", "0.9", "--param", "beta1"], "beta1")],
)
def test_the_value_axis_names_the_quantity(extra: list[str], name: str) -> None:
    res = run_cli("show", "cosine(steps=100)", "--width", "60", "--height", "5", *extra)
    assert res.rc == 0, res
    lines = res.out.splitlines()
    assert lines[1] == name
    assert "┤" in lines[2] and "┤" not in lines[1]  # the name sits above the axis, not on it
