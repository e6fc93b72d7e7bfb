# ruff: noqa: N803, N811, N812
"""``step()`` against torch where the parity tests do not reach: long runs resumed at an
arbitrary step, many groups (equal and not), tensor learning rates, a learning rate edited by
hand between steps, and the chained rule inside ChainedScheduler and SequentialLR."""

from __future__ import annotations

import warnings

import pytest
import torch.optim.lr_scheduler as T
from torch.optim.swa_utils import SWALR as TorchSWALR
from torch_parity_helpers import close, compare, make_optimizer, snapshot

import glideslope.torch as G
import torch

BLOCK = 1024  # a long run, resumed at an arbitrary step (the old table size)

STEPS = 2 * BLOCK + 300

CASES = {
    "StepLR": lambda L: lambda o: L.StepLR(o, 300, 0.7),
    "MultiStepLR": lambda L: lambda o: L.MultiStepLR(o, [500, BLOCK, BLOCK + 1, 2000], 0.5),
    "ConstantLR": lambda L: lambda o: L.ConstantLR(o, 0.25, BLOCK + 7),
    "LinearLR": lambda L: lambda o: L.LinearLR(o, 0.1, 0.9, 1500),
    "ExponentialLR": lambda L: lambda o: L.ExponentialLR(o, 0.999),
    "PolynomialLR": lambda L: lambda o: L.PolynomialLR(o, 2000, 1.5),
    "CosineAnnealingLR": lambda L: lambda o: L.CosineAnnealingLR(o, 700, 1e-4),
    "CosineAnnealingWarmRestarts": lambda L: lambda o: L.CosineAnnealingWarmRestarts(o, 100, 2, 1e-5),
    "CyclicLR": lambda L: lambda o: L.CyclicLR(o, 0.001, 0.1, 300, 200, mode="triangular2"),
    "OneCycleLR": lambda L: lambda o: L.OneCycleLR(o, 0.5, total_steps=STEPS, three_phase=True),
    "SWALR": lambda L: lambda o: (G.SWALR if L is G else TorchSWALR)(o, 0.01, 1500),
    "LambdaLR": lambda L: lambda o: L.LambdaLR(o, lambda e: 1.0 / (1 + e) ** 0.5),
    "MultiplicativeLR": lambda L: lambda o: L.MultiplicativeLR(o, lambda e: 0.9995),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_past_the_first_blocks_with_a_resume_on_a_block_boundary(name):
    f = CASES[name]
    compare(f(T), f(G), [0.1, 0.1, 0.03], STEPS, BLOCK)


@pytest.mark.parametrize("name", sorted(CASES))
def test_many_equal_groups_then_a_hand_edit(name):
    """64 groups with one value share it; then one group is edited by hand (torch's chained
    classes follow the edit, the others overwrite it) and a (float64) tensor lr joins in."""
    f = CASES[name]
    lrs = [0.05] * 64
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ot, oo = make_optimizer(lrs), make_optimizer(lrs)
        st, so = f(T)(ot), f(G)(oo)
        for t in range(BLOCK + 200):
            if t == 300:
                for o in (ot, oo):
                    o.param_groups[5]["lr"] = 0.2
            if t == 600:
                for o in (ot, oo):
                    o.param_groups[9]["lr"] = torch.tensor(float(o.param_groups[9]["lr"]), dtype=torch.float64)
            ot.step()
            oo.step()
            st.step()
            so.step()
            a, b = snapshot(ot), snapshot(oo)
            assert all(close(x, y, 1.0) for x, y in zip(a, b)), (t, a[:12], b[:12])
            last_t, last_o = st.get_last_lr(), so.get_last_lr()
            assert all(close(float(x), float(y), 1.0) for x, y in zip(last_t, last_o)), t
        assert isinstance(oo.param_groups[9]["lr"], torch.Tensor)
        assert isinstance(so.get_last_lr()[9], torch.Tensor)
        assert so.get_last_lr()[9] is not oo.param_groups[9]["lr"]  # a clone, as torch's


def test_last_lr_is_a_fresh_list_each_step():
    o = make_optimizer([0.1, 0.1])
    s = G.CosineAnnealingLR(o, 100)
    o.step()
    s.step()
    first = s.get_last_lr()
    o.step()
    s.step()
    assert s.get_last_lr() is not first
    assert first != s.get_last_lr()


def test_chained_scheduler_past_the_first_block():
    def f(L):
        return lambda o: L.ChainedScheduler(
            [L.ConstantLR(o, 0.5, BLOCK + 3), L.ExponentialLR(o, 0.9995), L.StepLR(o, 250, 0.8)]
        )

    compare(f(T), f(G), [0.1, 0.1, 0.2], STEPS, BLOCK + 1)


def test_sequential_past_the_first_block():
    def f(L):
        return lambda o: L.SequentialLR(
            o, [L.LinearLR(o, 0.1, 1.0, 100), L.CosineAnnealingLR(o, 1500, 1e-5)], [100]
        )

    compare(f(T), f(G), [0.1, 0.3], STEPS, BLOCK - 1)
