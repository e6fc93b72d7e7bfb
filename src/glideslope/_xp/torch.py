"""The torch namespace: torch tensors as steps.

torch is imported when the namespace is first made, never by ``import glideslope``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from ._common import UNARY, bind, low32, mix32


class TorchNamespace:
    """torch tensors: float64 for integer steps, the tensor's own float dtype otherwise."""

    name = "torch"

    def __init__(self) -> None:
        import torch

        self.torch = torch
        bind(self, torch, (*UNARY, "isfinite"))
        self.power = torch.pow

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
        return mix32(low32(x, torch.floor).to(torch.int64), seed).to(torch.float64)

    def map(self, fn: Callable[[Any], Any], t: Any) -> Any:
        flat = [float(fn(v if v % 1 else int(v))) for v in t.reshape(-1).tolist()]
        return self.torch.tensor(flat, dtype=self.torch.float64, device=t.device).reshape(t.shape)
