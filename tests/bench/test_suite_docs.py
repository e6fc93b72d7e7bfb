"""docs/suite.md's results block is what the committed suite records give."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")

from glideslope.bench import suite, suite_report

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"<!-- suite-report:start -->\n(.*?)<!-- suite-report:end -->", re.S)


def read_or_skip(tasks: list[str] | None = None, records: Path | None = None):  # type: ignore[no-untyped-def]
    """``(plans, recs)`` of the committed suite records (``tasks`` restricts them), or a skip
    when there are none, or when they were made on other data (another Python's stdlib, say:
    a task's records are there but their keys do not match this machine's data)."""
    records = records or ROOT / suite.RESULTS
    if not records.exists():
        pytest.skip("no committed suite records")
    plans, recs, notes = suite.read_suite(tasks, str(records))
    lines = records.read_text(encoding="utf-8")
    stale = [n for n in notes if "selection stage not in" in n and f'"task": "{n.split("@")[0]}"' in lines]
    if stale:
        pytest.skip(f"suite records do not match this machine's data: {stale[0]}")
    return plans, recs


def test_the_docs_block_is_printed_from_the_records() -> None:
    plans, recs = read_or_skip()
    text = (ROOT / "docs/suite.md").read_text(encoding="utf-8")
    block = BLOCK.search(text)
    assert block is not None, "docs/suite.md has no suite-report block"
    assert block.group(1).strip() == suite_report.format_suite(plans, recs, []).strip()


def test_the_default_shapes_reason_is_true_of_the_fitted_records() -> None:
    import statistics

    from glideslope.bench.tasks import TASKS
    from glideslope.tune.recommendation import _DEFAULT_SHAPE_REASON

    reason = " ".join(_DEFAULT_SHAPE_REASON.split())
    plans, _ = read_or_skip(list(suite.load_split()["fitted"]))
    per = suite_report.shape_losses(plans)
    kind = {e: TASKS[e.split("@")[0]]().kind for e in per}
    shapes = ("wsd-1-sqrt", "linear-to-zero", "warmup-cosine")
    near = {m: sum(v[m] <= 1.013 for v in per.values()) for m in shapes}
    assert f"on the task suite's {len(per)} fitted task budgets" in reason
    assert (f"within 1.3% of the best shape on {near['wsd-1-sqrt']} of {len(per)} (linear decay "
            f"{near['linear-to-zero']}, cosine {near['warmup-cosine']})") in reason
    medians = {m: statistics.median(v[m] for v in per.values()) for m in shapes}
    assert min(medians, key=medians.__getitem__) == "wsd-1-sqrt"  # "the lowest median"
    lms = [v for e, v in per.items() if "language model" in kind[e]]
    assert lms and all(v["wsd-1-sqrt"] == 1.0 for v in lms)  # "the best shape on every language model"
    short = [v for e, v in per.items() if kind[e] == "image MLP" and v["wsd-1-sqrt"] == 1.0]
    lin, cos = max(v["linear-to-zero"] for v in short), max(v["warmup-cosine"] for v in short)
    assert f"fell {100 * (lin - 1):.0f}% and {100 * (cos - 1):.0f}% behind" in reason
    cnn = [v["wsd-1-sqrt"] for e, v in per.items() if kind[e] == "image CNN" and TASKS[e.split("@")[0]]().optimizer == "sgd"]
    assert f"image CNN with SGD ({100 * (max(cnn) - 1):.1f}%)" in reason
    ft = [v for e, v in per.items() if kind[e] == "fine-tuning"]
    assert f"fine-tuning ({100 * (max(v['wsd-1-sqrt'] for v in ft) - 1):.1f}%, where cosine" in reason
    assert all(v["warmup-cosine"] == 1.0 for v in ft)


def test_the_readme_summary_is_printed_from_the_records() -> None:
    plans, recs = read_or_skip()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- suite-summary:start -->\n(.*?)<!-- suite-summary:end -->", readme, re.S)
    assert block is not None, "README has no suite-summary block"
    assert block.group(1).strip() == suite_report.format_readme(suite_report.rows(plans, recs)).strip()


def test_recommends_docstring_states_what_the_held_out_tasks_measured() -> None:
    from glideslope.tune.recommendation import recommend

    plans, recs = read_or_skip(list(suite.load_split()["held_out"]))
    summary = suite_report.summary(suite_report.rows(plans, recs), held_out=True)
    doc = " ".join((recommend.__doc__ or "").split())
    for contender in ("recommend", "pilots"):
        med, worst, where, _ = summary[contender]
        assert f"median {med:.3f}x and worst {worst:.3f}x ({where}" in doc, contender


# ---------------------------------------------------------------------------------------------
# docs/finder.md's by-kind block and docs/budget-study.md's budget-pairs block (suite_kinds)
# ---------------------------------------------------------------------------------------------

def _kinds_or_skip(records: Path):  # type: ignore[no-untyped-def]
    """(plans, rows) from ``records``, or a skip when there are none or they are another
    machine's (their keys do not match this data)."""
    plans, recs = read_or_skip(records=records)
    return plans, suite_report.rows(plans, recs)


