"""Array namespaces: one formula, evaluated on Python floats, NumPy, JAX or torch.

Every shape writes its formula once against a small namespace ``xp`` (``xp.cos``,
``xp.minimum``, ``xp.where``, ...). The scalar namespace maps these onto :mod:`math` and the
builtins, so ``schedule(1250)`` is a plain float computation; the array namespaces map them
onto NumPy, ``jax.numpy`` or ``torch``, so the same formula traces under ``jax.jit`` and runs
on tensors. No formula branches in Python on the step value.

Frameworks are imported lazily, only when an array of theirs is evaluated.
"""

from __future__ import annotations

import bisect
import math
import types
from collections.abc import Callable, Sequence
from typing import Any

_MASK32 = 0xFFFFFFFF
_TWO32 = 4294967296.0
# Multipliers of the 32-bit integer hash used by deterministic noise. Both are below 2**31,
# so ``x * M`` of a 32-bit ``x`` fits a signed 64-bit integer: the same arithmetic is exact in
# Python ints, int64 NumPy/torch arrays and wrapping uint32 JAX arrays.
_HASH_M1 = 0x7FEB352D
_HASH_M2 = 0x46E8B5B3  # < 2**31


def _scalar_power(a: float, b: float) -> float:
    """``a ** b`` that overflows to ``inf`` like NumPy, instead of raising OverflowError."""
    try:
        return math.pow(a, b)
    except OverflowError:
        return math.inf


def _scalar_floor(x: Any) -> Any:
    """``math.floor`` that keeps an infinite ``x`` infinite (as NumPy does) instead of raising."""
    return math.floor(x) if -math.inf < x < math.inf else x


def _scalar_where(cond: Any, a: Any, b: Any) -> Any:
    return a if cond else b


def _scalar_hash32(t: Any, seed: int) -> int:
    x = (int(t) ^ seed) & _MASK32
    x ^= x >> 16
    x = (x * _HASH_M1) & _MASK32
    x ^= x >> 15
    x = (x * _HASH_M2) & _MASK32
    x ^= x >> 16
    return x


class ScalarNamespace:
    """Python ``int``/``float`` steps: :mod:`math` and builtins, returns floats."""

    name = "python"
    cos = staticmethod(math.cos)
    sin = staticmethod(math.sin)
    exp = staticmethod(math.exp)
    log = staticmethod(math.log)
    sqrt = staticmethod(math.sqrt)
    tanh = staticmethod(math.tanh)
    floor = staticmethod(_scalar_floor)
    power = staticmethod(_scalar_power)
    minimum = staticmethod(min)
    maximum = staticmethod(max)
    where = staticmethod(_scalar_where)
    hash32 = staticmethod(_scalar_hash32)

    @staticmethod
    def count_le(boundaries: Sequence[float], t: Any) -> int:
        """How many ``boundaries`` are ``<= t`` (``boundaries`` sorted)."""
        return bisect.bisect_right(boundaries, t)

    @staticmethod
    def take(values: Sequence[float], index: Any) -> Any:
        return values[index]

    @staticmethod
    def map(fn: Callable[[Any], Any], t: Any) -> Any:
        return fn(t)

    @staticmethod
    def isfinite(x: Any) -> bool:
        return math.isfinite(x)


class NumpyNamespace:
    """NumPy arrays (and NumPy scalars): float64 results."""

    name = "numpy"

    def __init__(self) -> None:
        import numpy as np

        self.np = np
        self.cos = np.cos
        self.sin = np.sin
        self.exp = np.exp
        self.log = np.log
        self.sqrt = np.sqrt
        self.tanh = np.tanh
        self.floor = np.floor
        self.power = np.power
        self.minimum = np.minimum
        self.maximum = np.maximum
        self.where = np.where
        self.isfinite = np.isfinite

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
        """``formula(t, self)``, block by block for large arrays."""
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
        x = ((x - _TWO32 * np.floor(x / _TWO32)).astype(np.int64) ^ seed) & _MASK32
        x ^= x >> 16
        x = (x * _HASH_M1) & _MASK32
        x ^= x >> 15
        x = (x * _HASH_M2) & _MASK32
        x ^= x >> 16
        return x

    def map(self, fn: Callable[[Any], Any], t: Any) -> Any:
        flat = [float(fn(float(v) if v % 1 else int(v))) for v in t.reshape(-1).tolist()]
        return self.np.asarray(flat, dtype=float).reshape(t.shape)


