"""Re-analyse results files written under the old protocol (results schema 1).

The old benchmark chose each method's peak on seed 0's held-out loss and then *reported seed
0 too*, on that same held-out set (for Fashion-MNIST: the official test set), with percentile
bootstrap intervals over 3-5 seeds that covered 75-84% of the time. Those runs cannot meet the
validation/test rule without being re-run. This module re-reads them under the new rules as
far as they allow: the selection seed is dropped, the remaining seeds are compared with
paired t-intervals, and "matches" needs the interval within the ±1% margin. Every table it
writes says plainly that it comes from the old protocol.

Run ``python -m glideslope.bench.legacy FILE.jsonl ...``: it writes ``FILE.reanalysed.md``
beside each file and prints it.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from .stats import DEFAULT, Analysis, t_interval

BANNER = (
    "**Old protocol (results schema 1), re-analysed.** These runs chose each peak on seed 0's "
    "held-out loss and evaluated on that same held-out set{fashion}; there was no separate "
    "validation split. Re-analysed here under the new interval rules: seed 0 (the selection seed) "
    "is dropped, the other seeds are compared with paired 95% t-intervals, and \"matches\" needs "
    "the whole interval within ±{margin:g}% of the reference's loss. Read them as indicative; the new "
    "protocol's numbers are in the budget study and the main job."
)


def records_of(path: Path) -> list[dict[str, Any]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(rec, dict) and "key" in rec:
            out.append(rec)
    return out


def _loss(r: dict[str, Any]) -> float:
    v = r.get("final_loss")
    return math.inf if v is None else float(v)


def reanalyse_benchmark(recs: list[dict[str, Any]], an: Analysis = DEFAULT) -> list[dict[str, Any]]:
    """Rows (sorted by mean loss over seeds >= 1) of a main-benchmark results file: the peak
    chosen on seed 0, the mean and paired interval against the reference, and a verdict. The
    reference is the method with the lowest seed-0 loss at its chosen peak (chosen on the
    selection seed, not on the seeds it is compared on)."""
    runs = [r for r in recs if r.get("kind") == "run"]
    finder = [r for r in recs if r.get("kind") == "finder"]
    by_method: dict[str, list[dict[str, Any]]] = {}
    for r in runs:
        by_method.setdefault(r["method"], []).append(r)
    rows: list[dict[str, Any]] = []
    for m, rs in by_method.items():
        grid = [r for r in rs if r["seed"] == 0]
        if m.startswith("finder") and finder:
            peak = float(finder[0]["finder"]["suggestions"]["steepest"]["lr"])
        else:
            peak = float(min(grid, key=lambda r: (_loss(r), r["peak"]))["peak"])
        report = {int(r["seed"]): _loss(r) for r in rs if r["seed"] != 0 and math.isclose(r["peak"], peak)}
        if report:
            sel = [_loss(r) for r in grid if math.isclose(r["peak"], peak)]
            rows.append({"method": m, "peak": peak, "losses": report, "mean": t_interval(list(report.values()))[0],
                         "selection": min(sel) if sel else math.inf})
    rows.sort(key=lambda r: float(r["mean"]))
    best = min(rows, key=lambda r: (float(r["selection"]), r["method"]))
    for row in rows:
        d, lo, hi, n = an.diff(row["losses"], best["losses"])
        base = float(best["mean"])
        v = an.verdict(lo / base, hi / base) if math.isfinite(d) else "-"
        row.update(diff=(d, lo, hi), n=n, base=base, verdict="reference" if row is best else v)
    return rows


def format_benchmark(name: str, recs: list[dict[str, Any]], an: Analysis = DEFAULT) -> str:
    """The re-analysed table of one results file (markdown)."""
    rows = reanalyse_benchmark(recs, an)
    steps = next((r["steps"] for r in recs if r.get("kind") == "run"), "?")
    n = max((r["n"] for r in rows), default=0)
    fashion = " — for Fashion-MNIST, the official test set" if "fashion" in name else ""
    ref = next(r for r in rows if r["verdict"] == "reference")
    lines = [BANNER.format(fashion=fashion, margin=100 * an.margin), "",
             f"`{name}`: {steps} steps, seeds 1-{n} ({n} seeds after dropping the selection seed). Reference: "
             f"{ref['method']}, the lowest seed-0 loss at its chosen peak ({ref['selection']:.4f}); {an.describe()}.",
             "", "| method | peak (chosen on seed 0) | held-out loss, seeds >= 1 | Δ to the reference (interval) | "
             "verdict |", "|---|---|---|---|---|"]
    base = ref["mean"]
    for r in rows:
        d, lo, hi = r["diff"]
        if r["verdict"] == "reference":
            diff = "-"
        elif math.isnan(lo):
            diff = f"{100 * d / base:+.2f}% (one seed: no interval)"
        else:
            diff = f"{100 * d / base:+.2f}% [{100 * lo / base:+.2f}, {100 * hi / base:+.2f}]"
        lines.append(f"| {r['method']} | {r['peak']:.3g} | {r['mean']:.4f} | {diff} | {r['verdict']} |")
    others = [r for r in rows if r["verdict"] not in ("reference", "-")]
    fam = an.bonferroni(max(len(others), 1))
    family = []
    for r in others:
        _d, lo, hi, _n = fam.diff(r["losses"], ref["losses"])
        family.append(fam.verdict(lo / base, hi / base))
    from .report import count_verdicts

    lines += ["", f"Multiplicity: each interval is per comparison, not family-wise: "
                  f"{count_verdicts([r['verdict'] for r in others])}. Under Bonferroni over the {len(others)} "
                  f"comparisons with the reference (each at {100 * fam.effective_level:.3g}%): "
                  f"{count_verdicts(family)}."]
    return "\n".join(lines)


def format_cooldowns(name: str, recs: list[dict[str, Any]], an: Analysis = DEFAULT) -> str:
    """The cooldown study (peak fixed in advance, so every seed is reported) re-analysed with
    paired t-intervals."""
    branch = [r for r in recs if r.get("kind") == "branch"]
    cosine = {(int(r["steps"]), int(r["seed"])): _loss(r) for r in recs if r.get("kind") == "cosine"}
    lengths = sorted({int(r["steps"]) for r in branch})
    lines = [
        "**Old protocol (results schema 1), re-analysed.** The peak was fixed in advance (`--peak`, not chosen on "
        "these runs), so every seed is reported, seed 0 included; losses are on the old held-out set (no separate "
        f"validation split). {an.describe()}.", "",
        f"`{name}`", "", "| run length | WSD − cosine (interval) | seeds | verdict |", "|---|---|---|---|"]
    verdicts, family = [], []
    fam = an.bonferroni(max(len(lengths), 1))
    for n in lengths:
        w = {int(r["seed"]): _loss(r) for r in branch if int(r["steps"]) == n}
        c = {s: v for (steps, s), v in cosine.items() if steps == n}
        d, lo, hi, k = an.diff(w, c)
        base = t_interval(list(c.values()))[0]
        v = an.verdict(lo / base, hi / base) if math.isfinite(d) else "-"
        _d, flo, fhi, _k = fam.diff(w, c)
        verdicts.append(v)
        family.append(fam.verdict(flo / base, fhi / base) if math.isfinite(d) else "-")
        span = "no interval" if math.isnan(lo) else f"[{100 * lo / base:+.2f}, {100 * hi / base:+.2f}]"
        lines.append(f"| {n} | {100 * d / base:+.2f}% {span} | {k} | {v} |")
    from .report import count_verdicts

    lines += ["", f"Multiplicity: each interval is per comparison, not family-wise: {count_verdicts(verdicts)}. "
                  f"Under Bonferroni over the {len(lengths)} run lengths (each at "
                  f"{100 * fam.effective_level:.3g}%): {count_verdicts(family)}."]
    return "\n".join(lines)


def reanalyse(path: str | Path) -> str:
    """The re-analysis of one old results file (markdown); also written beside it."""
    p = Path(path)
    recs = records_of(p)
    if any(r.get("schema", 1) != 1 and "|schema=1" not in r["key"] for r in recs):
        raise ValueError(f"{p} holds records of the new protocol; only schema-1 files need re-analysis")
    text = format_cooldowns(p.stem, recs) if "cooldowns" in p.stem else format_benchmark(p.stem, recs)
    p.with_suffix(".reanalysed.md").write_text(text + "\n", encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    for path in argv if argv is not None else sys.argv[1:]:
        print(reanalyse(path))
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["format_benchmark", "format_cooldowns", "reanalyse", "reanalyse_benchmark", "records_of"]
