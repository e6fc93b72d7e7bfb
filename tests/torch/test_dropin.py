# ruff: noqa: N803, N812
"""Indistinguishable from torch: state attribute for attribute, state dicts both ways (and
through ``torch.load(weights_only=True)``), ``.schedule`` and ``from_torch`` against torch's
own values over a run."""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable
from typing import Any

import pytest
import torch.optim.lr_scheduler as T
from torch.optim.swa_utils import SWALR as TorchSWALR  # noqa: N811
from torch_parity_helpers import Scale, decay, factor

import glideslope as gs
import glideslope.torch as G
import torch


def make_opt(lrs: tuple[float, ...] = (0.1, 0.02), kind: str = "sgd") -> torch.optim.Optimizer:
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": x} for x in lrs]
    if kind == "adam":
        return torch.optim.Adam(groups, lr=lrs[0])
    return torch.optim.SGD(groups, lr=lrs[0], momentum=0.9)


def scale_fn(x: float) -> float:
    return 1 / (1.0 + 0.1 * x)


def swalr(L: Any) -> Any:
    return G.SWALR if L is G else TorchSWALR


#: one instance of every class (some in several forms); ``L`` is torch's module or ours
CASES: dict[str, Callable[[Any, torch.optim.Optimizer], Any]] = {
    "LambdaLR": lambda L, o: L.LambdaLR(o, decay),
    "LambdaLR-object": lambda L, o: L.LambdaLR(o, [Scale(0.9), Scale(0.8)]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, [factor, decay]),
    "MultiplicativeLR-object": lambda L, o: L.MultiplicativeLR(o, Scale(0.999)),
    "StepLR": lambda L, o: L.StepLR(o, 4, 0.5),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, [9, 3, 3, -2], 0.5),
    "ConstantLR": lambda L, o: L.ConstantLR(o, 0.5, 6),
    "LinearLR": lambda L, o: L.LinearLR(o, 0.2, 1.0, 7.5),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, 0.9),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, 12, 2.0),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, 10, 0.001),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, 4, 2, 0.001),
    "CyclicLR": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 3, 5, mode="triangular2"),
    "CyclicLR-fn": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 4, scale_fn=scale_fn),
    "CyclicLR-object": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 4, scale_fn=Scale(0.9), scale_mode="iterations"),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, [0.1, 0.05], total_steps=60, three_phase=True),
    "SWALR": lambda L, o: swalr(L)(o, 0.01, anneal_epochs=5),
    "ReduceLROnPlateau": lambda L, o: L.ReduceLROnPlateau(o, patience=1, factor=0.5),
    "SequentialLR": lambda L, o: L.SequentialLR(o, [L.LinearLR(o, 0.1, 1.0, 5), L.ExponentialLR(o, 0.9)], [5]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler([L.StepLR(o, 3, 0.5), L.ExponentialLR(o, 0.95)]),
}

STEPS = 30


def metric(t: int) -> float:
    return 1.0 / (1 + t) if t < 8 else 1.0


def step(s: Any, t: int) -> None:
    s.optimizer.step()
    if "Plateau" in type(s).__name__:
        s.step(metric(t))
    else:
        s.step()


def lrs(o: torch.optim.Optimizer) -> list[float]:
    out = []
    for g in o.param_groups:
        out.append(float(g["lr"]))
        out.append(float(g["betas"][0]) if "betas" in g else float(g.get("momentum", 0.0)))
    return out


def roundtrip(state: dict[str, Any]) -> dict[str, Any]:
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)  # type: ignore[no-any-return]


def own(d: dict[str, Any]) -> dict[str, Any]:
    """An instance's attributes but the optimizer, children compared by their own attributes."""
    out = {k: v for k, v in d.items() if k != "optimizer"}
    if "_schedulers" in out:
        out["_schedulers"] = [own(c.__dict__) for c in out["_schedulers"]]
    return out


@pytest.fixture(autouse=True)
def _quiet() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@pytest.mark.parametrize("name", sorted(CASES))
def test_state_after_load_is_the_same_attribute_for_attribute(name: str) -> None:
    a = CASES[name](G, make_opt())
    for t in range(13):
        step(a, t)
    o = make_opt()
    b = CASES[name](G, o)
    for obj in _objects(b):
        obj.k = -1.0  # the state dict must carry the objects' state
    o.load_state_dict(a.optimizer.state_dict())
    b.load_state_dict(roundtrip(a.state_dict()))
    assert own(b.__dict__) == own(a.__dict__)
    for t in range(13, 13 + STEPS):
        step(a, t)
        step(b, t)
        assert lrs(b.optimizer) == lrs(a.optimizer), t
    assert own(b.__dict__) == own(a.__dict__)


