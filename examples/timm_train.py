"""timm's training-script idiom, with the schedulers computed by glideslope.

The loop is the one in timm's ``train.py``: the scheduler comes from ``create_scheduler_v2``
(which also says how many epochs to train: warmup and cooldown included), the script counts
the updates itself and tells the scheduler after each one (``step_update``), and at the end of
each epoch calls ``step(epoch + 1, metric)``. Only the import changes::

    from glideslope.timm import create_scheduler_v2   # was: from timm.scheduler import ...

Here the schedule steps per update (``step_on_epochs=False``, timm's ``--sched-on-updates``):
a linear warmup of 1 epoch, then a cosine down to ``min_lr``, then 1 cooldown epoch at
``min_lr``. ``lr_scheduler.schedule`` is the glideslope Schedule behind it, so the whole run's
learning rate can be printed before training starts. A tiny MLP learns a made-up regression.

    python examples/timm_train.py
"""

from __future__ import annotations

from typing import Any

import torch
from glideslope.timm import create_scheduler_v2
from torch import nn

EPOCHS = 6
BATCH = 32


def make_data(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(640, 8, generator=g)
    y = torch.tanh(x @ torch.randn(8, 1, generator=g)) + 0.05 * torch.randn(640, 1, generator=g)
    return x, y


def train_one_epoch(epoch: int, model: nn.Module, loader: list[Any], optimizer: Any, lr_scheduler: Any,
                    log: dict[str, list[float]]) -> float:
    """One epoch as timm runs it: the update count is the script's, passed after every update."""
    updates_per_epoch = len(loader)
    num_updates = epoch * updates_per_epoch
    total = 0.0
    for x, y in loader:
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        log["lr"].append(optimizer.param_groups[0]["lr"])  # the lr this update uses
        optimizer.step()
        num_updates += 1
        lr_scheduler.step_update(num_updates=num_updates, metric=loss.item())
        total += loss.item()
    return total / updates_per_epoch


def main() -> dict[str, Any]:
    torch.manual_seed(0)
    x, y = make_data()
    loader = [(x[i:i + BATCH], y[i:i + BATCH]) for i in range(0, len(x), BATCH)]
    model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.01)

    lr_scheduler: Any
    lr_scheduler, num_epochs = create_scheduler_v2(
        optimizer,
        sched="cosine",
        num_epochs=EPOCHS,
        warmup_epochs=1,
        warmup_lr=1e-4,
        warmup_prefix=True,
        min_lr=1e-4,
        cooldown_epochs=1,
        step_on_epochs=False,
        updates_per_epoch=len(loader),
    )
    print(f"{num_epochs} epochs of {len(loader)} updates; the learning rate per update is")
    print(f"  {lr_scheduler.schedule!r}")

    log: dict[str, list[float]] = {"lr": [], "loss": []}
    for epoch in range(num_epochs):
        train_loss = train_one_epoch(epoch, model, loader, optimizer, lr_scheduler, log)
        with torch.no_grad():
            eval_loss = nn.functional.mse_loss(model(x), y).item()
        lr_scheduler.step(epoch + 1, eval_loss)  # timm calls it; a per-update schedule ignores it
        log["loss"].append(eval_loss)
        print(f"epoch {epoch}  lr {optimizer.param_groups[0]['lr']:.5f}  train {train_loss:.4f}  eval {eval_loss:.4f}")
    return {"log": log, "scheduler": lr_scheduler, "num_epochs": num_epochs, "updates_per_epoch": len(loader)}


if __name__ == "__main__":
    main()
