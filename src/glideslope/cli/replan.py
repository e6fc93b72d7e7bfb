"""The ``replan`` command: preview a plan change, the old and the new curve together.

``glideslope replan SPEC --steps 10000 --at 6000 --extend 20000`` draws the plan and the plan
changed at step 6000 in the terminal (the new one solid, the old one dotted from the change
on, the change step marked on the axis), says how the rest was re-planned, and prints the new
plan as a SPEC to copy. ``-o FILE`` writes the picture to a PNG, SVG or PDF instead.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
from pathlib import Path
from typing import Any

from .args import (
    CommandError,
    CommandFailure,
    add_run_arguments,
    bounded_int,
    describe,
    positive_int,
    schedule_from_args,
)
from .commands import can_encode
from .render._sample import evaluate, fmt, steps_for
from .render.terminal import _ASCII, _UNICODE, _cell_char, _set_dot, _step_labels

IMAGE_FORMATS = (".png", ".svg", ".pdf")
SHAPES = ("linear", "cosine", "1-sqrt", "square", "exponential")


def changed_plan(plan: Any, args: argparse.Namespace) -> Any:
    """The plan changed as the options say (CommandError naming the option when refused)."""
    from .. import replan

    try:
        if args.extend is not None:
            return replan.extend(plan, args.extend, at=args.at)
        if args.shorten is not None:
            return replan.shorten(plan, args.shorten, at=args.at)
        if args.cooldown is not None:
            return replan.cooldown_now(plan, at=args.at, steps=args.cooldown, shape=args.shape, end=args.end)
        n = plan.length
        rest = int(n) - args.at if n is not None and math.isfinite(n) and n > args.at else None
        then = schedule_from_args(args.splice, argparse.Namespace(command="replan", steps=rest))
        return replan.splice(plan, then, at=args.at, continuous=not args.jump, match=args.match)
    except (ValueError, TypeError) as exc:
        raise CommandError(describe(exc)) from None


def overlay_text(old: Any, new: Any, at: int, *, stop: int, width: int, height: int, ascii: bool = False) -> str:
    """The new plan (solid) and the old one (dotted, from ``at`` on) over steps ``0..stop`` on
    one value axis, the change step marked by a vertical line and labelled on the step axis."""
    ch = _ASCII if ascii else _UNICODE
    steps = steps_for(stop, 20_000)
    series = [evaluate(new, steps), evaluate(old, steps)]
    values = [y for ys in series for y in ys]
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = lo - (abs(lo) * 0.5 or 0.5), hi + (abs(lo) * 0.5 or 0.5)
    labels = {0: fmt(hi), height - 1: fmt(lo), height // 2: fmt((lo + hi) / 2)}
    label_w = max(len(t) for t in labels.values())
    plot_w = width - label_w - 2
    if plot_w < 10:
        raise CommandError(f"--width {width} is too narrow: at least {label_w + 12} characters are needed")
    dots_x, dots_y = plot_w * ch.sub_x, height * ch.sub_y
    scale_x = (dots_x - 1) / stop if stop else 0.0
    cells = [[[0] * plot_w for _ in range(height)] for _ in series]
    for k, ys in enumerate(series):
        prev = None
        for t, y in zip(steps, ys):
            x = round(t * scale_x)
            r = round((y - lo) / (hi - lo) * (dots_y - 1))
            if k == 1 and (t < at or x % 2):  # the old plan: dotted, after the change only
                prev = None
                continue
            for rr in range(min(r, prev if prev is not None else r), max(r, prev if prev is not None else r) + 1):
                _set_dot(cells[k], ch, x, rr, height)
            prev = r
    mark = min(round(at * scale_x) // ch.sub_x, plot_w - 1)
    dotted = "." if ascii else "\u2808"
    lines = []
    for row in range(height):
        text = []
        for col in range(plot_w):
            solid, faint = cells[0][row][col], cells[1][row][col]
            if solid:
                text.append(_cell_char(ch, solid | (faint if not ascii else 0)))
            elif faint:
                text.append(dotted if ascii else _cell_char(ch, faint))
            else:
                text.append(ch.boundary if col == mark else " ")
        axis = ch.tick if row in labels else ch.vline
        lines.append(f"{labels.get(row, ''):>{label_w}} {axis}{''.join(text)}".rstrip())
    axis_line = [ch.hline] * plot_w
    axis_line[mark] = axis_line[plot_w - 1] = ch.xtick
    lines.append(f"{'':>{label_w}} {ch.corner}{''.join(axis_line)}")
    lines.append(f"{'':>{label_w}}  {_step_labels({0: 0, plot_w - 1: stop, mark: at}, plot_w)}".rstrip())
    line_key, dots_key = ("--", "..") if ascii else ("\u2500\u2500", "\u2508\u2508")
    lines.append(f"{'':>{label_w}}  {line_key} new plan   {dots_key} old plan   {ch.boundary} changed at step {at}")
    return "\n".join(lines)


def _image(old: Any, new: Any, at: int, stop: int, out: Path, title: str) -> None:
    from .render.mpl import require_matplotlib

    matplotlib = require_matplotlib()
    matplotlib.use("Agg")
    from .render.mpl import plot_figure

    fig = plot_figure([("old plan", old), ("new plan", new)], stop=stop, title=title)
    ax = fig.axes[0]
    for line in ax.lines:
        if line.get_label() == "old plan":
            line.set_linestyle("--")
            line.set_linewidth(1.5)
    ax.legend(frameon=False, fontsize="small")
    ax.axvline(at, color="#444444", linestyle="-", linewidth=1.0, alpha=0.7)
    ax.annotate(f"changed at step {at}", (at, 1.0), xycoords=("data", "axes fraction"), xytext=(4, -12),
                textcoords="offset points", fontsize="small", color="#444444")
    try:
        fig.savefig(out)
    except OSError as exc:
        raise CommandFailure(f"cannot write {str(out)!r}: {exc.strerror or exc}") from None


def _replan(args: argparse.Namespace) -> int:
    """Print (or draw to -o) the plan and the changed plan together."""
    if args.output is not None:
        out = Path(args.output)
        if out.suffix.lower() not in IMAGE_FORMATS:
            raise CommandError(f"-o {str(out)!r}: the file name must end in {', '.join(IMAGE_FORMATS)}")
        if not out.parent.is_dir():
            raise CommandError(f"-o {str(out)!r}: the folder {str(out.parent)!r} does not exist")
    plan = schedule_from_args(args.spec, args)
    new = changed_plan(plan, args)
    n = new.length
    stop = int(n) if n is not None and math.isfinite(n) else max(args.at * 2, 1000)
    n_old = plan.length
    if n_old is not None and math.isfinite(n_old):
        stop = max(stop, int(n_old))
    for s in (plan, new):
        if not all(math.isfinite(v) for v in evaluate(s, steps_for(stop, 2000))):
            raise CommandError("the schedule's values are not all finite numbers; check its arguments")
    how = new.explain()
    if args.output is not None:
        _image(plan, new, args.at, stop, Path(args.output), f"{new.kind} at step {args.at}")
        print(f"wrote {args.output}")
        return 0
    size = shutil.get_terminal_size((80, 24))
    width = args.width or min(max(size.columns, 40), 1000)
    height = args.height or max(6, min(size.lines - 12, 16))
    ascii = args.ascii or not can_encode(sys.stdout)
    print(f"{new.kind} at step {args.at}: {how}")
    print(overlay_text(plan, new, args.at, stop=stop, width=width, height=height, ascii=ascii))
    print()
    print(f"new plan: {new!r}")
    return 0


def register(sub: Any) -> None:
    """Add ``replan`` to the sub-parsers ``sub``."""
    p = sub.add_parser(
        "replan",
        help="preview a plan change: the old and the new curve together",
        description="Change a plan at step --at (extend, shorten, cool down now, or splice a new phase on)\n"
        "and draw both: the new plan solid, the old one dotted from the change on, the change\n"
        "step marked. Prints how the rest was re-planned and the new plan as a SPEC.",
        epilog="examples:\n"
        "  glideslope replan \"wsd()\" --steps 10000 --at 6000 --extend 20000\n"
        "  glideslope replan \"warmup(500) >> cosine()\" --steps 10000 --at 4000 --shorten 6000\n"
        "  glideslope replan \"wsd()\" --steps 10000 --at 5000 --cooldown 1000 --shape 1-sqrt\n"
        "  glideslope replan \"cosine()\" --steps 1000 --at 600 --splice \"constant(1.0, steps=200)\"\n"
        "  glideslope replan \"wsd()\" --steps 10000 --at 6000 --extend 20000 -o replan.png\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("spec", metavar="SPEC", help="the plan: a SPEC expression, a JSON/YAML config file, or -")
    p.add_argument("--at", type=bounded_int(0, 2**53, "steps"), required=True, metavar="T",
                   help="the change step (from 0 to the plan's length)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--extend", type=positive_int, metavar="N", help="re-plan to end at step N, later")
    which.add_argument("--shorten", type=positive_int, metavar="N", help="re-plan to end at step N, sooner")
    which.add_argument("--cooldown", type=positive_int, metavar="K", help="cool down now: over K steps from --at")
    which.add_argument("--splice", metavar="SPEC2", help="follow SPEC2 from --at (matched to the value reached)")
    p.add_argument("--shape", choices=SHAPES, default="linear", help="--cooldown's shape (default linear)")
    p.add_argument("--end", type=float, metavar="V", help="--cooldown's final value (default: the plan's)")
    p.add_argument("--jump", action="store_true", help="--splice SPEC2 exactly as given: the value jumps at --at")
    p.add_argument("--match", choices=("scale", "offset"), default="scale",
                   help="how --splice matches SPEC2 to the value reached (default scale)")
    p.add_argument("-o", "--output", metavar="FILE", help="draw to FILE (.png, .svg or .pdf) instead of the terminal")
    p.add_argument("--ascii", action="store_true", help="plain ASCII characters (no braille or box drawing)")
    p.add_argument("--width", type=bounded_int(24, 1000, "characters"), metavar="COLS",
                   help="total width in characters")
    p.add_argument("--height", type=bounded_int(3, 200, "rows"), metavar="ROWS", help="rows of the plot")
    add_run_arguments(p)
    p.set_defaults(func=_replan)
