"""The suite's small tasks on scikit-learn's bundled data: tabular classification and
regression, 8x8 digits with a CNN, plain SGD, a large batch, and fine-tuning a network
pretrained here on other classes. Each runs in seconds on one core.

Every task splits its data once, with a fixed permutation (``numpy.random.default_rng(seed)``
of the task), into training, validation and test rows; features are standardised with the
training rows' mean and deviation (regression targets too; the digits' pixels are only
divided by 16).

* ``wine``: 178 wines, 13 features, 3 classes; 106 to train on, a wide MLP that overfits
  them (retired from the suite: its test loss sits near 0; see ``suite_split.json``);
* ``breast-nesterov``: 569 tumours, 30 features, 2 classes; SGD with Nesterov momentum, at
  two budgets 8x apart;
* ``diabetes``: 442 patients, 10 features, disease progression (regression, MSE); AdamW with
  weight decay 0.1, two budgets;
* ``digits-sgd``: the digits MLP with plain SGD (no momentum), two budgets;
* ``digits-cnn``: a small CNN on the 8x8 images, SGD with momentum 0.9;
* ``digits-large-batch``: the digits MLP at 512 images a step (half the training set);
* ``digits-finetune``: an MLP pretrained on digits 0-4 (in :meth:`prepare`, deterministic:
  fixed seed, one thread) then fine-tuned, with a new head, on 250 images of digits 5-9.

The second held-out round (added after the first held-out tasks had been seen; see
``docs/suite.md``):

* ``friedman-momentum``: scikit-learn's generated Friedman #1 regression (10 features, 5 of
  them used, noise 1.0), SGD with momentum 0.9, no weight decay, two budgets 8x apart;
* ``noisy-small``: a generated 3-class problem with 10% of labels flipped, 150 training rows
  and a wide MLP (small data that overfits, test loss far from 0), AdamW;
* ``digits-noisy-labels``: the digits CNN with 25% of the *training* labels replaced by
  random ones (validation and test labels are clean), AdamW with weight decay 0.05;
* ``digits-finetune-sgd``: the fine-tuning body (pretrained on digits 0-4) fine-tuned on 500
  images of digits 5-9 with SGD and momentum 0.9.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from typing import Any

from .task_base import Task


def _sklearn(name: str) -> tuple[Any, Any]:
    """``(features, targets)`` of one of scikit-learn's bundled data sets, as float32/int64 or
    float32 (regression) NumPy arrays."""
    import numpy as np
    from sklearn import datasets  # type: ignore[import-untyped,unused-ignore]

    data = getattr(datasets, f"load_{name}")()
    x = np.asarray(data.data, dtype=np.float32)
    y = np.asarray(data.target)
    return x, (y.astype(np.float32) if y.dtype.kind == "f" else y.astype(np.int64))


def split_rows(x: Any, y: Any, n_val: int, n_test: int, seed: int, standardise_x: bool = True,
               standardise_y: bool = False) -> dict[str, Any]:
    """Training, validation and test tensors from arrays: a fixed permutation, validation
    rows first, then test rows, the rest for training; features (unless ``standardise_x`` is
    False, as for pixels already in [0, 1]) and, for regression, targets standardised with the
    training rows' statistics."""
    import numpy as np

    import torch

    order = np.random.default_rng(seed).permutation(len(y))
    x, y = x[order], y[order]
    tr = slice(n_val + n_test, None)
    if standardise_x:
        x = (x - x[tr].mean(0)) / (x[tr].std(0) + 1e-6)
    if standardise_y:
        y = (y - y[tr].mean()) / y[tr].std()
    xt, yt = torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y)
    val = [(xt[:n_val], yt[:n_val])]
    return {"x": xt[tr].contiguous(), "y": yt[tr].contiguous(), "val_small": val, "val_full": val,
            "test_full": [(xt[n_val : n_val + n_test], yt[n_val : n_val + n_test])]}


