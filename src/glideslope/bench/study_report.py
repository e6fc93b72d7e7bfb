"""Tables of the budget-scaling study (:mod:`.study`): the best peak per budget, the ranking
at each budget with intervals, the tuning-free tables, and the verdict counts over budgets
with their multiplicity rule.

:func:`collect` rebuilds the outcomes from a results file alone (:func:`.records.rebuild`:
the protocol's choices applied to the records, nothing trained and nothing re-keyed against
today's code), so a study still running can be reported as it stands, and an auditor can
recompute it at another margin or interval method (:class:`.stats.Analysis`).

Every "best" that a ratio or a Δ is measured against is chosen on the selection seed's
validation loss: the grid-best (every gridded method), and the grid's best AdamW schedule.
"""

from __future__ import annotations

import math
from typing import Any

from .executor import load_results
from .records import rebuild
from .report import _pct, count_verdicts, grid_best, losses, summary, tuning_free
from .runner import BenchOutcome, best_peak
from .stats import DEFAULT, Analysis, equivalent
from .study import BUDGETS, GRID, GRIDDED, RESULTS, SEEDS, TUNING_FREE, study_configs


def collect(results: str = RESULTS, budgets: tuple[int, ...] = BUDGETS,
            seeds: tuple[int, ...] = (SEEDS, 5, 4, 3)) -> list[BenchOutcome]:
    """The outcome of each budget of ``results``, at the largest seed count of ``seeds`` that
    its methods have complete (a method whose runs are missing at a budget is left out of that
    budget's tables); budgets with no complete method are left out."""
    outs = []
    recs = load_results(results)
    for b in budgets:
        for n in seeds:
            o = rebuild(results, "charlm", b, methods=GRIDDED + TUNING_FREE, grid=GRID, seeds=n, records=recs)
            if o is not None and all(m in o.eval_records for m in GRIDDED):
                outs.append(o)
                break
    return outs


def selection_only(results: str = RESULTS, budgets: tuple[int, ...] = BUDGETS,
                   done: tuple[int, ...] = ()) -> str:
    """Markdown for the budgets (not in ``done``) whose selection stage is complete but whose
    reporting runs are not: the peak each gridded method chose and its validation loss there
    (selection seed only, so no interval and no ranking claim)."""
    from .runner import run_job_spec

    recs = load_results(results)
    lines: list[str] = []
    for b in budgets:
        if b in done:
            continue
        cfg = study_configs((b,), 3, jobs=1, results=results)[0]
        rows = []
        for m in GRIDDED:
            grid = [recs.get(run_job_spec(cfg, m, lr, 0)["key"]) for lr in GRID]
            if any(r is None for r in grid):
                break
            best = min(grid, key=lambda r: (math.inf if r is None or r.get("val_loss") is None
                                            else float(r["val_loss"]), 0 if r is None else r["peak"]))
            assert best is not None
            rows.append(f"| {m} | {_fmt_lr(best['peak'])} | {best['val_loss']:.4f} |")
        else:
            lines += ["", f"### {b} steps: selection stage only (seed 0's validation loss; the reporting runs "
                          "did not finish in time)", "", "| method | best peak | validation loss |", "|---|---|---|"]
            lines += rows
    return "\n".join(lines)


def _fmt_lr(x: float) -> str:
    return f"{x:.3g}"


def vertex_peak(records: list[dict[str, Any]]) -> float | None:
    """A grid-free estimate of the best peak from one method's grid runs: the vertex of the
    parabola through the best grid point and its two neighbours, in log(lr)::

        log2 lr* = x1 + (y0 - y2) / (2 (y0 - 2 y1 + y2))

    with ``x1`` the best point's log2 lr and ``y0, y1, y2`` the validation losses at its
    lower neighbour, itself and its upper neighbour (the grid is evenly spaced in log lr).
    None when the best point is at an edge of the grid or a neighbour diverged. The vertex
    lies within half a grid step of the best point, so it refines the grid's choice; it does
    not replace it."""
    pts = sorted((float(r["peak"]), math.inf if r.get("val_loss") is None else float(r["val_loss"]))
                 for r in records)
    i = [p for p, _ in pts].index(best_peak(records))  # the grid's own choice (ties: smaller peak)
    if i == 0 or i == len(pts) - 1:
        return None
    (a, y0), (b, y1), (c, y2) = pts[i - 1], pts[i], pts[i + 1]
    if not all(map(math.isfinite, (y0, y1, y2))):
        return None
    curv = y0 - 2 * y1 + y2
    half = math.log2(c / b)
    if not math.isclose(math.log2(b / a), half, rel_tol=1e-6) or curv <= 0:
        return None
    return float(2 ** (math.log2(b) + half * (y0 - y2) / (2 * curv)))


