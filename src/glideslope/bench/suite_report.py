"""The suite's report: per task, each contender's test loss as a ratio to the grid-best, with
its paired 95% interval (:func:`.stats.paired_ratio`, reporting seeds only); the median and
the worst over tasks, held-out and fitted apart (never a pooled mean); the targets; the fits
of the pilot rule's constants on the fitted tasks; and the plot.

Everything here reads records; nothing trains.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

from ..tune.pilots import EPOCHS_HIGH, EPOCHS_LOW, EXPONENT_MIN, HORIZON_EXPONENT, PILOT_SHAPE, epochs_rule, vertex
from .stats import paired_ratio
from .suite import CONTENDERS, GRID_SHAPES, TUNING, EntryPlan, load_split, pilot_job, pilot_peak
from .tasks import TASKS, get_task

#: The held-out targets: median and worst ratio to the grid-best, and the most the pilot
#: recommendation may trail the untuned default.
TARGET_MEDIAN, TARGET_WORST, TARGET_VS_DEFAULT = 1.02, 1.05, 1.01


@dataclass(frozen=True)
class Row:
    """One contender on one entry: its ratio to the grid-best (with interval), its mean test
    loss, its peak, its tuning compute, and how many reporting seeds are in."""

    entry: str
    held_out: bool
    contender: str
    ratio: float
    low: float
    high: float
    n: int
    mean_test: float
    peak: float
    tuning_steps: int
    diverged: bool = False


def _losses(recs: dict[str, dict[str, Any]], jobs: dict[int, dict[str, Any]]) -> dict[int, float]:
    """Test loss by reporting seed (``inf`` for a run that diverged)."""
    out = {}
    for s, j in jobs.items():
        r = recs.get(j["key"])
        if r is not None:
            out[s] = math.inf if r.get("test_loss") is None else float(r["test_loss"])
    return out


def rows(plans: list[EntryPlan], recs: dict[str, dict[str, Any]]) -> list[Row]:
    """Every (entry, contender) with at least one reporting-seed record."""
    out = []
    for p in plans:
        seeds = range(1, int(p.cfg.seeds or 0) + 1)
        ref = _losses(recs, {s: p.job("grid-best", s) for s in seeds})
        for c in p.contenders():
            jobs = {s: p.job(c, s) for s in seeds}
            got = _losses(recs, jobs)
            if not got or not ref:
                continue
            ratio, lo, hi, n = paired_ratio(got, ref)
            mean = sum(got.values()) / len(got)
            out.append(Row(p.entry.label, p.entry.held_out, c, ratio, lo, hi, n, mean,
                           float(jobs[1]["peak"]), p.tuning_steps(c), any(math.isinf(v) for v in got.values())))
    return out


def summary(table: list[Row], held_out: bool) -> dict[str, tuple[float, float, str, int]]:
    """Per contender, over the held-out (or the fitted) entries: ``(median ratio, worst
    ratio, the worst entry, number of entries)``."""
    out = {}
    for c in CONTENDERS:
        rs = [r for r in table if r.contender == c and r.held_out == held_out]
        if rs:
            worst = max(rs, key=lambda r: r.ratio)
            out[c] = (statistics.median(r.ratio for r in rs), worst.ratio, worst.entry, len(rs))
    return out


def vs_default(table: list[Row], contender: str = "pilots") -> dict[str, float]:
    """Per entry, the contender's mean test loss over the untuned default's."""
    by = {(r.entry, r.contender): r for r in table}
    return {e: by[(e, contender)].mean_test / by[(e, "default-lr")].mean_test
            for (e, c) in by if c == contender and (e, "default-lr") in by}


# ----------------------------------------------------------------------------------------
# the fits (fitted entries only)
# ----------------------------------------------------------------------------------------

def shape_losses(plans: list[EntryPlan]) -> dict[str, dict[str, float]]:
    """Per entry, each grid shape's best selection-seed validation loss over the grid-best's."""
    out = {}
    for p in plans:
        grid = p.chosen["grid"]
        best = {m: min((math.inf if r["val_loss"] is None else r["val_loss"]) for r in grid if r["method"] == m)
                for m in GRID_SHAPES}
        top = min(best.values())
        out[p.entry.label] = {m: best[m] / top for m in GRID_SHAPES}
    return out


def fit_shape(plans: list[EntryPlan]) -> tuple[str, dict[str, tuple[float, float]]]:
    """The grid shape with the lowest worst-case (then median) selection-seed loss ratio over
    the *fitted* entries, and each shape's ``(median, worst)``."""
    per = shape_losses([p for p in plans if not p.entry.held_out])
    stats = {m: (statistics.median(v[m] for v in per.values()), max(v[m] for v in per.values())) for m in GRID_SHAPES}
    best = min(GRID_SHAPES, key=lambda m: (stats[m][1], stats[m][0]))
    return {"warmup-cosine": "cosine", "linear-to-zero": "linear", "wsd-1-sqrt": "1-sqrt"}[best], stats


