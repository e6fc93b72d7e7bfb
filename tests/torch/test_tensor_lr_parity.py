# ruff: noqa: N803, N811, N812
"""Tensor learning rates (float32 and float64) against torch, step by step, every class.

torch computes a tensor lr with tensor arithmetic: its chained classes round a float32 lr at
every step (a drift of about 1e-5 over 500 steps from the exact value), which ours reproduce
bit for bit, so a user who keeps lrs as tensors (e.g. for torch.compile) sees torch's values.
Two closed-form classes, LambdaLR and CosineAnnealingWarmRestarts, evaluate torch's formula
on the float32 base lr tensor (several roundings); ours round the float64 value once, so they
may differ by one float32 ulp (no drift: the error does not grow with the step).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest
import torch.optim.lr_scheduler as T
from torch.optim.swa_utils import SWALR as TorchSWALR

import glideslope.torch as G
import torch

ONE_ULP = {"LambdaLR", "CosineAnnealingWarmRestarts"}
CASES: dict[str, Callable[[Any, torch.optim.Optimizer], Any]] = {
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 0.999**e),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.999),
    "StepLR": lambda L, o: L.StepLR(o, 30, 0.7),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, [50, 120, 120, 250], 0.5),
    "ConstantLR": lambda L, o: L.ConstantLR(o, 0.4, 60),
    "LinearLR": lambda L, o: L.LinearLR(o, 0.1, 1.0, 90),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, 0.993),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, 250, 2.0),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, 70, 1e-3),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, 40, 2, 1e-4),
    "CyclicLR": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 25, mode="triangular2"),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=300),
    "SWALR": lambda L, o: (G.SWALR if L is G else TorchSWALR)(o, 0.01, 50),
    "SequentialLR": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, 0.1, 1.0, 40), L.CosineAnnealingLR(o, 150)], [40]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler(
        [L.StepLR(o, 50, 0.7), L.ExponentialLR(o, 0.995), L.CosineAnnealingLR(o, 120, 1e-3)]),
}


def lrs_of(lib: Any, make: Callable[[Any, torch.optim.Optimizer], Any], dtype: torch.dtype, steps: int) -> list[float]:
    params = [torch.nn.Parameter(torch.zeros(2)) for _ in range(2)]
    o = torch.optim.SGD(
        [{"params": [params[0]], "lr": torch.tensor(0.1, dtype=dtype)},
         {"params": [params[1]], "lr": torch.tensor(0.03, dtype=dtype)}],
        lr=torch.tensor(0.1, dtype=dtype), momentum=0.9,
    )
    s = make(lib, o)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(steps):
            o.step()
            s.step()
            out.append([float(g["lr"]) for g in o.param_groups])
            assert all(isinstance(g["lr"], torch.Tensor) for g in o.param_groups)
    return out


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(CASES))
def test_tensor_lrs_equal_torch(name: str, dtype: torch.dtype) -> None:
    theirs = lrs_of(T, CASES[name], dtype, 300)
    ours = lrs_of(G, CASES[name], dtype, 300)
    worst = max(abs(a - b) / abs(a) for x, y in zip(theirs, ours) for a, b in zip(x, y) if a)
    if dtype == torch.float64:  # the 1e-9 of every other parity test
        assert worst <= 1e-9, (name, worst)
    elif name in ONE_ULP:
        assert worst <= 2.0**-23, (name, worst)
    else:
        assert worst == 0.0, (name, worst)
