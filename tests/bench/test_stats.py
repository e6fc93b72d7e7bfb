"""The benchmark's intervals cover at the seed counts it uses, and its verdicts read them right."""

from __future__ import annotations

import math

import pytest

np = pytest.importorskip("numpy")

from glideslope.bench.stats import (  # noqa: E402
    T975,
    paired_diff,
    paired_ratio,
    t975,
    t_interval,
    verdict,
)


@pytest.mark.parametrize("n", [3, 4, 5])
@pytest.mark.parametrize("scale", [0.001, 0.05])
def test_paired_t_interval_covers_at_least_93_percent(n: int, scale: float) -> None:
    # paired differences of final losses: a true gap plus per-seed noise (normal, as seed noise of
    # a mean loss over thousands of tokens is); 4000 simulated benchmarks per case
    rng = np.random.default_rng(n * 1000 + int(scale * 1e4))
    true_gap = 0.02
    hits = 0
    sims = 4000
    for _ in range(sims):
        d = true_gap + scale * rng.standard_normal(n)
        _m, lo, hi = t_interval(list(d))
        hits += lo <= true_gap <= hi
    assert hits / sims >= 0.93, hits / sims


@pytest.mark.parametrize("n", [3, 5])
def test_ratio_interval_covers_at_least_93_percent(n: int) -> None:
    rng = np.random.default_rng(7 + n)
    true_ratio = 1.01
    hits, sims = 0, 4000
    for _ in range(sims):
        base = 2.3 + 0.03 * rng.standard_normal(n)
        other = base * true_ratio * np.exp(0.004 * rng.standard_normal(n))
        _r, lo, hi, _ = paired_ratio(dict(enumerate(other)), dict(enumerate(base)))
        hits += lo <= true_ratio <= hi
    assert hits / sims >= 0.93, hits / sims


def test_t_quantiles() -> None:
    assert t975(2) == pytest.approx(4.303) and t975(4) == pytest.approx(2.776)
    assert len(T975) == 30
    assert t975(31) < T975[-1] and t975(1000) == pytest.approx(1.962, abs=1e-3)
    scipy_stats = pytest.importorskip("scipy.stats")
    for df in (1, 2, 4, 10, 30, 40, 120):
        assert t975(df) == pytest.approx(float(scipy_stats.t.ppf(0.975, df)), abs=2e-3)


def test_paired_uses_shared_seeds_only() -> None:
    m, lo, hi, n = paired_diff({1: 2.0, 2: 2.1, 3: 2.2, 4: 9.0}, {1: 1.9, 2: 2.0, 3: 2.1})
    assert n == 3 and m == pytest.approx(0.1) and lo == pytest.approx(0.1) and hi == pytest.approx(0.1)
    m, lo, hi = t_interval([1.0])
    assert m == 1.0 and math.isnan(lo) and math.isnan(hi)
    assert paired_ratio({1: math.inf}, {1: 2.0})[0] == math.inf


@pytest.mark.parametrize(
    ("low", "high", "ratio", "expected"),
    [
        (-0.005, 0.004, False, "matches (within ±1%)"),
        (-0.03, -0.01, False, "better"),
        (0.011, 0.05, False, "worse"),
        (-0.02, 0.03, False, "cannot tell"),
        (0.995, 1.008, True, "matches (within ±1%)"),
        (1.02, 1.05, True, "worse"),
        (0.95, 0.98, True, "better"),
        (0.97, 1.02, True, "cannot tell"),
        (math.nan, math.nan, True, "cannot tell"),
    ],
)
def test_verdicts(low: float, high: float, ratio: bool, expected: str) -> None:
    assert verdict(low, high, ratio=ratio) == expected
