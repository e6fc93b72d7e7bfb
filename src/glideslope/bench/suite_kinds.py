"""The suite read by kind of task and by budget: the tables docs/finder.md and
docs/budget-study.md open with.

* :func:`format_by_kind`: per group of task kinds (:func:`kind_group`), each main contender's
  median and worst ratio to the grid-best over the entries of that group, ``median_k r_e``
  and ``max_k r_e`` with ``r_e`` the entry's test-loss ratio (:func:`.suite_report.rows`);
  never a pooled mean.
* :func:`format_budget_pairs`: per task with two suite budgets ``T_1 < T_2``, how the
  grid-best peak moves, ``g(T_2) / g(T_1)``, beside the pilots' corrected peak and their
  test-loss ratio at each budget.

``python -m glideslope.bench.suite_kinds --write`` refreshes these two and the other blocks the
suite's records print (:data:`BLOCKS`: docs/suite.md's report, the README's summary).

Everything here reads records; nothing trains.
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .suite import RESULTS, EntryPlan, read_suite
from .suite_report import Row, format_readme, format_suite, rows
from .tasks import TASKS, get_task

#: The contenders of the by-kind table, in its column order.
KIND_CONTENDERS = ("recommend", "fastai", "pilots", "default-lr")
#: Qualifiers dropped from the front of a task's kind to form its group.
KIND_QUALIFIERS = ("small-data ", "large-batch ")


def kind_group(kind: str) -> str:
    """The group of a declared task kind: the kind up to its first comma, without a leading
    qualifier of :data:`KIND_QUALIFIERS`. So "small-data tabular classification" joins
    "tabular classification", "large-batch image MLP" joins "image MLP", "image CNN, label
    noise" joins "image CNN"; the kinds of architecture ("recurrent language model",
    "transformer language model") stay apart."""
    head = kind.split(",")[0].strip()
    for q in KIND_QUALIFIERS:
        if head.startswith(q):
            head = head[len(q):]
    return head


def _task(entry: str) -> str:
    return entry.rsplit("@", 1)[0]


def _ratio(x: float) -> str:
    return f"{x:.3f}" if math.isfinite(x) else "diverged"


def _cell(rs: list[Row], n_entries: int) -> str:
    """``median / worst (worst entry)`` of the rows' ratios, with how many entries are in when
    not all of the group's are; "-" when none is."""
    rs = [r for r in rs if not math.isnan(r.ratio)]
    if not rs:
        return "-"
    worst = max(rs, key=lambda r: r.ratio)
    out = f"{_ratio(statistics.median(r.ratio for r in rs))} / {_ratio(worst.ratio)} ({worst.entry})"
    return out + (f", {len(rs)} of {n_entries}" if len(rs) < n_entries else "")


def by_kind(table: list[Row]) -> dict[str, dict[str, list[Row]]]:
    """Rows by kind group (:func:`kind_group` of each entry's task), in the order the groups
    first appear, then by contender."""
    out: dict[str, dict[str, list[Row]]] = {}
    for r in table:
        out.setdefault(kind_group(TASKS[_task(r.entry)]().kind), {}).setdefault(r.contender, []).append(r)
    return out


def format_by_kind(table: list[Row]) -> str:
    """The by-kind markdown table: one row per kind group (:func:`kind_group`: a task's kind
    up to its first comma, without a "small-data" or "large-batch" qualifier), its tasks, its
    entries (held-out among them), and for each of :data:`KIND_CONTENDERS` the median and the
    worst ratio to the grid-best over the group's entries (the worst entry named). A cell
    names how many entries it covers when fewer than the group's (reporting runs missing)."""
    head = " | ".join(f"{c} median / worst" for c in KIND_CONTENDERS)
    lines = [f"| task kind | tasks | entries (held-out) | {head} |", "|---|---|---|" + "---|" * len(KIND_CONTENDERS)]
    for group, per in by_kind(table).items():
        rs = [r for v in per.values() for r in v]
        labels = {r.entry: r.held_out for r in rs}
        tasks = ", ".join(dict.fromkeys(_task(e) for e in labels))
        cells = " | ".join(_cell(per.get(c, []), len(labels)) for c in KIND_CONTENDERS)
        lines.append(f"| {group} | {tasks} | {len(labels)} ({sum(labels.values())}) | {cells} |")
    return "\n".join(lines)


def two_budget_tasks() -> list[str]:
    """The tasks declared with two suite budgets, in the registry's order."""
    return [n for n, cls in TASKS.items() if len(cls().suite_budgets) == 2]


