"""SPEC: a schedule written as the Python expression a user would type, parsed safely.

``parse_spec("warmup('5%') >> cosine(end=0.01)")`` builds the same schedule as the Python
``gs.warmup('5%') >> gs.cosine(end=0.01)``, but never runs the text as Python. The text is
parsed with :mod:`ast` and walked node by node; the only things it may hold are

* calls of glideslope's public schedule constructors (``cosine``, ``warmup``, ``join``,
  ``warmup_stable_decay``, ...), by bare name, with positional and keyword arguments;
* numbers, strings, ``True``/``False``/``None``, lists and tuples;
* the operators ``>>`` (sequence), ``*``, ``/``, ``+`` and ``-`` (between schedules and
  numbers: ``1 - cosine()`` falls from 0 to 1), and a unary ``-`` or ``+``.

Anything else (attribute access, subscripts, other names or calls, lambdas, comprehensions,
f-strings, ``**kwargs``...) is refused with a :class:`SpecError` that names the offending part
of the expression and its column. Errors raised by the constructors themselves (a bad
argument) are reported the same way, pointing at the call that raised them.

:func:`load_spec` also accepts the path of a file holding a SPEC or a JSON or YAML config
written from :meth:`~glideslope.Schedule.to_config`; :func:`spec_from_text` reads either from
text (the command line's ``-``, standard input). Long chains (``a >> b >> c >> ...``) are
evaluated in a loop, not by recursion, so their length is bounded only by :data:`MAX_LENGTH`.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._validate import did_you_mean
from .schedule import Schedule

#: The longest SPEC accepted, in characters.
MAX_LENGTH = 10_000

#: The largest config file (or config text) read, in bytes.
MAX_CONFIG_BYTES = 10_000_000

#: Public constructors that are functions rather than Schedule classes.
_FACTORIES = ("sequence", "join", "warmup_stable_decay", "wsd")

_CONFIG_SUFFIXES = (".json", ".yaml", ".yml")


class SpecError(ValueError):
    """A SPEC that cannot be turned into a schedule; the message is one line."""


@functools.cache
def constructors() -> dict[str, Callable[..., Any]]:
    """The names a SPEC may call: glideslope's public schedule constructors.

    These are the lowercase names in ``glideslope.__all__`` that are Schedule classes, plus
    the factory functions ``sequence``, ``join``, ``warmup_stable_decay`` and ``wsd``.
    """
    import glideslope

    out: dict[str, Callable[..., Any]] = {}
    for name in glideslope.__all__:
        if not name[:1].islower():
            continue
        obj = getattr(glideslope, name)
        if (isinstance(obj, type) and issubclass(obj, Schedule)) or name in _FACTORIES:
            out[name] = obj
    return out


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _clip(text: str, n: int = 60) -> str:
    text = _one_line(text)
    return text if len(text) <= n else text[: n - 3] + "..."


def clip_middle(text: str, n: int = 80) -> str:
    """``text`` on one line, at most ``n`` characters, cut in the middle so that both ends show
    (a long path keeps its file name)."""
    text = _one_line(text)
    if len(text) <= n:
        return text
    head = (n - 3) // 3
    return text[:head] + "..." + text[len(text) - (n - 3 - head):]


class _Evaluator:
    """Walks the parsed expression, building values for the allowed nodes only."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.names = dict(constructors())

    # -- errors --------------------------------------------------------------------------

    def where(self, node: ast.AST) -> str:
        segment = ast.get_source_segment(self.source, node) or ""
        col = node.col_offset + 1 if isinstance(node, ast.expr) else 1
        return f"at column {col}: {_clip(segment)!r}"

    def fail(self, node: ast.AST, what: str) -> SpecError:
        return SpecError(f"{what} ({self.where(node)})")

    # -- evaluation ----------------------------------------------------------------------

    def eval(self, node: ast.AST) -> Any:
        method = _DISPATCH.get(type(node))
        if method is None:
            raise self.fail(node, f"{_describe(node)} is not allowed in a SPEC; {_ALLOWED}")
        return method(self, node)

    def _expression(self, node: ast.Expression) -> Any:
        return self.eval(node.body)

    def _constant(self, node: ast.Constant) -> Any:
        v = node.value
        if v is None or isinstance(v, (bool, int, float, str)):
            if isinstance(v, float) and not math.isfinite(v):
                raise self.fail(node, "the number is too large")
            return v
        raise self.fail(node, f"{type(v).__name__} literals are not allowed; {_ALLOWED}")

    def _list(self, node: ast.List) -> list[Any]:
        return [self.eval(e) for e in node.elts]

    def _tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        return tuple(self.eval(e) for e in node.elts)

    def _name(self, node: ast.Name) -> Any:
        if node.id in self.names:
            raise self.fail(node, f"{node.id} is a constructor: call it, e.g. {node.id}(...)")
        raise self.fail(node, self._unknown(node.id))

    def _unknown(self, name: str) -> str:
        hint = did_you_mean(name, self.names) or "a SPEC may call only glideslope's schedule constructors"
        return f"unknown name {name!r}; {hint}"

    def _unary_op(self, node: ast.UnaryOp) -> Any:
        ops = []  # a chain such as - - + 1, outermost first, walked without recursion
        inner: ast.expr = node
        while isinstance(inner, ast.UnaryOp):
            if not isinstance(inner.op, (ast.USub, ast.UAdd)):
                name = _OP_NAMES.get(type(inner.op), "?")
                raise self.fail(inner, f"the operator {name} is not allowed; {_ALLOWED}")
            ops.append(inner)
            inner = inner.operand
        value = self.eval(inner)
        for op_node in reversed(ops):
            if isinstance(value, bool) or not isinstance(value, (int, float, Schedule)):
                raise self.fail(op_node, f"a unary minus or plus applies to a number or a schedule, not {_kind(value)}")
            if isinstance(op_node.op, ast.USub):
                value = self._apply(op_node, operator.neg, value)
        return value

    def _bin_op(self, node: ast.BinOp) -> Any:
        chain = []  # a left-leaning chain a >> b >> c ..., walked without recursion
        left: ast.expr = node
        while isinstance(left, ast.BinOp):
            if type(left.op) not in _BINOPS:
                name = _OP_NAMES.get(type(left.op), type(left.op).__name__)
                raise self.fail(left, f"the operator {name} is not allowed; use >>, *, /, + or -")
            chain.append(left)
            left = left.left
        value = self.eval(left)
        for op_node in reversed(chain):
            value = self._binary(op_node, value, self.eval(op_node.right))
        return value

    def _binary(self, node: ast.BinOp, left: Any, right: Any) -> Any:
        symbol = _OP_NAMES[type(node.op)]
        for side in (left, right):
            if isinstance(side, bool) or not isinstance(side, (int, float, Schedule)):
                raise self.fail(node, f"{symbol} works on schedules and numbers, not on {_kind(side)}")
        if isinstance(node.op, ast.RShift) and not (isinstance(left, Schedule) or isinstance(right, Schedule)):
            raise self.fail(node, ">> joins schedules one after another: one side must be a schedule")
        return self._apply(node, _BINOPS[type(node.op)], left, right)

    def _apply(self, node: ast.expr, op: Callable[..., Any], *operands: Any) -> Any:
        try:
            value = op(*operands)
        except Exception as exc:  # an error from the engine: report it at this operator
            raise self.fail(node, _reason(exc)) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise self.fail(node, "the number is too large")
        return value

    def _call(self, node: ast.Call) -> Any:
        if not isinstance(node.func, ast.Name):
            what = "attribute access" if isinstance(node.func, ast.Attribute) else _describe(node.func)
            raise self.fail(node.func, f"{what} is not allowed; call a constructor by its bare name")
        name = node.func.id
        fn = self.names.get(name)
        if fn is None:
            raise self.fail(node.func, self._unknown(name))
        args = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.fail(a, "*args unpacking is not allowed")
            args.append(self.eval(a))
        kwargs: dict[str, Any] = {}
        for kw in node.keywords:
            if kw.arg is None:
                raise self.fail(kw.value, "**kwargs unpacking is not allowed")
            kwargs[kw.arg] = self.eval(kw.value)
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # an error from the engine: report it at this call
            raise SpecError(f"in {name}(...) ({self.where(node)}): {_reason(exc)}") from None


