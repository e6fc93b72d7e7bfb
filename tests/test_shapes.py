"""Each shape's values at chosen steps, computed by hand from its stated formula."""

from __future__ import annotations

import math

import pytest

import glideslope as gs


def approx(x: float) -> object:
    return pytest.approx(x, rel=1e-12, abs=1e-15)


def test_worked_exercise_from_the_design_notes() -> None:
    """cosine from 0.002 to 0.0001 over 5000 steps, the notes' answers to 4 significant digits."""
    s = gs.cosine(start=0.002, end=0.0001, steps=5000)
    expected = {0: 0.002, 1250: 0.001721, 2500: 0.00105, 3750: 0.000378, 5000: 0.0001}
    for t, want in expected.items():
        # the notes write 6 decimal places, truncated (0.0017217514 -> 0.001721)
        assert math.floor(s(t) * 1e6 + 1e-9) / 1e6 == pytest.approx(want, abs=1e-12), (t, s(t), want)
    rounded = [float(f"{s(t):.4g}") for t in expected]
    assert rounded == [0.002, 0.001722, 0.00105, 0.0003782, 0.0001]
    assert s(1250) == approx(0.0001 + 0.0019 * (1 + math.cos(math.pi / 4)) / 2)
    assert s(2500) == approx(0.00105)
    assert s(5000) == 0.0001


def test_constant_and_linear() -> None:
    assert gs.constant(0.3)(10**7) == 0.3
    s = gs.linear(1.0, 0.2, 8)
    assert [s(t) for t in (0, 2, 8, 100)] == [approx(1.0), approx(0.8), approx(0.2), approx(0.2)]


def test_cosine_exponent() -> None:
    s = gs.cosine(1.0, 0.0, 100, exponent=2.0)
    assert s(50) == approx(0.25)
    assert s(25) == approx(((1 + math.cos(math.pi / 4)) / 2) ** 2)


def test_cosine_with_and_without_exponent_are_one_public_kind() -> None:
    """A powered cosine is a private subclass (its own fast path); nothing else can tell."""
    plain, powered = gs.cosine(1.0, 0.0, 100), gs.cosine(1.0, 0.0, 100, exponent=2.0)
    assert isinstance(powered, gs.Cosine) and type(plain) is gs.Cosine
    assert powered.kind == plain.kind == "cosine"
    assert gs.from_config(powered.to_config()) == powered
    assert powered.replace(exponent=1.0) == plain and powered.replace(exponent=1) != powered
    assert plain.replace(exponent=3.0) == gs.cosine(1.0, 0.0, 100, exponent=3.0)
    assert powered.replace(exponent=1.0)(25) == plain(25) != powered(25)
    with pytest.raises(TypeError, match="has no argument"):
        powered.replace(power=2.0)


def test_milestones_and_boundaries_as_fractions_and_epochs() -> None:
    s = gs.multistep(1.0, 0.1, ["50%", "75%"])
    with pytest.raises(gs.UnboundScheduleError, match=r"multistep\(milestones\[0\]='50%'\) needs total_steps"):
        s(10)
    assert s.length is None
    b = s.bind(total_steps=1000)
    assert b == gs.multistep(1.0, 0.1, [500, 750]) and b.length == 750
    assert [b(t) for t in (499, 500, 750)] == [1.0, approx(0.1), approx(0.01)]
    assert gs.from_config(s.to_config()) == s and gs.multistep(1.0, 0.1, [300, "75%"]).bind(total_steps=1000)(700) == approx(0.1)
    p = gs.piecewise_constant(["1ep", "2ep"], [1.0, 0.5, 0.1]).bind(steps_per_epoch=10)
    assert p == gs.piecewise_constant([10, 20], [1.0, 0.5, 0.1]) and p(15) == 0.5


def test_polynomial() -> None:
    s = gs.polynomial(1.0, 0.1, 10, power=2.0)
    assert s(5) == approx(0.1 + 0.9 * 0.25)
    assert s(10) == approx(0.1) and s(20) == approx(0.1)


def test_tanh_hits_both_ends() -> None:
    s = gs.tanh(2.0, 0.5, 100)
    assert s(0) == approx(2.0) and s(100) == approx(0.5)
    g = (math.tanh(3) - math.tanh(-6 + 9 * 0.5)) / (math.tanh(3) - math.tanh(-6))
    assert s(50) == approx(0.5 + 1.5 * g)


def test_rex() -> None:
    s = gs.rex(1.0, 0.0, 100)
    assert s(50) == approx(0.5 / 0.75)
    assert s(100) == approx(0.0)


