# ruff: noqa: N803, N812
"""Arguments exactly as torch: hypothesis draws, for every class, argument values and the
*form* each is given in (int, float, NumPy scalar, 0-d tensor; list, tuple or array for
sequences), builds torch's class and ours, runs both, and compares the outcome: the same
exception type (at construction or at the same step) or the same lrs and momenta throughout.

The values cover what torch handles as a schedule, and values torch refuses. Where torch
accepts a value and only fails later, or computes nonsense, ours refuses it at construction
with ValueError (principle 7, "errors at the door"); ``test_refused_at_the_door`` lists those.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
import torch.optim.lr_scheduler as T
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.optim.swa_utils import SWALR as TorchSWALR  # noqa: N811

import glideslope.torch as G
import torch

STEPS = 25
EXAMPLES = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- forms ----------------------------------------------------------------------------------


def int_form(v: int) -> st.SearchStrategy[Any]:
    """``v`` as an int, a float, a NumPy integer or a float64 0-d tensor (an integer tensor
    would make torch compute in float32)."""
    return st.sampled_from([v, float(v), np.int64(v), np.int32(v), torch.tensor(v, dtype=torch.float64)])


def float_form(v: float) -> st.SearchStrategy[Any]:
    """``v`` as a float, a NumPy float or a float64 0-d tensor (a float32 one would make torch
    compute in float32)."""
    return st.sampled_from([v, np.float64(v), torch.tensor(v, dtype=torch.float64)])


def ints(lo: int, hi: int) -> st.SearchStrategy[Any]:
    return st.integers(lo, hi).flatmap(int_form)


def floats(lo: float, hi: float) -> st.SearchStrategy[Any]:
    return st.floats(lo, hi).flatmap(float_form)


def seq_form(values: list[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from([list(values), tuple(values), np.array(values)])


def per_group(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """One value for every group, or a list/tuple of two (an array: see
    ``test_per_group_arrays_are_refused``)."""
    pair = st.lists(st.floats(0.001, 0.2), min_size=2, max_size=2)
    return st.one_of(values, pair, pair.map(tuple))


# -- running --------------------------------------------------------------------------------


def make_opt(kind: str = "sgd") -> torch.optim.Optimizer:
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": x} for x in (0.1, 0.03)]
    if kind == "adam":
        return torch.optim.Adam(groups, lr=0.1)
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def values(o: torch.optim.Optimizer) -> list[float]:
    out = []
    for g in o.param_groups:
        out.append(float(g["lr"]))
        out.append(float(g["betas"][0]) if "betas" in g else float(g["momentum"]))
    return out


def outcome(build: Any, kind: str = "sgd", steps: int = STEPS, metrics: bool = False) -> Any:
    """("raised", exception type, step) or ("ok", values after each step)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        o = make_opt(kind)
        try:
            s = build(o)
            seen = [values(o)]  # (a learning rate that is no number fails here)
        except Exception as e:
            return ("raised", type(e), -1)
        for t in range(steps):
            o.step()
            try:
                s.step(1.0 / (1 + t) if t < 5 else 1.0) if metrics else s.step()
            except Exception as e:
                return ("raised", type(e), t)
            seen.append(values(o))
        return ("ok", seen)


def same_outcome(build: Any, kind: str = "sgd", steps: int = STEPS, metrics: bool = False) -> None:
    theirs = outcome(lambda o: build(T, o), kind, steps, metrics)
    ours = outcome(lambda o: build(G, o), kind, steps, metrics)
    assert theirs[0] == ours[0], (theirs, ours)
    if theirs[0] == "raised":
        assert theirs[1] is ours[1] and theirs[2] == ours[2], (theirs, ours)
        return
    for t, (a, b) in enumerate(zip(theirs[1], ours[1])):
        assert b == pytest.approx(a, rel=1e-9, abs=1e-14), (t, a, b)


# -- the classes ----------------------------------------------------------------------------


@EXAMPLES
@given(st.sampled_from(["fn", "list", "object"]), st.floats(0.8, 1.0))
def test_lambda_and_multiplicative(form: str, rate: float) -> None:
    class Rate:
        def __call__(self, e: int) -> float:
            return rate**e

    fn: Any = {"fn": lambda e: rate**e, "list": [lambda e: rate**e, lambda e: 1.0], "object": Rate()}[form]
    same_outcome(lambda L, o: L.LambdaLR(o, fn))
    same_outcome(lambda L, o: L.MultiplicativeLR(o, fn))


@EXAMPLES
@given(st.one_of(ints(1, 7), st.sampled_from([0.5, 2.5, 1.25, 3.5])), floats(0.1, 0.99))
def test_step_lr(step_size: Any, gamma: Any) -> None:
    same_outcome(lambda L, o: L.StepLR(o, step_size, gamma))


