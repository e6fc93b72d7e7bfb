"""Plan and run a benchmark under the protocol of :mod:`glideslope.bench`, and resume it.

The protocol, for every method of the config:

1. **selection** on seed 0: a gridded method runs at every peak LR of the grid, and the
   peak with the lowest final *validation* loss wins; a finder-tuned method runs one LR range
   test and takes :func:`glideslope.recommend`'s schedule; an untuned one (Prodigy,
   D-Adaptation) uses its authors' ``lr=1.0``;
2. **reporting** on seeds ``1..seeds``: every method at its chosen peak, the same seeds for
   all methods (paired); only these runs' *test* losses are reported.

A job's key names everything that determines its record: the task and its data fingerprint,
the method and its schedule fingerprint, the optimizer package's version, the peak, seed,
steps and evaluations. The results cache (:mod:`.executor`) reuses a record only when its
key matches, so a changed schedule, recommendation, data set or optimizer version runs again.
Records also carry the Python and torch versions (not part of the key).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .executor import Progress, execute, load_results
from .methods import DEFAULT_METHODS, METHODS, check_methods
from .tasks import TASKS, get_task
from .tuning import finder_code, finder_settings, recommend_for

#: Version of the job keys (2: validation/test splits and fingerprints).
SCHEMA = 2
#: The selection seed.
SELECTION_SEED = 0


# ----------------------------------------------------------------------------------------
# configuration
# ----------------------------------------------------------------------------------------

@dataclass
class BenchConfig:
    """A benchmark's settings; :meth:`validate` checks them all (ValueError/TypeError naming the
    parameter, the value and what is allowed).

    Attributes:
        task: task name (``charlm``, ``fashion``, ``digits``).
        steps: step budget of every run (None: the task's default, or its ``full_steps``).
        grid: peak learning rates to try (None: the task's grid, or its ``full_grid``).
        seeds: number of *reporting* seeds (paired across methods): seeds ``1..seeds``.
            Seed 0 is the selection seed: the grid and the finder run on it, and it is never
            reported.
        methods: method names (default: the main job's set, :data:`.methods.DEFAULT_METHODS`).
        full: use the task's full budget, grid and 5 reporting seeds.
        jobs: worker processes or Ray CPUs (default: up to 2 cores).
        results: the JSON-lines results file (default ``bench-results/<task>[-full].jsonl``).
        evals: validation evaluations per run (None: the task's default).
        ray: None for the local process pool; ``"auto"``, ``"local"`` or a Ray address.
    """

    task: str = "charlm"
    steps: int | None = None
    grid: tuple[float, ...] | None = None
    seeds: int | None = None
    methods: tuple[str, ...] = DEFAULT_METHODS
    full: bool = False
    jobs: int | None = None
    results: str | None = None
    evals: int | None = None
    ray: str | None = None

    def validate(self) -> BenchConfig:
        """Check every field; fill in the task's defaults; return self."""
        if not isinstance(self.task, str) or self.task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(sorted(TASKS))}; got {self.task!r}")
        t = TASKS[self.task]()
        if self.steps is None:
            self.steps = t.full_steps if self.full else t.steps
        if isinstance(self.steps, bool) or not isinstance(self.steps, int) or self.steps < 20:
            raise ValueError(f"steps (the step budget) must be an int >= 20; got {self.steps!r}")
        if self.grid is None:
            self.grid = t.full_grid if self.full else t.grid
        self.grid = check_grid(self.grid)
        if self.seeds is None:
            self.seeds = 5 if self.full else 3
        if isinstance(self.seeds, bool) or not isinstance(self.seeds, int) or not 1 <= self.seeds <= 100:
            raise ValueError(f"seeds (reporting seeds) must be an int in [1, 100]; got {self.seeds!r}")
        self.methods = check_methods(tuple(self.methods))
        if self.jobs is None:
            self.jobs = max(1, min(os.cpu_count() or 1, 2 if self.task != "digits" else 1))
        if isinstance(self.jobs, bool) or not isinstance(self.jobs, int) or self.jobs < 1:
            raise ValueError(f"jobs must be an int >= 1; got {self.jobs!r}")
        if self.evals is None:
            self.evals = t.evals
        if isinstance(self.evals, bool) or not isinstance(self.evals, int) or not 2 <= self.evals <= self.steps:
            raise ValueError(f"evals must be an int in [2, steps={self.steps}]; got {self.evals!r}")
        if self.ray is not None and (not isinstance(self.ray, str) or not self.ray.strip()):
            raise ValueError(f"ray must be 'auto', 'local' or a Ray address like ray://host:10001; got {self.ray!r}")
        if self.results is None:
            self.results = str(Path("bench-results") / f"{self.task}{'-full' if self.full else ''}.jsonl")
        return self


def check_grid(grid: Iterable[Any]) -> tuple[float, ...]:
    """A grid of peak learning rates: 1 to 12 distinct finite numbers in (0, 10], sorted."""
    try:
        values = list(grid)
    except TypeError:
        raise TypeError(f"grid must be a list of learning rates, got {type(grid).__name__}: {grid!r}") from None
    out: list[float] = []
    for i, g in enumerate(values):
        if isinstance(g, bool) or not isinstance(g, (int, float)):
            raise TypeError(f"grid[{i}] must be a number (a learning rate), got {type(g).__name__}: {g!r}")
        if not (math.isfinite(g) and 0 < g <= 10):
            raise ValueError(f"grid[{i}] must be a learning rate in (0, 10], got {g!r}")
        out.append(float(g))
    if not 1 <= len(out) <= 12:
        raise ValueError(f"grid must hold 1 to 12 learning rates, got {len(out)}: {values!r}")
    if len(set(out)) != len(out):
        raise ValueError(f"grid must not repeat a learning rate, got {values!r}")
    return tuple(sorted(out))


def parse_grid(text: str) -> tuple[float, ...]:
    """``"1e-3,3e-3,1e-2"`` -> a checked grid (ValueError naming the bad entry)."""
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    vals: list[float] = []
    for p in parts:
        try:
            vals.append(float(p))
        except ValueError:
            raise ValueError(f"grid entries must be numbers like 1e-3, got {p!r} in {text!r}") from None
    return check_grid(vals)


def job_key(**parts: Any) -> str:
    """A results-file key from the fields that determine a run's outcome."""
    return "|".join(f"{k}={parts[k]}" for k in sorted(parts)) + f"|schema={SCHEMA}"


def run_job_spec(cfg: BenchConfig, method: str, peak: float, seed: int,
                 lr_schedule: dict[str, Any] | None = None, steps: int | None = None) -> dict[str, Any]:
    """The job dict of one run of ``method``; ``lr_schedule`` (a schedule config) makes the
    LR schedule absolute (the finder-recommended method)."""
    from ..config import from_config

    n = int(steps if steps is not None else cfg.steps or 0)
    m = METHODS[method]
    if lr_schedule is not None:
        fp = from_config(lr_schedule).fingerprint()
        if m.beta1 is not None:
            fp += "+" + m.beta1(n).fingerprint()
    else:
        fp = m.fingerprint(n)
    pkg = "" if m.optimizer == "adamw" else f"{m.package}-{m.package_version()}"
    task = get_task(cfg.task)
    # a task that declares SGD says so in the key (AdamW tasks' keys stay as they were)
    topt = {"topt": task.optimizer_label} if m.optimizer == "adamw" and task.optimizer != "adamw" else {}
    key = job_key(task=cfg.task, kind="run", method=method, peak=f"{peak:.6g}", seed=seed, steps=n,
                  evals=cfg.evals, data=task.fingerprint(), sched=fp, opt=m.optimizer, pkg=pkg, **topt)
    job: dict[str, Any] = {"key": key, "kind": "run", "task": cfg.task, "method": method, "peak": peak,
                           "seed": seed, "steps": n, "evals": cfg.evals}
    if lr_schedule is not None:
        job["lr_schedule"] = lr_schedule
    return job


def finder_job(cfg: BenchConfig, seed: int = SELECTION_SEED) -> dict[str, Any]:
    """The LR range test job (selection seed, :func:`glideslope.find_lr`'s defaults; the key
    holds the finder's code fingerprint)."""
    settings = finder_settings()
    key = job_key(task=cfg.task, kind="finder", seed=seed, data=get_task(cfg.task).fingerprint(),
                  code=finder_code(), **{k: f"{v}" for k, v in settings.items()})
    return {"key": key, "kind": "finder", "task": cfg.task, "seed": seed, **settings}


def best_peak(records: list[dict[str, Any]]) -> float:
    """The peak with the lowest final validation loss (a diverged run counts as infinitely
    bad; ties go to the smaller peak)."""
    def score(r: dict[str, Any]) -> float:
        v = r.get("val_loss")
        return math.inf if v is None else float(v)
    return float(min(records, key=lambda r: (score(r), r["peak"]))["peak"])


@dataclass
class BenchOutcome:
    """What :func:`run_benchmark` produced.

    Attributes:
        config: the validated config.
        grid_records: per gridded method, its selection-seed run at every grid LR.
        eval_records: per method, its reporting-seed runs (seeds ``1..seeds``).
        best: per method, the peak it ran at (chosen on the grid, recommended, or fixed).
        finder: the finder job's record (None without a finder-tuned method).
        recommended: what :func:`glideslope.recommend` gave (None without a finder).
        skipped: one note per method whose optimizer package is missing.
        ran, reused: jobs run now, and jobs found in the results file.
        wall: seconds this call took.
    """

    config: BenchConfig
    grid_records: dict[str, list[dict[str, Any]]]
    eval_records: dict[str, list[dict[str, Any]]]
    best: dict[str, float]
    finder: dict[str, Any] | None
    recommended: dict[str, Any] | None
    skipped: list[str]
    ran: int
    reused: int
    wall: float = 0.0


class _Plan:
    """The two stages of one config, planned from what stage 1 returned."""

    def __init__(self, cfg: BenchConfig) -> None:
        cfg.validate()
        self.cfg = cfg
        self.skipped = [note for m in cfg.methods if (note := METHODS[m].available()) is not None]
        gone = {n.split(":")[0] for n in self.skipped}
        self.methods = [m for m in cfg.methods if m not in gone]
        self.gridded = [m for m in self.methods if METHODS[m].tuning == "grid"]
        self.finder = any(METHODS[m].tuning == "finder" for m in self.methods)

    def stage1(self) -> list[dict[str, Any]]:
        c = self.cfg
        assert c.grid is not None
        jobs = [run_job_spec(c, m, lr, SELECTION_SEED) for m in self.gridded for lr in c.grid]
        return jobs + ([finder_job(c)] if self.finder else [])

    def choose(self, recs: dict[str, dict[str, Any]]) -> None:
        c = self.cfg
        assert c.grid is not None
        self.grid_records = {m: [recs[run_job_spec(c, m, lr, SELECTION_SEED)["key"]] for lr in c.grid]
                             for m in self.gridded}
        self.best = {m: best_peak(r) for m, r in self.grid_records.items()}
        self.finder_rec = recs[finder_job(c)["key"]] if self.finder else None
        self.recommended = recommend_for(self.finder_rec, int(c.steps or 0)) if self.finder_rec else None
        for m in self.methods:
            if METHODS[m].tuning == "finder":
                assert self.recommended is not None
                self.best[m] = self.recommended["peak"]
            elif METHODS[m].tuning == "none":
                self.best[m] = METHODS[m].lr

    def job(self, m: str, seed: int) -> dict[str, Any]:
        sched = self.recommended["schedule"] if (self.recommended and m == "finder-recommended") else None
        return run_job_spec(self.cfg, m, self.best[m], seed, lr_schedule=sched)

    def stage2(self) -> list[dict[str, Any]]:
        return [self.job(m, s) for s in range(1, int(self.cfg.seeds or 0) + 1) for m in self.methods]

    def outcome(self, recs: dict[str, dict[str, Any]], before: set[str], wall: float) -> BenchOutcome:
        ev = {m: [recs[self.job(m, s)["key"]] for s in range(1, int(self.cfg.seeds or 0) + 1)]
              for m in self.methods}
        keys = {j["key"] for j in self.stage1() + self.stage2()}
        return BenchOutcome(self.cfg, self.grid_records, ev, self.best, self.finder_rec, self.recommended,
                            self.skipped, ran=len(keys - before), reused=len(keys & before), wall=wall)


def run_many(cfgs: list[BenchConfig], progress: bool = True, label: str = "bench",
             run: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> list[BenchOutcome]:
    """Run (or resume) several configs sharing one results file, workers and Ray setting:
    every config's selection stage together, then every reporting stage (no idle workers
    between configs). Returns one outcome per config."""
    import time

    t0 = time.perf_counter()
    plans = [_Plan(c) for c in cfgs]
    first = cfgs[0]
    assert first.results is not None and first.jobs is not None
    before = set(load_results(first.results))
    stage1 = [j for p in plans for j in p.stage1()]
    n2 = sum(len(p.methods) * int(p.cfg.seeds or 0) for p in plans)
    bar = Progress(len(stage1) + n2, f"{label} {first.task}", enabled=progress)
    recs = execute(stage1, first.results, first.jobs, bar, run, ray=first.ray)
    for p in plans:
        p.choose(recs)
    stage2 = [j for p in plans for j in p.stage2()]
    recs.update(execute(stage2, first.results, first.jobs, bar, run, ray=first.ray))
    wall = time.perf_counter() - t0
    return [p.outcome(recs, before, wall) for p in plans]


def run_benchmark(cfg: BenchConfig, progress: bool = True,
                  run: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> BenchOutcome:
    """Run (or resume) the benchmark described by ``cfg`` and return the outcome."""
    return run_many([cfg], progress, "bench", run)[0]


__all__ = [
    "SCHEMA", "SELECTION_SEED", "BenchConfig", "BenchOutcome", "best_peak", "check_grid", "finder_job",
    "job_key", "parse_grid", "run_benchmark", "run_job_spec", "run_many",
]
