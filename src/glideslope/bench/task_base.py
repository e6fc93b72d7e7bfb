"""The benchmark task's base: what every task declares once, and what all of them share.

A :class:`Task` builds its data once (:meth:`Task.prepare`), then for each run builds a model
from a seed (:meth:`Task.model`), hands out the training batch for any step
(:meth:`Task.batch`, a pure function of ``(seed, step)``) and evaluates on held-out data
(:meth:`Task.evaluate`): **validation** for choices, **test** for reports.

Each task declares, once: its name and kind, the data, the model, the objective (``"classify"``:
cross-entropy; ``"regress"``: mean squared error; ``"lm"``: next-token cross-entropy), the
optimizer (:meth:`Task.make_optimizer`: AdamW, plain SGD, or SGD with momentum or Nesterov
momentum, at the task's weight decay), the optimizer's default learning rate (what a user who
does not tune would run), the step budgets the suite runs it at, and the centre of its
learning-rate grid. The tasks live in :mod:`.tasks` (the registry, ``charlm``, ``fashion``,
``digits``), :mod:`.tabular_tasks` and :mod:`.lm_tasks`; this module sits below them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: The optimizers a task can declare.
TASK_OPTIMIZERS = ("adamw", "sgd")
#: The objectives a task can declare (how a batch's loss is computed).
OBJECTIVES = ("classify", "regress", "lm")


class TaskUnavailable(RuntimeError):
    """A task's data is missing; the message says how to get it."""


@dataclass
class Task:
    """A benchmark task. Subclasses fill in the data, the model and, where needed, the loss.

    Attributes:
        name: the task's name on the command line.
        description: one line for ``--help`` and reports.
        kind: what kind of task it is (``"tabular classification"``, ``"image CNN"``,
            ``"language model"``, ...): the suite's reports group evidence by it.
        steps: default training steps (the step budget every schedule gets).
        full_steps: the step budget of ``--full``.
        grid: default peak-LR grid, a small log grid.
        full_grid: the grid of ``--full``.
        batch_size: examples per training step.
        evals: evaluations on held-out data during a run (loss curves, reduce-on-plateau).
        has_accuracy: whether :meth:`evaluate` reports an accuracy.
        weight_decay: the optimizer's (decoupled for AdamW, L2 for SGD) weight decay.
        objective: one of :data:`OBJECTIVES`.
        optimizer: one of :data:`TASK_OPTIMIZERS`.
        momentum: SGD's momentum (0: plain SGD).
        nesterov: SGD with Nesterov momentum.
        default_lr: the optimizer's own default learning rate, the untuned baseline (torch's
            default is 1e-3 for both AdamW and SGD).
        budgets: the step budgets the suite runs (empty: ``(steps,)``).
        grid_center: the geometric centre of the suite's 12-point, 2x-spaced peak grid
            (``grid_center * 2**k`` for ``k = -6..5``).
    """

    name: str = ""
    description: str = ""
    kind: str = ""
    steps: int = 100
    full_steps: int = 400
    grid: tuple[float, ...] = (1e-3, 3e-3, 1e-2)
    full_grid: tuple[float, ...] = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
    batch_size: int = 32
    evals: int = 20
    has_accuracy: bool = False
    weight_decay: float = 0.0
    objective: str = "classify"
    optimizer: str = "adamw"
    momentum: float = 0.0
    nesterov: bool = False
    default_lr: float = 1e-3
    budgets: tuple[int, ...] = ()
    grid_center: float = 3e-3
    _data: dict[str, Any] = field(default_factory=dict, repr=False)

    # -- to implement ---------------------------------------------------------------------
    def prepare(self) -> None:
        """Load the data (once per process). Raise :class:`TaskUnavailable` if it is missing."""
        raise NotImplementedError

    def model(self, seed: int) -> Any:
        """A freshly initialised ``torch.nn.Module``; the same ``seed`` gives the same weights."""
        raise NotImplementedError

    def batch(self, seed: int, step: int) -> tuple[Any, Any]:
        """The training batch ``(inputs, targets)`` at ``step`` of a run with ``seed``: by
        default ``batch_size`` rows of ``_data["x"]``, ``_data["y"]`` drawn with replacement."""
        import torch

        idx = torch.from_numpy(self._rng(seed, step).integers(0, len(self._data["y"]), size=self.batch_size))
        return self._data["x"][idx], self._data["y"][idx]

    def loss(self, model: Any, inputs: Any, targets: Any) -> Any:
        """Mean training loss (a scalar tensor) on a batch, by the task's objective."""
        return objective_loss(self.objective, model(inputs), targets)

    # -- shared ----------------------------------------------------------------------------
    def make_optimizer(self, params: Any, lr: float) -> Any:
        """The task's optimizer over ``params`` at ``lr``: ``torch.optim.AdamW(lr,
        weight_decay)`` or ``torch.optim.SGD(lr, momentum, nesterov, weight_decay)``."""
        import torch

        if self.optimizer == "sgd":
            return torch.optim.SGD(params, lr=lr, momentum=self.momentum, nesterov=self.nesterov,
                                   weight_decay=self.weight_decay)
        return torch.optim.AdamW(params, lr=lr, weight_decay=self.weight_decay)

    @property
    def optimizer_label(self) -> str:
        """The optimizer in words, e.g. ``"AdamW (wd 0.01)"`` or ``"SGD, Nesterov 0.9"``."""
        if self.optimizer == "sgd":
            kind = "Nesterov" if self.nesterov else "momentum"
            what = "SGD" + (f", {kind} {self.momentum:g}" if self.momentum else "")
        else:
            what = "AdamW"
        return what + (f" (wd {self.weight_decay:g})" if self.weight_decay else "")

    def epochs(self, steps: int) -> float:
        """Passes over the training data a run of ``steps`` makes: ``steps * batch_size / n``,
        ``n`` the training examples (for a language model: the training text's length over the
        window length ``context``)."""
        d = self.ensure()._data
        n = len(d["y"]) if "y" in d else len(d["train"]) / int(getattr(self, "context", 1))
        return steps * self.batch_size / n

    def declaration(self) -> str:
        """What the task declares, in one line: kind, optimizer, default LR, suite budgets."""
        budgets = ", ".join(map(str, self.suite_budgets))
        return (f"{self.kind or 'task'}; {self.optimizer_label}, default lr {self.default_lr:g}; "
                f"{budgets} steps")

    @property
    def suite_budgets(self) -> tuple[int, ...]:
        """The step budgets the suite runs this task at."""
        return self.budgets or (self.steps,)

    def suite_grid(self) -> tuple[float, ...]:
        """The suite's peak grid: 12 learning rates at 2x spacing around :attr:`grid_center`."""
        return tuple(float(f"{self.grid_center * 2.0**k:.4g}") for k in range(-6, 6))

    def evaluate(self, model: Any, split: str = "val", final: bool = False) -> tuple[float, float | None]:
        """``(loss, accuracy or None)`` on a held-out split: ``"val"`` (choices) or ``"test"``
        (reports). ``final`` uses the whole split, otherwise a fixed subset of the validation
        split (cheap enough to call ``evals`` times per run)."""
        if split not in ("val", "test"):
            raise ValueError(f"split must be 'val' or 'test', got {split!r}")
        if split == "test" and not final:
            raise ValueError("the test split is evaluated only at the end of a run (final=True)")
        batches = self._data[f"{split}_full" if final else "val_small"]
        loss, acc = _eval_batches(model, batches, self.objective)
        return loss, (acc if self.has_accuracy else None)

    def ensure(self) -> Task:
        """Prepare the data if not done yet; return self."""
        if not self._data:
            self.prepare()
            self._data["fingerprint"] = _fingerprint(self._data)
        return self

    def fingerprint(self) -> str:
        """16 hex digits of SHA-256 over the training, validation and test data (and the
        task's settings that shape a run): equal fingerprints, equal data."""
        return str(self.ensure()._data["fingerprint"])

    def _rng(self, seed: int, step: int) -> Any:
        import numpy as np

        return np.random.default_rng([seed, step, 0x6C73])


