"""Benchmark outcomes rebuilt from a results file alone, without training anything.

:func:`rebuild` reads the records of one task and step budget and applies the protocol's own
choices to them, so that an auditor can recompute every table, interval and verdict from the
file (``glideslope bench --reanalyse FILE``), at another margin or interval method:

* the grid of a gridded method is its selection-seed (seed 0) runs, one per peak; its peak
  is the one with the lowest final validation loss (:func:`.runner.best_peak`);
* its reporting runs are seeds ``1..n`` at that peak; a finder-tuned or untuned method's
  reporting runs are its seed ``1..n`` records;
* where a file holds runs of several versions of a method (peak and schedule fingerprint),
  from an earlier schedule or rule (the file is append-only), the version of the method's
  last record written counts: it is the one the planner asked for last (for a gridded method,
  among its records at the chosen peak);
* ``n`` is the largest seed count that every method has complete.

Nothing is re-keyed against the code as it is now, so a changed finder or schedule does not
hide the records: this reads what was run.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from .executor import load_results
from .methods import METHODS
from .runner import BenchConfig, BenchOutcome, best_peak


def _runs(records: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records.values() if r.get("kind") == "run" and r.get("method") in METHODS]


Records = dict[str, dict[str, Any]]


def budgets(records: Records) -> list[tuple[str, int]]:
    """The (task, steps) pairs the records hold runs of, in order of steps."""
    return sorted({(str(r["task"]), int(r["steps"])) for r in _runs(records)}, key=lambda p: (p[1], p[0]))


def rebuild(path: str | Path, task: str, steps: int, methods: tuple[str, ...] | None = None,
            grid: tuple[float, ...] | None = None, seeds: int | None = None,
            records: Records | None = None) -> BenchOutcome | None:
    """The outcome of ``task`` at ``steps`` from the records in ``path`` (see the module
    docstring), or None when no method has a complete grid and reporting seeds.

    ``methods``: the methods to report (default: every method with reporting records, in the
    order of their first record; a named method without them is left out). ``grid``: the peaks
    of the grid (default: the peaks that every gridded method ran on seed 0). ``seeds``: the
    number of reporting seeds (default: the largest that every method has complete; when
    given, a method with fewer complete seeds is left out). ``records``: the file's records
    when already loaded (:func:`.executor.load_results`)."""
    recs = load_results(path) if records is None else records
    last: dict[tuple[str, float, str, int], tuple[int, dict[str, Any]]] = {}
    for i, r in enumerate(_runs(recs)):  # file order: a later record replaces an earlier one
        if r["task"] == task and int(r["steps"]) == steps:
            last[(r["method"], float(r["peak"]), _sched(r), int(r["seed"]))] = (i, r)
    first: dict[str, int] = {}
    for (m, _p, _f, s), (i, _r) in last.items():
        if s >= 1:
            first[m] = min(i, first.get(m, i))
    order = methods or tuple(sorted(first, key=first.__getitem__))  # the order the planner asked for them
    names = [m for m in order if m in first]
    gridded = [m for m in names if METHODS[m].tuning == "grid"]
    seed0 = {(m, p): r for (m, p, _f, s), (_i, r) in sorted(last.items(), key=lambda kv: kv[1][0]) if s == 0}
    if grid is None:
        peak_sets = [{p for m2, p in seed0 if m2 == m} for m in gridded]
        grid = tuple(sorted(set.intersection(*peak_sets))) if peak_sets else ()
    grid_records = {m: [seed0[(m, g)] for g in grid] for m in gridded if all((m, g) in seed0 for g in grid)}
    best = {m: best_peak(recs) for m, recs in grid_records.items() if recs}
    # the version (peak, schedule) each method reports: a gridded method's chosen peak, with the
    # schedule of its last record there; an ungridded one's last record written
    version: dict[str, tuple[float, str]] = {}
    for (m, p, f, s), (_i, _r) in sorted(last.items(), key=lambda kv: kv[1][0]):
        if s >= 1 and m in names and (METHODS[m].tuning != "grid" or (m in best and math.isclose(p, best[m]))):
            version[m] = (p, f)
    by_seed = {m: {s: r for (m2, p, f, s), (_i, r) in last.items() if m2 == m and (p, f) == v and s >= 1}
               for m, v in version.items()}
    report = [m for m in names if m in by_seed and (METHODS[m].tuning != "grid" or m in best)]
    if seeds is not None:  # a method with fewer complete seeds is left out
        report = [m for m in report if _complete(by_seed[m]) >= seeds]
    if not report:
        return None
    n = min(_complete(by_seed[m]) for m in report) if seeds is None else seeds
    if n < 1:
        return None
    for m in report:
        if m not in best:
            best[m] = float(by_seed[m][1]["peak"])
    finder = _last_finder(recs, task)
    recommended = _recommended(by_seed.get("finder-recommended", {}).get(1))
    cfg = BenchConfig(task=task, steps=steps, grid=tuple(grid) or (best[report[0]],), seeds=n,
                      methods=tuple(report), jobs=1, results=str(path),
                      evals=int(next(iter(by_seed[report[0]].values()))["evals"])).validate()
    eval_records = {m: [by_seed[m][s] for s in range(1, n + 1)] for m in report}
    return BenchOutcome(cfg, {m: grid_records[m] for m in report if m in grid_records}, eval_records,
                        {m: best[m] for m in report}, finder, recommended, [], ran=0,
                        reused=sum(len(v) for v in eval_records.values()) + sum(len(v) for v in grid_records.values()))


def _sched(r: dict[str, Any]) -> str:
    """The schedule fingerprint in a record's key ("" when the key has none)."""
    return next((part[6:] for part in str(r["key"]).split("|") if part.startswith("sched=")), "")


