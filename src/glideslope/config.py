"""Configs: plain dicts (JSON/YAML-safe) that rebuild schedules, and files that hold them.

``schedule.to_config()`` writes ``{"type": "cosine", "start": ..., ...}`` with nested
schedules as nested dicts; :func:`from_config` rebuilds an equal schedule. User functions
(``function(fn)``, ``cyclic(scale_fn=...)``) are written as ``{"callable": "module:name"}``
and only imported back when ``allow_callables=True``: a config is data, and loading one
from an untrusted file must not import code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._optional import MissingExtraError, require
from ._validate import checked_keywords, short
from ._walk import recursion_room
from .schedule import MAX_DEPTH, REGISTRY, Schedule

if TYPE_CHECKING:
    from pathlib import Path

#: The most values (dicts, lists, numbers, strings) a config may hold. A value reached twice
#: (a YAML alias, a sub-dict shared in Python) counts twice: that is the work loading does.
MAX_NODES = 100_000
#: The deepest nesting of dicts and lists a config may have (two per level of schedules).
MAX_CONFIG_DEPTH = 2 * MAX_DEPTH + 8
#: The longest config text :func:`loads` and :func:`load` read (characters).
MAX_TEXT = 10_000_000


@checked_keywords
def from_config(config: dict[str, Any], *, allow_callables: bool = False) -> Schedule:
    """Rebuild a schedule from :meth:`Schedule.to_config` output.

    A config is untrusted data: it is surveyed first, without recursion, and refused with a
    ValueError when it holds more than :data:`MAX_NODES` values (shared sub-trees and YAML
    aliases counted each time they are reached), nests deeper than :data:`MAX_CONFIG_DEPTH`
    or contains itself. Any argument a constructor refuses becomes a ValueError naming where
    in the config it is.
    """
    depth = _survey(config)
    with recursion_room(depth):
        value = _decode(config, "config", allow_callables)
    if not isinstance(value, Schedule):
        raise ValueError(f"config must describe a schedule (a dict with a 'type'), got {short(config)}")
    return value


def _survey(data: Any) -> int:
    """Count the values of ``data`` (each time they are reached) and return its depth;
    ValueError past the budget, past the depth limit, or for a dict/list inside itself."""
    count = deepest = 0
    on_path: set[int] = set()
    stack: list[tuple[Any, int, bool]] = [(data, 1, False)]
    while stack:
        obj, depth, leaving = stack.pop()
        if leaving:
            on_path.discard(id(obj))
            continue
        count += 1
        if count > MAX_NODES:
            raise ValueError(
                f"config holds more than {MAX_NODES:,} values (shared sub-trees and YAML aliases "
                f"count each time they are used); refused"
            )
        if isinstance(obj, (dict, list)):
            if id(obj) in on_path:
                raise ValueError("config contains itself (a dict or list nested inside itself); it must be a tree")
            if depth > MAX_CONFIG_DEPTH:
                raise ValueError(f"config nests dicts and lists more than {MAX_CONFIG_DEPTH} deep; refused")
            deepest = max(deepest, depth)
            on_path.add(id(obj))
            stack.append((obj, depth, True))
            stack.extend((c, depth + 1, False) for c in (obj.values() if isinstance(obj, dict) else obj))
    return deepest


def _where(where: str) -> str:
    return where if len(where) <= 120 else f"{where[:50]}...{where[-60:]}"


def _decode(value: Any, where: str, allow_callables: bool) -> Any:
    if isinstance(value, dict):
        if "callable" in value and len(value) == 1:
            return _import_callable(value["callable"], where, allow_callables)
        kind = value.get("type")
        if not isinstance(kind, str):
            raise ValueError(f"{_where(where)} is a dict without a 'type' naming a schedule: {short(value)}")
        cls = REGISTRY.get(kind)
        if cls is None:
            known = ", ".join(sorted(REGISTRY))
            raise ValueError(f"{_where(where)} has unknown type {short(kind)}; known types: {known}")
        unknown = [k for k in value if k != "type" and k not in cls._fields]
        if unknown:
            names = short(sorted(map(str, unknown)))
            raise ValueError(f"{_where(where)}: {kind} takes {list(cls._fields)}, not {names}")
        kwargs = {k: _decode(v, f"{where}.{k}", allow_callables) for k, v in value.items() if k != "type"}
        try:
            if kind in ("product", "add", "minimum", "maximum"):
                schedules = kwargs.get("schedules", ())
                if not isinstance(schedules, list):
                    raise TypeError(f"schedules must be a list of schedules, got {short(schedules)}")
                return cls(*schedules)
            return cls(**kwargs)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{_where(where)} ({kind}): {e}") from None
    if isinstance(value, list):
        return [_decode(v, f"{where}[{i}]", allow_callables) for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"{_where(where)} holds {type(value).__name__} {short(value)}, which is not config data")


def _import_callable(ref: Any, where: str, allow: bool) -> Any:
    if not allow:
        raise ValueError(
            f"{_where(where)} refers to the function {short(ref)}; loading it would import code. "
            f"Pass allow_callables=True if you trust this config."
        )
    if not isinstance(ref, str) or ":" not in ref:
        raise ValueError(f"{_where(where)}: a callable is written 'module:qualname', got {short(ref)}")
    module, _, qualname = ref.partition(":")
    try:
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError, ValueError, TypeError) as e:
        raise ValueError(f"{_where(where)}: cannot find the callable {short(ref)} ({type(e).__name__}: {e})") from None
    if not callable(obj):
        raise ValueError(f"{_where(where)}: {short(ref)} is a {type(obj).__name__}, not a callable")
    return obj


def dumps(schedule: Schedule) -> str:
    """The schedule's config as JSON text, indented (compact when nested deep: indentation
    would grow with the square of the depth)."""
    import json

    with recursion_room(schedule._depth):
        return json.dumps(schedule.to_config(), indent=2 if schedule._depth <= 32 else None)


@checked_keywords
def loads(text: str, *, allow_callables: bool = False) -> Schedule:
    """Rebuild a schedule from JSON (or, with PyYAML installed, YAML) text.

    Untrusted text does bounded work: at most :data:`MAX_TEXT` characters are read, text that
    nests too deep for the parser is a ValueError, and :func:`from_config` bounds the rest.
    """
    import json

    if len(text) > MAX_TEXT:
        raise ValueError(f"config text is {len(text):,} characters long; at most {MAX_TEXT:,} are read")
    try:
        with recursion_room(MAX_CONFIG_DEPTH, 1):  # the C parser: one level each
            data = json.loads(text)
    except json.JSONDecodeError:
        data = _yaml(text)
    except RecursionError:
        raise ValueError("config text nests too deep to parse") from None
    return from_config(data, allow_callables=allow_callables)


def _yaml(text: str) -> Any:
    try:
        yaml = require("yaml", extra="yaml", feature="reading YAML")
    except MissingExtraError as exc:
        raise ValueError(f"text is not JSON, and {exc}") from None
    try:
        with recursion_room(MAX_CONFIG_DEPTH, 6):  # PyYAML's composer: a few frames a level
            return yaml.safe_load(text)
    except RecursionError:
        raise ValueError("config text nests too deep to parse") from None
    except yaml.YAMLError as e:
        raise ValueError(f"text is neither JSON nor YAML: {short(str(e), 200)}") from None


@checked_keywords
def load(path: str | Path, *, allow_callables: bool = False) -> Schedule:
    """Read a schedule from a JSON or YAML file written from ``to_config()``."""
    from pathlib import Path

    p = Path(path)
    size = p.stat().st_size
    if size > 4 * MAX_TEXT:
        raise ValueError(f"{short(str(p))} is {size:,} bytes; at most {MAX_TEXT:,} characters are read")
    return loads(p.read_text(), allow_callables=allow_callables)


@checked_keywords
def save(schedule: Schedule, path: str | Path) -> None:
    """Write the schedule's config to a JSON file (YAML when the name ends .yaml/.yml)."""
    from pathlib import Path

    p = Path(path)
    if p.suffix in (".yaml", ".yml"):
        yaml = require("yaml", extra="yaml", feature=f"saving {p.name} as YAML")
        with recursion_room(schedule._depth):
            p.write_text(yaml.safe_dump(schedule.to_config(), sort_keys=False))
    else:
        p.write_text(dumps(schedule) + "\n")
