"""Terminal pictures of a schedule: a braille (or plain ASCII) plot and a phase table.

The plot has the value axis labelled on the left (top, middle and bottom values), the steps
along the bottom (0, each phase boundary that fits, and the last step), and each phase
boundary marked by a dotted vertical line and a tick on the step axis. Braille characters
give 2 x 4 dots per character cell; ``ascii=True`` draws with ``_ - ' |`` instead (3 levels
per cell) for terminals and logs without Unicode.

Between integer steps a schedule's value holds, so columns that fall between two steps
repeat the previous value, and a jump (a step decay, a restart) is drawn as a vertical line.
Above the value axis a line names what the values are (``ylabel``): ``value`` for a
multiplier, ``learning rate`` under ``--lr``, or a hyperparameter's name.

Text for the terminal fits it: :func:`fit` wraps each line to :func:`terminal_width`, the
terminal's width, or :data:`PIPE_WIDTH` columns when standard output is not a terminal.
"""

from __future__ import annotations

import math
import shutil
import textwrap
from dataclasses import dataclass

from ...schedule import Schedule
from ._sample import boundaries, evaluate, fmt, horizon, phase_rows, stats, steps_for

#: Braille dot bits by (column, row-from-top) inside a 2 x 4 cell.
_BRAILLE = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


@dataclass(frozen=True)
class _Chars:
    sub_x: int  # dots per cell, across
    sub_y: int  # dots per cell, down
    vline: str  # axis with no label
    tick: str  # axis at a labelled row
    corner: str
    hline: str
    xtick: str
    boundary: str  # a phase boundary in an empty cell
    arrow: str
    infinity: str


_UNICODE = _Chars(2, 4, "│", "┤", "└", "─", "┴", "┊", "→", "∞")
_ASCII = _Chars(1, 3, "|", "+", "+", "-", "+", ":", "->", "inf")

#: ASCII characters by the sub-rows a cell holds (bit 0 = bottom, 1 = middle, 2 = top).
_ASCII_CELLS = {1: "_", 2: "-", 4: "'", 3: ".", 6: "-", 5: "|", 7: "|"}

MIN_PLOT_WIDTH = 10
MIN_PLOT_HEIGHT = 3


