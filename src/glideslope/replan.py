"""Plan changes: extend, shorten, cool down now, splice. Each returns a new schedule that is
the old one up to the change step ``at`` and continues from the value the run has reached.

A plan change is a schedule again (it evaluates, binds, serializes, plots and can be changed
once more). With ``old`` the plan, ``t`` the step and ``a = at``:

* ``extend(old, steps, at)`` / ``shorten(old, steps, at)``: ``old(m(t))``, where the time map
  ``m`` is ``t`` before ``a`` and re-plans the rest so that the plan ends at ``steps``:

  - a flat phase that is not the last one (WSD's stable phase) and ends after ``a`` takes the
    whole change: it lasts ``steps - length`` steps longer (or shorter), and what follows it
    (WSD's cooldown) is kept as it was, shifted in time;
  - otherwise the rest of the plan is stretched (or squeezed) in time from
    ``c = max(a, end of a warmup running at a)``: ``m(t) = c + (t - c) * (L - c) / (steps - c)``
    for ``t`` up to ``steps``, with ``L`` the old length. A cosine or linear decay so goes on
    from the value reached to the same end value, over the new remainder.

  ``m(t) >= a`` for ``t >= a`` (see :meth:`Resize.source_step`): after the change the plan
  takes only values it would have taken after ``a``, so no warmup comes again.
* ``cooldown_now(old, at, steps, shape, end)``: ``old(t)`` before ``a``, then a
  :class:`~glideslope.shapes.Cooldown` of ``steps`` steps from ``old(a)`` to ``end`` (the
  plan's own final value by default).
* ``splice(old, then, at, continuous)``: ``old(t)`` before ``a``, then ``then(t - a)`` times
  ``old(a) / then(0)`` (``match="offset"``: plus ``old(a) - then(0)``), so that it starts at
  the value reached; with ``continuous=False`` exactly ``then(t - a)``, a jump at ``a``.

Every change needs a bound plan (its durations resolved: ``plan.bind(total_steps=...)``) and
a change step ``0 <= at <= length``; its arguments are checked where it is called.
"""

from __future__ import annotations

import math
from typing import Any

from . import _validate as v
from ._validate import short
from .compose import Scale, Sum, Warmup
from .schedule import SCALAR, Phase, Schedule, _encode
from .shapes import COOLDOWN_SHAPES, Constant, Cooldown
from .timing import MAX_STEPS
from .transforms import Clamp, Shift, Stretch

__all__ = [
    "CHANGES", "CooldownNow", "Extend", "Resize", "Shorten", "Splice", "change_record", "cooldown_now", "extend",
    "replay", "shorten", "splice",
]


def _plan(owner: str, schedule: object) -> Schedule:
    """The plan being changed: a bound schedule."""
    if not isinstance(schedule, Schedule):
        raise TypeError(
            f"{owner}(): schedule must be a glideslope Schedule, got {type(schedule).__name__}: {short(schedule)}"
        )
    if not schedule.is_bound:
        raise ValueError(
            f"{owner}(): schedule={short(schedule)} has an open length ({'; '.join(schedule.unresolved())}), so "
            f"the step it would change is not known; bind it to the run first: schedule.bind(total_steps=...)"
        )
    return schedule


def _at(owner: str, schedule: Schedule, at: object) -> int:
    """The change step: an int in ``[0, length]``."""
    step = v.integer(f"{owner}(): at", at, minimum=0, maximum=MAX_STEPS)
    n = schedule.length
    if n is not None and math.isfinite(n) and step > n:
        raise ValueError(
            f"{owner}(): at={step} is past the end of the plan ({int(n)} steps); a change comes at a step "
            f"from 0 to {int(n)}. To go on after the end, splice a new phase on at={int(n)}"
        )
    return step


def _finite_length(owner: str, schedule: Schedule) -> int:
    n = schedule.length
    if n is None:
        raise ValueError(
            f"{owner}(): the plan {short(schedule)} has no end to move: a part of it runs on with no set length "
            f"(such as constant() or a phase bound to no run); give that part steps=..., bind the plan with "
            f"total_steps=..., or end it with cooldown_now(..., end=...)"
        )
    if not math.isfinite(n):
        raise ValueError(
            f"{owner}(): the plan {short(schedule)} never ends, so it has no end to move; "
            f"end it with cooldown_now(...) or go on with splice(...)"
        )
    return int(n)