@EXAMPLES
@given(st.lists(st.integers(-3, 20), max_size=5).flatmap(
    lambda ms: st.tuples(*[st.sampled_from([m, float(m), np.int64(m)]) for m in ms]).map(list).flatmap(seq_form)
), floats(0.1, 0.99))
def test_multistep_lr(milestones: Any, gamma: Any) -> None:
    same_outcome(lambda L, o: L.MultiStepLR(o, milestones, gamma))


@EXAMPLES
@given(st.one_of(floats(0.05, 1.0), st.just(1.5), st.just(-0.1)), st.one_of(ints(0, 9), floats(0.5, 9.5)))
def test_constant_lr(factor: Any, total_iters: Any) -> None:
    same_outcome(lambda L, o: L.ConstantLR(o, factor, total_iters))


@EXAMPLES
@given(st.one_of(floats(0.05, 1.0), st.just(0.0), st.just(1.5)), st.one_of(floats(0.0, 1.0), st.just(2.0)),
       st.one_of(ints(0, 9), floats(0.5, 9.5)))
def test_linear_lr(start: Any, end: Any, total_iters: Any) -> None:
    same_outcome(lambda L, o: L.LinearLR(o, start, end, total_iters))


@EXAMPLES
@given(floats(0.5, 1.0))
def test_exponential_lr(gamma: Any) -> None:
    same_outcome(lambda L, o: L.ExponentialLR(o, gamma))


@EXAMPLES
@given(st.one_of(ints(0, 12), floats(1.0, 12.0)), floats(0.5, 3.0))
def test_polynomial_lr(total_iters: Any, power: Any) -> None:
    same_outcome(lambda L, o: L.PolynomialLR(o, total_iters, power))


@EXAMPLES
@given(st.one_of(ints(1, 12), floats(1.0, 12.0)), st.one_of(floats(0.0, 0.01), ints(0, 0)))
def test_cosine_annealing_lr(t_max: Any, eta_min: Any) -> None:
    same_outcome(lambda L, o: L.CosineAnnealingLR(o, t_max, eta_min))


@EXAMPLES
@given(st.one_of(ints(0, 5), st.just(2.0)), ints(0, 3), st.one_of(floats(0.0, 0.01), ints(0, 0)))
def test_cosine_annealing_warm_restarts(t_0: Any, t_mult: Any, eta_min: Any) -> None:
    same_outcome(lambda L, o: L.CosineAnnealingWarmRestarts(o, t_0, t_mult, eta_min))


@EXAMPLES
@given(per_group(floats(0.001, 0.01)), per_group(floats(0.05, 0.2)), st.one_of(ints(0, 5), floats(0.5, 5.0)),
       st.one_of(st.none(), ints(0, 5), floats(0.5, 5.0)), st.sampled_from(["triangular", "triangular2", "exp_range"]),
       floats(0.9, 1.0), st.booleans(), st.sampled_from(["sgd", "adam"]))
def test_cyclic_lr(base: Any, high: Any, up: Any, down: Any, mode: str, gamma: Any, cycle: bool, kind: str) -> None:
    # torch puts a tensor base_lr itself into a float group and then writes the group in place,
    # which moves its base_lrs (its lr stops cycling: test_fixes shows it); torch gets the number
    theirs = float(base) if isinstance(base, torch.Tensor) else base
    same_outcome(lambda L, o: L.CyclicLR(o, base if L is G else theirs, high, up, down, mode, gamma,
                                         cycle_momentum=cycle), kind)


@EXAMPLES
@given(per_group(floats(0.01, 0.5)), st.one_of(ints(10, 40), st.just(0)), st.one_of(floats(0.05, 1.0), st.just(1)),
       st.sampled_from(["cos", "linear"]), st.booleans(), floats(5.0, 50.0), floats(10.0, 1e4),
       st.sampled_from(["sgd", "adam"]))
def test_one_cycle_lr(max_lr: Any, total: Any, pct: Any, anneal: str, three: bool, div: Any, fdiv: Any, kind: str) -> None:
    if three and isinstance(pct, float) and float(pct) > 0.45:
        pct = 0.45  # torch's third phase never starts past that; ours refuses such phases (see module docs)
    n = int(total) if isinstance(total, int) else 0
    same_outcome(lambda L, o: L.OneCycleLR(o, max_lr, total, pct_start=pct, anneal_strategy=anneal, three_phase=three,
                                           div_factor=div, final_div_factor=fdiv), kind, steps=max(0, n - 1))


@EXAMPLES
@given(st.sampled_from(["min", "max"]), st.one_of(floats(0.0, 0.9), st.just(1.0)), ints(0, 3), floats(0.0, 0.01),
       st.sampled_from(["rel", "abs"]), ints(0, 2), st.one_of(floats(0.0, 0.01), per_group(floats(0.0, 0.01))))
