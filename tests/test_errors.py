"""Every bad argument fails at construction, naming the argument, the value and what is allowed."""

from __future__ import annotations

import re

import pytest

import glideslope as gs

NAN, INF = float("nan"), float("inf")

CASES = [
    # non-finite values
    (lambda: gs.cosine(start=NAN, steps=10), ValueError, "start must be a finite number, got nan"),
    (lambda: gs.linear(end=INF, steps=10), ValueError, "end must be a finite number, got inf"),
    (lambda: gs.constant(-INF), ValueError, "value must be a finite number"),
    (lambda: gs.cosine(steps=10, exponent=NAN), ValueError, "exponent must be a finite number"),
    # wrong types
    (lambda: gs.cosine(start="1", steps=10), TypeError, "start must be a real number, got str: '1'"),
    (lambda: gs.cosine(steps=[10]), TypeError, "steps must be an int number of steps"),
    (lambda: gs.cosine(steps=True), TypeError, "steps must be an int number of steps"),
    (lambda: gs.step(every=2.5), TypeError, "every must be an int number of steps"),
    (lambda: gs.multistep(milestones="30,80"), TypeError, "milestones must be a list of steps (ints, '50%' or '2ep'), got str: '30,80'"),
    (lambda: gs.multistep(milestones=[1.5]), TypeError, "milestones[0] must be an int number of steps, a fraction of the run like '10%', or epochs like '2ep', got float: 1.5"),
    (lambda: gs.multistep(milestones=["150%"]), ValueError, "milestones[0] must be a percentage in (0%, 100%], got '150%'"),
    (lambda: gs.multistep(milestones=["75%", "50%"]).bind(total_steps=100), ValueError, "milestones must be strictly increasing (sorted, no duplicates); unsorted value 50 at index 1 in [75, 50]"),
    (lambda: gs.exponential(staircase="yes", every=10), TypeError, "staircase must be True or False, got 'yes'"),
    (lambda: gs.function(fn=3), TypeError, "fn must be callable, got int: 3"),
    (lambda: gs.scale("x", 2.0), TypeError, "schedule must be a schedule or a number, got str"),
    (lambda: gs.cosine_restarts(period=10, limit=1.5), TypeError, "limit must be an int, got float: 1.5"),
    # negative or zero durations and counts
    (lambda: gs.cosine(steps=0), ValueError, "steps must be at least 1 step, got 0"),
    (lambda: gs.linear(steps=-5), ValueError, "steps must be at least 1 step, got -5"),
    (lambda: gs.warmup(-1), ValueError, "steps must be at least 1 step, got -1"),
    (lambda: gs.exponential(every=10, delay=-1), ValueError, "delay must be at least 0 steps, got -1"),
    (lambda: gs.repeat(gs.cosine(steps=10), times=0), ValueError, "times must be >= 1, got 0"),
    (lambda: gs.slanted_triangular(steps=1), ValueError, "steps must be at least 2 steps, got 1"),
    # percentages and epochs
    (lambda: gs.cosine(steps="150%"), ValueError, "steps must be a percentage in (0%, 100%], got '150%'"),
    (lambda: gs.cosine(steps="0%"), ValueError, "steps must be a percentage in (0%, 100%], got '0%'"),
    (lambda: gs.cosine(steps="0ep"), ValueError, "steps must be a positive number of epochs, got '0ep'"),
    (lambda: gs.cosine(steps="ten"), ValueError, "steps must be an int number of steps, a fraction of the run like '10%'"),
    # milestones and boundaries
    (lambda: gs.multistep(milestones=[30, 10]), ValueError, "unsorted value 10 at index 1 in [30, 10]"),
    (lambda: gs.multistep(milestones=[30, 30]), ValueError, "duplicate value 30 at index 1 in [30, 30]"),
    (lambda: gs.multistep(milestones=[]), ValueError, "milestones must have at least 1 value, got []"),
    (lambda: gs.multistep(milestones=[0, 5]), ValueError, "milestones[0] must be at least 1 step, got 0"),
    (lambda: gs.piecewise_constant([10, 20], [1.0, 2.0]), ValueError, "one more entry than boundaries: got 2 values for 2"),
    (lambda: gs.interpolate([], []), ValueError, "boundaries must have at least 1 value, got []"),
    (lambda: gs.interpolate([0, 10], [1.0]), ValueError, "same length, got 2 boundaries and 1 value"),
    (lambda: gs.join([gs.constant(1.0), gs.constant(2.0)], []), ValueError, "one entry fewer than the schedules: got 0"),
    (lambda: gs.join([gs.constant(1.0), gs.constant(2.0), gs.constant(3.0)], [20, 10]), ValueError, "unsorted value 10"),
    (lambda: gs.sequence(), ValueError, "phases must hold at least 1 schedule, got 0"),
    # ranges and choices
    (lambda: gs.cooldown(steps=10, shape="quadratic"), ValueError, "shape must be one of 'linear', 'cosine', '1-sqrt'"),
    (lambda: gs.cooldown(1.0, 0.0, 10, shape="exponential"), ValueError, "needs start > 0 and end > 0, got start=1.0, end=0.0"),
    (lambda: gs.warmup(10, shape="exponential"), ValueError, "needs start > 0"),
    (lambda: gs.one_cycle(steps=100, warmup=1.0), ValueError, "warmup must be in (0.0, 1.0), got 1.0"),
    (lambda: gs.one_cycle(steps=100, warmup=0.6, three_phase=True), ValueError, "warmup must be < 0.5, got 0.6"),
    (lambda: gs.one_cycle(steps=100, anneal="cos"), ValueError, "anneal must be one of 'cosine', 'linear', got 'cos'"),
    (lambda: gs.cyclic(up=10, mode="triangle"), ValueError, "mode must be one of 'triangular'"),
    (lambda: gs.cosine_restarts(period=10, period_mult=0.5), ValueError, "period_mult must be >= 1, got 0.5"),
    (lambda: gs.exponential(rate=0.0), ValueError, "rate must be > 0, got 0.0"),
    (lambda: gs.exponential(1.0, 0.5, end=2.0), ValueError, "end=2.0 is never reached from start=1.0 with rate=0.5: this schedule falls, so end must be <= start"),
    (lambda: gs.exponential(-1.0, 0.5, end=-2.0), ValueError, "this schedule rises, so end must be >= start"),
    (lambda: gs.slanted_triangular(steps=10, cut_frac=0.0), ValueError, "cut_frac must be in (0.0, 1.0), got 0.0"),
    (lambda: gs.tanh(steps=10, lower=3, upper=-6), ValueError, "upper must be > lower, got lower=3, upper=-6"),
    (lambda: gs.clamp(gs.constant(1.0), low=2, high=1), ValueError, "low must be <= high, got low=2, high=1"),
    (lambda: gs.clamp(gs.constant(1.0)), TypeError, "clamp() needs low, high or both"),
    (lambda: gs.stretch(gs.cosine(steps=10)), TypeError, "exactly one of factor or steps"),
    (lambda: gs.stretch(gs.cosine(steps=10), factor=-1), ValueError, "factor must be > 0, got -1"),
    (lambda: gs.repeat(gs.exponential(every=10)), ValueError, "never ends; it needs a finite length"),
    (lambda: gs.noise(gs.constant(1.0), scale=-0.1), ValueError, "scale must be >= 0, got -0.1"),
    (lambda: gs.exponential(every=10) >> gs.constant(1.0), ValueError, "phase 0 (exponential(every=10)) never ends"),
    # plateau controller
    (lambda: gs.ReduceOnPlateau(factor=1.0), ValueError, "factor must be in (0.0, 1.0), got 1.0"),
    (lambda: gs.ReduceOnPlateau(mode="minimum"), ValueError, "mode must be one of 'min', 'max', got 'minimum'"),
    (lambda: gs.ReduceOnPlateau(patience=-1), ValueError, "patience must be >= 0, got -1"),
    (lambda: gs.ReduceOnPlateau(nonfinite="ignore"), ValueError, "nonfinite must be one of 'raise', 'skip', 'count'"),
    # binding
    (lambda: gs.cosine(steps="10%").bind(total_steps=0), ValueError, "total_steps must be >= 1, got 0"),
    (lambda: gs.cosine(steps="10%").bind(total_steps=4), ValueError, "cosine(steps='10%') resolves to 0 steps with total_steps=4; it must be >= 1"),
    (lambda: gs.cosine(steps="10%").bind(total_steps=10.5), TypeError, "total_steps must be a positive int or None"),
    (lambda: gs.cosine(steps=10).replace(stop=3), TypeError, "cosine() has no argument 'stop'; did you mean 'steps'?"),
]