def _core(s: Schedule) -> Schedule:
    """A phase's schedule without the constant factors and clamps around it."""
    while isinstance(s, (Scale, Clamp)):
        s = s.schedule
    return s


def _clipped(phases: list[Phase], at: int) -> list[Phase]:
    """The phases that run before ``at``, the last one cut at ``at``."""
    return [Phase(p.start, min(p.stop, at), p.schedule) for p in phases if p.start < at]


class _Change(Schedule):
    """Base of the plan changes: the plan ``schedule`` before step ``at``, then what comes next."""

    schedule: Schedule
    at: int

    def children(self) -> tuple[Schedule, ...]:
        return (self.schedule,)

    def _own_unresolved(self) -> list[str]:
        return []

    def _repr(self) -> str:
        args = [repr(self.schedule)]
        for f in self._fields[1:]:
            value = self.__dict__[f]
            if f in self._defaults and value == self._defaults[f] and type(value) is type(self._defaults[f]):
                continue
            args.append(f"{f}={value!r}")
        return f"{self.kind}({', '.join(args)})"

    def _value_at_change(self) -> float:
        return float(self.schedule(self.at))


# -- extend and shorten ---------------------------------------------------------------------


class Resize(_Change):
    """Base of :class:`Extend` and :class:`Shorten`: the plan re-planned from ``at`` to end at
    step ``steps`` (see the module docs for the time map)."""

    steps: int
    _mode: str  # "hold": a flat phase takes the change; "stretch": the rest is stretched
    _old: int  # the plan's length
    _c: float  # stretch: where the stretch starts; hold: a step of the flat phase at or after at
    _b: float  # hold: where the flat phase ended
    _delta: int  # steps - old length
    _k: int  # hold: the index of the flat phase among the plan's phases
    _r: float  # stretch: (old - c) / (steps - c)

    _longer: bool = True

    def __init__(self, schedule: Schedule, steps: int, at: int) -> None:
        kind = self.kind
        plan = _plan(kind, schedule)
        old = _finite_length(kind, plan)
        when = _at(kind, plan, at)
        new = v.integer(f"{kind}(): steps", steps, minimum=1, maximum=MAX_STEPS)
        if self._longer and new <= old:
            raise ValueError(
                f"extend(): steps must be > {old}, the plan's length, got {new}; to end sooner use shorten()"
            )
        if not self._longer and new >= old:
            raise ValueError(
                f"shorten(): steps must be < {old}, the plan's length, got {new}; to go on longer use extend()"
            )
        if new <= when:
            raise ValueError(
                f"{kind}(): steps must be > at={when}: the plan cannot end at or before the step it changes at, "
                f"got steps={new}; to end it now, use cooldown_now(schedule, at={when}, steps=...)"
            )
        self._set(schedule=plan, steps=new, at=when)
        self._set(_old=old, _delta=new - old, **self._plan_the_rest(plan, old, new, when))

    @staticmethod
    def _plan_the_rest(plan: Schedule, old: int, new: int, at: int) -> dict[str, Any]:
        phases = plan.phases()
        delta = new - old
        for i, p in enumerate(phases[:-1]):
            if p.stop <= at or not isinstance(_core(p.schedule), Constant):
                continue
            c = max(p.start, at)
            room = p.stop - c  # of the flat phase, from the change on
            if room > 0 and (delta > 0 or -delta < room or (-delta == room and c > at)):
                return {"_mode": "hold", "_k": i, "_c": float(c), "_b": float(p.stop), "_r": 1.0}
            break
        c = at
        for p in phases:
            if p.start <= at < p.stop and isinstance(_core(p.schedule), Warmup) and new > p.stop:
                c = int(p.stop)  # the warmup under way runs as planned
        return {"_mode": "stretch", "_k": -1, "_c": float(c), "_b": math.inf, "_r": (old - c) / (new - c)}

    def source_step(self, t: int | float) -> float:
        """The step of the old plan whose value this one takes at step ``t``: ``self(t) ==
        self.schedule(self.source_step(t))``; ``t`` itself before ``at``, at least ``at`` after."""
        return float(self._map(t, SCALAR))

    def _map(self, t: Any, xp: Any) -> Any:
        c, d = self._c, float(self._delta)
        if self._mode == "hold":
            if d >= 0:  # the flat phase [.., b) lasts d steps longer: hold a step inside it
                b = self._b
                return xp.where(t < b, t, xp.where(t < b + d, c, t - d))
            return xp.where(t < c, t, t - d)  # d < 0: skip -d steps of the flat phase
        n = float(self.steps)
        stretched = c + (xp.minimum(t, n) - c) * self._r
        return xp.where(t < c, t, xp.where(t >= n, float(self._old), stretched))

    def _eval(self, t: Any, xp: Any) -> Any:
        return self.schedule._eval(self._map(t, xp), xp)

    def _length(self) -> int:
        return self.steps

    def _magnitude(self) -> float | None:
        return self.schedule.magnitude

    def explain(self) -> str:
        """One sentence: how the rest of the plan was re-planned."""
        more = "longer" if self._delta > 0 else "shorter"
        if self._mode == "hold":
            return (f"from step {self.at}, the flat phase ending at step {int(self._b)} lasts {abs(self._delta)} steps "
                    f"{more}; what follows it is kept, so the plan ends at step {self.steps}")
        c = int(self._c)
        start = f"step {c}" if c == self.at else f"step {c}, where the warmup under way ends"
        return (f"from {start}, the rest of the plan ({self._old - c} steps) is stretched to {self.steps - c} steps, "
                f"ending at step {self.steps} on the same final value")

    def _phases(self) -> list[Phase]:
        old = self.schedule.phases()
        d = self._delta
        if self._mode == "hold":  # the flat phase k grows (or shrinks) by d; the phases after it move
            k = self._k
            out = old[:k]
            p = old[k]
            if p.stop + d > p.start:
                out.append(Phase(p.start, p.stop + d, p.schedule))
            out.extend(Phase(q.start + d, q.stop + d, q.schedule) for q in old[k + 1 :])
            return out
        c, r = int(self._c), self._r
        if r == 0:  # changed at the very end: the plan holds its final value longer
            return old
        f = 1.0 / r
        out = _clipped(old, c)
        for p in old:
            if p.stop <= c:
                continue
            skip = max(0, c - p.start)
            piece = p.schedule if skip == 0 else Shift(p.schedule, -skip)
            start = c + (max(p.start, c) - c) * f
            stop = p.stop if not math.isfinite(p.stop) else min(c + (p.stop - c) * f, float(self.steps))
            # the first whole step of the phase (its start may fall between steps)
            out.append(Phase(math.ceil(start - 1e-9), stop, Stretch(piece, factor=f)))
        return out


