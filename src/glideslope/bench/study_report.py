"""Tables of the budget-scaling study (:mod:`.study`): the best peak per budget, the ranking
at each budget with intervals, and the tuning-free table.

:func:`collect` rebuilds the outcomes from a results file without training anything (for
the budgets whose runs are all there), so a study still running can be reported as it stands.
"""

from __future__ import annotations

import math
from typing import Any

from .report import _pct, grid_best, summary, tuning_free
from .runner import BenchOutcome, best_peak, run_many
from .stats import MARGIN
from .study import BUDGETS, GRID, GRIDDED, RESULTS, SEEDS, study_configs


class _Missing(Exception):
    pass


def _refuse(job: dict[str, Any]) -> dict[str, Any]:
    raise _Missing(job["key"])


def collect(results: str = RESULTS, budgets: tuple[int, ...] = BUDGETS,
            seeds: tuple[int, ...] = (SEEDS, 5, 4, 3)) -> list[BenchOutcome]:
    """The outcome of each budget whose runs are all in ``results``, at the largest seed
    count of ``seeds`` that is complete; budgets with missing runs are left out."""
    outs = []
    for b in budgets:
        for n in seeds:
            try:
                cfgs = study_configs((b,), n, jobs=1, results=results)
                outs.append(run_many(cfgs, progress=False, run=_refuse)[0])
                break
            except _Missing:
                continue
    return outs


def selection_only(results: str = RESULTS, budgets: tuple[int, ...] = BUDGETS,
                   done: tuple[int, ...] = ()) -> str:
    """Markdown for the budgets (not in ``done``) whose selection stage is complete but whose
    reporting runs are not: the peak each gridded method chose and its validation loss there
    (selection seed only, so no interval and no ranking claim)."""
    from .executor import load_results
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


def format_study(outs: list[BenchOutcome]) -> str:
    """The study's markdown: setup, best peaks, rankings and the tuning-free table."""
    if not outs:
        return "No budget of the study is complete yet."
    budgets = [int(o.config.steps or 0) for o in outs]
    seeds = sorted({int(o.config.seeds or 0) for o in outs})
    lines = [
        f"charlm at {', '.join(map(str, budgets))} steps; grid {', '.join(f'{g:g}' for g in GRID)} (2x spacing) "
        f"on selection seed 0 (validation loss); reported: test loss on seeds 1-{max(seeds)} "
        f"({' / '.join(map(str, seeds))} reporting seeds), paired 95% t-intervals, \"matches\" = within "
        f"±{100 * MARGIN:g}%.",
        "",
        "### The best peak at each budget (chosen on seed 0's validation loss)",
        "",
        "(≈x): the vertex of a parabola in log(lr) through the best grid point and its neighbours, "
        "a grid-free estimate of the best peak.",
        "",
        "| method | " + " | ".join(f"{b} steps" for b in budgets) + " |",
        "|---|" + "---|" * len(budgets),
    ]
    methods = list(outs[0].eval_records)
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
        rows = summary(o)
        base = rows[0]["loss"]
        ref = grid_best(o)
        lines += ["", f"### {o.config.steps} steps ({o.config.seeds} reporting seeds; grid-best: {ref} at "
                      f"{_fmt_lr(o.best[ref]) if ref else '-'})", "",
                  "| rank | method | peak | test loss | Δ to best (95% CI) | verdict | tuning runs |",
                  "|---|---|---|---|---|---|---|"]
        for i, r in enumerate(rows, 1):
            loss = "diverged" if not math.isfinite(r["loss"]) else f"{r['loss']:.4f} ± {r['loss_std']:.4f}"
            diff = "-" if r["verdict"] == "best" else _pct(r["diff"], base)
            lines.append(f"| {i} | {r['method']} | {_fmt_lr(r['peak'])} | {loss} | {diff} | {r['verdict']} | "
                         f"{r['runs']:.2g} |")
    lines += ["", "### Tuning-free: test-loss ratio to the grid-best of all gridded methods", "",
              "Each cell: ratio [95% CI], verdict, tuning compute as a fraction of the whole grid's "
              f"({len(outs[0].grid_records)} gridded methods x {len(GRID)} LRs).", "",
              "| method | " + " | ".join(f"{b} steps" for b in budgets) + " |", "|---|" + "---|" * len(budgets)]
    tf = [{t["method"]: t for t in tuning_free(o)} for o in outs]
    for m in [m for m in methods if m in tf[0]]:
        cells = []
        for row in tf:
            t = row.get(m)
            cells.append("-" if t is None else f"{t['ratio']:.4f} [{t['low']:.4f}, {t['high']:.4f}], "
                                               f"{t['verdict']}, {100 * t['compute']:.1f}%")
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    if any(grid_best(o, schedules_only=True) != grid_best(o) for o in outs):
        lines += ["", "### Tuning-free: test-loss ratio to the grid-best AdamW schedule (schedule-free left out)", "",
                  "| method | " + " | ".join(f"{b} steps" for b in budgets) + " |", "|---|" + "---|" * len(budgets)]
        for m in [m for m in methods if m in tf[0]]:
            cells = []
            for row in tf:
                t = row.get(m)
                if t is None or "schedule_ratio" not in t:
                    cells.append("-")
                    continue
                r, lo, hi = t["schedule_ratio"]
                cells.append(f"{r:.4f} [{lo:.4f}, {hi:.4f}], {t['schedule_verdict']}")
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
        lines += ["", "Grid-best AdamW schedule per budget: " + ", ".join(
            f"{o.config.steps}: {grid_best(o, True)} at {_fmt_lr(o.best[grid_best(o, True) or ''])}" for o in outs)]
    lines += ["", "Grid-best per budget: " + ", ".join(
        f"{o.config.steps}: {grid_best(o)} at {_fmt_lr(o.best[grid_best(o) or ''])}" for o in outs if grid_best(o))]
    recs = [f"{o.config.steps}: `{o.recommended['spec']}`" for o in outs if o.recommended]
    if recs:
        lines += ["", "glideslope.recommend's schedules: " + "; ".join(recs)]
    return "\n".join(lines)


def format_study_terminal(outs: list[BenchOutcome]) -> str:
    """Plain text: per budget the top three and the tuning-free ratios."""
    lines = []
    for o in outs:
        rows = summary(o)
        base = rows[0]["loss"]
        lines.append(f"{o.config.steps} steps: " + ", ".join(
            f"{r['method']} {r['loss']:.4f}" + ("" if r["verdict"] == "best" else f" ({_pct(r['diff'], base)})")
            for r in rows[:3]))
        for t in tuning_free(o):
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


__all__ = ["collect", "format_study", "format_study_terminal", "main", "vertex_peak"]