_METHOD_OF_SHAPE = {"cosine": "warmup-cosine", "linear": "linear-to-zero", "1-sqrt": "wsd-1-sqrt"}


def grid_vertex(p: EntryPlan, shape: str) -> float:
    """The grid's best peak for ``shape`` on the selection seed: the vertex through its best
    grid point and the 2x neighbours (:func:`glideslope.tune.pilots.vertex`)."""
    rs = [r for r in p.chosen["grid"] if r["method"] == _METHOD_OF_SHAPE[shape]]
    return vertex([float(r["peak"]) for r in rs], [math.inf if r["val_loss"] is None else r["val_loss"] for r in rs])[0]


def grid_loss(p: EntryPlan, shape: str, peak: float) -> float:
    """The selection seed's validation loss of ``shape`` at ``peak``, over the grid-best's:
    linear in ``log2(peak)`` between grid points, NaN more than half a grid step outside."""
    rs = sorted((r for r in p.chosen["grid"] if r["method"] == _METHOD_OF_SHAPE[shape]), key=lambda r: r["peak"])
    xs = [math.log2(float(r["peak"])) for r in rs]
    ys = [math.inf if r["val_loss"] is None else float(r["val_loss"]) for r in rs]
    best = min(math.inf if r["val_loss"] is None else float(r["val_loss"]) for r in p.chosen["grid"])
    q = math.log2(peak)
    if not xs[0] - 0.5 <= q <= xs[-1] + 0.5:
        return math.nan
    if q <= xs[0] or q >= xs[-1]:
        return (ys[0] if q <= xs[0] else ys[-1]) / best
    i = max(j for j in range(len(xs)) if xs[j] <= q)
    f = q - xs[i]
    return (ys[i] * (1 - f) + ys[i + 1] * f) / best


Pilots = dict[str, dict[str, Any]]  # entry label -> a pilots record


def _pilots(plans: list[EntryPlan], pilots: Pilots | None) -> Pilots:
    return pilots if pilots is not None else {p.entry.label: p.chosen["pilots"] for p in plans}


def _alpha_needed(p: EntryPlan, record: dict[str, Any]) -> float:
    _, p_hat, h = pilot_peak(record, 0.0)
    return math.log(p_hat / grid_vertex(p, record["shape"])) / math.log(int(p.cfg.steps or 0) / h)


def _score(plans: list[EntryPlan], alpha: Any, pilots: Pilots | None = None) -> tuple[float, float]:
    """``(worst, median)`` over entries of :func:`grid_loss` at the pilots' peak corrected by
    ``alpha(p)``: the fits' objective, lowest first (the lowest worst, then the median)."""
    recs = _pilots(plans, pilots)
    vals = []
    for p in plans:
        record = recs[p.entry.label]
        peak, _, _ = pilot_peak(record, alpha(p))
        v = grid_loss(p, record["shape"], peak)
        vals.append(math.inf if math.isnan(v) else v)
    return max(vals), statistics.median(vals)


#: The candidates the fits search: constant exponents, and (E_LOW, E_HIGH) of the epochs rule.
EXPONENTS = tuple(round(0.05 * k, 2) for k in range(0, 31))
EPOCH_RULES = tuple((a, lo, hi) for a in (0.0, 0.05, 0.1, 0.15, 0.2, 0.25) for lo in (2.0, 4.0, 6.0, 8.0, 12.0, 16.0)
                    for hi in (30.0, 50.0, 70.0, 100.0, 150.0, 200.0, 300.0))


