# ruff: noqa: N803, N812
"""What torch users suffer, fixed: nesting, plateau after warmup, exact resume, OneCycle
hold, GradScaler warning; plus construction errors."""

from __future__ import annotations

import io
import warnings

import pytest
import torch.optim.lr_scheduler as T

import glideslope as gs
import glideslope.torch as G
import torch


def opt(lrs=(0.1, 0.02)):
    return torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": x} for x in lrs], lr=0.1, momentum=0.9)


def lrs(o):
    return [g["lr"] for g in o.param_groups]


def save(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def nested(o):
    inner = G.SequentialLR(o, [G.ConstantLR(o, 0.5, 20), G.ExponentialLR(o, 0.99)], [20])
    chain = G.ChainedScheduler([G.StepLR(o, 15, 0.7), G.ExponentialLR(o, 0.995)])
    return G.SequentialLR(o, [G.LinearLR(o, 0.1, 1.0, 10), inner, chain], [10, 60])


def run(make, n, resume_at=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        o = opt()
        s = make(o)
        out = []
        for t in range(n):
            if t == resume_at:
                os_, ss = save(o.state_dict()), save(s.state_dict())
                o = opt()
                s = make(o)
                o.load_state_dict(os_)
                s.load_state_dict(ss)
            o.step()
            s.step()
            out.append(lrs(o))
        return out


def test_sequential_and_chained_nest_and_resume_at_any_step():
    full = run(nested, 150)
    # the phases behave as their parts: warmup, then inner sequence from base, then the chain
    assert full[8][0] == pytest.approx(0.1 * (0.1 + 0.9 * 9 / 10))
    assert full[9][0] == pytest.approx(0.1 * 0.5)  # inner starts at its epoch 0 (ConstantLR 0.5)
    assert full[59][0] == pytest.approx(0.1)  # chain starts from the base value at step 60
    for k in (0, 9, 10, 11, 29, 30, 59, 60, 61, 120):
        assert run(nested, 150, resume_at=k) == full


def test_torch_cannot_nest_sequential():
    o = opt()
    inner = T.SequentialLR(o, [T.ConstantLR(o, 0.5, 5), T.ExponentialLR(o, 0.9)], [5])
    outer = T.SequentialLR(o, [T.LinearLR(o, 0.1, 1.0, 3), inner], [3])
    with pytest.raises(NotImplementedError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(5):
            outer.step()


def test_plateau_follows_a_warmup_inside_a_sequence():
    o = opt()
    warm = G.LinearLR(o, 0.1, 1.0, 5)
    plateau = G.ReduceLROnPlateau(o, factor=0.5, patience=1)
    s = G.SequentialLR(o, [warm, plateau], [5])
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(12):
            o.step()
            s.step(1.0)  # a metric that never improves
            seen.append(lrs(o)[0])
    assert seen[3] == pytest.approx(0.1 * (0.1 + 0.9 * 4 / 5))
    assert seen[4] == pytest.approx(0.1)  # the plateau takes over from the base value
    assert min(seen[5:]) < 0.1 * 0.3  # and reduces when the metric stalls
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        T.SequentialLR(o, [T.LinearLR(o), T.ReduceLROnPlateau(o)], [5])


CLASSES = {
    "StepLR": lambda L, o: L.StepLR(o, 7, 0.5),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, [5, 9], 0.5),
    "ConstantLR": lambda L, o: L.ConstantLR(o, 0.5, 6),
    "LinearLR": lambda L, o: L.LinearLR(o, 0.2, 1.0, 12),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, 0.9),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, 15, 2.0),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, 10, 0.001),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, 4, 2),
    "CyclicLR": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 3),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=40),
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 1 / (1 + e)),
}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_resume_with_last_epoch_gives_the_uninterrupted_sequence(name):
    make = CLASSES[name]
    full = run(lambda o: make(G, o), 30)
    n = 13
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        o = opt()
        make(G, o)  # sets initial_lr (and OneCycle's keys) as the checkpointed optimizer had
        s = make(G, o) if name in ("CyclicLR", "OneCycleLR") else None
        s = make(G, _with_initial(o)) if s is None else make(G, o)
        # a scheduler rebuilt with last_epoch=n-1 continues at step n like the full run
        o2 = opt()
        for g, g0 in zip(o2.param_groups, o.param_groups):
            g.update({k: v for k, v in g0.items() if k != "params"})
        kwargs_last = n - 1
        s2 = _rebuild(make, o2, kwargs_last)
        assert lrs(o2) == pytest.approx(full[n - 1], rel=1e-12)
        for t in range(n, 30):
            o2.step()
            s2.step()
            assert lrs(o2) == pytest.approx(full[t], rel=1e-12), t
    del s


