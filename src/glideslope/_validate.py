"""Argument checks used at construction: each names the argument, the value and what is allowed.

NumPy and torch scalars are taken as the Python numbers they hold (:func:`plain`): an
integral ``np.int64(100)`` is an int, ``np.bool_(True)`` a bool (never a number). Values in
messages are cut short (:func:`short`): a config can hold a megabyte-long list.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Callable, Iterable
from typing import Any

_short = reprlib.Repr()
_short.maxstring = 60
_short.maxlong = 40
_short.maxother = 60
_short.maxlist = _short.maxtuple = _short.maxset = 8
_short.maxdict = 6
_short.maxlevel = 4


def short(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to about ``limit`` characters (nested and huge values included)."""
    try:
        text = repr(value) if value.__class__ in (float, bool) or value is None else _short.repr(value)
    except Exception:  # a repr that fails or recurses: say what it is instead
        text = f"<{type(value).__name__}>"
    if len(text) > limit:
        text = f"{text[: limit - 15]}... ({len(text)} chars)"
    return text


def plain(value: Any) -> Any:
    """A NumPy, torch or (concrete) JAX scalar, or 0-d array, as the Python bool, int or float
    it holds; anything else unchanged."""
    cls = value.__class__
    if cls is int or cls is float or cls is str or value is None or cls is bool:
        return value
    module = cls.__module__.split(".", 1)[0]
    if module in ("numpy", "torch", "jax", "jaxlib") and getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        try:
            item = value.item()
        except (TypeError, ValueError, RuntimeError):
            return value
        if isinstance(item, (bool, int, float)):
            return item
    return value


def real(name: str, value: object) -> float:
    """A finite real number, returned as float."""
    value = plain(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        # other number types: accept anything float() takes that is a real number
        if isinstance(value, bool) or not hasattr(value, "__float__") or isinstance(value, str):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}: {short(value)}")
    try:
        x = float(value)  # type: ignore[arg-type,unused-ignore]
    except OverflowError:
        raise ValueError(f"{name} is too large for a float (at most about 1.8e308), got {short(value)}") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {short(value)}")
    return x


def positive(name: str, value: object) -> float:
    x = real(name, value)
    if x <= 0:
        raise ValueError(f"{name} must be > 0, got {short(value)}")
    return x


def non_negative(name: str, value: object) -> float:
    x = real(name, value)
    if x < 0:
        raise ValueError(f"{name} must be >= 0, got {short(value)}")
    return x


def between(
    name: str, value: object, low: float, high: float, *, low_open: bool = False, high_open: bool = False
) -> float:
    x = real(name, value)
    ok_low = x > low if low_open else x >= low
    ok_high = x < high if high_open else x <= high
    if not (ok_low and ok_high):
        lb = "(" if low_open else "["
        hb = ")" if high_open else "]"
        raise ValueError(f"{name} must be in {lb}{low}, {high}{hb}, got {short(value)}")
    return x


def integer(name: str, value: object, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = plain(value)
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}: {short(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {short(value)}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {short(value)}")
    return value


def choice(name: str, value: object, options: Iterable[str]) -> str:
    opts = tuple(options)
    if not isinstance(value, str) or value not in opts:
        allowed = ", ".join(repr(o) for o in opts)
        raise ValueError(f"{name} must be one of {allowed}, got {short(value)}")
    return value


def reals(name: str, values: object, *, min_len: int = 1) -> tuple[float, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list of numbers, got {type(values).__name__}: {short(values)}")
    out = tuple(real(f"{name}[{i}]", v) for i, v in enumerate(values))
    if len(out) < min_len:
        raise ValueError(f"{name} must have at least {min_len} value(s), got {short(list(out))}")
    return out


def increasing(
    name: str, values: object, *, minimum: float = 0.0, integers: bool = False, min_len: int = 1
) -> tuple[Any, ...]:
    """Strictly increasing numbers >= ``minimum`` (sorted, no duplicates)."""
    if integers:
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise TypeError(f"{name} must be a list of ints, got {type(values).__name__}: {short(values)}")
        out: tuple[Any, ...] = tuple(integer(f"{name}[{i}]", v) for i, v in enumerate(values))
        if len(out) < min_len:
            raise ValueError(f"{name} must have at least {min_len} value(s), got {short(list(out))}")
    else:
        out = reals(name, values, min_len=min_len)
    for i, v in enumerate(out):
        if v < minimum:
            raise ValueError(f"{name}[{i}] must be >= {minimum}, got {v!r} in {short(list(out))}")
    strictly_increasing(name, out)
    return out


def strictly_increasing(name: str, values: tuple[Any, ...]) -> None:
    """Raise unless ``values`` are sorted without duplicates, naming the first offender."""
    for i in range(1, len(values)):
        if values[i] <= values[i - 1]:
            what = "duplicate" if values[i] == values[i - 1] else "unsorted"
            raise ValueError(
                f"{name} must be strictly increasing (sorted, no duplicates); "
                f"{what} value {values[i]!r} at index {i} in {short(list(values))}"
            )


def function(name: str, value: object) -> Callable[..., Any]:
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__}: {short(value)}")
    return value


def flag(name: str, value: object) -> bool:
    value = plain(value)
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {short(value)}")
    return value