@pytest.mark.parametrize("name", sorted(CASES))
def test_attribute_names_and_values_are_torchs(name: str) -> None:
    ours, theirs = CASES[name](G, make_opt()), CASES[name](T, make_opt())
    for t in range(7):
        step(ours, t)
        step(theirs, t)
    a, b = ours.state_dict(), theirs.state_dict()
    missing = set(b) - set(a)
    assert not missing, f"torch keeps {sorted(missing)}"
    for k in b:
        if k != "_schedulers":
            assert _same(a[k], b[k]), (k, a[k], b[k])
    # what we keep beyond torch: the chained-rule flags (and the opt-in keywords)
    assert set(a) - set(b) <= {"_follow", "hold_final", "sync_metric"}


def _objects(s: Any) -> list[Any]:
    fns = [*getattr(s, "lr_lambdas", []), getattr(s, "_scale_fn_custom", None)]
    return [f for f in fns if isinstance(f, Scale)]


def _same(x: Any, y: Any) -> bool:
    if isinstance(x, (list, tuple)) and isinstance(y, (list, tuple)):
        return len(x) == len(y) and all(_same(a, b) for a, b in zip(x, y))
    if isinstance(x, dict) and isinstance(y, dict):
        return x.keys() == y.keys() and all(_same(x[k], y[k]) for k in x)
    if isinstance(x, float) and isinstance(y, float):
        return x == y or math.isclose(x, y, rel_tol=1e-12) or (math.isnan(x) and math.isnan(y))
    return bool(x == y)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("direction", ["torch->ours", "ours->torch"])
def test_state_dicts_load_across(name: str, direction: str) -> None:
    src_lib, dst_lib = (T, G) if direction == "torch->ours" else (G, T)
    src = CASES[name](src_lib, make_opt())
    for t in range(11):
        step(src, t)
    o = make_opt()
    dst = CASES[name](dst_lib, o)
    o.load_state_dict(src.optimizer.state_dict())
    dst.load_state_dict(src.state_dict())
    for t in range(11, 11 + STEPS):
        step(src, t)
        step(dst, t)
        assert lrs(dst.optimizer) == pytest.approx(lrs(src.optimizer), rel=1e-9, abs=1e-15), t


def _legacy_run(L: Any, strategy: str, fn: Any, built_with: str, drop_type: bool) -> tuple[Any, ...]:
    """A OneCycleLR state saved the way torch < 2.2 saved it (``anneal_func`` instead of
    ``_anneal_func_type``) loaded into a scheduler built with ``built_with`` (with its own
    ``_anneal_func_type`` deleted first when ``drop_type``); what the load left and the run after it."""
    a = L.OneCycleLR(make_opt(), 0.1, total_steps=30, anneal_strategy=strategy)
    for t in range(9):
        step(a, t)
    legacy = a.state_dict()
    del legacy["_anneal_func_type"]
    legacy["anneal_func"] = fn
    o = make_opt()
    b = L.OneCycleLR(o, 0.1, total_steps=30, anneal_strategy=built_with)
    if drop_type:
        delattr(b, "_anneal_func_type")
    o.load_state_dict(a.optimizer.state_dict())
    b.load_state_dict(legacy)
    kept = (sorted(k for k in b.__dict__ if not k.startswith("_") or k in ("_anneal_func_type", "_schedule_phases")),
            b.__dict__.get("_anneal_func_type"), b.__dict__.get("anneal_func") is fn)
    run = []
    for t in range(9, 29):
        step(b, t)
        run.append(lrs(o))
    return kept, run


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("built_with", ["cos", "linear"])
@pytest.mark.parametrize("drop_type", [False, True])
@pytest.mark.parametrize("fn_of", ["torch", "ours"])
def test_one_cycle_loads_a_legacy_state_dict_as_torch_does(strategy: str, built_with: str, drop_type: bool,
                                                           fn_of: str) -> None:
    """torch keeps a legacy ``anneal_func`` as loaded and anneals by it only when the scheduler
    has no ``_anneal_func_type`` (a scheduler built by torch >= 2.2 always has one); ours does
    the same, with either class's ``_annealing_cos`` / ``_annealing_linear``."""
    fn = getattr(T.OneCycleLR if fn_of == "torch" else G.OneCycleLR, f"_annealing_{strategy}")
    theirs = _legacy_run(T, strategy, fn, built_with, drop_type)
    ours = _legacy_run(G, strategy, fn, built_with, drop_type)
    assert ours[0][1:] == theirs[0][1:]
    assert set(theirs[0][0]) <= set(ours[0][0])
    for t, (x, y) in enumerate(zip(ours[1], theirs[1])):
        assert x == pytest.approx(y, rel=1e-9, abs=1e-15), t


def test_one_cycle_static_annealing_functions_are_torchs() -> None:
    for name in ("_annealing_cos", "_annealing_linear"):
        for args in ((25.0, 0.5, 0.0), (25.0, 0.5, 1 / 7), (1.0, 22.0, 0.5), (0.1, 0.0, 1.0), (3.0, 3.0, 0.3)):
            assert getattr(G.OneCycleLR, name)(*args) == pytest.approx(getattr(T.OneCycleLR, name)(*args), rel=1e-15)