def _with_initial(o):
    return o


def _rebuild(make, o, last_epoch):
    import inspect

    s = make(G, o)  # build once to read its constructor arguments
    params = {k: getattr(s, k) for k in ()}
    del params
    cls = type(s)
    sig = inspect.signature(cls.__init__)
    assert "last_epoch" in sig.parameters
    # rebuild through the same factory with last_epoch patched in
    orig = cls.__init__

    def init(self, *a, **k):
        k["last_epoch"] = last_epoch
        orig(self, *a, **k)

    cls.__init__ = init
    try:
        return make(G, o)
    finally:
        cls.__init__ = orig


def test_one_cycle_hold_final_is_opt_in():
    o = opt()
    s = G.OneCycleLR(o, 0.1, total_steps=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(10):
            s.step()
        with pytest.raises(ValueError, match=r"Tried to step 11 times. The specified number of total steps is 10"):
            s.step()
    o = opt()
    s = G.OneCycleLR(o, 0.1, total_steps=10, hold_final=True)
    final = 0.1 / 25 / 1e4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(50):
            s.step()
    assert lrs(o) == pytest.approx([final, final], rel=1e-12)


def _cyclic_with_tensor_base(L):
    o = opt(lrs=(0.5,))
    s = L.CyclicLR(o, torch.tensor(0.1, dtype=torch.float64), 0.2, 2, cycle_momentum=False)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(8):
            o.step()
            s.step()
            out.append(round(float(o.param_groups[0]["lr"]), 9))
    return s, o, out


def test_cyclic_tensor_base_lr_in_a_float_group_keeps_cycling():
    """torch puts the tensor base_lr itself (base_lrs[0]) into the float group and its
    in-place writes then move base_lrs: its learning rate climbs to max_lr and stays there.
    Ours gives the group a copy: base_lrs stays 0.1 and the triangle goes on."""
    s, o, out = _cyclic_with_tensor_base(T)
    assert out == [0.15, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]  # torch's (the bug)
    s, o, out = _cyclic_with_tensor_base(G)
    assert out == [0.15, 0.2, 0.15, 0.1, 0.15, 0.2, 0.15, 0.1]
    assert float(s.base_lrs[0]) == 0.1 and s.base_lrs[0] is not o.param_groups[0]["lr"]
    assert isinstance(o.param_groups[0]["lr"], torch.Tensor)  # the type torch gives it


def test_constants_stay_constant_when_a_loaded_state_shares_one_tensor():
    """An optimizer state saved while ``momentum`` and ``max_momentum`` were one tensor (as
    glideslope before 0.2 kept them) loads with the two still one object (deepcopy keeps the
    sharing). Our in-place momentum writes then go into a copy: max_momentum stays 0.9."""
    t64 = lambda x: torch.tensor(x, dtype=torch.float64)  # noqa: E731
    src = opt()
    for g in src.param_groups:
        g["momentum"] = g["max_momentum"] = t64(0.9)
        g["base_momentum"], g["initial_lr"] = t64(0.8), g["lr"]
    saved = src.state_dict()
    o = opt()
    s = G.CyclicLR(o, 0.01, 0.1, 2, base_momentum=t64(0.8), max_momentum=t64(0.9))
    o.load_state_dict(saved)
    assert all(g["momentum"] is g["max_momentum"] for g in o.param_groups)  # as loaded
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3):
            o.step()
            s.step()
    for g in o.param_groups:
        assert g["momentum"] is not g["max_momentum"]
        assert float(g["max_momentum"]) == 0.9 and float(g["base_momentum"]) == 0.8
        assert float(g["momentum"]) == pytest.approx(0.85)  # step 3 of a 2-up 2-down cycle: halfway down


def test_no_order_warning_when_grad_scaler_skipped_the_step():
    def loop(L):
        p = torch.nn.Parameter(torch.ones(2))
        o = torch.optim.SGD([p], lr=0.1)
        s = L.StepLR(o, 5)
        scaler = torch.amp.GradScaler("cpu")
        loss = (p * float("inf")).sum()
        scaler.scale(loss).backward()
        scaler.step(o)  # skipped: inf gradients
        scaler.update()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            s.step()
        return [str(x.message) for x in w]

    assert any("before `optimizer.step()`" in m for m in loop(T))
    assert not any("before `optimizer.step()`" in m for m in loop(G))


def test_order_warning_still_raised_for_the_real_mistake():
    o = opt()
    s = G.StepLR(o, 5)
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before `optimizer.step\\(\\)`"):
        s.step()


def test_get_lr_outside_step_warns():
    o = opt()
    s = G.StepLR(o, 5)
    with pytest.warns(UserWarning, match="get_last_lr"):
        s.get_lr()