def mlp(sizes: tuple[int, ...], seed: int) -> Any:
    """A ReLU MLP with layer widths ``sizes``, initialised from ``seed``."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    layers: list[Any] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


@dataclass
class WineTask(Task):
    """Wine (13 features, 3 classes), 36 validation and 36 test wines, a 13-256-256-3 MLP on
    the other 106 (overfits within a few hundred steps)."""

    name: str = "wine"
    description: str = "wine classes from 106 samples, a wide MLP that overfits (AdamW, no decay)"
    kind: str = "small-data tabular classification"
    steps: int = 300
    batch_size: int = 16
    has_accuracy: bool = True
    grid_center: float = 2e-3

    def prepare(self) -> None:
        x, y = _sklearn("wine")
        self._data.update(split_rows(x, y, 36, 36, seed=11))

    def model(self, seed: int) -> Any:
        self.ensure()
        return mlp((13, 256, 256, 3), seed)


@dataclass
class BreastNesterovTask(Task):
    """Breast cancer (30 features, 2 classes), 114 validation and 114 test rows, a 30-64-2
    MLP with SGD and Nesterov momentum 0.9 (L2 weight decay 1e-4)."""

    name: str = "breast-nesterov"
    description: str = "breast-cancer classes, an MLP on SGD with Nesterov momentum"
    kind: str = "tabular classification"
    steps: int = 150
    budgets: tuple[int, ...] = (150, 1200)
    batch_size: int = 32
    has_accuracy: bool = True
    optimizer: str = "sgd"
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 1e-4
    grid_center: float = 3e-2

    def prepare(self) -> None:
        x, y = _sklearn("breast_cancer")
        self._data.update(split_rows(x, y, 114, 114, seed=12))

    def model(self, seed: int) -> Any:
        self.ensure()
        return mlp((30, 64, 2), seed)


@dataclass
class DiabetesTask(Task):
    """Diabetes progression (10 features, regression on the standardised target), 88
    validation and 88 test patients, a 10-64-64-1 MLP, AdamW with weight decay 0.1."""

    name: str = "diabetes"
    description: str = "diabetes progression (regression, MSE), an MLP on AdamW with weight decay"
    kind: str = "tabular regression"
    steps: int = 200
    budgets: tuple[int, ...] = (200, 1600)
    batch_size: int = 32
    objective: str = "regress"
    weight_decay: float = 0.1
    grid_center: float = 3e-3

    def prepare(self) -> None:
        x, y = _sklearn("diabetes")
        self._data.update(split_rows(x, y, 88, 88, seed=13, standardise_y=True))

    def model(self, seed: int) -> Any:
        self.ensure()
        return mlp((10, 64, 64, 1), seed)


@dataclass
class DigitsSuiteTask(Task):
    """scikit-learn's 8x8 digits, 360 validation and 360 test images, the rest to train on;
    a 64-64-10 MLP (subclasses change the model, the optimizer or the batch)."""

    name: str = "digits-sgd"
    description: str = "8x8 digits, an MLP on plain SGD (no momentum)"
    kind: str = "image MLP"
    steps: int = 200
    budgets: tuple[int, ...] = (200, 1600)
    batch_size: int = 32
    has_accuracy: bool = True
    optimizer: str = "sgd"
    grid_center: float = 0.1

    def prepare(self) -> None:
        x, y = _sklearn("digits")
        self._data.update(split_rows(x / 16.0, y, 360, 360, seed=14, standardise_x=False))

    def model(self, seed: int) -> Any:
        self.ensure()
        return mlp((64, 64, 10), seed)


@dataclass
class DigitsCNNTask(DigitsSuiteTask):
    """The digits as 1x8x8 images, a two-layer CNN (16 and 32 channels, one 2x2 pool), SGD
    with momentum 0.9 and L2 weight decay 5e-4."""

    name: str = "digits-cnn"
    description: str = "8x8 digits, a small CNN on SGD with momentum"
    kind: str = "image CNN"
    steps: int = 300
    budgets: tuple[int, ...] = ()
    momentum: float = 0.9
    weight_decay: float = 5e-4
    grid_center: float = 2e-2

    def prepare(self) -> None:
        super().prepare()
        d = self._data
        d["x"] = d["x"].reshape(-1, 1, 8, 8)
        for key in ("val_small", "val_full", "test_full"):
            d[key] = [(x.reshape(-1, 1, 8, 8), y) for x, y in d[key]]

    def model(self, seed: int) -> Any:
        import torch
        from torch import nn

        self.ensure()
        torch.manual_seed(seed)
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 4 * 4, 10),
        )


@dataclass
class DigitsLargeBatchTask(DigitsSuiteTask):
    """The digits MLP at 512 images a step (about half the 1077 training images), AdamW."""

    name: str = "digits-large-batch"
    description: str = "8x8 digits, an MLP at 512 images a step (AdamW)"
    kind: str = "large-batch image MLP"
    steps: int = 160
    budgets: tuple[int, ...] = ()
    batch_size: int = 512
    optimizer: str = "adamw"
    grid_center: float = 8e-3


@dataclass(frozen=True)
class Pretrain:
    """How the fine-tuning task's body is pretrained (its ``repr`` is part of the fingerprint)."""

    classes: tuple[int, ...] = (0, 1, 2, 3, 4)
    steps: int = 300
    lr: float = 3e-3
    batch: int = 64
    seed: int = 2026
    sizes: tuple[int, ...] = (64, 128, 64)


