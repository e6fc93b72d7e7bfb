"""Paired t-intervals, ratio intervals and verdicts with an explicit equivalence margin.

A comparison of method ``a`` with method ``b`` uses the seeds both ran (same seed: same
initial weights, same batches), *reporting seeds only* (the selection seed that chose the
peaks is never reported):

* difference: ``d_s = loss(a, s) - loss(b, s)``; the 95% interval is the paired t-interval
  ``mean(d) +- t(0.975, n - 1) * sd(d) / sqrt(n)``;
* ratio: ``r_s = log(loss(a, s) / loss(b, s))``; the interval is the t-interval of
  ``mean(r)``, exponentiated, so it is a ratio of geometric means.

Verdicts (:func:`verdict`), at equivalence margin ``m`` (relative, 1% by default):

* ``"better"`` / ``"worse"``: the interval excludes 0 (ratio 1), whichever side;
* ``"matches (within +-m)"``: the whole interval lies inside ``[-m, +m]`` (two one-sided
  tests at 2.5% each, so it is stricter than TOST at 5%);
* ``"cannot tell"``: none of these. Wide intervals say this, and the report says it too.

``tests/bench/test_stats.py`` simulates the t-interval's coverage at the seed counts used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Two-sided 95% quantiles of Student's t, t(0.975, df), for df = 1..30.
T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)

#: The default equivalence margin of "matches": 1% of the reference loss.
MARGIN = 0.01


def t975(df: int) -> float:
    """t(0.975, df): the table for df <= 30, then the Cornish-Fisher expansion (error < 1e-3)."""
    if df < 1:
        raise ValueError(f"df must be >= 1, got {df}")
    if df <= len(T975):
        return T975[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)


def t_interval(xs: Sequence[float]) -> tuple[float, float, float]:
    """``(mean, low, high)``: the 95% t-interval of the mean of ``xs`` (NaN bounds for fewer
    than two values; all inf/NaN when a value is not finite)."""
    n = len(xs)
    if n == 0:
        return math.nan, math.nan, math.nan
    if any(not math.isfinite(x) for x in xs):
        return math.inf, math.nan, math.nan
    m = sum(xs) / n
    if n < 2:
        return m, math.nan, math.nan
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    half = t975(n - 1) * sd / math.sqrt(n)
    return m, m - half, m + half


def paired_diff(a: dict[int, float], b: dict[int, float]) -> tuple[float, float, float, int]:
    """``(mean, low, high, n)`` of ``a[s] - b[s]`` over the seeds in both."""
    seeds = sorted(set(a) & set(b))
    d = [a[s] - b[s] for s in seeds]
    m, lo, hi = t_interval(d)
    return m, lo, hi, len(seeds)


def paired_ratio(a: dict[int, float], b: dict[int, float]) -> tuple[float, float, float, int]:
    """``(ratio, low, high, n)``: geometric-mean ratio ``a / b`` over shared seeds, with the
    exponentiated t-interval of the mean log ratio."""
    seeds = sorted(set(a) & set(b))
    if any(not (math.isfinite(a[s]) and math.isfinite(b[s]) and a[s] > 0 and b[s] > 0) for s in seeds):
        return math.inf, math.nan, math.nan, len(seeds)
    m, lo, hi = t_interval([math.log(a[s] / b[s]) for s in seeds])
    return math.exp(m), math.exp(lo), math.exp(hi), len(seeds)


def verdict(low: float, high: float, margin: float = MARGIN, ratio: bool = False) -> str:
    """The verdict of an interval (see the module docstring): on differences relative to the
    reference when ``ratio`` is False (pass ``low/ref``, ``high/ref``), or on ratios."""
    if math.isnan(low) or math.isnan(high):
        return "cannot tell"
    if ratio:
        low, high = low - 1.0, high - 1.0
    if -margin <= low and high <= margin:
        return f"matches (within ±{100 * margin:g}%)"
    if high < 0:
        return "better"
    if low > 0:
        return "worse"
    return "cannot tell"


__all__ = ["MARGIN", "T975", "paired_diff", "paired_ratio", "t975", "t_interval", "verdict"]
