# ruff: noqa: N812
"""Transformers dialect: parity with transformers.optimization side by side."""

from __future__ import annotations

import warnings

import pytest
import transformers.optimization as hf
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_parity_helpers import compare

import glideslope.torch as G
import torch

fast = settings(max_examples=4)


def names_and_kwargs(draw_w, draw_n):
    return draw_w, draw_n


@fast
@given(
    st.sampled_from([
        ("linear", {}), ("cosine", {}), ("cosine", {"num_cycles": 1.7}), ("cosine_with_restarts", {"num_cycles": 3}),
        ("polynomial", {"lr_end": 1e-5, "power": 2.0}), ("constant", {}), ("constant_with_warmup", {}),
        ("inverse_sqrt", {}), ("inverse_sqrt", {"timescale": 77}),
        ("cosine_with_min_lr", {"min_lr_rate": 0.1}), ("cosine_with_min_lr", {"min_lr": 1e-3}),
        ("cosine_warmup_with_min_lr", {"min_lr_rate": 0.05}),
        ("cosine_warmup_with_min_lr", {"min_lr_rate": 0.05, "warmup_lr_rate": 0.1}),
        ("warmup_stable_decay", {"num_decay_steps": 300, "decay_type": "cosine", "warmup_type": "cosine", "min_lr_ratio": 0.1}),
        ("warmup_stable_decay", {"num_decay_steps": 250, "decay_type": "1-sqrt", "warmup_type": "1-sqrt"}),
        ("warmup_stable_decay", {"num_decay_steps": 200, "decay_type": "linear", "warmup_type": "linear", "num_cycles": 1.0}),
    ]),
    st.integers(0, 200), st.integers(600, 1100), st.lists(st.floats(0.01, 0.5), min_size=1, max_size=3),
    st.integers(0, 999),
)
def test_get_scheduler_parity(case, w, n, lrs, k):
    name, kw = case
    compare(
        lambda o: hf.get_scheduler(name, o, w, n, dict(kw)),
        lambda o: G.get_scheduler(name, o, w, n, dict(kw)),
        lrs, 1000, k,
    )


def test_plateau_by_name():
    o = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    s = G.get_scheduler("reduce_lr_on_plateau", o, scheduler_specific_kwargs={"patience": 0, "factor": 0.5})
    assert isinstance(s, G.ReduceLROnPlateau)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s.step(1.0)
        s.step(2.0)
    assert o.param_groups[0]["lr"] == pytest.approx(0.05)


def test_schedulertype_members_and_errors():
    from transformers.trainer_utils import SchedulerType

    o = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    for member in SchedulerType:
        if member.value == "greedy":
            continue
        assert member.value in {m.value for m in G.SchedulerType}
    G.get_scheduler(SchedulerType.COSINE, o, 10, 100)
    with pytest.raises(ValueError, match="requires `num_warmup_steps`"):
        G.get_scheduler("linear", o)
    with pytest.raises(ValueError, match="requires `num_training_steps`"):
        G.get_scheduler("linear", o, 10)
    with pytest.raises(ValueError, match="not a valid SchedulerType"):
        G.get_scheduler("nope", o, 10, 100)
    with pytest.raises(ValueError, match="Only one of min_lr or min_lr_rate should be set"):
        G.get_cosine_with_min_lr_schedule_with_warmup(o, 1, 10, min_lr=1e-3, min_lr_rate=0.1)
    with pytest.raises(ValueError, match="must be smaller than initial lr"):
        G.get_polynomial_decay_schedule_with_warmup(o, 1, 10, lr_end=1.0)
    with pytest.raises(ValueError, match=r"Either num_training_steps or num_stable_steps must be specified."):
        G.get_wsd_schedule(o, 1, 10)
    with pytest.raises(ValueError, match="Unknown decay type"):
        G.get_wsd_schedule(o, 1, 10, 100, decay_type="x")
