"""Every figure the README and docs/ quote about the benchmark is what the committed records give.

Two kinds of check:

* **blocks**: a doc holds ``<!-- figures: NAME -->`` ... ``<!-- end figures -->``; the text
  between them must equal what the generator of NAME prints from the committed records today
  (``python tests/bench/test_doc_figures.py --write`` rewrites the blocks after new runs);
* **figures**: a sentence quotes a number; :func:`figures` computes each from the records,
  and the test requires the doc to contain it as computed.

``test_a_changed_record_fails_the_check`` copies the records, changes one loss, and shows the
same checks fail on the copy.

docs/finder.md's summary table is checked twice: each row must be the one the bench printed
(``benchmarks/results/finder.md``, the regression's source: it runs in-process, unrecorded),
and each bench task's pick and untuned-default gaps must be what ``finder.jsonl`` gives.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"
README = ROOT / "README.md"
DOCS = ROOT / "docs"

from glideslope.bench import study_report as sr  # noqa: E402
from glideslope.bench.legacy import reanalyse_benchmark, records_of  # noqa: E402
from glideslope.bench.records import finder_gaps, format_finder_gaps, rebuild  # noqa: E402
from glideslope.bench.report import format_claims, format_table, grid_best, tuning_free  # noqa: E402
from glideslope.bench.stats import DEFAULT, equivalent  # noqa: E402


def _study(results: Path) -> list:  # type: ignore[type-arg]
    return sr.collect(str(results / "budget-study.jsonl"))


def _main(results: Path):  # type: ignore[no-untyped-def]
    out = rebuild(results / "main-charlm.jsonl", "charlm", 240)
    assert out is not None
    return out


def blocks(results: Path) -> dict[tuple[Path, str], Callable[[], str]]:
    """(doc, block name) -> the generator of the block's text from the records in ``results``."""
    outs: list = []  # type: ignore[type-arg]

    def study() -> list:  # type: ignore[type-arg]
        if not outs:
            outs.extend(_study(results))
        return outs

    main = lambda: format_table(_main(results)) + "\n\nClaims:\n" + format_claims(_main(results))  # noqa: E731
    return {
        (README, "tuning-free"): lambda: sr.readme_table(study()),
        (README, "headline"): lambda: sr.headline(study()),
        (DOCS / "budget-study.md", "study"): lambda: sr.format_study(study()),
        (DOCS / "budget-study.md", "headline"): lambda: sr.headline(study()),
        (DOCS / "budget-study.md", "peaks"): lambda: sr.peak_ranges(study()),
        (DOCS / "budget-study.md", "shapes"): lambda: sr.shape_table(study()),
        (DOCS / "benchmark.md", "main"): main,
        (DOCS / "finder.md", "finder-gaps"): lambda: format_finder_gaps(results / "finder.jsonl"),
    }


def block_text(doc: Path, name: str) -> str:
    text = doc.read_text(encoding="utf-8")
    m = re.search(rf"<!-- figures: {re.escape(name)} -->\n(.*?)<!-- end figures -->", text, re.S)
    assert m is not None, f"{doc.name} has no block {name!r}"
    return m.group(1).strip()


def finder_summary(results: Path) -> dict[str, str]:
    """docs/finder.md's summary row per task, as ``benchmarks/results/finder.md`` (the bench's
    report) prints it: ``| task (steps) | within 3x | geo. mean (range) | median gap (worst) |
    default's median gap (worst) |``."""
    steps: dict[str, str] = {}
    rows = {}
    for line in (results / "finder.md").read_text(encoding="utf-8").splitlines():
        c = [x.strip() for x in line.strip().strip("|").split("|")]
        if len(c) == 11 and c[1].isdigit():  # a per-seed row: task, steps, seed, ...
            steps.setdefault(c[0], c[1])
        elif len(c) == 7 and re.fullmatch(r"\d+/\d+", c[1]):  # a summary row
            rows[c[0]] = f"| {c[0]} ({steps[c[0]]}) | {c[1]} | {c[2]} ({c[3]}) | {c[4]} ({c[5]}) | {c[6]} |"
    return rows


