"""ScheduleLR: any param-group key from any glideslope schedule."""

from __future__ import annotations

import io
import math
import warnings

import pytest

import glideslope as gs
import torch
from glideslope.torch import ScheduleLR


def adam(lrs=(0.1, 0.01)):
    return torch.optim.AdamW(
        [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": x, "weight_decay": 0.1} for x in lrs], lr=0.1
    )


def steps(o, s, n):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n):
            o.step()
            s.step()


def test_multiplies_base_values_per_group_with_layerwise_multipliers():
    o = adam()
    sched = gs.warmup(10) >> gs.cosine(steps=90)
    s = ScheduleLR(o, sched, multipliers=[1.0, 0.5])
    steps(o, s, 40)
    for g, base, m in zip(o.param_groups, (0.1, 0.01), (1.0, 0.5)):
        assert g["lr"] == pytest.approx(base * m * sched(40), rel=1e-12)


def test_drives_betas_weight_decay_and_custom_keys_absolute_or_relative():
    o = adam()
    b1 = ScheduleLR(o, gs.linear(0.95, 0.85, 20), key="betas[0]", mode="absolute")
    wd = ScheduleLR(o, gs.cosine(1.0, 0.0, 50), key="weight_decay")
    custom = ScheduleLR(o, [gs.constant(3.0), gs.linear(0, 1, 10)], key="temperature", mode="absolute")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(10):
            o.step()
            b1.step()
            wd.step()
            custom.step()
    g = o.param_groups[0]
    assert g["betas"][0] == pytest.approx(0.95 - 0.1 * 10 / 20)
    assert g["betas"][1] == 0.999
    assert g["weight_decay"] == pytest.approx(0.1 * (1 + math.cos(math.pi * 10 / 50)) / 2)
    assert [gg["temperature"] for gg in o.param_groups] == [3.0, 1.0]
    assert g["lr"] == 0.1  # untouched


def test_fractions_bind_to_total_steps():
    o = adam()
    s = ScheduleLR(o, gs.warmup("10%") >> gs.cosine(steps=None), total_steps=200)
    steps(o, s, 20)
    assert o.param_groups[0]["lr"] == pytest.approx(0.1)


def test_state_dict_resumes_and_refuses_a_changed_schedule():
    sched = gs.cosine(steps=100)
    o = adam()
    s = ScheduleLR(o, sched)
    steps(o, s, 30)
    buf = io.BytesIO()
    torch.save(s.state_dict(), buf)
    buf.seek(0)
    state = torch.load(buf, weights_only=True)
    assert state["fingerprints"] == [sched.fingerprint()] * 2
    o2 = adam()
    s2 = ScheduleLR(o2, sched)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s2.load_state_dict(state)
    steps(o2, s2, 1)
    assert o2.param_groups[0]["lr"] == pytest.approx(0.1 * sched(31))
    s3 = ScheduleLR(adam(), gs.cosine(steps=120))
    with pytest.raises(ValueError, match="saved at step 30 under another plan"):  # never a silent mix
        s3.load_state_dict(state)


def test_tensor_betas_written_in_place():
    p = torch.nn.Parameter(torch.zeros(1))
    o = torch.optim.Adam([p], lr=torch.tensor(0.01), betas=(torch.tensor(0.9), torch.tensor(0.999)))
    b0 = o.param_groups[0]["betas"][0]
    s = ScheduleLR(o, gs.linear(0.9, 0.8, 10), key="betas[0]", mode="absolute")
    steps(o, s, 5)
    assert o.param_groups[0]["betas"][0] is b0
    assert float(b0) == pytest.approx(0.85)
