"""``glideslope bench`` and ``glideslope find``: the benchmark and the LR range test from the
command line. Nothing heavy is imported until a command runs (``glideslope --help`` stays fast).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..cli import CommandError


def _positive_int(name: str) -> Any:
    def conv(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got {text!r}") from None
        if n < 1:
            raise argparse.ArgumentTypeError(f"{name} must be >= 1, got {n}")
        return n
    return conv


def _lr(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a learning rate like 3e-3, got {text!r}") from None
    if not 0 < x <= 10:
        raise argparse.ArgumentTypeError(f"must be a learning rate in (0, 10], got {text!r}")
    return x


def register(sub: Any) -> None:
    """Add the ``bench`` sub-command, and ``find`` (in :mod:`.find_command`)."""
    from .tasks import DEFAULT_TASK, TASKS

    tasks = ", ".join(f"{n} ({TASKS[n].description})" for n in TASKS)
    p = sub.add_parser(
        "bench",
        help="compare LR schedules by real training on a built-in task (CPU, offline)",
        description=(
            "Train the same model with each schedule (same step budget, peak LR tuned per schedule "
            "on a log grid, paired seeds) and print a table; write a plot and the results file. "
            "Rerunning with the same results file resumes (finished runs are not redone). "
            f"Tasks: {tasks}. Default: {DEFAULT_TASK}, under 10 minutes on 2 cores; "
            "--full reproduces the README's full table."
        ),
    )
    p.add_argument("--task", default=DEFAULT_TASK, help=f"task name (default {DEFAULT_TASK})")
    p.add_argument("--full", action="store_true", help="the README's full table: longer runs, 5-point grid, 5 seeds")
    p.add_argument("--steps", type=_positive_int("--steps"), help="step budget per run (default: the task's)")
    p.add_argument("--grid", help="peak LRs to try, comma-separated (default: the task's, e.g. 1e-3,3e-3,1e-2)")
    p.add_argument("--seeds", type=_positive_int("--seeds"), help="paired seeds (default 3; 5 with --full)")
    p.add_argument("--methods", help="comma-separated subset of the methods (default: all)")
    p.add_argument("--jobs", type=_positive_int("--jobs"), help="worker processes (default: 2 cores)")
    p.add_argument("--results", help="results file, JSON lines (default bench-results/<task>[-full].jsonl)")
    p.add_argument("--evals", type=_positive_int("--evals"), help="held-out evaluations per run")
    p.add_argument("--cooldowns", action="store_true",
                   help="instead: WSD cooldowns branched at 25/50/75/100%% of one constant run vs cosine runs")
    p.add_argument("--peak", type=_lr, help="peak LR of --cooldowns (default: the middle of the task's grid)")
    p.add_argument("--shape", default="1-sqrt", help="cooldown shape of --cooldowns (default 1-sqrt)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--no-plot", action="store_true", help="do not write the PNG plot")
    p.set_defaults(func=run_bench)

    from . import find_command

    find_command.register(sub)


def _config(args: argparse.Namespace) -> Any:
    from .methods import DEFAULT_METHODS
    from .runner import BenchConfig, parse_grid

    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip()) if args.methods else DEFAULT_METHODS
    grid = parse_grid(args.grid) if args.grid is not None else None
    return BenchConfig(task=args.task, steps=args.steps, grid=grid, seeds=args.seeds, methods=methods,
                       full=args.full, jobs=args.jobs, results=args.results, evals=args.evals).validate()


def run_bench(args: argparse.Namespace) -> int:
    """The ``bench`` command."""
    from . import report
    from .runner import run_benchmark, run_cooldowns
    from .tasks import TaskUnavailable, get_task

    cfg = _config(args)
    try:
        get_task(cfg.task)  # fail early (and in one line) if the data is missing
    except TaskUnavailable as exc:
        raise CommandError(str(exc)) from None
    stem = str(Path(cfg.results).with_suffix(""))
    if args.cooldowns:
        if args.results is None:
            cfg.results = stem + "-cooldowns.jsonl"
            stem = stem + "-cooldowns"
        peak = args.peak if args.peak is not None else sorted(cfg.grid)[len(cfg.grid) // 2]
        try:
            out = run_cooldowns(cfg, peak, shape=args.shape, progress=not args.no_progress)
        except KeyboardInterrupt:
            return _interrupted(cfg.results)
        text = report.format_cooldowns(out)
        if not args.no_plot:
            text += f"\n\nPlot: {report.plot_cooldowns(out, stem + '.png')}"
    else:
        if args.peak is not None:
            raise CommandError("--peak only applies with --cooldowns")
        try:
            res = run_benchmark(cfg, progress=not args.no_progress)
        except KeyboardInterrupt:
            return _interrupted(cfg.results)
        text = report.format_table(res) + "\n\nClaims:\n" + report.format_claims(res)
        if not args.no_plot:
            text += f"\n\nPlot: {report.plot(res, stem + '.png')}"
        text += f"\nRuns: {res.ran} run now, {res.reused} reused from {cfg.results}"
    Path(stem + ".md").write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"Results: {cfg.results}; report: {stem}.md")
    sys.stdout.flush()
    return 0


def _interrupted(results: str) -> int:
    from .runner import load_results

    sys.stderr.write(
        f"\nglideslope bench: interrupted; {len(load_results(results))} finished runs are saved in "
        f"{results}; run the same command again to resume\n"
    )
    return 130
