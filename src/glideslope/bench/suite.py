"""The task suite: every contender against a full grid search, on every task of the benchmark.

Each *entry* is a task at one of its budgets (:attr:`.task_base.Task.suite_budgets`). Per
entry, on the selection seed 0 (validation loss decides):

1. **the grid**: 12 peaks at 2x spacing (:meth:`.task_base.Task.suite_grid`) x
   {warmup+cosine to 0, warmup+linear to 0, warmup+WSD (20% 1-sqrt cooldown)}, 36 runs; the
   grid-best is the (shape, peak) with the lowest final validation loss;
2. **the range test** (:func:`glideslope.find_lr`'s defaults, the task's optimizer);
3. **the pilots** (:func:`glideslope.recommend_with_pilots`: its own range test of
   ``min(100, T // 5)`` steps and 6 pilots, at most ``T`` optimizer steps in all).

Then on the reporting seeds ``1..seeds`` (test loss reported; paired across contenders):
the grid-best, the untuned default (``default-lr``: the optimizer's default LR under
warmup+cosine; torch's 1e-3 for AdamW and for SGD), fastai's recipe (one-cycle at the range
test's ``valley``; beta1 cycled 0.95-0.85-0.95 on AdamW, LR only on SGD), the range-test-only
:func:`glideslope.recommend`, the pilot-based recommendation, and on AdamW tasks
schedule-free AdamW at its default LR (0.0025) and at the pilot recommendation's peak,
Prodigy and D-Adaptation (both at lr=1.0). Each contender's tuning compute is counted in
optimizer steps (:data:`TUNING`).

The held-out split is :data:`SPLIT_FILE`, committed before any result was run. Records go to
one JSON-lines file (:data:`RESULTS`), keyed by fingerprints (task data, schedule, optimizer
package) as in :mod:`.runner`, so a run resumes and a changed rule reruns what it changes.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cycles import one_cycle
from ..tune.pilots import N_PILOTS, PILOT_SHAPE, exponent_for_epochs, vertex
from ..tune.recommendation import WARMUP_FRACTION, build_schedule
from .executor import Progress, execute, load_results
from .runner import SELECTION_SEED, BenchConfig, finder_job, job_key, run_job_spec
from .tasks import TASKS, TaskUnavailable, get_task
from .tuning import recommend_for

#: The committed records of the suite.
RESULTS = "benchmarks/results/suite.jsonl"
#: The held-out split (committed before any suite result was run).
SPLIT_FILE = Path(__file__).with_name("suite_split.json")
#: The grid's shapes (methods of :mod:`.methods`).
GRID_SHAPES = ("warmup-cosine", "linear-to-zero", "wsd-1-sqrt")
#: Validation evaluations during each suite run (the final one is what counts).
SUITE_EVALS = 2
#: Reporting seeds of the suite.
SEEDS = 5
#: schedule-free's own default learning rate (schedulefree.AdamWScheduleFree).
SCHEDULE_FREE_LR = 0.0025

#: The contenders, in table order, with how their tuning compute is counted.
TUNING = {
    "grid-best": "36 runs of the budget (12 peaks x 3 shapes)",
    "default-lr": "0 (the optimizer's default LR)",
    "fastai": "the range test (100 steps or fewer)",
    "recommend": "the range test (100 steps or fewer)",
    "pilots": "its own range test + 6 pilots (at most one run)",
    "schedule-free": "0 (its default lr 0.0025)",
    "schedule-free@pilots": "the pilots' tuning",
    "prodigy": "0 (lr 1.0)",
    "dadapt-adam": "0 (lr 1.0)",
}
CONTENDERS = tuple(TUNING)
#: Contenders only AdamW tasks get (their optimizers are Adam-family).
ADAMW_ONLY = ("schedule-free", "schedule-free@pilots", "prodigy", "dadapt-adam")


def load_split(path: Path | str = SPLIT_FILE) -> dict[str, Any]:
    """The split file: ``{"held_out": {task: reason}, "fitted": [task, ...], "retired": {task:
    reason}}``, checked: every registered task on exactly one of the three sides (a retired
    task is registered but not in the suite)."""
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    data.setdefault("retired", {})
    held, fitted, retired = set(data["held_out"]), set(data["fitted"]), set(data["retired"])
    if held & fitted or held & retired or fitted & retired or (held | fitted | retired) != set(TASKS):
        raise ValueError(f"{path}: held_out, fitted and retired must split the tasks {sorted(TASKS)} exactly; "
                         f"got held_out={sorted(held)}, fitted={sorted(fitted)}, retired={sorted(retired)}")
    return data


@dataclass(frozen=True)
class Entry:
    """One task at one budget, held out or fitted."""

    task: str
    steps: int
    held_out: bool

    @property
    def label(self) -> str:
        return f"{self.task}@{self.steps}"


def entries(tasks: list[str] | None = None) -> list[Entry]:
    """Every (task, budget) of the suite, in the registry's order; ``tasks`` restricts them
    (to suite tasks: a retired one is refused)."""
    split = load_split()
    suite = [n for n in TASKS if n not in split["retired"]]
    names = suite if tasks is None else tasks
    for n in names:
        if n not in suite:
            raise ValueError(f"task must be one of {', '.join(suite)}; got {n!r}"
                             + (f" ({n} is retired: {split['retired'][n]})" if n in split["retired"] else ""))
    return [Entry(n, b, n in split["held_out"]) for n in names for b in TASKS[n]().suite_budgets]


def config(e: Entry, results: str = RESULTS, jobs: int = 2, seeds: int = SEEDS, ray: str | None = None) -> BenchConfig:
    """The bench config of an entry (its budget, its 12-point grid, the suite's evaluations)."""
    t = TASKS[e.task]()
    return BenchConfig(task=e.task, steps=e.steps, grid=t.suite_grid(), seeds=seeds, methods=GRID_SHAPES,
                       jobs=jobs, results=results, evals=SUITE_EVALS, ray=ray).validate()


def pilot_job(cfg: BenchConfig, shape: str = PILOT_SHAPE) -> dict[str, Any]:
    """The pilots job of an entry: :func:`glideslope.recommend_with_pilots` on seed 0."""
    key = job_key(task=cfg.task, kind="pilots", seed=SELECTION_SEED, steps=cfg.steps, shape=shape,
                  pilots=N_PILOTS, data=get_task(cfg.task).fingerprint())
    return {"key": key, "kind": "pilots", "task": cfg.task, "seed": SELECTION_SEED, "steps": cfg.steps,
            "shape": shape}


def run_suite_job(job: dict[str, Any]) -> dict[str, Any]:
    """Run a suite job: a pilots job here, anything else through :func:`.train.run_job`."""
    if job["kind"] == "pilots":
        from .suite_pilots import run_pilots

        return run_pilots(job)
    from .train import run_job

    return run_job(job)


def pilot_peak(record: dict[str, Any], exponent: float) -> tuple[float, float, int]:
    """``(corrected peak, pilots' peak, pilot length)`` from a pilots record: the vertex of
    its pilots, times ``(h / T) ** exponent`` (what :func:`glideslope.recommend_with_pilots`
    computes from the same pilots)."""
    pilots = record["recommendation"]["pilots"]
    loss = [math.inf if p["loss"] is None else float(p["loss"]) for p in pilots]
    p_hat, _ = vertex([float(p["peak"]) for p in pilots], loss)
    h = int(pilots[0]["steps"])
    return float(f"{p_hat * (h / int(record['steps'])) ** exponent:.3g}"), p_hat, h


@dataclass
class EntryPlan:
    """The jobs of one entry, stage by stage, and what stage 1 chose."""

    entry: Entry
    cfg: BenchConfig
    grid: list[dict[str, Any]] = field(default_factory=list)
    chosen: dict[str, Any] = field(default_factory=dict)

    def stage1(self) -> list[dict[str, Any]]:
        c = self.cfg
        self.grid = [run_job_spec(c, m, lr, SELECTION_SEED) for m in GRID_SHAPES for lr in (c.grid or ())]
        return [*self.grid, finder_job(c), pilot_job(c)]

    def exponent(self) -> float:
        """The horizon correction's exponent for this entry: by the passes over its data."""
        return exponent_for_epochs(get_task(self.entry.task).epochs(int(self.cfg.steps or 0)))

    def choose(self, recs: dict[str, dict[str, Any]]) -> None:
        """Read stage 1: the grid-best, the finder's recommendation and valley, the pilots
        (their peak corrected by :meth:`exponent`, as ``recommend_with_pilots(epochs=...)``)."""
        c, n = self.cfg, int(self.cfg.steps or 0)
        grid = [recs[j["key"]] for j in self.grid]
        best = min(grid, key=lambda r: (math.inf if r["val_loss"] is None else r["val_loss"], r["peak"]))
        finder = recs[finder_job(c)["key"]]
        pilots = recs[pilot_job(c)["key"]]
        peak, p_hat, h = pilot_peak(pilots, self.exponent())
        valley = float(finder["finder"]["suggestions"].get("valley", {"lr": finder["suggested"]})["lr"])
        self.chosen = {
            "grid": grid, "best_method": best["method"], "best_peak": float(best["peak"]),
            "finder": finder, "recommend": recommend_for(finder, n), "valley": valley, "pilots": pilots,
            "pilot_peak": peak, "pilot_p_hat": p_hat, "pilot_h": h,
            "pilot_schedule": build_schedule(peak, max(1, round(WARMUP_FRACTION * n)), pilots["shape"], n),
        }

    def contenders(self) -> list[str]:
        adamw = TASKS[self.entry.task]().optimizer == "adamw"
        return [c for c in CONTENDERS if adamw or c not in ADAMW_ONLY]

    def job(self, contender: str, seed: int) -> dict[str, Any]:
        c, ch, n = self.cfg, self.chosen, int(self.cfg.steps or 0)
        adamw = TASKS[self.entry.task]().optimizer == "adamw"
        if contender == "grid-best":
            return run_job_spec(c, ch["best_method"], ch["best_peak"], seed)
        if contender == "default-lr":
            return run_job_spec(c, "default-lr", TASKS[self.entry.task]().default_lr, seed)
        if contender == "fastai":
            sched = one_cycle(peak=ch["valley"]).bind(total_steps=n).to_config()
            method = "one-cycle-momentum" if adamw else "one-cycle"
            return run_job_spec(c, method, ch["valley"], seed, lr_schedule=sched)
        if contender == "recommend":
            return run_job_spec(c, "finder-recommended", ch["recommend"]["peak"], seed,
                                lr_schedule=ch["recommend"]["schedule"])
        if contender == "pilots":
            return run_job_spec(c, "pilot-recommended", ch["pilot_peak"], seed,
                                lr_schedule=ch["pilot_schedule"].to_config())
        if contender == "schedule-free":
            return run_job_spec(c, "schedule-free", SCHEDULE_FREE_LR, seed)
        if contender == "schedule-free@pilots":
            return run_job_spec(c, "schedule-free-finder", ch["pilot_peak"], seed)
        return run_job_spec(c, contender, 1.0, seed)  # prodigy, dadapt-adam

    def stage2(self) -> list[dict[str, Any]]:
        return [self.job(m, s) for s in range(1, int(self.cfg.seeds or 0) + 1) for m in self.contenders()]

    def tuning_steps(self, contender: str) -> int:
        """The contender's tuning compute in optimizer steps."""
        ch, n = self.chosen, int(self.cfg.steps or 0)
        if contender == "grid-best":
            return len(self.grid) * n
        if contender in ("fastai", "recommend"):
            return int(ch["finder"]["sweep_steps"])
        if contender in ("pilots", "schedule-free@pilots"):
            return int(ch["pilots"]["recommendation"]["tuning_steps"])
        return 0


def plan(tasks: list[str] | None = None, results: str = RESULTS, jobs: int = 2, seeds: int = SEEDS,
         ray: str | None = None) -> tuple[list[EntryPlan], list[str]]:
    """The plans of every entry whose task's data is here, and a note per task that is not."""
    out: list[EntryPlan] = []
    missing: list[str] = []
    for e in entries(tasks):
        try:
            get_task(e.task)
        except TaskUnavailable as exc:
            if e.task not in {m.split(":")[0] for m in missing}:
                missing.append(f"{e.task}: {exc}")
            continue
        out.append(EntryPlan(e, config(e, results, jobs, seeds, ray)))
    return out, missing


def run_suite(tasks: list[str] | None = None, results: str = RESULTS, jobs: int = 2, seeds: int = SEEDS,
              ray: str | None = None, progress: bool = True, stage: int = 2,
              run: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> tuple[list[EntryPlan], list[str]]:
    """Run (or resume) the suite: stage 1 of every entry, then (``stage=2``) every reporting
    run. Returns the plans (chosen, when stage 1 is complete) and the unavailable tasks."""
    plans, missing = plan(tasks, results, jobs, seeds, ray)
    t0 = time.perf_counter()
    stage1 = [j for p in plans for j in p.stage1()]
    bar = Progress(len(stage1), "suite (selection seed)", enabled=progress)
    recs = execute(stage1, results, jobs, bar, run or run_suite_job, ray=ray)
    for p in plans:
        p.choose(recs)
    if stage >= 2:
        stage2 = [j for p in plans for j in p.stage2()]
        bar = Progress(len(stage2), "suite (reporting seeds)", enabled=progress)
        execute(stage2, results, jobs, bar, run or run_suite_job, ray=ray)
    if progress:
        print(f"suite: {len(plans)} entries, {time.perf_counter() - t0:.0f} s", flush=True)
    return plans, missing


def read_suite(tasks: list[str] | None = None,
               results: str = RESULTS) -> tuple[list[EntryPlan], dict[str, Any], list[str]]:
    """The plans chosen from the records alone (no training): entries whose stage 1 is not
    complete in ``results`` are left out and named in the notes."""
    plans, notes = plan(tasks, results)
    recs = load_results(results)
    ready = []
    for p in plans:
        keys = [j["key"] for j in p.stage1()]
        if all(k in recs for k in keys):
            p.choose(recs)
            ready.append(p)
        else:
            notes.append(f"{p.entry.label}: selection stage not in {results} "
                         f"({sum(k not in recs for k in keys)} of {len(keys)} records missing)")
    return ready, recs, notes


__all__ = ["CONTENDERS", "GRID_SHAPES", "RESULTS", "SEEDS", "SPLIT_FILE", "TUNING", "Entry", "EntryPlan",
           "config", "entries", "load_split", "pilot_job", "pilot_peak", "plan", "read_suite", "run_suite",
           "run_suite_job"]
