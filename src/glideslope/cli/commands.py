"""The commands that show a schedule: ``show``, ``table``, ``plot`` and ``export``.

Each takes a SPEC (an expression such as ``"warmup('5%') >> cosine(end=0.01)"``, or the
path of a JSON/YAML config) and the run options ``--lr``, ``--steps``, ``--epochs`` and
``--steps-per-epoch``; a SPEC of ``-`` is read from standard input. The steps shown run from
0 to the run's last step: ``--steps N`` when given, else the schedule's own length (1000
steps for a schedule that never settles).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from .args import (
    MAX_STEPS,
    CommandError,
    CommandFailure,
    add_run_arguments,
    bounded_int,
    positive_int,
    run_sizes,
    schedule_from_args,
    whole_number,
)

SPEC_HELP = (
    "the schedule: a Python expression of glideslope constructors, e.g. "
    "\"warmup('5%%') >> cosine(end=0.01)\", the path of a JSON/YAML config file, "
    "or - to read either from standard input"
)

IMAGE_FORMATS = (".png", ".svg", ".pdf")

#: The most rows ``table`` prints and ``export`` writes (use --every for longer runs).
MAX_ROWS = 1_000_000

#: Bounds of ``show --width`` and ``--height``.
MAX_WIDTH, MAX_HEIGHT = 1_000, 200

#: Characters every braille picture needs; a stdout that cannot encode them gets ASCII.
_UNICODE_SAMPLE = "\u2800\u28ff\u2502\u2524\u2514\u2500\u2534\u250a\u2192\u221e"


def _last_step(schedule: Any, args: argparse.Namespace) -> int:
    """The last step a command shows: --steps (or epochs) or the schedule's own end."""
    from .render._sample import horizon

    total, _ = run_sizes(args)
    if total is None:
        length = schedule.length
        if length is not None and math.isfinite(length) and length > MAX_STEPS:
            raise CommandError(
                f"the schedule is {length:.3g} steps long, more than the 10^15 the commands show; "
                f"add --steps N to show its first N steps"
            )
    return horizon(schedule, total)


def _finite(schedule: Any, steps: list[int]) -> list[float]:
    """The values at ``steps``, checked to be finite (CommandError naming the first that is not)."""
    from .render._sample import evaluate

    values = evaluate(schedule, steps)
    for t, v in zip(steps, values):
        if not math.isfinite(v):
            raise CommandError(f"the schedule's value at step {t} is {v}, not a finite number; check its arguments")
    return values