def test_one_cycle_refuses_a_legacy_anneal_func_it_cannot_follow() -> None:
    a = G.OneCycleLR(make_opt(), 0.1, total_steps=30)
    legacy = a.state_dict()
    del legacy["_anneal_func_type"]
    legacy["anneal_func"] = lambda start, end, pct: start
    b = G.OneCycleLR(make_opt(), 0.1, total_steps=30)
    delattr(b, "_anneal_func_type")
    before = dict(b.__dict__)
    with pytest.raises(ValueError, match="anneal_func is <function"):
        b.load_state_dict(legacy)
    assert b.__dict__ == before  # refused before anything was loaded


@pytest.mark.parametrize("name", sorted(k for k in CASES if k != "ReduceLROnPlateau"))
def test_schedule_and_from_torch_give_torchs_values_over_a_run(name: str) -> None:
    theirs = CASES[name](T, make_opt())
    ours = CASES[name](G, make_opt())
    schedules = {"ours.schedule": ours.schedule, "from_torch": G.from_torch(theirs),
                 "from_torch(group=1)": G.from_torch(theirs, group=1)}
    for s in schedules.values():
        assert isinstance(s, gs.Schedule)
    for t in range(STEPS):
        want = theirs.get_last_lr()
        for label, s in schedules.items():
            i = 1 if "group=1" in label else 0
            assert float(s(t)) == pytest.approx(float(want[i]), rel=1e-9, abs=1e-15), (label, t)
        step(theirs, t)


def test_schedule_is_a_value_to_print_and_save() -> None:
    s = G.CosineAnnealingLR(make_opt(), 100, 0.001).schedule
    assert gs.from_config(s.to_config()) == s
    assert "cosine" in repr(s)
    plateau = G.ReduceLROnPlateau(make_opt(), patience=0, factor=0.5)
    plateau.step(1.0)
    plateau.step(2.0)
    ctl = plateau.schedule
    assert isinstance(ctl, gs.ReduceOnPlateau) and ctl(0) == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("kind", "kwargs"),
    [
        ("linear", {}),
        ("cosine", {}),
        ("cosine_with_restarts", {"scheduler_specific_kwargs": {"num_cycles": 3}}),
        ("polynomial", {"scheduler_specific_kwargs": {"power": 2.0, "lr_end": 1e-4}}),
        ("constant", {}),
        ("constant_with_warmup", {}),
        ("inverse_sqrt", {}),
        ("cosine_with_min_lr", {"scheduler_specific_kwargs": {"min_lr_rate": 0.1}}),
        ("cosine_warmup_with_min_lr", {"scheduler_specific_kwargs": {"min_lr_rate": 0.1}}),
        ("warmup_stable_decay", {"scheduler_specific_kwargs": {"num_decay_steps": 20}}),
    ],
)
def test_from_torch_reads_transformers_schedules(kind: str, kwargs: dict[str, Any]) -> None:
    transformers = pytest.importorskip("transformers")
    s = transformers.get_scheduler(kind, make_opt((0.1,)), num_warmup_steps=5, num_training_steps=60, **kwargs)
    sched = G.from_torch(s)
    assert not isinstance(sched, gs.Function), sched  # Transformers' own lambda: the closed form
    for t in range(70):
        assert float(sched(t)) == pytest.approx(s.get_last_lr()[0], rel=1e-9, abs=1e-15), (kind, t)
        s.optimizer.step()
        s.step()


def test_from_torch_names_what_it_cannot_read() -> None:
    o = make_opt()
    with pytest.raises(TypeError, match="cannot read ReduceLROnPlateau"):
        G.from_torch(T.ReduceLROnPlateau(o))

    class Mine(T.LRScheduler):
        def get_lr(self) -> list[float]:
            return list(self.base_lrs)

    with pytest.raises(TypeError, match=r"cannot read .*Mine"):
        G.from_torch(Mine(make_opt()))
    with pytest.raises(TypeError, match="ChainedScheduler holding CyclicLR"):
        o = make_opt()
        G.from_torch(T.ChainedScheduler([T.CyclicLR(o, 0.01, 0.1), T.ExponentialLR(o, 0.9)]))


def test_no_value_tables_in_an_instance() -> None:
    s = G.CosineAnnealingLR(make_opt(), 50_000)
    for _ in range(3000):
        s.step()
    sizes = [len(v) for v in s.__dict__.values() if isinstance(v, (list, tuple, dict))]
    assert max(sizes) <= len(s.optimizer.param_groups)


def test_plateau_schedule_after_the_user_raises_the_lr() -> None:
    """A learning rate raised by hand above the initial one is the controller's new base
    (scale 1), not a scale above 1 that the controller would refuse."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    opt.param_groups[0]["initial_lr"] = 0.1
    sched = G.ReduceLROnPlateau(opt, patience=0)
    opt.param_groups[0]["lr"] = 0.5
    ctl = sched.schedule
    assert ctl.scale == 1.0 and ctl.base == 0.5