def _complete(runs: dict[int, dict[str, Any]]) -> int:
    n = 0
    while n + 1 in runs:
        n += 1
    return n


def _last_finder(records: Records, task: str) -> dict[str, Any] | None:
    found = [r for r in records.values() if r.get("kind") == "finder" and r.get("task") == task]
    return found[-1] if found else None


def _recommended(run: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the finder-recommended runs trained with, read from a run's own record (its
    absolute schedule), not recomputed by today's ``recommend``; its reasons are not in the
    records (``glideslope find`` prints today's)."""
    if run is None or "lr_schedule" not in run:
        return None
    from ..config import from_config

    return {"schedule": run["lr_schedule"], "spec": repr(from_config(run["lr_schedule"])), "peak": float(run["peak"]),
            "reasons": {}}


def finder_gaps(path: str | Path, shape: str = "1-sqrt", pick_shape: str = "1-sqrt",
                default_shape: str = "cosine") -> list[dict[str, Any]]:
    """The LR finder's pick against the grid-best peak, from ``benchmarks/bench_finder.py``'s
    records (``val``: a run's final validation loss, one per task, steps, seed, peak and shape).

    Per (task, steps): for each seed ``s``, the gap ``val_s(pick_s) / val_s(ref) - 1`` of the
    pick (the run's one peak off the grid shared by every seed) with two references:

    * in sample: the grid point with the lowest loss on seed ``s`` itself, the seed the gap is
      scored on (the minimum of noisy losses is biased low: the winner's curse);
    * out of sample: the grid point with the lowest mean loss over the *other* seeds, chosen
      without seed ``s``.

    The pick of a seed is the off-grid peak of its ``pick_shape`` runs (the finder's pick does
    not depend on the shape), so an older shape's rows use today's picks.

    The untuned default of a seed is its one ``default_shape`` run (the optimizer's default LR
    under 5% warmup + cosine); its gaps ``val_s(default_s) / val_s(ref) - 1`` use the same two
    references as the pick's.

    Returns ``{"task", "steps", "n", "in_median", "in_worst", "out_median", "out_worst"}`` rows
    (gaps in percent), with ``"default_lr"`` and the default's ``"default_in_median"``,
    ``"default_in_worst"``, ``"default_out_median"``, ``"default_out_worst"`` where every seed of
    the row has a default run (else these are None)."""
    import json
    import statistics

    runs: dict[tuple[str, str, int], dict[int, dict[float, float]]] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        k = dict(part.split("=", 1) for part in str(rec.get("key", "")).split("|") if "=" in part)
        if k.get("kind") == "run" and k.get("shape") in (shape, pick_shape, default_shape):
            val = math.inf if rec.get("val") is None else float(rec["val"])
            by_seed = runs.setdefault((k["shape"], k["task"], int(k["steps"])), {})
            by_seed.setdefault(int(k["seed"]), {})[float(k["peak"])] = val
    rows = []
    for (sh, task, steps), by in runs.items():
        if sh != shape:
            continue
        picks = runs.get((pick_shape, task, steps), {})
        defaults = runs.get((default_shape, task, steps), {})
        pick_grid = set.intersection(*(set(v) for v in picks.values())) if picks else set()
        grid = set.intersection(*(set(v) for v in by.values()))
        gaps_in, gaps_out = [], []
        d_in: list[float] = []
        d_out: list[float] = []
        d_lrs: set[float] = set()
        for s, vals in sorted(by.items()):
            off = [p for p in picks.get(s, {}) if p not in pick_grid]
            others = [t for t in by if t != s]
            if len(off) != 1 or off[0] not in vals or not others:
                continue
            best = min(grid, key=lambda p: (vals[p], p))
            ref = min(grid, key=lambda p: (sum(by[t][p] for t in others) / len(others), p))
            gaps_in.append(100 * (vals[off[0]] / vals[best] - 1))
            gaps_out.append(100 * (vals[off[0]] / vals[ref] - 1))
            if len(defaults.get(s, {})) == 1:
                (lr, d), = defaults[s].items()
                d_lrs.add(lr)
                d_in.append(100 * (d / vals[best] - 1))
                d_out.append(100 * (d / vals[ref] - 1))
        if gaps_in:
            full = len(d_in) == len(gaps_in) and len(d_lrs) == 1
            rows.append({"task": task, "steps": steps, "n": len(gaps_in), "in_median": statistics.median(gaps_in),
                         "in_worst": max(gaps_in), "out_median": statistics.median(gaps_out),
                         "out_worst": max(gaps_out), "default_lr": d_lrs.pop() if full else None,
                         "default_in_median": statistics.median(d_in) if full else None,
                         "default_in_worst": max(d_in) if full else None,
                         "default_out_median": statistics.median(d_out) if full else None,
                         "default_out_worst": max(d_out) if full else None})
    return rows


def _lr(x: float) -> str:
    """``1e-3`` for 0.001: the mantissa as ``%g``, the exponent without padding."""
    m, e = f"{x:e}".split("e")
    return f"{float(m):g}e{int(e)}"


def format_finder_gaps(path: str | Path) -> str:
    """Markdown: :func:`finder_gaps` for the WSD 1-sqrt default and for linear decay, the pick's
    gaps and, beside them, the untuned default's against the same references ("-": no default
    runs at that budget)."""
    rows = [(shape, r) for shape in ("1-sqrt", "linear") for r in finder_gaps(path, shape)]
    lrs = sorted({r["default_lr"] for _s, r in rows if r["default_lr"] is not None})
    label = f"untuned default (lr {', '.join(_lr(x) for x in lrs)}, warmup+cosine)"
    lines = ["| task (steps) | shape | seeds | pick's gap, reference on the same seed: median (worst) | pick's gap, "
             f"reference chosen on the other seeds: median (worst) | {label}'s gap, same seed: median (worst) | "
             "untuned default's gap, other seeds: median (worst) |", "|---|---|---|---|---|---|---|"]

    def cell(r: dict[str, Any], which: str) -> str:
        med, worst = r[f"{which}_median"], r[f"{which}_worst"]
        return "-" if med is None else f"{med:+.1f}% ({worst:+.1f}%)"

    for shape, r in rows:
        lines.append(f"| {r['task']} ({r['steps']}) | {shape} | {r['n']} | {cell(r, 'in')} | {cell(r, 'out')} | "
                     f"{cell(r, 'default_in')} | {cell(r, 'default_out')} |")
    return "\n".join(lines)


__all__ = ["budgets", "finder_gaps", "format_finder_gaps", "rebuild"]
