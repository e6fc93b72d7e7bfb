"""Composition: warmup, sequence (``>>``), join, product, sum, min/max and scale. Every
composite is a schedule again. The transforms of time and value (repeat, stretch, clamp,
shift) are in :mod:`glideslope.transforms`.

Time in a sequence restarts at each phase: in ``a >> b``, ``b`` sees step 0 when ``a`` ends.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Any, ClassVar

from . import _validate as v
from ._validate import short
from .schedule import SCALAR, Phase, Schedule
from .shapes import COOLDOWN_SHAPES, Constant, Cooldown
from .timing import MAX_STEPS, Duration, check_duration, resolve_duration


def as_schedule(name: str, value: object) -> Schedule:
    """A schedule argument: a Schedule, or a number meaning ``constant(number)``."""
    if isinstance(value, Schedule):
        return value
    value = v.plain(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Constant(v.real(name, value))
    raise TypeError(f"{name} must be a schedule or a number, got {type(value).__name__}: {short(value)}")


def _schedules(name: str, values: object, *, min_len: int = 1) -> tuple[Schedule, ...]:
    if isinstance(values, Schedule) or not isinstance(values, (list, tuple)):
        raise TypeError(f"{name} must be a list of schedules, got {type(values).__name__}: {short(values)}")
    out = tuple(as_schedule(f"{name}[{i}]", s) for i, s in enumerate(values))
    if len(out) < min_len:
        raise ValueError(f"{name} must hold at least {v.count(min_len, 'schedule')}, got {len(out)}")
    return out


#: Beyond this many parts, a sequence, sum or product shows as one call, ``sequence(a, b,
#: ...)``: Python's compiler recurses once per operator of a long ``a >> b >> ...`` chain.
_LONG = 100


def _paren(s: Schedule) -> str:
    return f"({s!r})" if isinstance(s, (Sequence, Product, Scale)) else repr(s)


def _fits(what: str, magnitude: float | None, owner: Schedule) -> float | None:
    """Refuse a composite whose values could overflow a float; return its magnitude."""
    if magnitude is not None and not magnitude < math.inf:
        raise ValueError(
            f"{owner.kind}(...): {what} can overflow a float (the parts' values reach "
            f"{'beyond 1.8e308' if magnitude == math.inf else short(magnitude)}); scale the parts down"
        )
    return magnitude


def _mags(schedules: tuple[Schedule, ...]) -> list[float] | None:
    """The parts' magnitudes, or None when one holds a user function."""
    out = [s.magnitude for s in schedules]
    return None if None in out else out  # type: ignore[return-value]


WARMUP_SHAPES = ("linear", "cosine", "exponential")


