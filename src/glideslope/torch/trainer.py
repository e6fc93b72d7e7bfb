"""Reduce-on-plateau under the Transformers ``Trainer``.

The Trainer steps a scheduler once per optimizer step with no argument, unless the scheduler is
an instance of torch's own ``ReduceLROnPlateau`` class; only then does it pass the evaluation
metric. glideslope's :class:`~glideslope.torch.ReduceLROnPlateau` is not a subclass of torch's
(its numbers are its own), so the Trainer would call ``step()`` on it with no metric, which
raises. :class:`TrainerPlateau` is the bridge. Give the same object to the Trainer twice, as its
scheduler and as a callback::

    plateau = TrainerPlateau(ReduceLROnPlateau(optimizer, patience=2))
    trainer = Trainer(..., optimizers=(optimizer, plateau), callbacks=[plateau])

The Trainer's per-step ``step()`` is then a no-op. The callback's ``on_evaluate`` passes the
evaluation metric to the plateau scheduler, once per evaluation step, as the Trainer does for
torch's class: ``eval_<metric_for_best_model>``, or ``eval_loss`` when that is unset.

This module imports ``transformers``; ``glideslope.torch`` does not import it.
"""

from __future__ import annotations

from typing import Any

from transformers import TrainerCallback

from .plateau import ReduceLROnPlateau

__all__ = ["TrainerPlateau"]


class TrainerPlateau(TrainerCallback):
    """A :class:`~glideslope.torch.ReduceLROnPlateau` that the Transformers Trainer can drive.

    Args:
        scheduler: the plateau scheduler to drive.
        metric: the evaluation metric to watch, with or without the ``eval_`` prefix. None means
            what the Trainer itself uses: ``args.metric_for_best_model``, else ``"loss"``.
    """

    def __init__(self, scheduler: ReduceLROnPlateau, metric: str | None = None) -> None:
        if not isinstance(scheduler, ReduceLROnPlateau):
            raise TypeError(
                f"scheduler must be glideslope.torch.ReduceLROnPlateau, got {type(scheduler).__name__}"
            )
        if metric is not None and (not isinstance(metric, str) or not metric):
            raise ValueError(f"metric must be a metric name such as 'eval_loss' or None, got {metric!r}")
        self.scheduler = scheduler
        self.optimizer = scheduler.optimizer
        self.metric = metric
        self._stepped_at: int | None = None  # the global step of the last metric passed on

    def step(self, metrics: Any = None) -> None:
        """With no argument (the Trainer's call after each optimizer step): nothing. With a
        metric: passes it on to the plateau scheduler, as ``scheduler.step(metrics)``."""
        if metrics is not None:
            self.scheduler.step(metrics)

    def get_last_lr(self) -> list[Any]:
        return self.scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        return {"scheduler": self.scheduler.state_dict(), "stepped_at": self._stepped_at}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.scheduler.load_state_dict(state_dict["scheduler"])
        self._stepped_at = state_dict.get("stepped_at")

    def metric_name(self, args: Any) -> str:
        """The key of the metric in the Trainer's evaluation results."""
        name = self.metric or getattr(args, "metric_for_best_model", None) or "loss"
        return name if name.startswith("eval_") else f"eval_{name}"

    def on_evaluate(
        self, args: Any, state: Any, control: Any, metrics: dict[str, float] | None = None, **kwargs: Any
    ) -> None:
        """Pass the evaluation's metric to the plateau scheduler, once per global step (a
        second evaluation at the same step, e.g. ``trainer.evaluate()`` after training or a
        second eval dataset, does not count again)."""
        if metrics is None or state.global_step == self._stepped_at:
            return
        name = self.metric_name(args)
        if name not in metrics:
            raise KeyError(
                f"TrainerPlateau watches {name!r}, which the evaluation did not report; it "
                f"reported {sorted(metrics)}. Pass metric=... or set metric_for_best_model."
            )
        self.scheduler.step(metrics[name])
        self._stepped_at = state.global_step