def _new_parser(sub: Any, name: str, help: str, description: str, examples: str) -> argparse.ArgumentParser:
    """A sub-command parser with a description and an examples epilog."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help,
        description=description,
        epilog="examples:\n" + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


# -- show -------------------------------------------------------------------------------------


def quantity(args: argparse.Namespace) -> str:
    """What a picture's value axis shows: ``--param``'s name, ``learning rate`` under
    ``--lr``, else ``value`` (a multiplier)."""
    if args.param:
        return str(args.param)
    return "learning rate" if args.lr is not None else "value"


def add_param_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--param", metavar="NAME",
                        help="the hyperparameter the schedule sets (e.g. momentum, weight_decay): names the "
                        "value axis (default: 'learning rate' with --lr, else 'value')")


def can_encode(stream: Any, text: str = _UNICODE_SAMPLE) -> bool:
    """Can ``stream`` (standard output) write ``text`` in its encoding?"""
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _show(args: argparse.Namespace) -> int:
    """Draw the plot and the phase table on standard output."""
    from .render._sample import steps_for
    from .render.terminal import PIPE_WIDTH, phase_text, plot_text

    schedule = schedule_from_args(args.spec, args)
    last = _last_step(schedule, args)
    _finite(schedule, steps_for(last, 2_000))
    size = shutil.get_terminal_size((PIPE_WIDTH, 24))
    width = args.width or min(max(size.columns, 40), MAX_WIDTH)
    height = args.height or max(6, min(size.lines - 12, 20))
    ascii = args.ascii or not can_encode(sys.stdout)
    print(plot_text(schedule, stop=last, width=width, height=height, log=args.log, ascii=ascii,
                    ylabel=quantity(args)))
    print()
    print(phase_text(schedule, stop=last, ascii=ascii))
    return 0


# -- table ------------------------------------------------------------------------------------


def _steps_list(text: str) -> list[int]:
    """Parse ``--at``: comma-separated whole steps from 0 to :data:`~glideslope.cli.args.MAX_STEPS`."""
    out = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        value = whole_number(part)
        if value is None or not 0 <= value <= MAX_STEPS:
            raise argparse.ArgumentTypeError(f"{part[:30]!r} is not a whole step number from 0 to 10^15")
        out.append(value)
    if not out:
        raise argparse.ArgumentTypeError("expected steps separated by commas, e.g. 0,1250,2500")
    if len(out) > MAX_ROWS:
        raise argparse.ArgumentTypeError(f"{len(out):,} steps given; at most {MAX_ROWS:,}")
    return out


def _every_steps(every: int, last: int, given: bool = True) -> list[int]:
    """``0, every, 2 * every, ...`` up to ``last``, and ``last`` itself (at most
    :data:`MAX_ROWS` of them; ``given``: whether ``every`` came from --every)."""
    rows = last // every + 1 + (1 if last % every else 0)
    if rows > MAX_ROWS:
        what = f"--every {every}" if given else "every step"
        raise CommandError(
            f"{what} from 0 to {last:,} is {rows:,} rows; at most {MAX_ROWS:,} are written: "
            f"add --every {math.ceil(last / (MAX_ROWS - 2))} or more"
        )
    steps = list(range(0, last + 1, every))
    if steps[-1] != last:
        steps.append(last)
    return steps


def number_column(values: list[float], digits: int) -> list[str]:
    """The values written in one notation with ``digits`` significant digits: positional
    (``0.0001``, ``0.00172175``) when every value fits in it readably, else scientific for all
    (``1e-07``, ``2.5e-05``)."""
    nonzero = [abs(v) for v in values if v != 0]
    if not nonzero or (min(nonzero) >= 1e-6 and max(nonzero) < 10.0**digits):
        return [_positional(v, digits) for v in values]
    return [_scientific(v, digits) for v in values]


def _positional(value: float, digits: int) -> str:
    if value == 0:
        return "0"
    text = format(Decimal(f"{value:.{digits}g}"), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _scientific(value: float, digits: int) -> str:
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent):+03d}"


def _table(args: argparse.Namespace) -> int:
    """Print ``step  value`` rows at the chosen steps (or a JSON document with --json)."""
    schedule = schedule_from_args(args.spec, args)
    if args.at is not None:
        steps = args.at
    else:
        last = _last_step(schedule, args)
        every = args.every or max(1, math.ceil(last / 10))
        steps = _every_steps(every, last)
    values = _finite(schedule, steps)
    if args.json:
        doc = {
            "spec": args.spec,
            "schedule": _safe_repr(schedule),
            "rows": [{"step": t, "value": v} for t, v in zip(steps, values)],
        }
        sys.stdout.write(json.dumps(doc, allow_nan=False) + "\n")
        return 0
    texts = number_column(values, args.digits)
    width = max(len("step"), *(len(str(t)) for t in steps))
    lines = [f"{'step':>{width}}  value"]
    lines.extend(f"{t:>{width}}  {v}" for t, v in zip(steps, texts))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _safe_repr(schedule: Any) -> str | None:
    """The schedule's repr, or None when it is too deeply nested to write."""
    try:
        return repr(schedule)
    except RecursionError:
        return None


# -- plot -------------------------------------------------------------------------------------