class Warmup(Schedule):
    """Warmup: rises from ``start`` to ``end`` over ``steps``.

    In ``warmup(...) >> s`` with ``end=None`` the warmup ends exactly at ``s(0)``, the first
    value of the next phase; alone, ``end=None`` means 1. With ``p = min(t, steps) / steps``:

    * ``"linear"``: ``start + (end - start) * p``;
    * ``"cosine"``: ``end + (start - end) * (1 + cos(pi * p)) / 2``;
    * ``"exponential"``: ``start * (end / start) ** p`` (``start`` and ``end`` > 0).

    Args:
        steps: length of the warmup.
        start: value at step 0.
        shape: ``"linear"``, ``"cosine"`` or ``"exponential"``.
        end: value reached at ``steps``; None to reach the next phase's first value.
    """

    steps: Duration
    start: float
    shape: str
    end: float | None
    _n: float  # None while unbound
    _end: float

    kind = "warmup"
    _durations = {"steps": "rest"}

    def __init__(
        self, steps: Duration = None, start: float = 0.0, shape: str = "linear", end: float | None = None
    ) -> None:
        self._set(
            steps=check_duration("steps", steps),
            start=v.real("start", start),
            shape=v.choice("shape", shape, WARMUP_SHAPES),
            end=None if end is None else v.real("end", end),
        )
        if self.shape == "exponential" and not self.start > 0:
            raise ValueError(
                f"shape='exponential' needs start > 0 (an exponential cannot leave 0), "
                f"got start={start!r}; try start=1e-3 * peak"
            )
        self._set(_n=self._fsteps("steps"))
        self._set_target(1.0 if self.end is None else self.end)

    def _set_target(self, end: float) -> None:
        if self.shape == "exponential" and not end > 0:
            raise ValueError(f"an exponential warmup must end above 0, but it would end at {end!r}")
        if not math.isfinite(end - self.start) or (self.shape == "exponential" and not end / self.start < math.inf):
            raise ValueError(f"warmup from start={self.start!r} to {end!r} overflows a float")
        self.__dict__["_end"] = end

    def _magnitude(self) -> float:
        return max(abs(self.start), abs(self._end))

    def _reaching(self, target: float) -> Warmup:
        """This warmup, ending at ``target`` when its own ``end`` is None."""
        if self.end is not None:
            return self
        w = Warmup.__new__(Warmup)  # a copy, whose _end differs
        w.__dict__.update(self.__dict__)
        w.__dict__.pop("_mag", None)
        w._set_target(target)
        return w

    def _eval(self, t: Any, xp: Any) -> Any:
        n = self._n
        p = xp.minimum(t, n) / n
        if self.shape == "linear":
            return self.start + (self._end - self.start) * p
        if self.shape == "cosine":
            return self._end + (self.start - self._end) * (0.5 + 0.5 * xp.cos(math.pi * p))
        return self.start * (self._end / self.start) ** p


