"""The tuning tools' records: a range test's curve and suggestions (:class:`RangeTest`) and
the schedule recommended from it (:class:`Recommendation`).

Both :mod:`.finder` (which makes the first) and :mod:`.recommend` (which reads the first and
makes the second) import these types; neither imports the other's module for them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .. import _validate as v
from ..cycles import one_cycle as _one_cycle
from ..schedule import Schedule
from .curve import DEFAULT_SUGGESTION, SUGGESTIONS, Suggestion

_Record = TypeVar("_Record", bound="RangeTest")


@dataclass(frozen=True)
class Pilot:
    """One pilot run of :func:`glideslope.recommend_with_pilots`: a short run from a fresh
    start under the recommended shape, compressed into ``steps``, at peak ``peak``.

    Attributes:
        peak: the pilot's peak learning rate.
        steps: its length in optimizer steps.
        loss: the validation loss it returned (``inf`` when it diverged).
        diverged: True when the training function raised, or returned NaN or an infinity.
        error: the exception's ``repr`` when it raised, else ``""``.
    """

    peak: float
    steps: int
    loss: float
    diverged: bool = False
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (a diverged pilot's loss is None)."""
        return {"peak": self.peak, "steps": self.steps, "loss": self.loss if math.isfinite(self.loss) else None,
                "diverged": self.diverged, "error": self.error}


