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


def test_the_docs_block_is_printed_from_the_records() -> None:
    records = ROOT / suite.RESULTS
    if not records.exists():
        pytest.skip("no committed suite records")
    plans, recs, notes = suite.read_suite(results=str(records))
    lines = records.read_text(encoding="utf-8")
    stale = [n for n in notes if "selection stage not in" in n and f'"task": "{n.split("@")[0]}"' in lines]
    if stale:  # records made on other data (another Python's stdlib, say): their keys do not match here
        pytest.skip(f"suite records do not match this machine's data: {stale[0]}")
    text = (ROOT / "docs/suite.md").read_text(encoding="utf-8")
    block = BLOCK.search(text)
    assert block is not None, "docs/suite.md has no suite-report block"
    assert block.group(1).strip() == suite_report.format_suite(plans, recs, []).strip()


def test_the_default_shapes_reason_is_true_of_the_fitted_records() -> None:
    from glideslope.bench.tasks import TASKS
    from glideslope.tune.recommendation import _DEFAULT_SHAPE_REASON

    records = ROOT / suite.RESULTS
    if not records.exists():
        pytest.skip("no committed suite records")
    fitted = [t for t in suite.load_split()["fitted"] if t not in ("charlm", "fashion")]
    plans, _, notes = suite.read_suite(fitted, str(records))
    if notes:
        pytest.skip(f"suite records do not match this machine's data: {notes[0]}")
    per = suite_report.shape_losses(plans)
    kind = {e: TASKS[e.split("@")[0]]().kind for e in per}
    wsd_worst = max(v["wsd-1-sqrt"] for v in per.values())
    assert f"at most {100 * (wsd_worst - 1):.1f}% behind" in _DEFAULT_SHAPE_REASON
    mlp = [v for e, v in per.items() if kind[e] == "image MLP"]
    lin, cos = max(v["linear-to-zero"] for v in mlp), max(v["warmup-cosine"] for v in mlp)
    assert f"{100 * (lin - 1):.0f}% and {100 * (cos - 1):.0f}% behind" in _DEFAULT_SHAPE_REASON
    lms = [v for e, v in per.items() if "language model" in kind[e]]
    assert lms and all(v["wsd-1-sqrt"] == 1.0 for v in lms)  # "the best shape on the language models"
    tab = max(v["wsd-1-sqrt"] for e, v in per.items() if kind[e].startswith("tabular"))
    assert f"within {100 * (tab - 1):.1f}% of the best on tabular" in _DEFAULT_SHAPE_REASON


def test_the_readme_summary_is_printed_from_the_records() -> None:
    records = ROOT / suite.RESULTS
    if not records.exists():
        pytest.skip("no committed suite records")
    plans, recs, notes = suite.read_suite(results=str(records))
    lines = records.read_text(encoding="utf-8")
    if any("selection stage not in" in n and f'"task": "{n.split("@")[0]}"' in lines for n in notes):
        pytest.skip("suite records do not match this machine's data")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- suite-summary:start -->\n(.*?)<!-- suite-summary:end -->", readme, re.S)
    assert block is not None, "README has no suite-summary block"
    assert block.group(1).strip() == suite_report.format_readme(suite_report.rows(plans, recs)).strip()


def test_recommends_docstring_states_what_the_held_out_tasks_measured() -> None:
    from glideslope.tune.recommendation import recommend

    records = ROOT / suite.RESULTS
    if not records.exists():
        pytest.skip("no committed suite records")
    held = list(suite.load_split()["held_out"])
    plans, recs, notes = suite.read_suite(held, str(records))
    if notes:
        pytest.skip(f"suite records do not match this machine's data: {notes[0]}")
    summary = suite_report.summary(suite_report.rows(plans, recs), held_out=True)
    doc = " ".join((recommend.__doc__ or "").split())
    for contender in ("recommend", "pilots"):
        med, worst, where, _ = summary[contender]
        assert f"median {med:.3f}x and worst {worst:.3f}x ({where}" in doc, contender