def fit_exponent(plans: list[EntryPlan], pilots: Pilots | None = None) -> dict[str, Any]:
    """The horizon correction fitted on the *fitted* entries only, each candidate scored by
    :func:`_score` (the worst, then the median, over entries of :func:`grid_loss` at the
    corrected peak), for the pilots in ``pilots`` (by entry label; default: each plan's, of
    :data:`PILOT_SHAPE`):

    * ``constant``: the best constant exponent of :data:`EXPONENTS` (the rule without epochs);
    * ``epochs``: the best ``(A, E_LOW, E_HIGH)`` of :data:`EPOCH_RULES` for
      :func:`glideslope.tune.pilots.epochs_rule`;
    * ``needed``: per entry, the exponent that puts the pilots' peak on the grid's best peak
      of the pilots' shape, ``log(p_hat / g) / log(T / h)``, and its epochs.
    """
    fit = [p for p in plans if not p.entry.held_out]
    if not fit:
        return {}
    recs = _pilots(fit, pilots)
    const = min(EXPONENTS, key=lambda a: _score(fit, lambda p: a, recs))

    def rule(a: float, lo: float, hi: float) -> Any:
        return lambda p: epochs_rule(get_task(p.entry.task).epochs(int(p.cfg.steps or 0)), a, lo, hi)

    pair = min(EPOCH_RULES, key=lambda r: _score(fit, rule(*r), recs))
    return {"constant": const, "constant_score": _score(fit, lambda p: const, recs), "epochs": pair,
            "epochs_score": _score(fit, rule(*pair), recs), "code_score": _score(fit, lambda p: p.exponent(), recs),
            "needed": {p.entry.label: (_alpha_needed(p, recs[p.entry.label]),
                                       get_task(p.entry.task).epochs(int(p.cfg.steps or 0))) for p in fit}}


def fit_pilot_shape(plans: list[EntryPlan], recs: dict[str, dict[str, Any]]) -> tuple[str | None, dict[str, Any]]:
    """The pilots' shape, fitted end to end on the *fitted* entries: for each shape whose
    pilots ran on every fitted entry, the horizon correction refitted (:func:`fit_exponent`)
    on those pilots; the shape whose fitted epochs rule has the lowest (worst, median)
    :func:`_score`. Returns ``(shape or None, {shape: its fit})``."""
    fit = [p for p in plans if not p.entry.held_out]
    fits = {}
    for shape in _METHOD_OF_SHAPE:
        got = {p.entry.label: recs.get(pilot_job(p.cfg, shape)["key"]) for p in fit}
        if fit and all(r is not None for r in got.values()):
            fits[shape] = fit_exponent(fit, {k: r for k, r in got.items() if r is not None})
    best = min(fits, key=lambda m: fits[m]["epochs_score"]) if fits else None
    return best, fits


# ----------------------------------------------------------------------------------------
# text
# ----------------------------------------------------------------------------------------

def _fmt(r: Row) -> str:
    if not math.isfinite(r.ratio):
        return "diverged" if r.diverged else "no ratio (a test loss of 0)"
    iv = f" [{r.low:.3f}, {r.high:.3f}]" if math.isfinite(r.low) else ""
    return f"{r.ratio:.3f}{iv}"


def format_table(table: list[Row]) -> str:
    """The per-task markdown table: one row per entry and contender."""
    lines = ["| task | split | contender | test loss / grid-best [95% CI] | peak | tuning steps |",
             "|---|---|---|---|---|---|"]
    for r in table:
        lines.append(f"| {r.entry} | {'held-out' if r.held_out else 'fitted'} | {r.contender} | {_fmt(r)} | "
                     f"{r.peak:.3g} | {r.tuning_steps} |")
    return "\n".join(lines)


def format_summary(table: list[Row]) -> str:
    """Median and worst over entries per contender, held-out and fitted apart, with the
    tuning compute rule and the targets."""
    lines = ["| contender | tuning compute | held-out median | held-out worst | fitted median | fitted worst |",
             "|---|---|---|---|---|---|"]
    held, fit = summary(table, True), summary(table, False)
    for c in CONTENDERS:
        h = held.get(c)
        f = fit.get(c)
        hs = f"{h[0]:.3f} | {h[1]:.3f} ({h[2]})" if h else "- | -"
        fs = f"{f[0]:.3f} | {f[1]:.3f} ({f[2]})" if f else "- | -"
        lines.append(f"| {c} | {TUNING[c]} | {hs} | {fs} |")
    return "\n".join(lines)


