"""Regenerate the schedule gallery: docs/schedules.md, docs/gallery.md and the images in docs/img/.

    .venv/bin/python scripts/gallery.py            # write the page and every image
    .venv/bin/python scripts/gallery.py --check    # exit 1 if the page or an image is missing/stale

Every kind in ``glideslope.schedule.REGISTRY`` (every shape and composite) and
``warmup_stable_decay`` has an entry below: a one-line description, the formula, and the
expression that made the picture. The expressions are SPECs: the same text works in Python
(with a ``gs.`` prefix) and on the command line (``glideslope show "..."``); only
``function``, which wraps a Python callable, is Python-only.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGE = DOCS / "schedules.md"
GALLERY = DOCS / "gallery.md"
IMAGES = DOCS / "img"


@dataclass(frozen=True)
class Entry:
    """One picture of the gallery."""

    name: str  # the kind (or warmup_stable_decay)
    group: str
    description: str
    formula: str
    expression: str
    python_only: bool = False


P = "with `p = min(t, steps) / steps`"

ENTRIES: tuple[Entry, ...] = (
    # -- shapes
    Entry("constant", "Shapes", "The same value at every step.", "`value`", "constant(0.5, steps=1000)"),
    Entry("linear", "Shapes", "A straight line from `start` to `end`.",
          f"`start + (end - start) * p`, {P}", "linear(start=1.0, end=0.1, steps=1000)"),
    Entry("cosine", "Shapes", "Cosine annealing from `start` down to `end` (half a cosine wave).",
          f"`end + (start - end) * (0.5 * (1 + cos(pi * p))) ** exponent`, {P}",
          "cosine(end=0.1, steps=1000)"),
    Entry("polynomial", "Shapes", "Polynomial decay; `power=1` is linear, 2 quadratic.",
          f"`end + (start - end) * (1 - p) ** power`, {P}", "polynomial(power=2.0, steps=1000)"),
    Entry("tanh", "Shapes", "Hyperbolic-tangent decay: a long flat top, then a fast drop (Hsueh et al.).",
          f"`end + (start - end) * (tanh(upper) - tanh(lower + (upper - lower) * p)) / "
          f"(tanh(upper) - tanh(lower))`, {P}", "tanh(steps=1000)"),
    Entry("rex", "Shapes", "REX, the reflected exponential decay (Chen et al., 2021).",
          f"`end + (start - end) * (1 - p) / (1 - p / 2)`, {P}", "rex(steps=1000)"),
    Entry("cooldown", "Shapes", "The final decay of a warmup-stable-decay run, in five shapes.",
          f"`end + (start - end) * g(p)`, `g` = `1 - p`, cosine, `1 - sqrt(p)`, `1 - p**2`; or "
          f"`start * (end / start) ** p`, {P}", "cooldown(shape='1-sqrt', steps=1000)"),
    Entry("exponential", "Shapes", "Exponential decay by `rate` every `every` steps (optionally staircase).",
          "`start * rate ** (max(t - delay, 0) / every)`, floored exponent with `staircase=True`",
          "exponential(rate=0.5, every=200)"),
    Entry("step", "Shapes", "Step decay: multiply by `rate` every `every` steps (torch's StepLR).",
          "`start * rate ** floor(t / every)`", "step(rate=0.5, every=250)"),
    Entry("multistep", "Shapes", "Multiply by `rate` at each milestone (torch's MultiStepLR).",
          "`start * rate ** (number of milestones <= t)`", "multistep(rate=0.3, milestones=[300, 600, 900])"),
    Entry("piecewise_constant", "Shapes", "Constant pieces that change at given boundaries.",
          "`values[i]`, `i` = number of boundaries `<= t`",
          "piecewise_constant(boundaries=[250, 500, 750], values=[1.0, 0.6, 0.3, 0.1])"),
    Entry("interpolate", "Shapes", "Linear (or cosine) interpolation through points.",
          "`values[i] + (values[i+1] - values[i]) * q` between boundaries `i` and `i+1`",
          "interpolate(boundaries=[0, 200, 600, 1000], values=[0.0, 1.0, 0.5, 0.0])"),
    Entry("inverse_sqrt", "Shapes", "Inverse square root (Noam / rsqrt) decay.",
          "`start * sqrt(timescale / (t + timescale))`", "inverse_sqrt(timescale=100)"),
    Entry("slanted_triangular", "Shapes", "Slanted triangular learning rate (ULMFiT): short rise, long fall.",
          "`peak * (1 + x * (ratio - 1)) / ratio`, `x` rising to 1 at `cut`, then falling to 0",
          "slanted_triangular(steps=1000)"),
    Entry("function", "Shapes", "Any Python function of the step, wrapped as a schedule (Python only).",
          "`fn(t)`", "function(lambda t: 1 / (1 + t / 100), steps=1000)", python_only=True),
    # -- cycles
    Entry("cyclic", "Cycles", "Cyclical learning rate between `low` and `high` (torch's CyclicLR).",
          "`low + (high - low) * triangle(t) * scale`, `scale` = 1, `1 / 2 ** (cycle - 1)` or `gamma ** t`",
          "cyclic(low=0.1, high=1.0, up=100, mode='triangular2')"),
    Entry("one_cycle", "Cycles", "One-cycle policy: up to `peak`, then far below the start (OneCycleLR).",
          "cosine (or linear) from `peak / initial_div` to `peak` at `warmup * steps`, then to "
          "`peak / initial_div / final_div`", "one_cycle(steps=1000)"),
    Entry("one_cycle_momentum", "Cycles", "The momentum curve that goes with one-cycle: the inverse shape.",
          "from `high` down to `low` at `warmup * steps`, back to `high` at `steps`",
          "one_cycle_momentum(steps=1000)"),
    Entry("cosine_restarts", "Cycles", "Cosine annealing with warm restarts (SGDR), cycles growing and decaying.",
          "`end + (start * decay ** i - end) * (1 + cos(pi * u / T_i)) / 2`, "
          "`T_i = period * period_mult ** i`", "cosine_restarts(period=200, period_mult=2, decay=0.8)"),
    # -- composites
    Entry("warmup", "Composites", "Warmup: rise to the next phase's first value, then hand over.",
          f"`start + (end - start) * p` (linear; also cosine, exponential), {P}",
          "warmup(200) >> cosine(end=0.1, steps=800)"),
    Entry("sequence", "Composites", "Phases one after another; each phase's time restarts at 0 (`>>`).",
          "`phases[i](t - start_i)` for `start_i <= t < start_{i+1}`",
          "linear(1.0, 0.5, steps=300) >> constant(0.5, steps=300) >> cosine(0.5, 0.0, steps=400)"),
    Entry("scale", "Composites", "A schedule times a number: a multiplier becomes an absolute value.",
          "`factor * schedule(t)`", "3e-4 * cosine(steps=1000)"),
    Entry("product", "Composites", "Pointwise product of schedules (`a * b`).",
          "`a(t) * b(t)`", "cosine(steps=1000) * cyclic(low=0.5, high=1.0, up=50)"),
    Entry("add", "Composites", "Pointwise sum of schedules, or a schedule plus an offset (`a + b`).",
          "`a(t) + b(t)`", "0.5 * cosine(steps=1000) + 0.1 * cyclic(low=0.0, high=1.0, up=100)"),
    Entry("minimum", "Composites", "Pointwise minimum of schedules.",
          "`min(a(t), b(t), ...)`", "minimum(linear(steps=1000), constant(0.6, steps=1000))"),
    Entry("maximum", "Composites", "Pointwise maximum of schedules.",
          "`max(a(t), b(t), ...)`", "maximum(cosine(steps=1000), constant(0.2, steps=1000))"),
    Entry("repeat", "Composites", "Repeat a finite schedule `times` times (or forever).",
          "`schedule(t mod L)`, `L` its length", "repeat(warmup(50) >> cosine(steps=200), times=4)"),
    Entry("stretch", "Composites", "Stretch time by a factor (or to a number of steps).",
          "`schedule(t / factor)`", "stretch(one_cycle(steps=250), factor=4)"),
    Entry("clamp", "Composites", "Clamp values into `[low, high]`.",
          "`min(max(schedule(t), low), high)`", "clamp(cosine_restarts(period=250, limit=4), low=0.2, high=0.8)"),
    Entry("shift", "Composites", "Shift in time: delay a schedule (holding its first value) or skip ahead.",
          "`schedule(max(t - steps, 0))`", "shift(cosine(steps=600), steps=400)"),
    Entry("noise", "Composites", "Deterministic, seeded noise on top of a schedule (same step, same noise).",
          "`schedule(t) * (1 + z_t)` (or `+ z_t`), `z_t` a hash of `(seed, t)`",
          "noise(cosine(end=0.1, steps=1000), scale=0.05, seed=1)"),
    Entry("warmup_stable_decay", "Composites", "Warmup-stable-decay (WSD, trapezoidal): warm up, hold, cool down.",
          "`warmup(warmup) >> constant(peak) >> cooldown(peak, end, cooldown, shape)`",
          "warmup_stable_decay(peak=1.0, steps=1000)"),
    # -- plan changes (glideslope.replan): the plan as it was before `at`, continuous there
    Entry("extend", "Plan changes", "The plan re-planned at `at` to end later: a flat phase before the end "
          "(WSD's stable phase) grows and the cooldown is kept; otherwise the rest stretches.",
          "`schedule(m(t))`: `m(t) = t` before `at`; then the flat phase holds `steps - length` steps longer, "
          "or `m(t) = c + (t - c) * (length - c) / (steps - c)`",
          "extend(warmup_stable_decay(peak=1.0, steps=600), 1000, at=300)"),
    Entry("shorten", "Plan changes", "The plan re-planned at `at` to end sooner (the flat phase shrinks, or the "
          "rest is squeezed).", "as `extend`, with `steps` below the plan's length",
          "shorten(warmup(100) >> cosine(steps=900), 600, at=300)"),
    Entry("cooldown_now", "Plan changes", "Cool down now: from `at`, a cooldown from the value reached to `end`.",
          "`schedule(t)` before `at`, then `cooldown(schedule(at), end, steps, shape)(t - at)`",
          "cooldown_now(warmup(100) >> constant(1.0, steps=900), at=500, steps=300, shape='1-sqrt', end=0.0)"),
    Entry("splice", "Plan changes", "From `at`, follow another schedule, scaled to start at the value reached "
          "(or as given: `continuous=False`).",
          "`schedule(t)` before `at`, then `then(t - at) * schedule(at) / then(0)`",
          "splice(cosine(steps=1000), constant(1.0, steps=200) >> linear(1.0, 0.0, 300), at=500)"),
)


def _function() -> Any:
    import glideslope as gs

    return gs.function(lambda t: 1 / (1 + t / 100), steps=1000)


# The entries a SPEC cannot express (they wrap a Python callable), built as their expression
# reads; tests/test_docs.py runs the expression itself from the page.
PYTHON_ONLY = {"function": _function}


def required_names() -> set[str]:
    """Every name the gallery must show: each native kind in the registry (not a dialect's own
    shapes, such as glideslope.timm's), and warmup_stable_decay."""
    from glideslope.schedule import REGISTRY

    native = {k for k, cls in REGISTRY.items() if not cls.__module__.startswith("glideslope.timm")}
    return native | {"warmup_stable_decay"}


def build(entry: Entry) -> Any:
    """The schedule an entry's expression describes (parsed as a SPEC unless Python-only)."""
    if entry.python_only:
        return PYTHON_ONLY[entry.name]()
    from glideslope.spec import parse_spec

    return parse_spec(entry.expression)


def image_path(entry: Entry) -> Path:
    """Where the entry's picture lives."""
    return IMAGES / f"{entry.name}.png"


def grouped() -> dict[str, list[Entry]]:
    """The entries by group, groups and entries in the order they are listed."""
    groups: dict[str, list[Entry]] = {}
    for e in ENTRIES:
        groups.setdefault(e.group, []).append(e)
    return groups


def markdown() -> str:
    """The text of docs/schedules.md."""
    lines = [
        "# Every shape and composite",
        "",
        "Every shape and composite in glideslope, drawn over its steps, with the Python that builds",
        "it. The same expression is a SPEC for the command line (`glideslope show \"...\"`), except",
        "`function`, which wraps a Python callable. Composites are schedules too, so they nest.",
        "Regenerate this page, the [gallery](gallery.md) and the images with",
        "`.venv/bin/python scripts/gallery.py`.",
        "",
        "In the formulas `t` is the step and `p = min(t, steps) / steps` the progress; past its end",
        "a schedule holds its last value. Dotted lines mark where one phase hands over to the next.",
        "",
    ]
    groups = grouped()
    for group, entries in groups.items():
        lines.append(f"- **{group}**: " + ", ".join(f"[{e.name}](#{e.name})" for e in entries))
    lines.append("")
    for group, entries in groups.items():
        lines += [f"## {group}", ""]
        for e in entries:
            lines += [
                f"### {e.name}",
                "",
                e.description,
                "",
                f"![{e.name}: {e.expression}](img/{e.name}.png)",
                "",
                f"Formula: {e.formula}",
                "",
                "```python",
                python_code(e),
                "```",
                "",
            ]
            if not e.python_only:
                lines += ["```bash", f'glideslope show "{e.expression}"', "```", ""]
    return "\n".join(lines)


def python_code(entry: Entry) -> str:
    """The entry as Python that runs: import the constructors its expression names, build it."""
    import io
    import tokenize

    import glideslope

    public = set(glideslope.__all__)
    tokens = tokenize.generate_tokens(io.StringIO(entry.expression).readline)
    names = sorted({tok.string for tok in tokens if tok.type == tokenize.NAME and tok.string in public})
    return f"from glideslope import {', '.join(names)}\n\ns = {entry.expression}"


def gallery_markdown() -> str:
    """The text of docs/gallery.md: every picture, three to a row, each linking to its entry."""
    lines = [
        "# Gallery",
        "",
        "Every shape and composite at a glance. Click a picture for its formula and the expression",
        "that drew it ([all of them on one page](schedules.md)). Regenerate with",
        "`.venv/bin/python scripts/gallery.py`.",
        "",
    ]
    groups = grouped()
    for group, entries in groups.items():
        lines += [f"## {group}", "", "| | | |", "|---|---|---|"]
        for i in range(0, len(entries), 3):
            row = entries[i : i + 3]
            cells = [f"[![{e.name}](img/{e.name}.png)](schedules.md#{e.name})<br>`{e.name}`" for e in row]
            lines.append("| " + " | ".join(cells + [""] * (3 - len(cells))) + " |")
        lines.append("")
    return "\n".join(lines)


def draw(entry: Entry, path: Path) -> None:
    """Write the entry's picture: a small PNG with matplotlib's Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    from glideslope.cli.render.mpl import plot_figure

    fig = plot_figure([(entry.expression, build(entry))], size=(4.0, 2.2), dpi=80, legend=False)
    fig.savefig(path, pil_kwargs={"optimize": True})


def check() -> list[str]:
    """What is missing or stale: names without entries, a page that differs, missing images."""
    problems = [f"no gallery entry for {name!r}" for name in sorted(required_names() - {e.name for e in ENTRIES})]
    for page, text in ((PAGE, markdown()), (GALLERY, gallery_markdown())):
        if not page.is_file() or page.read_text() != text:
            problems.append(f"{page.relative_to(ROOT)} is not up to date")
    problems += [f"missing image {image_path(e).relative_to(ROOT)}" for e in ENTRIES if not image_path(e).is_file()]
    return problems


def main(argv: list[str] | None = None) -> int:
    """Write the gallery (or, with --check, report what is missing or stale)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when something is stale")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    missing = required_names() - {e.name for e in ENTRIES}
    if missing:
        print(f"add gallery entries for: {', '.join(sorted(missing))}", file=sys.stderr)
        return 1
    IMAGES.mkdir(parents=True, exist_ok=True)
    for entry in ENTRIES:
        draw(entry, image_path(entry))
    PAGE.write_text(markdown())
    GALLERY.write_text(gallery_markdown())
    print(f"wrote {PAGE.relative_to(ROOT)}, {GALLERY.relative_to(ROOT)} and {len(ENTRIES)} images in "
          f"{IMAGES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
