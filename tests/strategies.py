"""Hypothesis strategies: random valid schedules of every shape and composite."""

from __future__ import annotations

from hypothesis import strategies as st

import glideslope as gs

values = st.floats(min_value=-10.0, max_value=10.0, allow_nan=False, allow_infinity=False)
positive_values = st.floats(min_value=1e-3, max_value=10.0)
lengths = st.integers(min_value=1, max_value=400)
rates = st.floats(min_value=0.05, max_value=2.0)


@st.composite
def increasing_ints(draw: st.DrawFn, min_size: int = 1, max_size: int = 5, low: int = 1) -> list[int]:
    xs = draw(st.lists(st.integers(min_value=low, max_value=500), min_size=min_size, max_size=max_size, unique=True))
    return sorted(xs)


@st.composite
def shapes(draw: st.DrawFn) -> gs.Schedule:
    """One random shape of the catalogue, bound (all durations in steps)."""
    kind = draw(
        st.sampled_from(
            [
                "constant", "linear", "cosine", "polynomial", "tanh", "rex", "cooldown", "exponential",
                "step", "multistep", "piecewise_constant", "interpolate", "inverse_sqrt",
                "slanted_triangular", "cyclic", "one_cycle", "one_cycle_momentum", "cosine_restarts",
                "warmup",
            ]
        )
    )
    a, b, n = draw(values), draw(values), draw(lengths)
    if kind == "constant":
        return gs.constant(a, steps=draw(st.none() | lengths))
    if kind == "linear":
        return gs.linear(a, b, n)
    if kind == "cosine":
        return gs.cosine(a, b, n, exponent=draw(st.sampled_from([1.0, 0.5, 2.0])))
    if kind == "polynomial":
        return gs.polynomial(a, b, n, power=draw(st.floats(min_value=0.1, max_value=4.0)))
    if kind == "tanh":
        return gs.tanh(a, b, n)
    if kind == "rex":
        return gs.rex(a, b, n)
    if kind == "cooldown":
        shape = draw(st.sampled_from(["linear", "cosine", "1-sqrt", "square", "exponential"]))
        if shape == "exponential":
            return gs.cooldown(draw(positive_values), draw(positive_values), n, shape=shape)
        return gs.cooldown(a, b, n, shape=shape)
    if kind == "exponential":
        rate = draw(rates)
        start = draw(positive_values)
        end = draw(st.none() | st.just(start * (0.1 if rate < 1 else 3.0)))
        return gs.exponential(
            start, rate, every=draw(lengths), staircase=draw(st.booleans()),
            delay=draw(st.integers(min_value=0, max_value=50)), end=end,
        )
    if kind == "step":
        return gs.step(a, draw(rates), every=n)
    if kind == "multistep":
        return gs.multistep(a, draw(rates), draw(increasing_ints()))
    if kind == "piecewise_constant":
        bounds = draw(increasing_ints(min_size=0))
        return gs.piecewise_constant(bounds, draw(st.lists(values, min_size=len(bounds) + 1, max_size=len(bounds) + 1)))
    if kind == "interpolate":
        bounds = draw(increasing_ints(min_size=1, low=0))
        vals = draw(st.lists(values, min_size=len(bounds), max_size=len(bounds)))
        return gs.interpolate(bounds, vals, shape=draw(st.sampled_from(["linear", "cosine"])))
    if kind == "inverse_sqrt":
        return gs.inverse_sqrt(a, timescale=n)
    if kind == "slanted_triangular":
        return gs.slanted_triangular(a, max(n, 2), cut_frac=draw(st.floats(0.05, 0.9)), ratio=draw(st.floats(1.0, 64.0)))
    if kind == "cyclic":
        mode = draw(st.sampled_from(["triangular", "triangular2", "exp_range"]))
        return gs.cyclic(a, b, up=n, down=draw(st.none() | lengths), mode=mode, gamma=draw(st.floats(0.9, 1.0)))
    if kind == "one_cycle":
        three = draw(st.booleans())
        return gs.one_cycle(
            draw(positive_values), max(n, 4), warmup=draw(st.floats(0.05, 0.45 if three else 0.95)),
            anneal=draw(st.sampled_from(["cosine", "linear"])), three_phase=three,
        )
    if kind == "one_cycle_momentum":
        return gs.one_cycle_momentum(a, b, max(n, 4), warmup=draw(st.floats(0.05, 0.45)))
    if kind == "cosine_restarts":
        return gs.cosine_restarts(
            a, b, period=n, period_mult=draw(st.sampled_from([1.0, 2.0, 1.5, 3.0])),
            decay=draw(st.floats(0.3, 1.0)), limit=draw(st.none() | st.integers(1, 5)),
            k=draw(st.sampled_from([1.0, 0.5, 2.0])),
        )
    assert kind == "warmup"
    shape = draw(st.sampled_from(["linear", "cosine", "exponential"]))
    if shape == "exponential":
        return gs.warmup(n, start=draw(positive_values), shape=shape, end=draw(positive_values))
    return gs.warmup(n, start=a, shape=shape, end=draw(st.none() | values))


