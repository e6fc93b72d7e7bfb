"""Side-by-side harness: run a torch scheduler and ours on twin optimizers, compare every
step's learning rates (and momentum / beta1), with a checkpoint-resume in the middle; and
the comparisons of every param-group entry and every attribute that the fuzz tests use."""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

REL = 1e-9


def make_optimizer(lrs: list[float], kind: str = "sgd") -> torch.optim.Optimizer:
    params = [torch.nn.Parameter(torch.zeros(2)) for _ in lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs)]
    if kind == "adam":
        return torch.optim.Adam(groups, lr=lrs[0])
    return torch.optim.SGD(groups, lr=lrs[0], momentum=0.9)


def snapshot(opt: torch.optim.Optimizer) -> list[float]:
    out = []
    for g in opt.param_groups:
        out.append(float(g["lr"]))
        if "betas" in g:
            out.append(float(g["betas"][0]))
        elif "momentum" in g:
            out.append(float(g["momentum"]))
    return out


def close(a: float, b: float, scale: float) -> bool:
    # relative 1e-9, with an absolute floor of 1e-13 of the group's scale where a value
    # crosses zero (cos(pi) cancellation): both sides carry ~1e-16 * scale there
    return abs(a - b) <= REL * max(abs(a), abs(b)) + 1e-13 * scale


def roundtrip(state: dict[str, Any]) -> dict[str, Any]:
    buf = io.BytesIO()
    torch.save(state, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)  # type: ignore[no-any-return]


Factory = Callable[[Any, torch.optim.Optimizer], Any]


def compare(
    factory_torch: Factory,
    factory_ours: Factory,
    lrs: list[float],
    steps: int,
    resume_at: int | None,
    kind: str = "sgd",
    metrics: list[float] | None = None,
) -> None:
    """Run both for ``steps`` steps; ours is checkpointed at ``resume_at`` and continued by a
    fresh optimizer + scheduler that loads the (torch.save'd, weights_only) state."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ot = make_optimizer(lrs, kind)
        st = factory_torch(ot)
        oo = make_optimizer(lrs, kind)
        so = factory_ours(oo)
        scale = max([*lrs, 1.0])
        assert_same(snapshot(ot), snapshot(oo), scale, -1)
        for t in range(steps):
            if resume_at is not None and t == resume_at:
                opt_state = roundtrip(oo.state_dict())
                sch_state = roundtrip(so.state_dict())
                oo = make_optimizer(lrs, kind)
                so = factory_ours(oo)
                oo.load_state_dict(opt_state)
                so.load_state_dict(sch_state)
            ot.step()
            oo.step()
            if metrics is not None:
                st.step(metrics[t])
                so.step(metrics[t])
            else:
                st.step()
                so.step()
            assert_same(snapshot(ot), snapshot(oo), scale, t)
            a, b = st.get_last_lr(), so.get_last_lr()
            assert len(a) == len(b)
            for x, y in zip(a, b):
                assert close(float(x), float(y), scale), (t, a, b)


def assert_same(a: list[float], b: list[float], scale: float, t: int) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert close(x, y, scale), f"step {t}: torch {a} vs ours {b}"


# -- every param-group entry and every attribute, compared with torch's -----------------------


def same_value(a: Any, b: Any, rel: float = 1e-9, abs_: float = 1e-14) -> bool:
    """``a`` (ours) equals ``b`` (torch's): numbers, tensors and NumPy values by value (to
    ``rel``/``abs_``), sequences and dicts element by element, anything else by ``==``."""
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        x, y = float(a), float(b)
        return abs(x - y) <= rel * max(abs(x), abs(y)) + abs_
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y, rel, abs_) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k], rel, abs_) for k in a)
    if isinstance(a, (int, float)) and not isinstance(a, bool) and hasattr(b, "__float__"):
        x, y = float(a), float(b)
        if math.isnan(x) or math.isnan(y):
            return math.isnan(x) and math.isnan(y)
        if math.isinf(x) or math.isinf(y):
            return x == y
        return abs(x - y) <= rel * max(abs(x), abs(y)) + abs_
    return bool(a == b)


def tensors_in(group: dict[str, Any]) -> list[torch.Tensor]:
    """The tensors a param group holds in its entries (``betas`` element by element)."""
    out = []
    for k, v in group.items():
        if k == "params":
            continue
        for x in v if isinstance(v, tuple) else (v,):
            if isinstance(x, torch.Tensor):
                out.append(x)
    return out


def assert_groups_match(
    ours: torch.optim.Optimizer, theirs: torch.optim.Optimizer, when: Any, check_aliasing: bool = True
) -> None:
    """Every param-group entry of ours is torch's: the same keys, a tensor where torch keeps
    a tensor, the same value; and (``check_aliasing``) no two of our entries, in any group,
    are one tensor."""
    assert len(ours.param_groups) == len(theirs.param_groups)
    for i, (a, b) in enumerate(zip(ours.param_groups, theirs.param_groups)):
        assert a.keys() == b.keys(), (when, i, sorted(a), sorted(b))
        for k in a:
            if k == "params":
                continue
            x, y = a[k], b[k]
            for u, v in zip(x if isinstance(x, tuple) else (x,), y if isinstance(y, tuple) else (y,)):
                assert isinstance(u, torch.Tensor) == isinstance(v, torch.Tensor), (when, i, k, u, v)
            assert same_value(x, y), f"{when}: group {i}[{k!r}] is {x!r}, torch's is {y!r}"
    mine = [t for g in ours.param_groups for t in tensors_in(g)]
    assert not check_aliasing or len({id(t) for t in mine}) == len(mine), f"{when}: two param-group entries are one tensor"


def assert_attributes_match(ours: Any, theirs: Any, when: Any, extra: frozenset[str] = frozenset()) -> None:
    """Every attribute of ``theirs`` (but the optimizer) is in ``ours`` with the same value;
    ``ours`` may have more only among ``extra``. Functions held by both (the scale or lambda
    functions a scheduler was built with) compare by identity, except ``_scale_fn_ref`` and
    SWALR's ``anneal_func`` (each library's own built-in function), which compare by values."""
    a, b = ours.__dict__, theirs.__dict__
    missing = set(b) - set(a)
    assert not missing, f"{when}: ours lacks {sorted(missing)}"
    assert set(a) - set(b) <= extra, f"{when}: ours has {sorted(set(a) - set(b) - extra)} beyond torch's"
    for k, y in b.items():
        x = a[k]
        if k == "optimizer":
            continue
        if k == "_scale_fn_ref":
            assert all(same_value(x(v), y(v)) for v in (1, 2, 3.5, 10)), (when, k)
        elif k == "anneal_func" and callable(y):  # SWALR's: each library's own function
            assert all(same_value(x(v), y(v)) for v in (0.0, 0.25, 0.5, 1.0)), (when, k)
        elif k == "_schedulers":
            assert len(x) == len(y)
            for c, d in zip(x, y):
                assert_attributes_match(c, d, (when, k), extra)
        else:
            assert same_value(x, y), f"{when}: {k} is {x!r}, torch's is {y!r}"


# -- the functions and objects schedulers are built with in the state tests ----------------


@dataclass
class Scale:
    """A callable object with state (torch saves its ``__dict__``); equal when its state is."""

    k: float

    def __call__(self, x: float) -> float:
        return self.k**x


def decay(e: int) -> float:
    return 0.95**e


def factor(e: int) -> float:
    return 0.97