def _stale_kind_blocks(records: Path, pages: dict[str, str]) -> list[str]:
    """Every block of ``suite_kinds.BLOCKS`` whose text in ``pages`` (page -> its text) is not
    what the records print."""
    from glideslope.bench import suite_kinds

    plans, recs = read_or_skip(records=records)
    bad = []
    for (page, marker), fmt in suite_kinds.BLOCKS.items():
        m = suite_kinds.block_pattern(marker).search(pages[page])
        if m is None:
            bad.append(f"{page}: no {marker} block")
        elif m.group(2).strip() != fmt(plans, recs).strip():
            bad.append(f"{page}: the {marker} block is not what {records.name} prints "
                       "(python -m glideslope.bench.suite_kinds --write)")
    return bad


def _pages() -> dict[str, str]:
    from glideslope.bench import suite_kinds

    return {page: (ROOT / page).read_text(encoding="utf-8") for page, _ in suite_kinds.BLOCKS}


def test_the_by_kind_and_budget_pair_blocks_are_printed_from_the_records() -> None:
    assert _stale_kind_blocks(ROOT / suite.RESULTS, _pages()) == []


def test_the_finder_pages_reading_of_the_by_kind_block_holds() -> None:
    import inspect

    from glideslope import find_lr
    from glideslope.bench import suite_kinds

    _, table = _kinds_or_skip(ROOT / suite.RESULTS)
    text = " ".join((ROOT / "docs/finder.md").read_text(encoding="utf-8").split())
    worst = {g: max(r.ratio for r in per["recommend"]) for g, per in suite_kinds.by_kind(table).items()
             if per.get("recommend")}
    lms = [w for g, w in worst.items() if g.endswith("language model")]
    others = [w for g, w in worst.items() if not g.endswith("language model")]
    # "The range test alone does best on the language models: every other kind's worst entry is
    # further from the grid-best than any language model's."
    assert "every other kind's worst entry is further from the grid-best than any language model's" in text
    assert lms and others and min(others) > max(lms), worst
    assert "(100 steps by default)" in text
    assert inspect.signature(find_lr).parameters["steps"].default == 100
    # "Where an entry is far off, the knee is far from that entry's best peak": every entry more
    # than 1.5x the grid-best's loss has recommend's peak at least 2x from the grid-best peak
    plans, _ = _kinds_or_skip(ROOT / suite.RESULTS)
    best = {p.entry.label: p.chosen["best_peak"] for p in plans}
    far = {r.entry: r.peak / best[r.entry] for r in table if r.contender == "recommend" and r.ratio > 1.5}
    assert far and all(max(x, 1 / x) >= 2 for x in far.values()), far
    _check_grid_sentence(text)