def _finite(s: gs.Schedule) -> bool:
    n = s.length
    return n is not None and n != float("inf")


@st.composite
def schedules(draw: st.DrawFn, depth: int = 2) -> gs.Schedule:
    """A random shape or composite (nested up to ``depth``)."""
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        return draw(shapes())
    op = draw(st.sampled_from(["seq", "join", "scale", "product", "sum", "min", "max", "repeat", "stretch", "clamp", "shift", "noise",
                               "product3", "sum3", "sub", "rsub", "neg", "seq1"]))
    a = draw(schedules(depth=depth - 1))
    if op == "product3":
        return gs.product(a, draw(schedules(depth=depth - 1)), draw(schedules(depth=depth - 1)))
    if op == "sum3":
        return gs.add(a, draw(schedules(depth=depth - 1)), draw(values))
    if op == "sub":
        return a - draw(st.one_of(schedules(depth=depth - 1), values))
    if op == "rsub":
        return draw(values) - a
    if op == "neg":
        return -a
    if op == "seq1":
        return gs.sequence(a)
    if op == "seq":
        first = a if _finite(a) else gs.linear(1.0, 0.5, 10)
        return first >> draw(schedules(depth=depth - 1))
    if op == "join":
        return gs.join([a, draw(schedules(depth=depth - 1))], [draw(lengths)])
    if op == "scale":
        return draw(values) * a
    if op == "product":
        return a * draw(schedules(depth=depth - 1))
    if op == "sum":
        return a + draw(st.one_of(schedules(depth=depth - 1), values))
    if op == "min":
        return gs.minimum(a, draw(schedules(depth=depth - 1)))
    if op == "max":
        return gs.maximum(a, draw(values))
    if op == "repeat":
        base = a if _finite(a) and a.length else gs.cosine(steps=draw(lengths))
        return gs.repeat(base, times=draw(st.none() | st.integers(1, 4)))
    if op == "stretch":
        return gs.stretch(a, draw(st.floats(0.25, 4.0)))
    if op == "clamp":
        lo = draw(values)
        return gs.clamp(a, lo, lo + draw(st.floats(0.0, 5.0)))
    if op == "shift":
        return gs.shift(a, draw(st.integers(-50, 50)))
    return gs.noise(a, draw(st.floats(0.0, 0.5)), seed=draw(st.integers(0, 2**31)), distribution=draw(st.sampled_from(["normal", "uniform"])))


# -- extreme but valid arguments: huge and tiny magnitudes, long and short durations ----------

extreme_values = st.one_of(
    values,
    st.sampled_from([0.0, -0.0, 1e-300, -1e-300, 5e-324, 1e300, -1e300, 1.7e308, -1.7e308, 1e150, -1e150]),
    st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False),
)
extreme_lengths = st.one_of(lengths, st.sampled_from([1, 2, 2**31 - 1, 2**31 + 1, 10**10, 2**40, 2**53]))
extreme_rates = st.one_of(rates, st.sampled_from([1e-300, 1e-10, 0.999999, 1.0, 1.000001, 10.0, 1e10, 1e300]))


@st.composite
def extreme_shapes(draw: st.DrawFn) -> gs.Schedule | None:
    """A shape with extreme arguments, or None where construction refused them (ValueError)."""
    try:
        return _extreme_shape(draw)
    except ValueError:
        return None


