# ruff: noqa: N803, N806, N811, N812
"""Parity with torch.optim.lr_scheduler running side by side: random valid configurations,
>= 1000 steps, 1-3 param groups, momentum/beta cycling, and a torch.save'd checkpoint at a
random step loaded into a fresh optimizer + scheduler."""

from __future__ import annotations

import math
import random

import pytest
import torch.optim.lr_scheduler as T
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.optim.swa_utils import SWALR as TorchSWALR
from torch_parity_helpers import compare

import glideslope.torch as G
import torch

STEPS = 1000
lrs_st = st.lists(st.floats(1e-4, 1.0), min_size=1, max_size=3)
resume_st = st.integers(0, STEPS - 1)
fast = settings(max_examples=6)


@fast
@given(lrs_st, resume_st, st.integers(1, 200), st.floats(0.05, 1.0))
def test_step_lr(lrs, k, step_size, gamma):
    def f(L):
        return lambda o: L.StepLR(o, step_size, gamma)
    compare(f(T), f(G), lrs, STEPS, k)


@fast
@given(lrs_st, resume_st, st.lists(st.integers(0, 1200), min_size=1, max_size=6), st.floats(0.1, 1.0))
def test_multistep_lr(lrs, k, milestones, gamma):
    def f(L):
        return lambda o: L.MultiStepLR(o, milestones, gamma)
    compare(f(T), f(G), lrs, STEPS, k)


@fast
@given(lrs_st, resume_st, st.floats(0.01, 1.0), st.integers(0, 1200))
def test_constant_lr(lrs, k, factor, n):
    def f(L):
        return lambda o: L.ConstantLR(o, factor, n)
    compare(f(T), f(G), lrs, STEPS, k)


@fast
@given(lrs_st, resume_st, st.floats(0.01, 1.0), st.floats(0.0, 1.0), st.integers(0, 1200))
def test_linear_lr(lrs, k, s, e, n):
    def f(L):
        return lambda o: L.LinearLR(o, s, e, n)
    compare(f(T), f(G), lrs, STEPS, k)


@fast
@given(lrs_st, resume_st, st.floats(0.99, 1.001))
def test_exponential_lr(lrs, k, gamma):
    def f(L):
        return lambda o: L.ExponentialLR(o, gamma)
    compare(f(T), f(G), lrs, STEPS, k)


@fast
@given(lrs_st, resume_st, st.integers(0, 1200), st.floats(0.3, 3.0))
def test_polynomial_lr(lrs, k, n, power):
    def f(L):
        return lambda o: L.PolynomialLR(o, n, power)
    compare(f(T), f(G), lrs, STEPS, k)


@fast
@given(lrs_st, resume_st, st.integers(1, 1500), st.floats(0.0, 1e-4))
def test_cosine_annealing_lr(lrs, k, t_max, eta_min):
    def f(L):
        return lambda o: L.CosineAnnealingLR(o, t_max, eta_min)
    compare(f(T), f(G), lrs, STEPS, k)


@fast
@given(lrs_st, resume_st, st.integers(1, 300), st.integers(1, 3), st.floats(0.0, 1e-4))
def test_cosine_warm_restarts(lrs, k, t0, mult, eta_min):
    def f(L):
        return lambda o: L.CosineAnnealingWarmRestarts(o, t0, mult, eta_min)
    compare(f(T), f(G), lrs, STEPS, k)


@fast
@given(
    lrs_st, resume_st, st.integers(1, 300), st.one_of(st.none(), st.integers(1, 300)),
    st.sampled_from(["triangular", "triangular2", "exp_range"]), st.floats(0.99, 1.0),
    st.sampled_from(["sgd", "adam"]), st.booleans(),
)
def test_cyclic_lr(lrs, k, up, down, mode, gamma, kind, cycle_momentum):
    n = len(lrs)
    maxes = [2 * x for x in lrs]

    def f(L):
        return lambda o: L.CyclicLR(
            o, [x / 10 for x in lrs], maxes, up, down, mode, gamma,
            cycle_momentum=cycle_momentum, base_momentum=[0.8] * n, max_momentum=0.9,
        )
    compare(f(T), f(G), lrs, STEPS, k, kind=kind)


@fast
@given(
    lrs_st, resume_st, st.integers(STEPS, 3000), st.floats(0.05, 0.45),
    st.sampled_from(["cos", "linear"]), st.booleans(), st.sampled_from(["sgd", "adam"]),
    st.floats(2.0, 50.0), st.floats(10.0, 1e4),
)
def test_one_cycle_lr(lrs, k, total, pct, anneal, three, kind, div, fdiv):
    def f(L):
        return lambda o: L.OneCycleLR(
            o, [10 * x for x in lrs], total_steps=total, pct_start=pct, anneal_strategy=anneal,
            three_phase=three, div_factor=div, final_div_factor=fdiv,
        )
    compare(f(T), f(G), lrs, min(STEPS, total), k % min(STEPS, total), kind=kind)


def test_one_cycle_lr_to_the_end():
    # total_steps steps: torch extrapolates the last phase at t == total_steps
    for anneal in ("cos", "linear"):
        def f(L, anneal=anneal):
            return lambda o: L.OneCycleLR(o, 0.1, total_steps=1000, anneal_strategy=anneal)
        compare(f(T), f(G), [0.1, 0.2], 1000, 500, kind="adam")