PRETRAIN = Pretrain()


@dataclass
class DigitsFinetuneTask(DigitsSuiteTask):
    """Fine-tuning: a 64-128-64 body pretrained on digits 0-4 (:data:`PRETRAIN`: AdamW, 300
    steps, in :meth:`prepare`, one thread, fixed seed), a fresh 64-5 head, then every weight
    trained on 250 images of digits 5-9 (AdamW, weight decay 0.01). Validation and test are
    other images of 5-9. The fingerprint covers the recipe and the data, not the pretrained
    weights (which a different CPU may round differently)."""

    name: str = "digits-finetune"
    description: str = "fine-tune an MLP pretrained (here) on digits 0-4 to digits 5-9 from 250 images"
    kind: str = "fine-tuning"
    steps: int = 200
    budgets: tuple[int, ...] = ()
    optimizer: str = "adamw"
    weight_decay: float = 0.01
    train_rows: int = 250
    grid_center: float = 2e-3

    def prepare(self) -> None:
        import numpy as np

        import torch

        x, y = _sklearn("digits")
        x = x / 16.0
        old, new = np.isin(y, PRETRAIN.classes), ~np.isin(y, PRETRAIN.classes)
        d = split_rows(x[new], y[new] - 5, 180, 180, seed=15, standardise_x=False)
        d["x"], d["y"] = d["x"][: self.train_rows].contiguous(), d["y"][: self.train_rows].contiguous()
        self._data.update(d, pretrain_recipe=repr(sorted(asdict(PRETRAIN).items())))
        self._data["pretrained"] = _pretrain(torch.from_numpy(x[old]), torch.from_numpy(y[old]))

    def model(self, seed: int) -> Any:
        import torch
        from torch import nn

        self.ensure()
        body = mlp(PRETRAIN.sizes, 0)
        body.load_state_dict(self._data["pretrained"])
        torch.manual_seed(seed)
        return nn.Sequential(body, nn.ReLU(), nn.Linear(PRETRAIN.sizes[-1], 5))


def _pretrain(x: Any, y: Any) -> dict[str, Any]:
    """The fine-tuning task's body, trained on digits 0-4 (standardised as the pixels /16)."""
    import numpy as np

    import torch
    from torch import nn

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        body = mlp(PRETRAIN.sizes, PRETRAIN.seed)
        net = nn.Sequential(body, nn.ReLU(), nn.Linear(PRETRAIN.sizes[-1], 5))
        opt = torch.optim.AdamW(net.parameters(), lr=PRETRAIN.lr)
        rng = np.random.default_rng(PRETRAIN.seed)
        for _ in range(PRETRAIN.steps):
            idx = torch.from_numpy(rng.integers(0, len(y), size=PRETRAIN.batch))
            opt.zero_grad()
            loss = nn.functional.cross_entropy(net(x[idx]), y[idx])
            loss.backward()  # type: ignore[no-untyped-call,unused-ignore]
            opt.step()
    finally:
        torch.set_num_threads(threads)
    return {k: v.detach().clone() for k, v in body.state_dict().items()}


def _generated(name: str, **kw: Any) -> tuple[Any, Any]:
    """``(features, targets)`` from one of scikit-learn's generators (``make_<name>``) with a
    fixed ``random_state``, as float32 and int64 (classes) or float32 (regression) arrays."""
    import numpy as np
    from sklearn import datasets  # type: ignore[import-untyped,unused-ignore]

    x, y = getattr(datasets, f"make_{name}")(**kw)
    y = np.asarray(y)
    return np.asarray(x, dtype=np.float32), (y.astype(np.float32) if y.dtype.kind == "f" else y.astype(np.int64))


