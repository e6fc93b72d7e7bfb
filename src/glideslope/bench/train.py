"""One training run of a benchmark task: the loop every contender shares.

A run is described by a plain dict (a *job*, picklable, so it can go to a worker process or
a Ray task) and returns a plain dict (a *record*, JSON-safe, one line of the results file).
The learning rate (and, for one-cycle with momentum, Adam's beta1) is driven by
:class:`glideslope.torch.ScheduleLR`; the plateau method uses
:class:`glideslope.torch.ReduceLROnPlateau`. Nothing sets ``group['lr']`` by hand.

Every record carries the Python and torch versions, the optimizer package's version, the
task's data fingerprint and the schedule's fingerprint (see :mod:`.runner` for how the
results cache uses them), the final **validation** loss (what peak choices read) and the
final **test** loss (what reports read).

Job kinds:

* ``"run"``: a method at a peak LR and seed for ``steps`` steps (``lr_schedule``: an absolute
  LR schedule's config, for the finder-tuned methods);
* ``"finder"``: the LR range test on the selection seed, and :func:`.tuning.recommend_for`
  at each of the job's ``budgets``;
* ``"stable"``: the constant phase of WSD (warmup then the peak), saving a checkpoint at
  each step of ``save_at``;
* ``"cosine"``: warmup then cosine to 0 (the cooldown study's reference runs);
* ``"branch"``: a WSD cooldown started from the ``stable`` run's checkpoint at ``branch``
  (with ``checkpoint`` None: the same WSD schedule trained from step 0, which must give the
  same result, since batches depend only on ``(seed, step)``).
"""

from __future__ import annotations

import contextlib
import io
import math
import platform
import time
from pathlib import Path
from typing import Any

from ..config import from_config
from ..schedule import Schedule
from .methods import METHODS, OPTIMIZERS, branch_schedule, cosine_schedule, stable_schedule
from .tasks import get_task

#: Points of the LR curve kept per run.
LR_SAMPLES = 100


def _eval_steps(steps: int, evals: int, start: int = 0) -> list[int]:
    pts = sorted({round(steps * k / evals) for k in range(1, evals + 1)} | {steps})
    return [p for p in pts if p > start]


def versions() -> dict[str, str]:
    """The Python and torch versions a record was produced under."""
    import torch

    return {"python": platform.python_version(), "torch": str(torch.__version__)}


