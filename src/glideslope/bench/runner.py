"""Plan, run (on every core), record and resume a benchmark.

The plan is a list of *jobs* (dicts, see :mod:`glideslope.bench.train`), each with a ``key``
that says everything that determines its result (task, method, peak, seed, steps, ...).
Finished jobs are appended to a JSON-lines results file as they finish; on a later call with
the same file, jobs whose key is already there are not run again, so an interrupted benchmark
resumes where it stopped (a half-written last line is ignored).

The main benchmark runs in two stages:

1. the grid: every method at every peak LR of the grid, on the first seed (and the LR range
   test, for ``finder-one-cycle``);
2. the evaluation: every method at its best peak (lowest final validation loss on the first
   seed) on the remaining seeds; the seeds are the same for all methods (paired).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .methods import DEFAULT_METHODS, METHODS, check_methods
from .tasks import TASKS, Task

SCHEMA = 1
#: Which LR-finder suggestion ``finder-one-cycle`` peaks at (glideslope's default).
FINDER_SUGGESTION = "steepest"


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
        seeds: number of seeds (paired across methods); the first one tunes the peak.
        methods: method names (default: all).
        full: use the task's full budget, grid and 5 seeds (the README's full table).
        jobs: worker processes (default: the number of CPU cores).
        results: the JSON-lines results file (default ``bench-results/<task>[-full].jsonl``).
        evals: evaluations per run (None: the task's default).
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
    extra: dict[str, Any] = field(default_factory=dict)

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
            raise ValueError(f"seeds must be an int in [1, 100]; got {self.seeds!r}")
        self.methods = check_methods(tuple(self.methods))
        if self.jobs is None:
            self.jobs = max(1, min(os.cpu_count() or 1, 2 if self.task != "digits" else 1))
        if isinstance(self.jobs, bool) or not isinstance(self.jobs, int) or self.jobs < 1:
            raise ValueError(f"jobs must be an int >= 1; got {self.jobs!r}")
        if self.evals is None:
            self.evals = t.evals
        if isinstance(self.evals, bool) or not isinstance(self.evals, int) or not 2 <= self.evals <= self.steps:
            raise ValueError(f"evals must be an int in [2, steps={self.steps}]; got {self.evals!r}")
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


# ----------------------------------------------------------------------------------------
# results file
# ----------------------------------------------------------------------------------------

def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def load_results(path: str | Path) -> dict[str, dict[str, Any]]:
    """Finished records by key; lines that do not parse (an interrupted write) are skipped."""
    p = Path(path)
    out: dict[str, dict[str, Any]] = {}
    if not p.exists():
        return out
    with p.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict) and "key" in rec:
                out[rec["key"]] = rec
    return out


def append_result(path: str | Path, record: dict[str, Any]) -> None:
    """Append one record as a line, flushed to disk (so an interruption loses at most the
    runs still in flight)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(_clean(record), sort_keys=True, allow_nan=False)
    needs_nl = p.exists() and p.stat().st_size > 0 and not p.read_bytes().endswith(b"\n")
    with p.open("a", encoding="utf-8") as fh:
        if needs_nl:  # a half-written line from an interrupted run: end it, so it stays alone
            fh.write("\n")
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


# ----------------------------------------------------------------------------------------
# progress bar (stderr)
# ----------------------------------------------------------------------------------------

