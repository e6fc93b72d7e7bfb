"""The NumPy namespace: NumPy arrays (and NumPy scalars, lists, tuples) as steps.

NumPy is imported when the namespace is first made (by :func:`NUMPY`), never by
``import glideslope``. The JAX and TensorFlow namespaces reuse it for what they evaluate on
the host (``map``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

from ._common import UNARY, bind, low32, mix32


class NumpyNamespace:
    """NumPy arrays (and NumPy scalars): float64 results."""

    name = "numpy"

    def __init__(self) -> None:
        import numpy as np

        self.np = np
        bind(self, np, (*UNARY, "power", "minimum", "maximum", "where", "isfinite"))

    def asstep(self, t: Any) -> Any:
        """The steps as an int64 or float array.

        Integer steps stay integers: NumPy promotes int64 with a float to float64 exactly (up
        to 2**53) in every formula, and a conversion pass over a big array is saved.
        """
        np = self.np
        a = np.asarray(t)
        if a.dtype.kind == "O":  # Python ints beyond int64 (or non-numbers)
            try:
                a = a.astype(np.float64)
            except OverflowError:
                raise ValueError("step is too large for a float (at most about 1.8e308)") from None
            except (TypeError, ValueError):
                raise TypeError("step must be a number or an array of numbers, got dtype object") from None
        if a.dtype.kind not in "fiu":
            raise TypeError(f"step must be a number or an array of numbers, got dtype {a.dtype}")
        if a.dtype.kind in "iu" and a.dtype.itemsize < 8:
            a = a.astype(np.int64)
        return a

    def any_negative(self, t: Any) -> bool:
        """Does ``t`` hold a negative, NaN or infinite step? (two reductions)"""
        return bool(t.size) and not (t.min() >= 0 and (t.dtype.kind != "f" or t.max() < math.inf))

    #: Arrays larger than this are evaluated in blocks of ``_BLOCK`` steps, so that the
    #: formula's temporaries stay in the CPU cache (a large array is memory-bound otherwise).
    #: A block's float64 temporaries (64 KiB) also stay below glibc malloc's mmap threshold
    #: (128 KiB): at or above it every temporary is a fresh mmap, ten times slower.
    _BLOCKED_ABOVE = 1 << 17
    _BLOCK = 1 << 13

    def evaluate(self, formula: Callable[[Any, Any], Any], t: Any) -> Any:
        """``formula(t, self)``, block by block for large arrays.

        NumPy's floating-point warnings are off inside: a formula may form an ``inf`` or ``nan``
        on the way that a ``where``, ``minimum`` or ``maximum`` then sets aside (a huge step
        divided by a tiny stretch factor, a cycle's growth past the float range), as the
        scalar path, torch and JAX do silently; the result is finite for every schedule that
        constructs (tests/test_guarantees.py), so a warning would only be noise."""
        with self.np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._evaluate(formula, t)

    def _evaluate(self, formula: Callable[[Any, Any], Any], t: Any) -> Any:
        if t.size <= self._BLOCKED_ABOVE:
            return formula(t, self)
        flat = t.reshape(-1)
        out = self.np.empty(flat.shape, dtype=self.np.float64)
        # Each block's result is the last array its formula allocates, so it lies above that
        # block's temporaries on the heap. Keeping it alive until the next block has been
        # computed stops glibc from handing the freed temporaries back to the OS (it trims the
        # heap whenever more than 128 KB at its top is free), which would make every block
        # fault its pages in again: 3x slower on a three-phase composite, depending on what the
        # process had allocated before.
        held = None
        for i in range(0, flat.size, self._BLOCK):
            block = formula(flat[i : i + self._BLOCK], self)
            out[i : i + self._BLOCK] = block
            held = block  # noqa: F841 - see above
        return out.reshape(t.shape)

    def count_le(self, boundaries: Sequence[float], t: Any) -> Any:
        idx = self.np.searchsorted(self.np.asarray(boundaries, dtype=float), t, side="right")
        return idx.astype(t.dtype)

    def take(self, values: Sequence[float], index: Any) -> Any:
        return self.np.asarray(values, dtype=float)[index.astype(self.np.intp)]

    def hash32(self, t: Any, seed: int) -> Any:
        np = self.np
        x = np.floor(t) + 0.0  # float64; its low 32 bits, exactly, as an int64:
        return mix32(low32(x, np.floor).astype(np.int64), seed)

    def map(self, fn: Callable[[Any], Any], t: Any) -> Any:
        flat = [float(fn(float(v) if v % 1 else int(v))) for v in t.reshape(-1).tolist()]
        return self.np.asarray(flat, dtype=float).reshape(t.shape)


@functools.cache
def NUMPY() -> NumpyNamespace:  # noqa: N802 - constant-like accessor
    """The NumPy namespace, one for the process (made, and NumPy imported, on first use)."""
    return NumpyNamespace()