def _pair(text: str) -> tuple[float, float]:
    """Parse ``LOW,HIGH`` for --xlim/--ylim."""
    parts = text.replace(" ", "").split(",")
    try:
        lo, hi = (float(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected two numbers LOW,HIGH, got {text!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise argparse.ArgumentTypeError(f"expected finite LOW < HIGH, got {text!r}")
    return lo, hi


def _size(text: str) -> tuple[float, float]:
    """Parse ``WxH`` (inches) for --size."""
    try:
        w, h = (float(p) for p in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in inches such as 8x4.5, got {text!r}") from None
    if not (0 < w <= 50 and 0 < h <= 50):
        raise argparse.ArgumentTypeError(f"expected a size between 0 and 50 inches a side, got {text!r}")
    return w, h


def _plot(args: argparse.Namespace) -> int:
    """Render the schedules with matplotlib (Agg) into the -o file."""
    out = Path(args.output)
    if out.suffix.lower() not in IMAGE_FORMATS:
        raise CommandError(
            f"-o {str(out)!r}: the file name must end in {', '.join(IMAGE_FORMATS)} (that picks the format)"
        )
    if not out.parent.is_dir():
        raise CommandError(f"-o {str(out)!r}: the folder {str(out.parent)!r} does not exist")
    if args.label and len(args.label) != len(args.specs):
        raise CommandError(f"got {len(args.label)} --label for {len(args.specs)} SPECs; give one per SPEC or none")
    schedules = [schedule_from_args(spec, args) for spec in args.specs]
    labels = args.label or [" ".join(spec.split()) if spec.strip() != "-" else "stdin" for spec in args.specs]
    total, _ = run_sizes(args)
    from .render._sample import steps_for

    for label, s in zip(labels, schedules):
        values = _finite(s, steps_for(_last_step(s, args), 2000))
        if args.log and max(values) <= 0:
            raise CommandError(f"--log: {label!r} has no value > 0 to draw on a log scale")
    from .render.mpl import require_matplotlib

    matplotlib = require_matplotlib()
    matplotlib.use("Agg")
    from .render.mpl import plot_figure

    one = len(schedules) == 1 and not args.label
    fig = plot_figure(
        list(zip(labels, schedules)),
        stop=total,
        log=args.log,
        title=args.title if args.title is not None or not one else labels[0],
        legend=not one,
        size=args.size,
        dpi=args.dpi,
        xlim=args.xlim,
        ylim=args.ylim,
        ylabel=quantity(args),
    )
    try:
        fig.savefig(out)
    except OSError as exc:
        raise CommandFailure(f"cannot write {str(out)!r}: {exc.strerror or exc}") from None
    print(f"wrote {out}")
    return 0


# -- export -----------------------------------------------------------------------------------


def _export(args: argparse.Namespace) -> int:
    """Write the values as CSV or JSON to standard output or -o."""

    fmt = args.format
    if fmt is None:
        suffix = Path(args.output).suffix.lower() if args.output else ""
        fmt = "json" if suffix == ".json" else "csv"
    schedule = schedule_from_args(args.spec, args)
    last = _last_step(schedule, args)
    steps = _every_steps(args.every or 1, last, given=args.every is not None)
    values = _finite(schedule, steps)
    if fmt == "csv":
        text = "step,value\n" + "".join(f"{t},{v!r}\n" for t, v in zip(steps, values))
    else:
        try:
            config: Any = schedule.to_config()
        except (TypeError, RecursionError):
            config = None
        doc = {
            "spec": args.spec,
            "schedule": _safe_repr(schedule),
            "config": config,
            "last_step": last,
            "steps": steps,
            "values": values,
        }
        text = json.dumps(doc) + "\n"
    if args.output:
        _write(Path(args.output), text)
        sys.stderr.write(f"wrote {len(steps)} rows to {args.output}\n")
    else:
        sys.stdout.write(text)
    return 0


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path``; a failure (disk full, no permission) is a runtime failure."""
    try:
        path.write_text(text)
    except OSError as exc:
        raise CommandFailure(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None


# -- registration -----------------------------------------------------------------------------


def register(sub: Any) -> None:
    """Add ``show``, ``table``, ``plot`` and ``export`` to the sub-parsers ``sub``."""
    p = _new_parser(
        sub, "show", "plot a schedule in the terminal, with a table of its phases",
        "Draw the schedule in the terminal (braille dots, or --ascii), value axis on the left,\n"
        "steps along the bottom, phase boundaries marked; then a table of the phases with\n"
        "their step ranges and start, peak, end and mean values.",
        "  glideslope show \"warmup('5%') >> cosine(end=0.01)\" --steps 2000\n"
        "  glideslope show \"step(rate=0.5, every=300)\" --steps 2000 --log\n"
        "  glideslope show \"one_cycle(peak=0.01)\" --epochs 10 --steps-per-epoch 391 --ascii\n"
        "  glideslope show schedule.json --width 100 --height 20\n"
        "  echo \"1 - cosine(steps=500)\" | glideslope show -\n"
        "On a terminal that cannot print braille (e.g. PYTHONIOENCODING=ascii) it draws in ASCII.\n",
    )
    p.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    add_run_arguments(p)
    p.add_argument("--log", action="store_true", help="logarithmic value axis")
    p.add_argument("--ascii", action="store_true", help="plain ASCII characters (no braille or box drawing)")
    p.add_argument("--width", type=bounded_int(24, MAX_WIDTH, "characters"), metavar="COLS",
                   help=f"total width in characters, 24 to {MAX_WIDTH} (default: the terminal's)")
    p.add_argument("--height", type=bounded_int(3, MAX_HEIGHT, "rows"), metavar="ROWS",
                   help=f"rows of the plot, 3 to {MAX_HEIGHT} (default: fit the terminal)")
    add_param_argument(p)
    p.set_defaults(func=_show)

    p = _new_parser(
        sub, "table", "print the values at given steps",
        "Print the schedule's value at the steps given by --at, or every N steps (default:\n"
        "11 rows from step 0 to the last step).",
        "  glideslope table \"cosine(start=0.002, end=0.0001, steps=5000)\" --at 0,1250,2500,3750,5000\n"
        "  glideslope table \"warmup(100) >> cosine()\" --steps 1000 --every 100\n"
        "  glideslope table \"cosine()\" --lr 3e-4 --epochs 3 --steps-per-epoch 100 --every 50\n"
        "  glideslope table \"0.1 - 0.09 * linear(steps=100)\" --every 25 --json\n",
    )
    p.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--at", type=_steps_list, metavar="STEPS", help="comma-separated steps, e.g. 0,1250,2500")
    which.add_argument("--every", type=positive_int, metavar="N", help="every N steps from 0 to the last step")
    p.add_argument("--digits", type=bounded_int(1, 17, "digits"), default=10, metavar="D",
                   help="significant digits printed, 1 to 17 (default 10); every value is written in one "
                   "notation: positional, or scientific when some value is below 1e-6")
    p.add_argument("--json", action="store_true",
                   help="print one JSON document instead: {spec, schedule, rows: [{step, value}, ...]}, "
                   "values at full precision")
    add_run_arguments(p)
    p.set_defaults(func=_table)

    p = _new_parser(
        sub, "plot", "draw schedules to an image file (png, svg or pdf)",
        "Draw one or more schedules, overlaid with a legend, into FILE with matplotlib; the\n"
        "format follows the file's extension. Phase boundaries are dotted lines in each\n"
        "curve's colour. Needs matplotlib (pip install glideslope[plot]).",
        "  glideslope plot \"warmup('5%') >> cosine(end=0.01)\" -o lr.png --steps 2000\n"
        "  glideslope plot \"cosine()\" \"wsd()\" \"rex()\" --steps 10000 --lr 3e-4 -o compare.svg\n"
        "  glideslope plot \"exponential(rate=0.999)\" --log --title decay -o decay.pdf\n",
    )
    p.add_argument("specs", metavar="SPEC", nargs="+", help=SPEC_HELP)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the image to write: .png, .svg or .pdf")
    p.add_argument("--log", action="store_true", help="logarithmic value axis")
    add_param_argument(p)
    p.add_argument("--title", help="a title above the plot (default: the SPEC, when there is only one)")
    p.add_argument("--label", action="append", metavar="TEXT", help="legend label, once per SPEC (default: the SPEC)")
    p.add_argument("--size", type=_size, default=(8.0, 4.5), metavar="WxH",
                   help="figure size in inches (default 8x4.5)")
    p.add_argument("--dpi", type=bounded_int(10, 1200, "dots per inch"), default=100,
                   help="pixels per inch for png, 10 to 1200 (default 100)")
    p.add_argument("--xlim", type=_pair, metavar="LOW,HIGH", help="fixed step range of the axes")
    p.add_argument("--ylim", type=_pair, metavar="LOW,HIGH", help="fixed value range of the axes")
    add_run_arguments(p)
    p.set_defaults(func=_plot)

    p = _new_parser(
        sub, "export", "write the values as CSV or JSON",
        "Write the value at every step from 0 to the last step (inclusive: the run's steps and\n"
        "the value it lands on), or every N steps, as CSV (step,value) or JSON (with the\n"
        "schedule's repr and config). Values are written at full precision.",
        "  glideslope export \"warmup(100) >> cosine()\" --steps 1000 --format csv > lr.csv\n"
        "  glideslope export \"3e-4 * cosine(steps=5000)\" --every 100 --format json -o lr.json\n",
    )
    p.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    p.add_argument("--format", choices=("csv", "json"), help="output format (default: from -o's extension, else csv)")
    p.add_argument("--every", type=positive_int, metavar="N", help="only every N steps (and the last step)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    add_run_arguments(p)
    p.set_defaults(func=_export)