@dataclass(frozen=True)
class Recommendation:
    """A schedule for a run, with the reason for each choice.

    Attributes:
        schedule: the bound absolute-LR schedule (``lr = schedule(step)``), ``total_steps``
            long; past the end it holds its last value.
        spec: ``repr(schedule)``, a SPEC that ``glideslope show`` and
            ``glideslope.spec.parse_spec`` accept and that rebuilds an equal schedule.
        peak: the peak learning rate.
        warmup_steps: the warmup's length in steps.
        shape: the decay shape, one of :data:`glideslope.tune.recommendation.SHAPES`.
        total_steps: the run's length.
        reasons: ``{"peak": ..., "warmup": ..., "shape": ...}``, one sentence each.
        tuning_steps: the optimizer steps spent choosing: the range test's steps, plus every
            pilot's (0 when the recommendation was built from a given peak alone).
        pilots: the pilot runs, in the order they ran (empty for the zero-pilot
            :func:`glideslope.recommend`).
    """

    schedule: Schedule
    spec: str
    peak: float
    warmup_steps: int
    shape: str
    total_steps: int
    reasons: dict[str, str] = field(default_factory=dict)
    tuning_steps: int = 0
    pilots: tuple[Pilot, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data: the SPEC, the choices, the reasons, the tuning compute and
        the pilots (only when there were any)."""
        out: dict[str, Any] = {
            "spec": self.spec, "peak": self.peak, "warmup_steps": self.warmup_steps,
            "shape": self.shape, "total_steps": self.total_steps, "reasons": dict(self.reasons),
            "tuning_steps": self.tuning_steps,
        }
        if self.pilots:
            out["pilots"] = [p.to_dict() for p in self.pilots]
        return out

    def __str__(self) -> str:
        lines = [f"recommended schedule for {self.total_steps} steps: {self.spec}"]
        for key in ("peak", "warmup", "shape"):
            if key in self.reasons:
                lines.append(f"  {key:<7}{self.reasons[key]}")
        if self.pilots:
            lines.append(f"  tuning {self.tuning_steps} optimizer steps (range test and {len(self.pilots)} pilots)")
            for pl in self.pilots:
                what = f"diverged{': ' + pl.error if pl.error else ''}" if pl.diverged else f"val loss {pl.loss:.4g}"
                lines.append(f"    pilot peak {pl.peak:.3g}, {pl.steps} steps: {what}")
        return "\n".join(lines)



@dataclass
class RangeTest:
    """The record of a range test: the curve, the stop reason and the suggestions.

    :class:`~glideslope.LRFinderResult` (what :func:`glideslope.find_lr` returns) is this record
    with :meth:`~glideslope.LRFinderResult.recommend` on top; :func:`glideslope.recommend` reads
    the record, so neither module needs the other.

    Attributes:
        lrs: the learning rate of every step taken.
        losses: the raw loss of every step.
        smoothed: the zero-lag smoothed loss the suggestions read (NaN outside the trimmed
            range ``lrs[trim[0]:trim[1]]``).
        stop_reason: why the sweep ended: ``"diverged: ..."`` where it stopped early,
            ``"reached end"`` where it ran all its steps (``"reached end, but the loss blew up
            there: ..."`` when the loss rose too late for the sweep to stop).
        suggestions: ``{"knee": Suggestion, "steepest": ..., "valley": ..., "minimum": ...}``;
            a suggestion the curve cannot support is absent.
        default: the name of the suggestion :attr:`suggested` returns.
        trim: ``(a, b)``, the steps the suggestions read (fastai's trim).
        sweep: ``"exp"`` or ``"linear"``.
        recommendation: the :class:`~glideslope.Recommendation` for ``total_steps`` when
            :func:`find_lr` was given it, else None.
    """

    lrs: list[float]
    losses: list[float]
    smoothed: list[float]
    stop_reason: str
    suggestions: dict[str, Suggestion] = field(default_factory=dict)
    default: str = DEFAULT_SUGGESTION
    trim: tuple[int, int] = (0, 0)
    sweep: str = "exp"
    recommendation: Recommendation | None = None

    @property
    def suggested(self) -> float:
        """The default suggestion's learning rate (else the first suggestion there is)."""
        for name in (self.default, *SUGGESTIONS):
            if name in self.suggestions:
                return self.suggestions[name].lr
        raise ValueError(
            f"the range test produced no suggestion ({len(self.lrs)} steps, stopped: "
            f"{self.stop_reason}); widen the range (start/end) or take more steps"
        )

    @property
    def lowest(self) -> tuple[float, float]:
        """``(lr, loss)`` where the smoothed loss is lowest."""
        pts = [(lr, y) for lr, y in zip(self.lrs, self.smoothed) if math.isfinite(y)]
        if not pts:
            raise ValueError(f"the range test has no smoothed loss ({len(self.lrs)} steps, stopped: "
                             f"{self.stop_reason})")
        return min(pts, key=lambda p: p[1])

    def suggestion(self, which: str | None = None) -> float:
        """The learning rate of suggestion ``which`` (one of knee, steepest, valley, minimum)."""
        if which is None:
            return self.suggested
        v.choice("which", which, SUGGESTIONS)
        if which not in self.suggestions:
            raise ValueError(f"no {which!r} suggestion for this curve; available: {sorted(self.suggestions)}")
        return self.suggestions[which].lr

    def one_cycle(self, steps: int | str | None = None, which: str | None = None, **kwargs: Any) -> Schedule:
        """A one-cycle schedule peaking at the suggested LR: ``gs.one_cycle(peak=lr, steps, ...)``.

        The schedule gives absolute learning rates (use it as ``group['lr'] = s(step)``).
        ``kwargs`` go to :func:`glideslope.one_cycle` (``warmup``, ``initial_div``, ...).
        """
        return _one_cycle(peak=self.suggestion(which), steps=steps, **kwargs)

    def scale(self, schedule: Schedule, which: str | None = None) -> Schedule:
        """``suggested_lr * schedule``: any multiplier schedule made absolute at the suggestion."""
        if not isinstance(schedule, Schedule):
            raise TypeError(f"schedule must be a glideslope Schedule, got {type(schedule).__name__}")
        return self.suggestion(which) * schedule

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data (non-finite losses become None; the recommendation as its
        :meth:`~glideslope.Recommendation.to_dict`)."""
        def clean(xs: list[float]) -> list[float | None]:
            return [x if math.isfinite(x) else None for x in xs]
        out: dict[str, Any] = {
            "lrs": self.lrs,
            "losses": clean(self.losses),
            "smoothed": clean(self.smoothed),
            "stop_reason": self.stop_reason,
            "suggestions": {k: {"lr": s.lr, "reason": s.reason} for k, s in self.suggestions.items()},
            "default": self.default,
            "trim": list(self.trim),
            "sweep": self.sweep,
        }
        if self.recommendation is not None:
            out["recommendation"] = self.recommendation.to_dict()
        return out

    @classmethod
    def from_dict(cls: type[_Record], data: dict[str, Any]) -> _Record:
        """Inverse of :meth:`to_dict` (the recommendation is not rebuilt: call :meth:`recommend`)."""
        def unclean(xs: list[float | None]) -> list[float]:
            return [math.nan if x is None else float(x) for x in xs]
        lrs = [float(x) for x in data["lrs"]]
        t = data.get("trim", (0, len(lrs)))
        return cls(
            lrs=lrs,
            losses=unclean(data["losses"]),
            smoothed=unclean(data["smoothed"]),
            stop_reason=str(data["stop_reason"]),
            suggestions={
                k: Suggestion(k, float(s["lr"]), str(s["reason"])) for k, s in data["suggestions"].items()
            },
            default=str(data.get("default", DEFAULT_SUGGESTION)),
            trim=(int(t[0]), int(t[1])),
            sweep=str(data.get("sweep", "exp")),
        )

    def plot(self, path: str | None = None, ax: Any = None) -> Any:
        """Plot the raw and the smoothed loss against the learning rate (log axes), each
        suggestion marked at its lr, the lowest smoothed loss marked at its lr, the trimmed
        ends shaded, the stop reason in the title; save to ``path`` if given. Needs matplotlib
        (imported here, not before)."""
        from .plot import plot_result

        return plot_result(self, path, ax)

    def __str__(self) -> str:
        lines = [
            f"LR range test: {len(self.lrs)} steps, lr {self.lrs[0]:.3g} .. {self.lrs[-1]:.3g}, "
            f"{self.stop_reason}"
        ]
        for name, s in self.suggestions.items():
            star = " (default)" if name == self.default else ""
            lines.append(f"  {name:<9}{s.lr:.3g}{star}  {s.reason}")
        if self.recommendation is not None:
            lines.append(str(self.recommendation))
        return "\n".join(lines)


