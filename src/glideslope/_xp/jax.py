"""The JAX namespace: JAX arrays and tracers (``jax.jit``, ``jax.vmap``) as steps.

JAX is imported when the namespace is first made, never by ``import glideslope``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ._common import _MASK32, UNARY, bind, low32, mix32
from .numpy import NUMPY


class JaxNamespace:
    """JAX arrays and tracers (``jax.jit``, ``jax.vmap``): the default float dtype."""

    name = "jax"

    def __init__(self) -> None:
        import jax
        import jax.numpy as jnp

        self.jax = jax
        self.jnp = jnp
        bind(self, jnp, (*UNARY, "power", "minimum", "maximum", "where", "isfinite"))

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
        u32 = jnp.uint32
        x = mix32(low32(x, jnp.floor).astype(u32), u32(seed & _MASK32), mask=u32(_MASK32))
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
