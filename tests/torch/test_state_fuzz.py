# ruff: noqa: N803, N812
"""Differential fuzzing against the real torch, entry for entry and attribute for attribute.

* Argument forms: the per-group arguments that end up in the param groups (learning rates,
  momenta, ``swa_lr``, the 1cycle divisors) are drawn as floats, NumPy scalars, 0-d NumPy
  arrays and tensors, and the caller's objects are changed in place right after ours is built
  (torch's twin gets untouched copies: a change afterwards must change nothing). After
  construction and after every step, every entry of every param group must be torch's: the
  same keys, a tensor where torch keeps a tensor, the same value, and no two entries one
  tensor object (torch keeps constants constant; an in-place write must reach only the live
  entry).
* State: every class (CyclicLR with built-in and custom scale functions), run a drawn number
  of steps, ``state_dict()`` -> pickle -> ``load_state_dict()`` into a fresh scheduler, torch's
  state into ours, ours into torch's and ours into ours; after the load the ``__dict__`` keys
  and values are compared, then the run goes on beside an uninterrupted torch run.

Tensors are float64 (a float32 one makes torch compute in float32, where its operation order
and ours round differently).
"""

from __future__ import annotations

import pickle
import warnings
from typing import Any

import numpy as np
import pytest
import torch.optim.lr_scheduler as T
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from torch.optim.swa_utils import SWALR as TorchSWALR  # noqa: N811
from torch_parity_helpers import Scale, assert_attributes_match, assert_groups_match, decay, factor, same_value

import glideslope.torch as G
import torch

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FORMS = ("float", "numpy", "array", "tensor")

#: attributes ours keeps beyond torch's: the chained-rule flags, opt-in keywords, and the
#: engine schedules rebuilt from the other attributes (never in a state dict)
OURS_EXTRA = frozenset({"_follow", "hold_final", "sync_metric", "_curve", "_descent", "_phases", "_knots", "_progress",
                        "_anneal"})


def given_as(value: float, form: str) -> Any:
    if form == "numpy":
        return np.float64(value)
    if form == "array":
        return np.array(value)
    if form == "tensor":
        return torch.tensor(value, dtype=torch.float64)
    return value


def build_arg(spec: Any) -> Any:
    """A fresh object (or list of them) from ``(value, form)`` or a list of those."""
    if isinstance(spec, list):
        return [given_as(v, f) for v, f in spec]
    return given_as(*spec)


def change_in_place(arg: Any) -> None:
    """What a caller may do to its own object after handing it over."""
    for x in arg if isinstance(arg, list) else [arg]:
        if isinstance(x, torch.Tensor):
            x.mul_(0.5)
        elif isinstance(x, np.ndarray):
            x *= 0.5


def has_tensor(spec: Any) -> bool:
    return any(f == "tensor" for _, f in (spec if isinstance(spec, list) else [spec]))


def arg(lo: float, hi: float) -> st.SearchStrategy[Any]:
    return st.tuples(st.floats(lo, hi), st.sampled_from(FORMS))


def per_group(lo: float, hi: float) -> st.SearchStrategy[Any]:
    """One value for every group, or one for each of the two."""
    return st.one_of(arg(lo, hi), st.lists(arg(lo, hi), min_size=2, max_size=2))


