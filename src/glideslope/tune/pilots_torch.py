"""The PyTorch form of the pilot-based recommendation:
``recommend_torch(model, optimizer, loss_fn, train_data, val_data, total_steps)``.

It runs :func:`glideslope.find_lr` (``min(100, total_steps // 5)`` steps), then
:func:`glideslope.recommend_with_pilots` with a training function that, for each pilot,
puts the model's and the optimizer's ``state_dict`` and the random number generators back to
what they were on entry (a fresh start, the same batches in the same order), trains for the
pilot's steps with ``group["lr"] = schedule(t)`` for every parameter group, and returns the
mean loss over the batches of ``val_data`` in eval mode, without gradients. Afterwards (also
on error) the model, the optimizer, the model's mode and the generators are as they were.
The tuning compute, range test and pilots, is at most ``total_steps`` optimizer steps.
"""

from __future__ import annotations

import copy
from typing import Any

from .. import _validate as v
from ..schedule import Schedule
from ._torch import _batch_loss, _cycle, _rng_state, _set_rng_state, _to
from .finder import DEFAULT_STEPS, find_lr
from .pilots import MIN_PILOT_STEPS, N_PILOTS, recommend_with_pilots
from .result import Recommendation

#: The fewest steps :func:`recommend_torch` works with: a range test of ``total_steps // 5``
#: steps and six pilots of at least 20 steps.
MIN_TOTAL_STEPS = 150


def range_test_steps(total_steps: int) -> int:
    """The range test's length for a budget: ``min(100, total_steps // 5)``."""
    return min(DEFAULT_STEPS, total_steps // 5)


@v.checked_keywords
def recommend_torch(model: Any, optimizer: Any, loss_fn: Any, train_data: Any, val_data: Any, total_steps: int,
                    *, epochs: float | None = None, shape: str | None = None,
                    warmup: int | str | None = None) -> Recommendation:
    """A whole schedule for a PyTorch run of ``total_steps``, from a range test and pilots.

    Args:
        model: a ``torch.nn.Module``, in the state a run starts from (pilots start there).
        optimizer: its ``torch.optim.Optimizer`` (pilots restart from its state on entry).
        loss_fn: ``loss_fn(model(inputs), targets)`` for ``(inputs, targets)`` batches (or
            None for dict batches whose model output carries ``.loss``).
        train_data: training batches (a DataLoader or a list; cycled when exhausted).
        val_data: validation batches (each pilot's score is their mean loss).
        total_steps: the run's length in optimizer steps (>= 150).
        epochs: passes over the training data the run makes; None: ``total_steps /
            len(train_data)`` when ``train_data`` has a length (a DataLoader: its batches),
            else unknown (see :func:`glideslope.recommend_with_pilots`).
        shape, warmup: as in :func:`glideslope.recommend_with_pilots`.

    Returns:
        a :class:`~glideslope.Recommendation` with ``tuning_steps <= total_steps``.
    """
    import torch

    total_steps = v.integer("total_steps", total_steps, minimum=10)
    if total_steps < MIN_TOTAL_STEPS:
        raise ValueError(
            f"total_steps must be >= {MIN_TOTAL_STEPS} for the pilots (a {total_steps // 5}-step range test and "
            f"{N_PILOTS} pilots of at least {MIN_PILOT_STEPS} steps), got {total_steps}; for a shorter run use "
            "glideslope.recommend(glideslope.find_lr(...), total_steps) (no pilots)"
        )
    if val_data is None:
        raise TypeError("val_data is required: the batches each pilot's validation loss is measured on")
    if epochs is None and hasattr(train_data, "__len__") and len(train_data) > 0:
        epochs = total_steps / len(train_data)
    result = find_lr(model, optimizer, loss_fn, train_data, steps=range_test_steps(total_steps))
    model_state = copy.deepcopy(model.state_dict())
    opt_state = copy.deepcopy(optimizer.state_dict())
    rng = _rng_state()
    was_training = model.training
    device = next((p.device for p in model.parameters()), None)

    def train(schedule: Schedule, steps: int) -> float:
        model.load_state_dict(model_state)
        optimizer.load_state_dict(opt_state)
        _set_rng_state(rng)
        batches = _cycle(train_data)
        model.train()
        for t in range(steps):
            for g in optimizer.param_groups:
                g["lr"] = float(schedule(t))
            batch = next(batches)
            optimizer.zero_grad(set_to_none=True)
            _batch_loss(model, loss_fn, _to(batch, device) if device is not None else batch).backward()
            optimizer.step()
        model.eval()
        total, count = 0.0, 0
        with torch.no_grad():
            for batch in val_data:
                total += float(_batch_loss(model, loss_fn, _to(batch, device) if device is not None else batch))
                count += 1
        if count == 0:
            raise ValueError("val_data yielded no batches")
        return total / count

    try:
        return recommend_with_pilots(result, total_steps, train, epochs=epochs, shape=shape, warmup=warmup)
    finally:
        model.load_state_dict(model_state)
        optimizer.load_state_dict(opt_state)
        model.train(was_training)
        _set_rng_state(rng)


__all__ = ["MIN_TOTAL_STEPS", "range_test_steps", "recommend_torch"]
