"""Every import path the README and docs/ name still works.

The paths are read from the documents themselves, so a page that names a new path is checked
too: every ``from glideslope... import a, b`` and ``import glideslope...`` line, every
``::: glideslope...`` directive of the API reference, and every dotted ``glideslope.x.y`` name
in the text. A name is resolved the way Python resolves it: import the longest prefix that is
a module, then take the rest as attributes.

The smoke test of the wheel (``scripts/smoke_wheel.sh``) runs this file against the wheel
installed into a fresh venv, away from the source tree.
"""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("KERAS_BACKEND", "jax")  # the docs' Keras paths, on a backend the dev set-up has

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

#: Which optional package each dialect path needs (skipped where it is not installed).
NEEDS = {
    "glideslope.torch.trainer": "transformers",
    "glideslope.torch": "torch",
    "glideslope.timm": "torch",
    "glideslope.keras": "keras",
}

_FROM = re.compile(r"^\s*from (glideslope(?:\.\w+)*) import \(?([\w, ]+)", re.M)
_IMPORT = re.compile(r"^\s*import (glideslope(?:\.\w+)*)", re.M)
_DIRECTIVE = re.compile(r"^::: (glideslope(?:\.\w+)*)\s*$", re.M)
_DOTTED = re.compile(r"(?<![\w/.-])(glideslope(?:\.[A-Za-z_]\w*)+)")


def documented_paths() -> dict[str, str]:
    """Each documented dotted path -> the first document that names it."""
    found: dict[str, str] = {}

    def add(path: str, where: Path) -> None:
        found.setdefault(path, str(where.relative_to(ROOT)))

    for doc in DOCUMENTS:
        text = doc.read_text(encoding="utf-8")
        for module, names in _FROM.findall(text):
            for name in filter(None, (n.strip() for n in names.split(","))):
                add(f"{module}.{name}", doc)
        for pattern in (_IMPORT, _DIRECTIVE, _DOTTED):
            for path in pattern.findall(text):
                if not path.endswith((".md", ".py", ".png", ".svg")):
                    add(path, doc)
    return found


PATHS = documented_paths()


def resolve(path: str) -> Any:
    """Import the longest module prefix of ``path``, then take the rest as attributes."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            obj = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and not name.startswith(exc.name) and not exc.name.startswith("glideslope"):
                raise  # a framework the module needs is missing, not the module itself
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(path)


def test_the_documents_name_paths() -> None:
    """The reader finds the paths (a broken reader would pass the test below vacuously)."""
    for path in ("glideslope.find_lr", "glideslope.recommend", "glideslope.torch.ScheduleLR",
                 "glideslope.optax.to_optax", "glideslope.keras.CosineDecay", "glideslope.schedule.MAX_DEPTH"):
        assert path in PATHS, path
    assert "glideslope.md" not in PATHS


@pytest.mark.parametrize("path", sorted(PATHS))
def test_documented_path_imports(path: str) -> None:
    need = next((pkg for prefix, pkg in NEEDS.items() if path == prefix or path.startswith(prefix + ".")), None)
    if need is not None:
        pytest.importorskip(need)
    try:
        resolve(path)
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"{PATHS[path]} names {path}, which does not import: {exc}")


def test_resolve_refuses_a_missing_name() -> None:
    with pytest.raises(AttributeError):
        resolve("glideslope.no_such_name")
    with pytest.raises(AttributeError):
        resolve("glideslope.tune.finder.no_such_name")