def _cell(t: dict[str, Any] | None, key: str = "") -> str:
    if t is None:
        return "-"
    if key:
        r, lo, hi = t[key + "_ratio"]
        return f"{r:.4f} [{lo:.4f}, {hi:.4f}], {t[key + '_verdict']}"
    return f"{t['ratio']:.4f} [{t['low']:.4f}, {t['high']:.4f}], {t['verdict']}, {100 * t['compute']:.1f}%"


def verdict_counts(outs: list[BenchOutcome], method: str, an: Analysis = DEFAULT,
                   schedules_only: bool = False) -> dict[str, Any]:
    """``method``'s verdicts against the grid-best (or the grid's best AdamW schedule) over the
    budgets where it ran: per comparison, and under Bonferroni over those budgets. Returns
    ``{"k", "per", "family", "within_per", "within_family", "level"}`` (the "within" counts:
    verdicts inside the margin, :func:`.stats.equivalent`)."""
    pairs = [(o, ref) for o in outs if method in o.eval_records and (ref := grid_best(o, schedules_only)) is not None]
    k = len(pairs)
    fam = an.bonferroni(max(k, 1))
    per, family = [], []
    for o, ref in pairs:
        a, b = losses(o.eval_records[method]), losses(o.eval_records[ref])
        per.append(an.verdict(*an.ratio(a, b)[1:3], ratio=True))
        family.append(fam.verdict(*fam.ratio(a, b)[1:3], ratio=True))
    return {"k": k, "per": per, "family": family, "level": fam.effective_level,
            "within_per": sum(map(equivalent, per)), "within_family": sum(map(equivalent, family))}