#: The only node types a SPEC may hold, and how each is evaluated.
_DISPATCH: dict[type[ast.AST], Callable[[_Evaluator, Any], Any]] = {
    ast.Expression: _Evaluator._expression,
    ast.Constant: _Evaluator._constant,
    ast.List: _Evaluator._list,
    ast.Tuple: _Evaluator._tuple,
    ast.Name: _Evaluator._name,
    ast.UnaryOp: _Evaluator._unary_op,
    ast.BinOp: _Evaluator._bin_op,
    ast.Call: _Evaluator._call,
}

_ALLOWED = "a SPEC holds only schedule constructor calls, numbers, strings, lists and the operators >>, *, /, +, -"


_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.RShift: operator.rshift,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Add: operator.add,
    ast.Sub: operator.sub,
}

_OP_NAMES: dict[type[Any], str] = {
    ast.RShift: ">>", ast.Mult: "*", ast.Div: "/", ast.Add: "+", ast.Sub: "-", ast.Pow: "**",
    ast.Mod: "%", ast.FloorDiv: "//", ast.LShift: "<<", ast.BitAnd: "&", ast.BitOr: "|",
    ast.BitXor: "^", ast.MatMult: "@", ast.Invert: "~", ast.Not: "not", ast.USub: "-", ast.UAdd: "+",
}