@pytest.mark.parametrize(
    ("shape", "g"),
    [
        ("linear", lambda p: 1 - p),
        ("cosine", lambda p: (1 + math.cos(math.pi * p)) / 2),
        ("1-sqrt", lambda p: 1 - math.sqrt(p)),
        ("square", lambda p: 1 - p * p),
    ],
)
def test_cooldown_shapes(shape: str, g: object) -> None:
    s = gs.cooldown(1.0, 0.1, 40, shape=shape)
    for t in (0, 10, 13, 40):
        assert s(t) == approx(0.1 + 0.9 * g(t / 40))  # type: ignore[operator]


def test_cooldown_exponential() -> None:
    s = gs.cooldown(1.0, 0.01, 10, shape="exponential")
    assert s(5) == approx(0.1)
    assert s(10) == approx(0.01)


def test_exponential_continuous_staircase_delay_floor() -> None:
    assert gs.exponential(2.0, 0.5, every=10)(15) == approx(2.0 * 0.5**1.5)
    assert gs.exponential(2.0, 0.5, every=10, staircase=True)(15) == approx(1.0)
    s = gs.exponential(2.0, 0.5, every=10, delay=5)
    assert s(3) == approx(2.0) and s(15) == approx(1.0)
    floor = gs.exponential(1.0, 0.5, every=1, end=0.1)
    assert floor(3) == approx(0.125) and floor(4) == approx(0.1) and floor(100) == approx(0.1)
    ceiling = gs.exponential(1.0, 2.0, every=1, end=5.0)
    assert ceiling(2) == approx(4.0) and ceiling(3) == approx(5.0)
    negative = gs.exponential(-1.0, 0.5, every=1, end=-0.2)  # rises toward 0, stops at -0.2
    assert negative(1) == approx(-0.5) and negative(3) == approx(-0.2)


def test_step_like_torch_steplr_example() -> None:
    """The notes' StepLR example: 0.1 for epochs 0-29, 0.01 for 30-59, 0.001 for 60-89."""
    s = gs.step(0.1, 0.1, every=30)
    assert s(29) == approx(0.1) and s(30) == approx(0.01) and s(59) == approx(0.01) and s(60) == approx(0.001)


def test_multistep_and_piecewise_constant() -> None:
    s = gs.multistep(0.05, 0.1, [30, 80])
    assert [s(t) for t in (0, 29, 30, 79, 80, 500)] == [approx(x) for x in (0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005)]
    p = gs.piecewise_constant([10, 20], [3.0, 2.0, 1.0])
    assert [p(t) for t in (0, 9, 10, 19, 20, 99)] == [3.0, 3.0, 2.0, 2.0, 1.0, 1.0]


def test_interpolate_linear_and_cosine() -> None:
    s = gs.interpolate([10, 20, 40], [0.0, 1.0, 0.5])
    assert [s(t) for t in (0, 10, 15, 20, 30, 40, 99)] == [approx(x) for x in (0, 0, 0.5, 1.0, 0.75, 0.5, 0.5)]
    c = gs.interpolate([0, 10], [1.0, 0.0], shape="cosine")
    assert c(5) == approx(0.5) and c(2.5) == approx((1 + math.cos(math.pi / 4)) / 2)


def test_inverse_sqrt() -> None:
    s = gs.inverse_sqrt(1.0, timescale=100)
    assert s(0) == 1.0 and s(300) == approx(0.5)


def test_slanted_triangular() -> None:
    s = gs.slanted_triangular(0.01, steps=1000, cut_frac=0.1, ratio=32)
    assert s(0) == approx(0.01 / 32) and s(100) == approx(0.01)
    x = 1 - (550 - 100) / 900
    assert s(550) == approx(0.01 * (1 + x * 31) / 32)
    assert s(1000) == approx(0.01 / 32)


def test_function_wrapper() -> None:
    s = gs.function(math.sqrt, steps=100)
    assert s(16) == 4.0
    np = pytest.importorskip("numpy")
    assert s(np.array([4, 9])).tolist() == [2.0, 3.0]


def test_cyclic_modes() -> None:
    s = gs.cyclic(0.1, 1.0, up=10, down=20)
    assert s(0) == approx(0.1) and s(10) == approx(1.0) and s(20) == approx(0.55) and s(30) == approx(0.1)
    t2 = gs.cyclic(0.0, 1.0, up=10, mode="triangular2")
    assert t2(10) == approx(1.0) and t2(30) == approx(0.5) and t2(50) == approx(0.25)
    e = gs.cyclic(0.0, 1.0, up=10, mode="exp_range", gamma=0.9)
    assert e(10) == approx(0.9**10)
    inv = gs.cyclic(0.95, 0.85, up=10)  # momentum: the inverse curve
    assert inv(10) == approx(0.85)


