"""``glideslope bench --reanalyse FILE``: every table, interval and verdict of a results file,
recomputed from its records alone, at any margin and interval method.

* A file of the current protocol (results schema 2) with one step budget is a benchmark: the
  report of :func:`.report.format_report` (ranking against the grid-best, the whole grid,
  tuning-free ratios, claims, each with its multiplicity statement).
* One with several budgets is a study: :func:`.study_report.format_study`.
* A file of the old protocol (schema 1) goes through :mod:`.legacy` (seed 0 dropped, paired
  intervals).

Nothing is trained and nothing is written: the markdown is returned (and printed by the
command), so an auditor can compare ``--margin 0.005`` or ``--interval wide`` with the
committed report.
"""

from __future__ import annotations

import json
from pathlib import Path

from .executor import load_results
from .records import budgets, rebuild
from .report import format_claims, format_table
from .stats import Analysis


def _schema(path: Path) -> int:
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(rec, dict) and "key" in rec:
            return 2 if "|schema=2" in str(rec["key"]) else 1
    return 0


def reanalyse(path: str | Path, an: Analysis | None = None) -> str:
    """The markdown re-analysis of the results file ``path`` under ``an`` (default: 95%
    t-intervals, ±1%). Raises ValueError naming the file when it holds no usable records."""
    an = an or Analysis()
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"--reanalyse needs a results file (JSON lines); {str(p)!r} is not a file")
    schema = _schema(p)
    if schema == 0:
        raise ValueError(f"{p} holds no benchmark records (JSON lines with a 'key')")
    head = f"Re-analysed from the records of `{p.name}` (nothing trained): {an.describe()}.\n\n"
    if schema == 1:
        from .legacy import format_benchmark, format_cooldowns, records_of

        old = records_of(p)
        body = format_cooldowns(p.stem, old, an) if "cooldowns" in p.stem else format_benchmark(p.stem, old, an)
        return head + body
    recs = load_results(p)
    outs = [o for task, steps in budgets(recs) if (o := rebuild(p, task, steps, records=recs)) is not None]
    if not outs:
        raise ValueError(f"{p} has no method with a complete grid and reporting seeds to re-analyse")
    if len(outs) == 1:
        return head + format_table(outs[0], an) + "\n\nClaims:\n" + format_claims(outs[0], an)
    from .study_report import format_study

    return head + format_study(outs, an)


__all__ = ["reanalyse"]