class Progress:
    """A one-line progress bar on stderr (redrawn in place on a terminal; on anything else a
    line at every 10% so logs stay short)."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total, self.label, self.done = total, label, 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.t0 = time.perf_counter()
        self._last_decile = -1

    def advance(self, note: str = "") -> None:
        self.done += 1
        self.draw(note)

    def draw(self, note: str = "") -> None:
        if not self.enabled or self.total <= 0:
            return
        frac = self.done / self.total
        width = 28
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        el = time.perf_counter() - self.t0
        eta = el / self.done * (self.total - self.done) if self.done else float("nan")
        eta_s = f"eta {eta / 60:4.1f} min" if math.isfinite(eta) else "eta   ?"
        text = f"{self.label} [{bar}] {self.done}/{self.total} runs  {el / 60:4.1f} min  {eta_s}  {note}"
        if self.tty:
            self.stream.write("\r" + text[:150].ljust(150))
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            decile = int(frac * 10)
            if decile != self._last_decile or self.done >= self.total:
                self._last_decile = decile
                self.stream.write(text + "\n")
        self.stream.flush()


# ----------------------------------------------------------------------------------------
# execution
# ----------------------------------------------------------------------------------------

def _init_worker() -> None:
    import signal

    import torch

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    torch.set_num_threads(1)


def execute(
    jobs: list[dict[str, Any]],
    results: str | Path,
    n_workers: int,
    progress: Progress | None = None,
    run: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Run the jobs not yet in ``results`` (in ``n_workers`` processes, one torch thread
    each), appending each record as it finishes; return all records of ``jobs`` by key."""
    from .train import run_job

    fn = run or run_job
    done = load_results(results)
    todo = [j for j in jobs if j["key"] not in done]
    if progress is not None:
        progress.done += len(jobs) - len(todo)
        progress.draw("(resumed)" if len(jobs) != len(todo) else "")
    if n_workers <= 1 or len(todo) <= 1:
        for j in todo:
            rec = fn({**j, "threads": 1})
            append_result(results, rec)
            done[j["key"]] = rec
            if progress is not None:
                progress.advance(_note(rec))
    elif todo:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        by_key = {j["key"]: j for j in todo}
        # a Pool (not ProcessPoolExecutor): terminate() stops the runs in flight cleanly on Ctrl-C
        with ctx.Pool(min(n_workers, len(todo)), initializer=_init_worker) as pool:
            try:
                for rec in pool.imap_unordered(fn, [{**j, "threads": 1} for j in todo], chunksize=1):
                    append_result(results, rec)
                    done[by_key[rec["key"]]["key"]] = rec
                    if progress is not None:
                        progress.advance(_note(rec))
            except BaseException:
                pool.terminate()  # interrupted or a run failed: what finished is saved
                raise
    return {j["key"]: done[j["key"]] for j in jobs}


def _note(rec: dict[str, Any]) -> str:
    if rec.get("kind") == "finder":
        return f"finder -> {rec.get('suggested', float('nan')):.2g}"
    name = rec.get("method") or rec.get("kind")
    fl = rec.get("final_loss")
    return f"{name} lr={rec.get('peak', 0):.2g} s{rec.get('seed')}: " + (f"{fl:.4f}" if fl is not None else "diverged")


def job_key(**parts: Any) -> str:
    """A results-file key from the fields that determine a run's outcome."""
    return "|".join(f"{k}={parts[k]}" for k in sorted(parts)) + f"|schema={SCHEMA}"


def run_job_spec(cfg: BenchConfig, method: str, peak: float, seed: int) -> dict[str, Any]:
    """The job dict of one main-benchmark run."""
    assert cfg.steps is not None and cfg.evals is not None
    return {
        "key": job_key(task=cfg.task, kind="run", method=method, peak=f"{peak:.6g}", seed=seed,
                       steps=cfg.steps, evals=cfg.evals),
        "kind": "run", "task": cfg.task, "method": method, "peak": peak, "seed": seed,
        "steps": cfg.steps, "evals": cfg.evals,
    }


def finder_job(cfg: BenchConfig, seed: int = 0) -> dict[str, Any]:
    """The LR range test job for ``finder-one-cycle`` (seed 0, 100 steps from 1e-5 to 1)."""
    return {
        "key": job_key(task=cfg.task, kind="finder", seed=seed, start=1e-5, end=1.0, steps=100),
        "kind": "finder", "task": cfg.task, "seed": seed, "start": 1e-5, "end": 1.0, "steps": 100,
    }


def best_peak(records: list[dict[str, Any]]) -> float:
    """The peak with the lowest final loss (a diverged run counts as infinitely bad)."""
    def score(r: dict[str, Any]) -> float:
        fl = r.get("final_loss")
        return math.inf if fl is None else float(fl)
    return float(min(records, key=lambda r: (score(r), r["peak"]))["peak"])


@dataclass
class BenchOutcome:
    """What :func:`run_benchmark` produced: the config, every record, and per method the
    chosen peak."""

    config: BenchConfig
    grid_records: dict[str, list[dict[str, Any]]]
    eval_records: dict[str, list[dict[str, Any]]]
    best: dict[str, float]
    finder: dict[str, Any] | None
    ran: int
    reused: int


