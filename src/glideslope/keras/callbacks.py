"""Keras's ``ReduceLROnPlateau`` callback, decided by glideslope's plateau controller.

Keras's rule, per epoch, for a monitored metric ``m`` (``mode="min"``; ``"max"`` mirrors it):

* ``m`` improves when ``m < best - min_delta`` (the first value always does);
* after ``patience`` epochs in a row without improvement (not counting the ``cooldown - 1``
  epochs after a reduction), ``lr <- max(lr * factor, min_lr)``.

That is :class:`glideslope.ReduceOnPlateau` (torch's counting) with ``patience - 1`` and
``cooldown - 1``: Keras counts the epoch that makes the patience run out, and the last epoch of
a cooldown. The controller holds the state; this callback reads the metric from the epoch's
logs and writes the learning rate into the optimizer, as Keras's callback does.
"""

from __future__ import annotations

import warnings
from typing import Any

from .. import _validate as v
from .._optional import MissingExtraError, install_hint, require
from ..horizon import HorizonReport, HorizonWarning, horizon_report, past_end, past_end_message
from ..plateau import ReduceOnPlateau
from ..schedule import Schedule


def import_keras() -> Any:
    """Keras, or one line naming the extra to install: Keras's, or its backend's."""
    try:
        return require("keras", extra="keras", feature="glideslope.keras")
    except ModuleNotFoundError as exc:  # Keras is installed, the backend it loads is not
        backend = exc.name or ""
        if backend not in ("tensorflow", "jax", "torch"):
            raise
        raise MissingExtraError(
            f"glideslope.keras needs Keras's {backend} backend, which is not installed: "
            f"{install_hint(backend)} (or set KERAS_BACKEND to an installed backend)",
            module=backend,
            extra=backend,
        ) from None


keras = import_keras()
ops = keras.ops
_Callback: Any = keras.callbacks.Callback

__all__ = ["HorizonCheck", "ReduceLROnPlateau"]

#: metric names (without ``val_``) that are better when lower / higher, for ``mode="auto"``
_LOWER = ("loss", "error", "crossentropy", "hinge", "divergence", "poisson", "cosh", "mae", "mse", "mape", "msle")
_HIGHER = ("accuracy", "acc", "auc", "precision", "recall", "f1_score", "fbeta_score", "iou", "r2_score")


def _direction(monitor: str) -> str | None:
    """``"min"``/``"max"`` for a metric name Keras knows the direction of, else None."""
    name = monitor.removeprefix("val_")
    if name == "loss" or name.endswith("_loss") or any(k in name for k in _LOWER if len(k) > 4):
        return "min"
    if name in _LOWER:
        return "min"
    if name in _HIGHER or "accuracy" in name or name.startswith(("auc", "precision", "recall")):
        return "max"
    return None