class Extend(Resize):
    """The plan, run longer: re-planned from step ``at`` to end at step ``steps`` (more than
    its length). A flat phase before the end (WSD's stable phase) grows; otherwise the rest
    of the plan stretches, from the value reached to the same final value (module docs).

    Args:
        schedule: the plan, bound (every duration in steps) and of finite length.
        steps: the new total length, more than the plan's.
        at: the change step, from 0 to the plan's length.
    """

    kind = "extend"
    _longer = True


class Shorten(Resize):
    """The plan, ended sooner: re-planned from step ``at`` to end at step ``steps`` (fewer
    than its length, more than ``at``). A flat phase before the end (WSD's stable phase)
    shrinks when it has the room; otherwise the rest of the plan is squeezed (module docs).

    Args:
        schedule: the plan, bound and of finite length.
        steps: the new total length: more than ``at``, less than the plan's length.
        at: the change step, from 0 to the plan's length.
    """

    kind = "shorten"
    _longer = False


# -- cool down now --------------------------------------------------------------------------


class CooldownNow(_Change):
    """Cool down from step ``at``: the plan before ``at``, then a cooldown of ``steps`` steps
    from the value reached, ``schedule(at)``, to ``end``; ``end`` held after.

    Value at ``t >= at``: ``cooldown(schedule(at), end, steps, shape)(t - at)`` (see
    :class:`~glideslope.shapes.Cooldown` for the shapes).

    Args:
        schedule: the plan, bound.
        at: the change step, from 0 to the plan's length.
        steps: the cooldown's length: at least 1, and no more than the plan has left after
            ``at`` (any length when the plan never ends).
        shape: ``"linear"``, ``"cosine"``, ``"1-sqrt"``, ``"square"`` or ``"exponential"``.
        end: the final value; None for the plan's own final value (needed when it never ends).
    """

    steps: int
    shape: str
    end: float | None
    _cool: Cooldown

    kind = "cooldown_now"

    def __init__(
        self, schedule: Schedule, at: int, steps: int, shape: str = "linear", end: float | None = None
    ) -> None:
        plan = _plan("cooldown_now", schedule)
        when = _at("cooldown_now", plan, at)
        k = v.integer("cooldown_now(): steps", steps, minimum=1, maximum=MAX_STEPS - when)
        n = plan.length
        last = int(n) if n is not None and math.isfinite(n) else None  # the plan's end, if it has one
        if last is not None and last == when:
            raise ValueError(
                f"cooldown_now(): at={when} is the end of the plan: nothing remains of it to cool down over; "
                f"to go on after it, splice a new phase on: splice(schedule, then=..., at={when})"
            )
        if last is not None and k > last - when:
            raise ValueError(
                f"cooldown_now(): steps={k} is longer than what remains of the plan after at={when} "
                f"({last - when} steps, to its end at {last}); give steps from 1 to {last - when}, or extend the "
                f"plan first: extend(schedule, steps=..., at={when})"
            )
        if end is None and last is None:
            raise ValueError(
                f"cooldown_now(): the plan {short(plan)} has no final value to cool down to (it never ends); "
                f"give end=..."
            )
        target = float(plan(last)) if last is not None and end is None else v.real("cooldown_now(): end", end)
        start = float(plan(when))
        if end is None and target == start:
            raise ValueError(
                f"cooldown_now(): the plan ends on {target!r}, the value it has at at={when}, so cooling down to its "
                f"final value would change nothing; give the value to cool down to: end=... (e.g. end=0.0)"
            )
        self._set(schedule=plan, at=when, steps=k, shape=v.choice("cooldown_now(): shape", shape, COOLDOWN_SHAPES),
                  end=None if end is None else target)
        try:
            cool = Cooldown(start, target, k, shape=self.shape)
        except ValueError as exc:
            raise ValueError(
                f"cooldown_now(): from the value reached at at={when}, {start!r}, to end={target!r}: {exc}"
            ) from None
        self._set(_cool=cool)

    def _eval(self, t: Any, xp: Any) -> Any:
        a = float(self.at)
        if xp is SCALAR:
            return self.schedule._eval(t, xp) if t < a else self._cool._eval(t - a, xp)
        return xp.where(t < a, self.schedule._eval(t, xp), self._cool._eval(xp.maximum(t - a, 0.0), xp))

    def _length(self) -> int:
        return self.at + self.steps

    def _magnitude(self) -> float | None:
        m = self.schedule.magnitude
        return None if m is None else max(m, self._cool.magnitude or 0.0)

    def explain(self) -> str:
        return (f"from step {self.at}, a {self.shape} cooldown of {self.steps} steps from {self._cool.start:.6g} to "
                f"{self._cool.end:.6g}, ending at step {self.at + self.steps}")

    def _phases(self) -> list[Phase]:
        return [*_clipped(self.schedule.phases(), self.at), Phase(self.at, self.at + self.steps, self._cool)]


