"""The cooldown study: WSD cooldowns branched from one constant run against cosine runs.

One constant-LR run (after a short warmup) saves checkpoints at 25/50/75/100% of its steps;
from each, a WSD cooldown of 20% of the resulting run is branched and compared with a
separate warmup+cosine run of the same total length, paired over seeds. Reported numbers are
test losses; the peak is given (``--peak``), not chosen here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .executor import Progress, execute, load_results
from .runner import BenchConfig, job_key
from .tasks import get_task

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
    data = get_task(cfg.task).fingerprint()

    def stable_job(seed: int) -> dict[str, Any]:
        prefix = f"{cfg.task}-stable-p{peak:.6g}-T{T}-w{warm}-s{seed}"
        return {**common, "key": job_key(kind="stable", task=cfg.task, data=data, peak=f"{peak:.6g}",
                                         seed=seed, steps=T,
                                         warmup=warm, evals=cfg.evals),
                "kind": "stable", "seed": seed, "steps": T, "warmup": warm, "save_at": branches,
                "checkpoint_dir": ckpt_dir, "ckpt_prefix": prefix}

    def cosine_job(seed: int, n: int) -> dict[str, Any]:
        return {**common, "key": job_key(kind="cosine", task=cfg.task, data=data, peak=f"{peak:.6g}",
                                         seed=seed, steps=n,
                                         warmup=warm, evals=cfg.evals),
                "kind": "cosine", "seed": seed, "steps": n, "warmup": warm}

    def branch_job(seed: int, b: int, c: int) -> dict[str, Any]:
        sj = stable_job(seed)
        return {**common, "key": job_key(kind="branch", task=cfg.task, data=data, peak=f"{peak:.6g}",
                                         seed=seed, steps=b + c,
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
    r1 = execute(stage1, cfg.results, cfg.jobs, bar, run, ray=cfg.ray)
    r2 = execute(stage2, cfg.results, cfg.jobs, bar, run, ray=cfg.ray)
    keys = {j["key"] for j in stage1 + stage2}
    return CooldownOutcome(
        cfg, peak, warm, branches, lengths,
        stable=[r1[stable_job(s)["key"]] for s in seeds],
        wsd={n: [r2[branch_job(s, b, c)["key"]] for s in seeds] for b, c, n in zip(branches, cools, lengths)},
        cosine={n: [r1[cosine_job(s, n)["key"]] for s in seeds] for n in lengths},
        ran=len(keys - before), reused=len(keys & before),
    )


__all__ = ["BRANCH_FRACTIONS", "COOLDOWN_FRACTION", "CooldownOutcome", "run_cooldowns"]
