"""``glideslope bench`` and ``glideslope find``: the benchmark and the LR range test from the
command line. Nothing heavy is imported until a command runs (``glideslope --help`` stays fast).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..cli.args import CommandError
from . import suite_command
from ._require import require_bench


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


_EXAMPLES = """\
examples:
  glideslope bench                                  # the main job: charlm, {steps} steps (it says how long)
  glideslope bench --task digits --seeds 2          # seconds: a smoke run
  glideslope bench --methods warmup-cosine,prodigy --steps 480
  glideslope bench --study                          # the budget-scaling study (hours on 2 cores)
  glideslope bench --study --budgets 120,240 --seeds 3
  glideslope bench --ray auto                       # the same grid as Ray tasks (resumes the same file)
  glideslope bench --cooldowns --peak 3e-3          # WSD cooldowns branched from one run vs cosine
  glideslope bench --suite                          # the task suite's verdict, from its committed records
  glideslope bench --suite --rerun --ray auto       # train the whole suite again (an hour or more on 2 cores)
  glideslope bench --reanalyse benchmarks/results/budget-study.jsonl --margin 0.005 --interval wide

tasks:
{tasks}

methods (default set marked *):
{methods}
"""


def register(sub: Any) -> None:
    """Add the ``bench`` sub-command, and ``find`` (in :mod:`.find_command`)."""
    from .methods import DEFAULT_METHODS, METHODS
    from .tasks import DEFAULT_TASK, TASKS

    tasks = "\n".join(f"  {n:<18} {TASKS[n].description}\n  {'':<18} {TASKS[n]().declaration()}" for n in TASKS)
    methods = "\n".join(f"  {'*' if n in DEFAULT_METHODS else ' '} {n:<21} {_short(METHODS[n].label)}" for n in METHODS)
    p = sub.add_parser(
        "bench",
        help="compare LR schedules and tuning-free methods by real training on a built-in task (CPU, offline)",
        description=(
            "Train the same model with each contender (same step budget; peak LR chosen per method on seed "
            "0's validation split, from a grid, the LR finder + glideslope.recommend, or the optimizer's own "
            "lr=1.0), then report test losses on other seeds with paired 95% t-intervals. Prints a plain-text "
            "summary; writes the markdown report, a plot and the results file (JSON lines). Rerunning with the "
            "same results file resumes; records are reused only when their data and schedule fingerprints match."
        ),
        epilog=_EXAMPLES.format(steps=TASKS[DEFAULT_TASK].steps, tasks=tasks, methods=methods),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--task", default=DEFAULT_TASK, choices=sorted(TASKS), help=f"task (default {DEFAULT_TASK})")
    p.add_argument("--full", action="store_true", help="the task's long budget, 5-point grid and 5 reporting seeds")
    p.add_argument("--steps", type=_positive_int("--steps"), help="step budget per run (default: the task's)")
    p.add_argument("--grid", help="peak LRs to try, comma-separated (default: the task's, e.g. 1e-3,3e-3,1e-2)")
    p.add_argument("--seeds", type=_positive_int("--seeds"),
                   help="reporting seeds, besides selection seed 0 (default 3; 5 with --full, 10 with --study)")
    p.add_argument("--methods", help="comma-separated methods (see below; default: the starred ones)")
    p.add_argument("--jobs", type=_positive_int("--jobs"), help="worker processes or Ray CPUs (default: 2)")
    p.add_argument("--ray", metavar="ADDRESS",
                   help="run the jobs on Ray: 'auto' (the running cluster, else a local one), 'local', or an "
                        "address like ray://host:10001 (needs pip install 'glideslope[ray]')")
    p.add_argument("--results", help="results file, JSON lines (default bench-results/<task>[-full].jsonl)")
    p.add_argument("--evals", type=_positive_int("--evals"), help="validation evaluations per run")
    p.add_argument("--study", action="store_true",
                   help="instead: the budget-scaling study on charlm (see docs/budget-study.md)")
    p.add_argument("--budgets", help="step budgets of --study, comma-separated (default 60,120,240,480,960,1920)")
    p.add_argument("--cooldowns", action="store_true",
                   help="instead: WSD cooldowns branched at 25/50/75/100%% of one constant run vs cosine runs")
    p.add_argument("--peak", type=_lr, help="peak LR of --cooldowns (default: the middle of the task's grid)")
    p.add_argument("--shape", default="1-sqrt", help="cooldown shape of --cooldowns (default 1-sqrt)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--no-plot", action="store_true", help="do not write the PNG plot")
    p.add_argument("--reanalyse", metavar="FILE",
                   help="instead: recompute every table, interval and verdict from a results file (JSON lines), "
                        "training nothing; prints the markdown")
    p.add_argument("--margin", type=_margin,
                   help="equivalence margin of 'matches', relative (default 0.01: ±1%%); with --reanalyse")
    p.add_argument("--interval", choices=("t", "wide"),
                   help="interval method (default t: the paired 95%% t-interval; wide: the same at 97.5%%, for "
                        "skewed errors); with --reanalyse")
    suite_command.add_flags(p)
    p.set_defaults(func=run_bench)

    from . import find_command

    find_command.register(sub)


def _margin(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a relative margin like 0.01 (±1%), got {text!r}") from None
    if not 0 <= x < 1:
        raise argparse.ArgumentTypeError(f"must be a relative margin in [0, 1) like 0.01 (±1%), got {text!r}")
    return x


def _reanalyse(args: argparse.Namespace) -> int:
    from .reanalyse import reanalyse
    from .stats import MARGIN, Analysis

    an = Analysis(margin=MARGIN if args.margin is None else args.margin, interval=args.interval or "t")
    try:
        text = reanalyse(args.reanalyse, an)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    print(text)
    return 0


def _short(text: str, n: int = 90) -> str:
    return text if len(text) <= n else text[: n - 3].rstrip() + "..."


def _config(args: argparse.Namespace) -> Any:
    from .methods import DEFAULT_METHODS
    from .runner import BenchConfig, parse_grid

    methods = tuple(m.strip() for m in args.methods.split(",") if m.strip()) if args.methods else DEFAULT_METHODS
    grid = parse_grid(args.grid) if args.grid is not None else None
    return BenchConfig(task=args.task, steps=args.steps, grid=grid, seeds=args.seeds, methods=methods,
                       full=args.full, jobs=args.jobs, results=args.results, evals=args.evals,
                       ray=args.ray).validate()


def _budgets(text: str | None) -> tuple[int, ...]:
    from .study import BUDGETS

    if text is None:
        return BUDGETS
    try:
        out = tuple(int(p) for p in text.split(",") if p.strip())
    except ValueError:
        raise CommandError(f"--budgets must be whole numbers like 120,240; got {text!r}") from None
    if not out or any(b < 20 for b in out):
        raise CommandError(f"--budgets must name budgets of at least 20 steps; got {text!r}")
    return out


def run_bench(args: argparse.Namespace) -> int:
    """The ``bench`` command."""
    require_bench("glideslope bench")
    if args.reanalyse is not None:
        return _reanalyse(args)
    if args.margin is not None or args.interval is not None:
        raise CommandError("--margin and --interval only apply with --reanalyse FILE")
    from . import report
    from .tasks import TaskUnavailable, get_task

    if args.suite:
        return suite_command.run_suite_command(args)
    if args.rerun or args.tasks:
        raise CommandError("--rerun and --tasks only apply with --suite")
    if args.study:
        return _run_study(args)
    if args.budgets is not None:
        raise CommandError("--budgets only applies with --study")
    try:
        cfg = _config(args)
    except (TypeError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    try:
        get_task(cfg.task)  # fail early (and in one line) if the data is missing
    except TaskUnavailable as exc:
        raise CommandError(str(exc)) from None
    stem = str(Path(cfg.results).with_suffix(""))
    if args.cooldowns:
        from .cooldowns import run_cooldowns

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
        Path(stem + ".md").write_text(text + "\n", encoding="utf-8")
        from ..cli.render.terminal import fit

        print(fit(text))
        print(fit(f"Results: {cfg.results}; report: {stem}.md"))
        return 0
    if args.peak is not None:
        raise CommandError("--peak only applies with --cooldowns")
    from ..cli.render.terminal import fit
    from .runner import run_benchmark

    print(fit(opening_line(args, cfg)), flush=True)
    try:
        res = run_benchmark(cfg, progress=not args.no_progress)
    except KeyboardInterrupt:
        return _interrupted(cfg.results)
    text = report.format_report(res)
    if not args.no_plot:
        text += f"\n\nPlot: {report.plot(res, stem + '.png')}"
    Path(stem + ".md").write_text(text + "\n", encoding="utf-8")
    print()
    print(fit(report.format_terminal(res)))
    print(fit(f"\n{res.ran} runs now, {res.reused} reused, {res.wall / 60:.1f} min. "
              f"Report (markdown): {stem}.md; results: {cfg.results}"))
    from .tasks import DEFAULT_TASK

    if cfg.task == DEFAULT_TASK:  # the main job ends with the suite's verdict, read from its records
        print(fit("\n" + suite_command.suite_verdict()))
    sys.stdout.flush()
    return 0


def _run_study(args: argparse.Namespace) -> int:
    from . import study_report
    from .study import RESULTS, SEEDS, run_study

    if args.cooldowns or args.peak is not None or args.methods or args.grid or args.steps or args.full:
        raise CommandError("--study runs its own budgets, grid and methods; it takes only "
                           "--budgets, --seeds, --jobs, --ray, --results and --no-progress")
    results = args.results or RESULTS
    budgets = _budgets(args.budgets)
    seeds = args.seeds or SEEDS
    from ..cli.render.terminal import fit

    print(fit(f"glideslope bench --study: charlm at {', '.join(map(str, budgets))} steps, {seeds} reporting "
              "seeds: does the best schedule and peak move with the budget, and how close do tuning-free "
              "methods come to a grid search?"), flush=True)
    try:
        outs = run_study(budgets, seeds, args.jobs, results, args.ray, progress=not args.no_progress)
    except KeyboardInterrupt:
        return _interrupted(results)
    stem = str(Path(results).with_suffix(""))
    Path(stem + ".md").write_text(study_report.format_study(outs) + "\n", encoding="utf-8")
    print(fit(study_report.format_study_terminal(outs)))
    print(fit(f"\nReport (markdown): {stem}.md; results: {results}"))
    return 0


def opening_line(args: argparse.Namespace, cfg: Any) -> str:
    """What the run trains and why; for the main job (no option that changes the runs) also
    how long it takes, from the README's figures (:func:`glideslope.bench.timings.estimate`)."""
    from . import report
    from .tasks import DEFAULT_TASK
    from .timings import estimate

    line = str(report.opening_line(cfg.task, int(cfg.steps), len(cfg.methods), int(cfg.seeds)))
    main_job = args.task == DEFAULT_TASK and not (args.full or args.steps or args.grid or args.seeds or args.methods)
    expected = estimate("bench") if main_job else None
    return line + (f" It takes {expected}." if expected is not None else "")


def _interrupted(results: str) -> int:
    from .executor import load_results

    sys.stderr.write(
        f"\nglideslope bench: interrupted; {len(load_results(results))} finished runs are saved in "
        f"{results}; run the same command again to resume\n"
    )
    return 130