def finder_default_gaps(results: Path) -> dict[str, str]:
    """Per bench task at its default budget: the end of its docs/finder.md summary row, the
    pick's and the untuned default's gap over the same seed's grid-best (median (worst)), from
    ``finder.jsonl`` (:func:`finder_gaps`)."""
    out = {}
    for g in finder_gaps(results / "finder.jsonl", "1-sqrt"):
        if g["default_in_median"] is not None:
            out[f"{g['task']} ({g['steps']})"] = (f"| {g['in_median']:+.1f}% ({g['in_worst']:+.1f}%) | "
                                                  f"{g['default_in_median']:+.1f}% ({g['default_in_worst']:+.1f}%) |")
    return out


def _check_finder_summary(results: Path) -> list[str]:
    """Every disagreement between docs/finder.md's summary table, the bench's report and the
    records; and the sentence under it: the default further from the grid-best than the pick,
    median and worst, on every task."""
    doc = (DOCS / "finder.md").read_text(encoding="utf-8").splitlines()
    bad = []
    report = finder_summary(results)
    if not report:
        bad.append("finder.md (results): no summary rows")
    for task, row in report.items():
        if row not in doc:
            bad.append(f"finder.md: summary row of {task} is not {row!r} (benchmarks/results/finder.md)")
        pct = [float(x) for x in re.findall(r"([+-][\d.]+)%", row)]
        if not (len(pct) == 4 and pct[2] > pct[0] and pct[3] > pct[1]):
            bad.append(f"finder.md: 'further from the grid-best than the pick' fails for {task}: {row}")
    from_records = finder_default_gaps(results)
    if sorted(from_records) != ["charlm (240)", "digits (150)", "fashion (300)"]:
        bad.append(f"finder.jsonl: untuned-default runs for {sorted(from_records)}")
    for label, tail in from_records.items():
        line = next((x for x in doc if x.startswith(f"| {label} | ") and x.count("|") == 6), None)
        if line is None or not line.endswith(tail):
            bad.append(f"finder.md: summary row of {label} does not end {tail!r} (finder.jsonl)")
    return bad


