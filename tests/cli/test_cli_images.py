"""Image outputs as real files: valid headers, sensible sizes, and the curve where the values
put it (found by reading the PNG's pixels against its own axes frame)."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import run_cli

import glideslope as gs

np = pytest.importorskip("numpy")
pytest.importorskip("matplotlib")


def _read_png(path: Path) -> Any:
    from matplotlib.image import imread

    return imread(str(path))[:, :, :3]  # floats in [0, 1], rows from the top


def _axes_box(img: Any) -> tuple[int, int, int, int]:
    """``(left, right, top, bottom)`` pixel positions of the axes: the left spine is the column
    holding the longest vertical run of dark pixels, the bottom spine the longest horizontal
    run; their ends give the right and top edges."""
    dark = img.mean(axis=2) < 0.35

    def longest_run(line: Any) -> tuple[int, int, int]:
        best = (0, 0, 0)  # length, start, stop
        start = None
        for i, d in enumerate([*line.tolist(), False]):
            if d and start is None:
                start = i
            elif not d and start is not None:
                best = max(best, (i - start, start, i))
                start = None
        return best

    col_runs = [longest_run(dark[:, c]) for c in range(dark.shape[1])]
    left = max(range(len(col_runs)), key=lambda c: col_runs[c][0])
    row_runs = [longest_run(dark[r, :]) for r in range(dark.shape[0])]
    bottom = max(range(len(row_runs)), key=lambda r: row_runs[r][0])
    top = col_runs[left][1]
    right = row_runs[bottom][2] - 1
    return left, right, top, bottom


def _blue(img: Any) -> Any:
    """Pixels of the first colour of matplotlib's cycle (#1f77b4), the first curve's colour."""
    r, b = img[:, :, 0], img[:, :, 2]
    return (b - r > 0.25) & (b > 0.45)


def test_plot_png_puts_the_curve_where_the_values_are(tmp_path: Path) -> None:
    out = tmp_path / "cos.png"
    spec = "cosine(start=1, end=0, steps=100)"
    res = run_cli("plot", spec, "-o", str(out), "--xlim", "0,100", "--ylim", "0,1", "--size", "5x3.5", "--dpi", "100")
    assert res.rc == 0, res
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000
    img = _read_png(out)
    assert img.shape[:2] == (350, 500)
    left, right, top, bottom = _axes_box(img)
    assert right - left > 250 and bottom - top > 150, (left, right, top, bottom)
    blue = _blue(img)
    s = gs.cosine(steps=100)
    checked = 0
    for t in range(8, 93, 7):
        col = round(left + (right - left) * t / 100)
        rows = np.nonzero(blue[top: bottom + 1, col])[0] + top
        assert rows.size, f"no curve pixel in the column of step {t}"
        expected = bottom - (bottom - top) * s(t)
        assert abs(float(np.median(rows)) - expected) <= 3.0, (t, float(np.median(rows)), expected)
        # and nowhere else in that column
        far = rows[abs(rows - expected) > 8]
        assert far.size == 0, (t, far)
        checked += 1
    assert checked >= 10


def test_plot_marks_phase_boundaries_and_overlays_several_schedules(tmp_path: Path) -> None:
    out = tmp_path / "two.png"
    res = run_cli("plot", "warmup(50) >> constant(1.0, steps=50)", "linear(start=0.5, end=0.5, steps=100)",
                  "-o", str(out), "--xlim", "0,100", "--ylim", "0,1.2", "--size", "5x3.5")
    assert res.rc == 0, res
    img = _read_png(out)
    left, right, top, bottom = _axes_box(img)
    col = round(left + (right - left) * 0.5)
    blue = _blue(img)
    # the dotted boundary at step 50 runs down through the lower half, where no curve is
    lower = blue[top + (bottom - top) // 2 + 25: bottom - 3, col - 1: col + 2].any(axis=1)
    assert 0.25 < lower.mean() < 0.95, lower.mean()  # dotted: partly, not fully, coloured
    # the second curve (orange, #ff7f0e) is a flat line at 0.5
    orange = (img[:, :, 0] > 0.85) & (img[:, :, 2] < 0.3) & (img[:, :, 1] > 0.35)
    row = bottom - (bottom - top) * 0.5 / 1.2
    for frac in (0.2, 0.5, 0.8):
        rows = np.nonzero(orange[:, round(left + (right - left) * frac)])[0]
        assert rows.size and abs(float(np.median(rows)) - row) <= 3


def test_plot_svg_and_pdf_by_extension(tmp_path: Path) -> None:
    svg, pdf = tmp_path / "a.svg", tmp_path / "a.pdf"
    assert run_cli("plot", "wsd()", "rex()", "--steps", "1000", "--log", "--title", "t", "-o", str(svg)).rc == 0
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg") and svg.stat().st_size > 5_000
    assert "wsd()" in svg.read_text() and "rex()" in svg.read_text()  # the legend
    assert run_cli("plot", "one_cycle()", "--steps", "300", "-o", str(pdf)).rc == 0
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-64:] and len(data) > 3_000


def test_schedule_plot_draws_on_axes_and_returns_them() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    s = (gs.warmup(10) >> gs.cosine(steps=90)) * 0.1
    got = s.plot(ax=ax, color="red")
    assert got is ax
    x, y = ax.lines[0].get_data()
    assert list(x) == list(range(101))
    assert list(y) == pytest.approx([s(t) for t in range(101)])
    assert ax.lines[0].get_color() == "red"
    assert [line.get_xdata()[0] for line in ax.lines[1:]] == [10]  # the phase boundary
    new = gs.cosine(steps=10).plot(log=True)
    assert new is not ax and new.get_yscale() == "log"
    plt.close("all")
    with pytest.raises(gs.UnboundScheduleError):
        gs.cosine().plot(ax=ax)


def test_jupyter_svg_repr() -> None:
    s = gs.warmup(100) >> gs.cosine(end=0.1, steps=900)
    text = s._repr_svg_()
    assert text is not None
    root = ET.fromstring(text)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    points = [tuple(map(float, p.split(","))) for p in root.find(f"{ns}polyline").get("points").split()]  # type: ignore[union-attr]
    assert len(points) == 1000
    ys = [y for _, y in points]
    # the top of the curve (value 1, at the boundary) is the smallest y; the start (0) the largest
    assert ys.index(min(ys)) in range(95, 105) and ys.index(max(ys)) == 0
    assert len([e for e in root.iter(f"{ns}line") if e.get("stroke-dasharray")]) == 1  # one boundary
    assert gs.cosine()._repr_svg_() is None  # unbound: Jupyter falls back to the text repr


def test_without_matplotlib_plot_says_how_to_install_it() -> None:
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'matplotlib': raise ModuleNotFoundError('blocked', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import glideslope as gs\n"
        "assert gs.cosine(steps=10)._repr_svg_().startswith('<svg')\n"
        "try:\n"
        "    gs.cosine(steps=10).plot()\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert 'pip install "glideslope[plot]"' in proc.stdout
    env_code = code.replace("import glideslope as gs\n", "from glideslope.cli import main\nsys.exit(main(['plot', 'cosine(steps=9)', '-o', 'x.png']))\n")
    proc = subprocess.run([sys.executable, "-c", env_code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and 'pip install "glideslope[plot]"' in proc.stderr and "Traceback" not in proc.stderr


def test_import_glideslope_imports_neither_numpy_nor_matplotlib() -> None:
    code = "import sys, glideslope, glideslope.cli.render, glideslope.cli, glideslope.spec; print(sorted(m for m in ('numpy', 'matplotlib') if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# -- the value axis names what it shows: "value", "learning rate" under --lr, --param's name ---------


def _svg_texts(path: Path) -> list[str]:
    """The texts matplotlib's SVG writer draws (as paths), from the comment it puts before each."""
    import re

    return [t.strip() for t in re.findall(r"<!-- (.*?) -->", path.read_text(encoding="utf-8"))]