# -- splice ---------------------------------------------------------------------------------

MATCHES = ("scale", "offset")


class Splice(_Change):
    """From step ``at``, follow ``then`` (its time restarting at 0 there).

    With ``continuous=True`` ``then`` is matched to the value reached, ``v = schedule(at)``:
    ``match="scale"`` gives ``then(t - at) * v / then(0)`` (``then`` must not start at 0
    unless ``v`` is 0 too), ``match="offset"`` gives ``then(t - at) + v - then(0)``. With
    ``continuous=False`` it is ``then(t - at)`` as given: the value jumps at ``at`` from ``v``
    to ``then(0)``, on purpose.

    Args:
        schedule: the plan, bound.
        then: what runs from ``at`` on, bound.
        at: the change step, from 0 to the plan's length.
        continuous: match ``then`` to the value reached (True) or take it as given (False).
        match: ``"scale"`` or ``"offset"``: how ``then`` is matched when ``continuous``.
    """

    then: Schedule
    continuous: bool
    match: str
    _next: Schedule

    kind = "splice"

    def __init__(
        self, schedule: Schedule, then: Schedule, at: int, continuous: bool = True, match: str = "scale"
    ) -> None:
        plan = _plan("splice", schedule)
        if not isinstance(then, Schedule):
            raise TypeError(f"splice(): then must be a glideslope Schedule, got {type(then).__name__}: {short(then)}")
        if not then.is_bound:
            raise ValueError(f"splice(): then={short(then)} needs binding first: {'; '.join(then.unresolved())}")
        when = _at("splice", plan, at)
        n = then.length
        if n is not None and math.isfinite(n) and when + n > MAX_STEPS:
            raise ValueError(f"splice(): at={when} plus the length of then ({int(n)}) is more than 2**53 steps")
        self._set(schedule=plan, then=then, at=when, continuous=v.flag("splice(): continuous", continuous),
                  match=v.choice("splice(): match", match, MATCHES))
        self._set(_next=self._matched())

    def _matched(self) -> Schedule:
        if not self.continuous:
            return self.then
        reached, first = float(self.schedule(self.at)), float(self.then(0))
        if self.match == "offset":
            return self.then if reached == first else Sum(self.then, reached - first)
        if first == reached:
            return self.then
        if first == 0:
            raise ValueError(
                f"splice(): then={short(self.then)} starts at 0, so no factor makes it start at {reached:.6g}, the "
                f"value at at={self.at}; pass match='offset', or continuous=False for a jump"
            )
        return Scale(self.then, reached / first)

    def children(self) -> tuple[Schedule, ...]:
        return (self.schedule, self.then)

    def _eval(self, t: Any, xp: Any) -> Any:
        a = float(self.at)
        if xp is SCALAR:
            return self.schedule._eval(t, xp) if t < a else self._next._eval(t - a, xp)
        return xp.where(t < a, self.schedule._eval(t, xp), self._next._eval(xp.maximum(t - a, 0.0), xp))

    def _length(self) -> float | None:
        n = self.then.length
        return None if n is None else n if not math.isfinite(n) else self.at + int(n)

    def _magnitude(self) -> float | None:
        a, b = self.schedule.magnitude, self._next.magnitude
        return None if a is None or b is None else max(a, b)

    def explain(self) -> str:
        if not self.continuous:
            return f"from step {self.at}, {short(self.then)} as given (the value jumps there)"
        how = "scaled" if self.match == "scale" else "offset"
        return f"from step {self.at}, {short(self.then)}, {how} to start at the value reached"

    def _matching(self, s: Schedule) -> Schedule:
        """A phase of ``then`` as it runs here: scaled or offset as ``then`` is."""
        nxt = self._next
        if isinstance(nxt, Scale):
            return Scale(s, nxt.factor)
        if isinstance(nxt, Sum):
            return Sum(s, nxt.schedules[1])
        return s

    def _phases(self) -> list[Phase]:
        after = [Phase(self.at + p.start, self.at + p.stop, self._matching(p.schedule)) for p in self.then.phases()]
        return [*_clipped(self.schedule.phases(), self.at), *after]