class ReduceLROnPlateau(_Callback):  # type: ignore[misc]
    """Reduce the learning rate when a metric has stopped improving (Keras's callback).

    Same name, arguments and behaviour as ``keras.callbacks.ReduceLROnPlateau`` (tested side
    by side in ``model.fit`` on each backend); the decision is taken by
    :class:`glideslope.ReduceOnPlateau`, kept as ``.controller`` (``state_dict()`` for
    checkpoints). Every argument is checked when built: an unknown ``mode``, which Keras
    replaces by ``"auto"`` with a warning, and unknown keyword arguments, which Keras ignores,
    raise here.

    Args:
        monitor: the metric in the epoch's logs, e.g. ``"val_loss"``.
        factor: the learning rate is multiplied by this, in (0, 1).
        patience: epochs without improvement after which the rate is reduced (>= 0).
        verbose: 1 prints a line at each reduction.
        mode: ``"min"``, ``"max"``, or ``"auto"`` (from the metric's name: losses and errors
            are minimised, accuracies, AUC, precision and recall maximised).
        min_delta: least change that counts as an improvement (its absolute value, as Keras).
        cooldown: epochs to wait after a reduction before counting again (>= 0).
        min_lr: the learning rate never goes below this (>= 0).
    """

    controller: ReduceOnPlateau | None

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        if kwargs:  # Keras's signature takes **kwargs; none is used
            names = ("monitor", "factor", "patience", "verbose", "mode", "min_delta", "cooldown", "min_lr")
            raise v.unexpected_keyword("ReduceLROnPlateau", next(iter(kwargs)), names)
        if not isinstance(monitor, str) or not monitor:
            raise TypeError(f"monitor must be the name of a logged metric, got {monitor!r}")
        mode = v.choice("mode", mode, ("auto", "min", "max"))
        direction = _direction(monitor) if mode == "auto" else mode
        if direction is None:
            raise ValueError(
                f"mode='auto' cannot tell whether monitor={monitor!r} should be minimised or "
                f"maximised; pass mode='min' or mode='max'"
            )
        self.monitor = monitor
        self.factor = v.between("factor", factor, 0.0, 1.0, low_open=True, high_open=True)
        self.patience = v.integer("patience", patience, minimum=0)
        self.verbose = v.integer("verbose", verbose, minimum=0)
        self.mode = mode
        self.min_delta = abs(v.real("min_delta", min_delta))
        self.cooldown = v.integer("cooldown", cooldown, minimum=0)
        self.min_lr = v.non_negative("min_lr", min_lr)
        self._direction = direction
        self.controller = None

    def _controller(self, base: float) -> ReduceOnPlateau:
        return ReduceOnPlateau(
            mode=self._direction,
            factor=self.factor,
            patience=max(self.patience - 1, 0),
            threshold=self.min_delta,
            threshold_mode="abs",
            cooldown=max(self.cooldown - 1, 0),
            min_value=self.min_lr,
            eps=0.0,
            nonfinite="count",
            base=base,
        )

    def _learning_rate(self) -> float:
        return float(ops.convert_to_numpy(self.model.optimizer.learning_rate))

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Start from the optimizer's current learning rate, with a fresh history (Keras).

        An optimizer built with a schedule has no settable learning rate: Keras raises its
        TypeError at the first reduction, as with its own callback.
        """
        self.controller = self._controller(self._learning_rate())

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.controller is None:  # used outside fit(): start now
            self.on_train_begin()
        assert self.controller is not None
        logs = logs if logs is not None else {}
        logs["learning_rate"] = self._learning_rate()
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not "
                f"available. Available metrics are: {','.join(logs)}.",
                stacklevel=2,
            )
            return
        before = self.controller.scale
        if self.controller.update(float(current)) and self.controller.scale != before:
            new_lr = self.controller.base * self.controller.scale
            self.model.optimizer.learning_rate = new_lr
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")

    def __repr__(self) -> str:
        return (
            f"ReduceLROnPlateau(monitor={self.monitor!r}, factor={self.factor!r}, "
            f"patience={self.patience!r}, mode={self.mode!r}, min_delta={self.min_delta!r}, "
            f"cooldown={self.cooldown!r}, min_lr={self.min_lr!r})"
        )


class HorizonCheck(_Callback):  # type: ignore[misc]
    """Speak up when training runs past its schedule's plan (see :mod:`glideslope.horizon`).

    After each batch it reads ``optimizer.iterations``; once that is past twice the plan's
    length it warns, once, with a :class:`glideslope.HorizonWarning` naming the likely cause
    (a schedule written in epochs, stepped per batch) and the fix. At the end of training,
    :attr:`report` holds :func:`glideslope.horizon_report` for the steps taken.

    Args:
        schedule: the learning-rate schedule the optimizer was given: a glideslope schedule,
            or a Keras one of ours (``to_keras(...)``, ``CosineDecay``...; its ``.schedule``).
    """

    @v.checked_keywords
    def __init__(self, schedule: Any) -> None:
        super().__init__()
        plan = getattr(schedule, "schedule", schedule)
        if not isinstance(plan, Schedule):
            raise TypeError(f"schedule must be a glideslope schedule or one of glideslope.keras's, got {schedule!r}")
        self.plan: Schedule = plan
        self.report: HorizonReport | None = None
        self._warned = False

    def _step(self) -> int:
        return int(self.model.optimizer.iterations)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self._warned:
            return
        step = self._step()
        if past_end(self.plan.length, step):
            self._warned = True
            fix = ("model.optimizer.learning_rate = to_keras(gs.extend(plan, NEW_TOTAL, at=step)) before the plan "
                   "ends, then model.make_train_function(force=True)")
            warnings.warn(past_end_message("the Keras optimizer", self.plan.length, step,  # type: ignore[arg-type]
                                           float(self.plan(step)), fix), HorizonWarning, stacklevel=2)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.report = horizon_report(self.plan, self._step())
