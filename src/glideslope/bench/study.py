"""The budget-scaling study: does the best schedule, and the best peak, move with the budget,
and how close do the tuning-free methods come to a full grid search?

charlm at several step budgets; at each, the gridded schedules (warmup-constant,
warmup-cosine, linear-to-zero, WSD 1-sqrt) and schedule-free AdamW each run a 6-point LR grid
at 2x spacing on the selection seed, then every method runs at its chosen peak on the
reporting seeds, beside the tuning-free contenders (finder + recommended, schedule-free at
the recommended peak, Prodigy, D-Adaptation Adam, and the untuned default: AdamW at its
default lr=1e-3 under warmup + cosine). Everything shares one results file, so the
study resumes, and more seeds or budgets can be added later without redoing anything.

The **grid-best** at a budget is the (method, peak) of the whole grid with the lowest
selection-seed validation loss: what a user who grid-searched every schedule would train.
Each tuning-free method is compared with it on the reporting seeds' test losses (ratio,
t-interval), with its compute as a fraction of the grid's (grid: every gridded run; finder:
the range test's steps plus one run; Prodigy, D-Adaptation and the default LR: one run).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .runner import BenchConfig, BenchOutcome, run_many

#: The study's step budgets (charlm steps of 16 x 64 characters): 60 to 1920, doubling.
BUDGETS = (60, 120, 240, 480, 960, 1920)
#: The LR grid: 6 points at 2x spacing (0.032 was added when 0.016, the top of the first
#: 5-point grid, won at 480 steps).
GRID = (1e-3, 2e-3, 4e-3, 8e-3, 1.6e-2, 3.2e-2)
#: Reporting seeds (seeds 1..SEEDS; the first five were run first, seeds 6-10 added later).
SEEDS = 10
#: Gridded contenders.
GRIDDED = ("warmup-constant", "warmup-cosine", "linear-to-zero", "wsd-1-sqrt", "schedule-free")
#: Zero- or low-tuning contenders.
TUNING_FREE = ("finder-recommended", "schedule-free-finder", "prodigy", "dadapt-adam", "default-lr")
#: Validation evaluations per run (few: they cost steps on a 2-core machine).
EVALS = 4
#: Default results file.
RESULTS = "benchmarks/results/budget-study.jsonl"


def study_configs(budgets: tuple[int, ...] = BUDGETS, seeds: int = SEEDS, jobs: int | None = None,
                  results: str = RESULTS, ray: str | None = None,
                  methods: tuple[str, ...] = GRIDDED + TUNING_FREE) -> list[BenchConfig]:
    """One validated :class:`BenchConfig` per budget, all sharing ``results``."""
    return [BenchConfig(task="charlm", steps=b, grid=GRID, seeds=seeds, methods=methods, jobs=jobs,
                        results=results, evals=EVALS, ray=ray).validate() for b in budgets]


def run_study(budgets: tuple[int, ...] = BUDGETS, seeds: int = SEEDS, jobs: int | None = None,
              results: str = RESULTS, ray: str | None = None, progress: bool = True,
              run: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> list[BenchOutcome]:
    """Run (or resume) the study; one outcome per budget."""
    return run_many(study_configs(budgets, seeds, jobs, results, ray), progress, "study", run)


__all__ = ["BUDGETS", "EVALS", "GRID", "GRIDDED", "RESULTS", "SEEDS", "TUNING_FREE", "run_study", "study_configs"]