@dataclass
class FriedmanMomentumTask(Task):
    """Friedman #1 (``make_friedman1``: 1000 rows, 10 features, noise 1.0; target
    standardised), 150 validation and 250 test rows, a 10-128-128-1 MLP on the other 600, SGD
    with momentum 0.9 and no weight decay."""

    name: str = "friedman-momentum"
    description: str = "generated Friedman #1 regression (MSE), an MLP on SGD with momentum"
    kind: str = "tabular regression"
    steps: int = 150
    budgets: tuple[int, ...] = (150, 1200)
    batch_size: int = 32
    objective: str = "regress"
    optimizer: str = "sgd"
    momentum: float = 0.9
    grid_center: float = 1e-2

    def prepare(self) -> None:
        x, y = _generated("friedman1", n_samples=1000, n_features=10, noise=1.0, random_state=21)
        self._data.update(split_rows(x, y, 150, 250, seed=21, standardise_y=True))

    def model(self, seed: int) -> Any:
        self.ensure()
        return mlp((10, 128, 128, 1), seed)


@dataclass
class NoisySmallTask(Task):
    """A generated 3-class problem (``make_classification``: 450 rows, 20 features, 8
    informative, 4 redundant, 10% of labels flipped), 100 validation and 200 test rows, a
    20-256-256-3 MLP on the other 150 (overfits; the flipped labels keep the test loss far
    from 0), AdamW with weight decay 0.01."""

    name: str = "noisy-small"
    description: str = "generated 3-class data from 150 rows with 10% flipped labels, a wide MLP (AdamW)"
    kind: str = "small-data tabular classification"
    steps: int = 300
    batch_size: int = 16
    has_accuracy: bool = True
    weight_decay: float = 0.01
    grid_center: float = 2e-3

    def prepare(self) -> None:
        x, y = _generated("classification", n_samples=450, n_features=20, n_informative=8, n_redundant=4,
                          n_classes=3, flip_y=0.1, class_sep=1.0, random_state=22)
        self._data.update(split_rows(x, y, 100, 200, seed=22))

    def model(self, seed: int) -> Any:
        self.ensure()
        return mlp((20, 256, 256, 3), seed)


@dataclass
class DigitsNoisyLabelsTask(DigitsCNNTask):
    """The digits CNN with a quarter of the training labels replaced by uniformly random
    classes (a fixed draw; validation and test labels stay clean), AdamW with weight decay
    0.05: the best run stops short of fitting the noise."""

    name: str = "digits-noisy-labels"
    description: str = "8x8 digits with 25% random training labels, a small CNN (AdamW, wd 0.05)"
    kind: str = "image CNN, label noise"
    steps: int = 400
    optimizer: str = "adamw"
    momentum: float = 0.0
    weight_decay: float = 0.05
    grid_center: float = 2e-3

    def prepare(self) -> None:
        import numpy as np

        import torch

        super().prepare()
        y = self._data["y"].numpy().copy()
        rng = np.random.default_rng(23)
        noisy = rng.random(len(y)) < 0.25
        y[noisy] = rng.integers(0, 10, size=int(noisy.sum()))
        self._data["y"] = torch.from_numpy(y)


@dataclass
class DigitsFinetuneSGDTask(DigitsFinetuneTask):
    """Fine-tuning with SGD: the body pretrained on digits 0-4 (:data:`PRETRAIN`), a fresh
    head, every weight trained on 500 images of digits 5-9 with SGD, momentum 0.9, L2 weight
    decay 1e-4 (validation and test: other images of 5-9, as ``digits-finetune``)."""

    name: str = "digits-finetune-sgd"
    description: str = "fine-tune the MLP pretrained on digits 0-4 to digits 5-9 from 500 images (SGD, momentum)"
    kind: str = "fine-tuning"
    steps: int = 250
    optimizer: str = "sgd"
    momentum: float = 0.9
    weight_decay: float = 1e-4
    train_rows: int = 500
    grid_center: float = 2e-2


SUITE_TABULAR_TASKS: tuple[type[Task], ...] = (
    WineTask, BreastNesterovTask, DiabetesTask, DigitsSuiteTask, DigitsCNNTask, DigitsLargeBatchTask,
    DigitsFinetuneTask, FriedmanMomentumTask, NoisySmallTask, DigitsNoisyLabelsTask, DigitsFinetuneSGDTask,
)

__all__ = [
    "PRETRAIN", "SUITE_TABULAR_TASKS", "BreastNesterovTask", "DiabetesTask", "DigitsCNNTask",
    "DigitsFinetuneSGDTask", "DigitsFinetuneTask", "DigitsLargeBatchTask", "DigitsNoisyLabelsTask",
    "DigitsSuiteTask", "FriedmanMomentumTask", "NoisySmallTask", "Pretrain", "WineTask", "mlp", "split_rows",
]