class Sequence(Schedule):
    """Phases one after another; each phase's time restarts at 0 (``a >> b >> c``).

    Without ``boundaries``, each phase runs for its own length (the last one for ever); at
    most one phase may have an open length (``steps=None``), which takes what the others
    leave of the run when bound. With ``boundaries`` (see :func:`join`) phase ``i + 1`` starts
    at ``boundaries[i]`` whatever the phases' own lengths.

    Value: ``phases[i](t - start_i)`` for ``start_i <= t < start_{i+1}``.
    """

    phases_: tuple[Schedule, ...]
    boundaries: tuple[Duration, ...] | None
    _run: tuple[Schedule, ...]
    _starts: tuple[int, ...]  # None while unbound
    _startsl: list[int]  # None while unbound
    _offsets: list[int]  # [0, *starts]; None while unbound
    _evals: list[Any]  # each phase's bound _eval, for the scalar path

    kind = "sequence"

    def __init__(self, phases: Any = (), boundaries: Any = None) -> None:
        flat: list[Schedule] = []
        for s in _schedules("phases", phases):
            if isinstance(s, Sequence) and s.boundaries is None and boundaries is None:
                flat.extend(s.phases_)
            else:
                flat.append(s)
        if boundaries is not None:
            if isinstance(boundaries, (str, bytes)) or not isinstance(boundaries, (list, tuple)):
                raise TypeError(f"boundaries must be a list of steps, got {short(boundaries)}")
            bounds = tuple(check_duration(f"boundaries[{i}]", b, open_ok=False) for i, b in enumerate(boundaries))
            if len(bounds) != len(flat) - 1:
                raise ValueError(
                    f"boundaries must have one entry fewer than the schedules: got "
                    f"{v.count(len(bounds), 'boundary', 'boundaries')} for {len(flat)} schedules"
                )
            ints = [b for b in bounds if isinstance(b, int)]
            if len(ints) == len(bounds):
                v.increasing("boundaries", bounds, minimum=1, integers=True, min_len=0)
        else:
            bounds = None
            for i, ph in enumerate(flat[:-1]):
                if ph.length == math.inf:
                    raise ValueError(
                        f"phase {i} ({short(ph)}) never ends, so the phases after it would never run; "
                        f"give it a length or use join(..., boundaries=[...])"
                    )
        # phases_ is the constructor argument; _run holds what is evaluated (warmups that
        # end where the next phase starts).
        run = list(flat)
        for i in range(len(run) - 1):
            w = run[i]
            if isinstance(w, Warmup) and run[i + 1].is_bound:
                run[i] = w._reaching(_first_value(run[i + 1]))
        self.__dict__.update(phases_=tuple(flat), boundaries=bounds)
        self._set(_run=tuple(run))
        self._set_starts(self._compute_starts(run), [p._eval for p in run])

    def _set_starts(self, starts: tuple[int, ...] | None, evals: list[Any]) -> None:
        if starts and starts[-1] > MAX_STEPS:
            raise ValueError(f"the phases before the last one take {short(starts[-1])} steps in all; at most 2**53")
        self.__dict__.update(
            _starts=starts,
            _startsl=None if starts is None else list(starts),
            _offsets=None if starts is None else [0, *starts],
            _evals=evals,
            _last_run=self._run[-1],
            _last_start=None if starts is None else starts[-1] if starts else 0,
        )

    # ``s >> phase`` does constant work: the new sequence holds ``s`` and the phase (and what
    # it needs to check the next ``>>``); its phases are gathered in one pass, without
    # recursion, the first time anything reads them. A loop ``s = s >> phase`` stays linear.
    _GATHERED = frozenset({"phases_", "_run", "_starts", "_startsl", "_offsets", "_evals"})

    def __rshift__(self, other: object) -> Schedule:
        if not isinstance(other, Schedule) or isinstance(other, Sequence) or self.boundaries is not None:
            return super().__rshift__(other)
        last, last_start = self._last_run, self._last_start
        n = last.length
        if n == math.inf:
            raise ValueError(
                f"the last phase ({short(last)}) never ends, so the phases after it would never run; "
                f"give it a length or use join(..., boundaries=[...])"
            )
        if isinstance(last, Warmup) and other.is_bound:
            last = last._reaching(_first_value(other))
        start = None if last_start is None or n is None else last_start + int(n)
        if start is not None and start > MAX_STEPS:
            raise ValueError(f"the phases before the last one take {short(start)} steps in all; at most 2**53")
        new = Sequence.__new__(Sequence)
        new.__dict__.update(_prefix=self, _prev_run=last, _last_run=other, _last_start=start, boundaries=None)
        new._set_depth(max(self._depth, other._depth + 1))
        return new

    def __getattr__(self, name: str) -> Any:
        # only called for attributes not in __dict__: the phases of a sequence built by ``>>``
        if name in Sequence._GATHERED and "_prefix" in self.__dict__:
            self._gather()
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __getstate__(self) -> dict[str, Any]:
        if "_prefix" in self.__dict__:  # pickle the phases, not the chain of ``>>``
            self._gather()
        return self.__dict__

    def _gather(self) -> None:
        """Collect the phases of a chain of ``>>`` (back to a sequence that has them)."""
        nodes = []
        node = self
        while "phases_" not in node.__dict__:
            nodes.append(node)
            node = node.__dict__["_prefix"]
        nodes.reverse()
        base = node
        tails = tuple(n.__dict__["_last_run"] for n in nodes)
        run = (*base._run[:-1], *(n.__dict__["_prev_run"] for n in nodes), tails[-1])
        starts = None
        if base._starts is not None and all(n.__dict__["_last_start"] is not None for n in nodes):
            starts = (*base._starts, *(n.__dict__["_last_start"] for n in nodes))
        self.__dict__.update(phases_=(*base.phases_, *tails), _run=run)
        self._set_starts(starts, [p._eval for p in run])
        del self.__dict__["_prefix"], self.__dict__["_prev_run"]

    # the constructor argument is named ``phases``; ``phases()`` is the analysis method
    _fields = ("phases", "boundaries")

    def params(self) -> dict[str, Any]:
        return {"phases": self.phases_, "boundaries": self.boundaries}

    def _config(self) -> dict[str, Any]:
        return {
            "type": "sequence",
            "phases": [p.to_config() for p in self.phases_],
            "boundaries": None if self.boundaries is None else list(self.boundaries),
        }

    def _compute_starts(self, run: list[Schedule]) -> tuple[int, ...] | None:
        if self.boundaries is not None:
            if all(isinstance(b, int) for b in self.boundaries):
                return tuple(self.boundaries)  # type: ignore[arg-type]
            return None
        starts, at = [], 0
        for s in run[:-1]:
            n = s.length
            if n is None:
                return None
            at += int(n)
            starts.append(at)
        return tuple(starts)

    def children(self) -> tuple[Schedule, ...]:
        return self.phases_

    def _own_unresolved(self) -> list[str]:
        if self.boundaries is not None:
            return [f"join(boundaries) holds {b!r}, which needs binding" for b in self.boundaries if isinstance(b, str)]
        if self._starts is None and all(p.is_bound for p in self.phases_):
            return ["a phase before the last has steps=None (the rest of the run) and needs total_steps"]
        return []

    def _bind(self, total_steps: int | None, steps_per_epoch: int | None, fill: int | None) -> Schedule:
        budget = fill
        bound = [p._bind(total_steps, steps_per_epoch, None) for p in self.phases_]
        bounds = self.boundaries
        if bounds is not None:
            bounds = tuple(
                resolve_duration(f"boundaries[{i}]", b, total_steps, steps_per_epoch)
                for i, b in enumerate(bounds)
            )
        elif budget is not None:
            open_i = [i for i, p in enumerate(bound) if p.length is None]
            if len(open_i) > 1:
                raise ValueError(
                    f"at most one phase may run for the rest of the run (steps=None); "
                    f"phases {open_i} all do: {short([self.phases_[i] for i in open_i], 200)}"
                )
            if open_i:
                (i,) = open_i
                used = sum(int(p.length) for j, p in enumerate(bound) if j != i and p.length is not None)
                rest = budget - used
                if rest < 1:
                    raise ValueError(
                        f"the other phases already take {used} of {budget} steps, leaving "
                        f"{rest} for phase {i} ({short(self.phases_[i])})"
                    )
                bound[i] = self.phases_[i]._bind(total_steps, steps_per_epoch, rest)
        return Sequence(bound, bounds)

    def _length(self) -> float | None:
        if self._starts is None:
            return None
        last = self._run[-1].length
        return None if last is None else self._starts[-1] + last if self._starts else last

    def _magnitude(self) -> float | None:
        mags = _mags(self._run)
        return None if mags is None else max(mags)

    def _phases(self) -> list[Phase]:
        self._check_bound()
        edges = (0, *self._starts)
        out = []
        for i, ph in enumerate(self._run):
            n = ph.length
            stop = edges[i + 1] if i + 1 < len(edges) else edges[i] + (n if n is not None else math.inf)
            out.append(Phase(edges[i], stop, ph))
        return out

    def boundary_values(self) -> list[tuple[int, float, float]]:
        """``(step, value of the ending phase there, value of the starting phase)`` per join."""
        self._check_bound()
        edges = (0, *self._starts)
        return [
            (b, float(self._run[i](b - edges[i])), float(self._run[i + 1](0)))
            for i, b in enumerate(self._starts)
        ]

    def _eval(self, t: Any, xp: Any) -> Any:
        if xp is SCALAR:
            i = bisect_right(self._startsl, t)
            return self._evals[i](t - self._offsets[i], xp)
        out = self._run[0]._eval(t, xp)
        for start, s in zip(self._starts, self._run[1:]):
            b = float(start)  # JAX without x64 takes no Python int above 2**31 as a constant
            out = xp.where(t >= b, s._eval(xp.maximum(t - b, 0.0), xp), out)
        return out

    def _repr(self) -> str:
        if self.boundaries is None:
            if len(self.phases_) == 1 or len(self.phases_) > _LONG:  # Python cannot compile a
                return f"sequence({', '.join(repr(p) for p in self.phases_)})"  # long >> chain
            return " >> ".join(_paren(p) for p in self.phases_)
        return f"join([{', '.join(repr(p) for p in self.phases_)}], boundaries={list(self.boundaries)!r})"