@pytest.mark.parametrize(
    ("extra", "name"),
    [([], "value"), (["--lr", "3e-4"], "learning rate"), (["--param", "momentum"], "momentum")],
)
def test_plot_svg_names_the_value_axis(tmp_path: Path, extra: list[str], name: str) -> None:
    out = tmp_path / "a.svg"
    assert run_cli("plot", "cosine(steps=100)", "-o", str(out), *extra).rc == 0
    texts = _svg_texts(out)
    assert name in texts and "step" in texts
    others = {"value", "learning rate", "momentum"} - {name}
    assert not others & set(texts), texts


def _label_band(img: Any, left: int) -> tuple[int, int]:
    """Rows spanned by the ink of the y-axis label: the leftmost band of dark columns, left of
    the axes and clear of the tick labels (found as the first run of inked columns)."""
    dark = img[:, :left].mean(axis=2) < 0.5
    cols = np.nonzero(dark.any(axis=0))[0]
    band = [cols[0]]
    for c in cols[1:]:
        if c - band[-1] > 2:
            break
        band.append(c)
    rows = np.nonzero(dark[:, band[0]: band[-1] + 1].any(axis=1))[0]
    return int(rows.min()), int(rows.max())


def test_plot_png_names_the_value_axis(tmp_path: Path) -> None:
    """Three PNGs of the same values (--lr 1 changes no value) differ in the axis name, drawn
    rotated left of the axes: the longer the name, the taller its ink."""
    spans, images = {}, {}
    for key, extra in (("value", []), ("learning rate", ["--lr", "1"]), ("momentum", ["--param", "momentum"])):
        out = tmp_path / f"{key}.png"
        res = run_cli("plot", "cosine(steps=100)", "-o", str(out), "--size", "5x3.5", "--ylim", "0,1", *extra)
        assert res.rc == 0, res
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        images[key] = _read_png(out)
    left, _, top, bottom = _axes_box(images["value"])
    for key, img in images.items():
        assert img.shape == images["value"].shape
        assert abs(_axes_box(img)[0] - left) <= 3  # the same frame (a letter's depth may move it a pixel)
        lo, hi = _label_band(img, left - 3)
        assert top <= lo < hi <= bottom + 20, (key, lo, hi, top, bottom)  # beside the axes, centred
        spans[key] = hi - lo
    assert spans["learning rate"] > 2 * spans["value"], spans  # 13 letters against 5
    assert spans["value"] < spans["momentum"] < spans["learning rate"], spans


def test_jupyter_svg_names_the_value_axis() -> None:
    ns = "{http://www.w3.org/2000/svg}"
    from glideslope.cli.render import schedule_svg

    for ylabel in ("value", "learning rate"):
        text = schedule_svg(gs.cosine(steps=10), ylabel=ylabel)
        assert text is not None
        labels = [e for e in ET.fromstring(text).iter(f"{ns}text") if "rotate(-90" in (e.get("transform") or "")]
        assert [e.text for e in labels] == [ylabel]
    default = gs.cosine(steps=10)._repr_svg_()
    assert default is not None and ">value</text>" in default
