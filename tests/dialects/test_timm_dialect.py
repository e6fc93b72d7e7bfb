"""glideslope.timm against timm.scheduler itself: same arguments, same lrs step by step (noise
included), same state dicts, same factory; fuzzed with hypothesis.

timm is installed without its dependencies, and ``import timm`` needs torchvision; the tests
import just ``timm.scheduler`` by registering a bare ``timm`` package over the installed
directory (timm.scheduler itself imports only torch).
"""

from __future__ import annotations

import importlib.util
import inspect
import math
import os
import subprocess
import sys
import types
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import glideslope as gs
import glideslope.timm as gt

torch = pytest.importorskip("torch")
ROOT = Path(__file__).resolve().parents[2]


def _timm_scheduler() -> Any:
    """timm.scheduler, imported under a bare ``timm`` package (removed again afterwards, so that
    nothing else in the session finds a half ``timm``)."""
    if "timm.scheduler" in sys.modules:
        return sys.modules["timm.scheduler"]
    if "timm" in sys.modules:
        import timm.scheduler

        return timm.scheduler
    spec = importlib.util.find_spec("timm")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("timm is not installed", allow_module_level=True)
    bare = types.ModuleType("timm")
    bare.__path__ = list(spec.submodule_search_locations)
    sys.modules["timm"] = bare
    try:
        scheduler = importlib.import_module("timm.scheduler")
    finally:
        del sys.modules["timm"]
    return scheduler


ts = _timm_scheduler()
CLASSES = [
    "CosineLRScheduler", "StepLRScheduler", "MultiStepLRScheduler", "PlateauLRScheduler",
    "PolyLRScheduler", "TanhLRScheduler", "WSDLRScheduler",
]


def optimizer(groups: list[tuple[float, float | None]]) -> Any:
    """An SGD optimizer with one parameter per group: (lr, lr_scale or None)."""
    specs = []
    for lr, scale in groups:
        g: dict[str, Any] = {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr}
        if scale is not None:
            g["lr_scale"] = scale
        specs.append(g)
    return torch.optim.SGD(specs)


def lrs(opt: Any) -> list[float]:
    return [float(g["lr"]) for g in opt.param_groups]


def close(a: list[float], b: list[float]) -> bool:
    return all(math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-15) for x, y in zip(a, b, strict=True))


def build(name: str, groups: list[tuple[float, float | None]], **kw: Any) -> tuple[Any, Any, Any, Any]:
    o1, o2 = optimizer(groups), optimizer(groups)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(ts, name)(o1, **kw)
    ours = getattr(gt, name)(o2, **kw)
    return theirs, o1, ours, o2


