"""Paired intervals, ratio intervals, one verdict rule, and the multiplicity correction.

A comparison of method ``a`` with a reference ``b`` uses the seeds both ran (same seed: same
initial weights, same batches), *reporting seeds only* (the selection seed that chose the
peaks, and the reference, is never reported):

* difference: ``d_s = loss(a, s) - loss(b, s)``; the interval is the paired t-interval
  ``mean(d) +- t(1 - alpha / 2, n - 1) * sd(d) / sqrt(n)``;
* ratio: ``r_s = log(loss(a, s) / loss(b, s))``; the interval is the t-interval of
  ``mean(r)``, exponentiated, so it is a ratio of geometric means.

Interval methods (:data:`INTERVALS`), at confidence ``level`` (0.95 by default):

* ``"t"`` (the default): the t-interval above. Its coverage is simulated in
  ``tests/bench/test_stats.py`` at 3, 5 and 10 seeds under normal, t(3), log-normal
  (sigma 0.25) errors and errors resampled from the committed budget-study records, and must
  lie in 93-97.5% in every case. It under-covers under more skewed errors (log-normal
  sigma 0.5: below 93%, asserted by the same test), which the records do not show (their
  standardized paired residuals are near-symmetric, skewness under 0.5 by that test);
* ``"wide"``: the same t-interval at level ``1 - (1 - level) / 2`` (97.5% for 95%): for an
  auditor who suspects skewed errors; it covers at least 94.5% under log-normal sigma 0.5
  errors (the same test), at the price of more "cannot tell".

Verdicts (:func:`verdict`), at equivalence margin ``m`` (relative, 1% by default), on an
interval ``[low, high]`` of the difference relative to the reference (or of the ratio minus
1). The checks run in this order, and the first that applies wins:

1. a bound is NaN (one seed, or a diverged run): ``"cannot tell"``;
2. the interval excludes 0 (``high < 0`` or ``low > 0``; touching 0 does not exclude it):
   ``"better"`` / ``"worse"``, and when the whole interval also lies inside ``[-m, +m]``
   (``-m <= low`` and ``high <= m``, bounds included) ``"better, within ±m"`` /
   ``"worse, within ±m"``: a real difference smaller than the margin;
3. the whole interval lies inside ``[-m, +m]`` (and contains 0): ``"matches (within ±m)"``;
4. otherwise ``"cannot tell"``.

An equivalence claim ("matches within ±m") holds for ``"matches"`` and for both "within"
verdicts (:func:`equivalent`): each shows the difference inside the margin.

**Multiplicity.** Each interval is per comparison: 95% for that one comparison, not for a
family of them. Where a report counts verdicts over ``k`` comparisons (budgets, methods) it
also counts them under Bonferroni (:func:`bonferroni`): each interval at level
``1 - (1 - level) / k``, so that all ``k`` hold together with probability >= ``level``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

#: The default equivalence margin of "matches": 1% of the reference loss.
MARGIN = 0.01
#: The default confidence level of every interval.
LEVEL = 0.95
#: The interval methods (see the module docstring).
INTERVALS = ("t", "wide")


def t_two_sided(x: float, df: int) -> float:
    """``P(|T| <= x)`` for Student's t with ``df`` (an int >= 1) degrees of freedom, in closed
    form (Abramowitz & Stegun 26.7.3-4): with ``theta = atan(x / sqrt(df))`` and ``c = cos(theta)``,
    odd ``df``: ``(2 / pi) (theta + sin(theta) c (1 + 2/3 c^2 + 2*4/(3*5) c^4 + ...))`` over
    ``(df - 3) / 2`` terms; even ``df``: ``sin(theta) (1 + 1/2 c^2 + 1*3/(2*4) c^4 + ...)`` over
    ``(df - 2) / 2`` terms."""
    if isinstance(df, bool) or not isinstance(df, int) or df < 1:
        raise ValueError(f"df must be an int >= 1, got {df!r}")
    if x <= 0:
        return 0.0
    theta = math.atan(x / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    if df % 2:
        term, total = 1.0, 1.0 if df > 1 else 0.0
        for k in range(1, (df - 3) // 2 + 1):
            term *= c2 * (2 * k) / (2 * k + 1)
            total += term
        return min(1.0, 2 / math.pi * (theta + math.sin(theta) * math.cos(theta) * total))
    term, total = 1.0, 1.0
    for k in range(1, (df - 2) // 2 + 1):
        term *= c2 * (2 * k - 1) / (2 * k)
        total += term
    return min(1.0, math.sin(theta) * total)


@lru_cache(maxsize=512)
def t_quantile(q: float, df: int) -> float:
    """The ``q``-quantile of Student's t with ``df`` degrees of freedom, for ``q`` in
    ``[0.5, 1)``: the root of ``t_two_sided(x, df) = 2 q - 1``, by bisection to 1e-12."""
    if not 0.5 <= q < 1:
        raise ValueError(f"q must be a probability in [0.5, 1), got {q!r}")
    target = 2 * q - 1
    lo, hi = 0.0, 1.0
    while t_two_sided(hi, df) < target:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_two_sided(mid, df) < target:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, hi):
            break
    return (lo + hi) / 2


def t975(df: int) -> float:
    """t(0.975, df): the two-sided 95% quantile."""
    return t_quantile(0.975, df)


def _check_level(level: float) -> float:
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ValueError(f"level must be a confidence level in (0, 1), e.g. 0.95; got {level!r}")
    return float(level)


def t_interval(xs: Sequence[float], level: float = LEVEL) -> tuple[float, float, float]:
    """``(mean, low, high)``: the t-interval at ``level`` of the mean of ``xs`` (NaN bounds for
    fewer than two values; ``(inf, nan, nan)`` when a value is not finite)."""
    level = _check_level(level)
    n = len(xs)
    if n == 0:
        return math.nan, math.nan, math.nan
    if any(not math.isfinite(x) for x in xs):
        return math.inf, math.nan, math.nan
    m = sum(xs) / n
    if n < 2:
        return m, math.nan, math.nan
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1))
    half = t_quantile(1 - (1 - level) / 2, n - 1) * sd / math.sqrt(n)
    return m, m - half, m + half


def interval(xs: Sequence[float], method: str = "t", level: float = LEVEL) -> tuple[float, float, float]:
    """``(mean, low, high)`` of the mean of ``xs`` by interval ``method`` (a name of
    :data:`INTERVALS`) at ``level``."""
    if method == "t":
        return t_interval(xs, level)
    if method == "wide":
        return t_interval(xs, 1 - (1 - _check_level(level)) / 2)
    raise ValueError(f"interval method must be one of {', '.join(INTERVALS)}; got {method!r}")


def verdict(low: float, high: float, margin: float = MARGIN, ratio: bool = False) -> str:
    """The verdict of an interval, by the rule and order of the module docstring: on
    differences relative to the reference when ``ratio`` is False (pass ``low/ref``,
    ``high/ref``), or on ratios (1 is no difference)."""
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 <= margin < 1:
        raise ValueError(f"margin must be a relative margin in [0, 1), e.g. 0.01 for ±1%; got {margin!r}")
    if math.isnan(low) or math.isnan(high):
        return "cannot tell"
    if ratio:
        low, high = low - 1.0, high - 1.0
    inside = -margin <= low and high <= margin
    band = f"±{100 * margin:g}%"
    if high < 0 or low > 0:
        side = "better" if high < 0 else "worse"
        return f"{side}, within {band}" if inside else side
    if inside:
        return f"matches (within {band})"
    return "cannot tell"


def equivalent(v: str) -> bool:
    """Whether a verdict shows the difference inside the margin ("matches", "better, within",
    "worse, within")."""
    return v.startswith("matches") or ", within " in v


def direction(v: str) -> str:
    """``"better"``, ``"worse"`` or ``""``: the side a verdict found, if any."""
    return v.split(",")[0] if v.split(",")[0] in ("better", "worse") else ""


@dataclass(frozen=True)
class Analysis:
    """How a report computes its intervals and verdicts.

    Attributes:
        margin: the equivalence margin of "matches" (relative; 0.01 is ±1%).
        interval: the interval method, a name of :data:`INTERVALS`.
        level: the confidence level of each interval.
    """

    margin: float = MARGIN
    interval: str = "t"
    level: float = LEVEL

    def __post_init__(self) -> None:
        verdict(0.0, 0.0, self.margin)  # checks the margin
        _check_level(self.level)
        if self.interval not in INTERVALS:
            raise ValueError(f"interval method must be one of {', '.join(INTERVALS)}; got {self.interval!r}")

    @property
    def effective_level(self) -> float:
        """The confidence level each interval really has (``"wide"`` widens ``level``)."""
        return self.level if self.interval == "t" else 1 - (1 - self.level) / 2

    def mean_interval(self, xs: Sequence[float]) -> tuple[float, float, float]:
        """``(mean, low, high)`` of ``xs`` by this analysis's method and level."""
        return interval(xs, self.interval, self.level)

    def diff(self, a: dict[int, float], b: dict[int, float]) -> tuple[float, float, float, int]:
        """``(mean, low, high, n)`` of ``a[s] - b[s]`` over the seeds in both."""
        seeds = sorted(set(a) & set(b))
        m, lo, hi = self.mean_interval([a[s] - b[s] for s in seeds])
        return m, lo, hi, len(seeds)

    def ratio(self, a: dict[int, float], b: dict[int, float]) -> tuple[float, float, float, int]:
        """``(ratio, low, high, n)``: geometric-mean ratio ``a / b`` over shared seeds, with the
        exponentiated interval of the mean log ratio."""
        seeds = sorted(set(a) & set(b))
        if any(not (math.isfinite(a[s]) and math.isfinite(b[s]) and a[s] > 0 and b[s] > 0) for s in seeds):
            return math.inf, math.nan, math.nan, len(seeds)
        m, lo, hi = self.mean_interval([math.log(a[s] / b[s]) for s in seeds])
        return math.exp(m), math.exp(lo), math.exp(hi), len(seeds)

    def verdict(self, low: float, high: float, ratio: bool = False) -> str:
        """:func:`verdict` at this analysis's margin."""
        return verdict(low, high, self.margin, ratio)

    def bonferroni(self, k: int) -> Analysis:
        """The same analysis with each interval at level ``1 - (1 - level) / k``."""
        return replace(self, level=bonferroni(k, self.level))

    def describe(self) -> str:
        """One sentence: the interval, its level and the margin."""
        what = "paired t-interval" if self.interval == "t" else (
            f"paired t-interval widened to {100 * (1 - (1 - self.level) / 2):g}% ('wide')")
        return f"{100 * self.level:g}% {what}; \"matches\" = within ±{100 * self.margin:g}%"


def bonferroni(k: int, level: float = LEVEL) -> float:
    """The per-comparison level that makes ``k`` intervals hold together with probability at
    least ``level``: ``1 - (1 - level) / k``."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k (the number of comparisons) must be an int >= 1, got {k!r}")
    return 1 - (1 - _check_level(level)) / k


#: The default analysis (95% t-intervals, ±1%).
DEFAULT = Analysis()


def paired_diff(a: dict[int, float], b: dict[int, float]) -> tuple[float, float, float, int]:
    """``(mean, low, high, n)`` of ``a[s] - b[s]`` over the seeds in both (95% t-interval)."""
    return DEFAULT.diff(a, b)


def paired_ratio(a: dict[int, float], b: dict[int, float]) -> tuple[float, float, float, int]:
    """``(ratio, low, high, n)``: geometric-mean ratio ``a / b`` over shared seeds (95%
    t-interval of the mean log ratio, exponentiated)."""
    return DEFAULT.ratio(a, b)


__all__ = [
    "DEFAULT", "INTERVALS", "LEVEL", "MARGIN", "Analysis", "bonferroni", "direction", "equivalent", "interval",
    "paired_diff", "paired_ratio", "t975", "t_interval", "t_quantile", "t_two_sided", "verdict",
]