def test_reduce_lr_on_plateau(mode: str, factor: Any, patience: Any, threshold: Any, tmode: str, cooldown: Any,
                              min_lr: Any) -> None:
    same_outcome(lambda L, o: L.ReduceLROnPlateau(o, mode, factor, patience, threshold, tmode, cooldown, min_lr),
                 metrics=True)


@EXAMPLES
@given(per_group(floats(0.001, 0.05)), st.one_of(ints(0, 6), st.just(-1)), st.sampled_from(["cos", "linear"]))
def test_swalr(swa_lr: Any, epochs: Any, anneal: str) -> None:
    same_outcome(lambda L, o: (G.SWALR if L is G else TorchSWALR)(o, swa_lr, epochs, anneal))


@EXAMPLES
@given(ints(1, 10), floats(0.8, 0.99), ints(1, 6))
def test_sequential_and_chained(milestone: Any, gamma: Any, n: Any) -> None:
    same_outcome(lambda L, o: L.SequentialLR(o, [L.LinearLR(o, 0.2, 1.0, n), L.ExponentialLR(o, gamma)], [milestone]))
    same_outcome(lambda L, o: L.ChainedScheduler([L.ConstantLR(o, 0.5, n), L.ExponentialLR(o, gamma)]))


@pytest.mark.parametrize(
    "make",
    [
        lambda L, o: L.CyclicLR(o, np.array([0.01, 0.02]), 0.1),
        lambda L, o: L.CyclicLR(o, 0.01, np.array([0.1, 0.2])),
        lambda L, o: L.OneCycleLR(o, np.array([0.1, 0.2]), 10),
        lambda L, o: (G.SWALR if L is G else TorchSWALR)(o, np.array([0.1, 0.2])),
    ],
)
def test_per_group_arrays_are_refused(make: Any) -> None:
    """torch takes an array for one value and its arithmetic fails (TypeError); ours says so."""
    theirs = outcome(lambda o: make(T, o))
    ours = outcome(lambda o: make(G, o))
    assert theirs[0] == "raised" and theirs[1] is TypeError, theirs
    assert ours[:2] == ("raised", TypeError)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        # torch accepts these and fails only at a later step (ZeroDivisionError)...
        (lambda L, o: L.StepLR(o, 0), "step_size must be > 0"),
        (lambda L, o: L.CosineAnnealingLR(o, 0), "T_max must be > 0"),
        # ...or runs on with values that are no schedule (negative, alternating, non-integer steps)
        (lambda L, o: L.StepLR(o, -2), "step_size must be > 0"),
        (lambda L, o: L.ExponentialLR(o, -0.5), "gamma must be > 0"),
        (lambda L, o: L.CyclicLR(o, 0.01, 0.1, -3), "step_size_up must be >= 0"),
        (lambda L, o: L.PolynomialLR(o, 5, -1.0), "power must be >= 0"),
        (lambda L, o: L.StepLR(o, 3, math.nan), "gamma must be a finite number"),
    ],
)
def test_refused_at_the_door(make: Any, match: str) -> None:
    """Where torch accepts an argument it cannot run on, ours says so at construction."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make(T, make_opt())  # torch takes it
        with pytest.raises(ValueError, match=match):
            make(G, make_opt())


@pytest.mark.parametrize(
    "make",
    [
        lambda L, o: L.CosineAnnealingLR(o, T_max=40.0),
        lambda L, o: L.CosineAnnealingLR(o, T_max=np.int64(40), eta_min=np.float64(0.001)),
        lambda L, o: L.StepLR(o, step_size=np.int64(30)),
        lambda L, o: L.MultiStepLR(o, milestones=np.array([30, 60])),
        lambda L, o: L.MultiStepLR(o, milestones=[30.0, 60.0]),
        lambda L, o: L.MultiStepLR(o, milestones=[-5, 30]),
        lambda L, o: L.MultiStepLR(o, milestones=[60, 30, 30]),
        lambda L, o: L.PolynomialLR(o, total_iters=5.0),
        lambda L, o: L.PolynomialLR(o, total_iters=np.int64(50)),
        lambda L, o: L.OneCycleLR(o, 0.1, total_steps=70, pct_start=1.0),
        lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=np.int64(7), step_size_down=0),
        lambda L, o: L.CyclicLR(o, 0.01, 0.1, step_size_up=2.5, step_size_down=0, mode="triangular2"),
        lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=np.int64(10)),  # torch refuses: ValueError
    ],
)
def test_the_forms_users_reported(make: Any) -> None:
    same_outcome(make, steps=70)
