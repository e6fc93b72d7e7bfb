"""What every array namespace shares: the 32-bit hash of deterministic noise, and the binding
of element-wise functions by name.

This module sits below every backend module of :mod:`glideslope._xp` and imports none of them
(nor any framework).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

_MASK32 = 0xFFFFFFFF
_TWO32 = 4294967296.0
# Multipliers of the 32-bit integer hash used by deterministic noise. Both are below 2**31,
# so ``x * M`` of a 32-bit ``x`` fits a signed 64-bit integer: the same arithmetic is exact in
# Python ints, int64 NumPy/torch/TensorFlow arrays and wrapping uint32 JAX arrays.
_HASH_M1 = 0x7FEB352D
_HASH_M2 = 0x46E8B5B3  # < 2**31

#: The one-argument element-wise functions, named in every array module as in the formulas.
UNARY = ("cos", "sin", "exp", "log", "sqrt", "tanh", "floor")


def bind(namespace: object, module: Any, names: Sequence[str]) -> None:
    """Set ``namespace.<name> = module.<name>`` for each of ``names``."""
    for name in names:
        setattr(namespace, name, getattr(module, name))


def low32(x: Any, floor: Callable[[Any], Any]) -> Any:
    """The low 32 bits of whole floats ``x``, exactly, still as floats:
    ``x - 2**32 * floor(x / 2**32)`` (``floor`` is the backend's)."""
    return x - _TWO32 * floor(x / _TWO32)


def mix32(
    x: Any,
    seed: Any,
    mask: Any = _MASK32,
    rshift: Callable[[Any, int], Any] = operator.rshift,
) -> Any:
    """The 32-bit integer hash of ``x`` (whole numbers below 2**32) with ``seed``::

        x = (x ^ seed) mod 2**32
        x = x ^ (x >> 16);  x = x * M1 mod 2**32
        x = x ^ (x >> 15);  x = x * M2 mod 2**32
        x = x ^ (x >> 16)

    The same code for a Python int, int64 NumPy/torch/TensorFlow arrays and uint32 JAX arrays
    (bit for bit): ``mod 2**32`` is ``& mask``. JAX takes no Python int above 2**31 next to
    a uint32 array, so it passes ``mask`` (and ``seed``) as uint32; TensorFlow's tensors have
    no ``>>``, so it passes ``rshift=tf.bitwise.right_shift``.
    """
    x = (x ^ seed) & mask
    x = x ^ rshift(x, 16)
    x = (x * _HASH_M1) & mask
    x = x ^ rshift(x, 15)
    x = (x * _HASH_M2) & mask
    return x ^ rshift(x, 16)
