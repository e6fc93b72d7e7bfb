"""PyTorch Lightning: a schedule written in fractions of the run, sized by Lightning.

Write the schedule once, in fractions (``warmup("10%") >> cosine(end=0.01)``), and bind it in
``configure_optimizers`` to ``self.trainer.estimated_stepping_batches``: the number of optimizer
steps this fit will take, which Lightning computes from ``max_epochs`` or ``max_steps``, the
loader's length, ``limit_train_batches``, ``accumulate_grad_batches`` and the number of devices.
Change any of them and the schedule still spans the whole run. ``ScheduleLR`` steps it every
optimizer step (``"interval": "step"``).

glideslope's schedulers subclass torch's ``LRScheduler``, so Lightning takes them as they are.
``PlateauRegressor`` shows the other common case: a warmup, then reduce-on-plateau on a logged
metric, inside ``SequentialLR`` (which torch's own classes cannot combine). Lightning spots a
plateau scheduler by ``isinstance(s, torch.optim.lr_scheduler.ReduceLROnPlateau)``, and ours is
not a subclass of torch's, so say ``"reduce_on_plateau": True`` and name the ``"monitor"``.

    python examples/lightning_module.py

(tests/test_recipes.py trains both modules and checks every step's learning rate.)
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import lightning.pytorch as pl
from torch.utils.data import DataLoader, TensorDataset

import glideslope as gs
import torch
from glideslope.torch import LinearLR, ReduceLROnPlateau, ScheduleLR, SequentialLR
from torch import nn

BASE_LR = 0.05
# The shape of the run, in fractions of it: bound to the real length in configure_optimizers.
SCHEDULE = gs.warmup("10%") >> gs.cosine(end=0.01)


class Regressor(pl.LightningModule):
    """A small MLP regressor whose learning rate follows ``SCHEDULE`` over the whole fit."""

    def __init__(self, schedule: gs.Schedule = SCHEDULE, lr: float = BASE_LR) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
        self.schedule, self.lr = schedule, lr

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        x, y = batch
        loss = nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def configure_optimizers(self) -> Any:
        optimizer = torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9)
        total_steps = self.trainer.estimated_stepping_batches  # optimizer steps in this fit
        scheduler = ScheduleLR(optimizer, self.schedule, total_steps=total_steps)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}


class PlateauRegressor(Regressor):
    """Three epochs of linear warmup, then halve the learning rate when the loss stalls."""

    def configure_optimizers(self) -> Any:
        optimizer = torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9)
        warmup = LinearLR(optimizer, start_factor=0.1, total_iters=3)
        # threshold=0.4: an epoch must cut the loss by 40% to count as progress (this tiny
        # problem improves fast, so the plateau rule has something to do)
        plateau = ReduceLROnPlateau(optimizer, factor=0.5, patience=0, threshold=0.4)
        scheduler = SequentialLR(optimizer, [warmup, plateau], milestones=[3])
        return {
            "optimizer": optimizer,
            "lr_scheduler": {
                "scheduler": scheduler,
                "interval": "epoch",
                "reduce_on_plateau": True,  # ours is not a subclass of torch's ReduceLROnPlateau
                "monitor": "train_loss",  # Lightning calls scheduler.step(train_loss)
            },
        }


def make_loader(batches: int = 8, batch_size: int = 32, seed: int = 0) -> DataLoader[Any]:
    """A learnable regression problem, made here: y = tanh(2 x0 - x1) + noise."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batches * batch_size, 4, generator=g)
    y = (x[:, :1] * 2 - x[:, 1:2]).tanh() + 0.05 * torch.randn(len(x), 1, generator=g)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=False)


def fit(module: pl.LightningModule, callbacks: list[pl.Callback] | None = None, **trainer_args: Any) -> pl.Trainer:
    """Train ``module`` on the CPU, quietly; ``trainer_args`` go to ``pl.Trainer`` (max_epochs, ...)."""
    torch.manual_seed(0)
    trainer = pl.Trainer(
        accelerator="cpu", devices=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False, callbacks=callbacks, **trainer_args,
    )
    trainer.fit(module, make_loader())
    return trainer


if __name__ == "__main__":
    torch.set_num_threads(1)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", ".*does not have many workers.*")
    for epochs in (5, 20):  # the same schedule spans either run
        trainer = fit(Regressor(), max_epochs=epochs)
        print(f"{epochs} epochs = {trainer.global_step} steps: warmup('10%') >> cosine(end=0.01) bound to "
              f"{trainer.lr_scheduler_configs[0].scheduler.schedules[0]!r}, "
              f"final loss {trainer.callback_metrics['train_loss']:.4f}")
    trainer = fit(PlateauRegressor(), max_epochs=12)
    print(f"warmup then plateau: final lr {trainer.optimizers[0].param_groups[0]['lr']:.4g}, "
          f"final loss {trainer.callback_metrics['train_loss']:.4f}")