class TorchNamespace:
    """torch tensors: float64 for integer steps, the tensor's own float dtype otherwise."""

    name = "torch"

    def __init__(self) -> None:
        import torch

        self.torch = torch
        self.cos = torch.cos
        self.sin = torch.sin
        self.exp = torch.exp
        self.log = torch.log
        self.sqrt = torch.sqrt
        self.tanh = torch.tanh
        self.floor = torch.floor
        self.power = torch.pow
        self.isfinite = torch.isfinite

    def _t(self, x: Any, like: Any) -> Any:
        if isinstance(x, self.torch.Tensor):
            return x
        return self.torch.as_tensor(x, dtype=like.dtype, device=like.device)

    def _like(self, a: Any, b: Any) -> Any:
        return a if isinstance(a, self.torch.Tensor) else b

    def minimum(self, a: Any, b: Any) -> Any:
        like = self._like(a, b)
        return self.torch.minimum(self._t(a, like), self._t(b, like))

    def maximum(self, a: Any, b: Any) -> Any:
        like = self._like(a, b)
        return self.torch.maximum(self._t(a, like), self._t(b, like))

    def where(self, c: Any, a: Any, b: Any) -> Any:
        like = self._like(a, self._like(b, c))
        if not isinstance(like, self.torch.Tensor):
            return self.torch.where(c, a, b)
        dtype = like.dtype if like.dtype.is_floating_point else self.torch.float64
        return self.torch.where(
            c,
            self.torch.as_tensor(a, dtype=dtype, device=like.device),
            self.torch.as_tensor(b, dtype=dtype, device=like.device),
        )

    def asstep(self, t: Any) -> Any:
        """Float steps (float64 for integer tensors)."""
        if t.dtype == self.torch.bool or t.is_complex():
            raise TypeError(f"step must be a real tensor, got dtype {t.dtype}")
        return t if t.is_floating_point() else t.to(self.torch.float64)

    def any_negative(self, t: Any) -> bool:
        """Does ``t`` hold a negative, NaN or infinite step?"""
        return bool(self.torch.any(~((t >= 0) & (t < math.inf))))

    def evaluate(self, formula: Callable[[Any, Any], Any], t: Any) -> Any:
        return formula(t, self)

    def count_le(self, boundaries: Sequence[float], t: Any) -> Any:
        b = self.torch.as_tensor(list(boundaries), dtype=t.dtype, device=t.device)
        return self.torch.searchsorted(b, t.contiguous(), right=True).to(t.dtype)

    def take(self, values: Sequence[float], index: Any) -> Any:
        v = self.torch.as_tensor(list(values), dtype=index.dtype, device=index.device)
        return v[index.long()]

    def hash32(self, t: Any, seed: int) -> Any:
        torch = self.torch
        x = torch.floor(t).to(torch.float64)  # its low 32 bits, exactly, as an int64:
        x = ((x - _TWO32 * torch.floor(x / _TWO32)).to(torch.int64) ^ seed) & _MASK32
        x = x ^ (x >> 16)
        x = (x * _HASH_M1) & _MASK32
        x = x ^ (x >> 15)
        x = (x * _HASH_M2) & _MASK32
        x = x ^ (x >> 16)
        return x.to(self.torch.float64)

    def map(self, fn: Callable[[Any], Any], t: Any) -> Any:
        flat = [float(fn(v if v % 1 else int(v))) for v in t.reshape(-1).tolist()]
        return self.torch.tensor(flat, dtype=self.torch.float64, device=t.device).reshape(t.shape)


