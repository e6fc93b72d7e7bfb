"""A plain PyTorch training loop with glideslope.torch schedulers.

Part 1 drives the learning rate from a native glideslope schedule with ``ScheduleLR``
(warmup, then cosine); part 2 is the drop-in: ``OneCycleLR`` imported from glideslope.torch
instead of torch.optim.lr_scheduler, nothing else changed. Each part trains a tiny MLP on a
regression problem it makes up, logs the learning rate every step used, and checks the log
against the schedule's own values (part 2: against torch's OneCycleLR).

    python examples/torch_loop.py
"""

from __future__ import annotations

import math

import glideslope as gs
import torch
from glideslope.torch import OneCycleLR, ScheduleLR
from torch import nn

STEPS = 300
BASE_LR = 3e-3


def make_data(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(512, 8, generator=g)
    w = torch.randn(8, 1, generator=g)
    y = torch.tanh(x @ w) + 0.05 * torch.randn(512, 1, generator=g)
    return x, y


def make_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))


def train(model: nn.Module, optimizer: torch.optim.Optimizer, scheduler: object, x: torch.Tensor,
          y: torch.Tensor) -> tuple[list[float], list[float]]:
    """The usual loop: forward, backward, ``optimizer.step()``, then ``scheduler.step()``.
    Returns the learning rate each step used and the loss of each step."""
    g = torch.Generator().manual_seed(1)
    lrs, losses = [], []
    for _ in range(STEPS):
        idx = torch.randint(0, len(x), (64,), generator=g)
        loss = nn.functional.mse_loss(model(x[idx]), y[idx])
        optimizer.zero_grad()
        loss.backward()
        lrs.append(float(optimizer.param_groups[0]["lr"]))  # the lr this step uses
        optimizer.step()
        scheduler.step()  # type: ignore[attr-defined]
        losses.append(loss.item())
    return lrs, losses


def check_learned(losses: list[float]) -> None:
    first, last = sum(losses[:20]) / 20, sum(losses[-20:]) / 20
    assert last < 0.25 * first, f"the model did not learn: loss {first:.4f} -> {last:.4f}"


def part1_native_schedule() -> None:
    x, y = make_data()
    model = make_model()
    optimizer = torch.optim.AdamW(model.parameters(), lr=BASE_LR, weight_decay=0.01)
    # a multiplier of each group's lr: 0 -> 1 over 30 steps, then a cosine down to 5%
    schedule = gs.warmup(30) >> gs.cosine(end=0.05, steps=STEPS - 30)
    scheduler = ScheduleLR(optimizer, schedule)
    lrs, losses = train(model, optimizer, scheduler, x, y)

    expected = [BASE_LR * schedule(t) for t in range(STEPS)]
    for t, (got, want) in enumerate(zip(lrs, expected)):
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-18), (t, got, want)
    check_learned(losses)
    print(f"part 1 (ScheduleLR, {schedule!r}): lr {lrs[0]:.2e} -> {max(lrs):.2e} -> {lrs[-1]:.2e}, "
          f"loss {losses[0]:.4f} -> {losses[-1]:.4f}")


def part2_drop_in() -> None:
    x, y = make_data()
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = OneCycleLR(optimizer, max_lr=0.1, total_steps=STEPS)  # the only changed line
    lrs, losses = train(model, optimizer, scheduler, x, y)

    # torch's own OneCycleLR on a twin optimizer gives the reference numbers
    twin = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    reference = torch.optim.lr_scheduler.OneCycleLR(twin, max_lr=0.1, total_steps=STEPS)
    expected = []
    for _ in range(STEPS):
        expected.append(twin.param_groups[0]["lr"])
        twin.step()
        reference.step()
    for t, (got, want) in enumerate(zip(lrs, expected)):
        assert math.isclose(got, want, rel_tol=1e-9), (t, got, want)
    # momentum is cycled against the lr, as torch does
    assert math.isclose(optimizer.param_groups[0]["momentum"], twin.param_groups[0]["momentum"], rel_tol=1e-9)
    check_learned(losses)
    print(f"part 2 (OneCycleLR drop-in): lr {lrs[0]:.2e} -> {max(lrs):.2e} -> {lrs[-1]:.2e}, "
          f"loss {losses[0]:.4f} -> {losses[-1]:.4f}")


if __name__ == "__main__":
    torch.set_num_threads(1)
    part1_native_schedule()
    part2_drop_in()
    print("ok: the logged learning rates follow the schedules")