def figures(results: Path) -> list[tuple[Path, str]]:
    """(doc, the text it must contain), each text computed from the records in ``results``."""
    main = _main(results)
    ref, sched = grid_best(main), grid_best(main, schedules_only=True)
    tf = {t["method"]: t for t in tuning_free(main)}
    rec, dflt = tf["finder-recommended"], tf["default-lr"]
    r, lo, hi = rec["schedule_ratio"]
    val = {m: next(x["val_loss"] for x in main.grid_records[m] if x["peak"] == main.best[m])
           for m in ("constant", "wsd-1-sqrt")}
    out = [
        (README, f"ratio {r:.3f} [{lo:.3f}, {hi:.3f}]) at {100 * rec['compute']:.1f}% of the grid's compute"),
        (README, f"is {100 * (dflt['ratio'] - 1):.1f}% behind the grid-best\n"
                 f"({dflt['ratio']:.3f} [{dflt['low']:.3f}, {dflt['high']:.3f}])"),
        (README, f"({val['wsd-1-sqrt']:.4f} against {val['constant']:.4f} here, a "
                 f"{100 * (val['wsd-1-sqrt'] / val['constant'] - 1):.2f}% tie)"),
        (README, f"{len(main.eval_records)} contenders"),
        (DOCS / "benchmark.md", f"{len(main.eval_records) * 3 + sum(len(v) for v in main.grid_records.values()) + 1}"
                                " runs."),
    ]
    assert (ref, sched) == ("schedule-free", "constant")
    # every comparison "worse" per comparison; under Bonferroni all but one "cannot tell"
    from glideslope.bench.report import _family_verdicts, summary

    per, family = _family_verdicts(main, DEFAULT, summary(main))
    assert set(per) == {"worse"} and len(per) == 11
    out.append((README, f"Bonferroni over the {len(per)} comparisons\nleaves {family.count('cannot tell')} of them"))
    assert family.count("cannot tell") == len(family) - 1  # docs/benchmark.md: "all but one"
    # the claims docs/benchmark.md reads out of the main job's block
    from glideslope.bench.report import claims

    said = {c: v for c, v, _e in claims(main)}
    assert said["WSD with 1-sqrt cooldown matches or beats cosine"] == "holds"
    assert said["finder + recommend beats the untuned default (AdamW lr=1e-3, warmup + cosine)"] == "holds"
    for c in ("a 5% warmup helps a constant LR", "cycling beta1 helps one-cycle",
              "warmup-cosine beats the warmup-constant control", "linear-to-zero beats the warmup-constant control",
              "wsd-1-sqrt beats the warmup-constant control"):
        assert said[c] == "cannot tell", c
    assert (tf["prodigy"]["schedule_verdict"], tf["dadapt-adam"]["schedule_verdict"]) == ("cannot tell", "worse")
    assert (rec["verdict"], rec["schedule_verdict"], dflt["verdict"], dflt["schedule_verdict"]) == (
        "worse", "cannot tell", "worse", "worse")
    outs = _study(results)
    # the study: seeds, grid size, peak factor, schedule-free at recommend's peak within ±1% where said
    seeds = {o.config.seeds for o in outs}
    assert seeds == {10}
    out.append((DOCS / "budget-study.md", f"Reporting on seeds 1-{max(seeds)}:"))
    n_grid = len(outs[0].grid_records) * len(sr.GRID)
    n_adamw = (len(outs[0].grid_records) - 1) * len(sr.GRID)
    out.append((DOCS / "budget-study.md", f"the whole grid is {n_grid} runs (5 gridded methods x 6\n"
                                          f"  LRs; the four AdamW schedules alone are {n_adamw})"))
    out.append((DOCS / "budget-study.md", f"{n_adamw}-run grid search over AdamW schedules"))
    out.append((README, f"a fraction of the grid's {n_grid} runs"))
    dl = [json.loads(x) for x in (results / "budget-study.jsonl").read_text(encoding="utf-8").splitlines()]
    torches = {r.get("torch") for r in dl} | {r.get("torch") for r in main.eval_records["constant"]}
    assert len(torches) == 1  # one torch build made every record
    out.append((README, f"same machine and torch build ({torches.pop()} here)"))
    dl = [r for r in dl if r.get("method") == "default-lr"]
    out.append((DOCS / "budget-study.md", f"all six budgets ({len(dl)}\n  runs, {sum(r['cpu'] for r in dl) / 60:.0f} "
                                          "CPU-minutes)"))
    vx = [v for o in outs if (v := sr.vertex_peak(o.grid_records["wsd-1-sqrt"])) is not None]
    out.append((README, f"by up to {max(vx) / min(vx):.1f}x for WSD's grid-free estimate"))
    out.append((DOCS / "finder.md", f"moving by up to {max(vx) / min(vx):.1f}x over 60 to 1920 steps"))
    sff = [o.config.steps for o in outs
           if equivalent({t["method"]: t for t in tuning_free(o)}["schedule-free-finder"]["verdict"])]
    assert sff == [60, 120]
    within_rec = sum(equivalent({t["method"]: t for t in tuning_free(o)}["finder-recommended"]["verdict"])
                     for o in outs)
    assert within_rec == 0  # "met ... on loss at no budget"
    # "warmup-cosine's chosen grid peak is still 0.016 at 960 steps"; "rises to about 0.015 at 480"
    by_steps = {o.config.steps: o for o in outs}
    assert by_steps[960].best["warmup-cosine"] == 0.016
    bump = [sr.vertex_peak(by_steps[480].grid_records[m]) for m in ("warmup-cosine", "linear-to-zero", "wsd-1-sqrt")]
    assert all(v is not None and 0.014 <= v <= 0.016 for v in bump), bump
    out.append((DOCS / "budget-study.md", "keeps the knee\n  (0.0043 here)"))
    assert {round(o.best["finder-recommended"], 4) for o in outs if o.config.steps >= 240} == {0.0043}
    # the finder page's digits figures, quoted in README and the study page
    gaps = {(g["task"], g["steps"], shape): g for shape in ("1-sqrt", "linear")
            for g in finder_gaps(results / "finder.jsonl", shape)}
    wsd, lin = gaps[("digits", 150, "1-sqrt")], gaps[("digits", 150, "linear")]
    for doc in (README, DOCS / "budget-study.md"):
        out.append((doc, f"+{wsd['in_median']:.1f}% median loss"))
        out.append((doc, f"+{lin['in_median']:.1f}%"))
    # the old protocol's pairwise figures (docs/benchmark.md)
    for name, a, b in (("charlm", "constant", "cosine"), ("charlm", "wsd-1-sqrt", "warmup-cosine"),
                       ("charlm-full", "constant", "cosine"), ("charlm-full", "wsd-1-sqrt", "warmup-cosine"),
                       ("charlm-full", "linear-to-zero", "wsd-linear"), ("fashion-full", "constant", "cosine"),
                       ("fashion-full", "wsd-1-sqrt", "warmup-cosine")):
        rows = {x["method"]: x for x in reanalyse_benchmark(records_of(results / f"{name}.jsonl"))}
        d, lo, hi, _n = DEFAULT.diff(rows[a]["losses"], rows[b]["losses"])
        base = rows[b]["mean"]
        txt = f"{100 * d / base:+.2f}% [{100 * lo / base:+.2f}, {100 * hi / base:+.2f}]".replace("-", "−")
        out.append((DOCS / "benchmark.md", txt))
    rows = {x["method"]: x for x in reanalyse_benchmark(records_of(results / "charlm-full.jsonl"))}
    d, lo, hi, _n = DEFAULT.diff(rows["schedule-free"]["losses"], rows["one-cycle"]["losses"])
    base = rows["one-cycle"]["mean"]
    out.append((DOCS / "benchmark.md", f"({100 * d / base:+.2f}% [{100 * lo / base:+.2f}, {100 * hi / base:+.2f}])"
                .replace("-", "−")))
    # the cooldown studies (old protocol): the range of WSD - cosine and the Bonferroni count
    words = {4: "all four", 1: "one of four"}
    for name, seeds, steps in (("charlm-cooldowns", 3, 240), ("charlm-full-cooldowns", 5, 1500)):
        recs = records_of(results / f"{name}.jsonl")
        branch = [r for r in recs if r.get("kind") == "branch"]
        cosine = {(int(r["steps"]), int(r["seed"])): float(r["final_loss"]) for r in recs if r.get("kind") == "cosine"}
        pct, kept = [], 0
        fam = DEFAULT.bonferroni(len({int(r["steps"]) for r in branch}))
        for n in sorted({int(r["steps"]) for r in branch}):
            w = {int(r["seed"]): float(r["final_loss"]) for r in branch if int(r["steps"]) == n}
            c = {sd: v for (st, sd), v in cosine.items() if st == n}
            base = sum(c.values()) / len(c)
            pct.append(100 * DEFAULT.diff(w, c)[0] / base)
            _d, lo, hi, _k = fam.diff(w, c)
            kept += fam.verdict(lo / base, hi / base) == "better"
        sep = "\n  " if steps == 240 else " "  # where the sentence wraps
        out.append((DOCS / "benchmark.md", f"{steps}-step study, {seeds} seeds: −{-max(pct):.1f}% to{sep}−{-min(pct):.1f}%"))
        verb = "keeps " if steps == 1500 else ""
        out.append((DOCS / "benchmark.md", f"the {steps}-step study {verb}{words[kept]}"))
    # the records' residual skewness quoted beside the coverage test
    from test_stats import record_residuals  # the coverage test's pool (tests/bench is on sys.path)

    skew = float((record_residuals(results / "budget-study.jsonl") ** 3).mean())
    out.append((DOCS / "benchmark.md", f"their skewness is {skew:.2f}"))
    return out


