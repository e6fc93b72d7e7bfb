"""The suite's pilots job: :func:`glideslope.recommend_with_pilots` on a task's selection seed,
through its public, framework-agnostic form.

The range test is :func:`glideslope.find_lr` on the task's model for seed 0 with the task's
optimizer, ``min(100, T // 5)`` steps (as :func:`glideslope.recommend_torch` takes). The
training function builds the task's model for seed 0 afresh for every pilot, with a fresh
task optimizer, sets ``group["lr"] = schedule(t)`` before step ``t`` on seed 0's batch ``t``,
and returns the final validation loss on the whole validation split (the test split is never
touched). The record keeps every pilot, so the horizon correction can be refitted from it.

The pilots do not depend on the horizon correction, so the job passes no ``epochs``: the
record's ``recommendation.peak`` uses the constant fallback exponent current when it ran. The
suite reads the peak from the recorded pilots instead, with the epochs rule
(:meth:`.suite.EntryPlan.exponent`, :func:`.suite.pilot_peak`), exactly as
``recommend_with_pilots(..., epochs=task.epochs(T))`` computes it.
"""

from __future__ import annotations

import math
import time
from typing import Any

from ..schedule import Schedule
from .task_base import objective_loss
from .tasks import get_task


def run_pilots(job: dict[str, Any]) -> dict[str, Any]:
    """Run a pilots job (see :func:`.suite.pilot_job`) in this process; return its record."""
    import torch

    from ..tune.finder import find_lr
    from ..tune.pilots import recommend_with_pilots
    from ..tune.pilots_torch import range_test_steps
    from .train import versions

    torch.set_num_threads(int(job.get("threads", 1)))
    t0, c0 = time.perf_counter(), time.process_time()
    task = get_task(job["task"])
    seed, total = int(job["seed"]), int(job["steps"])
    model = task.model(seed)
    opt = task.make_optimizer(model.parameters(), lr=1e-3)
    drawn = [0]

    def batches() -> Any:
        while True:
            yield task.batch(seed, drawn[0])
            drawn[0] += 1

    result = find_lr(model, opt, lambda out, y: objective_loss(task.objective, out, y), batches(),
                     steps=range_test_steps(total))

    def train(schedule: Schedule, steps: int) -> float:
        net = task.model(seed)
        o = task.make_optimizer(net.parameters(), lr=float(schedule(0)))
        net.train()
        for t in range(steps):
            for g in o.param_groups:
                g["lr"] = float(schedule(t))
            x, y = task.batch(seed, t)
            o.zero_grad(set_to_none=True)
            loss = task.loss(net, x, y)
            if not math.isfinite(float(loss.detach())):
                return math.inf
            loss.backward()
            o.step()
        return task.evaluate(net, "val", final=True)[0]

    rec = recommend_with_pilots(result, total, train, shape=job["shape"])
    return {**{k: v for k, v in job.items() if k != "threads"}, "recommendation": rec.to_dict(),
            "finder": result.to_dict(), "range_test_steps": len(result.lrs), "data_fingerprint": task.fingerprint(),
            "wall": time.perf_counter() - t0, "cpu": time.process_time() - c0, **versions()}


__all__ = ["run_pilots"]