def format_study(outs: list[BenchOutcome], an: Analysis = DEFAULT) -> str:
    """The study's markdown: setup, best peaks, rankings, the tuning-free tables and the
    verdict counts with their multiplicity rule."""
    if not outs:
        return "No budget of the study is complete yet."
    budgets = [int(o.config.steps or 0) for o in outs]
    seeds = sorted({int(o.config.seeds or 0) for o in outs})
    lines = [
        f"charlm at {', '.join(map(str, budgets))} steps; grid {', '.join(f'{g:g}' for g in GRID)} (2x spacing) "
        f"on selection seed 0 (validation loss); reported: test loss on seeds 1-{max(seeds)} "
        f"({' / '.join(map(str, seeds))} reporting seeds), {an.describe()}. Every reference (the grid-best, "
        "the grid's best AdamW schedule) is chosen on seed 0's validation loss, never on the reporting seeds.",
        "",
        "### The best peak at each budget (chosen on seed 0's validation loss)",
        "",
        "(≈x): the vertex of a parabola in log(lr) through the best grid point and its neighbours, "
        "a grid-free estimate of the best peak.",
        "",
        "| method | " + " | ".join(f"{b} steps" for b in budgets) + " |",
        "|---|" + "---|" * len(budgets),
    ]
    methods = [m for m in GRIDDED + TUNING_FREE if any(m in o.eval_records for o in outs)]
    for m in methods:
        cells = []
        for o in outs:
            p = o.best.get(m)
            edge = m in o.grid_records and p in (GRID[0], GRID[-1])
            vx = vertex_peak(o.grid_records[m]) if m in o.grid_records else None
            cells.append("-" if p is None else _fmt_lr(p) + (" (edge)" if edge else "")
                         + ("" if vx is None else f" (≈{_fmt_lr(vx)})"))
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    for o in outs:
        rows = summary(o, an)
        ref = grid_best(o)
        lines += ["", f"### {o.config.steps} steps ({o.config.seeds} reporting seeds; reference, the grid-best on "
                      f"seed 0's validation loss: {ref} at {_fmt_lr(o.best[ref]) if ref else '-'})", "",
                  "| rank | method | peak | test loss | Δ to the reference (interval) | verdict | tuning runs |",
                  "|---|---|---|---|---|---|---|"]
        for i, r in enumerate(rows, 1):
            loss = "diverged" if not math.isfinite(r["loss"]) else f"{r['loss']:.4f} ± {r['loss_std']:.4f}"
            diff = "-" if r["verdict"] in ("reference", "-") else _pct(r["diff"], r["base"])
            lines.append(f"| {i} | {r['method']} | {_fmt_lr(r['peak'])} | {loss} | {diff} | {r['verdict']} | "
                         f"{r['runs']:.2g} |")
        lines += ["", f"Each verdict is per comparison ({100 * an.effective_level:g}%), not family-wise over the "
                      f"{len(rows) - 1} rows."]
    tf = [{t["method"]: t for t in tuning_free(o, an)} for o in outs]
    tf_methods = [m for m in methods if any(m in row for row in tf)]
    lines += ["", "### Tuning-free: test-loss ratio to the grid-best of all gridded methods", "",
              "Each cell: ratio [interval], verdict, tuning compute as a fraction of the whole grid's "
              f"({len(outs[0].grid_records)} gridded methods x {len(GRID)} LRs = "
              f"{len(outs[0].grid_records) * len(GRID)} runs).", "",
              "| method | " + " | ".join(f"{b} steps" for b in budgets) + " |", "|---|" + "---|" * len(budgets)]
    for m in tf_methods:
        lines.append(f"| {m} | " + " | ".join(_cell(row.get(m)) for row in tf) + " |")
    lines += ["", "### Tuning-free: test-loss ratio to the grid's best AdamW schedule (schedule-free left out)", "",
              "| method | " + " | ".join(f"{b} steps" for b in budgets) + " |", "|---|" + "---|" * len(budgets)]
    for m in tf_methods:
        lines.append(f"| {m} | " + " | ".join(_cell(row.get(m), "schedule") if row.get(m) and "schedule_ratio" in
                                              row[m] else "-" for row in tf) + " |")
    lines += ["", "### Verdict counts over the budgets, and the multiplicity rule", "",
              f"Each interval above is per comparison ({100 * an.effective_level:g}% for one method at one budget), "
              "not family-wise. Bonferroni: with k budgets in a row, each interval at 1 - (1 - level) / k, so that "
              f"all k verdicts of the row hold together with probability >= {100 * an.effective_level:g}%. "
              f"\"within\" counts the verdicts inside ±{100 * an.margin:g}% (matches, better or worse within the "
              "margin).", "",
              "| method | against | per comparison | within, per comparison | Bonferroni | within, Bonferroni |",
              "|---|---|---|---|---|---|"]
    for m in tf_methods:
        for only, label in ((False, "grid-best"), (True, "best AdamW schedule")):
            c = verdict_counts(outs, m, an, only)
            lines.append(f"| {m} | {label} | {count_verdicts(c['per'])} | {c['within_per']} of {c['k']} | "
                         f"{count_verdicts(c['family'])} (each at {100 * c['level']:.3g}%) | "
                         f"{c['within_family']} of {c['k']} |")
    lines += ["", "Grid-best AdamW schedule per budget (seed 0's validation loss): " + ", ".join(
        f"{o.config.steps}: {grid_best(o, True)} at {_fmt_lr(o.best[grid_best(o, True) or ''])}" for o in outs)]
    lines += ["", "Grid-best per budget (seed 0's validation loss): " + ", ".join(
        f"{o.config.steps}: {grid_best(o)} at {_fmt_lr(o.best[grid_best(o) or ''])}" for o in outs if grid_best(o))]
    recs = [f"{o.config.steps}: `{o.recommended['spec']}`" for o in outs if o.recommended]
    if recs:
        lines += ["", "glideslope.recommend's schedules (as the finder-recommended runs trained them): "
                  + "; ".join(recs)]
    return "\n".join(lines)