def format_budget_pairs(plans: list[EntryPlan], table: list[Row]) -> str:
    """Per task with two suite budgets ``T_1 < T_2`` (:func:`two_budget_tasks`) and both
    entries' selection stage in the records: the epochs at each budget
    (:meth:`.task_base.Task.epochs`, what the pilots' horizon correction reads), the grid-best
    peak ``g`` and shape at each budget
    (chosen on the selection seed's validation loss), ``g(T_2) / g(T_1)``, the pilots'
    corrected peak at each budget, and the pilots' test-loss ratio to the grid-best at each
    ("-" while its reporting runs are missing). Each cell holds ``T_1``'s value, then
    ``T_2``'s."""
    plan = {p.entry.label: p for p in plans}
    pilots = {r.entry: r for r in table if r.contender == "pilots"}
    lines = ["| task | split | optimizer | budgets (steps) | epochs | grid-best peak | grid-best shape | best peak, "
             "long / short | pilots' peak | pilots / grid-best (test loss) |", "|---" * 10 + "|"]
    for name in two_budget_tasks():
        t = TASKS[name]()
        labels = [f"{name}@{b}" for b in sorted(t.suite_budgets)]
        if not all(x in plan for x in labels):
            continue
        ch = [plan[x].chosen for x in labels]
        split = "held-out" if plan[labels[0]].entry.held_out else "fitted"
        ratios = [_ratio(pilots[x].ratio) if x in pilots else "-" for x in labels]
        epochs = " / ".join(f"{get_task(name).epochs(b):.3g}" for b in sorted(t.suite_budgets))
        lines.append(f"| {name} | {split} | {t.optimizer_label} | {' / '.join(map(str, sorted(t.suite_budgets)))} | "
                     f"{epochs} | "
                     f"{ch[0]['best_peak']:.3g} / {ch[1]['best_peak']:.3g} | "
                     f"{ch[0]['best_method']} / {ch[1]['best_method']} | "
                     f"{ch[1]['best_peak'] / ch[0]['best_peak']:.3g}x | "
                     f"{ch[0]['pilot_peak']:.3g} / {ch[1]['pilot_peak']:.3g} | {' / '.join(ratios)} |")
    return "\n".join(lines)


#: Every docs block printed from the suite's records: (page, marker) -> its text, from
#: (plans, records); ``--write`` refreshes them all.
BLOCKS: dict[tuple[str, str], Callable[[list[EntryPlan], dict[str, dict[str, Any]]], str]] = {
    ("docs/finder.md", "suite-by-kind"): lambda plans, recs: format_by_kind(rows(plans, recs)),
    ("docs/budget-study.md", "suite-budget-pairs"): lambda plans, recs: format_budget_pairs(plans, rows(plans, recs)),
    ("docs/suite.md", "suite-report"): lambda plans, recs: format_suite(plans, recs, []),
    ("README.md", "suite-summary"): lambda plans, recs: format_readme(rows(plans, recs)),
}


def block_pattern(marker: str) -> re.Pattern[str]:
    """The text between ``<!-- MARKER:start -->`` and ``<!-- MARKER:end -->`` (group 1)."""
    return re.compile(rf"(<!-- {re.escape(marker)}:start -->\n)(.*?)(<!-- {re.escape(marker)}:end -->)", re.S)


def replace_block(doc: str, marker: str, text: str) -> str:
    """``doc`` with its ``marker`` block's contents replaced by ``text`` (a ``ValueError`` naming
    the marker when ``doc`` has none)."""
    pattern = block_pattern(marker)
    if not pattern.search(doc):
        raise ValueError(f"no <!-- {marker}:start --> ... <!-- {marker}:end --> block to write into")
    return pattern.sub(lambda m: f"{m.group(1)}\n{text}\n\n{m.group(3)}", doc, count=1)


def blocks(results: str = RESULTS) -> dict[tuple[str, str], str]:
    """Every block of :data:`BLOCKS`, printed from the records in ``results``."""
    plans, recs, _ = read_suite(results=results)
    return {k: f(plans, recs) for k, f in BLOCKS.items()}


def main(argv: list[str] | None = None) -> int:
    """``python -m glideslope.bench.suite_kinds [--results FILE] [--write]``: print the blocks,
    or (``--write``) put each between its markers in its page (paths from the current
    directory, the repository root)."""
    ap = argparse.ArgumentParser(prog="python -m glideslope.bench.suite_kinds", description=main.__doc__)
    ap.add_argument("--results", default=RESULTS, help=f"the suite's records (default {RESULTS})")
    ap.add_argument("--write", action="store_true",
                    help="rewrite every block of BLOCKS in its page (docs/, README.md)")
    args = ap.parse_args(argv)
    for (page, marker), text in blocks(args.results).items():
        if not args.write:
            print(f"{page} [{marker}]\n{text}\n")
            continue
        path = Path(page)
        try:
            path.write_text(replace_block(path.read_text(encoding="utf-8"), marker, text), encoding="utf-8")
        except ValueError as exc:
            raise SystemExit(f"{page}: {exc}") from exc
        print(f"wrote {page} [{marker}]")
    return 0


__all__ = ["BLOCKS", "KIND_CONTENDERS", "KIND_QUALIFIERS", "block_pattern", "blocks", "by_kind", "format_budget_pairs",
           "format_by_kind", "kind_group", "main", "replace_block", "two_budget_tasks"]


if __name__ == "__main__":
    raise SystemExit(main())