class JaxNamespace:
    """JAX arrays and tracers (``jax.jit``, ``jax.vmap``): the default float dtype."""

    name = "jax"

    def __init__(self) -> None:
        import jax
        import jax.numpy as jnp

        self.jax = jax
        self.jnp = jnp
        self.cos = jnp.cos
        self.sin = jnp.sin
        self.exp = jnp.exp
        self.log = jnp.log
        self.sqrt = jnp.sqrt
        self.tanh = jnp.tanh
        self.floor = jnp.floor
        self.power = jnp.power
        self.minimum = jnp.minimum
        self.maximum = jnp.maximum
        self.where = jnp.where
        self.isfinite = jnp.isfinite

    def asstep(self, t: Any) -> Any:
        jnp = self.jnp
        t = jnp.asarray(t)
        if jnp.issubdtype(t.dtype, jnp.bool_) or not (
            jnp.issubdtype(t.dtype, jnp.integer) or jnp.issubdtype(t.dtype, jnp.floating)
        ):
            raise TypeError(f"step must be a real array, got dtype {t.dtype}")
        if jnp.issubdtype(t.dtype, jnp.integer):
            t = t.astype(jnp.result_type(float))
        if isinstance(t, self.jax.core.Tracer):
            # traced: cannot raise without a host sync; a negative step evaluates as step 0,
            # an infinite one as the largest float (past the end); NaN stays NaN
            return jnp.clip(t, 0.0, jnp.finfo(t.dtype).max)
        return t

    def any_negative(self, t: Any) -> bool:
        """Does ``t`` hold a negative, NaN or infinite step? (False for a tracer: see asstep)"""
        if isinstance(t, self.jax.core.Tracer):
            return False
        return bool(self.jnp.any(~((t >= 0) & (t < self.jnp.inf))))

    def evaluate(self, formula: Callable[[Any, Any], Any], t: Any) -> Any:
        return formula(t, self)

    def count_le(self, boundaries: Sequence[float], t: Any) -> Any:
        b = self.jnp.asarray(list(boundaries), dtype=t.dtype)
        return self.jnp.searchsorted(b, t, side="right").astype(t.dtype)

    def take(self, values: Sequence[float], index: Any) -> Any:
        return self.jnp.asarray(list(values), dtype=index.dtype)[index.astype(self.jnp.int32)]

    def hash32(self, t: Any, seed: int) -> Any:
        jnp = self.jnp
        x = jnp.floor(t)  # its low 32 bits, exactly (no int64 without x64), as a uint32:
        x = (x - _TWO32 * jnp.floor(x / _TWO32)).astype(jnp.uint32) ^ jnp.uint32(seed & _MASK32)
        x = x ^ (x >> 16)
        x = x * jnp.uint32(_HASH_M1)
        x = x ^ (x >> 15)
        x = x * jnp.uint32(_HASH_M2)
        x = x ^ (x >> 16)
        return x.astype(jnp.result_type(float))

    def map(self, fn: Callable[[Any], Any], t: Any) -> Any:
        if isinstance(t, self.jax.core.Tracer):
            raise TypeError(
                "this schedule wraps a Python function that is not vectorized; it cannot be "
                "traced by jax.jit. Pass vectorized=True with a function written for arrays."
            )
        import numpy as np

        out = NUMPY().map(fn, np.asarray(t))
        return self.jnp.asarray(out)


def _as_module(namespace: type) -> Any:
    """A module object holding ``namespace``'s functions.

    Scalar formulas run on every call of ``schedule(t)``: CPython caches an attribute of a
    module (``xp.cos``) at its call site, but not a staticmethod of a class, so a module saves
    about 200 machine instructions per ``xp.`` lookup pair.
    """
    module = types.ModuleType(f"{__name__}.{namespace.__name__}", namespace.__doc__)
    for key, value in vars(namespace).items():
        if not key.startswith("__"):
            setattr(module, key, value.__func__ if isinstance(value, staticmethod) else value)
    return module


#: The scalar namespace, as a module (see :func:`_as_module`).
SCALAR: Any = _as_module(ScalarNamespace)
_cache: dict[str, Any] = {}


def NUMPY() -> NumpyNamespace:  # noqa: N802 - constant-like accessor
    ns = _cache.get("numpy")
    if ns is None:
        ns = _cache["numpy"] = NumpyNamespace()
    return ns  # type: ignore[no-any-return,unused-ignore]


def namespace_of(t: Any) -> Any:
    """The namespace for an array ``t``, or TypeError naming what was given."""
    module = type(t).__module__.split(".", 1)[0]
    if module == "numpy" or isinstance(t, (list, tuple)):
        key = "numpy"
    elif module == "torch":
        key = "torch"
    elif module in ("jax", "jaxlib"):
        key = "jax"
    elif module == "tensorflow":  # tf.Tensor: its namespace lives in _xp_tf (imported lazily)
        if "tensorflow" not in _cache:
            from .tensorflow import TensorflowNamespace

            _cache["tensorflow"] = TensorflowNamespace()
        return _cache["tensorflow"]
    else:
        raise TypeError(
            f"step must be an int, a float, or a NumPy/JAX/torch array, "
            f"got {type(t).__name__}: {t!r}"
        )
    ns = _cache.get(key)
    if ns is None:
        ns = _cache[key] = {"numpy": NumpyNamespace, "torch": TorchNamespace, "jax": JaxNamespace}[
            key
        ]()
    return ns
