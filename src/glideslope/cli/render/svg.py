"""A small hand-written SVG picture of a schedule (no matplotlib needed).

Jupyter shows a schedule through ``Schedule._repr_svg_``, which calls :func:`schedule_svg`.
"""

from __future__ import annotations

import html
import math

from ...schedule import Schedule
from ._sample import boundaries, evaluate, fmt, horizon, steps_for

_FONT = 'font-family="sans-serif" font-size="11" fill="#333"'


def schedule_svg(
    schedule: Schedule, *, width: int = 480, height: int = 200, stop: int | None = None, ylabel: str = "value"
) -> str | None:
    """An SVG image of the curve over steps ``0..stop``: axes with value and step labels, the
    value axis named ``ylabel`` (``"value"``, ``"learning rate"``, a hyperparameter's name),
    phase boundaries as dashed lines, and the schedule's repr as a title.

    Returns None when the schedule cannot be drawn yet (it is not bound to a run, or its
    values are not finite), so that Jupyter falls back to the text repr.
    """
    if not schedule.is_bound:
        return None
    try:
        last = horizon(schedule, stop)
        steps = steps_for(last, 1000)
        values = evaluate(schedule, steps)
    except (ValueError, TypeError, ArithmeticError):
        return None
    if not all(math.isfinite(v) for v in values):
        return None
    lo, hi = min(values), max(values)
    if hi == lo:
        pad = abs(lo) * 0.5 or 0.5
        lo, hi = lo - pad, hi + pad
    left, right, top, bottom = 74, 14, 26, 30  # room for the value labels and the axis name
    pw, ph = width - left - right, height - top - bottom

    def px(t: float) -> float:
        return left + (t / last if last else 0.0) * pw

    def py(v: float) -> float:
        return top + (hi - v) / (hi - lo) * ph

    points = " ".join(f"{px(t):.2f},{py(v):.2f}" for t, v in zip(steps, values))
    title = repr(schedule)
    if len(title) > 80:
        title = title[:77] + "..."
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        f"<title>{html.escape(title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="16" {_FONT}>{html.escape(title)}</text>',
    ]
    for v in (lo, (lo + hi) / 2, hi):
        y = py(v)
        out.append(f'<line x1="{left}" y1="{y:.2f}" x2="{left + pw}" y2="{y:.2f}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.2f}" text-anchor="end" {_FONT}>{fmt(v)}</text>')
    for b in boundaries(schedule, last):
        x = px(b)
        out.append(
            f'<line x1="{x:.2f}" y1="{top}" x2="{x:.2f}" y2="{top + ph}" stroke="#999" stroke-dasharray="3,3"/>'
        )
    out.append(f'<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="{points}"/>')
    out.append(
        f'<path d="M{left},{top} V{top + ph} H{left + pw}" fill="none" stroke="#333" stroke-width="1"/>'
    )
    base = top + ph + 16
    out.append(f'<text x="{left}" y="{base}" text-anchor="start" {_FONT}>0</text>')
    out.append(f'<text x="{left + pw}" y="{base}" text-anchor="end" {_FONT}>{last}</text>')
    out.append(f'<text x="{left + pw / 2:.2f}" y="{base}" text-anchor="middle" {_FONT}>step</text>')
    mid = top + ph / 2
    out.append(f'<text x="12" y="{mid:.2f}" transform="rotate(-90 12 {mid:.2f})" text-anchor="middle" '
               f'{_FONT}>{html.escape(ylabel)}</text>')
    out.append("</svg>")
    return "\n".join(out)