def objective_loss(objective: str, out: Any, targets: Any, reduction: str = "mean") -> Any:
    """The loss of model outputs ``out`` against ``targets``: cross-entropy (``"classify"``,
    and ``"lm"`` over every position) or mean squared error (``"regress"``)."""
    import torch.nn.functional as F  # noqa: N812

    if objective == "regress":
        return F.mse_loss(out.reshape(targets.shape), targets, reduction=reduction)
    if objective == "lm":
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), targets.reshape(-1), reduction=reduction)
    return F.cross_entropy(out, targets, reduction=reduction)


#: Data entries the fingerprint leaves out: a subset of another entry, the fingerprint itself,
#: and weights trained in :meth:`Task.prepare` (their recipe is hashed instead).
UNHASHED = ("val_small", "fingerprint", "pretrained")


def _fingerprint(data: dict[str, Any]) -> str:
    import hashlib

    import numpy as np

    h = hashlib.sha256()
    for key in sorted(data):
        if key in UNHASHED:
            continue
        value = data[key]
        items = value if isinstance(value, list) else [value]
        h.update(key.encode())
        for item in items:
            for part in item if isinstance(item, tuple) else (item,):
                if hasattr(part, "numpy"):
                    part = part.numpy()
                if isinstance(part, np.ndarray):
                    h.update(str((part.dtype, part.shape)).encode())
                    h.update(np.ascontiguousarray(part).tobytes())
                else:
                    h.update(repr(part).encode())
    return h.hexdigest()[:16]


def _eval_batches(model: Any, batches: list[tuple[Any, Any]], objective: str) -> tuple[float, float]:
    import torch

    was_training = model.training
    model.eval()
    total, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in batches:
            out = model(x)
            total += float(objective_loss(objective, out, y, reduction="sum"))
            if objective != "regress":
                flat = out.reshape(-1, out.shape[-1])
                correct += int((flat.argmax(-1) == y.reshape(-1)).sum())
            count += int(y.numel())
    model.train(was_training)
    return total / count, correct / count


__all__ = ["OBJECTIVES", "TASK_OPTIMIZERS", "Task", "TaskUnavailable", "objective_loss"]