def _check_grid_sentence(text: str) -> None:
    """The pages' "12 peaks at 2x spacing x 3 shapes": every task's suite grid, the suite's shapes."""
    import itertools

    from glideslope.bench.tasks import TASKS

    grids = [TASKS[n]().suite_grid() for n in TASKS]
    assert all(len(g) == 12 and all(abs(b / a - 2) < 1e-3 for a, b in itertools.pairwise(g)) for g in grids)
    assert len(suite.GRID_SHAPES) == 3
    assert "12 peaks at 2x spacing x 3 shapes" in text


def test_the_budget_pages_reading_of_the_pairs_block_holds() -> None:
    from glideslope.bench import suite_kinds
    from glideslope.bench.tasks import TASKS, get_task
    from glideslope.tune.pilots import exponent_for_epochs

    plans, _ = _kinds_or_skip(ROOT / suite.RESULTS)
    text = " ".join((ROOT / "docs/budget-study.md").read_text(encoding="utf-8").split())
    chosen = {p.entry.label: p.chosen for p in plans}
    names = suite_kinds.two_budget_tasks()
    budgets = {n: sorted(TASKS[n]().suite_budgets) for n in names}
    assert names and all(b[1] >= 8 * b[0] for b in budgets.values())  # "two budgets 8x or more apart"
    moves = {n: chosen[f"{n}@{b[1]}"]["best_peak"] / chosen[f"{n}@{b[0]}"]["best_peak"] for n, b in budgets.items()}
    assert max(moves.values()) <= 1.0, moves  # "on none of these tasks does the best peak rise"
    assert len(set(moves.values())) > 1, moves  # "how far it falls differs from task to task"
    assert len({b[1] / b[0] for b in budgets.values()}) == 1  # "at the same ratio of budgets"
    # "alpha growing with the run's epochs"
    alphas = [exponent_for_epochs(e) for e in (0.1, 1, 4, 10, 30, 100, 300, 1000)]
    assert alphas == sorted(alphas) and alphas[0] < alphas[-1]
    # "its longest budget, 1920 steps, is 1.06 epochs", "several to hundreds of passes"
    charlm = get_task("charlm")
    assert f"its longest budget, 1920 steps, is {charlm.epochs(1920):.3g} epochs" in text
    epochs = [get_task(n).epochs(s) for n, b in budgets.items() for s in b]
    assert min(epochs) > 3 * charlm.epochs(1920) and max(epochs) >= 100
    _check_grid_sentence(text)


def test_a_changed_record_fails_the_kind_blocks(tmp_path: Path) -> None:
    """Break it: blocks printed from a snapshot of the records pass; one changed record (a
    recommend test loss; a grid point's validation loss) fails the block it feeds."""
    import json

    from glideslope.bench import suite_kinds
    from glideslope.bench.tasks import TASKS

    src = ROOT / suite.RESULTS
    if not src.exists():
        pytest.skip("no committed suite records")
    snap = tmp_path / "suite.jsonl"
    snap.write_text("".join(x for x in src.read_text(encoding="utf-8").splitlines(keepends=True)
                            if x.endswith("\n")), encoding="utf-8")  # whole lines only: a run may be appending
    plans, recs = read_or_skip(records=snap)
    table = suite_report.rows(plans, recs)
    pages = _pages()
    for (page, marker), fmt in suite_kinds.BLOCKS.items():
        pages[page] = suite_kinds.replace_block(pages[page], marker, fmt(plans, recs))
    assert _stale_kind_blocks(snap, pages) == []
    original = snap.read_text(encoding="utf-8")

    def changed(key: str, field: str, value: float) -> list[str]:
        out = []
        for line in original.splitlines(keepends=True):
            rec = json.loads(line)
            if rec.get("key") == key:
                rec[field] = value
                line = json.dumps(rec, sort_keys=True) + "\n"
            out.append(line)
        snap.write_text("".join(out), encoding="utf-8")
        return _stale_kind_blocks(snap, pages)

    by = {p.entry.label: p for p in plans}
    # a language model's recommend, its seed-1 test loss made 100: the by-kind block changes
    lm = next(r for r in table if r.contender == "recommend" and "language model" in suite_kinds.kind_group(
        TASKS[r.entry.rsplit("@", 1)[0]]().kind))
    bad = changed(by[lm.entry].job("recommend", 1)["key"], "test_loss", 100.0)
    assert any("suite-by-kind" in b for b in bad), bad
    # another grid point made the best on a two-budget task's short budget: the pairs block changes
    name = suite_kinds.two_budget_tasks()[0]
    pair = by[f"{name}@{min(TASKS[name]().suite_budgets)}"]
    other = next(j for j in pair.grid if j["peak"] != pair.chosen["best_peak"])
    bad = changed(other["key"], "val_loss", 1e-9)
    assert any("suite-budget-pairs" in b for b in bad), bad


