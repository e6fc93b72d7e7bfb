"""matplotlib pictures of schedules (matplotlib is optional: ``pip install glideslope[plot]``).

:func:`plot_schedule` draws one schedule on Axes (``Schedule.plot``); :func:`plot_figure`
makes a figure with several schedules overlaid, as the ``glideslope plot`` command does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..._optional import require
from ...schedule import Schedule
from ._sample import boundaries, evaluate, horizon, steps_for


def require_matplotlib() -> Any:
    """Import matplotlib, or raise MissingExtraError (an ImportError) naming the plot extra."""
    return require("matplotlib", extra="plot", feature="plotting a schedule")


def plot_schedule(
    schedule: Schedule,
    ax: Any = None,
    *,
    stop: int | None = None,
    label: str | None = None,
    log: bool = False,
    phases: bool = True,
    ylabel: str = "value",
    **kwargs: Any,
) -> Any:
    """Draw the curve of ``schedule`` over steps ``0..stop`` on ``ax``; return the Axes.

    Args:
        schedule: a bound schedule.
        ax: matplotlib Axes; None makes a new figure with ``matplotlib.pyplot``.
        stop: last step drawn (default: the schedule's length, or 1000 if it never ends).
        label: legend label (default: the schedule's repr).
        log: logarithmic value axis.
        phases: mark phase boundaries with dotted vertical lines in the curve's colour.
        ylabel: the value axis's name: ``"value"`` (a multiplier), ``"learning rate"``, or the
            hyperparameter the schedule sets.
        **kwargs: passed to ``Axes.plot`` (``color``, ``linewidth``, ...).

    Raises:
        ImportError: matplotlib is not installed.
        UnboundScheduleError: the schedule still needs ``bind()``.
    """
    require_matplotlib()
    schedule._check_bound()
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
    last = horizon(schedule, stop)
    steps = steps_for(last, 5000)
    values = evaluate(schedule, steps)
    if label is None:
        label = repr(schedule)
        if len(label) > 70:
            label = label[:67] + "..."
    kwargs.setdefault("linewidth", 2.0)
    (line,) = ax.plot(steps, values, label=label, **kwargs)
    if phases:
        for b in boundaries(schedule, last):
            ax.axvline(b, color=line.get_color(), linestyle=":", linewidth=1.2, alpha=0.8)
    style_axes(ax, log=log, ylabel=ylabel)
    _, hi = ax.get_xlim()
    ax.set_xlim(0, max(hi if ax.lines[:-1] else 0, last))
    return ax


def style_axes(ax: Any, *, log: bool = False, ylabel: str = "value") -> None:
    """The default look: light grid, no top/right frame, the axes labelled ``step`` and
    ``ylabel``, optional log scale."""
    ax.grid(True, color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("log")


def plot_figure(
    items: Sequence[tuple[str, Schedule]],
    *,
    stop: int | None = None,
    log: bool = False,
    title: str | None = None,
    size: tuple[float, float] = (8.0, 4.5),
    dpi: int = 100,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    legend: bool = True,
    ylabel: str = "value",
) -> Any:
    """A matplotlib Figure (no pyplot, no display needed) with the schedules overlaid.

    Args:
        items: ``(label, schedule)`` pairs, drawn in order with matplotlib's colour cycle.
        stop: last step drawn for every schedule (default: each one's own length).
        log: logarithmic value axis.
        title: figure title.
        size: figure size in inches.
        dpi: resolution for raster formats.
        xlim, ylim: fixed axis limits (default: fit the curves).
        legend: draw a legend.
        ylabel: the value axis's name (see :func:`plot_schedule`).
    """
    require_matplotlib()
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=dpi, layout="constrained")
    ax = fig.add_subplot()
    for label, schedule in items:
        plot_schedule(schedule, ax, stop=stop, label=label, log=log, ylabel=ylabel)
    if xlim is not None:
        ax.set_xlim(*xlim)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if title:
        ax.set_title(title)
    if legend and items:
        ax.legend(frameon=False, fontsize="small")
    return fig
