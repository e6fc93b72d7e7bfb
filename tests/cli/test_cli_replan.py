"""``glideslope replan``: the old and the new plan together, in the terminal and in images,
run as the real command."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cli_helpers import assert_user_error, run_cli

import glideslope as gs
from glideslope.spec import parse_spec


def test_extend_draws_both_curves_marks_the_step_and_prints_the_new_plan() -> None:
    res = run_cli("replan", "wsd()", "--steps", "10000", "--at", "6000", "--extend", "20000", "--height", "8")
    assert res.rc == 0 and res.err == "", res
    lines = res.out.splitlines()
    assert lines[0].startswith("extend at step 6000: from step 6000, the flat phase ending at step 8000 lasts")
    axis = next(i for i, line in enumerate(lines) if "└" in line)
    assert "6000" in lines[axis + 1] and lines[axis + 1].rstrip().endswith("20000")
    corner = lines[axis].index("└")
    ticks = [i - corner - 1 for i, c in enumerate(lines[axis]) if c == "┴"]
    plot_w = len(lines[axis]) - corner - 1
    assert len(ticks) == 2 and ticks[1] == plot_w - 1  # the change step and the last step
    assert ticks[0] / (plot_w - 1) == pytest.approx(6000 / 20000, abs=0.02)
    assert any(len(row) > corner + 1 + ticks[0] and row[corner + 1 + ticks[0]] == "┊" for row in lines[1:axis])
    assert "── new plan" in lines[axis + 2] and "old plan" in lines[axis + 2] and "changed at step 6000" in lines[axis + 2]
    spec = lines[-1].removeprefix("new plan: ")
    assert parse_spec(spec) == gs.extend(gs.wsd().bind(total_steps=10_000), 20_000, at=6000)


def test_the_old_plan_shows_where_it_differs() -> None:
    """The old plan's cooldown (steps 8000 to 10000, dotted) is drawn where the new plan holds
    its peak: the rows below the top hold dots between the change mark and the new cooldown."""
    res = run_cli("replan", "wsd()", "--steps", "10000", "--at", "6000", "--extend", "20000", "--ascii",
                  "--width", "80", "--height", "8")
    assert res.rc == 0, res
    rows = res.out.splitlines()[1:9]
    middle = rows[4]
    body = middle[middle.index("|") + 1 :] if "|" in middle else middle[middle.index("+") + 1 :]
    assert "." in body[: len(body) // 2 + 5], res.out  # the old cooldown, left of the middle


@pytest.mark.parametrize(
    "extra, first",
    [
        (["--shorten", "7000"], "shorten at step 4000: from step 4000, the flat phase ending at step 8000 lasts 3000 steps shorter"),
        (["--cooldown", "1000", "--shape", "1-sqrt"], "cooldown_now at step 4000: from step 4000, a 1-sqrt cooldown of 1000 steps"),
        (["--splice", "cosine()"], "splice at step 4000: from step 4000, cosine(steps=6000), scaled"),
        (["--splice", "constant(0.5, steps=100)", "--jump"], "splice at step 4000: from step 4000, constant(value=0.5"),
    ],
)
def test_every_change(extra: list[str], first: str) -> None:
    res = run_cli("replan", "wsd()", "--steps", "10000", "--at", "4000", *extra, "--ascii", "--height", "6")
    assert res.rc == 0, res
    assert res.out.splitlines()[0].startswith(first), res.out
    assert "-- new plan   .. old plan   : changed at step 4000" in res.out


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--at", "12000", "--extend", "20000"], ["at=12000 is past the end of the plan (10000 steps)"]),
        (["--at", "5000", "--extend", "9000"], ["steps must be > 10000, the plan's length, got 9000"]),
        (["--at", "9500", "--cooldown", "800"], ["steps=800 is longer than what remains of the plan after at=9500 (500 steps"]),
        (["--at", "100", "--splice", "linear(0.0, 1.0, 10)"], ["starts at 0, so no factor", "match='offset'"]),
        (["--at", "100", "--extend", "20000", "-o", "out.gif"], ["must end in .png, .svg, .pdf"]),
    ],
)
def test_bad_changes_are_one_line_errors(args: list[str], fragments: list[str], tmp_path: Path) -> None:
    res = run_cli("replan", "wsd()", "--steps", "10000", *args, cwd=tmp_path)
    assert_user_error(res, *fragments)


def test_a_change_is_required() -> None:
    res = run_cli("replan", "wsd()", "--steps", "10000", "--at", "100")
    assert res.rc == 2 and "one of the arguments --extend --shorten --cooldown --splice is required" in res.err


def _change_column(path: Path) -> int:
    """The pixel column of the grey vertical line that marks the change step."""
    np = pytest.importorskip("numpy")
    from matplotlib.image import imread

    img = imread(str(path))[:, :, :3]
    m = img.mean(axis=2)
    grey = (np.abs(img[:, :, 0] - img[:, :, 1]) < 0.04) & (np.abs(img[:, :, 1] - img[:, :, 2]) < 0.04) & (m > 0.35) & (m < 0.75)
    runs = grey.sum(axis=0)
    assert runs.max() > 0.4 * img.shape[0], "no vertical change line"  # (a phase boundary may cross it)
    return int(runs.argmax())


def test_png_marks_the_change_where_the_step_is(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    cols = {}
    for at in (6000, 9000):
        out = tmp_path / f"at{at}.png"
        res = run_cli("replan", "wsd()", "--steps", "10000", "--at", str(at), "--extend", "20000", "-o", str(out))
        assert res.rc == 0 and res.out.strip() == f"wrote {out}", res
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000
        cols[at] = _change_column(out)
    from matplotlib.image import imread

    img = imread(str(tmp_path / "at6000.png"))[:, :, :3]
    left = int((img.mean(axis=2) < 0.35).sum(axis=0).argmax())  # the left spine: step 0
    assert (cols[9000] - left) / (cols[6000] - left) == pytest.approx(9000 / 6000, rel=0.03)


def test_svg_holds_both_curves_and_the_label(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "change.svg"
    res = run_cli("replan", "wsd()", "--steps", "10000", "--at", "6000", "--cooldown", "1000", "-o", str(out))
    assert res.rc == 0, res
    root = ET.parse(out).getroot()
    text = out.read_text()
    assert root.tag.endswith("svg")
    assert "changed at step 6000" in text and "old plan" in text and "new plan" in text
    assert "stroke-dasharray" in text  # the old plan, dashed