@pytest.mark.parametrize(("build", "exc", "message"), CASES, ids=[c[2][:40] for c in CASES])
def test_bad_arguments_fail_at_construction(build, exc, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(exc, match=re.escape(message)):
        build()


def test_nonfinite_metric_policies() -> None:
    ctl = gs.ReduceOnPlateau(patience=0)
    with pytest.raises(ValueError, match=r"metric is nan; pass nonfinite=.skip."):
        ctl.update(float("nan"))
    skip = gs.ReduceOnPlateau(patience=0, nonfinite="skip")
    skip.update(1.0)
    assert not skip.update(float("inf")) and skip.updates == 1
    count = gs.ReduceOnPlateau(patience=0, nonfinite="count")
    count.update(1.0)
    assert count.update(float("nan")) and count.scale == pytest.approx(0.1)


def test_config_errors() -> None:
    with pytest.raises(ValueError, match="unknown type 'cosinus'; known types:"):
        gs.from_config({"type": "cosinus"})
    with pytest.raises(ValueError, match=r"cosine takes \['start', 'end', 'steps', 'exponent'\], not \['stop'\]"):
        gs.from_config({"type": "cosine", "stop": 3})
    with pytest.raises(TypeError, match="cannot be written to a config"):
        gs.function(lambda t: 1.0).to_config()
    import math

    cfg = gs.function(math.sqrt).to_config()
    with pytest.raises(ValueError, match=r"would import code\. Pass allow_callables=True"):
        gs.from_config(cfg)
    assert gs.from_config(cfg, allow_callables=True) == gs.function(math.sqrt)


# -- a misspelt keyword names the public callable, the wrong word and the closest valid names --

import dataclasses  # noqa: E402
import enum  # noqa: E402
import importlib  # noqa: E402
import inspect  # noqa: E402

#: The public modules whose constructors and factories answer a misspelt keyword.
PUBLIC_MODULES = ("glideslope", "glideslope.torch", "glideslope.timm", "glideslope.optax", "glideslope.keras")
#: Base classes users subclass (their subclasses are checked: test_subclasses_name_themselves).
BASES = {"glideslope.Schedule", "glideslope.torch.LRScheduler", "glideslope.timm.Scheduler"}
#: Functions taking **kwargs that they hand on: the callable that checks them, and a keyword.
FORWARDED = {"glideslope.torch.get_reduce_on_plateau_schedule": ("ReduceLROnPlateau", "patience")}


def _is_record(obj: object) -> bool:
    """A result record, an exception or an enum: returned to users, not built by them."""
    return isinstance(obj, type) and (
        dataclasses.is_dataclass(obj) or issubclass(obj, (tuple, BaseException, enum.Enum))
    )


def _public_callables() -> list[tuple[str, object]]:
    out = []
    for modname in PUBLIC_MODULES:
        try:
            module = importlib.import_module(modname)
        except ImportError:  # a framework this machine lacks: its dialect is not importable
            continue
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and not _is_record(obj) and f"{modname}.{name}" not in BASES:
                out.append((f"{modname}.{name}", obj))
    return out


def _public_name(obj: object) -> str:
    """What the error must call it: an engine shape by its factory name (``cosine``), a
    dialect class or a function by its own name."""
    if isinstance(obj, type) and issubclass(obj, gs.Schedule) and obj.__module__.count(".") == 1:
        return obj.kind
    return obj.__name__  # type: ignore[attr-defined]


def _misspelt(name: str, valid: set[str]) -> str:
    """``name`` with its last two letters swapped (``steps`` -> ``stesp``), else with an x added."""
    wrong = name[:-2] + name[-1] + name[-2] if len(name) >= 4 else name + "x"
    return wrong if wrong not in valid else name + "x"


PUBLIC = _public_callables()


def test_every_public_module_is_covered() -> None:
    covered = {qualified.rsplit(".", 1)[0] for qualified, _ in PUBLIC}
    assert {"glideslope", "glideslope.torch", "glideslope.timm", "glideslope.optax"} <= covered
    assert len(PUBLIC) > 150


@pytest.mark.parametrize(("qualified", "obj"), PUBLIC, ids=[q for q, _ in PUBLIC])
def test_a_misspelt_keyword_names_the_callable_and_suggests_the_fix(qualified: str, obj: object) -> None:
    """Each public callable checks keyword names before it runs, so no other argument is needed."""
    params = inspect.signature(obj).parameters.values()  # type: ignore[arg-type]
    named = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    public = _public_name(obj)
    if qualified in FORWARDED:
        public, right = FORWARDED[qualified]
    elif named:
        right = named[-1]
    else:  # only *args (product, sequence, ...): no keyword is valid
        with pytest.raises(TypeError) as info:
            obj(nope=1)  # type: ignore[operator]
        assert str(info.value) == f"{public}() got an unexpected keyword argument 'nope'; it takes no keyword arguments"
        return
    wrong = _misspelt(right, set(named))
    given = (_optimizer(),) if qualified in FORWARDED else ()  # it hands its keywords on after this
    with pytest.raises(TypeError) as info:
        obj(*given, **{wrong: 1})  # type: ignore[operator]
    message = str(info.value)
    assert message.startswith(f"{public}() got an unexpected keyword argument {wrong!r}; did you mean "), message
    assert repr(right) in message and "__init__" not in message, message


def test_the_issue_examples_word_for_word() -> None:
    with pytest.raises(TypeError) as info:
        gs.cosine(stpes=1000)
    assert str(info.value) == "cosine() got an unexpected keyword argument 'stpes'; did you mean 'steps'?"
    with pytest.raises(TypeError) as info:
        gs.cosine(steps=10, colour="red")
    assert str(info.value) == (
        "cosine() got an unexpected keyword argument 'colour'; it takes start, end, steps, exponent"
    )


def test_only_names_close_to_the_best_are_suggested() -> None:
    from glideslope._validate import close_names, did_you_mean

    assert close_names("cosin", ["cosine", "join", "constant"]) == ["cosine"]
    two = did_you_mean("warmup_t", ["warmup_t0", "warmup_ts", "lr"])
    assert two in ("did you mean 'warmup_t0' or 'warmup_ts'?", "did you mean 'warmup_ts' or 'warmup_t0'?")
    assert did_you_mean("zzz", ["steps"]) == ""


def test_errors_inside_a_constructor_pass_through_unchanged() -> None:
    """The check runs before the call: a TypeError raised inside is the constructor's own."""
    with pytest.raises(TypeError, match=r"^start must be a real number, got str: '1'$"):
        gs.cosine(start="1", steps=10)
    with pytest.raises(TypeError, match=r"missing 1 required positional argument: 'T_max'"):
        pytest.importorskip("glideslope.torch").CosineAnnealingLR(_optimizer())


def _optimizer() -> object:
    torch = pytest.importorskip("torch")
    return torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)