def verdict_lines(table: list[Row]) -> list[str]:
    """The targets on the held-out entries, each met or missed (by how much, where)."""
    held = summary(table, True).get("pilots")
    if held is None:
        return ["pilots: no held-out entry has reporting-seed records yet"]
    med, worst, where, n = held
    vd = {e: x for e, x in vs_default(table).items() if any(r.entry == e and r.held_out for r in table)}
    bad = {e: x for e, x in vd.items() if x > TARGET_VS_DEFAULT}
    out = [
        f"held-out median {med:.3f}x the grid-best over {n} entries (target <= {TARGET_MEDIAN}): "
        + ("met" if med <= TARGET_MEDIAN else f"missed by {med - TARGET_MEDIAN:.3f}"),
        f"held-out worst {worst:.3f}x on {where} (target <= {TARGET_WORST}): "
        + ("met" if worst <= TARGET_WORST else f"missed by {worst - TARGET_WORST:.3f}"),
        "never worse than the untuned default by more than 1%: "
        + ("met" if not bad else "missed on " + ", ".join(f"{e} ({x:.3f}x)" for e, x in sorted(bad.items()))),
    ]
    return out


def format_fits(plans: list[EntryPlan], recs: dict[str, dict[str, Any]] | None = None) -> str:
    """The fits of the pilot rule's constants, on the fitted entries, beside the code's."""
    grid_shape, stats = fit_shape(plans)
    shape, fits = fit_pilot_shape(plans, recs or {})
    fx = fits.get(PILOT_SHAPE) or fit_exponent(plans)

    def _fmt_score(sc: tuple[float, float]) -> str:
        return f"worst {sc[0]:.3f}, median {sc[1]:.3f}"

    lines = [f"Pilots' shape fitted end to end on the fitted entries: {shape} (code: PILOT_SHAPE = {PILOT_SHAPE!r}); "
             "per shape, the pilots run under it and its horizon correction refitted on them (epochs rule, then "
             "the constant), selection-seed validation loss at the corrected peak over the grid-best:", ""]
    lines += [f"- {m}: epochs rule {f['epochs']}: {_fmt_score(f['epochs_score'])}; constant {f['constant']:g}: "
              f"{_fmt_score(f['constant_score'])}" for m, f in fits.items()]
    lines += ["", f"The grid alone (each shape's best validation loss over the grid-best's, median / worst; the "
              f"first round's rule, lowest worst then median: {grid_shape}):", ""]
    lines += [f"- {m}: {med:.3f} / {worst:.3f}" for m, (med, worst) in stats.items()]
    if fx:
        a, lo, hi = fx["epochs"]
        lines += ["", f"Horizon correction for {PILOT_SHAPE} fitted on the fitted entries (selection-seed validation "
                  "loss at the corrected peak, read off the grid, over the grid-best):", "",
                  f"- epochs rule: A = {a:g}, E_LOW = {lo:g}, E_HIGH = {hi:g}: {_fmt_score(fx['epochs_score'])} "
                  f"(code: EXPONENT_MIN = {EXPONENT_MIN:g}, EPOCHS_LOW = {EPOCHS_LOW:g}, EPOCHS_HIGH = "
                  f"{EPOCHS_HIGH:g}: {_fmt_score(fx['code_score'])})",
                  f"- constant exponent (no epochs given): {fx['constant']:g}: {_fmt_score(fx['constant_score'])} "
                  f"(code: HORIZON_EXPONENT = {HORIZON_EXPONENT:g})",
                  "- the exponent each fitted entry needed (its epochs): "
                  + ", ".join(f"{e} {a:.2f} ({ep:.3g})" for e, (a, ep) in fx["needed"].items())]
    return "\n".join(lines)


