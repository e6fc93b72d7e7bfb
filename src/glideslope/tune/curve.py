"""Reading a range test's curve: the trim, the smoothing and the suggestions.

Everything here is plain Python on lists (no numpy), so the finder works without it.

**Trim** (fastai's ``lr_find``): the first ``steps // 10`` planned steps and the last 5
recorded steps are left out, and the curve is cut at its first non-finite loss. The start is
noise from learning rates too small to move the weights; the end is the blow-up.

**Smoothing** (zero lag): the range test's running average (an EMA) lags the learning rate by
``1 / (1 - beta)`` steps, four decades of a default sweep, so a curve read from it puts
every feature far to the right. The suggestions are read from a kernel smoother instead,
centred on each point, over ``x = log10(lr)`` and ``y = log(loss)`` (the loss itself when
some loss is <= 0)::

    s_i = sum_j w_ij y_j / sum_j w_ij,     w_ij = exp(-(x_i - x_j)^2 / (2 h^2)),  h = 0.25

(``h`` in decades of learning rate; points farther than ``4 h`` are left out).

**Suggestions**, on the smoothed, trimmed curve ``s`` with ``m`` the index of its minimum:

* ``knee`` (the default): where the curve bends from falling to flat. With ``lr(q)`` the first
  learning rate at which the smoothed loss has made the share ``q`` of its descent,
  ``s_0 - s_i >= q (s_0 - s_m)`` (in loss units), the knee is the geometric mean
  ``(lr(0.9) lr(0.95) lr(0.98)) ** (1/3)``: three thresholds, so that one bump in a noisy
  curve moves it less than it moves any one of them;
* ``steepest``: where ``s`` falls fastest per decade of lr (per unit lr for a linear sweep),
  before ``m``;
* ``valley``: fastai's rule, a point just past the middle of the longest descending stretch;
* ``minimum``: a tenth of the learning rate at ``m`` (fastai's rule).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: The suggestions, in the order they are listed.
SUGGESTIONS = ("knee", "steepest", "valley", "minimum")

#: The suggestion :attr:`LRFinderResult.suggested` returns by default.
DEFAULT_SUGGESTION = "knee"

#: Kernel bandwidth of the smoother, in decades of learning rate.
BANDWIDTH = 0.25

#: Shares of the descent whose learning rates the knee averages (geometrically).
KNEE_FRACTIONS = (0.9, 0.95, 0.98)

#: Recorded steps left out at the end (fastai's ``[:-5]``).
TRIM_END = 5

#: Fewest points the trimmed curve needs for any suggestion.
MIN_POINTS = 5


@dataclass(frozen=True)
class Suggestion:
    """One suggested learning rate and why.

    Attributes:
        name: one of :data:`SUGGESTIONS`.
        lr: the suggested learning rate.
        reason: a sentence saying where on the curve it comes from.
    """

    name: str
    lr: float
    reason: str


def trim(n_recorded: int, steps: int, losses: list[float], skip_start: int | None = None) -> tuple[int, int]:
    """fastai's trim: ``(a, b)`` such that ``losses[a:b]`` is the part the suggestions read.

    ``a = steps // 10`` (of the *planned* steps; ``skip_start`` instead when given),
    ``b = n_recorded - 5``, and ``b`` no later than the first non-finite loss.
    """
    a = steps // 10 if skip_start is None else skip_start
    b = n_recorded - TRIM_END
    for i, loss in enumerate(losses[:n_recorded]):
        if not math.isfinite(loss):
            b = min(b, i)
            break
    return a, max(a, b)


def smooth(lrs: list[float], losses: list[float], bandwidth: float = BANDWIDTH) -> list[float]:
    """The zero-lag kernel smoothing of ``losses`` over ``log10(lrs)`` (see the module
    docstring), returned in loss units. ``lrs`` must be increasing and > 0, the losses finite."""
    if not losses:
        return []
    use_log = min(losses) > 0
    ys = [math.log(y) for y in losses] if use_log else list(losses)
    xs = [math.log10(x) for x in lrs]
    out: list[float] = []
    lo = 0
    n = len(xs)
    reach = 4 * bandwidth
    for xi in xs:
        while xs[lo] < xi - reach:
            lo += 1
        num = den = 0.0
        j = lo
        while j < n and xs[j] <= xi + reach:
            w = math.exp(-0.5 * ((xs[j] - xi) / bandwidth) ** 2)
            num += w * ys[j]
            den += w
            j += 1
        s = num / den
        out.append(math.exp(s) if use_log else s)
    return out


def _valley(losses: list[float]) -> tuple[int, int, int] | None:
    """fastai's valley: the longest strictly decreasing subsequence of the smoothed loss, from
    ``a`` to ``b``; the pick is index ``a + int(len/3) + int(len/6)``, about half-way along."""
    n = len(losses)
    lds = [1] * n
    max_start = max_end = 0
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
        if lds[max_end] < lds[i]:
            max_end = i
            max_start = max_end - lds[max_end]
    if max_end - max_start < 2:
        return None
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    # fastai's start is one before the stretch when it begins at the first point (-1): the
    # pick keeps fastai's arithmetic, the stretch reported starts at a real point
    return idx, max(max_start, 0), max_end


def suggest(lrs: list[float], smoothed: list[float], sweep: str = "exp") -> dict[str, Suggestion]:
    """The suggestions for a trimmed, smoothed curve (see the module docstring); a suggestion
    the curve cannot support (fewer than 5 points, no descent) is absent."""
    pts = [(lr, y) for lr, y in zip(lrs, smoothed) if math.isfinite(y)]
    out: dict[str, Suggestion] = {}
    if len(pts) < MIN_POINTS:
        return out
    xs_lr = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    imin = min(range(len(ys)), key=ys.__getitem__)
    lo_lr, lo_y = xs_lr[imin], ys[imin]
    out["minimum"] = Suggestion(
        "minimum", lo_lr / 10,
        f"a tenth of lr={lo_lr:.3g}, where the smoothed loss is lowest ({lo_y:.4g}): fastai's "
        "rule, clear of the divergence that follows",
    )
    drop = ys[0] - ys[imin]
    if imin > 0 and drop > 0:
        at = [xs_lr[next(i for i in range(imin + 1) if ys[0] - ys[i] >= q * drop)] for q in KNEE_FRACTIONS]
        knee = math.exp(sum(math.log(x) for x in at) / len(at))
        shares = ", ".join(f"{q:.0%}" for q in KNEE_FRACTIONS)
        out["knee"] = Suggestion(
            "knee", knee,
            f"where the curve bends from falling to flat: the smoothed loss has made {shares} of its "
            f"descent ({ys[0]:.4g} -> {lo_y:.4g}) by lr={', '.join(f'{x:.3g}' for x in at)}; their "
            "geometric mean",
        )
    xs = [math.log10(x) for x in xs_lr] if sweep == "exp" else xs_lr
    best_i, best_slope = -1, 0.0
    for i in range(1, min(imin, len(ys) - 1)):
        dx = xs[i + 1] - xs[i - 1]
        slope = (ys[i + 1] - ys[i - 1]) / dx if dx > 0 else 0.0
        if slope < best_slope:
            best_i, best_slope = i, slope
    if best_i >= 0:
        unit = "per decade of lr" if sweep == "exp" else "per unit of lr"
        out["steepest"] = Suggestion(
            "steepest", xs_lr[best_i],
            f"the smoothed loss falls fastest here ({best_slope:.3g} {unit}) before its minimum at "
            f"lr={lo_lr:.3g}",
        )
    val = _valley(ys)
    if val is not None:
        idx, a, b = val
        out["valley"] = Suggestion(
            "valley", xs_lr[idx],
            f"inside the longest descending stretch of the loss, lr {xs_lr[a]:.3g} .. {xs_lr[b]:.3g} "
            f"(loss {ys[a]:.4g} -> {ys[b]:.4g}), just past its midpoint (fastai's rule)",
        )
    return {k: out[k] for k in SUGGESTIONS if k in out}


__all__ = ["BANDWIDTH", "DEFAULT_SUGGESTION", "KNEE_FRACTIONS", "SUGGESTIONS", "Suggestion",
           "smooth", "suggest", "trim"]
