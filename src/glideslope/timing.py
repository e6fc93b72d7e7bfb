"""Durations with units, and their resolution when a schedule is bound to a run.

A duration is one of

* ``int`` -- a number of steps (``500``);
* ``"N%"`` -- a fraction of the run (``"10%"``, ``"2.5%"``), resolved as
  ``round(total_steps * N / 100)``;
* ``"Nep"`` -- epochs (``"2ep"``, ``"0.5ep"``), resolved as ``round(N * steps_per_epoch)``;
* ``None`` -- open: "the rest of the run", filled in by :meth:`Schedule.bind`.

Fractions and epochs let one schedule re-fit any run length: write it once, bind it to the
run with ``schedule.bind(total_steps=..., steps_per_epoch=...)``.
"""

from __future__ import annotations

import math

from ._validate import count, plain, short, strictly_increasing

Duration = int | str | None

#: The most steps a duration may have: every count of steps up to it is exact in a float.
MAX_STEPS = 2**53



def _amount(text: str, units: tuple[str, ...]) -> str | None:
    """The number in ``"<number><unit>"`` (spaces allowed around both; the number plain
    decimal like ``10``, ``2.5``, ``.5``), or None when ``text`` is not written so."""
    text = text.strip()
    for unit in units:
        if text.endswith(unit):
            number = text[: -len(unit)].strip()
            digits = number.replace(".", "", 1)
            if digits and all(c in "0123456789" for c in digits) and not number.endswith(".."):
                return number
            return None
    return None

_ALLOWED = "an int number of steps, a fraction of the run like '10%', or epochs like '2ep'"


class UnboundScheduleError(ValueError):
    """A schedule was evaluated before the run length / epoch size it needs was bound."""


def check_duration(name: str, value: object, *, minimum: int = 1, open_ok: bool = True) -> Duration:
    """Validate a duration argument at construction; return it in canonical form.

    Raises TypeError for the wrong kind of value and ValueError for an out-of-range one,
    naming ``name``, the value and what is allowed.
    """
    if value is None:
        if open_ok:
            return None
        raise TypeError(f"{name} is required: give {_ALLOWED}")
    value = plain(value)
    if isinstance(value, bool):
        raise TypeError(f"{name} must be {_ALLOWED}, got {value!r}")
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        value = int(value)
    if isinstance(value, int):
        if value < minimum:
            raise ValueError(f"{name} must be at least {count(minimum, 'step')}, got {short(value)}")
        if value > MAX_STEPS:
            raise ValueError(f"{name} must be <= 2**53 steps (exact as a float), got {short(value)}")
        return value
    if isinstance(value, str):
        number = _amount(value, ("%",))
        if number is not None:
            pct = float(number)
            if not 0 < pct <= 100 or (minimum == 0 and pct == 0):
                raise ValueError(f"{name} must be a percentage in (0%, 100%], got {short(value)}")
            return f"{number}%"
        number = _amount(value, ("epochs", "epoch", "ep"))
        if number is not None:
            if float(number) <= 0:
                raise ValueError(f"{name} must be a positive number of epochs, got {short(value)}")
            if float(number) > MAX_STEPS:
                raise ValueError(f"{name} must be at most 2**53 epochs, got {short(value)}")
            return f"{number}ep"
        raise ValueError(f"{name} must be {_ALLOWED}, got {short(value)}")
    raise TypeError(f"{name} must be {_ALLOWED}, got {type(value).__name__}: {short(value)}")


def check_steps(name: str, values: object, *, minimum: int = 1, min_len: int = 1) -> tuple[int | str, ...]:
    """A list of steps where each entry may be a duration (``[300, "75%", "9ep"]``).

    Entries in steps must be strictly increasing; entries with units are checked once
    :meth:`Schedule.bind` has turned them into steps.
    """
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(
            f"{name} must be a list of steps (ints, '50%' or '2ep'), got {type(values).__name__}: {short(values)}"
        )
    out = tuple(check_duration(f"{name}[{i}]", x, minimum=minimum, open_ok=False) for i, x in enumerate(values))
    if len(out) < min_len:
        raise ValueError(f"{name} must have at least {count(min_len, 'value')}, got {short(list(out))}")
    if all(isinstance(x, int) for x in out):
        strictly_increasing(name, out)
    return out  # type: ignore[return-value]


def resolve_duration(
    name: str,
    value: Duration,
    total_steps: int | None,
    steps_per_epoch: int | None,
    *,
    minimum: int = 1,
    owner: str = "",
) -> Duration:
    """Turn a fraction or epoch duration into steps when the run's sizes are known.

    Returns the value unchanged when what it needs is not given (it stays unbound).
    """
    if value is None or isinstance(value, int):
        return value
    if value.endswith("%"):
        if total_steps is None:
            return value
        steps = round_half_up(total_steps * float(value[:-1]) / 100.0)
        unit = f"total_steps={total_steps}"
    else:
        if steps_per_epoch is None:
            return value
        steps = round_half_up(float(value[:-2]) * steps_per_epoch)
        unit = f"steps_per_epoch={steps_per_epoch}"
    if steps < minimum:
        what = f"{owner}({name}={value!r})" if owner else f"{name}={value!r}"
        raise ValueError(f"{what} resolves to {count(steps, 'step')} with {unit}; it must be >= {minimum}")
    if steps > MAX_STEPS:
        what = f"{owner}({name}={value!r})" if owner else f"{name}={value!r}"
        raise ValueError(f"{what} resolves to {short(steps)} steps with {unit}; it must be <= 2**53")
    return steps


def round_half_up(x: float) -> int:
    """Round to the nearest int, halves up (not banker's rounding)."""
    return math.floor(x + 0.5)


def check_run_sizes(total_steps: object, steps_per_epoch: object) -> tuple[int | None, int | None]:
    """Validate the arguments of :meth:`Schedule.bind`; return them as Python ints (or None)."""
    out: list[int | None] = []
    for name, v in (("total_steps", total_steps), ("steps_per_epoch", steps_per_epoch)):
        v = plain(v)
        if v is None:
            out.append(None)
            continue
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"{name} must be a positive int or None, got {short(v)}")
        if v < 1:
            raise ValueError(f"{name} must be >= 1, got {short(v)}")
        if v > MAX_STEPS:
            raise ValueError(f"{name} must be <= 2**53, got {short(v)}")
        out.append(v)
    return out[0], out[1]
