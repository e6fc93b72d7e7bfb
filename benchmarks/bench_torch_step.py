# ruff: noqa: N803, N811, N812
"""Per-step cost of ``scheduler.step()``: glideslope.torch against torch's own class, in the
same process, with 1 and 64 param groups. Prints a markdown table.

    .venv/bin/python benchmarks/bench_torch_step.py
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import torch.optim.lr_scheduler as T
from torch.optim.swa_utils import SWALR as TorchSWALR

import glideslope.torch as G
import torch

CASES: dict[str, Callable[[Any, torch.optim.Optimizer], Any]] = {
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 0.999**e),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.9999),
    "StepLR": lambda L, o: L.StepLR(o, 100, 0.9),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, [1000, 5000, 8000], 0.5),
    "ConstantLR": lambda L, o: L.ConstantLR(o, 0.5, 5000),
    "LinearLR": lambda L, o: L.LinearLR(o, 0.1, 1.0, 50000),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, 0.99999),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, 50000, 2.0),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, 50000),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, 1000, 2),
    "CyclicLR": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 500),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=100000),
    "ReduceLROnPlateau": lambda L, o: L.ReduceLROnPlateau(o, patience=5),
    "SWALR": lambda L, o: (G.SWALR if L is G else TorchSWALR)(o, 0.01, 1000),
    "SequentialLR": lambda L, o: L.SequentialLR(o, [L.LinearLR(o, 0.1, 1.0, 100), L.ExponentialLR(o, 0.9999)], [100]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler([L.ConstantLR(o, 0.5, 100), L.ExponentialLR(o, 0.9999)]),
}


def per_step(lib: Any, make: Callable[[Any, torch.optim.Optimizer], Any], groups: int, n: int) -> float:
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in range(groups)]
    o = torch.optim.SGD([{"params": [p], "lr": 0.1} for p in params], lr=0.1, momentum=0.9)
    o._opt_called = True  # type: ignore[attr-defined]
    s = make(lib, o)
    plateau = "ReduceLROnPlateau" in type(s).__name__
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        if plateau:
            for i in range(n):
                s.step(1.0 / (1 + i))
        else:
            for _ in range(n):
                s.step()
        best = min(best, (time.perf_counter() - t0) / n)
    return best * 1e6


def main() -> None:
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    print("| class | groups | torch (µs/step) | glideslope (µs/step) | ratio |")
    print("|---|---:|---:|---:|---:|")
    for name, make in CASES.items():
        for groups in (1, 64):
            n = 2000 if groups == 1 else 300
            a = per_step(T, make, groups, n)
            b = per_step(G, make, groups, n)
            print(f"| {name} | {groups} | {a:.2f} | {b:.2f} | {b / a:.2f} |")


if __name__ == "__main__":
    main()