def make_opt(kind: str, lr_forms: tuple[str, str]) -> torch.optim.Optimizer:
    groups = [
        {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": given_as(x, "tensor" if f == "tensor" else "float")}
        for x, f in zip((0.1, 0.03), lr_forms)
    ]
    if kind == "adam":
        return torch.optim.Adam(groups, lr=0.1)
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def forms_in(specs: dict[str, Any], lr_forms: tuple[str, str]) -> set[str]:
    out = set(lr_forms)
    for spec in specs.values():
        out |= {f for _, f in (spec if isinstance(spec, list) else [spec])}
    return out


def run_both(make: Any, specs: dict[str, Any], kind: str, lr_forms: tuple[str, str], steps: int) -> None:
    """Build torch's scheduler from untouched copies of the arguments and ours from objects
    the caller then changes; compare every param-group entry after construction and each step.

    Where torch fails (at construction or at a step), ours fails the same way, except where the
    arguments mix NumPy arrays with tensors: torch's arithmetic between the two raises
    TypeError, ours has made the arrays numbers and goes on."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ot, oo = make_opt(kind, lr_forms), make_opt(kind, lr_forms)
        args = {k: build_arg(v) for k, v in specs.items()}
        try:
            st_ = make(T, ot, {k: build_arg(v) for k, v in specs.items()})
        except Exception as e:  # torch refuses these arguments: so must ours, with the same type
            if not {"array", "tensor"} <= forms_in(specs, lr_forms):
                with pytest.raises(type(e)):
                    make(G, oo, args)
            return
        so = make(G, oo, args)
        for a in args.values():
            change_in_place(a)
        assert_groups_match(oo, ot, "construction")
        for t in range(steps):
            ot.step()
            oo.step()
            try:
                st_.step()
            except TypeError:
                assert {"array", "tensor"} <= forms_in(specs, lr_forms)
                return
            so.step()
            assert_groups_match(oo, ot, f"step {t}")
            a, b = so.get_last_lr(), st_.get_last_lr()
            assert [isinstance(x, torch.Tensor) for x in a] == [isinstance(x, torch.Tensor) for x in b]
            assert same_value(a, b), (t, a, b)
            for x, g in zip(a, oo.param_groups):
                assert not isinstance(x, torch.Tensor) or x is not g["lr"], "get_last_lr() aliases a group's lr"


@FUZZ
@given(per_group(0.001, 0.05), per_group(0.06, 0.5), st.integers(1, 6), st.sampled_from(["triangular", "triangular2"]),
       st.booleans(), per_group(0.5, 0.85), per_group(0.86, 0.99), st.sampled_from(["sgd", "adam"]),
       st.tuples(st.sampled_from(["float", "tensor"]), st.sampled_from(["float", "tensor"])))
@example(base=(0.01, "tensor"), high=(0.2, "tensor"), up=2, mode="triangular", cycle=True, low_m=(0.8, "tensor"),
         high_m=(0.9, "tensor"), kind="sgd", lr_forms=("tensor", "tensor"))  # torch's own suite's case
@example(base=(0.01, "float"), high=(0.2, "array"), up=3, mode="triangular2", cycle=True, low_m=(0.8, "array"),
         high_m=[(0.9, "tensor"), (0.95, "numpy")], kind="adam", lr_forms=("float", "float"))
def test_cyclic_lr_param_groups_are_torchs(base: Any, high: Any, up: int, mode: str, cycle: bool, low_m: Any,
                                           high_m: Any, kind: str, lr_forms: tuple[str, str]) -> None:
    if has_tensor(base):
        # torch puts a tensor base_lr itself into a float group, then moves it with its
        # in-place writes (test_fixes shows ours does not): compare on tensor groups
        lr_forms = ("tensor", "tensor")

    def make(L: Any, o: Any, a: dict[str, Any]) -> Any:
        return L.CyclicLR(o, a["base"], a["high"], up, mode=mode, cycle_momentum=cycle,
                          base_momentum=a["low_m"], max_momentum=a["high_m"])

    run_both(make, {"base": base, "high": high, "low_m": low_m, "high_m": high_m}, kind, lr_forms, 3 * up + 2)


@FUZZ
@given(per_group(0.01, 0.5), st.integers(8, 30), st.floats(0.1, 0.45), st.sampled_from(["cos", "linear"]),
       st.booleans(), st.booleans(), per_group(0.5, 0.85), per_group(0.86, 0.99), arg(5.0, 50.0), arg(10.0, 1e4),
       st.sampled_from(["sgd", "adam"]), st.tuples(st.sampled_from(["float", "tensor"]), st.sampled_from(["float", "tensor"])))
@example(max_lr=(0.1, "tensor"), total=10, pct=0.3, anneal="cos", three=False, cycle=True, low_m=(0.85, "tensor"),
         high_m=(0.95, "tensor"), div=(25.0, "float"), fdiv=(1e4, "float"), kind="sgd",
         lr_forms=("tensor", "tensor"))  # torch's own suite's case
@example(max_lr=[(0.1, "array"), (0.2, "numpy")], total=12, pct=0.25, anneal="linear", three=True, cycle=True,
         low_m=(0.85, "float"), high_m=[(0.95, "tensor"), (0.9, "array")], div=(10.0, "tensor"), fdiv=(100.0, "array"),
         kind="adam", lr_forms=("float", "tensor"))
def test_one_cycle_lr_param_groups_are_torchs(max_lr: Any, total: int, pct: float, anneal: str, three: bool,
                                              cycle: bool, low_m: Any, high_m: Any, div: Any, fdiv: Any, kind: str,
                                              lr_forms: tuple[str, str]) -> None:
    def make(L: Any, o: Any, a: dict[str, Any]) -> Any:
        return L.OneCycleLR(o, a["max_lr"], total, pct_start=pct, anneal_strategy=anneal, three_phase=three,
                            cycle_momentum=cycle, base_momentum=a["low_m"], max_momentum=a["high_m"],
                            div_factor=a["div"], final_div_factor=a["fdiv"])

    specs = {"max_lr": max_lr, "low_m": low_m, "high_m": high_m, "div": div, "fdiv": fdiv}
    run_both(make, specs, kind, lr_forms, total - 1)


@FUZZ
@given(per_group(0.001, 0.05), st.integers(0, 6), st.sampled_from(["cos", "linear"]),
       st.tuples(st.sampled_from(["float", "tensor"]), st.sampled_from(["float", "tensor"])))
def test_swalr_param_groups_are_torchs(swa_lr: Any, epochs: int, anneal: str, lr_forms: tuple[str, str]) -> None:
    def make(L: Any, o: Any, a: dict[str, Any]) -> Any:
        return (G.SWALR if L is G else TorchSWALR)(o, a["swa_lr"], epochs, anneal)

    run_both(make, {"swa_lr": swa_lr}, "sgd", lr_forms, epochs + 4)


# -- state: state_dict -> pickle -> load_state_dict, across the two libraries ----------------


def halving(x: float) -> float:
    return 1 / (1.0 + 0.5 * x)


def swalr(L: Any) -> Any:
    return G.SWALR if L is G else TorchSWALR


def t64(x: float) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64)


CASES: dict[str, Any] = {
    "LambdaLR": lambda L, o: L.LambdaLR(o, [decay, Scale(0.9)]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, [factor, Scale(0.999)]),
    "StepLR": lambda L, o: L.StepLR(o, 4, 0.5),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, [9, 3, 3], 0.5),
    "ConstantLR": lambda L, o: L.ConstantLR(o, 0.5, 6),
    "LinearLR": lambda L, o: L.LinearLR(o, 0.2, 1.0, 7),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, 0.9),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, 12, 2.0),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, 5, 0.001),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, 4, 2, 0.001),
    "CyclicLR-triangular2": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 3, 5, mode="triangular2"),
    "CyclicLR-exp_range": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 3, mode="exp_range", gamma=0.97),
    "CyclicLR-function": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 4, scale_fn=halving),
    "CyclicLR-object": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 4, scale_fn=Scale(0.9), scale_mode="iterations"),
    "CyclicLR-tensors": lambda L, o: L.CyclicLR(o, [t64(0.01), 0.02], t64(0.1), 3, base_momentum=t64(0.8),
                                                max_momentum=[t64(0.9), 0.95]),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, [0.1, 0.05], total_steps=60, three_phase=True),
    "OneCycleLR-tensors": lambda L, o: L.OneCycleLR(o, t64(0.1), total_steps=60, anneal_strategy="linear",
                                                    base_momentum=t64(0.85), max_momentum=[t64(0.95), 0.9]),
    "SWALR": lambda L, o: swalr(L)(o, [0.01, t64(0.02)], anneal_epochs=5),
    "ReduceLROnPlateau": lambda L, o: L.ReduceLROnPlateau(o, patience=1, factor=0.5),
    "SequentialLR": lambda L, o: L.SequentialLR(o, [L.LinearLR(o, 0.1, 1.0, 5), L.ExponentialLR(o, 0.9)], [5]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler([L.StepLR(o, 3, 0.5), L.ExponentialLR(o, 0.95)]),
}


def opt_for(name: str, kind: str) -> torch.optim.Optimizer:
    lr = t64(0.1) if name == "CyclicLR-tensors" else 0.1  # see test_cyclic_lr_param_groups_are_torchs
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": x} for x in (lr, 0.02)]
    if kind == "adam":
        return torch.optim.Adam(groups, lr=0.1)
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def step(s: Any, t: int) -> None:
    s.optimizer.step()
    if "Plateau" in type(s).__name__:
        s.step(1.0 / (1 + t) if t < 6 else 1.0)
    else:
        s.step()


def scale_objects(s: Any) -> list[Scale]:
    fns = [*getattr(s, "lr_lambdas", []), getattr(s, "_scale_fn_custom", None)]
    for c in getattr(s, "_schedulers", []):
        fns.extend(scale_objects(c))
    return [f for f in fns if isinstance(f, Scale)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(CASES)), st.integers(0, 25), st.sampled_from(["torch->ours", "ours->torch", "ours->ours"]),
       st.sampled_from(["sgd", "adam"]))
def test_state_pickles_and_loads_across_mid_run(name: str, at: int, direction: str, kind: str) -> None:
    make = CASES[name]
    src_lib, dst_lib = {"torch->ours": (T, G), "ours->torch": (G, T), "ours->ours": (G, G)}[direction]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = make(T, opt_for(name, kind))  # torch, uninterrupted
        src = make(src_lib, opt_for(name, kind))
        for t in range(at):
            step(ref, t)
            step(src, t)
        state = pickle.loads(pickle.dumps(src.state_dict()))
        opt_state = pickle.loads(pickle.dumps(src.optimizer.state_dict()))
        o = opt_for(name, kind)
        dst = make(dst_lib, o)
        for obj in scale_objects(dst):
            obj.k = -1.0  # a callable object's state must come from the state dict
        o.load_state_dict(opt_state)
        dst.load_state_dict(state)
        when = f"{direction} at {at}"
        if dst_lib is G:
            assert_attributes_match(dst, src if src_lib is T else ref, when, OURS_EXTRA)
            assert_attributes_match(dst, ref, when, OURS_EXTRA)
        else:  # torch's class holding our state: every attribute as ours had it
            assert_attributes_match(src, dst, when, OURS_EXTRA)
        assert same_value(dst.get_last_lr(), ref.get_last_lr())
        for t in range(at, at + 20):
            step(ref, t)
            step(dst, t)
            # (torch's own groups share one momentum tensor until its first step: no aliasing check there)
            assert_groups_match(o, ref.optimizer, (when, t), check_aliasing=dst_lib is G)
            assert same_value(dst.get_last_lr(), ref.get_last_lr()), (when, t)


def test_cyclic_lr_custom_scale_fn_stays_out_of_the_state() -> None:
    """torch's rule: a function is not saved (None), a callable object's ``__dict__`` is; the
    built-in mode's function is ``_scale_fn_ref``, left out and restored on load."""
    o = opt_for("x", "sgd")
    for fn, saved in ((halving, None), (Scale(0.7), {"k": 0.7}), (None, None)):
        s = G.CyclicLR(o, 0.01, 0.1, 4, scale_fn=fn, mode="triangular2")
        state = s.state_dict()
        assert "_scale_fn_ref" not in state and state["_scale_fn_custom"] == saved
        pickle.dumps(state)
        fresh = G.CyclicLR(o, 0.01, 0.1, 4, scale_fn=fn if fn is None else type(fn)(0.1) if isinstance(fn, Scale) else fn)
        fresh.load_state_dict(state)
        if fn is None:
            assert fresh._scale_fn_ref is G.CyclicLR._triangular2_scale_fn and fresh.mode == "triangular2"
        else:
            assert "_scale_fn_ref" not in fresh.__dict__ and fresh._scale_fn_custom == fn


def test_cyclic_lr_state_with_a_custom_object_needs_that_object() -> None:
    src = G.CyclicLR(opt_for("x", "sgd"), 0.01, 0.1, 4, scale_fn=Scale(0.7))
    dst = G.CyclicLR(opt_for("x", "sgd"), 0.01, 0.1, 4)
    with pytest.raises(ValueError, match="saved with a custom scale_fn object"):
        dst.load_state_dict(src.state_dict())


def test_cyclic_lr_state_with_a_custom_function_and_no_mode_needs_that_function() -> None:
    src = G.CyclicLR(opt_for("x", "sgd"), 0.01, 0.1, 4, mode="my own", scale_fn=halving)
    dst = G.CyclicLR(opt_for("x", "sgd"), 0.01, 0.1, 4)
    before = dict(dst.__dict__)
    with pytest.raises(ValueError, match="mode='my own', so it was saved with a custom scale_fn"):
        dst.load_state_dict(src.state_dict())
    assert dst.__dict__.keys() == before.keys() and dst.mode == "triangular"  # nothing loaded
