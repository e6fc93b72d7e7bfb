"""Configs: plain dicts (JSON/YAML-safe) that rebuild schedules, and files that hold them.

``schedule.to_config()`` writes ``{"type": "cosine", "start": ..., ...}`` with nested
schedules as nested dicts; :func:`from_config` rebuilds an equal schedule. User functions
(``function(fn)``, ``cyclic(scale_fn=...)``) are written as ``{"callable": "module:name"}``
and only imported back when ``allow_callables=True``: a config is data, and loading one
from an untrusted file must not import code.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from .schedule import REGISTRY, Schedule


def from_config(config: dict[str, Any], *, allow_callables: bool = False) -> Schedule:
    """Rebuild a schedule from :meth:`Schedule.to_config` output."""
    value = _decode(config, "config", allow_callables)
    if not isinstance(value, Schedule):
        raise ValueError(f"config must describe a schedule (a dict with a 'type'), got {config!r}")
    return value


def _decode(value: Any, where: str, allow_callables: bool) -> Any:
    if isinstance(value, dict):
        if "callable" in value and len(value) == 1:
            return _import_callable(value["callable"], where, allow_callables)
        kind = value.get("type")
        if not isinstance(kind, str):
            raise ValueError(f"{where} is a dict without a 'type' naming a schedule: {value!r}")
        cls = REGISTRY.get(kind)
        if cls is None:
            known = ", ".join(sorted(REGISTRY))
            raise ValueError(f"{where} has unknown type {kind!r}; known types: {known}")
        kwargs = {k: _decode(v, f"{where}.{k}", allow_callables) for k, v in value.items() if k != "type"}
        unknown = set(kwargs) - set(cls._fields)
        if unknown:
            raise ValueError(f"{where}: {kind} takes {list(cls._fields)}, not {sorted(unknown)}")
        if kind in ("product", "add", "minimum", "maximum"):
            return cls(*kwargs.get("schedules", ()))
        return cls(**kwargs)
    if isinstance(value, list):
        return [_decode(v, f"{where}[{i}]", allow_callables) for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"{where} holds {type(value).__name__} {value!r}, which is not config data")


def _import_callable(ref: Any, where: str, allow: bool) -> Any:
    if not allow:
        raise ValueError(
            f"{where} refers to the function {ref!r}; loading it would import code. "
            f"Pass allow_callables=True if you trust this config."
        )
    if not isinstance(ref, str) or ":" not in ref:
        raise ValueError(f"{where}: a callable is written 'module:qualname', got {ref!r}")
    module, _, qualname = ref.partition(":")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def dumps(schedule: Schedule) -> str:
    """The schedule's config as indented JSON text."""
    return json.dumps(schedule.to_config(), indent=2)


def loads(text: str, *, allow_callables: bool = False) -> Schedule:
    """Rebuild a schedule from JSON (or, with PyYAML installed, YAML) text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        try:
            import yaml
        except ImportError:
            raise ValueError("text is not JSON (install PyYAML to read YAML)") from None
        data = yaml.safe_load(text)
    return from_config(data, allow_callables=allow_callables)


def load(path: str | Path, *, allow_callables: bool = False) -> Schedule:
    """Read a schedule from a JSON or YAML file written from ``to_config()``."""
    return loads(Path(path).read_text(), allow_callables=allow_callables)


def save(schedule: Schedule, path: str | Path) -> None:
    """Write the schedule's config to a JSON file (YAML when the name ends .yaml/.yml)."""
    p = Path(path)
    if p.suffix in (".yaml", ".yml"):
        import yaml

        p.write_text(yaml.safe_dump(schedule.to_config(), sort_keys=False))
    else:
        p.write_text(dumps(schedule) + "\n")
