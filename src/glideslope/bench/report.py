"""Tables, intervals, verdicts, the terminal summary and plots for benchmark outcomes.

Everything reported is a **test** loss on the **reporting seeds** (never the selection seed
that chose the peaks). Each method is compared with the **reference**, the grid-best: the
gridded (method, peak) with the lowest *selection-seed validation* loss, chosen before any
reporting seed is looked at (so the reference carries no winner's curse). The comparison is
the paired difference over seeds (same seed: same initial weights, same batches) with its
interval and verdict by the one rule of :mod:`.stats` (an :class:`.stats.Analysis`: 95%
paired t-intervals and a ±1% margin by default); the margin is printed beside the verdict.
With 3 seeds the interval is wide, and the verdict then says "cannot tell". Every count of
verdicts is given per comparison and under Bonferroni over the table's comparisons.

The markdown (:func:`format_report`) goes to the report file; the terminal gets the plain
text of :func:`format_terminal`.
"""

from __future__ import annotations

import math
from typing import Any

from .methods import METHODS
from .runner import BenchOutcome
from .stats import DEFAULT, Analysis, direction, equivalent
from .tasks import TASKS


def _loss(r: dict[str, Any]) -> float:
    v = r.get("test_loss")
    return math.inf if v is None else float(v)


def losses(recs: list[dict[str, Any]]) -> dict[int, float]:
    """Test loss by seed (inf for a diverged run)."""
    return {int(r["seed"]): _loss(r) for r in recs}


def mean_std(xs: list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for one value; inf if any value is inf)."""
    if any(not math.isfinite(x) for x in xs):
        return math.inf, math.nan
    m = sum(xs) / len(xs)
    if len(xs) < 2:
        return m, 0.0
    return m, math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def tuning_runs(out: BenchOutcome, method: str) -> float:
    """The compute a method spent choosing its peak, in runs of the budget: the grid's size,
    or the finder's sweep plus one run, or one run."""
    m = METHODS[method]
    steps = int(out.config.steps or 1)
    if m.tuning == "grid":
        return float(len(out.config.grid or ()))
    if m.tuning == "finder" and out.finder is not None:
        return 1.0 + int(out.finder.get("sweep_steps", 0)) / steps
    return 1.0


def grid_best(out: BenchOutcome, schedules_only: bool = False) -> str | None:
    """The gridded method whose chosen (method, peak) had the lowest selection-seed
    validation loss: what a grid search over every gridded method would train. With
    ``schedules_only``, among the AdamW schedules (schedule-free AdamW left out)."""
    def val(m: str) -> float:
        r = next(r for r in out.grid_records[m] if r["peak"] == out.best[m])
        return math.inf if r.get("val_loss") is None else float(r["val_loss"])
    pool = [m for m in out.grid_records if not schedules_only or METHODS[m].optimizer == "adamw"]
    return min(pool, key=val) if pool else None


def summary(out: BenchOutcome, an: Analysis = DEFAULT) -> list[dict[str, Any]]:
    """One row per method, sorted by mean test loss over the reporting seeds, each with its
    paired difference to the reference (:func:`grid_best`, chosen on the selection seed's
    validation loss) and a verdict; the reference's row has the verdict ``"reference"``.
    Without a gridded method there is no reference, and every verdict is ``"-"``."""
    has_acc = TASKS[out.config.task].has_accuracy
    rows = []
    for m, recs in out.eval_records.items():
        loss_m, loss_s = mean_std([_loss(r) for r in recs])
        acc = mean_std([float(r["test_acc"]) for r in recs if r.get("test_acc") is not None]) if has_acc else None
        rows.append({"method": m, "peak": out.best[m], "loss": loss_m, "loss_std": loss_s, "acc": acc,
                     "wall": sum(r["wall"] for r in recs) / len(recs), "runs": tuning_runs(out, m),
                     "diverged": sum(1 for r in recs if r.get("test_loss") is None), "n": len(recs)})
    rows.sort(key=lambda r: (r["loss"], r["method"]))
    ref_m = grid_best(out)
    ref = losses(out.eval_records[ref_m]) if ref_m else {}
    base = mean_std(list(ref.values()))[0] if ref else math.nan
    for row in rows:
        d, lo, hi, _n = an.diff(losses(out.eval_records[row["method"]]), ref)
        row["diff"] = (d, lo, hi)
        row["base"] = base
        row["verdict"] = ("reference" if row["method"] == ref_m
                          else an.verdict(lo / base, hi / base) if math.isfinite(base) and math.isfinite(d)
                          else "-" if ref_m is None else "cannot tell")
    return rows


