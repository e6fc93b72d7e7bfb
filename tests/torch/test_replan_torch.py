"""ScheduleLR.replan: plan changes mid-run, the plan history in the state, resumes across a
change, checkpoints of another plan, take_over of a torch scheduler, and the horizon checks."""

from __future__ import annotations

import io
import itertools
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glideslope as gs
import torch
from glideslope.torch import OneCycleLR, ScheduleLR, from_torch, take_over


def sgd(lrs=(0.1, 0.02)):
    return torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": x} for x in lrs], lr=0.1)


def run(o, s, n):
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n):
            o.step()
            s.step()
            out.append([g["lr"] for g in o.param_groups])
    return out


def saved(state):
    """The state as a checkpoint holds it: through torch.save and torch.load(weights_only=True)."""
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


PLAN = gs.wsd(steps=1000)  # warmup 50, stable to 800, cooldown 200

CHANGES = [
    (gs.extend, {"steps": 2000}),
    (gs.shorten, {"steps": 700}),
    (gs.cooldown_now, {"steps": 100, "shape": "cosine"}),
    (gs.splice, {"then": gs.cosine(steps=300)}),
    ("extend", {"steps": 1500}),
]


@pytest.mark.parametrize("change, arguments", CHANGES, ids=[str(getattr(c, "kind", c)) for c, _ in CHANGES])
def test_replan_keeps_the_past_and_is_continuous(change, arguments):
    o = sgd()
    s = ScheduleLR(o, PLAN)
    before = run(o, s, 600)
    now = [g["lr"] for g in o.param_groups]
    s.replan(change, **arguments)
    assert [g["lr"] for g in o.param_groups] == pytest.approx(now, rel=1e-12)
    assert s.schedules[0].at == 600 and s.schedules[0].schedule == PLAN
    after = run(o, s, 3000)
    new = s.schedules[0]
    assert [lr[0] for lr in after] == pytest.approx([0.1 * new(t) for t in range(601, 3601)], rel=1e-12, abs=1e-15)
    assert before == [[0.1 * PLAN(t), 0.02 * PLAN(t)] for t in range(1, 601)]
    assert s.plan_history[0]["step"] == 600 and s.plan_history[0]["fingerprints"] == s.fingerprints()


def test_state_records_the_history_and_a_resume_continues_on_the_changed_plan():
    o = sgd()
    s = ScheduleLR(o, PLAN)
    run(o, s, 300)
    s.replan(gs.extend, steps=2000)
    run(o, s, 700)
    s.replan(gs.cooldown_now, steps=300, shape="1-sqrt")
    run(o, s, 50)
    state = saved(s.state_dict())
    assert [h["step"] for h in state["plan_history"]] == [300, 1000]
    assert state["plan_history"][0]["changes"][0] == {"type": "extend", "steps": 2000, "at": 300}
    assert state["plan_history"][1]["changes"][0] == {"type": "cooldown_now", "at": 1000, "steps": 300,
                                                       "shape": "1-sqrt", "end": None}
    assert state["planned_fingerprints"] == [PLAN.fingerprint()] * 2
    assert state["fingerprints"] == s.fingerprints() != state["planned_fingerprints"]
    rest = run(o, s, 400)
    o2 = sgd()
    s2 = ScheduleLR(o2, PLAN)  # built as the run was first built
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s2.load_state_dict(state)
    assert s2.schedules == s.schedules and s2.plan_history == state["plan_history"]
    assert run(o2, s2, 400) == rest
    assert s2.state_dict()["plan_history"] == state["plan_history"]


@given(st.integers(1, 999), st.integers(0, 400), st.sampled_from(["extend", "shorten", "cooldown_now", "splice"]),
       st.sampled_from([gs.wsd(steps=1000), gs.warmup(100) >> gs.cosine(steps=900), gs.one_cycle(1.0, 1000)]))