def plot_text(
    schedule: Schedule,
    *,
    stop: int | None = None,
    width: int = 80,
    height: int = 16,
    log: bool = False,
    ascii: bool = False,
    title: str | None = None,
    ylabel: str = "value",
) -> str:
    """The curve of ``schedule`` over steps ``0..stop`` as lines of text.

    Args:
        schedule: a bound schedule.
        stop: last step shown (default: the schedule's length, or 1000 if it never ends).
        width: total width in characters, labels included (>= 24).
        height: rows of the plot area (>= 3), not counting the title and step axis.
        log: logarithmic value axis (values <= 0 are left out, with a note).
        ascii: plain ASCII characters instead of braille and box drawing.
        title: a first line; None for the schedule's repr, "" for none.
        ylabel: what the values are, on a line above the value axis ("" for none).

    Raises:
        ValueError: the sizes are too small, or ``log`` with no positive value.
    """
    ch = _ASCII if ascii else _UNICODE
    if height < MIN_PLOT_HEIGHT:
        raise ValueError(f"height must be >= {MIN_PLOT_HEIGHT} rows, got {height}")
    last = horizon(schedule, stop)
    steps = steps_for(last, 20_000)
    values = evaluate(schedule, steps)
    ys: list[float | None]
    if log:
        ys = [math.log10(v) if v > 0 and math.isfinite(v) else None for v in values]
    else:
        ys = [v if math.isfinite(v) else None for v in values]
    finite = [y for y in ys if y is not None]
    if not finite:
        why = "no value is > 0, so nothing can be drawn on a log scale" if log else "no value is finite"
        raise ValueError(why)
    lo, hi = min(finite), max(finite)
    if hi == lo:
        pad = 0.5 if log else (abs(lo) * 0.5 or 0.5)
        lo, hi = lo - pad, hi + pad

    def unlog(y: float) -> float:
        return 10.0**y if log else y

    # value labels on the top, middle and bottom rows
    labelled = {0: unlog(hi), height - 1: unlog(lo)}
    if height >= 5:
        mid = height // 2
        dot_rows = height * ch.sub_y
        centre = (height - 1 - mid) * ch.sub_y + (ch.sub_y - 1) / 2
        labelled[mid] = unlog(lo + centre / (dot_rows - 1) * (hi - lo))
    labels = {row: fmt(v) for row, v in labelled.items()}
    label_w = max(len(t) for t in labels.values())
    plot_w = width - label_w - 2
    if plot_w < MIN_PLOT_WIDTH:
        raise ValueError(f"width {width} is too narrow: at least {label_w + 2 + MIN_PLOT_WIDTH} characters are needed")

    dots_x, dots_y = plot_w * ch.sub_x, height * ch.sub_y
    # per dot column: the lowest and highest dot row reached, and the last one (step order)
    low: list[int | None] = [None] * dots_x
    high: list[int | None] = [None] * dots_x
    end: list[int | None] = [None] * dots_x
    scale_x = (dots_x - 1) / last if last else 0.0
    for t, y in zip(steps, ys):
        if y is None:
            continue
        x = round(t * scale_x)
        r = round((y - lo) / (hi - lo) * (dots_y - 1))
        lx, hx = low[x], high[x]
        low[x] = r if lx is None else min(lx, r)
        high[x] = r if hx is None else max(hx, r)
        end[x] = r
    cells = [[0] * plot_w for _ in range(height)]  # braille masks, or bit sets of sub-rows
    prev: int | None = None
    for x in range(dots_x):
        lx, hx = low[x], high[x]
        if lx is None or hx is None:
            if prev is None:
                continue
            lx = hx = prev  # between steps the value holds
        else:
            if prev is not None:
                lx, hx = min(lx, prev), max(hx, prev)
            prev = end[x]
        for r in range(lx, hx + 1):
            _set_dot(cells, ch, x, r, height)

    bound_cols = {min(round(b * scale_x) // ch.sub_x, plot_w - 1) for b in boundaries(schedule, last)}
    lines = []
    if title is None:
        title = _title(schedule)
    if title:
        lines.append(_clip(title, width))
    if ylabel:
        lines.append(_clip(ylabel, width))
    for row in range(height):
        text = []
        for col in range(plot_w):
            mask = cells[row][col]
            if mask:
                text.append(_cell_char(ch, mask))
            elif col in bound_cols:
                text.append(ch.boundary)
            else:
                text.append(" ")
        axis = ch.tick if row in labels else ch.vline
        lines.append(f"{labels.get(row, ''):>{label_w}} {axis}{''.join(text)}".rstrip())
    axis_line = [ch.hline] * plot_w
    ticks = {0: 0, plot_w - 1: last}
    for b in boundaries(schedule, last):
        col = min(round(b * scale_x) // ch.sub_x, plot_w - 1)
        axis_line[col] = ch.xtick
        ticks.setdefault(col, b)
    axis_line[plot_w - 1] = ch.xtick
    lines.append(f"{'':>{label_w}} {ch.corner}{''.join(axis_line)}")
    lines.append(f"{'':>{label_w}}  {_step_labels(ticks, plot_w)}".rstrip())
    if log and len(finite) < len(ys):
        lines.append(f"{'':>{label_w}}  (values <= 0 are not shown on the log scale)")
    return "\n".join(lines)


def _set_dot(cells: list[list[int]], ch: _Chars, x: int, r: int, height: int) -> None:
    row_from_top = height * ch.sub_y - 1 - r
    cell_row, sub_row = divmod(row_from_top, ch.sub_y)
    cell_col, sub_col = divmod(x, ch.sub_x)
    if ch is _UNICODE:
        cells[cell_row][cell_col] |= _BRAILLE[sub_col][sub_row]
    else:
        cells[cell_row][cell_col] |= 1 << (ch.sub_y - 1 - sub_row)  # bit 0 = bottom of the cell


def _cell_char(ch: _Chars, mask: int) -> str:
    if ch is _UNICODE:
        return chr(0x2800 + mask)
    return _ASCII_CELLS[mask]


def _step_labels(ticks: dict[int, int], width: int) -> str:
    """Step numbers under their ticks; 0 and the last step first, then boundaries that fit."""
    line = [" "] * width
    taken: list[tuple[int, int]] = []
    order = sorted(ticks.items(), key=lambda kv: (kv[0] not in (0, width - 1), kv[0]))
    for col, step in order:
        text = str(step)
        start = min(max(col - len(text) // 2, 0), width - len(text))
        if col == width - 1:
            start = width - len(text)
        span = (start - 1, start + len(text) + 1)
        if start < 0 or any(a < span[1] and span[0] < b for a, b in taken):
            continue
        taken.append((start, start + len(text)))
        line[start: start + len(text)] = text
    return "".join(line)


def _title(schedule: Schedule) -> str:
    """The schedule's repr, or a note when it is nested too deeply to write."""
    try:
        return repr(schedule)
    except RecursionError:
        return f"({type(schedule).__name__}, nested too deeply to write out)"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def phase_text(schedule: Schedule, *, stop: int | None = None, ascii: bool = False) -> str:
    """A table of the phases: step range, start, peak, end and mean value of each, and a last
    row for the whole run (steps ``0..stop``; its mean is over the steps ``0..stop-1``).

    A phase that never ends is summarised over the steps drawn, from its start to ``stop``
    (a note under the table says so)."""
    ch = _ASCII if ascii else _UNICODE
    last = horizon(schedule, stop)
    rows = [("phase", "steps", "start", "peak", "end", "mean")]
    notes = []
    for r in phase_rows(schedule, last):
        if math.isfinite(r.stop):
            span = f"{r.start} {ch.arrow} {int(r.stop)}"
        elif r.start < last:
            span = f"{r.start} {ch.arrow} {ch.infinity}"
            notes.append(f"{r.name} never ends: its values are over the steps drawn, {r.start}..{r.until}")
        else:
            span = f"{r.start} {ch.arrow} {ch.infinity}"
            notes.append(f"{r.name} never ends and starts after the last step drawn ({last}): "
                         f"its values are over steps {r.start}..{r.until}")
        rows.append((r.name, span, fmt(r.start_value), fmt(r.peak), fmt(r.end_value), fmt(r.mean)))
    first, peak, mean = stats(schedule, 0, max(last, 1))
    end = float(schedule(last))
    rows.append(("whole run", f"0 {ch.arrow} {last}", fmt(first), fmt(max(peak, end)), fmt(end), fmt(mean)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for i, row in enumerate(rows):
        if i == len(rows) - 1 and len(rows) > 2:
            out.append("  ".join(ch.hline * w for w in widths))
        out.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    out.extend(notes)
    return "\n".join(out)


#: The width of text written to a pipe or a file (not a terminal).
PIPE_WIDTH = 100


def terminal_width() -> int:
    """The terminal's width in columns (``$COLUMNS`` first), or :data:`PIPE_WIDTH` when
    standard output is not a terminal; never below 40."""
    return max(40, shutil.get_terminal_size((PIPE_WIDTH, 24)).columns)


def fit(text: str, width: int | None = None) -> str:
    """``text`` with each line longer than ``width`` (default :func:`terminal_width`) wrapped
    at spaces. Continuation lines are indented: under the second word of an indented line
    (``"  peak   0.0631, ..."`` continues under ``0.0631``), by two spaces otherwise. A word
    longer than the line is not cut."""
    width = width or terminal_width()
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            out.append(line)
            continue
        lead = len(line) - len(line.lstrip(" "))
        hang = lead + 2
        if lead:
            second = line.find(" ", lead)
            while 0 <= second < len(line) and line[second] == " ":
                second += 1
            if 0 < second <= width // 2:
                hang = second
        out.extend(textwrap.wrap(line, width, subsequent_indent=" " * hang,
                                 break_long_words=False, break_on_hyphens=False, drop_whitespace=True)
                   or [line])
    return "\n".join(out)
