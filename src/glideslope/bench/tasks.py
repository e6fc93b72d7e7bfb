"""Offline benchmark tasks: deterministic given a seed, small enough for 2 CPU cores.

A :class:`Task` builds its data once (:meth:`Task.prepare`), then for each run builds a model
from a seed (:meth:`Task.model`), hands out the training batch for any step
(:meth:`Task.batch`, a pure function of ``(seed, step)``, so a run branched from a checkpoint
sees exactly the batches an unbroken run would) and evaluates on held-out data
(:meth:`Task.evaluate`).

Tasks:

* ``charlm`` (the default): a character-level transformer language model (about 250k
  parameters; 240 steps of 16 x 64 characters by default) on Python source from the running
  interpreter's own standard library; the validation loss is measured on held-out files
  (every 8th file of a fixed sorted subset).
* ``fashion``: Fashion-MNIST with a small CNN, from Debian's ``dataset-fashion-mnist`` package
  (``apt-get install dataset-fashion-mnist``).
* ``digits``: scikit-learn's bundled 8x8 digits with an MLP, a seconds-long smoke task.

torch (and numpy) are imported only when a task is prepared.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Where Debian's ``dataset-fashion-mnist`` package puts its files.
FASHION_DIRS = ("/usr/share/datasets/fashion-mnist", "/usr/share/dataset-fashion-mnist")
FASHION_ENV = "GLIDESLOPE_FASHION_MNIST"


class TaskUnavailable(RuntimeError):
    """A task's data is missing; the message says how to get it."""


@dataclass
class Task:
    """A benchmark task. Subclasses fill in the data, the model and the loss.

    Attributes:
        name: the task's name on the command line.
        description: one line for ``--help`` and reports.
        steps: default training steps (the step budget every schedule gets).
        full_steps: the step budget of ``--full``.
        grid: default peak-LR grid (AdamW), a small log grid.
        full_grid: the grid of ``--full``.
        batch_size: examples per training step.
        evals: evaluations on held-out data during a run (loss curves, reduce-on-plateau).
        has_accuracy: whether :meth:`evaluate` reports an accuracy.
        weight_decay: AdamW weight decay.
    """

    name: str = ""
    description: str = ""
    steps: int = 100
    full_steps: int = 400
    grid: tuple[float, ...] = (1e-3, 3e-3, 1e-2)
    full_grid: tuple[float, ...] = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
    batch_size: int = 32
    evals: int = 20
    has_accuracy: bool = False
    weight_decay: float = 0.0
    _data: dict[str, Any] = field(default_factory=dict, repr=False)

    # -- to implement ---------------------------------------------------------------------
    def prepare(self) -> None:
        """Load the data (once per process). Raise :class:`TaskUnavailable` if it is missing."""
        raise NotImplementedError

    def model(self, seed: int) -> Any:
        """A freshly initialised ``torch.nn.Module``; the same ``seed`` gives the same weights."""
        raise NotImplementedError

    def batch(self, seed: int, step: int) -> tuple[Any, Any]:
        """The training batch ``(inputs, targets)`` at ``step`` of a run with ``seed``."""
        raise NotImplementedError

    def loss(self, model: Any, inputs: Any, targets: Any) -> Any:
        """Mean training loss (a scalar tensor) on a batch."""
        raise NotImplementedError

    def evaluate(self, model: Any, final: bool = False) -> tuple[float, float | None]:
        """``(loss, accuracy or None)`` on held-out data; ``final`` uses the whole held-out set,
        otherwise a fixed subset (cheap enough to call ``evals`` times per run)."""
        raise NotImplementedError

    # -- shared ----------------------------------------------------------------------------
    def ensure(self) -> Task:
        """Prepare the data if not done yet; return self."""
        if not self._data:
            self.prepare()
        return self

    def _rng(self, seed: int, step: int) -> Any:
        import numpy as np

        return np.random.default_rng([seed, step, 0x6C73])


def _eval_batches(model: Any, batches: list[tuple[Any, Any]], lm: bool) -> tuple[float, float]:
    import torch.nn.functional as F  # noqa: N812

    import torch

    was_training = model.training
    model.eval()
    total, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in batches:
            out = model(x)
            if lm:
                out = out.reshape(-1, out.shape[-1])
                y = y.reshape(-1)
            total += float(F.cross_entropy(out, y, reduction="sum"))
            correct += int((out.argmax(-1) == y).sum())
            count += int(y.numel())
    model.train(was_training)
    return total / count, correct / count


