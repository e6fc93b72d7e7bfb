"""The suite's character-level language models: recurrent (GRU, LSTM) and transformer models
on two corpora the running Python ships with.

* **English prose**: the help topics of ``pydoc_data.topics`` (the text ``help("FOR")``
  prints; about 465k characters in 79 topics, sorted by name);
* **Python source**: the ``*.py`` files of the standard library's *packages* (``email/``,
  ``json/``, ...; ``charlm`` reads the top-level modules instead), sorted by path, files of
  2-60 kB, up to 1.2 MB.

Characters outside printable ASCII map to one "other" symbol (98 symbols in all). Every 8th
document is held out (whole documents), alternately for validation and for test; validation
and test are 256 fixed windows of 64 characters each, evenly spaced over the held-out text.
A training batch is 16 windows at random offsets of the training text.

* ``prose-gru``: a one-layer GRU (embedding 48, hidden 128) on the prose, AdamW;
* ``source-lstm``: a one-layer LSTM (embedding 48, hidden 128) on the package source, AdamW
  with weight decay 0.01;
* ``prose-transformer``: a two-block pre-norm transformer (width 64, 4 heads) on the prose,
  AdamW with weight decay 0.1;
* ``unicode-transformer`` (the second held-out round, see ``docs/suite.md``): the same
  transformer on a third corpus, the names of Unicode's characters (``unicodedata.name``,
  Unicode 14.0 in Python 3.11; names derived from the code point, such as ``CJK UNIFIED
  IDEOGRAPH-4E00``, left out): about 43,600 names, one per line, one document per block of
  256 code points, so validation and test are whole blocks (other scripts) than training's;
  AdamW with weight decay 0.01.
"""

from __future__ import annotations

import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .task_base import Task, TaskUnavailable

#: The symbols: newline, tab and printable ASCII; anything else is one more symbol.
CHARS = "\n\t" + "".join(chr(c) for c in range(32, 127))
VOCAB = len(CHARS) + 1


def encode(text: str) -> Any:
    """``text`` as int64 symbol codes (see :data:`CHARS`)."""
    import numpy as np

    table = np.full(256, len(CHARS), dtype=np.int64)
    for i, ch in enumerate(CHARS):
        table[ord(ch)] = i
    raw = np.frombuffer(text.encode("ascii", errors="replace"), dtype=np.uint8)
    return table[raw]


def prose_documents() -> list[str]:
    """The help topics of ``pydoc_data.topics``, sorted by topic name."""
    try:
        from pydoc_data.topics import topics
    except ImportError:
        raise TaskUnavailable("pydoc_data.topics is missing from this Python (it ships with CPython's "
                              "standard library; a stripped-down install may lack it)") from None
    return [topics[k] for k in sorted(topics)]