def tuning_free(out: BenchOutcome, an: Analysis = DEFAULT) -> list[dict[str, Any]]:
    """The tuning-free rows: each method not tuned on the grid (the finder's, the untuned
    default LR, Prodigy, D-Adaptation), against the grid-best, as a test-loss ratio with its
    interval, a verdict at the margin, and its tuning compute as a fraction of the whole
    grid's (every gridded method at every grid LR)."""
    ref_m = grid_best(out)
    if ref_m is None:
        return []
    ref = losses(out.eval_records[ref_m])
    sched_m = grid_best(out, schedules_only=True)
    grid_runs = sum(tuning_runs(out, m) for m in out.grid_records)
    rows: list[dict[str, Any]] = []
    for m, recs in out.eval_records.items():
        if METHODS[m].tuning == "grid":
            continue
        r, lo, hi, n = an.ratio(losses(recs), ref)
        row = {"method": m, "reference": ref_m, "ratio": r, "low": lo, "high": hi, "n": n,
               "verdict": an.verdict(lo, hi, ratio=True), "compute": tuning_runs(out, m) / grid_runs,
               "peak": out.best[m], "schedule_reference": sched_m}
        if sched_m is not None:
            rs, los, his, _ = an.ratio(losses(recs), losses(out.eval_records[sched_m]))
            row.update(schedule_ratio=(rs, los, his), schedule_verdict=an.verdict(los, his, ratio=True))
        rows.append(row)
    rows.sort(key=lambda x: float(x["ratio"]))
    return rows


def count_verdicts(verdicts: list[str]) -> str:
    """``"9 worse; 1 better, within ±1%; 1 cannot tell"``: how many of each verdict, the most
    common first."""
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v] = counts.get(v, 0) + 1
    return "; ".join(f"{n} {v}" for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) or "none"


def multiplicity(per: list[str], family: list[str], an: Analysis, what: str) -> str:
    """The multiplicity statement beside a table of ``len(per)`` verdicts: the counts per
    comparison, and under Bonferroni over those comparisons (``family``)."""
    k = len(per)
    return (f"Multiplicity: each interval is per comparison ({100 * an.effective_level:g}%), not family-wise: "
            f"{count_verdicts(per)}. Under Bonferroni over the {k} {what} (each interval at "
            f"{100 * an.bonferroni(max(k, 1)).effective_level:.3g}%): {count_verdicts(family)}.")


def _pct(diff: tuple[float, float, float], base: float) -> str:
    d, lo, hi = diff
    if not (math.isfinite(d) and math.isfinite(base)):
        return "-"
    if math.isnan(lo):
        return f"{100 * d / base:+.2f}%"
    return f"{100 * d / base:+.2f}% [{100 * lo / base:+.2f}, {100 * hi / base:+.2f}]"


def protocol_line(out: BenchOutcome, an: Analysis = DEFAULT) -> str:
    """One sentence: what was chosen on what, and what is reported."""
    cfg = out.config
    n = cfg.seeds
    ref = grid_best(out)
    at = f"{ref} at {out.best[ref]:g}" if ref else "none: no gridded method"
    return (f"Protocol: peaks and the reference (the grid-best, {at}) chosen on seed 0's validation loss; "
            f"reported: test loss on seeds 1-{n} ({n} paired seeds), Δ to the reference with its {an.describe()} "
            "of the reference's loss.")