def _extreme_shape(draw: st.DrawFn) -> gs.Schedule:
    kind = draw(st.sampled_from(["constant", "linear", "cosine", "polynomial", "tanh", "rex", "cooldown", "exponential",
                                 "step", "multistep", "interpolate", "inverse_sqrt", "slanted_triangular", "cyclic",
                                 "one_cycle", "cosine_restarts", "warmup"]))
    a, b, n = draw(extreme_values), draw(extreme_values), draw(extreme_lengths)
    if kind == "constant":
        return gs.constant(a, steps=draw(st.none() | extreme_lengths))
    if kind == "linear":
        return gs.linear(a, b, n)
    if kind == "cosine":
        return gs.cosine(a, b, n, exponent=draw(st.sampled_from([1.0, 1e-3, 0.5, 3.0, 1e3])))
    if kind == "polynomial":
        return gs.polynomial(a, b, n, power=draw(st.sampled_from([1e-3, 0.5, 1.0, 7.0, 1e3])))
    if kind == "tanh":
        lo = draw(st.floats(-1e300, 1e300, allow_nan=False))
        return gs.tanh(a, b, n, lower=lo, upper=lo + draw(st.sampled_from([1e-300, 1e-9, 1.0, 9.0, 1e300])))
    if kind == "rex":
        return gs.rex(a, b, n)
    if kind == "cooldown":
        shape = draw(st.sampled_from(["linear", "cosine", "1-sqrt", "square", "exponential"]))
        if shape == "exponential":
            return gs.cooldown(abs(a) or 1.0, abs(b) or 1e-300, n, shape=shape)
        return gs.cooldown(a, b, n, shape=shape)
    if kind == "exponential":
        return gs.exponential(a, draw(extreme_rates), every=n, staircase=draw(st.booleans()),
                              delay=draw(st.sampled_from([0, 1, 2**40])))
    if kind == "step":
        return gs.step(a, draw(extreme_rates), every=n)
    if kind == "multistep":
        return gs.multistep(a, draw(extreme_rates), sorted(set(draw(st.lists(extreme_lengths, min_size=1, max_size=4)))))
    if kind == "interpolate":
        knots = sorted(set(draw(st.lists(st.floats(0.0, 1e300, allow_nan=False), min_size=1, max_size=4))))
        return gs.interpolate(knots, [draw(extreme_values) for _ in knots], shape=draw(st.sampled_from(["linear", "cosine"])))
    if kind == "inverse_sqrt":
        return gs.inverse_sqrt(a, timescale=n)
    if kind == "slanted_triangular":
        return gs.slanted_triangular(a, max(n, 2), ratio=draw(st.sampled_from([1.0, 32.0, 1e300])))
    if kind == "cyclic":
        return gs.cyclic(a, b, up=n, mode=draw(st.sampled_from(["triangular", "triangular2", "exp_range"])),
                         gamma=draw(extreme_rates))
    if kind == "one_cycle":
        return gs.one_cycle(a, max(n, 4), initial_div=draw(st.sampled_from([1e-300, 25.0, 1e300])),
                            final_div=draw(st.sampled_from([1e-300, 1e4, 1e300])))
    if kind == "cosine_restarts":
        return gs.cosine_restarts(a, b, period=n, period_mult=draw(st.sampled_from([1.0, 1.5, 1e10, 1e300])),
                                  decay=draw(extreme_rates), limit=draw(st.none() | st.sampled_from([1, 3, 10**6])),
                                  k=draw(st.sampled_from([1.0, 1e-3, 2.0, 1e3])))
    assert kind == "warmup"
    return gs.warmup(n, start=a, end=draw(st.none() | extreme_values))


@st.composite
def extreme_schedules(draw: st.DrawFn, depth: int = 2) -> gs.Schedule | None:
    """A random composite of extreme shapes, or None where construction refused it (ValueError)."""
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        return draw(extreme_shapes())
    op = draw(st.sampled_from(["seq", "scale", "product", "sum", "min", "repeat", "stretch", "clamp", "shift", "noise"]))
    a = draw(extreme_schedules(depth=depth - 1))
    b = draw(extreme_schedules(depth=depth - 1))
    if a is None or b is None:
        return None
    try:
        return _extreme_composite(draw, op, a, b)
    except ValueError:
        return None


def _extreme_composite(draw: st.DrawFn, op: str, a: gs.Schedule, b: gs.Schedule) -> gs.Schedule:
    if op == "seq":
        return gs.sequence(a if _finite(a) else gs.linear(1.0, 0.5, 10), b)
    if op == "scale":
        return draw(extreme_values) * a
    if op == "product":
        return a * b
    if op == "sum":
        return a + b
    if op == "min":
        return gs.minimum(a, b)
    if op == "repeat":
        return gs.repeat(a if _finite(a) and a.length else gs.cosine(steps=draw(extreme_lengths)),
                         times=draw(st.none() | st.sampled_from([1, 3, 10**9])))
    if op == "stretch":
        return gs.stretch(a, draw(st.sampled_from([1e-300, 1e-9, 0.5, 3.0, 1e9])))
    if op == "clamp":
        lo = draw(extreme_values)
        return gs.clamp(a, lo, max(lo, draw(extreme_values)))
    if op == "shift":
        return gs.shift(a, draw(st.sampled_from([-(2**53), -(10**10), -7, 0, 7, 2**40])))
    return gs.noise(a, draw(st.sampled_from([0.0, 0.1, 1e300])), seed=draw(st.integers(0, 2**64)),
                    distribution=draw(st.sampled_from(["normal", "uniform"])), mode=draw(st.sampled_from(["multiplicative", "additive"])))
