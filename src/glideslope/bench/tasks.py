"""Offline benchmark tasks: deterministic given a seed, small enough for 2 CPU cores.

A :class:`Task` builds its data once (:meth:`Task.prepare`), then for each run builds a model
from a seed (:meth:`Task.model`), hands out the training batch for any step
(:meth:`Task.batch`, a pure function of ``(seed, step)``, so a run branched from a checkpoint
sees exactly the batches an unbroken run would) and evaluates on held-out data
(:meth:`Task.evaluate`).

Every task has two held-out splits: **validation** (peak-LR choice, plateau decisions, the
curves drawn during a run) and **test** (every reported number, touched once at the end of
a run). :meth:`Task.fingerprint` hashes all three splits, so a record says which data made it.

Tasks:

* ``charlm`` (the default): a character-level transformer language model (about 250k
  parameters; 240 steps of 16 x 64 characters by default) on Python source from the running
  interpreter's own standard library; every 8th file of a fixed sorted subset is held out,
  alternately for validation and for test.
* ``fashion``: Fashion-MNIST with a small CNN, from Debian's ``dataset-fashion-mnist`` package
  (``apt-get install dataset-fashion-mnist``); 10,000 training images (a fixed draw) are the
  validation split, the official 10k test set is used only for reporting.
* ``digits``: scikit-learn's bundled 8x8 digits with an MLP, a seconds-long smoke task
  (360 validation and 360 test images).

The fifteen further tasks (tabular, digits variants, fine-tuning, recurrent and transformer
language models on three corpora) are declared in :mod:`.tabular_tasks` and
:mod:`.lm_tasks`; all eighteen are registered in :data:`TASKS` below (the suite runs
seventeen: ``wine`` is retired, see ``suite_split.json``). The base class is in
:mod:`.task_base`.

torch (and numpy) are imported only when a task is prepared.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .lm_tasks import SUITE_LM_TASKS, CharLMBase, split_windows
from .tabular_tasks import SUITE_TABULAR_TASKS
from .task_base import Task, TaskUnavailable

#: Where Debian's ``dataset-fashion-mnist`` package puts its files.
FASHION_DIRS = ("/usr/share/datasets/fashion-mnist", "/usr/share/dataset-fashion-mnist")
FASHION_ENV = "GLIDESLOPE_FASHION_MNIST"


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
class CharLMTask(CharLMBase):
    """Character-level transformer LM on the interpreter's standard-library source (default).

    Characters outside printable ASCII map to one "other" symbol. Training text: 7 of every 8
    files of :func:`stdlib_files`; the 8th files are held out (whole files, not lines), and
    alternate between the validation split (files 7, 23, 39, ...) and the test split
    (15, 31, 47, ...).
    """

    name: str = "charlm"
    description: str = "char-level transformer LM on the Python stdlib's source (held-out files)"
    kind: str = "transformer language model"
    objective: str = "lm"
    grid_center: float = 4e-3
    steps: int = 240
    full_steps: int = 1500
    grid: tuple[float, ...] = (2e-3, 4e-3, 8e-3)  # 2x spacing, around the budget study's best peaks
    full_grid: tuple[float, ...] = (1e-3, 2e-3, 4e-3, 8e-3, 1.6e-2)
    batch_size: int = 16
    evals: int = 12
    weight_decay: float = 0.01
    context: int = 64
    dim: int = 96
    layers: int = 2
    heads: int = 4

    def prepare(self) -> None:
        import numpy as np

        chars = "\n\t" + "".join(chr(c) for c in range(32, 127))
        table = np.full(256, len(chars), dtype=np.int64)
        for i, ch in enumerate(chars):
            table[ord(ch)] = i
        files = stdlib_files()
        codes = [table[np.frombuffer(p.read_bytes(), dtype=np.uint8)] for p in files]
        self._data.update(vocab=len(chars) + 1, files=[p.name for p in files],
                          **split_windows(codes, self.context))

    def model(self, seed: int) -> Any:
        import torch

        self.ensure()
        torch.manual_seed(seed)
        return _CharTransformer.build(self._data["vocab"], self.context, self.dim, self.layers, self.heads)

    def loss(self, model: Any, inputs: Any, targets: Any) -> Any:
        import torch.nn.functional as F  # noqa: N812

        out = model(inputs)
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), targets.reshape(-1))


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
    """Fashion-MNIST (28x28 greyscale, 10 classes) with a small CNN: 50k training images, 10k
    validation images drawn from the official training set (a fixed permutation), and the
    official 10k test set for reporting only."""

    name: str = "fashion"
    description: str = "Fashion-MNIST with a small CNN (Debian's dataset-fashion-mnist)"
    kind: str = "image CNN"
    grid_center: float = 4e-3
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

        import numpy as np

        xt = to_x(xte).unsqueeze(1)
        yt = torch.from_numpy(yte.astype("int64"))
        order = torch.from_numpy(np.random.default_rng(2024).permutation(len(ytr)))
        xa, ya = to_x(xtr).unsqueeze(1)[order], torch.from_numpy(ytr.astype("int64"))[order]
        xv, yv = xa[:10000], ya[:10000]
        self._data.update(
            x=xa[10000:].contiguous(),
            y=ya[10000:].contiguous(),
            val_small=[(xv[i : i + 500], yv[i : i + 500]) for i in range(0, 2000, 500)],
            val_full=[(xv[i : i + 1000], yv[i : i + 1000]) for i in range(0, 10000, 1000)],
            test_full=[(xt[i : i + 1000], yt[i : i + 1000]) for i in range(0, 10000, 1000)],
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


# ----------------------------------------------------------------------------------------
# (c) scikit-learn digits: the smoke task
# ----------------------------------------------------------------------------------------

@dataclass
class DigitsTask(Task):
    """scikit-learn's bundled 8x8 digits (1797 images) with a one-hidden-layer MLP: seconds."""

    name: str = "digits"
    description: str = "scikit-learn's bundled 8x8 digits with an MLP (smoke test, seconds)"
    kind: str = "image MLP"
    grid_center: float = 8e-3
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
        n = 360
        self._data.update(
            x=x[2 * n :], y=y[2 * n :],
            val_small=[(x[:n], y[:n])], val_full=[(x[:n], y[:n])], test_full=[(x[n : 2 * n], y[n : 2 * n])],
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


#: Every task by name: the three original tasks, then the suite's (:mod:`.tabular_tasks`,
#: :mod:`.lm_tasks`). Each is declared once, in its class.
_ALL: tuple[type[Task], ...] = (CharLMTask, FashionTask, DigitsTask, *SUITE_TABULAR_TASKS, *SUITE_LM_TASKS)
TASKS: dict[str, type[Task]] = {t.name: t for t in _ALL}
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