# ----------------------------------------------------------------------------------------
# (a) character-level transformer LM on the standard library's Python source
# ----------------------------------------------------------------------------------------

def stdlib_files(limit_bytes: int = 2_000_000) -> list[Path]:
    """A fixed, sorted subset of the running interpreter's standard-library ``*.py`` files:
    top-level modules in name order, skipping files over 120 kB, up to ``limit_bytes``."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.glob("*.py") if p.is_file())
    chosen: list[Path] = []
    total = 0
    for p in files:
        size = p.stat().st_size
        if size > 120_000 or size < 2_000:
            continue
        chosen.append(p)
        total += size
        if total >= limit_bytes:
            break
    if len(chosen) < 16:
        raise TaskUnavailable(f"found only {len(chosen)} Python files under {root}; the charlm task needs 16+")
    return chosen


class _CharTransformer:  # built lazily: torch is imported inside
    @staticmethod
    def build(vocab: int, context: int, dim: int, layers: int, heads: int) -> Any:
        import torch
        from torch import nn

        class Block(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.ln1 = nn.LayerNorm(dim)
                self.attn = nn.MultiheadAttention(dim, heads, batch_first=True, bias=False)
                self.ln2 = nn.LayerNorm(dim)
                self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

            def forward(self, x: Any, mask: Any) -> Any:
                h = self.ln1(x)
                x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False, is_causal=True)[0]
                return x + self.mlp(self.ln2(x))

        class CharLM(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.tok = nn.Embedding(vocab, dim)
                self.pos = nn.Parameter(torch.zeros(context, dim))
                nn.init.normal_(self.pos, std=0.02)
                self.blocks = nn.ModuleList([Block() for _ in range(layers)])
                self.ln = nn.LayerNorm(dim)
                self.head = nn.Linear(dim, vocab)
                self.register_buffer(
                    "mask", torch.triu(torch.full((context, context), float("-inf")), diagonal=1)
                )

            def forward(self, idx: Any) -> Any:
                n = idx.shape[1]
                pos: Any = self.pos
                full_mask: Any = self.mask
                x = self.tok(idx) + pos[:n]
                mask = full_mask[:n, :n]
                for b in self.blocks:
                    x = b(x, mask)
                return self.head(self.ln(x))

        return CharLM()


@dataclass
class CharLMTask(Task):
    """Character-level transformer LM on the interpreter's standard-library source (default).

    Characters outside printable ASCII map to one "other" symbol. Training text: 7 of every 8
    files of :func:`stdlib_files`; validation: the 8th (held-out files, not held-out lines).
    """

    name: str = "charlm"
    description: str = "char-level transformer LM on the Python stdlib's source (held-out files)"
    steps: int = 240
    full_steps: int = 1500
    grid: tuple[float, ...] = (1e-3, 3e-3, 1e-2)
    full_grid: tuple[float, ...] = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
    batch_size: int = 16
    evals: int = 12
    weight_decay: float = 0.01
    context: int = 64
    dim: int = 96
    layers: int = 2
    heads: int = 4

    def prepare(self) -> None:
        import numpy as np

        import torch

        chars = "\n\t" + "".join(chr(c) for c in range(32, 127))
        table = np.full(256, len(chars), dtype=np.int64)
        for i, ch in enumerate(chars):
            table[ord(ch)] = i
        files = stdlib_files()
        train_parts: list[Any] = []
        val_parts: list[Any] = []
        for i, p in enumerate(files):
            codes = table[np.frombuffer(p.read_bytes(), dtype=np.uint8)]
            (val_parts if i % 8 == 7 else train_parts).append(codes)
        train = np.concatenate(train_parts)
        val = np.concatenate(val_parts)
        n = self.context + 1
        # fixed validation windows: evenly spaced over the held-out text
        full_starts = np.linspace(0, len(val) - n - 1, 256).astype(np.int64)
        def windows(starts: Any) -> tuple[Any, Any]:
            idx = starts[:, None] + np.arange(n)[None, :]
            w = torch.from_numpy(val[idx])
            return w[:, :-1].contiguous(), w[:, 1:].contiguous()
        xf, yf = windows(full_starts)
        self._data.update(
            vocab=len(chars) + 1,
            train=train,
            files=[p.name for p in files],
            val_small=[(xf[i : i + 64 : 2], yf[i : i + 64 : 2]) for i in range(0, 256, 64)],
            val_full=[(xf[i : i + 64], yf[i : i + 64]) for i in range(0, 256, 64)],
        )

    def model(self, seed: int) -> Any:
        import torch

        self.ensure()
        torch.manual_seed(seed)
        return _CharTransformer.build(self._data["vocab"], self.context, self.dim, self.layers, self.heads)

    def batch(self, seed: int, step: int) -> tuple[Any, Any]:
        import numpy as np

        import torch

        train = self._data["train"]
        n = self.context + 1
        starts = self._rng(seed, step).integers(0, len(train) - n, size=self.batch_size)
        w = torch.from_numpy(train[starts[:, None] + np.arange(n)[None, :]])
        return w[:, :-1], w[:, 1:]

    def loss(self, model: Any, inputs: Any, targets: Any) -> Any:
        import torch.nn.functional as F  # noqa: N812

        out = model(inputs)
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), targets.reshape(-1))

    def evaluate(self, model: Any, final: bool = False) -> tuple[float, float | None]:
        loss, acc = _eval_batches(model, self._data["val_full" if final else "val_small"], lm=True)
        return loss, acc


# ----------------------------------------------------------------------------------------
# (b) Fashion-MNIST from Debian's dataset-fashion-mnist
# ----------------------------------------------------------------------------------------

def fashion_dir() -> Path:
    """The directory with the Fashion-MNIST idx files, or :class:`TaskUnavailable` saying how
    to install them."""
    candidates = [os.environ[FASHION_ENV]] if os.environ.get(FASHION_ENV) else []
    candidates += list(FASHION_DIRS)
    for c in candidates:
        d = Path(c)
        if (d / "train-images-idx3-ubyte.gz").exists() and (d / "t10k-labels-idx1-ubyte.gz").exists():
            return d
    raise TaskUnavailable(
        "Fashion-MNIST data not found (looked in "
        + ", ".join(candidates)
        + "); install Debian's package with `sudo apt-get install dataset-fashion-mnist` "
        f"(scripts/setup.sh does this when run as root) or set {FASHION_ENV} to a directory "
        "holding train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz"
    )


def read_idx(path: Path) -> Any:
    """Read a (gzipped) idx file as a NumPy array."""
    import numpy as np

    with gzip.open(path, "rb") as fh:
        data = fh.read()
    _zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if dtype_code != 0x08:
        raise ValueError(f"{path}: unsupported idx dtype 0x{dtype_code:02x} (expected unsigned byte)")
    shape = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


@dataclass
class FashionTask(Task):
    """Fashion-MNIST (60k train / 10k test, 28x28 greyscale, 10 classes) with a small CNN."""

    name: str = "fashion"
    description: str = "Fashion-MNIST with a small CNN (Debian's dataset-fashion-mnist)"
    steps: int = 300
    full_steps: int = 1500
    grid: tuple[float, ...] = (3e-3, 1e-2, 3e-2)  # 1e-2 won at the top of (1e-3, 3e-3, 1e-2)
    full_grid: tuple[float, ...] = (3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
    batch_size: int = 64
    evals: int = 15
    has_accuracy: bool = True
    weight_decay: float = 0.0

    def prepare(self) -> None:
        import torch

        d = fashion_dir()
        xtr = read_idx(d / "train-images-idx3-ubyte.gz")
        ytr = read_idx(d / "train-labels-idx1-ubyte.gz")
        xte = read_idx(d / "t10k-images-idx3-ubyte.gz")
        yte = read_idx(d / "t10k-labels-idx1-ubyte.gz")

        def to_x(a: Any) -> Any:
            return ((torch.from_numpy(a.copy()).float() / 255.0) - 0.2860) / 0.3530

        xt = to_x(xte).unsqueeze(1)
        yt = torch.from_numpy(yte.astype("int64"))
        self._data.update(
            x=to_x(xtr).unsqueeze(1),
            y=torch.from_numpy(ytr.astype("int64")),
            val_small=[(xt[i : i + 500], yt[i : i + 500]) for i in range(0, 2000, 500)],
            val_full=[(xt[i : i + 1000], yt[i : i + 1000]) for i in range(0, 10000, 1000)],
        )

    def model(self, seed: int) -> Any:
        import torch
        from torch import nn

        self.ensure()
        torch.manual_seed(seed)
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10),
        )

    def batch(self, seed: int, step: int) -> tuple[Any, Any]:
        import torch

        idx = torch.from_numpy(self._rng(seed, step).integers(0, len(self._data["y"]), size=self.batch_size))
        return self._data["x"][idx], self._data["y"][idx]

    def loss(self, model: Any, inputs: Any, targets: Any) -> Any:
        import torch.nn.functional as F  # noqa: N812

        return F.cross_entropy(model(inputs), targets)

    def evaluate(self, model: Any, final: bool = False) -> tuple[float, float | None]:
        return _eval_batches(model, self._data["val_full" if final else "val_small"], lm=False)


# ----------------------------------------------------------------------------------------
# (c) scikit-learn digits: the smoke task
# ----------------------------------------------------------------------------------------

@dataclass
class DigitsTask(Task):
    """scikit-learn's bundled 8x8 digits (1797 images) with a one-hidden-layer MLP: seconds."""

    name: str = "digits"
    description: str = "scikit-learn's bundled 8x8 digits with an MLP (smoke test, seconds)"
    steps: int = 150
    full_steps: int = 600
    grid: tuple[float, ...] = (1e-2, 3e-2, 1e-1)
    full_grid: tuple[float, ...] = (3e-3, 1e-2, 3e-2, 1e-1, 3e-1)
    batch_size: int = 32
    evals: int = 10
    has_accuracy: bool = True

    def prepare(self) -> None:
        import numpy as np
        from sklearn.datasets import load_digits  # type: ignore[import-untyped,unused-ignore]

        import torch

        digits = load_digits()
        x = torch.from_numpy((digits.data / 16.0).astype(np.float32))
        y = torch.from_numpy(digits.target.astype(np.int64))
        order = torch.from_numpy(np.random.default_rng(1234).permutation(len(y)))
        x, y = x[order], y[order]
        n_val = 360
        self._data.update(
            x=x[n_val:], y=y[n_val:],
            val_small=[(x[:n_val], y[:n_val])], val_full=[(x[:n_val], y[:n_val])],
        )

    def model(self, seed: int) -> Any:
        import torch
        from torch import nn

        self.ensure()
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))

    def batch(self, seed: int, step: int) -> tuple[Any, Any]:
        import torch

        idx = torch.from_numpy(self._rng(seed, step).integers(0, len(self._data["y"]), size=self.batch_size))
        return self._data["x"][idx], self._data["y"][idx]

    def loss(self, model: Any, inputs: Any, targets: Any) -> Any:
        import torch.nn.functional as F  # noqa: N812

        return F.cross_entropy(model(inputs), targets)

    def evaluate(self, model: Any, final: bool = False) -> tuple[float, float | None]:
        return _eval_batches(model, self._data["val_full"], lm=False)


TASKS: dict[str, type[Task]] = {"charlm": CharLMTask, "fashion": FashionTask, "digits": DigitsTask}
DEFAULT_TASK = "charlm"

_CACHE: dict[str, Task] = {}


def get_task(name: str) -> Task:
    """The task called ``name`` (data prepared, cached per process).

    Raises ValueError for an unknown name (listing the known ones) and
    :class:`TaskUnavailable` when its data is missing.
    """
    if not isinstance(name, str) or name not in TASKS:
        raise ValueError(f"task must be one of {', '.join(sorted(TASKS))}; got {name!r}")
    if name not in _CACHE:
        _CACHE[name] = TASKS[name]().ensure()
    return _CACHE[name]


def count_parameters(model: Any) -> int:
    """Number of trainable parameters of a torch module."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


__all__ = [
    "DEFAULT_TASK", "TASKS", "CharLMTask", "DigitsTask", "FashionTask", "Task", "TaskUnavailable",
    "count_parameters", "fashion_dir", "get_task", "math", "read_idx", "stdlib_files",
]