def _first_value(s: Schedule) -> float:
    return float(s(0))


@v.checked_keywords
def sequence(*phases: Schedule | float) -> Sequence:
    """``sequence(a, b, c)`` is ``a >> b >> c``: phases one after another."""
    return Sequence(list(phases))


@v.checked_keywords
def join(schedules: Any, boundaries: Any) -> Sequence:
    """Switch schedules at explicit steps: ``schedules[i + 1]`` starts at ``boundaries[i]``,
    seeing its own time restart at 0 (optax's ``join_schedules``).

    Args:
        schedules: the schedules, in order.
        boundaries: strictly increasing steps, one fewer than the schedules.
    """
    return Sequence(list(schedules), list(boundaries))


class Scale(Schedule):
    """A schedule times a number: ``factor * schedule(t)`` (write ``3e-4 * cosine(...)``).

    Args:
        schedule: the schedule.
        factor: the number.
    """

    schedule: Schedule
    factor: float

    kind = "scale"

    def __init__(self, schedule: Schedule | None = None, factor: float = 1.0) -> None:
        self._set(schedule=as_schedule("schedule", schedule), factor=v.real("factor", factor))
        m = self.schedule.magnitude
        _fits("factor * schedule", None if m is None else abs(self.factor) * m, self)

    def children(self) -> tuple[Schedule, ...]:
        return (self.schedule,)

    def _length(self) -> float | None:
        return self.schedule.length

    def _magnitude(self) -> float | None:
        m = self.schedule.magnitude
        return None if m is None else abs(self.factor) * m

    def _eval(self, t: Any, xp: Any) -> Any:
        return self.factor * self.schedule._eval(t, xp)

    def _phases(self) -> list[Phase]:
        return [Phase(p.start, p.stop, Scale(p.schedule, self.factor)) for p in self.schedule.phases()]

    def _repr(self) -> str:
        return f"{self.factor!r} * {_paren(self.schedule)}"


