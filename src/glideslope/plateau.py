"""Reduce-on-plateau: a stateful controller that scales a value when a metric stalls.

Unlike a schedule, this reacts to training, so it is an explicit object with state
(``state_dict()`` / ``load_state_dict()``). It is framework-agnostic; every dialect's plateau
scheduler (torch, Transformers, ...) is built on it.

The rule (torch's ReduceLROnPlateau semantics): a metric ``m`` improves on the best ``b`` when

* ``mode="min"``, ``threshold_mode="rel"``: ``m < b * (1 - threshold)``;
* ``mode="min"``, ``threshold_mode="abs"``: ``m < b - threshold``;
* ``mode="max"``: ``m > b * (1 + threshold)`` or ``m > b + threshold``.

After more than ``patience`` updates without improvement (and outside a ``cooldown``), the
scale is multiplied by ``factor`` (never taking the value below ``min_value``), the bad-update
count resets and a cooldown of ``cooldown`` updates starts.
"""

from __future__ import annotations

import math
from typing import Any

from . import _validate as v
from .schedule import Schedule

_INF = math.inf
NONFINITE_POLICIES = ("raise", "skip", "count")


class ReduceOnPlateau:
    """Scale a value down by ``factor`` when a metric has not improved for ``patience`` steps.

    Optionally it follows a schedule: ``ReduceOnPlateau(..., after=warmup(500, end=1.0))``
    runs the schedule first, then holds its last value times the plateau scale; metrics
    reported while the schedule runs are ignored.

    Args:
        mode: ``"min"`` (a lower metric is better) or ``"max"``.
        factor: multiplier applied on a plateau, in (0, 1).
        patience: updates without improvement tolerated before reducing (>= 0).
        threshold: least change that counts as an improvement (>= 0).
        threshold_mode: ``"rel"`` (relative to the best) or ``"abs"``.
        cooldown: updates to wait after a reduction before counting again (>= 0).
        min_value: the value never goes below this (absolute, applied to ``base * scale``).
        eps: a reduction smaller than this is skipped (torch's ``eps``).
        nonfinite: what a NaN or infinite metric does: ``"raise"`` a ValueError, ``"skip"``
            (ignored, counts for nothing) or ``"count"`` (a bad update, torch's behaviour).
        after: a schedule to run first, or None.
        base: the value the scale multiplies, >= 0 (1.0: the controller yields a multiplier);
            with ``after`` it is the schedule's last value instead, so leave it at 1.0.
    """

    @v.checked_keywords
    def __init__(
        self,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_value: float = 0.0,
        eps: float = 1e-8,
        nonfinite: str = "raise",
        after: Schedule | None = None,
        base: float = 1.0,
    ) -> None:
        self.mode = v.choice("mode", mode, ("min", "max"))
        self.factor = v.between("factor", factor, 0.0, 1.0, low_open=True, high_open=True)
        self.patience = v.integer("patience", patience, minimum=0)
        self.threshold = v.non_negative("threshold", threshold)
        self.threshold_mode = v.choice("threshold_mode", threshold_mode, ("rel", "abs"))
        self.cooldown = v.integer("cooldown", cooldown, minimum=0)
        self.min_value = v.non_negative("min_value", min_value)
        self.eps = v.non_negative("eps", eps)
        self.nonfinite = v.choice("nonfinite", nonfinite, NONFINITE_POLICIES)
        if after is not None and not isinstance(after, Schedule):
            raise TypeError(f"after must be a schedule or None, got {type(after).__name__}: {v.short(after)}")
        if after is not None and after.length in (None, math.inf):
            raise ValueError(f"after ({v.short(after)}) must have a finite, bound length")
        base = v.non_negative("base", base)
        if after is not None and base != 1.0:
            raise ValueError(
                f"give base or after, not both: with after, the base is the schedule's last value "
                f"(got base={base!r})"
            )
        self.after = after
        self._after_len = 0 if after is None else int(after.length or 0)
        self.base = base if after is None else float(after(self._after_len))
        if not self.base >= 0:
            raise ValueError(f"after ({v.short(after)}) must end at a value >= 0 to be scaled down, got {self.base!r}")
        # the rule as one comparison, ``m < bar`` (min) or ``m > bar`` (max), with the bar
        # ``best * mul + add`` kept up to date with ``best``: b*(1 -+ threshold) + 0 or
        # b*1 -+ threshold, which compare exactly like torch's expressions
        sign = 1.0 if self.mode == "min" else -1.0
        rel = self.threshold_mode == "rel"
        self._min = self.mode == "min"
        self._mul = 1.0 - sign * self.threshold if rel else 1.0
        self._add = 0.0 if rel else -sign * self.threshold
        self.reset()

    # -- state ----------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget the history: best metric, counters and scale."""
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad = 0
        self.cooldown_counter = 0
        self.scale = 1.0
        self.updates = 0
        self.reductions = 0

    def state_dict(self) -> dict[str, Any]:
        """The mutable state, plain Python values (JSON-safe but for infinite ``best``)."""
        return {
            "best": self.best,
            "num_bad": self.num_bad,
            "cooldown_counter": self.cooldown_counter,
            "scale": self.scale,
            "updates": self.updates,
            "reductions": self.reductions,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict` output, checked first: ``scale`` in [0, 1] (0 once it has
        underflowed: some 324 reductions by 0.1 with ``min_value=0`` and ``eps=0``), the
        counters ints >= 0, ``best`` a number (infinite before any metric, never NaN).
        Nothing changes when a value is refused (ValueError/TypeError naming it)."""
        if not isinstance(state, dict):
            raise TypeError(f"state must be a dict from state_dict(), got {type(state).__name__}")
        missing = {"best", "num_bad", "cooldown_counter", "scale"} - set(state)
        if missing:
            raise KeyError(f"state dict lacks {sorted(missing)}")
        best = v.plain(state["best"])
        if not isinstance(best, bool) and isinstance(best, (int, float)):
            best = v.real("state['best']", best) if isinstance(best, int) else best  # 10**400: too large
        if isinstance(best, bool) or not isinstance(best, (int, float)) or best != best:
            raise ValueError(f"state['best'] must be a number (inf before any metric), got {v.short(best)}")
        scale = v.between("state['scale']", state["scale"], 0.0, 1.0)
        counters = {
            k: v.integer(f"state[{k!r}]", state.get(k, 0), minimum=0)
            for k in ("num_bad", "cooldown_counter", "updates", "reductions")
        }
        self.best = float(best)
        self.scale = scale
        self.num_bad = counters["num_bad"]
        self.cooldown_counter = counters["cooldown_counter"]
        self.updates = counters["updates"]
        self.reductions = counters["reductions"]

    # -- the rule -------------------------------------------------------------------------

    @property
    def best(self) -> float:
        """The best metric so far (``inf`` in min mode, ``-inf`` in max mode before any)."""
        return self._best

    @best.setter
    def best(self, value: float) -> None:
        self._best = value = float(value)
        self._bar = value * self._mul + self._add

    def is_better(self, metric: float, best: float) -> bool:
        """Does ``metric`` improve on ``best`` (the rule in the module docstring)?"""
        bar = best * self._mul + self._add
        return metric < bar if self._min else metric > bar

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def update(self, metric: float, step: int | None = None) -> bool:
        """Report a metric; returns True when the plateau rule fired (a reduction is due).

        ``scale`` then becomes ``max(base * scale * factor, min_value) / base`` unless that
        changes the value by no more than ``eps``. A dialect with several values (parameter
        groups, each with its own floor) applies the same rule to each when this returns True.

        With a schedule to follow (``after``), pass the training ``step``: metrics reported
        before the schedule has finished are ignored.
        """
        m = metric if metric.__class__ is float else float(metric)
        if not -_INF < m < _INF:
            if self.nonfinite == "raise":
                raise ValueError(
                    f"metric is {m}; pass nonfinite='skip' to ignore such updates or "
                    f"nonfinite='count' to count them as not improving"
                )
            if self.nonfinite == "skip":
                return False
        if step is not None and step < self._after_len:
            return False
        self.updates += 1
        if m < self._bar if self._min else m > self._bar:
            self._best = m
            self._bar = m * self._mul + self._add
            self.num_bad = 0
        else:
            self.num_bad += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad = 0
        if self.num_bad > self.patience:
            self.cooldown_counter = self.cooldown
            self.num_bad = 0
            self.reductions += 1
            old = self.base * self.scale
            new = max(old * self.factor, self.min_value)
            if old - new > self.eps:
                self.scale = new / self.base if self.base else self.scale * self.factor
            return True
        return False

    def reduced(self, value: float) -> float:
        """``value`` after this controller's reductions, never below ``min_value``: what a
        dialect applies to each parameter group (``max(value * factor**k, min_value)``)."""
        return max(value * self.scale, self.min_value)

    def __call__(self, step: int) -> float:
        """The value at ``step``: the followed schedule while it runs, then ``base * scale``."""
        if self.after is not None and step < (self.after.length or 0):
            return float(self.after(step))
        return self.base * self.scale

    def __repr__(self) -> str:
        return (
            f"ReduceOnPlateau(mode={self.mode!r}, factor={self.factor!r}, patience={self.patience!r}, "
            f"threshold={self.threshold!r}, threshold_mode={self.threshold_mode!r}, "
            f"cooldown={self.cooldown!r}, min_value={self.min_value!r}, scale={self.scale!r})"
        )
