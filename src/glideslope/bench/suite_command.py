"""``glideslope bench --suite``: the task suite's verdict, read from the committed records, or
(``--rerun``) every run of the suite trained again, locally or on Ray.

Reading is seconds: every task's data is prepared (to check the records' fingerprints), no
model is trained. What is not in the records is named, never filled in.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..cli.args import CommandError

#: Where ``--suite --rerun`` writes by default (a fresh file, so every run trains again).
RERUN_RESULTS = "bench-results/suite.jsonl"


def add_flags(p: Any) -> None:
    """The suite's flags on the ``bench`` parser."""
    p.add_argument("--suite", action="store_true",
                   help="instead: the task suite (docs/suite.md): every contender against a 36-run grid on every "
                        "task; prints the verdict read from the committed records (benchmarks/results/suite.jsonl)")
    p.add_argument("--rerun", action="store_true",
                   help="with --suite: train every run again (into --results, default bench-results/suite.jsonl; "
                        "resumes that file; --jobs and --ray apply)")
    p.add_argument("--tasks", help="with --suite: only these tasks, comma-separated (default: all)")


def suite_verdict(results: str | None = None) -> str:
    """The suite's verdict in a few lines, read from the committed records (or a note that
    there are none here)."""
    from . import suite, suite_report

    path = results or suite.RESULTS
    if not Path(path).exists():
        return (f"suite: no records at {path} (run from a source checkout to read the committed ones, or "
                "glideslope bench --suite --rerun to train them)")
    plans, recs, notes = suite.read_suite(results=path)
    return (f"Suite verdict, read from committed records ({path}; nothing here was trained now):\n"
            + suite_report.format_terminal(plans, recs, notes))


def run_suite_command(args: argparse.Namespace) -> int:
    """``glideslope bench --suite [--rerun]``."""
    from . import suite, suite_report

    tasks = [t.strip() for t in args.tasks.split(",") if t.strip()] if args.tasks else None
    try:
        if tasks is not None:
            suite.entries(tasks)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if args.rerun:
        results = args.results or RERUN_RESULTS
        print(f"glideslope bench --suite --rerun: training every suite run into {results} "
              f"({'Ray ' + args.ray if args.ray else 'local processes'})", flush=True)
        suite.run_suite(tasks, results=results, jobs=args.jobs or 2, ray=args.ray, progress=not args.no_progress)
        source = f"trained now, into {results}"
    else:
        results = args.results or suite.RESULTS
        if not Path(results).exists():
            raise CommandError(f"no suite records at {results}; run glideslope bench --suite --rerun to train them")
        source = f"read from the records in {results}, nothing trained now"
    plans, recs, notes = suite.read_suite(tasks, results)
    text = suite_report.format_suite(plans, recs, notes)
    stem = str(Path(results).with_suffix(""))
    Path(stem + ".md").write_text(text + "\n", encoding="utf-8")
    out = [suite_report.format_terminal(plans, recs, notes), f"({source}; report: {stem}.md"]
    if not args.no_plot:
        out[-1] += f", plot: {suite_report.plot_suite(suite_report.rows(plans, recs), stem + '.png')}"
    out[-1] += ")"
    print("\n".join(out))
    return 0


__all__ = ["RERUN_RESULTS", "add_flags", "run_suite_command", "suite_verdict"]