class _Pointwise(Schedule):
    """Base of the composites that combine several schedules at the same step.

    A sum or product whose first part is itself a sum (product) takes that one's parts: ``a +
    b + c`` is one level, ``((a + b) + c)`` evaluated left to right as before, however long.
    """

    schedules: tuple[Schedule, ...]
    _flattens: ClassVar[bool] = False

    def __init__(self, *schedules: Schedule | float) -> None:
        given = _schedules("schedules", list(schedules), min_len=2)
        first = given[0]
        if self._flattens and type(first) is type(self):
            parts = first.schedules + given[1:]
            depth = max(first._depth, *(s._depth + 1 for s in given[1:]))
            mags = _mags((first, *given[1:]))
        else:
            parts = given
            depth = 1 + max(s._depth for s in given)
            mags = _mags(given)
        self.__dict__["schedules"] = parts
        self._set_depth(depth)
        self.__dict__["_mag"] = _fits("the combined values", None if mags is None else self._combine(mags), self)

    _fields = ("schedules",)

    @staticmethod
    def _combine(mags: list[float]) -> float:
        """A bound on ``|value|`` from the parts' bounds."""
        return max(mags)

    def replace(self, **changes: Any) -> Schedule:
        return type(self)(*changes.get("schedules", self.schedules))

    def children(self) -> tuple[Schedule, ...]:
        return self.schedules

    def _length(self) -> float | None:
        lengths = [s.length for s in self.schedules]
        return None if None in lengths else max(lengths)  # type: ignore[type-var]

    def _repr(self) -> str:
        return f"{self.kind}({', '.join(repr(s) for s in self.schedules)})"