@settings(max_examples=15, deadline=None)
def test_a_resume_across_a_change_equals_the_uninterrupted_run(at, later, kind, plan):
    arguments = {"extend": {"steps": 2500}, "shorten": {"steps": at + 1 + (999 - at) // 2},
                 "cooldown_now": {"steps": max(1, (1000 - at) // 2)}, "splice": {"then": gs.linear(1.0, 0.2, 500)}}
    o = sgd()
    s = ScheduleLR(o, plan)
    run(o, s, at)
    s.replan(kind, **arguments[kind])
    run(o, s, later)
    state = saved(s.state_dict())
    uninterrupted = run(o, s, 300)
    o2 = sgd()
    s2 = ScheduleLR(o2, plan)
    s2.load_state_dict(state)
    assert run(o2, s2, 300) == uninterrupted


def test_a_checkpoint_of_another_plan_is_an_error_or_an_explicit_choice():
    o = sgd()
    s = ScheduleLR(o, PLAN)
    run(o, s, 400)
    state = saved(s.state_dict())
    other = gs.cosine(steps=1000)
    with pytest.raises(ValueError, match=r"saved at step 400 under another plan .* on_resume='saved'.* "
                                         r"on_resume='constructed'"):
        ScheduleLR(sgd(), other).load_state_dict(state)
    adopt = ScheduleLR(sgd(), other)
    adopt.load_state_dict(state, on_resume="saved")
    assert adopt.schedules == [PLAN, PLAN] and adopt.last_epoch == 400
    keep = ScheduleLR(sgd(), other, on_resume="constructed")
    keep.load_state_dict(state)
    assert keep.schedules == [other, other] and keep.last_epoch == 400
    with pytest.raises(ValueError, match=r"on_resume must be one of \('error', 'saved', 'constructed'\), got 'mix'"):
        ScheduleLR(sgd(), other, on_resume="mix")
    # built with the changed plan itself (as optax and Keras users do): no mix, no error
    s.replan(gs.extend, steps=3000)
    state = saved(s.state_dict())
    again = ScheduleLR(sgd(), gs.extend(PLAN, 3000, at=400))
    again.load_state_dict(state)
    assert again.schedules == s.schedules


def test_replan_with_a_new_schedule():
    o = sgd()
    s = ScheduleLR(o, PLAN)
    run(o, s, 500)
    s.replan(gs.extend(PLAN, 4000, at=500))  # a change of this plan at this step: taken as it is
    assert s.schedules[0] == gs.extend(PLAN, 4000, at=500)
    s.replan(gs.constant(0.5))  # anything else: spliced on as given, a jump
    assert o.param_groups[0]["lr"] == pytest.approx(0.05) and isinstance(s.schedules[0], gs.Splice)
    assert run(o, s, 3)[-1] == pytest.approx([0.05, 0.01])
    state = saved(s.state_dict())
    s2 = ScheduleLR(sgd(), PLAN)
    s2.load_state_dict(state)
    assert s2.schedules == s.schedules


def test_bad_replans_are_refused():
    s = ScheduleLR(sgd(), PLAN)
    with pytest.raises(TypeError, match=r"the change comes at the current step \(at=0\)"):
        s.replan(gs.extend, steps=2000, at=5)
    with pytest.raises(ValueError, match=r"change must be one of \['cooldown_now', 'extend', 'shorten', 'splice'\]"):
        s.replan("lengthen", steps=2000)
    with pytest.raises(TypeError, match=r"change must be a plan change .* got int"):
        s.replan(2000)
    with pytest.raises(ValueError, match=r"give one schedule or a list of 2"):
        s.replan([PLAN])
    with pytest.raises(ValueError, match=r"extend\(\): steps must be > 1000, the plan's length, got 900"):
        s.replan(gs.extend, steps=900)
    assert s.plan_history == []


def test_take_over_a_torch_scheduler_and_extend_it():
    def make():
        o = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        return o, torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=100)

    o, torch_sched = make()
    twin_o, twin = make()
    run(o, torch_sched, 40)
    run(twin_o, twin, 40)
    lr = o.param_groups[0]["lr"]
    s = take_over(torch_sched)
    assert s.last_epoch == 40 and o.param_groups[0]["lr"] == pytest.approx(lr, rel=1e-12)
    assert s.schedules[0] == from_torch(torch_sched)
    # without a change, it goes on as torch's scheduler does
    assert [x[0] for x in run(o, s, 20)] == pytest.approx([x[0] for x in run(twin_o, twin, 20)], rel=1e-12)
    old = s.schedules[0]
    s.replan(gs.extend, steps=300)  # torch's OneCycleLR would raise past step 100
    new = s.schedules[0]
    assert new(60) == old(60) and new.length == 300 and new(300) == old(100)
    tail = [x[0] for x in run(o, s, 260)]
    assert tail[-1] == pytest.approx(old(100), rel=1e-12) and all(a >= b for a, b in itertools.pairwise(tail))
    assert take_over(s) is s


def test_take_over_a_periodic_torch_scheduler_and_cool_it_down():
    o = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    torch_sched = torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=100, eta_min=0.001)
    run(o, torch_sched, 30)
    s = take_over(torch_sched)
    with pytest.raises(ValueError, match=r"has no end to move"):
        s.replan(gs.extend, steps=300)  # torch's cosine annealing climbs back after T_max: no end
    lr = o.param_groups[0]["lr"]
    s.replan(gs.cooldown_now, steps=50, end=0.001, shape="linear")
    assert o.param_groups[0]["lr"] == pytest.approx(lr, rel=1e-12)
    lrs = [x[0] for x in run(o, s, 60)]
    assert lrs[24] == pytest.approx(lr + (0.001 - lr) * 25 / 50, rel=1e-12) and lrs[-1] == pytest.approx(0.001)


def test_one_cycle_still_raises_past_total_steps_as_torch_does():
    for cls in (torch.optim.lr_scheduler.OneCycleLR, OneCycleLR):
        o = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        s = cls(o, max_lr=0.1, total_steps=10)
        run(o, s, 9)
        with pytest.raises(ValueError, match=r"Tried to step 11 times. The specified number of total steps is 10"):
            run(o, s, 2)


def test_warns_once_well_past_the_end_naming_epochs_and_steps():
    o = sgd()
    s = ScheduleLR(o, gs.cosine(steps=90))  # written for 90 epochs, stepped per batch
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(180):
            o.step()
            s.step()
        assert not [w for w in caught if w.category is gs.HorizonWarning]  # twice the plan: not yet
        for _ in range(500):
            o.step()
            s.step()
    horizon = [w for w in caught if w.category is gs.HorizonWarning]
    assert len(horizon) == 1
    text = str(horizon[0].message)
    assert "stepped 181 times, but its schedule ends at step 90" in text
    assert "written in epochs but step() is called once per batch" in text and "sched.replan(gs.extend" in text
    report = s.horizon_report()
    assert report.status == "held past its end" and report.taken == 680 and report.planned == 90
    assert "590 steps past the plan's end at 90" in str(report)


def test_horizon_report_of_a_run_that_ended_early():
    o = sgd()
    s = ScheduleLR(o, gs.wsd(steps=1000))
    run(o, s, 900)  # half way through the cooldown
    r = s.horizon_report()
    assert r.status == "ended early" and r.fraction_of_plan == 0.9
    assert r.fraction_of_peak == pytest.approx(gs.wsd(steps=1000)(900))
    assert "ended at step 900 of 1,000 planned (90% of the plan)" in str(r)


def test_the_guide_quotes_the_real_warning():
    import re
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "guides" / "plan-changes.md"
    if not page.exists():
        pytest.skip("docs/ is not here")
    quoted = re.search(r"<!-- horizon-warning -->\n```text\n(.*?)\n```", page.read_text(), flags=re.S).group(1)
    opt = torch.optim.SGD(torch.nn.Linear(4, 1).parameters(), lr=0.1)
    sched = ScheduleLR(opt, gs.warmup(5) >> gs.cosine(steps=85))  # the guide's example
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", gs.HorizonWarning)
        for _ in range(200):
            opt.step()
            sched.step()
    assert [str(w.message) for w in caught if w.category is gs.HorizonWarning] == [quoted]