def test_what_the_suite_shows_quotes_only_figures_of_its_results_block() -> None:
    """Every ratio (``1.234x``), interval and peak typed in docs/suite.md's "What it shows"
    section is in the results block of the same page, which is checked against the records."""
    text = (ROOT / "docs/suite.md").read_text(encoding="utf-8")
    section = text[text.index("## What it shows"):text.index("## Results")]
    block = BLOCK.search(text)
    assert block is not None
    results = block.group(1)
    ratios = re.findall(r"(\d+\.\d{3})x", section)
    intervals = re.findall(r"\[(\d+\.\d{3}), (\d+\.\d{3})\]", section)
    peaks = re.findall(r"peak (0\.\d+)|\((0\.\d+) against (0\.\d+)\)|grid-best (0\.\d+)", section)
    assert len(ratios) >= 10 and intervals and peaks
    for x in ratios:
        assert f"{x} " in results or f"{x} (" in results or f"| {x} |" in results, f"{x}x is not in the results block"
    for lo, hi in intervals:
        assert f"[{lo}, {hi}]" in results, f"[{lo}, {hi}] is not in the results block"
    for group in peaks:
        for p in filter(None, group):
            assert f"| {p} |" in results, f"peak {p} is not in the results block"


def test_the_readme_sentences_under_the_suite_summary_are_true_of_the_records() -> None:
    plans, recs = read_or_skip(list(suite.load_split()["held_out"]))
    table = suite_report.rows(plans, recs)
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    by = {(r.entry, r.contender): r for r in table}
    behind = sorted({c for (e, c), r in by.items() if c not in ("grid-best", "default-lr", "pilots")
                     and r.mean_test / by[(e, "default-lr")].mean_test > 1.01})
    assert behind == sorted(["recommend", "fastai", "schedule-free", "prodigy", "dadapt-adam"])
    assert "recommend, fastai, schedule-free, prodigy and dadapt-adam each are on at least one held-out task" in readme
    med, worst, where, _ = suite_report.summary(table, held_out=True)["pilots"]
    assert f"median {med:.3f}x against 1.02x, worst {worst:.3f}x against 1.05x on {where}" in readme
    plan = next(p for p in plans if p.entry.label == where)
    ratio = plan.chosen["best_peak"] / plan.chosen["pilot_peak"]
    assert f"{plan.chosen['pilot_h']}-step pilots" in readme and f"about {int(ratio)}x below" in readme


def test_the_rerun_time_quoted_is_the_records_own() -> None:
    plans, recs = read_or_skip()
    keys = {j["key"] for p in plans for j in [*p.stage1(), *p.stage2()]}
    cpu = sum(recs[k].get("cpu", 0) for k in keys if k in recs) / 60
    wall = sum(recs[k].get("wall", 0) for k in keys if k in recs) / 60
    text = " ".join((ROOT / "docs/suite.md").read_text(encoding="utf-8").split())
    assert f"hold {cpu:.0f} CPU-minutes of training ({wall:.0f} minutes of wall time" in text
