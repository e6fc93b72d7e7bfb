"""The Schedule base: evaluation on any array kind, operators, equality, repr and binding.

A schedule is an immutable value: a closed-form function of the step ``t >= 0``. Each shape
implements one method, ``_eval(t, xp)``, its formula written once against the array
namespace ``xp`` (see :mod:`glideslope._xp`). :meth:`Schedule.__call__` picks the namespace:

* ``s(1250)`` (a Python int or float) returns a float computed with :mod:`math`;
* ``s(array)`` for a NumPy array, a JAX array or tracer, or a torch tensor returns an array
  of the same kind.

Past its end a schedule holds its last value; a negative (or NaN) step raises ValueError.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
import json
import math
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from . import _xp
from .timing import UnboundScheduleError, check_run_sizes, resolve_duration

SCALAR = _xp.SCALAR

#: Every schedule class by its public name (``"cosine"`` -> :class:`Cosine`), for configs.
REGISTRY: dict[str, type[Schedule]] = {}


@dataclass(frozen=True)
class Phase:
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
    """

    kind: ClassVar[str] = ""
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Any]] = {}
    _durations: ClassVar[dict[str, str]] = {}
    _minimums: ClassVar[dict[str, int]] = {}
    _step_lists: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        sig = inspect.signature(cls.__init__)
        params = [p for p in sig.parameters.values() if p.name != "self"]
        cls._fields = tuple(p.name for p in params)
        cls._defaults = {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}
        if "kind" in cls.__dict__ and cls.kind:  # a private variant keeps its parent's
            REGISTRY[cls.kind] = cls
        if "_eval" in cls.__dict__ and "__call__" not in cls.__dict__:
            fast = _inline_eval(cls)
            if fast is not None:
                cls.__call__ = fast  # type: ignore[method-assign,assignment]

    # -- construction helpers -------------------------------------------------------------

    def _set(self, **attrs: Any) -> None:
        self.__dict__.update(attrs)

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

    # -- evaluation -----------------------------------------------------------------------

    def _eval(self, t: Any, xp: Any) -> Any:
        raise NotImplementedError

    #: Set on an instance by its first scalar call, once it is known to be bound.
    _ready: bool = False

    def __call__(self, t: Any) -> Any:
        """The value at step ``t``: a float for an int/float, an array for an array.

        Each subclass gets a copy of this method with its ``_eval`` inlined into the scalar
        branch (see :func:`_inline_eval`), so a scalar call runs one Python frame.
        """
        if (t.__class__ is int or t.__class__ is float) and t >= 0 and self._ready:
            return self._eval(t, SCALAR)
        return self._call_slow(t)

    def _call_slow(self, t: Any) -> Any:
        """First scalar call, bad steps and arrays: every check, then the formula."""
        cls = t.__class__
        if cls is int or cls is float:
            if not t >= 0:
                raise ValueError(f"step must be >= 0, got {t!r}")
            self._check_bound()
            self.__dict__["_ready"] = True
            return self._eval(t, SCALAR)
        return self._eval_array(t)

    def _eval_array(self, t: Any) -> Any:
        xp = _xp.namespace_of(t)
        t = xp.asstep(t)
        if xp.any_negative(t):
            raise ValueError("step must be >= 0 (and not NaN); the array holds a negative or NaN step")
        self._check_bound()
        return xp.evaluate(self._eval, t)

    def _check_bound(self) -> None:
        missing = self.unresolved()
        if missing:
            what = "; ".join(missing)
            raise UnboundScheduleError(
                f"{self!r} cannot be evaluated yet: {what}. "
                f"Call .bind(total_steps=..., steps_per_epoch=...) first."
            )

    # -- time and binding -----------------------------------------------------------------

    @functools.cached_property
    def is_bound(self) -> bool:
        """True when every duration this schedule needs is a number of steps."""
        return not self.unresolved()

    def unresolved(self) -> list[str]:
        """Descriptions of the durations still waiting for ``bind()``."""
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
        for child in self.children():
            out.extend(child.unresolved())
        return out

    def children(self) -> tuple[Schedule, ...]:
        """The schedules this one is built from (empty for a shape)."""
        return ()

    def bind(self, total_steps: int | None = None, steps_per_epoch: int | None = None) -> Schedule:
        """Resolve fractions (``"10%"``), epochs (``"2ep"``) and open durations into steps.

        Returns a new, equal-shaped schedule whose durations are ints; durations whose unit
        is not given stay as they are.
        """
        check_run_sizes(total_steps, steps_per_epoch)
        return self._bind(total_steps, steps_per_epoch, total_steps)

    def _bind(self, total_steps: int | None, steps_per_epoch: int | None, fill: int | None) -> Schedule:
        """Resolve durations; ``fill`` is the length given to an open (None) duration."""
        changes: dict[str, Any] = {}
        for field, open_means in self._durations.items():
            v = self.__dict__[field]
            minimum = self._minimums.get(field, 1)
            if v is None and open_means != "forever" and fill is not None:
                if fill < minimum:
                    raise ValueError(f"{self.kind}({field}=None) would get {fill} steps, fewer than {minimum}")
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
        return self._length()

    def _length(self) -> float | None:
        for field in self._durations:
            v = self.__dict__[field]
            if isinstance(v, int):
                return v
            if v is None and self._durations[field] == "forever":
                return math.inf
            return None  # unbound, or open ("the rest of the run")
        return math.inf

    def default_horizon(self) -> int:
        """A sensible number of steps to show: the length, or 1000 for endless schedules."""
        n = self.length
        if n is None:
            self._check_bound()
            return 1000
        return int(n) + 1 if math.isfinite(n) else 1000

    def phases(self) -> list[Phase]:
        """What runs from which step to which (one phase for a shape)."""
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
        unknown = set(changes) - set(self._fields)
        if unknown:
            raise TypeError(f"{self.kind}() has no argument(s) {sorted(unknown)}; it takes {list(self._fields)}")
        return {**self.params(), **changes}

    def _key(self) -> tuple[Any, ...]:
        return (type(self), tuple(self.__dict__[f] for f in self._fields))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Schedule):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        args = []
        for f in self._fields:
            v = self.__dict__[f]
            if f in self._defaults and _same(v, self._defaults[f]):
                continue
            args.append(f"{f}={_repr_value(v)}")
        return f"{self.kind}({', '.join(args)})"

    def to_config(self) -> dict[str, Any]:
        """A plain JSON/YAML-safe dict; :func:`glideslope.from_config` rebuilds an equal schedule."""
        cfg: dict[str, Any] = {"type": self.kind}
        for f in self._fields:
            cfg[f] = _encode(self.__dict__[f], f"{self.kind}.{f}")
        return cfg

    def fingerprint(self) -> str:
        """A stable 16-hex-digit hash of the config: equal schedules, equal fingerprints."""
        text = json.dumps(self.to_config(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # -- composition operators ------------------------------------------------------------

    def __rshift__(self, other: object) -> Schedule:
        from .compose import sequence

        if not isinstance(other, (Schedule, int, float)) or isinstance(other, bool):
            return NotImplemented
        return sequence(self, other)

    def __rrshift__(self, other: object) -> Schedule:
        from .compose import sequence

        if not isinstance(other, (int, float)) or isinstance(other, bool):
            return NotImplemented
        return sequence(other, self)

    def __mul__(self, other: object) -> Schedule:
        from .compose import Product, Scale

        if isinstance(other, Schedule):
            return Product(self, other)
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return Scale(self, other)
        return NotImplemented

    def __rmul__(self, other: object) -> Schedule:
        from .compose import Scale

        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return Scale(self, other)
        return NotImplemented

    def __add__(self, other: object) -> Schedule:
        from .compose import Sum

        if isinstance(other, Schedule) or (isinstance(other, (int, float)) and not isinstance(other, bool)):
            return Sum(self, other)
        return NotImplemented

    def __radd__(self, other: object) -> Schedule:
        from .compose import Sum

        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return Sum(other, self)
        return NotImplemented

    def __truediv__(self, other: object) -> Schedule:
        from .compose import Scale

        if isinstance(other, (int, float)) and not isinstance(other, bool):
            if other == 0:
                raise ZeroDivisionError("cannot divide a schedule by 0")
            return Scale(self, 1.0 / other)
        return NotImplemented

    # -- pictures (implemented in glideslope.render; matplotlib optional) -------------------

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Draw the curve on matplotlib Axes (new ones when ``ax`` is None); returns the Axes."""
        from .render import plot_schedule

        return plot_schedule(self, ax=ax, **kwargs)

    def _repr_svg_(self) -> str | None:
        """Jupyter shows a schedule as its curve."""
        from .render import schedule_svg

        svg: str | None = schedule_svg(self)
        return svg

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(f"{self.kind} is a schedule, not a sequence; call it with a step: s(t)")


_CALL_TEMPLATE = """
def _make(_scalar):
    def __call__(self, t):
        if (t.__class__ is int or t.__class__ is float) and t >= 0 and self._ready:
            xp = _scalar
        return self._call_slow(t)
    return __call__
"""


class _BindScalarFunctions(ast.NodeTransformer):
    """``xp.cos`` -> ``_xp_cos``, a closure variable holding ``math.cos``: the inlined scalar
    formula then calls the function directly instead of looking it up on ``xp`` each time."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.bare_xp = False

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        v = node.value
        if isinstance(v, ast.Name) and v.id == "xp" and isinstance(node.ctx, ast.Load) and hasattr(SCALAR, node.attr):
            self.names.add(node.attr)
            return ast.copy_location(ast.Name(id=f"_xp_{node.attr}", ctx=ast.Load()), node)
        self.generic_visit(node)
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id == "xp":
            self.bare_xp = True  # xp itself is passed on (e.g. to a phase's _eval)
        return node


def _inline_eval(cls: type[Schedule]) -> Callable[[Schedule, Any], Any] | None:
    """``Schedule.__call__`` with ``cls._eval``'s body pasted into the scalar branch.

    The formula stays written once, in ``_eval``; this only saves the second Python frame
    of a scalar call (what a hand-written closure does not pay). The generated code runs in
    the module that defines ``_eval`` and keeps its line numbers, so tracebacks point at the
    formula. Returns None (keeping the generic ``__call__``) when the source is unavailable.
    """
    method = cls.__dict__["_eval"]
    try:
        source = textwrap.dedent(inspect.getsource(method))
        _, first_line = inspect.getsourcelines(method)
    except (OSError, TypeError):
        return None
    fn = ast.parse(source).body[0]
    if not isinstance(fn, ast.FunctionDef) or [a.arg for a in fn.args.args] != ["self", "t", "xp"]:
        return None
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    ast.increment_lineno(fn, first_line - 1)
    module = ast.parse(_CALL_TEMPLATE)
    for node in ast.walk(module):  # the template's own lines point at ``def _eval``
        if isinstance(node, (ast.stmt, ast.expr, ast.arg)):
            node.lineno = node.end_lineno = first_line
    make = module.body[0]
    assert isinstance(make, ast.FunctionDef)
    call = make.body[0]
    assert isinstance(call, ast.FunctionDef) and isinstance(call.body[0], ast.If)
    binder = _BindScalarFunctions()
    body = [binder.visit(stmt) for stmt in body]
    if not binder.bare_xp:
        del call.body[0].body[:]  # no ``xp = _scalar``
    call.body[0].body.extend(body)
    names = sorted(binder.names)
    make.args.args.extend(ast.arg(arg=f"_xp_{n}") for n in names)
    ast.fix_missing_locations(module)
    namespace: dict[str, Any] = {}
    globals_ = sys.modules[cls.__module__].__dict__
    exec(compile(module, inspect.getsourcefile(method) or "<glideslope>", "exec"), globals_, namespace)
    fast: Callable[[Schedule, Any], Any] = namespace["_make"](SCALAR, *(getattr(SCALAR, n) for n in names))
    fast.__doc__ = Schedule.__call__.__doc__
    fast.__qualname__ = f"{cls.__qualname__}.__call__"
    return fast


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