@fast
@given(lrs_st, resume_st, st.floats(0.9, 1.0))
def test_lambda_lr(lrs, k, base):
    def f(L):
        return lambda o: L.LambdaLR(o, [lambda e, i=i: base ** (e / (i + 1)) for i in range(len(lrs))])
    compare(f(T), f(G), lrs, STEPS, k)


@fast
@given(lrs_st, resume_st, st.floats(0.995, 1.0))
def test_multiplicative_lr(lrs, k, factor):
    def f(L):
        return lambda o: L.MultiplicativeLR(o, lambda e: factor if e % 3 else 1.0)
    compare(f(T), f(G), lrs, STEPS, k)


@fast
@given(lrs_st, resume_st, st.floats(1e-4, 0.1), st.integers(0, 200), st.sampled_from(["cos", "linear"]))
def test_swalr(lrs, k, swa, epochs, anneal):
    def f(cls):
        return lambda o: cls(o, swa, epochs, anneal)
    compare(f(TorchSWALR), f(G.SWALR), lrs, STEPS, k)


@fast
@given(
    lrs_st, resume_st, st.sampled_from(["min", "max"]), st.floats(0.1, 0.9), st.integers(0, 20),
    st.sampled_from(["rel", "abs"]), st.integers(0, 5), st.floats(0.0, 1e-3),
    st.integers(0, 2**32 - 1),
)
def test_reduce_lr_on_plateau(lrs, k, mode, factor, patience, tmode, cooldown, min_lr, seed):
    rng = random.Random(seed)
    metrics = [1.0 / (1 + t / 50) + 0.05 * rng.random() for t in range(STEPS)]
    def f(L):
        return lambda o: L.ReduceLROnPlateau(
            o, mode, factor, patience, 1e-3, tmode, cooldown, [min_lr] * len(lrs),
        )
    compare(f(T), f(G), lrs, STEPS, k, metrics=metrics)


@fast
@given(lrs_st, resume_st, st.integers(1, 400), st.floats(0.01, 1.0), st.floats(0.99, 1.0))
def test_sequential_lr(lrs, k, m, start, gamma):
    def f(L):
        return lambda o: L.SequentialLR(
            o, [L.LinearLR(o, start, 1.0, m), L.ExponentialLR(o, gamma), L.CosineAnnealingLR(o, 300)],
            [m, m + 300],
        )
    compare(f(T), f(G), lrs, STEPS, k)


@fast
@given(lrs_st, resume_st, st.floats(0.05, 1.0), st.integers(0, 100), st.floats(0.99, 1.0), st.integers(1, 100))
def test_chained_scheduler(lrs, k, factor, n, gamma, step_size):
    def f(L):
        return lambda o: L.ChainedScheduler(
            [L.ConstantLR(o, factor, n), L.ExponentialLR(o, gamma), L.StepLR(o, step_size, 0.9),
             L.CosineAnnealingLR(o, 150, 1e-5)]
        )
    compare(f(T), f(G), lrs, STEPS, k)


def test_hand_edited_lr_is_followed_like_torch():
    """An lr changed by hand between steps: every chained class continues from it as torch."""
    makers = {
        "step": lambda L, o: L.StepLR(o, 30, 0.5),
        "multistep": lambda L, o: L.MultiStepLR(o, [100, 300], 0.5),
        "exp": lambda L, o: L.ExponentialLR(o, 0.995),
        "linear": lambda L, o: L.LinearLR(o, 0.1, 1.0, 400),
        "poly": lambda L, o: L.PolynomialLR(o, 600, 2.0),
        "cos": lambda L, o: L.CosineAnnealingLR(o, 250, 1e-4),
        "constant": lambda L, o: L.ConstantLR(o, 0.5, 300),
    }
    for name, mk in makers.items():
        runs = []
        for L in (T, G):
            o = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
            s = mk(L, o)
            seq = []
            for t in range(1000):
                o.step()
                if t == 200:
                    o.param_groups[0]["lr"] *= 3.0
                s.step()
                seq.append(o.param_groups[0]["lr"])
            runs.append(seq)
        for t, (a, b) in enumerate(zip(*runs)):
            assert abs(a - b) <= 1e-9 * max(abs(a), abs(b)) + 1e-15, (name, t, a, b)


def test_step_with_epoch_warns_and_uses_closed_form():
    for L in (T, G):
        o = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        s = L.StepLR(o, 10, 0.5)
        o.step()
        with pytest.warns(UserWarning, match="The epoch parameter"):
            s.step(25)
        assert abs(o.param_groups[0]["lr"] - 0.1 * 0.25) < 1e-15


def test_tensor_lrs_stay_tensors():
    o = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=torch.tensor(0.1))
    lr = o.param_groups[0]["lr"]
    s = G.CosineAnnealingLR(o, 100)
    for _ in range(10):
        o.step()
        s.step()
    assert o.param_groups[0]["lr"] is lr
    last = s.get_last_lr()[0]
    assert isinstance(last, torch.Tensor) and last is not lr
    assert abs(float(lr) - 0.1 * (1 + math.cos(math.pi * 10 / 100)) / 2) < 1e-7