# -- the constructors, by their lowercase names (as the shapes' are) --------------------------

extend = Extend
shorten = Shorten
cooldown_now = CooldownNow
splice = Splice

#: The plan changes by name, as a config or ``ScheduleLR.replan`` names them.
CHANGES: dict[str, type[_Change]] = {c.kind: c for c in (Extend, Shorten, CooldownNow, Splice)}


def change_record(schedule: Schedule) -> dict[str, Any] | None:
    """A plan change's config without the plan it changed: ``{"type": "extend", "steps":
    20000, "at": 6000}``; :func:`replay` applies it again. None when ``schedule`` is not a plan
    change, or when the change holds a function no config can hold (a spliced ``function``)."""
    if not isinstance(schedule, _Change):
        return None
    try:
        kind = schedule.kind
        return {"type": kind, **{f: _encode(schedule.__dict__[f], f"{kind}.{f}") for f in schedule._fields[1:]}}
    except TypeError:
        return None


def replay(schedule: Schedule, record: dict[str, Any]) -> Schedule:
    """Apply a change recorded by :func:`change_record` to ``schedule`` (a config: untrusted
    data, decoded as :func:`glideslope.from_config` decodes one)."""
    from .config import from_config

    if not isinstance(record, dict) or record.get("type") not in CHANGES:
        raise ValueError(
            f"a plan change record is a dict whose 'type' is one of {sorted(CHANGES)}, got {short(record)}"
        )
    cls: Any = CHANGES[record["type"]]
    unknown = [k for k in record if k != "type" and k not in cls._fields[1:]]
    if unknown:
        names = short(sorted(map(str, unknown)))
        raise ValueError(f"a record of {cls.kind}() takes {list(cls._fields[1:])}, not {names}")
    kwargs = {k: from_config(x) if isinstance(x, dict) else x for k, x in record.items() if k != "type"}
    changed: Schedule = cls(schedule, **kwargs)
    return changed
