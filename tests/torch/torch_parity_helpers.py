"""Side-by-side harness: run a torch scheduler and ours on twin optimizers, compare every
step's learning rates (and momentum / beta1), with a checkpoint-resume in the middle."""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from typing import Any

import torch

REL = 1e-9


def make_optimizer(lrs: list[float], kind: str = "sgd") -> torch.optim.Optimizer:
    params = [torch.nn.Parameter(torch.zeros(2)) for _ in lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs)]
    if kind == "adam":
        return torch.optim.Adam(groups, lr=lrs[0])
    return torch.optim.SGD(groups, lr=lrs[0], momentum=0.9)


def snapshot(opt: torch.optim.Optimizer) -> list[float]:
    out = []
    for g in opt.param_groups:
        out.append(float(g["lr"]))
        if "betas" in g:
            out.append(float(g["betas"][0]))
        elif "momentum" in g:
            out.append(float(g["momentum"]))
    return out


def close(a: float, b: float, scale: float) -> bool:
    # relative 1e-9, with an absolute floor of 1e-13 of the group's scale where a value
    # crosses zero (cos(pi) cancellation): both sides carry ~1e-16 * scale there
    return abs(a - b) <= REL * max(abs(a), abs(b)) + 1e-13 * scale


def roundtrip(state: dict[str, Any]) -> dict[str, Any]:
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)  # type: ignore[no-any-return]


Factory = Callable[[Any, torch.optim.Optimizer], Any]


def compare(
    factory_torch: Factory,
    factory_ours: Factory,
    lrs: list[float],
    steps: int,
    resume_at: int | None,
    kind: str = "sgd",
    metrics: list[float] | None = None,
) -> None:
    """Run both for ``steps`` steps; ours is checkpointed at ``resume_at`` and continued by a
    fresh optimizer + scheduler that loads the (torch.save'd, weights_only) state."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ot = make_optimizer(lrs, kind)
        st = factory_torch(ot)
        oo = make_optimizer(lrs, kind)
        so = factory_ours(oo)
        scale = max([*lrs, 1.0])
        assert_same(snapshot(ot), snapshot(oo), scale, -1)
        for t in range(steps):
            if resume_at is not None and t == resume_at:
                opt_state = roundtrip(oo.state_dict())
                sch_state = roundtrip(so.state_dict())
                oo = make_optimizer(lrs, kind)
                so = factory_ours(oo)
                oo.load_state_dict(opt_state)
                so.load_state_dict(sch_state)
            ot.step()
            oo.step()
            if metrics is not None:
                st.step(metrics[t])
                so.step(metrics[t])
            else:
                st.step()
                so.step()
            assert_same(snapshot(ot), snapshot(oo), scale, t)
            a, b = st.get_last_lr(), so.get_last_lr()
            assert len(a) == len(b)
            for x, y in zip(a, b):
                assert close(float(x), float(y), scale), (t, a, b)


def assert_same(a: list[float], b: list[float], scale: float, t: int) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert close(x, y, scale), f"step {t}: torch {a} vs ours {b}"