#: The rows of the README's tuning-free table, and their labels there.
README_ROWS = (
    ("finder-recommended", "finder + `recommend`"),
    ("default-lr", "untuned default: AdamW lr=1e-3, warmup + cosine"),
    ("schedule-free-finder", "schedule-free AdamW at `recommend`'s peak"),
    ("prodigy", "Prodigy (lr=1, cosine)"),
    ("dadapt-adam", "D-Adaptation Adam (lr=1, warmup + cosine)"),
)


def readme_table(outs: list[BenchOutcome], an: Analysis = DEFAULT) -> str:
    """The README's tuning-free table: each row's test-loss ratio to the grid-best, its
    interval (3 decimals), verdict and compute, per budget."""
    tf = [{t["method"]: t for t in tuning_free(o, an)} for o in outs]
    lines = ["| method | " + " | ".join(f"{o.config.steps} steps" for o in outs) + " |",
             "|---|" + "---|" * len(outs)]
    for m, label in README_ROWS:
        cells = []
        for row in tf:
            t = row.get(m)
            cells.append("-" if t is None else f"{t['ratio']:.3f} [{t['low']:.3f}, {t['high']:.3f}], "
                                               f"{t['verdict']}, {100 * t['compute']:.1f}%")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def shape_table(outs: list[BenchOutcome], an: Analysis = DEFAULT) -> str:
    """The grid's best AdamW schedule at each budget (chosen on seed 0's validation loss)
    against each other AdamW schedule at its own chosen peak: test-loss ratio, interval and
    verdict, with the count per comparison and under Bonferroni over the whole table."""
    refs = {grid_best(o, True) for o in outs}
    others = [m for m in GRIDDED if m != "schedule-free" and not (refs == {m})]  # no column of the reference
    per, family = [], []
    k = sum(1 for o in outs for m in others if m != grid_best(o, True) and m in o.eval_records)
    fam = an.bonferroni(max(k, 1))
    lines = ["| steps | best AdamW schedule (seed 0) | " + " | ".join(f"its ratio to {m}" for m in others) + " |",
             "|---|---|" + "---|" * len(others)]
    for o in outs:
        ref = grid_best(o, True)
        row = []
        for m in others:
            if ref is None or m == ref or m not in o.eval_records:
                row.append("-")
                continue
            a, b = losses(o.eval_records[ref]), losses(o.eval_records[m])
            r, lo, hi, _n = an.ratio(a, b)
            v = an.verdict(lo, hi, ratio=True)
            per.append(v)
            family.append(fam.verdict(*fam.ratio(a, b)[1:3], ratio=True))
            row.append(f"{r:.3f} [{lo:.3f}, {hi:.3f}], {v}")
        lines.append(f"| {o.config.steps} | {ref} | " + " | ".join(row) + " |")
    lines += ["", f"Each interval is per comparison ({100 * an.effective_level:g}%): {count_verdicts(per)}. Under "
                  f"Bonferroni over the {k} comparisons of the table (each at {100 * fam.effective_level:.3g}%): "
                  f"{count_verdicts(family)}."]
    return "\n".join(lines)


def peak_ranges(outs: list[BenchOutcome]) -> str:
    """Per gridded method: the range of its chosen grid peak and of the vertex estimate over
    the budgets, and the factor from the lowest to the highest."""
    lines = ["| method | chosen grid peaks | vertex estimates | highest / lowest vertex |", "|---|---|---|---|"]
    for m in GRIDDED:
        peaks = [o.best[m] for o in outs if m in o.best]
        vx = [v for o in outs if m in o.grid_records and (v := vertex_peak(o.grid_records[m])) is not None]
        span = f"{_fmt_lr(min(vx))}-{_fmt_lr(max(vx))}" if vx else "-"
        factor = f"{max(vx) / min(vx):.1f}x" if vx else "-"
        lines.append(f"| {m} | {_fmt_lr(min(peaks))}-{_fmt_lr(max(peaks))} | {span} | {factor} |")
    return "\n".join(lines)


