"""torch.compile: tensor lrs and betas are written in place, so a compiled optimizer step
does not recompile while the schedule moves."""

from __future__ import annotations

import warnings

import torch._dynamo
from torch._dynamo.utils import counters

import glideslope.torch as G  # noqa: N812
import torch


def test_compiled_optimizer_step_does_not_recompile():
    torch._dynamo.reset()
    counters.clear()
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.Adam(model.parameters(), lr=torch.tensor(0.01), betas=(torch.tensor(0.9), torch.tensor(0.999)))
    sched = G.OneCycleLR(opt, max_lr=0.05, total_steps=60)
    x = torch.randn(8, 4)

    @torch.compile(backend="eager", fullgraph=False)
    def opt_step():
        opt.step()

    seen = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(50):
            model(x).pow(2).mean().backward()
            opt_step()
            opt.zero_grad()
            sched.step()
            seen.add(round(float(opt.param_groups[0]["lr"]), 8))
    assert len(seen) > 40  # the schedule moved
    assert counters["stats"]["unique_graphs"] >= 1
    assert sum(counters["recompiles"].values()) == 0, dict(counters["recompiles"])
