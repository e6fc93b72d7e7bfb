"""Argument checks used at construction: each names the argument, the value and what is allowed.

NumPy and torch scalars are taken as the Python numbers they hold (:func:`plain`): an
integral ``np.int64(100)`` is an int, ``np.bool_(True)`` a bool (never a number). Values in
messages are cut short (:func:`short`): a config can hold a megabyte-long list.

A misspelt keyword is answered as Python answers it, a TypeError, but naming the public
callable and the closest valid names (:func:`checked_keywords`), e.g.
``cosine() got an unexpected keyword argument 'stpes'; did you mean 'steps'?``.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import math
import reprlib
from collections.abc import Callable, Iterable
from typing import Any, TypeGuard, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

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


def _iterable(values: object) -> TypeGuard[Iterable[Any]]:
    """``isinstance(values, Iterable)`` without the ABC machinery (no Python-level call: the
    SPEC parser's tests watch every call a SPEC makes)."""
    cls = type(values)
    return hasattr(cls, "__iter__") and cls.__iter__ is not None


def reals(name: str, values: object, *, min_len: int = 1) -> tuple[float, ...]:
    if isinstance(values, (str, bytes)) or not _iterable(values):
        raise TypeError(f"{name} must be a list of numbers, got {type(values).__name__}: {short(values)}")
    out = tuple(real(f"{name}[{i}]", v) for i, v in enumerate(values))
    if len(out) < min_len:
        raise ValueError(f"{name} must have at least {count(min_len, 'value')}, got {short(list(out))}")
    return out


def increasing(
    name: str, values: object, *, minimum: float = 0.0, integers: bool = False, min_len: int = 1
) -> tuple[Any, ...]:
    """Strictly increasing numbers >= ``minimum`` (sorted, no duplicates)."""
    if integers:
        if isinstance(values, (str, bytes)) or not _iterable(values):
            raise TypeError(f"{name} must be a list of ints, got {type(values).__name__}: {short(values)}")
        out: tuple[Any, ...] = tuple(integer(f"{name}[{i}]", v) for i, v in enumerate(values))
        if len(out) < min_len:
            raise ValueError(f"{name} must have at least {count(min_len, 'value')}, got {short(list(out))}")
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


def count(n: int, word: str, plural: str | None = None) -> str:
    """``n`` and ``word`` in the right number: ``count(1, "step")`` is ``"1 step"``, ``count(2,
    "step")`` is ``"2 steps"`` (``plural`` for the irregular ones: ``"boundaries"``)."""
    return f"{n} {word}" if n == 1 else f"{n} {plural or word + 's'}"


def close_names(word: str, names: Iterable[str], n: int = 3) -> list[str]:
    """The names closest to a misspelt ``word``, best first: at most ``n`` whose difflib
    similarity is >= 0.6 and within 0.1 of the best one's (``'cosin'`` suggests ``'cosine'``,
    not also ``'join'``)."""
    close = difflib.get_close_matches(word, list(names), n=n)
    ratios = [difflib.SequenceMatcher(None, word, c).ratio() for c in close]
    return [c for c, r in zip(close, ratios) if r >= ratios[0] - 0.1]


def did_you_mean(word: str, names: Iterable[str]) -> str:
    """``"did you mean 'steps'?"`` (or ``"'a' or 'b'?"``) for the closest names; "" when none is close."""
    close = [repr(c) for c in close_names(word, names)]
    if not close:
        return ""
    return "did you mean " + (close[0] if len(close) == 1 else ", ".join(close[:-1]) + " or " + close[-1]) + "?"


def unexpected_keyword(public: str, word: str, names: Iterable[str]) -> TypeError:
    """Python's error for an unknown keyword, naming the public callable and what it takes."""
    names = tuple(names)
    hint = did_you_mean(word, names)
    if not hint:
        hint = f"it takes {', '.join(names)}" if names else "it takes no keyword arguments"
    return TypeError(f"{public}() got an unexpected keyword argument {word!r}; {hint}")


def checked_keywords(fn: F, public: Callable[[type], str] | None = None) -> F:
    """``fn``, checking the keyword names of each call against its signature before calling it.

    An unknown keyword raises :func:`unexpected_keyword`'s TypeError, naming the public
    callable: ``fn.__name__`` for a function; for an ``__init__``, the class of the instance
    being built (``public(cls)`` when given, e.g. a schedule's ``kind``, else its name). Every
    other call runs ``fn`` unchanged, and errors raised inside it pass through as they are. A
    signature with ``**kwargs`` takes any keyword: ``fn`` is returned as it is. Used as a
    decorator on functions, and by the base classes' ``__init_subclass__`` on each subclass's
    ``__init__``.
    """
    if getattr(fn, "_checks_keywords", False):
        return fn
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # no signature to read (a builtin): Python's own check stands
        return fn
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return fn
    names = tuple(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
    valid = frozenset(names) | {p.name for p in params if p.kind is p.POSITIONAL_ONLY}
    method = fn.__name__ == "__init__"
    shown = names[1:] if method else names  # not self

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if kwargs and not valid.issuperset(kwargs):
            word = next(k for k in kwargs if k not in valid)
            if method:
                cls = type(args[0]) if args else type(None)
                name = public(cls) if public is not None else cls.__name__
            else:
                name = fn.__name__
            raise unexpected_keyword(name, word, shown)
        return fn(*args, **kwargs)

    checked._checks_keywords = True  # type: ignore[attr-defined]
    return checked  # type: ignore[return-value]


def check_init_keywords(cls: type, public: Callable[[type], str] | None = None) -> None:
    """Make ``cls``'s own ``__init__`` (if it defines one) check its keywords
    (:func:`checked_keywords`); a base class calls this from ``__init_subclass__``."""
    init = cls.__dict__.get("__init__")
    if init is not None:
        cls.__init__ = checked_keywords(init, public)  # type: ignore[misc]