def headline(outs: list[BenchOutcome], an: Analysis = DEFAULT) -> str:
    """The study's headline sentences, every figure printed from the records: the untuned
    default's gap, recommend against the grid's best AdamW schedule and against the default,
    with the per-comparison and Bonferroni counts."""
    budgets = [int(o.config.steps or 0) for o in outs]
    tf = [{t["method"]: t for t in tuning_free(o, an)} for o in outs]
    out = []
    dl = [row["default-lr"]["ratio"] for row in tf if "default-lr" in row]
    if dl:
        n = len(dl)
        out.append(f"- The untuned default (AdamW at lr=1e-3, 5% warmup, cosine to 0) is {100 * (min(dl) - 1):.0f}-"
                   f"{100 * (max(dl) - 1):.0f}% behind the grid-best at the {n} budgets where it ran "
                   f"({', '.join(str(b) for b, row in zip(budgets, tf) if 'default-lr' in row)} steps).")
        gains = []
        for o in outs:
            if "default-lr" in o.eval_records and "finder-recommended" in o.eval_records:
                gains.append(an.ratio(losses(o.eval_records["finder-recommended"]),
                                      losses(o.eval_records["default-lr"])))
        if gains:
            fam = an.bonferroni(len(gains))
            held = sum(1 for o in outs if "default-lr" in o.eval_records and "finder-recommended" in o.eval_records
                       and fam.verdict(*fam.ratio(losses(o.eval_records["finder-recommended"]),
                                                  losses(o.eval_records["default-lr"]))[1:3], ratio=True) == "better")
            out.append(f"- finder + `recommend` against that default: test-loss ratio {min(g[0] for g in gains):.3f} "
                       f"to {max(g[0] for g in gains):.3f}; better at {sum(1 for g in gains if g[2] < 1)} of "
                       f"{len(gains)} budgets per comparison and at {held} of {len(gains)} under Bonferroni.")
    for only, label in ((True, "the grid's best AdamW schedule"), (False, "the grid-best (of every gridded method)")):
        c = verdict_counts(outs, "finder-recommended", an, only)
        out.append(f"- finder + `recommend` against {label}: within ±{100 * an.margin:g}% at {c['within_per']} of "
                   f"{c['k']} budgets per comparison ({count_verdicts(c['per'])}); at {c['within_family']} of "
                   f"{c['k']} under Bonferroni over the {c['k']} budgets ({count_verdicts(c['family'])}).")
    return "\n".join(out)


def format_study_terminal(outs: list[BenchOutcome], an: Analysis = DEFAULT) -> str:
    """Plain text: per budget the top three and the tuning-free ratios."""
    lines = []
    for o in outs:
        rows = summary(o, an)
        lines.append(f"{o.config.steps} steps (reference {grid_best(o)}): " + ", ".join(
            f"{r['method']} {r['loss']:.4f}"
            + ("" if r["verdict"] == "reference" else f" ({_pct(r['diff'], r['base'])})") for r in rows[:3]))
        for t in tuning_free(o, an):
            lines.append(f"  {t['method']:<21} ratio {t['ratio']:.4f} [{t['low']:.4f}, {t['high']:.4f}] "
                         f"{t['verdict']}, {100 * t['compute']:.1f}% compute")
    return "\n".join(lines) if lines else "No budget of the study is complete yet."


def main(argv: list[str] | None = None) -> int:
    """``python -m glideslope.bench.study_report [RESULTS]``: write ``<RESULTS>.md`` from what
    the results file holds now (complete budgets only) and print the terminal summary."""
    import sys
    from pathlib import Path

    args = sys.argv[1:] if argv is None else argv
    results = args[0] if args else RESULTS
    outs = collect(results)
    extra = selection_only(results, done=tuple(int(o.config.steps or 0) for o in outs))
    Path(results).with_suffix(".md").write_text(format_study(outs) + extra + "\n", encoding="utf-8")
    print(format_study_terminal(outs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "README_ROWS", "collect", "format_study", "format_study_terminal", "headline", "main", "peak_ranges",
    "readme_table", "shape_table", "verdict_counts", "vertex_peak",
]
