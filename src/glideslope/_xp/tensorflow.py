"""The TensorFlow array namespace: the engine's formulas on ``tf.Tensor`` steps.

The same functions as the other namespaces of :mod:`glideslope._xp` (``cos``, ``minimum``,
``where``, ``count_le``, ...), mapped onto TensorFlow, so that one formula runs on eager
tensors and traces inside ``tf.function`` (Keras's TensorFlow backend compiles its train step
that way). Integer steps are evaluated in float64, float steps in their own dtype.

TensorFlow does not mix dtypes in one op (``tf.minimum(float64, float32)`` fails) and turns a
Python float into float32 by default, so every Python number that meets a tensor here is
converted to that tensor's dtype first. TensorFlow is imported when the first ``tf.Tensor``
is evaluated, never by ``import glideslope``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from ._common import UNARY, bind, low32, mix32
from .numpy import NUMPY


class TensorflowNamespace:
    """``tf.Tensor`` steps (eager or traced by ``tf.function``): float64 for integer steps,
    the tensor's own float dtype otherwise."""

    name = "tensorflow"

    def __init__(self) -> None:
        tf = importlib.import_module("tensorflow")
        self.tf = tf
        bind(self, tf.math, UNARY)
        self.isfinite = tf.math.is_finite

    def _common(self, *xs: Any) -> list[Any]:
        """``xs`` as tensors of one dtype: the first floating tensor's, else float64."""
        tf = self.tf
        dtype = next((x.dtype for x in xs if tf.is_tensor(x) and x.dtype.is_floating), tf.float64)
        return [tf.cast(x, dtype) if tf.is_tensor(x) else tf.constant(x, dtype=dtype) for x in xs]

    def power(self, a: Any, b: Any) -> Any:
        return self.tf.math.pow(*self._common(a, b))

    def minimum(self, a: Any, b: Any) -> Any:
        return self.tf.math.minimum(*self._common(a, b))

    def maximum(self, a: Any, b: Any) -> Any:
        return self.tf.math.maximum(*self._common(a, b))

    def where(self, c: Any, a: Any, b: Any) -> Any:
        a, b = self._common(a, b)
        return self.tf.where(c, a, b)

    def _traced(self) -> bool:
        return not self.tf.executing_eagerly()

    def asstep(self, t: Any) -> Any:
        tf = self.tf
        t = tf.convert_to_tensor(t)
        if t.dtype.is_integer:
            t = tf.cast(t, tf.float64)
        elif not t.dtype.is_floating:
            raise TypeError(f"step must be a real tensor, got dtype {t.dtype.name}")
        if self._traced():
            # symbolic inside tf.function: cannot raise on a value; a negative step evaluates
            # as step 0, an infinite one as the largest float (past the end); NaN stays NaN
            return tf.clip_by_value(t, tf.constant(0, t.dtype), t.dtype.max)
        return t

    def any_negative(self, t: Any) -> bool:
        """Does ``t`` hold a negative, NaN or infinite step? (False when traced: see asstep)"""
        if self._traced():
            return False
        return bool(self.tf.reduce_any(~((t >= 0) & (t < float("inf")))))

    def evaluate(self, formula: Callable[[Any, Any], Any], t: Any) -> Any:
        return formula(t, self)

    def count_le(self, boundaries: Sequence[float], t: Any) -> Any:
        """How many ``boundaries`` are ``<= t`` (``boundaries`` sorted), in ``t``'s dtype."""
        tf = self.tf
        b = tf.constant(list(boundaries), dtype=t.dtype)
        flat = tf.reshape(t, [-1])  # searchsorted wants a 1-D list of values
        idx = tf.searchsorted(b, flat, side="right")
        return tf.reshape(tf.cast(idx, t.dtype), tf.shape(t))

    def take(self, values: Sequence[float], index: Any) -> Any:
        tf = self.tf
        return tf.gather(tf.constant(list(values), dtype=index.dtype), tf.cast(index, tf.int32))

    def hash32(self, t: Any, seed: int) -> Any:
        tf = self.tf
        x = tf.floor(tf.cast(t, tf.float64))  # its low 32 bits, exactly, as an int64:
        x = mix32(tf.cast(low32(x, tf.floor), tf.int64), seed, rshift=tf.bitwise.right_shift)
        return tf.cast(x, t.dtype)  # TensorFlow does not promote: the step's float dtype

    def map(self, fn: Callable[[Any], Any], t: Any) -> Any:
        if self._traced():
            raise TypeError(
                "this schedule wraps a Python function that is not vectorized; it cannot be "
                "traced by tf.function. Pass vectorized=True with a function written for arrays."
            )
        import numpy as np

        out = NUMPY().map(fn, np.asarray(t))
        return self.tf.constant(out, dtype=t.dtype)