def test_subclasses_name_themselves() -> None:
    """A user's subclass of a public base answers with its own name."""

    class Ramp(gs.Schedule):
        def __init__(self, top: float = 1.0) -> None:
            self._set(top=top)

    with pytest.raises(TypeError, match=r"^Ramp\(\) got an unexpected keyword argument 'tpo'; did you mean 'top'\?$"):
        Ramp(tpo=2.0)
    gt = pytest.importorskip("glideslope.torch")

    class Halving(gt.LRScheduler):
        def __init__(self, optimizer: object, every: int = 10, last_epoch: int = -1) -> None:
            self.every = every
            super().__init__(optimizer, last_epoch)  # type: ignore[arg-type]

        def get_lr(self) -> list[float]:
            return [0.5 ** (self.last_epoch // self.every) * b for b in self.base_lrs]

    with pytest.raises(TypeError, match=r"^Halving\(\) got an unexpected keyword argument 'evry'; did you mean 'every'\?$"):
        Halving(_optimizer(), evry=5)
    assert Halving(_optimizer(), every=5).every == 5
    from glideslope.timm import Scheduler

    assert "_checks_keywords" in vars(type("Sub", (Scheduler,), {"__init__": lambda self, optimizer: None}).__init__)


def test_replace_suggests_the_fix_too() -> None:
    with pytest.raises(TypeError, match=r"^linear\(\) has no argument 'edn'; did you mean 'end'\?$"):
        gs.linear(steps=10).replace(edn=0.5)


def test_the_readme_error_examples_are_what_python_prints() -> None:
    """The README's ``>>> call`` / ``Error: message`` pairs, each run as written."""
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    pairs = re.findall(r"^>>> (gs\..*)\n(\w+Error): (.*)$", readme, flags=re.M)
    assert len(pairs) >= 3
    for call, kind, message in pairs:
        with pytest.raises(Exception) as info:
            eval(call, {"gs": gs})  # the README's own text, a call of glideslope
        assert type(info.value).__name__ == kind and str(info.value) == message, (call, info.value)