def plan_grid(cfg: BenchConfig) -> list[dict[str, Any]]:
    """Stage 1: every gridded method at every grid point, first seed; plus the finder."""
    assert cfg.grid is not None
    jobs = [run_job_spec(cfg, m, lr, 0) for m in cfg.methods if not METHODS[m].finder for lr in cfg.grid]
    if any(METHODS[m].finder for m in cfg.methods):
        jobs.append(finder_job(cfg))
    return jobs


def run_benchmark(cfg: BenchConfig, progress: bool = True,
                  run: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> BenchOutcome:
    """Run (or resume) the main benchmark described by ``cfg`` and return the outcome."""
    cfg.validate()
    assert cfg.grid is not None and cfg.seeds is not None and cfg.results is not None and cfg.jobs is not None
    before = set(load_results(cfg.results))
    stage1 = plan_grid(cfg)
    n_finder = sum(1 for m in cfg.methods if METHODS[m].finder)
    total = len(stage1) + (len(cfg.methods) - n_finder) * (cfg.seeds - 1) + n_finder * cfg.seeds
    bar = Progress(total, f"bench {cfg.task}", enabled=progress)
    recs = execute(stage1, cfg.results, cfg.jobs, bar, run)
    grid_records: dict[str, list[dict[str, Any]]] = {}
    best: dict[str, float] = {}
    finder_rec = None
    for m in cfg.methods:
        if METHODS[m].finder:
            finder_rec = recs[finder_job(cfg)["key"]]
            best[m] = float(finder_rec["finder"]["suggestions"][FINDER_SUGGESTION]["lr"])
            continue
        grid_records[m] = [recs[run_job_spec(cfg, m, lr, 0)["key"]] for lr in cfg.grid]
        best[m] = best_peak(grid_records[m])
    stage2 = []
    for m in cfg.methods:
        seeds = range(cfg.seeds) if METHODS[m].finder else range(1, cfg.seeds)
        stage2 += [run_job_spec(cfg, m, best[m], s) for s in seeds]
    recs2 = execute(stage2, cfg.results, cfg.jobs, bar, run)
    eval_records: dict[str, list[dict[str, Any]]] = {}
    for m in cfg.methods:
        rows = [recs2.get(run_job_spec(cfg, m, best[m], s)["key"]) or recs[run_job_spec(cfg, m, best[m], s)["key"]]
                for s in range(cfg.seeds)]
        eval_records[m] = rows
    keys = {j["key"] for j in stage1 + stage2}
    return BenchOutcome(cfg, grid_records, eval_records, best, finder_rec,
                        ran=len(keys - before), reused=len(keys & before))


# ----------------------------------------------------------------------------------------
# cooldown from anywhere
# ----------------------------------------------------------------------------------------

BRANCH_FRACTIONS = (0.25, 0.5, 0.75, 1.0)
COOLDOWN_FRACTION = 0.2


@dataclass
class CooldownOutcome:
    """The cooldown study: per seed the constant run, per branch point the WSD branch and the
    separate cosine run of the same total length."""

    config: BenchConfig
    peak: float
    warmup: int
    branches: list[int]
    lengths: list[int]
    stable: list[dict[str, Any]]
    wsd: dict[int, list[dict[str, Any]]]
    cosine: dict[int, list[dict[str, Any]]]
    ran: int
    reused: int


def run_cooldowns(cfg: BenchConfig, peak: float, shape: str = "1-sqrt", progress: bool = True,
                  run: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> CooldownOutcome:
    """One constant-LR run of ``steps`` (after a short warmup) saves checkpoints at 25/50/75/100%;
    from each a WSD cooldown (20% of the resulting run) is branched, and compared with a separate
    warmup+cosine run of the same total length. Repeated for each seed."""
    cfg.validate()
    assert cfg.steps is not None and cfg.seeds is not None and cfg.results is not None and cfg.jobs is not None
    from ..shapes import COOLDOWN_SHAPES

    if shape not in COOLDOWN_SHAPES or shape == "exponential":
        raise ValueError(f"shape must be one of linear, cosine, 1-sqrt, square; got {shape!r}")
    if isinstance(peak, bool) or not isinstance(peak, (int, float)) or not (0 < peak <= 10):
        raise ValueError(f"peak must be a learning rate in (0, 10]; got {peak!r}")
    T = cfg.steps  # noqa: N806
    branches = [round(T * f) for f in BRANCH_FRACTIONS]
    cools = [max(1, round(b * COOLDOWN_FRACTION / (1 - COOLDOWN_FRACTION))) for b in branches]
    lengths = [b + c for b, c in zip(branches, cools)]
    warm = max(1, round(0.05 * branches[0]))
    ckpt_dir = str(Path(cfg.results).with_suffix("").as_posix() + "-checkpoints")
    before = set(load_results(cfg.results))
    common = {"task": cfg.task, "peak": peak, "evals": cfg.evals}

    def stable_job(seed: int) -> dict[str, Any]:
        prefix = f"{cfg.task}-stable-p{peak:.6g}-T{T}-w{warm}-s{seed}"
        return {**common, "key": job_key(kind="stable", task=cfg.task, peak=f"{peak:.6g}", seed=seed, steps=T,
                                         warmup=warm, evals=cfg.evals),
                "kind": "stable", "seed": seed, "steps": T, "warmup": warm, "save_at": branches,
                "checkpoint_dir": ckpt_dir, "ckpt_prefix": prefix}

    def cosine_job(seed: int, n: int) -> dict[str, Any]:
        return {**common, "key": job_key(kind="cosine", task=cfg.task, peak=f"{peak:.6g}", seed=seed, steps=n,
                                         warmup=warm, evals=cfg.evals),
                "kind": "cosine", "seed": seed, "steps": n, "warmup": warm}

    def branch_job(seed: int, b: int, c: int) -> dict[str, Any]:
        sj = stable_job(seed)
        return {**common, "key": job_key(kind="branch", task=cfg.task, peak=f"{peak:.6g}", seed=seed, steps=b + c,
                                         branch=b, warmup=warm, shape=shape, evals=cfg.evals, stable_steps=T),
                "kind": "branch", "seed": seed, "steps": b + c, "branch": b, "cooldown": c, "warmup": warm,
                "shape": shape, "checkpoint": str(Path(ckpt_dir) / f"{sj['ckpt_prefix']}-step{b}.pt")}

    seeds = range(cfg.seeds)
    stage1 = [stable_job(s) for s in seeds] + [cosine_job(s, n) for s in seeds for n in lengths]
    stage2 = [branch_job(s, b, c) for s in seeds for b, c in zip(branches, cools)]
    bar = Progress(len(stage1) + len(stage2), f"cooldowns {cfg.task}", enabled=progress)
    # a branch whose checkpoint is gone (deleted) needs its stable run again
    done = load_results(cfg.results)
    for j in stage2:
        if j["key"] not in done and not Path(j["checkpoint"]).exists():
            sk = stable_job(j["seed"])["key"]
            if sk in done:
                raise ValueError(
                    f"checkpoint {j['checkpoint']} is missing but its constant run is recorded in "
                    f"{cfg.results}; delete that run's line (key {sk}) to redo it"
                )
    r1 = execute(stage1, cfg.results, cfg.jobs, bar, run)
    r2 = execute(stage2, cfg.results, cfg.jobs, bar, run)
    keys = {j["key"] for j in stage1 + stage2}
    return CooldownOutcome(
        cfg, peak, warm, branches, lengths,
        stable=[r1[stable_job(s)["key"]] for s in seeds],
        wsd={n: [r2[branch_job(s, b, c)["key"]] for s in seeds] for b, c, n in zip(branches, cools, lengths)},
        cosine={n: [r1[cosine_job(s, n)["key"]] for s in seeds] for n in lengths},
        ran=len(keys - before), reused=len(keys & before),
    )


__all__ = [
    "BenchConfig",
    "BenchOutcome",
    "CooldownOutcome",
    "Progress",
    "Task",
    "append_result",
    "best_peak",
    "check_grid",
    "execute",
    "job_key",
    "load_results",
    "parse_grid",
    "run_benchmark",
    "run_cooldowns",
]