def timm_cycle_index(t: float, t_initial: int, mul: float) -> int:
    """The cycle index timm's float formula gives (the oracle's own expression)."""
    if mul == 1:
        return int(t // t_initial)
    return math.floor(math.log(1 - t / t_initial * (1 - mul), mul))


def exact_cycle_index(t: float, t_initial: int, mul: float) -> int:
    """The true cycle of step t, in exact rational arithmetic."""
    m, tt, i = Fraction(mul), Fraction(t), 0
    if m == 1:
        return int(tt // t_initial)
    while t_initial * (m ** (i + 1) - 1) / (m - 1) <= tt:
        i += 1
    return i


def timm_float_artefact(name: str, kw: dict[str, Any], t: int) -> bool:
    """Whether timm's number at step ``t`` comes from a floating-point artefact that we do not
    copy: a cycle index that exact arithmetic contradicts (cosine, poly, tanh), or ``t // decay_t``
    (the floor of the exact quotient of a fractional ``decay_t``) differing from
    ``floor(t / decay_t)``, e.g. ``9 // 0.9 == 9.0`` while ``9 / 0.9 == 10.0``, or a quotient
    within an ulp of a whole number, which the engine snaps to it so that every backend
    floors it alike (``1 / 0.5000000000000001`` counts as 2) (step)."""
    w = kw.get("warmup_t", 0)
    if t < w:
        return False
    prefix = kw.get("warmup_prefix", name in ("StepLRScheduler", "MultiStepLRScheduler"))
    tc = t - w if prefix else t
    if name == "StepLRScheduler":
        d = kw["decay_t"]
        q = tc / d
        near_whole = q >= 1 and abs(q - round(q)) <= 1e-15 * round(q)
        return bool(tc // d != math.floor(q) or near_whole)
    mul = kw.get("cycle_mul", 1.0)
    if name in ("CosineLRScheduler", "PolyLRScheduler", "TanhLRScheduler") and mul != 1:
        return timm_cycle_index(tc, kw["t_initial"], mul) != exact_cycle_index(tc, kw["t_initial"], mul)
    return False


def run_pair(name: str, groups: list[tuple[float, float | None]], steps: int, kw: dict[str, Any]) -> None:
    """Step both schedulers through ``steps`` epochs/updates; every lr must agree, except at a
    step where timm's number is a floating-point artefact (:func:`timm_float_artefact`)."""
    theirs, o1, ours, o2 = build(name, groups, **kw)
    assert close(lrs(o1), lrs(o2)), ("initial", lrs(o1), lrs(o2))
    for t in range(steps):
        theirs.step(t)
        ours.step(t)
        theirs.step_update(t)
        ours.step_update(t)
        if not close(lrs(o1), lrs(o2)):
            assert timm_float_artefact(name, kw, t), (name, kw, t, lrs(o1), lrs(o2))


# -- strategies ---------------------------------------------------------------------------

lr = st.floats(1e-4, 1.0)
groups_st = st.lists(st.tuples(lr, st.none() | st.floats(0.1, 2.0)), min_size=1, max_size=3)


@st.composite
def noise_st(draw: st.DrawFn) -> dict[str, Any]:
    rng = draw(st.none() | st.integers(0, 30) | st.tuples(st.integers(0, 20), st.integers(0, 60)))
    return {
        "noise_range_t": rng,
        "noise_pct": draw(st.floats(0.05, 1.0)),
        "noise_std": draw(st.floats(0.0, 2.0)),
        "noise_seed": draw(st.integers(0, 10_000)),
    }


@st.composite
def warmup_st(draw: st.DrawFn, prefix: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"warmup_t": draw(st.integers(0, 8)), "warmup_lr_init": draw(st.floats(0.0, 0.2))}
    if prefix:
        out["warmup_prefix"] = draw(st.booleans())
    return out


@st.composite
def cycles_st(draw: st.DrawFn, k: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "t_initial": draw(st.integers(1, 30)),
        "lr_min": draw(st.just(0.0) | st.floats(0.0, 0.05)),
        "cycle_mul": draw(st.just(1.0) | st.sampled_from([1.5, 2.0, 3.0]) | st.floats(1.0, 3.0)),
        "cycle_decay": draw(st.floats(0.1, 1.0)),
        "cycle_limit": draw(st.integers(0, 4)),
        "t_in_epochs": draw(st.booleans()),
        **draw(warmup_st()),
        **draw(noise_st()),
    }
    if k:
        out["k_decay"] = draw(st.just(1.0) | st.floats(0.3, 3.0))
    return out


# -- parity, fuzzed ------------------------------------------------------------------------


@given(groups_st, cycles_st())
def test_cosine_matches_timm(groups: Any, kw: dict[str, Any]) -> None:
    run_pair("CosineLRScheduler", groups, 90, kw)


@given(groups_st, cycles_st(), st.floats(0.1, 4.0))
def test_poly_matches_timm(groups: Any, kw: dict[str, Any], power: float) -> None:
    run_pair("PolyLRScheduler", groups, 90, {**kw, "power": power})


@given(groups_st, cycles_st(k=False), st.floats(-10.0, 0.0), st.floats(0.5, 6.0))
def test_tanh_matches_timm(groups: Any, kw: dict[str, Any], lb: float, width: float) -> None:
    run_pair("TanhLRScheduler", groups, 90, {**kw, "lb": lb, "ub": lb + width})


@given(
    groups_st, st.integers(1, 12) | st.floats(0.5, 12.0), st.floats(0.1, 1.0), warmup_st(), noise_st(), st.booleans()
)
def test_step_matches_timm(groups: Any, decay_t: float, rate: float, w: Any, noise: Any, epochs: bool) -> None:
    run_pair("StepLRScheduler", groups, 70, {"decay_t": decay_t, "decay_rate": rate, "t_in_epochs": epochs, **w, **noise})


@given(
    groups_st,
    st.lists(st.integers(0, 50) | st.floats(0.0, 50.0), max_size=5).map(sorted),
    st.floats(0.1, 1.0), warmup_st(), noise_st(), st.booleans(),
)
def test_multistep_matches_timm(groups: Any, ms: list[float], rate: float, w: Any, noise: Any, epochs: bool) -> None:
    run_pair("MultiStepLRScheduler", groups, 70, {"decay_t": ms, "decay_rate": rate, "t_in_epochs": epochs, **w, **noise})


@st.composite
def wsd_st(draw: st.DrawFn) -> dict[str, Any]:
    t_initial = draw(st.integers(1, 50))
    w = draw(warmup_st(prefix=False))
    stable = draw(st.sampled_from(["constant", "rsqrt", "power"]))
    kw: dict[str, Any] = {
        "t_initial": t_initial,
        "decay_t": draw(st.integers(1, t_initial)),
        "lr_min": draw(st.just(0.0) | st.floats(0.0, 0.05)),
        "stable_fn": stable,
        "stable_power": draw(st.floats(0.1, 2.0)),
        "decay_fn": draw(st.sampled_from(["linear", "1-sqrt", "cosine", "power", "exp"])),
        "decay_power": draw(st.floats(0.1, 3.0)),
        "decay_ratio": draw(st.floats(0.01, 0.9)),
        "t_in_epochs": draw(st.booleans()),
        **w,
        **draw(noise_st()),
    }
    if stable != "constant" and (w["warmup_t"] == 0 or draw(st.booleans())):
        kw["stable_timescale"] = draw(st.integers(1, 20) | st.floats(0.5, 20.0))
    return kw


@given(groups_st, wsd_st())
def test_wsd_matches_timm(groups: Any, kw: dict[str, Any]) -> None:
    run_pair("WSDLRScheduler", groups, 80, kw)


def test_wsd_callable_decay_matches_timm() -> None:
    def fn(x: float) -> float:
        return 0.5 * (1 - x) ** 3 + 0.25  # fn(0) != 1: timm keeps the stable value at the start

    run_pair("WSDLRScheduler", [(0.1, None), (0.3, 0.5)], 60, {"t_initial": 40, "decay_t": 15, "decay_fn": fn, "warmup_t": 3})


@given(
    groups_st,
    st.fixed_dictionaries({
        "decay_rate": st.floats(0.05, 0.9),
        "patience_t": st.integers(0, 4),
        "threshold": st.floats(0.0, 0.1),
        "cooldown_t": st.integers(0, 3),
        "warmup_t": st.integers(0, 4),
        "warmup_lr_init": st.floats(0.0, 0.1),
        "lr_min": st.floats(0.0, 0.01),
        "mode": st.sampled_from(["min", "max"]),
        "noise_type": st.sampled_from(["normal", "uniform"]),
    }),
    noise_st(),
    st.lists(st.none() | st.sampled_from([1.0, 0.9, 0.95, 1.1, 0.5, float("nan")]), min_size=1, max_size=40),
)
def test_plateau_matches_timm(groups: Any, kw: dict[str, Any], noise: Any, metrics: list[float | None]) -> None:
    theirs, o1, ours, o2 = build("PlateauLRScheduler", groups, **kw, **noise)
    assert close(lrs(o1), lrs(o2))
    for epoch, m in enumerate(metrics):
        theirs.step(epoch, m)
        ours.step(epoch, m)
        theirs.step_update(epoch)
        ours.step_update(epoch)
        assert close(lrs(o1), lrs(o2)), (kw, noise, epoch, lrs(o1), lrs(o2))
    assert ours.state_dict()["best"] == theirs.state_dict()["best"] or math.isnan(theirs.state_dict()["best"])
    assert ours.state_dict()["last_epoch"] == theirs.state_dict()["last_epoch"]


def test_fractional_decay_where_timm_floor_division_is_off() -> None:
    """decay_t=0.9: 9 / 0.9 is 10 (the tenth decay is due at step 9); Python's 9 // 0.9 is 9.0,
    the floor of the exact quotient of the float 0.9 (a hair above 0.9), so timm decays later."""
    theirs, o1, ours, o2 = build("StepLRScheduler", [(1.0, None)], decay_t=0.9, decay_rate=0.5)
    theirs.step(9)
    ours.step(9)
    assert lrs(o1) == [0.5**9] and lrs(o2) == [0.5**10]
    assert timm_float_artefact("StepLRScheduler", {"decay_t": 0.9}, 9)
    run_pair("StepLRScheduler", [(1.0, None)], 200, {"decay_t": 0.9, "decay_rate": 0.9})


def test_first_restart_is_exact() -> None:
    """t_initial=7, cycle_mul=2.4288...: the second cycle starts exactly at step 7 (as timm has
    it); computing the start as 7 * (m - 1) / (m - 1) would put it one ulp later."""
    kw = {"t_initial": 7, "cycle_mul": 2.4288060555942197, "cycle_limit": 2}
    for name in ("CosineLRScheduler", "PolyLRScheduler", "TanhLRScheduler"):
        theirs, o1, ours, o2 = build(name, [(1.0, None)], **kw)
        theirs.step(7)
        ours.step(7)
        assert lrs(o2) == pytest.approx(lrs(o1), rel=1e-12) and lrs(o2)[0] > 0.9, name


def test_cycle_boundary_where_timm_float_index_is_off() -> None:
    """t_initial=16, cycle_mul=1.5: step 211 starts cycle 5 exactly; timm's log puts it at the end
    of cycle 4 (lr_min); ours restarts there."""
    assert timm_cycle_index(211, 16, 1.5) == 4 and exact_cycle_index(211, 16, 1.5) == 5
    kw = {"t_initial": 16, "cycle_mul": 1.5, "cycle_limit": 10}
    theirs, o1, ours, o2 = build("CosineLRScheduler", [(0.1, None)], **kw)
    theirs.step(211)
    ours.step(211)
    assert lrs(o1)[0] == pytest.approx(0.0, abs=1e-15) and lrs(o2)[0] == pytest.approx(0.1)
    run_pair("CosineLRScheduler", [(0.1, None)], 260, kw)


# -- the factory --------------------------------------------------------------------------


@given(
    st.sampled_from(["cosine", "tanh", "step", "multistep", "poly", "wsd", "rsqrt", "constant", "plateau", "none"]),
    st.fixed_dictionaries({
        "num_epochs": st.integers(6, 40),
        "decay_rate": st.floats(0.1, 0.9),
        "min_lr": st.floats(0.0, 0.01),
        "warmup_lr": st.floats(0.0, 0.05),
        "warmup_epochs": st.integers(0, 5),
        "warmup_prefix": st.booleans(),
        "cooldown_epochs": st.integers(0, 5),
        "cycle_mul": st.just(1.0) | st.floats(1.0, 2.0),
        "cycle_decay": st.floats(0.1, 1.0),
        "cycle_limit": st.integers(1, 3),
        "k_decay": st.floats(0.5, 2.0),
        "decay_milestones": st.lists(st.integers(1, 30), min_size=1, max_size=3).map(sorted),
        "noise": st.none() | st.floats(0.1, 0.9) | st.lists(st.floats(0.0, 1.0), min_size=1, max_size=2).map(sorted),
        "noise_seed": st.integers(0, 100),
        "plateau_mode": st.sampled_from(["min", "max"]),
    }),
    st.none() | st.integers(1, 5),
    st.booleans(),
)
def test_create_scheduler_v2_matches_timm(sched: str, kw: dict[str, Any], per_epoch: int | None, decay_frac: bool) -> None:
    if sched in ("wsd", "rsqrt"):
        kw["decay_epochs"] = 0.25 if decay_frac else 2
        if sched == "rsqrt" and kw["warmup_epochs"] == 0:
            kw["stable_timescale"] = 3
    elif sched == "step":
        kw["decay_epochs"] = 2.4 if decay_frac else 4
    if per_epoch is not None and sched != "plateau":
        kw.update(step_on_epochs=False, updates_per_epoch=per_epoch)
    o1, o2 = optimizer([(0.1, None), (0.02, 0.5)]), optimizer([(0.1, None), (0.02, 0.5)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            theirs, n1 = ts.create_scheduler_v2(o1, sched=sched, **kw)
        except ValueError:  # e.g. a WSD decay longer than what the warmup leaves
            with pytest.raises(ValueError, match="decay_epochs"):
                gt.create_scheduler_v2(o2, sched=sched, **kw)
            return
    ours, n2 = gt.create_scheduler_v2(o2, sched=sched, **kw)
    assert n1 == n2
    assert (theirs is None) == (ours is None)
    assert type(ours).__name__ == type(theirs).__name__ if ours is not None else True
    assert close(lrs(o1), lrs(o2))
    if ours is None:
        return
    for t in range(n1 * (per_epoch or 1) + 3):
        m = 1.0 / (1 + t % 7)
        theirs.step(t, m)
        ours.step(t, m)
        theirs.step_update(t)
        ours.step_update(t)
        assert close(lrs(o1), lrs(o2)), (sched, kw, t, lrs(o1), lrs(o2))


class Args:
    """A stand-in for timm train.py's argparse namespace."""

    sched = "cosine"
    epochs = 20
    warmup_epochs = 2
    lr_cycle_limit = 2
    eval_metric = "loss"
    sched_on_updates = True


def test_create_scheduler_from_args_matches_timm() -> None:
    assert gt.scheduler_kwargs(Args()) == ts.scheduler_kwargs(Args())
    o1, o2 = optimizer([(0.1, None)]), optimizer([(0.1, None)])
    theirs, n1 = ts.create_scheduler(Args(), o1, updates_per_epoch=3)
    ours, n2 = gt.create_scheduler(Args(), o2, updates_per_epoch=3)
    assert n1 == n2 == 40
    for t in range(130):
        theirs.step_update(t)
        ours.step_update(t)
        assert close(lrs(o1), lrs(o2))


# -- signatures, state, the schedule ---------------------------------------------------------


@pytest.mark.parametrize("name", [*CLASSES, "create_scheduler_v2", "create_scheduler", "scheduler_kwargs"])
def test_same_signature_as_timm(name: str) -> None:
    ours = inspect.signature(getattr(gt, name)).parameters
    theirs = inspect.signature(getattr(ts, name)).parameters
    assert list(ours) == list(theirs)
    for p in theirs:
        assert ours[p].default == theirs[p].default, p


STATE_CASES = [
    ("CosineLRScheduler", {"t_initial": 12, "warmup_t": 3, "cycle_limit": 3, "cycle_mul": 1.5, "noise_range_t": 4}),
    ("CosineLRScheduler", {"t_initial": 12, "k_decay": 2.0, "cycle_limit": 2, "noise_range_t": (3, 9), "t_in_epochs": True}),
    ("PolyLRScheduler", {"t_initial": 12, "power": 2.0, "warmup_t": 3, "cycle_limit": 2, "k_decay": 1.5}),
    ("TanhLRScheduler", {"t_initial": 12, "warmup_t": 3, "cycle_limit": 2, "lr_min": 1e-3}),
    ("StepLRScheduler", {"decay_t": 3, "decay_rate": 0.5, "warmup_t": 2, "noise_range_t": [2, 9]}),
    ("MultiStepLRScheduler", {"decay_t": [3, 7], "decay_rate": 0.5, "warmup_t": 2}),
    ("WSDLRScheduler", {"t_initial": 20, "decay_t": 6, "stable_fn": "rsqrt", "warmup_t": 4, "decay_fn": "exp"}),
]


@pytest.mark.parametrize(("name", "kw"), STATE_CASES)
def test_state_dict_is_timms_and_loads_both_ways(name: str, kw: dict[str, Any]) -> None:
    theirs, o1, ours, o2 = build(name, [(0.1, None), (0.05, 2.0)], **kw)
    a, b = theirs.state_dict(), ours.state_dict()
    assert list(a) == list(b)
    for k in a:
        if k == "warmup_steps":
            assert a[k] == pytest.approx(b[k], rel=1e-12)
        else:
            assert a[k] == b[k], k
    # a timm checkpoint restores into ours (and ours into timm), mid-run
    for t in range(7):
        theirs.step(t)
    saved = theirs.state_dict()
    fresh = build(name, [(0.3, None), (0.2, None)], **kw)[2]
    fresh.load_state_dict(saved)  # base values and arguments come from the checkpoint
    assert fresh.schedule(9) == pytest.approx(ours.schedule(9))
    ours_saved = ours.state_dict()
    theirs.load_state_dict(ours_saved)
    for t in range(7, 30):
        theirs.step(t)
        ours.step(t)
        assert close(lrs(o1), lrs(o2))


def test_plateau_state_resumes_and_loads_timms() -> None:
    kw = {"patience_t": 1, "mode": "min", "warmup_t": 2}
    theirs, _, ours, o2 = build("PlateauLRScheduler", [(0.1, None)], **kw)
    metrics = [1.0, 1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8]
    for e, m in enumerate(metrics[:5], start=1):
        theirs.step(e, m)
        ours.step(e, m)
    state = ours.state_dict()
    assert state["best"] == theirs.state_dict()["best"] and state["last_epoch"] == theirs.state_dict()["last_epoch"]
    _, _, resumed, o3 = build("PlateauLRScheduler", [(0.1, None)], **kw)
    o3.param_groups[0]["lr"] = o2.param_groups[0]["lr"]
    resumed.load_state_dict(state)
    for e, m in enumerate(metrics[5:], start=6):
        ours.step(e, m)
        resumed.step(e, m)
        assert lrs(o2) == lrs(o3)  # the counters came along: the resumed run reduces on time
    _, _, from_timm, _ = build("PlateauLRScheduler", [(0.1, None)], **kw)
    from_timm.load_state_dict(theirs.state_dict())
    assert from_timm.controller.best == theirs.lr_scheduler.best
    with pytest.raises(KeyError, match="best"):
        from_timm.load_state_dict({"last_epoch": 3})


def test_schedule_is_the_engine_path() -> None:
    """`.schedule` is a glideslope Schedule: on an array it gives what step() writes (no noise)."""
    _, _, ours, o = build("CosineLRScheduler", [(0.1, None)], t_initial=10, warmup_t=3, warmup_lr_init=1e-3,
                          cycle_limit=3, cycle_decay=0.5, t_in_epochs=False)
    assert isinstance(ours.schedule, gs.Schedule)
    assert "cosine_restarts" in repr(ours.schedule) and "warmup" in repr(ours.schedule)
    _, _, plain, _ = build("CosineLRScheduler", [(0.1, None)], t_initial=10, warmup_t=2, warmup_prefix=True)
    assert plain.schedule == gs.warmup(2, start=0.0, end=0.1) >> gs.cosine(0.1, 0.0, 10)
    seen = []
    for t in range(40):
        ours.step_update(t)
        seen.append(lrs(o)[0])
    np.testing.assert_allclose(ours.schedule(np.arange(40)), seen, rtol=1e-12)
    _, _, poly, _ = build("PolyLRScheduler", [(0.1, None)], t_initial=10, cycle_limit=2)
    assert isinstance(poly.schedule, gt.Restarts) and isinstance(poly.schedule.unit, gs.Polynomial)
    _, _, step, _ = build("StepLRScheduler", [(0.1, None)], decay_t=3, decay_rate=0.5)
    assert step.schedule == gs.step(0.1, 0.5, 3)
    _, _, ms, _ = build("MultiStepLRScheduler", [(0.1, None)], decay_t=[3, 7], decay_rate=0.5)
    assert ms.schedule == gs.multistep(0.1, 0.5, [2, 6])


# -- errors at the door ----------------------------------------------------------------------

BAD = [
    ("CosineLRScheduler", {"t_initial": 0}, ValueError, "t_initial"),
    ("CosineLRScheduler", {"t_initial": 10, "lr_min": -1}, ValueError, "lr_min"),
    ("CosineLRScheduler", {"t_initial": 10, "cycle_mul": 0.5}, ValueError, "cycle_mul"),
    ("CosineLRScheduler", {"t_initial": 10, "cycle_limit": -1}, ValueError, "cycle_limit"),
    ("CosineLRScheduler", {"t_initial": 10, "k_decay": 0}, ValueError, "k_decay"),
    ("PolyLRScheduler", {"t_initial": 10, "k_decay": 5000}, ValueError, "k_decay"),
    ("CosineLRScheduler", {"t_initial": 10, "warmup_t": -2}, ValueError, "warmup_t"),
    ("CosineLRScheduler", {"t_initial": 10, "warmup_t": 2.5}, TypeError, "warmup_t"),
    ("CosineLRScheduler", {"t_initial": 10, "noise_range_t": (1, 2, 3)}, ValueError, "noise_range_t"),
    ("CosineLRScheduler", {"t_initial": 10, "noise_pct": 0}, ValueError, "noise_pct"),
    ("CosineLRScheduler", {"t_initial": "10"}, TypeError, "t_initial"),
    ("PolyLRScheduler", {"t_initial": 10, "power": 0}, ValueError, "power"),
    ("TanhLRScheduler", {"t_initial": 10, "lb": 1, "ub": 0}, ValueError, "ub must be > lb"),
    ("StepLRScheduler", {"decay_t": 0}, ValueError, "decay_t"),
    ("StepLRScheduler", {"decay_t": 3, "decay_rate": 0}, ValueError, "decay_rate"),
    ("MultiStepLRScheduler", {"decay_t": [5, 2]}, ValueError, "sorted"),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 11}, ValueError, "decay_t"),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 3, "decay_fn": "quadratic"}, ValueError, "decay_fn"),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 3, "stable_fn": "rsqrt"}, ValueError, "stable_timescale"),
    ("PlateauLRScheduler", {"decay_rate": 1.5}, ValueError, "decay_rate"),
    ("PlateauLRScheduler", {"mode": "lowest"}, ValueError, "mode"),
]