def test_state_dict_survives_weights_only_load():
    for name, make in CLASSES.items():
        o = opt()
        s = make(G, o)
        st = save(s.state_dict())
        assert st["last_epoch"] == 0, name


def test_subclass_of_torch_base():
    o = opt()
    for name, make in CLASSES.items():
        s = make(G, opt())
        assert isinstance(s, torch.optim.lr_scheduler.LRScheduler), name
        assert not isinstance(s, getattr(T, name)), name
    assert isinstance(G.ReduceLROnPlateau(o), torch.optim.lr_scheduler.LRScheduler)


@pytest.mark.parametrize(
    ("make", "exc", "match"),
    [
        (lambda o: G.StepLR(o, 0), ValueError, "step_size must be > 0.0, got 0"),
        (lambda o: G.StepLR(o, "5"), TypeError, "step_size must be a real number, got str"),
        (lambda o: G.StepLR(o, 5, gamma=-1), ValueError, "gamma must be > 0"),
        (lambda o: G.StepLR(object(), 5), TypeError, "object is not an Optimizer"),
        (lambda o: G.MultiStepLR(o, [3, "x"]), TypeError, r"milestones\[1\] must be a real number"),
        (lambda o: G.ConstantLR(o, factor=2), ValueError, "Constant multiplicative factor expected to be between 0 and 1."),
        (lambda o: G.LinearLR(o, start_factor=0), ValueError, "Starting multiplicative factor expected"),
        (lambda o: G.LinearLR(o, end_factor=2), ValueError, "Ending multiplicative factor expected"),
        (lambda o: G.CosineAnnealingLR(o, 0), ValueError, "T_max must be > 0.0, got 0"),
        (lambda o: G.CosineAnnealingWarmRestarts(o, 0), ValueError, "Expected positive integer T_0, but got 0"),
        (lambda o: G.CosineAnnealingWarmRestarts(o, 5, 0), ValueError, "Expected integer T_mult >= 1, but got 0"),
        (lambda o: G.CyclicLR(o, 0.1, 1.0, mode="nope"), ValueError, "mode is invalid and scale_fn is None"),
        (lambda o: G.CyclicLR(o, [0.1], 1.0), ValueError, "base_lr must have the same length as optimizer.param_groups"),
        (lambda o: G.OneCycleLR(o, 0.1), ValueError, r"You must define either total_steps OR \(epochs AND steps_per_epoch\)"),
        (lambda o: G.OneCycleLR(o, 0.1, total_steps=0), ValueError, "Expected positive integer total_steps, but got 0"),
        (lambda o: G.OneCycleLR(o, 0.1, 10, pct_start=1), ValueError, "Expected float between 0 and 1 pct_start"),
        (lambda o: G.OneCycleLR(o, 0.1, 10, anneal_strategy="x"), ValueError, "anneal_strategy must be one of 'cos' or 'linear'"),
        (lambda o: G.ReduceLROnPlateau(o, factor=1.0), ValueError, "Factor should be < 1.0."),
        (lambda o: G.ReduceLROnPlateau(o, mode="avg"), ValueError, "mode 'avg' is unknown!"),
        (lambda o: G.ReduceLROnPlateau(o, threshold_mode="x"), ValueError, "threshold mode 'x' is unknown!"),
        (lambda o: G.ReduceLROnPlateau(o, min_lr=[0.0]), ValueError, "expected 2 min_lrs, got 1"),
        (lambda o: G.LambdaLR(o, [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
        (lambda o: G.MultiplicativeLR(o, 3), TypeError, "lr_lambda should be a function, but got int"),
        (lambda o: G.SWALR(o, 0.1, anneal_epochs=-1), ValueError, "anneal_epochs must be equal or greater than 0"),
        (lambda o: G.SWALR(o, 0.1, anneal_strategy="x"), ValueError, "anneal_strategy must be one of"),
        (lambda o: G.SequentialLR(o, [], []), ValueError, "expects at least one scheduler"),
        (lambda o: G.SequentialLR(o, [G.StepLR(o, 3)], [3]), ValueError, "one more"),
        (lambda o: G.ChainedScheduler([]), ValueError, "expects at least one scheduler to be chained"),
        (lambda o: G.ScheduleLR(o, "cosine"), TypeError, r"schedule\[0\] must be a glideslope Schedule"),
        (lambda o: G.ScheduleLR(o, gs.cosine(steps=5), mode="x"), ValueError, "mode must be one of"),
        (lambda o: G.ScheduleLR(o, gs.cosine(steps=5), key="nope"), KeyError, "has no 'nope'"),
    ],
)
def test_errors_at_construction(make, exc, match):
    with pytest.raises(exc, match=match):
        make(opt())