LEGACY = ("charlm", "charlm-full", "fashion", "fashion-full", "digits", "charlm-cooldowns", "charlm-full-cooldowns")


def _check(results: Path) -> list[str]:
    """Every disagreement between the docs and the records in ``results`` (empty: none)."""
    from glideslope.bench.legacy import format_benchmark, format_cooldowns

    bad = []
    for name in LEGACY:
        recs = records_of(results / f"{name}.jsonl")
        text = format_cooldowns(name, recs) if "cooldowns" in name else format_benchmark(name, recs)
        if (results / f"{name}.reanalysed.md").read_text(encoding="utf-8").strip() != text.strip():
            bad.append(f"{name}.reanalysed.md differs from what its records give")
    for (doc, name), gen in blocks(results).items():
        if block_text(doc, name) != gen().strip():
            bad.append(f"{doc.name}: block {name!r} differs from what the records give")
    bad += _check_finder_summary(results)
    try:
        figs = figures(results)
    except AssertionError as exc:
        return [*bad, f"a quoted count no longer holds: {exc}"]
    for doc, text in figs:
        if text not in doc.read_text(encoding="utf-8"):
            bad.append(f"{doc.name}: does not say {text!r}")
    return bad


def test_every_doc_figure_is_what_the_records_give() -> None:
    assert _check(RESULTS) == []