class Product(_Pointwise):
    """Pointwise product ``a(t) * b(t) * ...`` (write ``a * b``)."""

    kind = "product"
    _flattens = True

    @staticmethod
    def _combine(mags: list[float]) -> float:
        return math.prod(mags)

    def _eval(self, t: Any, xp: Any) -> Any:
        out = self.schedules[0]._eval(t, xp)
        for s in self.schedules[1:]:
            out = out * s._eval(t, xp)
        return out

    def _repr(self) -> str:
        if len(self.schedules) > _LONG:
            return super()._repr()
        return " * ".join(_paren(s) for s in self.schedules)


class Sum(_Pointwise):
    """Pointwise sum ``a(t) + b(t) + ...`` (write ``a + b``, or ``a + 0.1`` for an offset)."""

    kind = "add"
    _flattens = True

    @staticmethod
    def _combine(mags: list[float]) -> float:
        return sum(mags)  # inf when it overflows

    def _eval(self, t: Any, xp: Any) -> Any:
        out = self.schedules[0]._eval(t, xp)
        for s in self.schedules[1:]:
            out = out + s._eval(t, xp)
        return out

    def _repr(self) -> str:
        if len(self.schedules) > _LONG:
            return super()._repr()
        return "(" + " + ".join(_paren(s) for s in self.schedules) + ")"


class Minimum(_Pointwise):
    """Pointwise minimum ``min(a(t), b(t), ...)``."""

    kind = "minimum"

    def _eval(self, t: Any, xp: Any) -> Any:
        out = self.schedules[0]._eval(t, xp)
        for s in self.schedules[1:]:
            out = xp.minimum(out, s._eval(t, xp))
        return out


class Maximum(_Pointwise):
    """Pointwise maximum ``max(a(t), b(t), ...)``."""

    kind = "maximum"

    def _eval(self, t: Any, xp: Any) -> Any:
        out = self.schedules[0]._eval(t, xp)
        for s in self.schedules[1:]:
            out = xp.maximum(out, s._eval(t, xp))
        return out


@v.checked_keywords
def warmup_stable_decay(
    peak: float = 1.0,
    steps: int | None = None,
    warmup: Duration = "5%",
    cooldown: Duration = "20%",
    start: float = 0.0,
    end: float = 0.0,
    shape: str = "1-sqrt",
    warmup_shape: str = "linear",
) -> Schedule:
    """Warmup-stable-decay (WSD, "trapezoidal"): warm up to ``peak``, hold it, cool down.

    ``warmup(warmup, start) >> constant(peak) >> cooldown(peak, end, cooldown, shape)``; the
    stable phase takes whatever the other two leave of ``steps`` (or of the run's
    ``total_steps`` when bound later).

    Args:
        peak: the stable value.
        steps: total length, or None to fit the run when bound.
        warmup: warmup duration (0 for none).
        cooldown: cooldown duration.
        start: first value of the warmup.
        end: last value of the cooldown.
        shape: cooldown shape (see :class:`~glideslope.shapes.Cooldown`).
        warmup_shape: warmup shape (see :class:`Warmup`).
    """
    v.choice("shape", shape, COOLDOWN_SHAPES)
    check_duration("warmup", warmup, minimum=0, open_ok=False)
    phases: list[Schedule] = []
    if warmup != 0:
        phases.append(Warmup(warmup, start=start, shape=warmup_shape))
    phases += [Constant(peak), Cooldown(peak, end, check_duration("cooldown", cooldown, open_ok=False), shape=shape)]
    seq = Sequence(phases)
    if steps is not None:
        return seq.bind(total_steps=v.integer("steps", steps, minimum=2))
    return seq


warmup = Warmup
scale = Scale
product = Product
add = Sum
minimum = Minimum
maximum = Maximum
wsd = warmup_stable_decay