_NODE_NAMES: dict[str, str] = {
    "Attribute": "attribute access",
    "Subscript": "subscripting",
    "Lambda": "a lambda",
    "ListComp": "a comprehension",
    "SetComp": "a comprehension",
    "DictComp": "a comprehension",
    "GeneratorExp": "a generator expression",
    "JoinedStr": "an f-string",
    "Dict": "a dict",
    "Set": "a set",
    "Compare": "a comparison",
    "BoolOp": "and/or",
    "IfExp": "an if-expression",
    "NamedExpr": "an assignment (:=)",
    "Await": "await",
    "Yield": "yield",
    "YieldFrom": "yield",
    "Starred": "* unpacking",
    "Slice": "a slice",
}


def _reason(exc: BaseException) -> str:
    """One line for an exception from the engine, cut short, with a plain reason for the ones
    whose own text says little."""
    if isinstance(exc, RecursionError):
        return "nested too deeply (Python's recursion limit was reached)"
    if isinstance(exc, MemoryError):
        return "too large: it ran out of memory"
    text = _one_line(str(exc)) or type(exc).__name__
    return _clip(text, 300)


def _describe(node: ast.AST) -> str:
    return _NODE_NAMES.get(type(node).__name__, type(node).__name__)


def _kind(value: Any) -> str:
    if isinstance(value, Schedule):
        return "a schedule"
    if isinstance(value, str):
        return f"the string {_clip(repr(value), 30)}"
    if isinstance(value, (list, tuple)):
        return "a list"
    return f"{type(value).__name__} {_clip(repr(value), 30)}"


