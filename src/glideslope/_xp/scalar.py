"""The scalar namespace: Python ``int``/``float`` steps through :mod:`math` and the builtins.

``schedule(1250)`` runs its formula on this namespace: a plain float computation, no array
library imported.
"""

from __future__ import annotations

import bisect
import math
import types
from collections.abc import Callable, Sequence
from typing import Any

from ._common import mix32


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
    h: int = mix32(int(t), seed)
    return h


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


def _as_module(namespace: type) -> Any:
    """A module object holding ``namespace``'s functions.

    Scalar formulas run on every call of ``schedule(t)``: CPython caches an attribute of a
    module (``xp.cos``) at its call site, but not a staticmethod of a class, so a module saves
    about 200 machine instructions per ``xp.`` lookup pair.
    """
    module = types.ModuleType(f"glideslope._xp.{namespace.__name__}", namespace.__doc__)
    for key, value in vars(namespace).items():
        if not key.startswith("__"):
            setattr(module, key, value.__func__ if isinstance(value, staticmethod) else value)
    return module


#: The scalar namespace, as a module (see :func:`_as_module`).
SCALAR: Any = _as_module(ScalarNamespace)
