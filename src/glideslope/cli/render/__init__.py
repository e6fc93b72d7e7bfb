"""Pictures of schedules: terminal plots, matplotlib figures and hand-written SVG.

* :func:`schedule_svg` draws a schedule as a small SVG image (no matplotlib needed); it is
  what Jupyter shows for a schedule (``Schedule._repr_svg_``).
* :func:`plot_schedule` draws onto matplotlib Axes (``Schedule.plot``); matplotlib is
  optional (``pip install glideslope[plot]``) and only imported when called.
* :mod:`glideslope.render.terminal` draws braille/ASCII plots and phase tables.
"""

from __future__ import annotations

from typing import Any

from ...schedule import Schedule
from .svg import schedule_svg

__all__ = ["plot_schedule", "schedule_svg"]


def plot_schedule(schedule: Schedule, ax: Any = None, **kwargs: Any) -> Any:
    """Draw ``schedule`` on matplotlib Axes (new ones when ``ax`` is None); return the Axes.

    See :func:`glideslope.render.mpl.plot_schedule` for the options.

    Raises:
        ImportError: matplotlib is not installed (the message says how to install it).
    """
    from .mpl import plot_schedule as _plot

    return _plot(schedule, ax=ax, **kwargs)