@pytest.mark.parametrize(("name", "kw", "exc", "match"), BAD)
def test_bad_arguments_fail_at_construction(name: str, kw: dict[str, Any], exc: type, match: str) -> None:
    opt = optimizer([(0.1, None), (0.2, 0.5)])
    before = [{k: val for k, val in g.items() if k != "params"} for g in opt.param_groups]
    with pytest.raises(exc, match=match):
        getattr(gt, name)(opt, **kw)
    assert [{k: val for k, val in g.items() if k != "params"} for g in opt.param_groups] == before  # untouched


@pytest.mark.parametrize("name", ["CosineLRScheduler", "PolyLRScheduler"])
def test_flat_schedule_logs_timms_warning(name: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="glideslope.timm"):
        getattr(gt, name)(optimizer([(0.1, None)]), t_initial=1)
    assert "will have no effect on the learning rate" in caplog.text


def test_bad_factory_arguments() -> None:
    with pytest.raises(ValueError, match="sched must be one of"):
        gt.create_scheduler_v2(optimizer([(0.1, None)]), sched="cosine_annealing")
    with pytest.raises(ValueError, match="updates_per_epoch"):
        gt.create_scheduler_v2(optimizer([(0.1, None)]), step_on_epochs=False)
    with pytest.raises(TypeError, match="param_groups"):
        gt.CosineLRScheduler(object(), t_initial=3)