def package_sources(limit_bytes: int = 1_200_000) -> list[str]:
    """The standard library's package source files (``*/**.py`` below the stdlib root, no
    tests, no ``site-packages``, 2-60 kB each), sorted by path, up to ``limit_bytes``."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.glob("*/**/*.py")
                   if p.is_file() and not {"test", "tests", "site-packages", "idlelib"} & set(p.parts))
    out: list[str] = []
    total = 0
    for p in files:
        size = p.stat().st_size
        if not 2_000 <= size <= 60_000:
            continue
        out.append(p.read_text(encoding="utf-8", errors="replace"))
        total += size
        if total >= limit_bytes:
            break
    if len(out) < 16:
        raise TaskUnavailable(f"found only {len(out)} package source files under {root}; source-lstm needs 16+")
    return out


def unicode_name_documents() -> list[str]:
    """The names of Unicode's characters, one per line, one document per block of 256 code
    points (blocks without a name left out); names that end in the code point's hex digits
    (``CJK UNIFIED IDEOGRAPH-4E00``, ``HANGUL SYLLABLE``-style derived names) are skipped."""
    import re
    import unicodedata

    derived = re.compile(r"-[0-9A-F]{4,6}$")
    blocks: dict[int, list[str]] = {}
    for code in range(0x110000):
        name = unicodedata.name(chr(code), "")
        if name and not derived.search(name):
            blocks.setdefault(code >> 8, []).append(name)
    return ["\n".join(names) + "\n" for _, names in sorted(blocks.items())]


def lm_split(documents: list[str], context: int) -> dict[str, Any]:
    """Training text and validation/test windows from documents (:func:`split_windows` of
    their encodings)."""
    return split_windows([encode(doc) for doc in documents], context)


def split_windows(encoded: list[Any], context: int) -> dict[str, Any]:
    """Training text and validation/test windows from encoded documents (1-d int64 arrays):
    every 8th document held out, alternately for validation (documents 7, 23, ...) and test
    (15, 31, ...); each held-out text gives 256 fixed windows of ``context + 1`` characters,
    evenly spaced, in batches of 64 (``val_small``: every other window of each batch)."""
    import numpy as np

    import torch

    parts: dict[str, list[Any]] = {"train": [], "val": [], "test": []}
    for i, codes in enumerate(encoded):
        parts["train" if i % 8 != 7 else ("val" if i % 16 == 7 else "test")].append(codes)
    n = context + 1

    def windows(text: Any) -> list[tuple[Any, Any]]:
        starts = np.linspace(0, len(text) - n - 1, 256).astype(np.int64)
        w = torch.from_numpy(text[starts[:, None] + np.arange(n)[None, :]])
        x, y = w[:, :-1].contiguous(), w[:, 1:].contiguous()
        return [(x[i : i + 64], y[i : i + 64]) for i in range(0, 256, 64)]

    val_full = windows(np.concatenate(parts["val"]))
    return {"train": np.concatenate(parts["train"]), "val_small": [(x[::2], y[::2]) for x, y in val_full],
            "val_full": val_full, "test_full": windows(np.concatenate(parts["test"]))}


def char_rnn(cell: str, seed: int, embed: int = 48, hidden: int = 128) -> Any:
    """Embedding, one GRU or LSTM layer, a linear read-out to :data:`VOCAB` logits."""
    import torch
    from torch import nn

    class CharRNN(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(VOCAB, embed)
            self.rnn = (nn.GRU if cell == "gru" else nn.LSTM)(embed, hidden, batch_first=True)
            self.head = nn.Linear(hidden, VOCAB)

        def forward(self, idx: Any) -> Any:
            return self.head(self.rnn(self.emb(idx))[0])

    torch.manual_seed(seed)
    return CharRNN()


def char_transformer(seed: int, context: int, dim: int = 64, layers: int = 2, heads: int = 4) -> Any:
    """Token and learned position embeddings, ``layers`` pre-norm causal transformer blocks
    (``torch.nn.TransformerEncoderLayer``, GELU, 4x MLP), a final norm and read-out."""
    import torch
    from torch import nn

    class CharTransformer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tok = nn.Embedding(VOCAB, dim)
            self.pos = nn.Parameter(0.02 * torch.randn(context, dim))
            block = nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout=0.0, activation="gelu",
                                               batch_first=True, norm_first=True)
            self.blocks = nn.TransformerEncoder(block, layers, enable_nested_tensor=False)
            self.ln = nn.LayerNorm(dim)
            self.head = nn.Linear(dim, VOCAB)
            self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(context))

        def forward(self, idx: Any) -> Any:
            n = idx.shape[1]
            pos: Any = self.pos
            mask: Any = self.mask
            x = self.tok(idx) + pos[:n]
            return self.head(self.ln(self.blocks(x, mask=mask[:n, :n], is_causal=True)))

    torch.manual_seed(seed)
    return CharTransformer()


@dataclass
class CharLMBase(Task):
    """A character-level LM on one corpus, trained on random windows of its training text:
    subclasses set the corpus (:meth:`documents`, or their own :meth:`prepare`) and the model."""

    kind: str = "language model"
    objective: str = "lm"
    batch_size: int = 16
    evals: int = 8
    context: int = 64

    def documents(self) -> list[str]:
        raise NotImplementedError

    def prepare(self) -> None:
        self._data.update(lm_split(self.documents(), self.context))

    def batch(self, seed: int, step: int) -> tuple[Any, Any]:
        import numpy as np

        import torch

        train = self._data["train"]
        n = self.context + 1
        starts = self._rng(seed, step).integers(0, len(train) - n, size=self.batch_size)
        w = torch.from_numpy(train[starts[:, None] + np.arange(n)[None, :]])
        return w[:, :-1], w[:, 1:]


@dataclass
class ProseGRUTask(CharLMBase):
    """A GRU character model of the stdlib's English help topics (AdamW, no decay)."""

    name: str = "prose-gru"
    description: str = "char-level GRU LM on English prose (pydoc's help topics)"
    kind: str = "recurrent language model"
    steps: int = 240
    grid_center: float = 8e-3

    def documents(self) -> list[str]:
        return prose_documents()

    def model(self, seed: int) -> Any:
        self.ensure()
        return char_rnn("gru", seed)


@dataclass
class SourceLSTMTask(CharLMBase):
    """An LSTM character model of the stdlib's package source (AdamW, weight decay 0.01)."""

    name: str = "source-lstm"
    description: str = "char-level LSTM LM on the Python stdlib's package source"
    kind: str = "recurrent language model"
    steps: int = 240
    weight_decay: float = 0.01
    grid_center: float = 8e-3

    def documents(self) -> list[str]:
        return package_sources()

    def model(self, seed: int) -> Any:
        self.ensure()
        return char_rnn("lstm", seed)


@dataclass
class ProseTransformerTask(CharLMBase):
    """A small transformer character model of the stdlib's English help topics (AdamW,
    weight decay 0.1)."""

    name: str = "prose-transformer"
    description: str = "char-level transformer LM on English prose (pydoc's help topics)"
    kind: str = "transformer language model"
    steps: int = 240
    weight_decay: float = 0.1
    grid_center: float = 4e-3

    def documents(self) -> list[str]:
        return prose_documents()

    def model(self, seed: int) -> Any:
        self.ensure()
        return char_transformer(seed, self.context)


@dataclass
class UnicodeTransformerTask(CharLMBase):
    """The small transformer on the names of Unicode's characters (AdamW, weight decay
    0.01); held-out documents are whole 256-code-point blocks."""

    name: str = "unicode-transformer"
    description: str = "char-level transformer LM on the names of Unicode's characters"
    kind: str = "transformer language model"
    steps: int = 200
    weight_decay: float = 0.01
    grid_center: float = 4e-3

    def documents(self) -> list[str]:
        return unicode_name_documents()

    def model(self, seed: int) -> Any:
        self.ensure()
        return char_transformer(seed, self.context)


SUITE_LM_TASKS: tuple[type[Task], ...] = (ProseGRUTask, SourceLSTMTask, ProseTransformerTask, UnicodeTransformerTask)

__all__ = ["CHARS", "SUITE_LM_TASKS", "VOCAB", "CharLMBase", "ProseGRUTask", "ProseTransformerTask", "SourceLSTMTask",
           "UnicodeTransformerTask", "char_rnn", "char_transformer", "encode", "lm_split", "package_sources",
           "prose_documents", "unicode_name_documents"]