def plot_suite(table: list[Row], path: str) -> str:
    """One mark per entry and contender, the ratio to the grid-best on a log axis; held-out
    entries marked (filled marks, shaded band). Returns ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = list(dict.fromkeys(r.entry for r in table))
    held = {r.entry for r in table if r.held_out}
    fig, ax = plt.subplots(figsize=(11, 5.5))
    markers = "osD^v<>Ph*"
    for i, c in enumerate(CONTENDERS):
        rs = [r for r in table if r.contender == c and math.isfinite(r.ratio)]
        xs = [labels.index(r.entry) + (i - len(CONTENDERS) / 2) * 0.07 for r in rs]
        ax.scatter(xs, [r.ratio for r in rs], marker=markers[i % len(markers)], label=c, s=28,
                   facecolors=[f"C{i}" if r.held_out else "none" for r in rs], edgecolors=f"C{i}")
    for j, e in enumerate(labels):
        if e in held:
            ax.axvspan(j - 0.45, j + 0.45, color="0.92", zorder=0)
    ax.axhline(1.0, color="k", lw=0.8)
    ax.axhline(TARGET_WORST, color="k", lw=0.6, ls="--")
    ax.set_yscale("log")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels([e + (" (held out)" if e in held else "") for e in labels], rotation=40, ha="right", fontsize=8)
    ax.set_ylabel("test loss / grid-best (log)")
    ax.set_title("The suite: each contender's test loss over the grid-best (filled, shaded: held-out tasks)")
    ax.legend(fontsize=7, ncol=3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def format_readme(table: list[Row]) -> str:
    """The README's summary: the held-out verdict, and the median and worst over entries of
    the main contenders, the untuned default beside the recommendations."""
    held, fit = summary(table, True), summary(table, False)
    lines = [*[f"- {x}" for x in verdict_lines(table)], "",
             "| contender | tuning compute | held-out median | held-out worst | fitted median | fitted worst |",
             "|---|---|---|---|---|---|"]
    for c in ("pilots", "recommend", "default-lr", "fastai", "schedule-free", "prodigy", "dadapt-adam"):
        h, f = held.get(c), fit.get(c)
        if h and f:
            lines.append(f"| {c} | {TUNING[c]} | {h[0]:.3f} | {h[1]:.3f} ({h[2]}) | {f[0]:.3f} | {f[1]:.3f} ({f[2]}) |")
    return "\n".join(lines)


def format_tasks() -> str:
    """Every task as declared (kind, optimizer, default LR, batch, budgets) and its side of the
    split."""
    split = load_split()
    lines = ["| task | kind | optimizer | default lr | batch | budgets (steps) | split |",
             "|---|---|---|---|---|---|---|"]
    for name, cls in TASKS.items():
        t = cls()
        side = "held-out" if name in split["held_out"] else "retired" if name in split["retired"] else "fitted"
        lines.append(f"| {name} | {t.kind} | {t.optimizer_label} | {t.default_lr:g} | {t.batch_size} | "
                     f"{', '.join(map(str, t.suite_budgets))} | {side} |")
    return "\n".join(lines)


def format_suite(plans: list[EntryPlan], recs: dict[str, dict[str, Any]], notes: list[str]) -> str:
    """The whole markdown report."""
    table = rows(plans, recs)
    parts = ["### Tasks", "", format_tasks(), "", "### Verdict (pilot-based recommend, held-out tasks)", "",
             *[f"- {x}" for x in verdict_lines(table)], "",
             "### Median and worst over entries", "", format_summary(table), "",
             "### Fits on the fitted tasks", "", format_fits(plans, recs), "", "### Per task", "", format_table(table)]
    if notes:
        parts += ["", "### Not in the records", "", *[f"- {n}" for n in notes]]
    return "\n".join(parts)


def format_terminal(plans: list[EntryPlan], recs: dict[str, dict[str, Any]], notes: list[str]) -> str:
    """A few lines: the verdict and the median/worst of the main contenders."""
    table = rows(plans, recs)
    held, fit = summary(table, True), summary(table, False)
    lines = [f"suite: {len(plans)} task budgets of {len({p.entry.task for p in plans})} tasks, read from records"]
    lines += ["  " + x for x in verdict_lines(table)]
    for c in ("pilots", "recommend", "default-lr", "fastai", "prodigy"):
        h, f = held.get(c), fit.get(c)
        if h or f:
            lines.append(f"  {c:<12} held-out median {h[0]:.3f} worst {h[1]:.3f}" if h else f"  {c:<12} held-out -")
            if f:
                lines[-1] += f"; fitted median {f[0]:.3f} worst {f[1]:.3f}"
    lines += [f"  not in the records: {n}" for n in notes[:5]]
    return "\n".join(lines)


__all__ = ["TARGET_MEDIAN", "TARGET_VS_DEFAULT", "TARGET_WORST", "Row", "fit_exponent", "fit_shape", "format_suite",
           "format_terminal", "plot_suite", "rows", "summary", "verdict_lines", "vs_default"]