def test_import_needs_neither_timm_nor_torch() -> None:
    code = (
        "import sys, glideslope.timm as gt\n"
        "class Opt: param_groups = [{'lr': 0.1}]\n"
        "s = gt.CosineLRScheduler(Opt(), t_initial=10, warmup_t=2)\n"
        "s.step(5)\n"
        "assert abs(Opt.param_groups[0]['lr'] - s.schedule(5)) < 1e-15\n"
        "heavy = [m for m in ('timm', 'torchvision', 'torch') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "sys.modules['torch'] = None  # as if torch were not installed\n"
        "try:\n"
        "    gt.CosineLRScheduler(Opt(), t_initial=10, noise_range_t=3)\n"
        "except ImportError as e:\n"
        "    assert 'pip install \"glideslope[timm]\"' in str(e), e\n"
        "else:\n"
        "    raise AssertionError('noise without torch was accepted')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr


# -- the dialect's own shapes: one formula on every array kind -------------------------------

OWN_SHAPES = [
    gt.Restarts(gs.polynomial(1.0, 0.0, 7, power=2.0), 0.3, 0.01, 7, 1.7, 0.5, 4, 1.5),
    gt.Restarts(gt.HalfTanh(5, -4.0, 2.0), 1.0, 0.0, 5, 1.0, 0.8, 50),
    gt.Restarts(gs.cosine(1.0, 0.0, 3), 2.0, 0.1, 3, 1e100, 1.5, 1000, 0.5),
    gt.HalfTanh(8, -9.0, -8.5),
    gt.PowerDecay(9, 1.7),
    gt.InversePower(2.0, 2.5, 0.8),
]


@pytest.mark.parametrize("shape", OWN_SHAPES, ids=lambda s: s.kind)
def test_own_shapes_agree_on_every_array_kind(shape: gs.Schedule) -> None:
    t = np.arange(0, 120)
    scalar = [shape(int(i)) for i in t]
    np.testing.assert_allclose(shape(t), scalar, rtol=1e-12)
    np.testing.assert_allclose(shape(torch.arange(0, 120, dtype=torch.float64)).numpy(), scalar, rtol=1e-12)
    if importlib.util.find_spec("jax") is not None:
        import jax

        before = jax.config.jax_enable_x64
        jax.config.update("jax_enable_x64", True)
        try:
            got = jax.jit(shape)(jax.numpy.arange(0, 120, dtype=jax.numpy.float64))
        finally:
            jax.config.update("jax_enable_x64", before)
        np.testing.assert_allclose(np.asarray(got), scalar, rtol=1e-12)
    assert all(math.isfinite(x) for x in scalar)
    assert gs.from_config(shape.to_config()) == shape


def test_restarts_formula_at_known_points() -> None:
    """Cycle i of length 10 * 2**i from S_i = 10 * (2**i - 1); value end + (peak_i - end) * unit."""
    r = gt.Restarts(gs.linear(1.0, 0.0, 10), start=1.0, end=0.0, period=10, period_mult=2.0, decay=0.5, limit=3)
    assert r(0) == 1.0 and r(5) == pytest.approx(0.5)
    assert r(10) == pytest.approx(0.5) and r(20) == pytest.approx(0.25)  # cycle 1: peak 0.5, 20 steps
    assert r(30) == pytest.approx(0.25) and r(50) == pytest.approx(0.125)  # cycle 2: peak 0.25, 40 steps
    assert r(70) == 0.0 and r(10_000) == 0.0 and r.length == 70
    with pytest.raises(ValueError, match="period_mult"):
        gt.Restarts(gs.linear(1.0, 0.0, 10), period=10, period_mult=0.5)
    with pytest.raises(ValueError, match="finite length"):
        gt.Restarts(gs.constant(1.0), period=10)
    with pytest.raises(ValueError, match="past the float range"):
        gt.Restarts(gs.linear(1.0, 0.0, 10), period=10, decay=1e10, limit=40)


def test_restarts_stay_finite_at_extremes() -> None:
    """Growing cycles cap at step 2**53 and hold; huge steps and cycle counts stay finite."""
    r = gt.Restarts(gs.linear(1.0, 0.0, 10), start=1.0, end=0.1, period=10, period_mult=2.0, decay=1.5, limit=10**6)
    assert r.length == 2**53
    for t in (0, 10**6, 2**53 - 1, 2**53, 10**300):
        assert math.isfinite(r(t))
    assert r(10**300) == r(2**53)
    np.testing.assert_array_equal(np.isfinite(r(np.array([0.0, 1e20, 1e300]))), True)


def test_initialize_false_reads_initial_lr_as_timm_does() -> None:
    """Resuming timm's way: the groups already hold initial_lr (the base) and an lr elsewhere."""
    o1, o2 = optimizer([(0.05, None), (0.5, 0.5)]), optimizer([(0.05, None), (0.5, 0.5)])
    for o in (o1, o2):
        for g, base in zip(o.param_groups, (0.1, 1.0)):
            g["initial_lr"] = base
    kw = {"t_initial": 20, "warmup_t": 2, "initialize": False}
    theirs, ours = ts.CosineLRScheduler(o1, **kw), gt.CosineLRScheduler(o2, **kw)
    assert ours.base_values == theirs.base_values == [0.1, 1.0]
    for t in (5, 10, 3):  # timm's resume: step(start_epoch), then on
        theirs.step(t)
        ours.step(t)
        assert close(lrs(o1), lrs(o2))
    with pytest.raises(KeyError, match="initial_lr"):
        gt.CosineLRScheduler(optimizer([(0.1, None)]), t_initial=5, initialize=False)


def test_plateau_state_round_trips_after_hundreds_of_reductions() -> None:
    theirs, o1, ours, o2 = build("PlateauLRScheduler", [(0.1, None)], patience_t=0, mode="min")
    for e in range(1, 400):
        ours.step(e, 1.0)
        theirs.step(e, 1.0)
    assert lrs(o1) == lrs(o2) and ours.controller.reductions == 398
    ours.load_state_dict(ours.state_dict())
    ours.step(400, 1.0)
    theirs.step(400, 1.0)
    assert lrs(o1) == lrs(o2)