def parse_spec(text: str) -> Schedule:
    """Build the schedule a SPEC expression describes, without executing it as Python.

    Raises:
        SpecError: the text is not a valid SPEC, holds something not allowed, or a
            constructor refused its arguments. The message is one line naming the
            offending part of the expression.
    """
    if not isinstance(text, str):
        raise SpecError(f"a SPEC is a string, got {type(text).__name__}")
    source = text.strip()
    if not source:
        raise SpecError("the SPEC is empty; write an expression such as \"cosine(steps=1000)\"")
    if len(source) > MAX_LENGTH:
        raise SpecError(f"the SPEC is {len(source)} characters long; at most {MAX_LENGTH} are allowed")
    if "\n" in source or "\r" in source:
        source = " ".join(source.split())
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        col = (exc.offset or 1)
        near = source[max(col - 1, 0): col + 19]
        msg = (exc.msg or "invalid syntax").split("\n")[0]
        raise SpecError(f"not a valid expression: {msg} (at column {col}: {near!r})") from None
    except (ValueError, MemoryError, RecursionError) as exc:
        raise SpecError(f"not a valid expression: {_one_line(str(exc)) or 'too complex'}") from None
    try:
        value = _Evaluator(source).eval(tree)
    except RecursionError:
        raise SpecError("the SPEC is nested too deeply") from None
    if not isinstance(value, Schedule):
        hint = f"; for a constant value write constant({value!r})" if isinstance(value, (int, float)) else ""
        raise SpecError(f"the SPEC must describe a schedule, but it is {_kind(value)}{hint}")
    return value


def looks_like_path(text: str) -> bool:
    """Is ``text`` meant as a file (an existing file, or a name ending .json/.yaml/.yml)?"""
    stripped = text.strip()
    if stripped.lower().endswith(_CONFIG_SUFFIXES) and "(" not in stripped:
        return True
    try:
        return "(" not in stripped and Path(stripped).is_file()
    except (OSError, ValueError):
        return False


def looks_like_config(text: str) -> bool:
    """Is ``text`` a JSON or YAML config rather than a SPEC expression?

    JSON (and YAML flow style) starts with ``{`` or ``[``; other YAML needs a ``:`` and is not
    a Python expression (``type: cosine``, ``&a {...}``, ``--- ...``). Text with no ``:``, or
    that parses as a Python expression, is a SPEC (whose own checks then refuse what a SPEC
    may not hold)."""
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        return True
    if ":" not in stripped:
        return False
    try:
        ast.parse(" ".join(stripped.split()), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return True
    return False


def spec_from_text(text: str, *, origin: str = "the text") -> Schedule:
    """A schedule from text holding either a SPEC expression or a JSON/YAML config.

    Args:
        text: the expression or the config.
        origin: where the text came from, for messages ("standard input", a file name).

    Raises:
        SpecError: with a one-line message, for a bad expression or an invalid config.
    """
    if len(text) > MAX_CONFIG_BYTES:
        raise SpecError(f"{origin} holds {len(text):,} characters; at most {MAX_CONFIG_BYTES:,} are read")
    if not looks_like_config(text):
        return parse_spec(text)
    return _config_from_text(text, origin)


def _config_from_text(text: str, origin: str) -> Schedule:
    from .config import loads

    try:
        return loads(text)
    except SpecError:
        raise
    except Exception as exc:  # invalid JSON/YAML, an invalid config, or one too deep or too large
        raise SpecError(f"{origin}: {_reason(exc)}") from None


def load_spec(text: str) -> Schedule:
    """A schedule from a SPEC expression, or from the file it names (a JSON/YAML config or a
    SPEC expression).

    Raises:
        SpecError: with a one-line message, for a bad expression or an unreadable or
            invalid file.
    """
    if not looks_like_path(text):
        return parse_spec(text)
    path = Path(text.strip())
    name = clip_middle(repr(str(path)), 80)
    if not path.is_file():
        raise SpecError(f"no such config file: {name}")
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise SpecError(f"config file {name} is {size:,} bytes; at most {MAX_CONFIG_BYTES:,} are read")
        content = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpecError(f"config file {name} is not UTF-8 text") from None
    except OSError as exc:
        raise SpecError(f"cannot read config file {name}: {exc.strerror or exc}") from None
    if not content.strip():
        raise SpecError(f"config file {name} is empty")
    if path.suffix.lower() in _CONFIG_SUFFIXES:
        return _config_from_text(content, f"config file {name}")
    return spec_from_text(content, origin=f"file {name}")
