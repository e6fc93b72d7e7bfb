"""The Schedule base: evaluation on any array kind, operators, equality, repr and binding.

A schedule is an immutable value: a closed-form function of the step ``t >= 0``. Each shape
implements one method, ``_eval(t, xp)``, its formula written once against the array
namespace ``xp`` (see :mod:`glideslope._xp`). :meth:`Schedule.__call__` picks the namespace:

* ``s(1250)`` (a Python int or float) returns a float computed with :mod:`math`;
* ``s(array)`` for a NumPy array, a JAX array or tracer, or a torch tensor returns an array
  of the same kind.

Steps: past its end a schedule holds its last value. A negative, NaN or infinite step raises
ValueError (an infinite step is refused like NaN: it is no step of any run). An int step too
large for a float (``10**400``) raises ValueError; an int step above ``2**53`` is evaluated at
``float(t)``, as every array backend does. Under ``jax.jit`` a traced step cannot raise: it is
clipped into ``[0, largest float]`` (a negative step evaluates as step 0, an infinite one as
the largest float, past the end) and NaN gives NaN.

Depth: composites may nest up to :data:`MAX_DEPTH` levels. Operations that walk a composite
(evaluation, ``repr``, ``to_config``, ``bind``, ...) recurse once per level; on a deeply
nested schedule they raise the interpreter's recursion limit for their own duration, so that
every level that construction accepted can be walked.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, NamedTuple

from . import _xp
from ._validate import check_init_keywords, count, did_you_mean, plain, real, short
from ._walk import SHALLOW, memo, recursion_room
from .timing import UnboundScheduleError, check_run_sizes, resolve_duration

SCALAR = _xp.SCALAR

#: Every schedule class by its public name (``"cosine"`` -> :class:`Cosine`), for configs.
REGISTRY: dict[str, type[Schedule]] = {}

#: The deepest nesting of composites that construction accepts.
MAX_DEPTH = 2000
#: Largest int step the scalar fast path takes as it is (exact as a float).
_EXACT = 2**53
#: The largest |value| a growing schedule reaches: it saturates there (a finite float).
GROWTH_LIMIT = 1e300
#: Periodic formulas (cycles, repeat, noise) see steps up to this: past 2**53 a cycle's phase
#: means nothing in float arithmetic, and the value there is the value at 2**53.
PERIODIC_HORIZON = 2.0**53

def scalar_step(t: int | float) -> int | float:
    """Check a Python int/float step: ``>= 0`` and finite; an int above 2**53 becomes a float."""
    if t.__class__ is int:
        if t < 0:
            raise ValueError(f"step must be >= 0, got {short(t)}")
        if t > _EXACT:
            try:
                return float(t)
            except OverflowError:
                raise ValueError(f"step {short(t)} is too large for a float (at most about 1.8e308)") from None
        return t
    if not 0 <= t < math.inf:
        raise ValueError(f"step must be >= 0 and finite, got {t!r}")
    return t


class Phase(NamedTuple):
    """One phase of a schedule: ``schedule`` runs from step ``start`` to step ``stop``."""

    start: int
    stop: float  # math.inf for a phase that never ends
    schedule: Schedule

    @property
    def name(self) -> str:
        return self.schedule.kind


class Schedule:
    """Base class of every schedule. Subclasses define ``kind``, ``__init__`` and ``_eval``.

    Class attributes a subclass may set:

    * ``kind``: the public constructor name, used by ``repr`` and configs;
    * ``_durations``: duration fields and what ``None`` means for each: ``"rest"`` (the rest
      of the run, filled in by :meth:`bind`, needed to evaluate), ``"optional"`` (the rest of
      the run when bound, but the value does not depend on it) or ``"forever"`` (no end);
    * ``_minimums``: smallest allowed number of steps per duration field (default 1).

    The operators (``>>``, ``*``, ``+``, ``-``, ``/``) and the pictures (:meth:`plot`, the
    notebook SVG) import composition (:mod:`glideslope.compose`) and rendering
    (:mod:`glideslope.cli.render`) inside the methods, when first used: those modules build on
    this one. It is the one import circle the layout allows (``docs/architecture.md``; the
    import-graph test, ``tests/test_architecture.py``, admits these edges and no other).
    """

    kind: ClassVar[str] = ""
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}
    _durations: ClassVar[dict[str, str]] = {}
    _minimums: ClassVar[dict[str, int]] = {}
    _step_lists: ClassVar[tuple[str, ...]] = ()
    #: How many levels of schedules this one is built from (1 for a shape).
    _depth: int = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__ and "_fields" not in cls.__dict__:
            code = cls.__init__.__code__
            names = code.co_varnames[1 : code.co_argcount + code.co_kwonlyargcount]
            defaults = cls.__init__.__defaults__ or ()
            cls._fields = tuple(names)
            cls._defaults = dict(zip(names[len(names) - len(defaults) :], defaults))
        check_init_keywords(cls, _public_name)  # a misspelt keyword names kind(), suggests the fix
        if "kind" in cls.__dict__ and cls.kind:
            REGISTRY[cls.kind] = cls

    # -- construction helpers -------------------------------------------------------------

    def _set(self, **attrs: Any) -> None:
        """Set attributes at construction, tracking how deep the schedules inside nest."""
        depth = self._depth
        for value in attrs.values():
            if isinstance(value, Schedule):
                depth = max(depth, value._depth + 1)
            elif value.__class__ is tuple and value and isinstance(value[0], Schedule):
                depth = max(depth, 1 + max(x._depth for x in value))
        self.__dict__.update(attrs)
        self._set_depth(depth)

    def _set_depth(self, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise ValueError(
                f"{self.kind}(...) would nest schedules {depth} levels deep; at most {MAX_DEPTH} are "
                f"allowed (a >> b >> c, a + b + c and a * b * c stay one level however long)"
            )
        self.__dict__["_depth"] = depth

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(
            f"{type(self).__name__} is immutable; build a new one with .replace({name}=...)"
        )

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _steps(self, field: str) -> int | None:
        """The resolved number of steps of a duration field, or None while unresolved."""
        v = self.__dict__[field]
        return v if isinstance(v, int) else None

    def _fsteps(self, field: str) -> float | None:
        """:meth:`_steps` as a float, for formulas: JAX without x64 cannot take a Python int
        above 2**31 as a constant, a float it can (exact up to 2**53)."""
        v = self.__dict__[field]
        return float(v) if isinstance(v, int) else None

    # -- evaluation -----------------------------------------------------------------------

    def _eval(self, t: Any, xp: Any) -> Any:
        raise NotImplementedError

    #: Set on an instance by its first scalar call, once it is known to be bound (and is not
    #: so deeply nested that it needs :func:`recursion_room`).
    _ready: bool = False

    def __call__(self, t: Any) -> Any:
        """The value at step ``t``: a float for an int/float, an array for an array."""
        if self._ready and (t.__class__ is int or t.__class__ is float) and 0 <= t <= _EXACT:
            return self._eval(t, SCALAR)
        return self._call_slow(t)

    def _call_slow(self, t: Any) -> Any:
        """First scalar call, bad or huge steps, deep schedules and arrays: every check first."""
        cls = t.__class__
        if cls is int or cls is float:
            t = scalar_step(t)
            self._check_bound()
            if self._depth <= SHALLOW:
                self.__dict__["_ready"] = True
            with recursion_room(self._depth):
                return self._eval(t, SCALAR)
        with recursion_room(self._depth):
            return self._eval_array(t)

    def _eval_array(self, t: Any) -> Any:
        xp = _xp.namespace_of(t)
        t = xp.asstep(t)
        if xp.any_negative(t):
            raise ValueError("step must be >= 0 and finite; the array holds a negative or NaN step, or an infinite one")
        self._check_bound()
        return xp.evaluate(self._eval, t)

    def _check_bound(self) -> None:
        if self.is_bound:
            return
        what = "; ".join(self.unresolved())
        raise UnboundScheduleError(
            f"{short(self, 200)} cannot be evaluated yet: {what}. "
            f"Call .bind(total_steps=..., steps_per_epoch=...) first."
        )

    # -- time and binding -----------------------------------------------------------------

    @property
    def is_bound(self) -> bool:
        """True when every duration this schedule needs is a number of steps."""
        return bool(memo(self, "_is_bound", _node_is_bound))

    def _own_unresolved(self) -> list[str]:
        """Descriptions of this node's own durations waiting for ``bind()`` (not its children's)."""
        out = []
        for field, open_means in self._durations.items():
            v = self.__dict__[field]
            if isinstance(v, str):
                need = "total_steps" if v.endswith("%") else "steps_per_epoch"
                out.append(f"{self.kind}({field}={v!r}) needs {need}")
            elif v is None and open_means == "rest":
                out.append(f"{self.kind}({field}=None) runs for the rest of the run and needs total_steps")
        for field in self._step_lists:
            for i, x in enumerate(self.__dict__[field]):
                if isinstance(x, str):
                    need = "total_steps" if x.endswith("%") else "steps_per_epoch"
                    out.append(f"{self.kind}({field}[{i}]={x!r}) needs {need}")
        return out

    def unresolved(self) -> list[str]:
        """Descriptions of the durations still waiting for ``bind()`` (children's first)."""
        out: list[str] = []
        stack: list[tuple[Schedule, bool]] = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                out.extend(node._own_unresolved())
            elif not node.is_bound:
                stack.append((node, True))
                stack.extend((c, False) for c in reversed(node.children()))
        return out

    def children(self) -> tuple[Schedule, ...]:
        """The schedules this one is built from (empty for a shape)."""
        return ()

    def bind(self, total_steps: int | None = None, steps_per_epoch: int | None = None) -> Schedule:
        """Resolve fractions (``"10%"``), epochs (``"2ep"``) and open durations into steps.

        Returns a new, equal-shaped schedule whose durations are ints; durations whose unit
        is not given stay as they are.
        """
        total_steps, steps_per_epoch = check_run_sizes(total_steps, steps_per_epoch)
        with recursion_room(self._depth):
            return self._bind(total_steps, steps_per_epoch, total_steps)

    def _bind(self, total_steps: int | None, steps_per_epoch: int | None, fill: int | None) -> Schedule:
        """Resolve durations; ``fill`` is the length given to an open (None) duration."""
        changes: dict[str, Any] = {}
        for field, open_means in self._durations.items():
            v = self.__dict__[field]
            minimum = self._minimums.get(field, 1)
            if v is None and open_means != "forever" and fill is not None:
                if fill < minimum:
                    raise ValueError(f"{self.kind}({field}=None) would get {count(fill, 'step')}, fewer than {minimum}")
                changes[field] = fill
            else:
                changes[field] = resolve_duration(
                    field, v, total_steps, steps_per_epoch, minimum=minimum, owner=self.kind
                )
        for field in self._step_lists:
            minimum = self._minimums.get(field, 1)
            changes[field] = tuple(
                resolve_duration(f"{field}[{i}]", x, total_steps, steps_per_epoch, minimum=minimum, owner=self.kind)
                for i, x in enumerate(self.__dict__[field])
            )
        for field in self._fields:
            c = self.__dict__[field]
            if isinstance(c, Schedule):
                changes[field] = c._bind(total_steps, steps_per_epoch, fill)
            elif isinstance(c, tuple) and c and all(isinstance(x, Schedule) for x in c):
                changes[field] = tuple(x._bind(total_steps, steps_per_epoch, fill) for x in c)
        return self.replace(**changes) if changes else self

    @property
    def length(self) -> float | None:
        """Steps until the schedule reaches its final value and holds it: an int, ``math.inf``
        for a schedule that never settles, or None while unbound."""
        n: float | None = memo(self, "_len", _node_length)
        return n

    def _length(self) -> float | None:
        for field in self._durations:
            v = self.__dict__[field]
            if isinstance(v, int):
                return v
            if v is None and self._durations[field] == "forever":
                return math.inf
            return None  # unbound, or open ("the rest of the run")
        return math.inf

    @property
    def magnitude(self) -> float | None:
        """The largest ``|value|`` the schedule can take at any step (an upper bound), or None
        when it holds a user function whose values are unknown. Always finite otherwise:
        construction refuses arguments whose values would overflow a float."""
        m: float | None = memo(self, "_mag", _node_magnitude)
        return m

    def _magnitude(self) -> float | None:
        """This node's bound on ``|value|``, from its arguments and its children's bounds."""
        values = [abs(x) for x in self.params().values() if isinstance(x, float)]
        return max(values, default=0.0)

    def default_horizon(self) -> int:
        """A sensible number of steps to show: the length, or 1000 for endless schedules."""
        n = self.length
        if n is None:
            self._check_bound()
            return 1000
        return int(n) + 1 if math.isfinite(n) else 1000

    def phases(self) -> list[Phase]:
        """What runs from which step to which (one phase for a shape)."""
        with recursion_room(self._depth):
            return self._phases()

    def _phases(self) -> list[Phase]:
        n = self.length
        return [Phase(0, n if n is not None else math.inf, self)]

    # -- parameters, equality, repr, config -----------------------------------------------

    def params(self) -> dict[str, Any]:
        """The constructor arguments, in order."""
        return {f: self.__dict__[f] for f in self._fields}

    def replace(self, **changes: Any) -> Schedule:
        """A copy with some constructor arguments changed (validated again)."""
        return type(self)(**self._changed_params(changes))

    def _changed_params(self, changes: dict[str, Any]) -> dict[str, Any]:
        for word in changes:
            if word not in self._fields:
                hint = did_you_mean(word, self._fields) or f"it takes {', '.join(self._fields)}"
                raise TypeError(f"{self.kind}() has no argument {word!r}; {hint}")
        return {**self.params(), **changes}

    def _key(self) -> tuple[Any, ...]:
        return (type(self), tuple(self.params().values()))

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Schedule):
            return NotImplemented
        return _equal(self, other)

    def __hash__(self) -> int:
        h: int = memo(self, "_hash", _node_hash)
        return h

    def __repr__(self) -> str:
        if self._depth <= SHALLOW:
            return self._repr()
        with recursion_room(self._depth):
            return self._repr()

    def _repr(self) -> str:
        args = []
        for f in self._fields:
            v = self.__dict__[f]
            if f in self._defaults and _same(v, self._defaults[f]):
                continue
            args.append(f"{f}={_repr_value(v)}")
        return f"{self.kind}({', '.join(args)})"

    def to_config(self) -> dict[str, Any]:
        """A plain JSON/YAML-safe dict; :func:`glideslope.from_config` rebuilds an equal schedule."""
        with recursion_room(self._depth):
            return self._config()

    def _config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {"type": self.kind}
        for f in self._fields:
            cfg[f] = _encode(self.__dict__[f], f"{self.kind}.{f}")
        return cfg

    def fingerprint(self) -> str:
        """A stable 16-hex-digit hash of the config: equal schedules, equal fingerprints."""
        import hashlib
        import json

        with recursion_room(self._depth):
            text = json.dumps(self.to_config(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # -- composition operators ------------------------------------------------------------

    def __rshift__(self, other: object) -> Schedule:
        from .compose import sequence

        if not _is_operand(other):
            return NotImplemented
        return sequence(self, plain(other))

    def __rrshift__(self, other: object) -> Schedule:
        from .compose import sequence

        if not _is_number(other):
            return NotImplemented
        return sequence(plain(other), self)

    def __mul__(self, other: object) -> Schedule:
        from .compose import Product, Scale

        if isinstance(other, Schedule):
            return Product(self, other)
        if _is_number(other):
            return Scale(self, plain(other))
        return NotImplemented

    def __rmul__(self, other: object) -> Schedule:
        from .compose import Scale

        if _is_number(other):
            return Scale(self, plain(other))
        return NotImplemented

    def __add__(self, other: object) -> Schedule:
        from .compose import Sum

        if _is_operand(other):
            return Sum(self, plain(other))
        return NotImplemented

    def __radd__(self, other: object) -> Schedule:
        from .compose import Sum

        if _is_number(other):
            return Sum(plain(other), self)
        return NotImplemented

    def __neg__(self) -> Schedule:
        from .compose import Scale

        return Scale(self, -1.0)

    def __sub__(self, other: object) -> Schedule:
        """``a - b`` is ``a + (-1.0 * b)``; ``a - 0.1`` is ``a + constant(-0.1)``."""
        from .compose import Scale, Sum

        if isinstance(other, Schedule):
            return Sum(self, Scale(other, -1.0))
        if _is_number(other):
            return Sum(self, -float(plain(other)))
        return NotImplemented

    def __rsub__(self, other: object) -> Schedule:
        """``1 - cosine()`` is ``constant(1.0) + (-1.0 * cosine())``."""
        from .compose import Scale, Sum

        if _is_number(other):
            return Sum(plain(other), Scale(self, -1.0))
        return NotImplemented

    def __truediv__(self, other: object) -> Schedule:
        from .compose import Scale

        if _is_number(other):
            divisor = real("divisor", other)
            if divisor == 0:
                raise ZeroDivisionError("cannot divide a schedule by 0")
            return Scale(self, 1.0 / divisor)
        return NotImplemented

    # -- pictures (implemented in glideslope.cli.render; matplotlib optional) -------------------

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Draw the curve on matplotlib Axes (new ones when ``ax`` is None); returns the Axes."""
        from .cli.render import plot_schedule

        return plot_schedule(self, ax=ax, **kwargs)

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a schedule as its curve."""
        from .cli.render import schedule_svg

        svg: str | None = schedule_svg(self)
        return svg

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(f"{self.kind} is a schedule, not a sequence; call it with a step: s(t)")


def _public_name(cls: type) -> str:
    """The name a user calls a schedule class by: an engine shape's ``kind`` (``cosine``, the
    factory in ``glideslope``), else the class's name (a dialect's ``Restarts``, a user's class)."""
    kind = getattr(cls, "kind", "")
    engine = cls.__module__.startswith("glideslope.") and cls.__module__.count(".") == 1
    return kind if kind and engine else cls.__name__


def _is_number(x: object) -> bool:
    """A real number operand (NumPy and torch scalars included), not a bool."""
    x = plain(x)
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _is_operand(x: object) -> bool:
    return isinstance(x, Schedule) or _is_number(x)


def _node_is_bound(node: Schedule) -> bool:
    return not node._own_unresolved() and all(c.is_bound for c in node.children())


def _node_length(node: Schedule) -> float | None:
    return node._length()


def _node_magnitude(node: Schedule) -> float | None:
    return node._magnitude()


def _node_hash(node: Schedule) -> int:
    return hash(node._key())  # children's hashes are memoised already


def _equal(a: Schedule, b: Schedule) -> bool:
    """Structural equality without recursion: same classes, equal arguments, equal children."""
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if x is y:
            continue
        hx, hy = x.__dict__.get("_hash"), y.__dict__.get("_hash")
        if hx is not None and hy is not None and hx != hy:
            return False
        (tx, vx), (ty, vy) = x._key(), y._key()
        if tx is not ty or len(vx) != len(vy):
            return False
        for p, q in zip(vx, vy):
            if isinstance(p, Schedule) and isinstance(q, Schedule):
                stack.append((p, q))
            elif isinstance(p, tuple) and isinstance(q, tuple) and len(p) == len(q):
                for pi, qi in zip(p, q):
                    if isinstance(pi, Schedule) and isinstance(qi, Schedule):
                        stack.append((pi, qi))
                    elif isinstance(pi, Schedule) or isinstance(qi, Schedule) or not pi == qi:
                        return False
            elif isinstance(p, Schedule) or isinstance(q, Schedule) or not p == q:
                return False
    return True


def _same(a: Any, b: Any) -> bool:
    """Is ``a`` the default ``b``? (``1`` and ``1.0`` count as the same number.)"""
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, numbers) and isinstance(b, numbers):
        return not isinstance(a, bool) and not isinstance(b, bool) and a == b
    return type(a) is type(b) and bool(a == b)


def _repr_value(v: Any) -> str:
    if isinstance(v, tuple):
        return "[" + ", ".join(_repr_value(x) for x in v) + "]"
    if isinstance(v, Schedule):
        return repr(v)
    if callable(v):
        return str(getattr(v, "__qualname__", None) or repr(v))
    return repr(v)


def _callable_ref(fn: Callable[..., Any], where: str) -> str | None:
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    if not module or not qualname or "<" in qualname:
        return None
    return f"{module}:{qualname}"


def _encode(v: Any, where: str) -> Any:
    if isinstance(v, Schedule):
        return v.to_config()
    if isinstance(v, tuple):
        return [_encode(x, where) for x in v]
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    if callable(v):
        ref = _callable_ref(v, where)
        if ref is None:
            raise TypeError(
                f"{where} is {v!r}, which cannot be written to a config: use a function "
                f"defined at module level (not a lambda or a nested function)"
            )
        return {"callable": ref}
    raise TypeError(f"{where} holds {type(v).__name__} {v!r}, which a config cannot hold")