def make_optimizer(name: str, params: Any, lr: float, weight_decay: float, steps: int) -> Any:
    """The optimizer called ``name`` (a key of :data:`.methods.OPTIMIZERS`) at ``lr``."""
    import importlib

    import torch

    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    module, cls = OPTIMIZERS[name]
    factory = getattr(importlib.import_module(module), cls)
    if name == "schedule-free":
        return factory(params, lr=lr, warmup_steps=max(1, steps // 20), weight_decay=weight_decay)
    # prodigyopt prints a line when decoupled decay is on; keep worker output clean
    with contextlib.redirect_stdout(io.StringIO()):
        return factory(params, lr=lr, weight_decay=weight_decay, decouple=True)


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Run one job (see the module docstring) in this process; return its record."""
    import torch

    torch.set_num_threads(int(job.get("threads", 1)))
    if job["kind"] == "finder":
        from .tuning import run_finder

        return {**run_finder(job), **versions()}
    return _train(job)


def _schedules(job: dict[str, Any]) -> tuple[Schedule, Schedule | None, str, bool]:
    """``(lr schedule, beta1 schedule or None, optimizer name, plateau)`` of a job; the LR
    schedule is a multiplier of the peak, or absolute for a ``lr_schedule`` job."""
    kind, steps = job["kind"], int(job["steps"])
    if kind == "run":
        method = METHODS[job["method"]]
        beta1 = method.beta1(steps) if method.beta1 is not None else None
        if job.get("lr_schedule") is not None:
            return from_config(job["lr_schedule"]), beta1, method.optimizer, method.plateau
        return method.multiplier(steps), beta1, method.optimizer, method.plateau
    if kind == "stable":
        return stable_schedule(int(job["warmup"]), steps), None, "adamw", False
    if kind == "cosine":
        return cosine_schedule(int(job["warmup"]), steps), None, "adamw", False
    if kind == "branch":
        s = branch_schedule(int(job["warmup"]), int(job["branch"]), int(job["cooldown"]), job["shape"])
        return s, None, "adamw", False
    raise ValueError(f"job kind must be run, finder, stable, cosine or branch; got {kind!r}")


def _train(job: dict[str, Any]) -> dict[str, Any]:
    import torch

    from ..torch import ReduceLROnPlateau, ScheduleLR
    from .methods import DISTRIBUTIONS

    t0, c0 = time.perf_counter(), time.process_time()
    task = get_task(job["task"])
    seed, steps, peak = int(job["seed"]), int(job["steps"]), float(job["peak"])
    kind = job["kind"]
    lr_sched, beta1_sched, opt_name, use_plateau = _schedules(job)
    absolute = job.get("lr_schedule") is not None
    start = int(job["branch"]) if kind == "branch" and job.get("checkpoint") is not None else 0

    model = task.model(seed)
    # "adamw" names the task's own optimizer (AdamW, or the SGD a suite task declares)
    opt = (task.make_optimizer(model.parameters(), peak) if opt_name == "adamw"
           else make_optimizer(opt_name, model.parameters(), peak, task.weight_decay, steps))
    if start:
        state = torch.load(job["checkpoint"], weights_only=True)
        if int(state["step"]) != start:
            raise ValueError(f"checkpoint {job['checkpoint']} is at step {state['step']}, not {start}")
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
    # the schedulers write the value of step `start` now, and the next one at each step()
    schedulers: list[Any] = [] if use_plateau else [
        ScheduleLR(opt, lr_sched, mode="absolute" if absolute else "multiply", last_epoch=start - 1)]
    if beta1_sched is not None:
        schedulers.append(ScheduleLR(opt, beta1_sched, key="betas[0]", mode="absolute", last_epoch=start - 1))
    # the plateau method's LR is the plateau controller's alone (a ScheduleLR would overwrite it)
    plateau = ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=1, threshold=1e-3) if use_plateau else None
    schedule_free = opt_name == "schedule-free"
    adaptive = opt_name in ("prodigy", "dadapt-adam")  # the step size is d * lr
    save_at = {int(s) for s in job.get("save_at", ())}
    ckpt_dir = Path(job["checkpoint_dir"]) if save_at else None
    evals = _eval_steps(steps, int(job.get("evals", task.evals)), start)
    lr_every = max(1, steps // LR_SAMPLES)

    curve: list[list[float | None]] = []
    lr_curve: list[list[float]] = []
    train_ema, n_ema = 0.0, 0
    diverged_at: int | None = None
    reductions = 0
    model.train()
    if schedule_free:
        opt.train()
    for t in range(start, steps):
        if t % lr_every == 0:
            g = opt.param_groups[0]
            lr_curve.append([t, float(g["lr"]) * (float(g["d"]) if adaptive else 1.0)])
        x, y = task.batch(seed, t)
        opt.zero_grad(set_to_none=True)
        loss = task.loss(model, x, y)
        lv = float(loss.detach())
        if not math.isfinite(lv):
            diverged_at = t
            break
        loss.backward()
        opt.step()
        for sch in schedulers:
            sch.step()
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
            vl, acc = task.evaluate(model, "val")
            if schedule_free:
                opt.train()
            curve.append([done, vl, acc, train_ema / (1 - 0.9**n_ema)])
            if not math.isfinite(vl):
                diverged_at = done
                break
            if plateau is not None:
                before = float(opt.param_groups[0]["lr"])
                plateau.step(vl)
                reductions += float(opt.param_groups[0]["lr"]) < before
    final: dict[str, float | None] = {"val_loss": None, "val_acc": None, "test_loss": None, "test_acc": None}
    if diverged_at is None:
        if schedule_free:
            opt.eval()
        for split in ("val", "test"):
            loss_v, acc_v = task.evaluate(model, split, final=True)
            final[f"{split}_loss"], final[f"{split}_acc"] = loss_v, acc_v
        if not all(math.isfinite(v) for v in (final["val_loss"], final["test_loss"]) if v is not None):
            diverged_at = steps
            final = dict.fromkeys(final)
    package = OPTIMIZERS[opt_name][0]
    fp = lr_sched.fingerprint() + ("+" + beta1_sched.fingerprint() if beta1_sched is not None else "")
    return {
        **{k: v for k, v in job.items() if k not in ("checkpoint_dir", "threads")},
        **final,
        "diverged_at": diverged_at,
        "curve": curve,
        "lr_curve": lr_curve,
        "adapted_d": float(opt.param_groups[0]["d"]) if adaptive else None,  # Prodigy/D-Adapt's step size
        "plateau_reductions": reductions if plateau is not None else None,
        "wall": time.perf_counter() - t0,
        "cpu": time.process_time() - c0,  # CPU seconds: what the run costs on an idle core
        **versions(),
        "package": f"{DISTRIBUTIONS[package]} {_version(package)}",
        "data_fingerprint": task.fingerprint(),
        "schedule_fingerprint": fp,
    }


def _version(package: str) -> str:
    import importlib.metadata

    from .methods import DISTRIBUTIONS

    try:
        return importlib.metadata.version(DISTRIBUTIONS[package])
    except importlib.metadata.PackageNotFoundError:
        return "?"
