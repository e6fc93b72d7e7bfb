"""PyTorch Lightning: ``configure_optimizers`` returning a glideslope.torch scheduler.

Our schedulers subclass torch's ``LRScheduler``, so Lightning takes them as they are. Part 1
steps a warmup-then-cosine schedule (Transformers' ``get_cosine_schedule_with_warmup``
signature, from glideslope.torch) every optimizer step (``"interval": "step"``). Part 2 runs
glideslope's ``ReduceLROnPlateau`` after a warmup inside a ``SequentialLR`` (which torch's own
SequentialLR cannot do), stepped once per epoch with the monitored metric.

Lightning recognises a plateau scheduler by ``isinstance(s, torch.optim.lr_scheduler.
ReduceLROnPlateau)``. glideslope's ReduceLROnPlateau (and a SequentialLR holding one) is not a
subclass of torch's, by design, so tell Lightning with ``"reduce_on_plateau": True`` and name
the metric with ``"monitor"``; Lightning then calls ``scheduler.step(metric)``.

Each part trains a tiny MLP on data it makes and checks the logged learning rates against the
schedule's own values.

    python examples/lightning_module.py
"""

from __future__ import annotations

import logging
import math
import warnings
from typing import Any

import lightning.pytorch as pl
from torch.utils.data import DataLoader, TensorDataset

import glideslope as gs
import torch
from glideslope.torch import LinearLR, ReduceLROnPlateau, SequentialLR, get_cosine_schedule_with_warmup
from torch import nn

BASE_LR = 0.05
BATCHES = 8  # per epoch


def make_loader(seed: int = 0) -> DataLoader[Any]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(BATCHES * 32, 4, generator=g)
    y = (x[:, :1] * 2 - x[:, 1:2]).tanh() + 0.05 * torch.randn(len(x), 1, generator=g)
    return DataLoader(TensorDataset(x, y), batch_size=32, shuffle=False)


class Regressor(pl.LightningModule):
    def __init__(self, part: int, total_steps: int) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))
        self.part, self.total_steps = part, total_steps
        self.lrs: list[float] = []  # the lr each training step used
        self.losses: list[float] = []

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        x, y = batch
        loss = nn.functional.mse_loss(self.net(x), y)
        opt = self.optimizers()
        self.lrs.append(float(opt.param_groups[0]["lr"]))  # type: ignore[union-attr]
        self.losses.append(loss.item())
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def configure_optimizers(self) -> Any:
        optimizer = torch.optim.SGD(self.parameters(), lr=BASE_LR, momentum=0.9)
        if self.part == 1:
            scheduler = get_cosine_schedule_with_warmup(optimizer, num_warmup_steps=8,
                                                        num_training_steps=self.total_steps)
            return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
        # part 2: 3 epochs of linear warmup, then reduce-on-plateau on the epoch's train loss
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
                "reduce_on_plateau": True,  # ours is not torch's ReduceLROnPlateau subclass
                "monitor": "train_loss",  # Lightning calls scheduler.step(train_loss)
            },
        }


def fit(module: Regressor, **limits: Any) -> None:
    trainer = pl.Trainer(
        accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, **limits,
    )
    trainer.fit(module, make_loader())


def part1_step_schedule() -> None:
    steps = 10 * BATCHES
    module = Regressor(1, steps)
    fit(module, max_steps=steps)
    # Transformers' warmup + cosine is warmup(8) >> cosine over the remaining steps
    schedule = gs.warmup(8) >> gs.cosine(steps=steps - 8)
    assert len(module.lrs) == steps
    for t, got in enumerate(module.lrs):
        want = BASE_LR * schedule(t)
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-15), (t, got, want)
    first, last = sum(module.losses[:8]) / 8, sum(module.losses[-8:]) / 8
    assert last < 0.5 * first, f"the model did not learn: loss {first:.4f} -> {last:.4f}"
    print(f"part 1 (per-step warmup + cosine): {len(module.lrs)} steps, loss {first:.4f} -> {last:.4f}")


def part2_warmup_then_plateau() -> None:
    epochs = 12
    module = Regressor(2, epochs * BATCHES)
    fit(module, max_epochs=epochs)
    per_epoch = [module.lrs[e * BATCHES] for e in range(epochs)]
    for e in range(epochs):  # the lr is constant within an epoch
        assert module.lrs[e * BATCHES:(e + 1) * BATCHES] == [per_epoch[e]] * BATCHES, e
    # the warmup is LinearLR's closed form; afterwards only halvings of the base lr
    for e in range(3):
        want = BASE_LR * (0.1 + 0.9 * e / 3)
        assert math.isclose(per_epoch[e], want, rel_tol=1e-12), (e, per_epoch[e], want)
    assert per_epoch[3] == BASE_LR  # the plateau scheduler takes over from the base value
    # from epoch 3 on, replay the engine's plateau rule on the epochs' mean losses: the lr of
    # epoch e + 1 is the decision taken on epoch e's loss
    rule = gs.ReduceOnPlateau(factor=0.5, patience=0, threshold=0.4)
    lr = BASE_LR
    for e in range(3, epochs - 1):
        if rule.update(sum(module.losses[e * BATCHES:(e + 1) * BATCHES]) / BATCHES):
            lr *= 0.5
        assert math.isclose(per_epoch[e + 1], lr, rel_tol=1e-12), (e + 1, per_epoch, lr)
    assert per_epoch[-1] < BASE_LR, f"no plateau was detected: {per_epoch}"
    print(f"part 2 (warmup, then ReduceLROnPlateau): lr per epoch {[f'{lr:.4f}' for lr in per_epoch]}")


if __name__ == "__main__":
    torch.set_num_threads(1)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", ".*does not have many workers.*")
    warnings.filterwarnings("ignore", ".*the number of training batches.*")
    part1_step_schedule()
    part2_warmup_then_plateau()
    print("ok: the logged learning rates follow the schedules")
