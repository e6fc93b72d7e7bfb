"""The range test's plot (matplotlib, imported when called).

Raw loss (every step, not clipped) and the zero-lag smoothed loss the suggestions read,
against the learning rate on log axes; each suggestion a marker on the smoothed curve at its
own lr; a dotted line at the lowest smoothed loss; the steps fastai's trim leaves out shaded;
the stop reason in the title.
"""

from __future__ import annotations

import itertools
import math
import textwrap
from typing import Any

from .._optional import require


def plot_result(result: Any, path: str | None = None, ax: Any = None) -> Any:
    """Draw ``result`` (an LRFinderResult) on ``ax`` (a new figure if None); save to ``path``."""
    matplotlib = require("matplotlib", extra="plot", feature="LRFinderResult.plot")
    if ax is None and path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, 4.4))
    lrs, raw = result.lrs, result.losses
    fin = [(x, y) for x, y in zip(lrs, raw) if math.isfinite(y)]
    ax.plot([p[0] for p in fin], [p[1] for p in fin], color="0.6", lw=0.8, marker=".", ms=2.5,
            label="loss (raw)")
    sm = [(x, y) for x, y in zip(lrs, result.smoothed) if math.isfinite(y)]
    ax.plot([p[0] for p in sm], [p[1] for p in sm], color="C0", lw=1.8, label="smoothed (read for the suggestions)")
    a, b = result.trim
    if a > 0 and lrs:
        ax.axvspan(lrs[0], lrs[min(a, len(lrs) - 1)], color="0.92", lw=0, zorder=0)
    if b < len(lrs):
        ax.axvspan(lrs[max(b - 1, 0)], lrs[-1], color="0.92", lw=0, zorder=0, label="trimmed (fastai)")
    if sm:
        lo_lr = result.lowest[0]
        ax.axvline(lo_lr, color="0.3", ls=":", lw=1, label=f"minimum of the smoothed loss, at lr={lo_lr:.2g}")
    for i, (name, s) in enumerate(result.suggestions.items()):
        y = _at(sm, s.lr)
        star = " (default)" if name == result.default else ""
        ax.plot([s.lr], [y], marker="o", ms=7, ls="none", color=f"C{i + 1}", zorder=5,
                label=f"suggestion {name}{star}: {s.lr:.2g}")
    ax.set_xscale("log")
    ys = [p[1] for p in fin]
    if ys and min(ys) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("training loss")
    ax.set_title(textwrap.fill(f"LR range test: {result.stop_reason}", 100), fontsize=8)
    ax.legend(fontsize=7, loc="best")
    if path is not None:
        (fig or ax.figure).savefig(path, dpi=120, bbox_inches="tight")
        if fig is not None:
            plt.close(fig)
    return ax


def _at(curve: list[tuple[float, float]], lr: float) -> float:
    """The smoothed loss at ``lr``, interpolated in log lr; the nearest end outside the curve."""
    if not curve:
        return math.nan
    if lr <= curve[0][0]:
        return curve[0][1]
    for (x0, y0), (x1, y1) in itertools.pairwise(curve):
        if x0 <= lr <= x1:
            t = (math.log(lr) - math.log(x0)) / (math.log(x1) - math.log(x0)) if x1 > x0 else 0.0
            return y0 + t * (y1 - y0)
    return curve[-1][1]


__all__ = ["plot_result"]
