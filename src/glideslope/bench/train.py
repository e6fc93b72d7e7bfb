"""One training run of a benchmark task: the loop every contender shares.

A run is described by a plain dict (a *job*, picklable, so it can go to a worker process)
and returns a plain dict (a *record*, JSON-safe, one line of the results file). Each step sets
``group['lr'] = peak * multiplier(step)`` itself (what ``glideslope.torch.ScheduleLR`` does).

Job kinds:

* ``"run"``: a method at a peak LR and seed for ``steps`` steps;
* ``"finder"``: the LR range test on the task's model (for ``finder-one-cycle``);
* ``"stable"``: the constant phase of WSD (warmup then the peak), saving a checkpoint at
  each step of ``save_at``;
* ``"cosine"``: warmup then cosine to 0 (the cooldown study's reference runs);
* ``"branch"``: a WSD cooldown started from the ``stable`` run's checkpoint at ``branch``
  (with ``checkpoint`` None: the same WSD schedule trained from step 0, which must give the
  same result, since batches depend only on ``(seed, step)``).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from ..finder import find_lr
from ..plateau import ReduceOnPlateau
from ..schedule import Schedule
from .methods import METHODS, branch_schedule, cosine_schedule, stable_schedule
from .tasks import get_task

#: Evaluations on a small fixed held-out subset during a run (curves, plateau, steps-to-target).
LR_SAMPLES = 100


def _eval_steps(steps: int, evals: int, start: int = 0) -> list[int]:
    pts = sorted({round(steps * k / evals) for k in range(1, evals + 1)} | {steps})
    return [p for p in pts if p > start]


def _set_lr(optimizer: Any, lr: float) -> None:
    for g in optimizer.param_groups:
        g["lr"] = lr


def _make_optimizer(task: Any, model: Any, peak: float, steps: int, schedule_free: bool) -> Any:
    import torch

    if schedule_free:
        import schedulefree  # type: ignore[import-untyped,unused-ignore]

        return schedulefree.AdamWScheduleFree(
            model.parameters(), lr=peak, warmup_steps=max(1, steps // 20), weight_decay=task.weight_decay
        )
    return torch.optim.AdamW(model.parameters(), lr=peak, weight_decay=task.weight_decay)


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Run one job (see the module docstring) in this process; return its record."""
    import torch

    torch.set_num_threads(int(job.get("threads", 1)))
    kind = job["kind"]
    if kind == "finder":
        return _run_finder(job)
    return _train(job)


def _run_finder(job: dict[str, Any]) -> dict[str, Any]:
    import torch

    t0 = time.perf_counter()
    task = get_task(job["task"])
    seed = int(job["seed"])
    model = task.model(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=task.weight_decay)
    step = [0]

    def train_step(lr: float) -> float:
        x, y = task.batch(seed, step[0])
        step[0] += 1
        _set_lr(opt, lr)
        opt.zero_grad(set_to_none=True)
        loss = task.loss(model, x, y)
        loss.backward()
        opt.step()
        return float(loss.detach())

    result = find_lr(train_step, start=job.get("start", 1e-5), end=job.get("end", 1.0),
                     steps=int(job.get("steps", 100)))
    return {**job, "finder": result.to_dict(), "suggested": result.suggested,
            "wall": time.perf_counter() - t0}


def _train(job: dict[str, Any]) -> dict[str, Any]:
    import torch

    t0 = time.perf_counter()
    task = get_task(job["task"])
    seed, steps, peak = int(job["seed"]), int(job["steps"]), float(job["peak"])
    kind = job["kind"]
    start = 0
    plateau = None
    schedule_free = False
    if kind == "run":
        method = METHODS[job["method"]]
        mult: Schedule = method.multiplier(steps)
        schedule_free = method.schedule_free
        if method.plateau:
            plateau = ReduceOnPlateau(mode="min", factor=0.5, patience=1, threshold=1e-3)
    elif kind == "stable":
        mult = stable_schedule(int(job["warmup"]), steps)
    elif kind == "cosine":
        mult = cosine_schedule(int(job["warmup"]), steps)
    elif kind == "branch":
        mult = branch_schedule(int(job["warmup"]), int(job["branch"]), int(job["cooldown"]), job["shape"])
        start = int(job["branch"])
    else:
        raise ValueError(f"job kind must be run, finder, stable, cosine or branch; got {kind!r}")

    model = task.model(seed)
    opt = _make_optimizer(task, model, peak, steps, schedule_free)
    if kind == "branch" and job.get("checkpoint") is None:
        start = 0  # the same WSD run, straight through (no checkpoint): for checks
    elif kind == "branch":
        state = torch.load(job["checkpoint"], weights_only=True)
        if int(state["step"]) != start:
            raise ValueError(f"checkpoint {job['checkpoint']} is at step {state['step']}, not {start}")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
    save_at = {int(s) for s in job.get("save_at", ())}
    ckpt_dir = Path(job["checkpoint_dir"]) if save_at else None
    evals = _eval_steps(steps, int(job.get("evals", task.evals)), start)
    lr_every = max(1, steps // LR_SAMPLES)

    curve: list[list[float | None]] = []
    lr_curve: list[list[float]] = []
    train_ema, n_ema = 0.0, 0
    diverged_at: int | None = None
    model.train()
    if schedule_free:
        opt.train()
    for t in range(start, steps):
        scale = plateau.scale if plateau is not None else 1.0
        lr = peak * float(mult(t)) * scale
        _set_lr(opt, lr)
        if t % lr_every == 0:
            lr_curve.append([t, lr])
        x, y = task.batch(seed, t)
        opt.zero_grad(set_to_none=True)
        loss = task.loss(model, x, y)
        lv = float(loss.detach())
        if not math.isfinite(lv):
            diverged_at = t
            break
        loss.backward()
        opt.step()
        train_ema = 0.9 * train_ema + 0.1 * lv
        n_ema += 1
        done = t + 1
        if done in save_at and ckpt_dir is not None:
            ckpt_dir.mkdir(parents=True, exist_ok=True)
            path = ckpt_dir / f"{job['ckpt_prefix']}-step{done}.pt"
            tmp = path.with_suffix(".tmp")
            torch.save({"step": done, "model": model.state_dict(), "optimizer": opt.state_dict()}, tmp)
            tmp.replace(path)
        if done in evals:
            if schedule_free:
                opt.eval()
            vl, acc = task.evaluate(model)
            if schedule_free:
                opt.train()
            curve.append([done, vl, acc, train_ema / (1 - 0.9**n_ema)])
            if not math.isfinite(vl):
                diverged_at = done
                break
            if plateau is not None:
                plateau.update(vl)
    final_loss: float | None = None
    final_acc: float | None = None
    if diverged_at is None:
        if schedule_free:
            opt.eval()
        final_loss, final_acc = task.evaluate(model, final=True)
        if not math.isfinite(final_loss):
            diverged_at, final_loss, final_acc = steps, None, None
    return {
        **{k: v for k, v in job.items() if k not in ("checkpoint_dir", "threads")},
        "final_loss": final_loss,
        "final_acc": final_acc if task.has_accuracy else None,
        "diverged_at": diverged_at,
        "curve": curve,
        "lr_curve": lr_curve,
        "plateau_reductions": plateau.reductions if plateau is not None else None,
        "wall": time.perf_counter() - t0,
    }