def _family_verdicts(out: BenchOutcome, an: Analysis, rows: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Per-comparison and Bonferroni verdicts of the main table's comparisons with the reference."""
    others = [r for r in rows if r["verdict"] not in ("reference", "-")]
    fam = an.bonferroni(max(len(others), 1))
    per = [r["verdict"] for r in others]
    ref_m = grid_best(out)
    family = []
    for r in others:
        _d, lo, hi, _n = fam.diff(losses(out.eval_records[r["method"]]), losses(out.eval_records[ref_m or ""]))
        base = r["base"]
        family.append(fam.verdict(lo / base, hi / base) if math.isfinite(lo) else "cannot tell")
    return per, family


def format_table(out: BenchOutcome, an: Analysis = DEFAULT) -> str:
    """The main table (markdown), the whole LR grid, and the finder's recommendation."""
    cfg = out.config
    assert cfg.grid is not None and cfg.steps is not None
    rows = summary(out, an)
    has_acc = TASKS[cfg.task].has_accuracy
    lines = [
        f"Task `{cfg.task}`: {cfg.steps} steps per run; grid {', '.join(f'{g:g}' for g in cfg.grid)} (AdamW "
        "unless the method says otherwise).",
        "",
        protocol_line(out, an),
        "",
        "| method | peak LR | test loss | " + ("test accuracy | " if has_acc else "")
        + "Δ to the reference (interval) | verdict | tuning runs | wall s/run |",
        "|---|---|---|" + ("---|" if has_acc else "") + "---|---|---|---|",
    ]
    for r in rows:
        loss = "diverged" if not math.isfinite(r["loss"]) else f"{r['loss']:.4f} ± {r['loss_std']:.4f}"
        acc = ""
        if has_acc:
            a = r["acc"]
            acc = (f"{100 * a[0]:.2f}% ± {100 * a[1]:.2f} | " if a and math.isfinite(a[0]) else "- | ")
        diff = "-" if r["verdict"] in ("reference", "-") else _pct(r["diff"], r["base"])
        lines.append(f"| {r['method']} | {r['peak']:.3g} | {loss} | {acc}{diff} | {r['verdict']} | "
                     f"{r['runs']:.2g} | {r['wall']:.1f} |")
    per, family = _family_verdicts(out, an, rows)
    if per:
        lines += ["", multiplicity(per, family, an, "comparisons with the reference")]
    lines += ["", "Whole grid (validation loss, seed 0; * = chosen peak):", "",
              "| method | " + " | ".join(f"{g:g}" for g in cfg.grid) + " |",
              "|---|" + "---|" * len(cfg.grid)]
    for m, recs in out.grid_records.items():
        cells = []
        for r in recs:
            c = "diverged" if r.get("val_loss") is None else f"{r['val_loss']:.4f}"
            cells.append(c + ("*" if r["peak"] == out.best[m] else ""))
        lines.append(f"| {m} | " + " | ".join(cells) + " |")
    edge = [m for m in out.grid_records if len(cfg.grid) > 1 and out.best[m] in (cfg.grid[0], cfg.grid[-1])]
    if edge:
        lines += ["", f"Note: the chosen peak is at the edge of the grid for {', '.join(edge)}; "
                      "a wider --grid may find a better one."]
    tf = tuning_free(out, an)
    if tf:
        sref = tf[0].get("schedule_reference")
        lines += ["", f"Tuning-free: test-loss ratio to the grid-best ({tf[0]['reference']} at "
                      f"{out.best[tf[0]['reference']]:g}) and to the grid's best AdamW schedule ({sref} at "
                      f"{out.best[sref or '']:g}), both chosen on seed 0's validation loss; {an.describe()}; "
                      "tuning compute as a fraction of the whole grid's:", "",
                  "| method | ratio to grid-best (interval) | verdict | ratio to the best AdamW schedule (interval) "
                  "| verdict | compute |", "|---|---|---|---|---|---|"]
        for t in tf:
            rs, los, his = t.get("schedule_ratio", (math.nan,) * 3)
            lines.append(f"| {t['method']} | {t['ratio']:.4f} [{t['low']:.4f}, {t['high']:.4f}] | {t['verdict']} | "
                         f"{rs:.4f} [{los:.4f}, {his:.4f}] | {t.get('schedule_verdict', '-')} | "
                         f"{100 * t['compute']:.1f}% |")
        fam = an.bonferroni(len(tf))
        lines += ["", multiplicity([t["verdict"] for t in tf],
                                   [fam.verdict(*fam.ratio(losses(out.eval_records[t['method']]),
                                                           losses(out.eval_records[t['reference']]))[1:3], ratio=True)
                                    for t in tf], an, "tuning-free ratios to the grid-best")]
    if out.recommended is not None:
        lines += ["", f"glideslope.recommend for {cfg.steps} steps: `{out.recommended['spec']}`"]
        lines += [f"- {k}: {v}" for k, v in out.recommended["reasons"].items()]
    if out.skipped:
        lines += [""] + [f"Note: {n}" for n in out.skipped]
    lines += ["", "Methods: " + "; ".join(f"{m} = {METHODS[m].label}" for m in out.eval_records)]
    return "\n".join(lines)


def claims(out: BenchOutcome, an: Analysis = DEFAULT) -> list[tuple[str, str, str]]:
    """The design notes' claims on this outcome: ``(claim, verdict, evidence)`` each, with the
    verdict of :func:`.stats.verdict` read in the claim's direction ("matches" claims hold for
    every verdict inside the margin, :func:`.stats.equivalent`)."""
    ev = out.eval_records
    res: list[tuple[str, str, str]] = []

    def cmp(a: str, b: str) -> tuple[str, str]:
        base = mean_std([_loss(r) for r in ev[b]])[0]
        d, lo, hi, n = an.diff(losses(ev[a]), losses(ev[b]))
        if not (math.isfinite(d) and math.isfinite(base)):
            return "cannot tell", f"{a} − {b}: a run diverged"
        v = an.verdict(lo / base, hi / base)
        return v, f"{a} − {b} = {_pct((d, lo, hi), base)} of {b}'s loss, n={n}"

    def say(claim: str, a: str, b: str, good: tuple[str, ...]) -> None:
        v, txt = cmp(a, b)
        ok = direction(v) in good or ("matches" in good and equivalent(v))
        holds = "holds" if ok else ("cannot tell" if v == "cannot tell" else "does not hold")
        res.append((claim, holds, f"{txt}: {v}"))

    if "constant" in ev and "warmup-constant" in ev:
        say("a 5% warmup helps a constant LR", "warmup-constant", "constant", ("better",))
    for sched in ("warmup-cosine", "linear-to-zero", "wsd-1-sqrt"):
        if sched in ev and "warmup-constant" in ev:
            say(f"{sched} beats the warmup-constant control", sched, "warmup-constant", ("better",))
    if "one-cycle-momentum" in ev and "one-cycle" in ev:
        say("cycling beta1 helps one-cycle", "one-cycle-momentum", "one-cycle", ("better",))
    if "cosine" in ev and "plateau" in ev:
        say("cosine beats reduce-on-plateau", "cosine", "plateau", ("better",))
    if "wsd-1-sqrt" in ev and "warmup-cosine" in ev:
        say("WSD with 1-sqrt cooldown matches or beats cosine", "wsd-1-sqrt", "warmup-cosine", ("better", "matches"))
    if "finder-recommended" in ev and "default-lr" in ev:
        say("finder + recommend beats the untuned default (AdamW lr=1e-3, warmup + cosine)", "finder-recommended",
            "default-lr", ("better",))
    ref = grid_best(out)
    if ref is not None:
        for m in ev:
            if METHODS[m].tuning != "grid":
                say(f"{m} matches the grid-best ({ref})", m, ref, ("better", "matches"))
    return res


def format_claims(out: BenchOutcome, an: Analysis = DEFAULT) -> str:
    """The claim checks as a markdown list, with the multiplicity statement."""
    cs = claims(out, an)
    return "\n".join(f"- **{c}**: {v}. {e}" for c, v, e in cs) + (
        f"\n\nEach claim is checked per comparison ({100 * an.effective_level:g}% interval), not family-wise over the "
        f"{len(cs)} claims." if cs else "")


def opening_line(out_task: str, steps: int, n_methods: int, seeds: int) -> str:
    """The line the main job opens with: what it trains and why."""
    t = TASKS[out_task]()
    return (f"glideslope bench: training {t.description} for {steps} steps with {n_methods} contenders "
            f"(peak LR chosen on seed 0's validation split, test loss reported on {seeds} other seeds), "
            "to see which schedule wins at this budget and how close tuning-free methods come to a grid search.")


def format_terminal(out: BenchOutcome, an: Analysis = DEFAULT) -> str:
    """Plain-text summary for the terminal: the ranking, the verdicts and the tuning-free rows."""
    rows = summary(out, an)
    cfg = out.config
    w = max(len(r["method"]) for r in rows)
    ref = grid_best(out)
    lines = [f"{cfg.task}, {cfg.steps} steps, test loss over seeds 1-{cfg.seeds}; Δ to the reference "
             f"({ref or 'none'}: the grid-best on seed 0's validation loss), {an.describe()}", ""]
    for i, r in enumerate(rows, 1):
        loss = "diverged" if not math.isfinite(r["loss"]) else f"{r['loss']:.4f}"
        diff = "" if r["verdict"] in ("reference", "-") else _pct(r["diff"], r["base"])
        lines.append(f"{i:>2}. {r['method']:<{w}}  lr {r['peak']:<8.3g} {loss}  {diff:<26} {r['verdict']}")
    per, family = _family_verdicts(out, an, rows)
    if per:
        lines += ["", multiplicity(per, family, an, "comparisons with the reference")]
    tf = tuning_free(out, an)
    if tf:
        lines += ["", f"Tuning-free vs the grid-best ({tf[0]['reference']}):"]
        for t in tf:
            lines.append(f"  {t['method']:<{w}}  ratio {t['ratio']:.4f} [{t['low']:.4f}, {t['high']:.4f}]  "
                         f"{t['verdict']}, {100 * t['compute']:.1f}% of the grid's compute")
        sref = tf[0].get("schedule_reference")
        if sref is not None and sref != tf[0]["reference"]:
            lines.append(f"Against the best AdamW schedule on the grid ({sref}):")
            for t in tf:
                r, lo, hi = t["schedule_ratio"]
                lines.append(f"  {t['method']:<{w}}  ratio {r:.4f} [{lo:.4f}, {hi:.4f}]  {t['schedule_verdict']}")
    for n in out.skipped:
        lines.append(f"note: {n}")
    return "\n".join(lines)


def format_report(out: BenchOutcome, an: Analysis = DEFAULT) -> str:
    """The whole markdown report: the table, the claims and how the runs were obtained."""
    return (format_table(out, an) + "\n\nClaims:\n" + format_claims(out, an)
            + f"\n\nRuns: {out.ran} run now, {out.reused} reused from {out.config.results}; "
              f"wall {out.wall / 60:.1f} min.")


def plot(out: BenchOutcome, path: str) -> str:
    """LR curves (absolute, at each method's chosen peak, seed 0) and validation-loss curves
    (mean over seeds) in one PNG at ``path``; returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 5))
    order = [r["method"] for r in summary(out)]
    for i, m in enumerate(order):
        recs = out.eval_records[m]
        color = f"C{i % 10}"
        ls = "-" if i < 10 else "--"
        lc = recs[0].get("lr_curve") or []
        if lc:
            a1.plot([p[0] for p in lc], [p[1] for p in lc], color=color, ls=ls, lw=1.3, label=m)
        curves = [r["curve"] for r in recs if r.get("curve") and r.get("test_loss") is not None]
        if curves:
            n = min(len(c) for c in curves)
            xs = [curves[0][k][0] for k in range(n)]
            ys = [sum(c[k][1] for c in curves) / len(curves) for k in range(n)]
            a2.plot(xs, ys, color=color, ls=ls, lw=1.3, marker=".", ms=3, label=m)
    a1.set_yscale("log")
    a1.set_xlabel("step")
    a1.set_ylabel("learning rate (log)")
    a1.set_title(f"LR at each method's tuned peak ({out.config.task})")
    a1.legend(fontsize=7)
    a2.set_xlabel("step")
    a2.set_ylabel("validation loss (eval subset, mean over reporting seeds)")
    a2.set_title("validation loss")
    finals = [r["loss"] for r in summary(out) if math.isfinite(r["loss"])]
    if finals:
        lo = min(finals)
        a2.set_ylim(lo - 0.05 * abs(lo), lo + 0.6 * abs(lo) + 0.1)
    a2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ----------------------------------------------------------------------------------------
# cooldown study
# ----------------------------------------------------------------------------------------

def format_cooldowns(out: Any, an: Analysis = DEFAULT) -> str:
    """Table: per run length, the WSD cooldown branched from the one constant run vs. a
    separate warmup+cosine run of that length (paired over seeds; the peak is given, so every
    seed is reported), with the verdict of :mod:`.stats`."""
    cfg = out.config
    has_acc = TASKS[cfg.task].has_accuracy
    shape = out.wsd[out.lengths[0]][0].get("shape", "1-sqrt")
    lines = [
        f"Task `{cfg.task}`: one constant-LR run (peak {out.peak:g}, {out.warmup}-step warmup, "
        f"{cfg.steps} steps) per seed; at each branch point a {shape} cooldown of 20% of the resulting run "
        f"is branched from its checkpoint, against a separate warmup+cosine run of the same length. "
        f"{cfg.seeds} paired seeds.",
        "",
        f"| branch at | run length | WSD branch test loss | cosine run test loss | WSD − cosine ({an.describe()}) "
        "| relative | verdict |" + (" WSD acc | cosine acc |" if has_acc else ""),
        "|---|---|---|---|---|---|---|" + ("---|---|" if has_acc else ""),
    ]
    verdicts: list[str] = []
    for b, n in zip(out.branches, out.lengths):
        w, c = out.wsd[n], out.cosine[n]
        wm, ws = mean_std([_loss(r) for r in w])
        cm, cs = mean_std([_loss(r) for r in c])
        d, lo, hi, _n = an.diff(losses(w), losses(c))
        v = an.verdict(lo / cm, hi / cm) if math.isfinite(d) and math.isfinite(cm) else "cannot tell"
        verdicts.append(v)
        row = (f"| {b} ({100 * b / (cfg.steps or 1):.0f}%) | {n} | {wm:.4f} ± {ws:.4f} | {cm:.4f} ± {cs:.4f} | "
               f"{d:+.4f} [{lo:+.4f}, {hi:+.4f}] | {_pct((d, lo, hi), cm)} | {v} |")
        if has_acc:
            wa = mean_std([float(r["test_acc"]) for r in w if r.get("test_acc") is not None])
            ca = mean_std([float(r["test_acc"]) for r in c if r.get("test_acc") is not None])
            row += f" {100 * wa[0]:.2f}% | {100 * ca[0]:.2f}% |"
        lines.append(row)
    total_wsd = (cfg.steps or 0) + sum(n - b for b, n in zip(out.branches, out.lengths))
    fam = an.bonferroni(len(out.lengths))
    family = []
    for n in out.lengths:
        _d, lo, hi, _k = fam.diff(losses(out.wsd[n]), losses(out.cosine[n]))
        cm = mean_std([_loss(r) for r in out.cosine[n]])[0]
        family.append(fam.verdict(lo / cm, hi / cm) if math.isfinite(lo) and math.isfinite(cm) else "cannot tell")
    lines += ["", multiplicity(verdicts, family, an, "run lengths")]
    lines += ["", f"Compute per seed: WSD {total_wsd} steps for all four lengths "
                  f"(one constant run + four cooldowns), cosine {sum(out.lengths)} steps (four separate runs)."]
    return "\n".join(lines)


def plot_cooldowns(out: Any, path: str) -> str:
    """Loss curves of the constant run, its branched cooldowns and the cosine runs (seed 0)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    st = out.stable[0]
    ax.plot([p[0] for p in st["curve"]], [p[1] for p in st["curve"]], color="0.4", lw=1.5, label="constant run")
    for i, n in enumerate(out.lengths):
        w, c = out.wsd[n][0], out.cosine[n][0]
        b = out.branches[i]
        base = [p for p in st["curve"] if p[0] <= b]
        wc = base[-1:] + w["curve"]
        ax.plot([p[0] for p in wc], [p[1] for p in wc], color=f"C{i}", lw=1.6, label=f"WSD branch @ {b}")
        ax.plot([p[0] for p in c["curve"]], [p[1] for p in c["curve"]], color=f"C{i}", lw=1, ls="--",
                label=f"cosine, {n} steps")
    ax.set_xlabel("step")
    ax.set_ylabel("held-out loss (eval subset, seed 0)")
    ax.set_title(f"Cooldown from anywhere ({out.config.task})")
    ys = [p[1] for p in st["curve"] if p[1] is not None]
    if ys:
        lo = min(min(ys), *(r["curve"][-1][1] for n in out.lengths for r in out.wsd[n][:1]))
        ax.set_ylim(lo - 0.05 * abs(lo), ys[len(ys) // 4] + 0.05)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