def _edit_records(path: Path, match: Callable[[dict], bool], field: str, factor: float) -> int:
    """Multiply ``field`` by ``factor`` in every record of the JSON-lines file ``path`` that
    ``match(record)`` accepts; the number of records changed."""
    lines = path.read_text(encoding="utf-8").splitlines()
    hits = 0
    for i, line in enumerate(lines):
        rec = json.loads(line)
        if match(rec):
            rec[field] *= factor
            lines[i] = json.dumps(rec, sort_keys=True)
            hits += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return hits


def test_a_changed_record_fails_the_check(tmp_path: Path) -> None:
    copy = tmp_path / "results"
    shutil.copytree(RESULTS, copy)
    # the main job's untuned default, seed 1: its test loss 1% higher
    _edit_records(copy / "main-charlm.jsonl", lambda r: r.get("method") == "default-lr" and r.get("seed") == 1,
                  "test_loss", 1.01)
    bad = _check(copy)
    assert any("block 'main'" in b for b in bad), bad  # the embedded report
    assert any("behind the grid-best" in b or "no longer holds" in b for b in bad), bad  # a quoted figure


def test_a_changed_default_record_fails_the_finder_checks(tmp_path: Path) -> None:
    """The untuned default's figures in docs/finder.md are the records': Fashion-MNIST seed 0's
    default run, its validation loss 1.5x (so the worst seed), fails the summary row and the block."""
    copy = tmp_path / "results"
    shutil.copytree(RESULTS, copy)
    key = "kind=run|peak=0.001|seed=0|shape=cosine|steps=300|task=fashion"
    assert _edit_records(copy / "finder.jsonl", lambda r: r["key"] == key, "val", 1.5) == 1
    bad = _check(copy)
    assert any("summary row of fashion (300) does not end" in b for b in bad), bad
    assert any("block 'finder-gaps'" in b for b in bad), bad
    # and a changed report (the regression's only source) fails its row
    report = copy / "finder.md"
    text = report.read_text(encoding="utf-8")
    row = next(x for x in text.splitlines() if x.startswith("| regression | ") and x.count("|") == 8)
    report.write_text(text.replace(row, row[: row.rindex("%")] + "1%) |"), encoding="utf-8")  # its default's worst
    assert any("summary row of regression is not" in b for b in _check(copy))


def test_the_study_block_fails_on_a_changed_study_record(tmp_path: Path) -> None:
    copy = tmp_path / "results"
    shutil.copytree(RESULTS, copy)
    _edit_records(copy / "budget-study.jsonl",
                  lambda r: r.get("method") == "finder-recommended" and r.get("seed") == 3 and r.get("steps") == 1920,
                  "test_loss", 0.98)
    bad = _check(copy)
    assert any("block 'study'" in b for b in bad) and any("block 'tuning-free'" in b for b in bad), bad


def write() -> None:
    """Rewrite every block from the committed records (after new runs)."""
    for (doc, name), gen in blocks(RESULTS).items():
        text = doc.read_text(encoding="utf-8")
        pat = re.compile(rf"(<!-- figures: {re.escape(name)} -->\n)(.*?)(<!-- end figures -->)", re.S)
        assert pat.search(text), f"{doc.name} has no block {name!r}"
        body = gen().strip()
        text = pat.sub(lambda m, body=body: m.group(1) + "\n" + body + "\n\n" + m.group(3), text)
        doc.write_text(text, encoding="utf-8")


if __name__ == "__main__" and "--write" in sys.argv:
    sys.path.insert(0, str(Path(__file__).parent))
    write()
    print("\n".join(_check(RESULTS)) or "all blocks and figures agree with the records")
