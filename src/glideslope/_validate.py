"""Argument checks used at construction: each names the argument, the value and what is allowed."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any


def real(name: str, value: object) -> float:
    """A finite real number, returned as float."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        # NumPy scalars and the like: accept anything float() takes that is a real number.
        if isinstance(value, bool) or not hasattr(value, "__float__") or isinstance(value, str):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}: {value!r}")
    x = float(value)  # type: ignore[arg-type,unused-ignore]
    if not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return x


def positive(name: str, value: object) -> float:
    x = real(name, value)
    if x <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return x


def non_negative(name: str, value: object) -> float:
    x = real(name, value)
    if x < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
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
        raise ValueError(f"{name} must be in {lb}{low}, {high}{hb}, got {value!r}")
    return x


def integer(name: str, value: object, *, minimum: int | None = None) -> int:
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def choice(name: str, value: object, options: Iterable[str]) -> str:
    opts = tuple(options)
    if not isinstance(value, str) or value not in opts:
        allowed = ", ".join(repr(o) for o in opts)
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value


def reals(name: str, values: object, *, min_len: int = 1) -> tuple[float, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list of numbers, got {type(values).__name__}: {values!r}")
    out = tuple(real(f"{name}[{i}]", v) for i, v in enumerate(values))
    if len(out) < min_len:
        raise ValueError(f"{name} must have at least {min_len} value(s), got {list(out)!r}")
    return out


def increasing(
    name: str, values: object, *, minimum: float = 0.0, integers: bool = False, min_len: int = 1
) -> tuple[Any, ...]:
    """Strictly increasing numbers >= ``minimum`` (sorted, no duplicates)."""
    if integers:
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise TypeError(f"{name} must be a list of ints, got {type(values).__name__}: {values!r}")
        out: tuple[Any, ...] = tuple(integer(f"{name}[{i}]", v) for i, v in enumerate(values))
        if len(out) < min_len:
            raise ValueError(f"{name} must have at least {min_len} value(s), got {list(out)!r}")
    else:
        out = reals(name, values, min_len=min_len)
    for i, v in enumerate(out):
        if v < minimum:
            raise ValueError(f"{name}[{i}] must be >= {minimum}, got {v!r} in {list(out)!r}")
    strictly_increasing(name, out)
    return out


def strictly_increasing(name: str, values: tuple[Any, ...]) -> None:
    """Raise unless ``values`` are sorted without duplicates, naming the first offender."""
    for i in range(1, len(values)):
        if values[i] <= values[i - 1]:
            what = "duplicate" if values[i] == values[i - 1] else "unsorted"
            raise ValueError(
                f"{name} must be strictly increasing (sorted, no duplicates); "
                f"{what} value {values[i]!r} at index {i} in {list(values)!r}"
            )


def function(name: str, value: object) -> Callable[..., Any]:
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__}: {value!r}")
    return value


def flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value
