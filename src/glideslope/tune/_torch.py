"""The PyTorch form of :func:`glideslope.find_lr`: ``find_lr(model, optimizer, loss_fn, data)``.

Each step of the sweep sets every parameter group's ``lr``, draws ``accumulate`` batches,
back-propagates ``loss / accumulate`` for each and steps the optimizer once; the loss recorded
is the mean of the batches' losses. Afterwards (also on error) the model's and the
optimizer's state, the model's mode and the random number generators are as they were.
"""

from __future__ import annotations

import copy
import random
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any


def _cycle(data: Iterable[Any]) -> Iterator[Any]:
    while True:
        empty = True
        for item in data:
            empty = False
            yield item
        if empty:
            raise ValueError("data yielded no batches")
        if iter(data) is data:  # a one-shot iterator: cannot go round again
            raise ValueError("data ran out: pass a re-iterable (a DataLoader or a list of batches) "
                             "or fewer steps")


def _to(obj: Any, device: Any) -> Any:
    """Tensors in ``obj`` (nested tuples, lists, dicts) moved to ``device``."""
    import torch

    if isinstance(obj, torch.Tensor):
        return obj.to(device)
    if isinstance(obj, dict):
        return {k: _to(x, device) for k, x in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to(x, device) for x in obj)
    return obj


def _rng_state() -> dict[str, Any]:
    import torch

    state: dict[str, Any] = {"python": random.getstate(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available() and torch.cuda.is_initialized():  # type: ignore[no-untyped-call]
        state["cuda"] = torch.cuda.get_rng_state_all()
    np = sys.modules.get("numpy")
    if np is not None:
        state["numpy"] = np.random.get_state()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    import torch

    random.setstate(state["python"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state:
        torch.cuda.set_rng_state_all(state["cuda"])
    if "numpy" in state:
        sys.modules["numpy"].random.set_state(state["numpy"])


def _batch_loss(model: Any, loss_fn: Any, batch: Any) -> Any:
    if isinstance(batch, dict):
        out = model(**batch)
        if loss_fn is not None:
            return loss_fn(out, batch)
        loss = out.get("loss") if isinstance(out, dict) else getattr(out, "loss", None)
        if loss is None:
            raise TypeError("loss_fn is None, so the model's output must carry a 'loss' (as Hugging Face "
                            f"models do when the batch has labels); got {type(out).__name__} without one")
        return loss
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        if loss_fn is None:
            raise TypeError("loss_fn is required for (inputs, targets) batches: loss_fn(model(inputs), targets)")
        inputs, targets = batch
        return loss_fn(model(inputs), targets)
    raise TypeError(f"each batch must be (inputs, targets) or a dict of model inputs; got {type(batch).__name__}"
                    + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else ""))


def find_lr_torch(model: Any, optimizer: Any, loss_fn: Any, data: Any, accumulate: int,
                  sweep: Callable[..., Any], opts: dict[str, Any]) -> Any:
    """Run ``sweep(step, **opts)`` with ``step(lr)`` one optimizer step of ``model``."""
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable loss_fn(outputs, targets) (or None for dict batches "
                        f"whose model output has .loss), got {type(loss_fn).__name__}")
    if data is None:
        raise TypeError("data is required: an iterable of (inputs, targets) batches or of dicts")
    model_state = copy.deepcopy(model.state_dict())
    opt_state = copy.deepcopy(optimizer.state_dict())
    rng = _rng_state()
    was_training = model.training
    batches = _cycle(data)
    device = next((p.device for p in model.parameters()), None)

    def step(lr: float) -> float:
        for g in optimizer.param_groups:
            g["lr"] = lr
        optimizer.zero_grad(set_to_none=True)
        total = 0.0
        for _ in range(accumulate):
            batch = next(batches)
            if device is not None:
                batch = _to(batch, device)
            loss = _batch_loss(model, loss_fn, batch)
            (loss / accumulate).backward()
            total += float(loss.detach())
        optimizer.step()
        return total / accumulate

    model.train()
    try:
        return sweep(step, **opts)
    finally:
        model.load_state_dict(model_state)
        optimizer.load_state_dict(opt_state)
        model.train(was_training)
        _set_rng_state(rng)


__all__ = ["find_lr_torch"]