def test_one_cycle_two_and_three_phases() -> None:
    s = gs.one_cycle(1.0, steps=100, warmup=0.25, initial_div=10, final_div=100)
    assert s(0) == approx(0.1) and s(25) == approx(1.0) and s(100) == approx(0.001)
    assert s(12.5) == approx(1.0 + (0.1 - 1.0) * (1 + math.cos(math.pi / 2)) / 2)
    three = gs.one_cycle(1.0, steps=100, warmup=0.25, initial_div=10, final_div=100, three_phase=True, anneal="linear")
    assert three(25) == approx(1.0) and three(50) == approx(0.1) and three(75) == approx(0.0505)
    m = gs.one_cycle_momentum(0.85, 0.95, steps=100, warmup=0.25)
    assert m(0) == approx(0.95) and m(25) == approx(0.85) and m(100) == approx(0.95)


def test_cosine_restarts() -> None:
    s = gs.cosine_restarts(1.0, 0.0, period=10, period_mult=2, decay=0.5, limit=3)
    assert s(0) == approx(1.0) and s(5) == approx(0.5)
    assert s(10) == approx(0.5)  # second cycle starts at 0.5 (decay) and lasts 20
    assert s(20) == approx(0.25)
    assert s(30) == approx(0.25) and s(50) == approx(0.125)
    assert s(70) == 0.0 and s(10**6) == 0.0  # three cycles (10 + 20 + 40), then hold end
    assert s.length == 70
    k = gs.cosine_restarts(1.0, 0.0, period=10, k=2.0)
    assert k(5) == approx((1 + math.cos(math.pi * 25 / 100)) / 2)


def test_cosine_restarts_boundaries_exact_for_large_cycles() -> None:
    s = gs.cosine_restarts(1.0, 0.0, period=3, period_mult=3)
    start = 0
    for i in range(12):
        assert s(start) == approx(1.0), i
        start += 3 * 3**i


def test_warmup_shapes() -> None:
    assert gs.warmup(10)(5) == approx(0.5)
    assert gs.warmup(10, shape="cosine")(5) == approx(0.5)
    assert gs.warmup(10, start=0.01, shape="exponential")(5) == approx(0.1)
    s = gs.warmup(10) >> gs.cosine(0.5, 0.0, 10)
    assert s(5) == approx(0.25) and s(10) == approx(0.5)


def test_wsd() -> None:
    s = gs.warmup_stable_decay(peak=2.0, steps=100, warmup=10, cooldown="20%", shape="linear")
    assert s(5) == approx(1.0) and s(10) == approx(2.0) and s(79) == approx(2.0)
    assert s(90) == approx(1.0) and s(100) == approx(0.0)
    assert [p.start for p in s.phases()] == [0, 10, 80]


def test_noise_statistics() -> None:
    np = pytest.importorskip("numpy")
    s = gs.noise(gs.constant(1.0), scale=0.1, seed=3)
    z = (s(np.arange(200_000)) - 1.0) / 0.1
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1.0) < 0.01
    u = gs.noise(gs.constant(0.0), scale=1.0, seed=3, distribution="uniform", mode="additive")
    x = u(np.arange(200_000))
    assert x.min() >= -1 and x.max() <= 1 and abs(x.mean()) < 0.01 and abs(x.var() - 1 / 3) < 0.01
    other = gs.noise(gs.constant(1.0), scale=0.1, seed=4)
    assert s(7) != other(7)
    clipped = gs.noise(gs.constant(1.0), scale=1.0, seed=3, clip=0.05)
    v = clipped(np.arange(1000))
    assert v.min() >= 0.95 - 1e-12 and v.max() <= 1.05 + 1e-12


def test_one_cycle_is_accurate_in_float32() -> None:
    """The cosine anneal is anchored at each segment's end, so a tiny final value survives float32."""
    torch = pytest.importorskip("torch")
    s = gs.one_cycle(1.0, steps=100)
    t = torch.arange(0, 101, dtype=torch.float32)
    got = s(t)
    assert got.dtype == torch.float32
    want = torch.tensor([s(i) for i in range(101)], dtype=torch.float64)
    assert torch.allclose(got.double(), want, rtol=2e-4, atol=0)  # float32 cos near -1
    assert abs(got[-1].item() - s(100)) / s(100) < 1e-6  # the tiny final value itself
