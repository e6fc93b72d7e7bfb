"""Tuning without a grid: the LR range test on the selection seed, then
:func:`glideslope.recommend` for the run's length.

The finder job is one sweep of the task's model on the selection seed's batches (AdamW, the
finder's own default range and length). Its record holds the whole curve, so the
recommendation for any budget is computed from it afterwards, without training again:
:func:`recommend_for` turns a finder record and a step budget into the absolute LR schedule
that ``finder-recommended`` trains with, and the peak that ``schedule-free-finder`` uses.
"""

from __future__ import annotations

import inspect
import time
from typing import Any

from .task_base import objective_loss
from .tasks import get_task


def finder_settings() -> dict[str, Any]:
    """The range test's settings as :func:`glideslope.find_lr` defaults them now (they are in
    the finder job's key, so a change of default runs the finder again)."""
    from ..tune.finder import find_lr

    params = inspect.signature(find_lr).parameters
    return {k: params[k].default for k in ("start", "end", "steps", "sweep") if k in params}


#: The modules of ``glideslope.tune`` whose source is the finder's code fingerprint: the range
#: test, its curve, its record and the rules that read it.
FINDER_SOURCES = ("finder.py", "curve.py", "_torch.py", "result.py", "recommendation.py")


def finder_code() -> str:
    """16 hex digits of SHA-256 over the source of the finder and of ``recommend`` (part of the
    finder job's key: a changed rule runs the finder again rather than reusing its record)."""
    import hashlib
    from pathlib import Path

    tune = Path(__file__).resolve().parents[1] / "tune"
    h = hashlib.sha256()
    for name in FINDER_SOURCES:
        h.update(name.encode() + (tune / name).read_bytes())  # a missing file raises: never hash nothing
    return h.hexdigest()[:16]


class _Batches:
    """The selection seed's training batches, in order, counting how many were drawn."""

    def __init__(self, task: Any, seed: int) -> None:
        self.task, self.seed, self.drawn = task, seed, 0

    def __iter__(self) -> Any:
        while True:
            yield self.task.batch(self.seed, self.drawn)
            self.drawn += 1


def run_finder(job: dict[str, Any]) -> dict[str, Any]:
    """Run the LR range test of a finder job in this process (glideslope's PyTorch form of
    :func:`glideslope.find_lr`, the task's optimizer at its weight decay); return its record."""
    from ..tune.finder import find_lr

    t0, c0 = time.perf_counter(), time.process_time()
    task = get_task(job["task"])
    seed = int(job["seed"])
    model = task.model(seed)
    opt = task.make_optimizer(model.parameters(), lr=1e-3)  # AdamW unless the task declares SGD
    batches = _Batches(task, seed)
    settings = {k: job[k] for k in ("start", "end", "steps", "sweep") if k in job}
    result = find_lr(model, opt, lambda out, y: objective_loss(task.objective, out, y), batches, **settings)
    return {**job, "finder": result.to_dict(), "suggested": result.suggested, "sweep_steps": batches.drawn,
            "data_fingerprint": task.fingerprint(), "wall": time.perf_counter() - t0,
            "cpu": time.process_time() - c0}


def recommend_for(finder_record: dict[str, Any], steps: int) -> dict[str, Any]:
    """``{"schedule": config, "spec", "peak", "reasons"}``: what :func:`glideslope.recommend`
    gives for a run of ``steps`` from the finder record's curve."""
    from ..tune.finder import LRFinderResult
    from ..tune.recommendation import recommend

    rec = recommend(LRFinderResult.from_dict(finder_record["finder"]), total_steps=steps)
    return {"schedule": rec.schedule.to_config(), "spec": rec.spec, "peak": float(rec.peak),
            "reasons": dict(rec.reasons)}


__all__ = ["finder_code", "finder_settings", "recommend_for", "run_finder"]
