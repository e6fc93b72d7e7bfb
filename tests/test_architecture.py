"""The house rules, checked from the source: no import circle, no module over 600 lines, and
each layer importing only the layers below it (see docs/architecture.md).

The import graph is read with :mod:`ast` from every ``.py`` file under ``src/glideslope``:
imports at every depth (inside functions, methods and ``if TYPE_CHECKING:`` blocks too) and
``importlib.import_module("...")`` calls with a literal name. ``from package import name``
counts as importing the submodule ``package.name`` when there is one, else ``package``. A
package's ``__init__`` is not counted as imported by its submodules (Python runs it first,
but what it re-exports is the public face, not a dependency of the module).

One exception, by design: the :class:`~glideslope.Schedule` base's operator and picture
methods import composition (``glideslope.compose``) and rendering (``glideslope.cli.render``)
lazily, inside those methods. Those edges, and only those, are left out of the graph.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "glideslope"
MAX_LINES = 600

#: (importer, imported): the deferred imports of the Schedule base (see the module docstring).
ALLOWED_LAZY = {
    ("glideslope.schedule", "glideslope.compose"),
    ("glideslope.schedule", "glideslope.cli.render"),
}

#: Layers, lowest first. A module may import its own layer and the layers below it.
ENGINE = "engine"
DIALECT = "dialect"
TOOL = "tool"
DIALECTS = ("torch", "timm", "optax", "keras")
#: Tools, in the order they may import each other: bench drives the finder and the command
#: line's argument helpers; the command line's main loads every tool's commands.
TOOLS = ("tune", "cli", "bench")
#: The one import back up that order: the program (glideslope.cli.program) loads the
#: benchmark's commands; those use only the command line's shared helpers (glideslope.cli.args).
TOOL_EXTRA = {("glideslope.cli.program", "glideslope.bench.commands")}


def modules(package: Path = PACKAGE) -> dict[str, tuple[Path, bool]]:
    """Every module's dotted name -> (its file, whether it is a package's ``__init__``)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


def _absolute(module: str, is_package: bool, level: int, name: str | None) -> str:
    base = module.split(".")
    if not is_package:
        base.pop()
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _known(name: str, known: dict[str, tuple[Path, bool]]) -> str | None:
    """The longest prefix of ``name`` that is one of our modules (None outside glideslope)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the modules of ``package`` it imports, at any depth."""
    known = modules(package)
    graph: dict[str, set[str]] = defaultdict(set)
    for module, (path, is_package) in known.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, is_package, node.level, node.module) if node.level else node.module or ""
                names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                names = [node.args[0].value]
            for name in names:
                target = _known(name, known)
                if target and target != module:
                    graph[module].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    nodes = sorted(set(graph) | {m for targets in graph.values() for m in targets})
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def layer(module: str) -> tuple[str, str]:
    """``(layer, room)``: the engine (room ""), a dialect or a tool (room: its package)."""
    parts = module.split(".")
    room = parts[1] if len(parts) > 1 else ""
    if room in DIALECTS:
        return DIALECT, room
    if room in TOOLS:
        return TOOL, room
    return ENGINE, ""


def allowed(importer: str, imported: str) -> bool:
    """May ``importer`` import ``imported``? Engine <- dialects <- tools; tools in TOOLS order;
    the package's own ``__init__`` (the public face) and ``__main__`` may import anything."""
    if importer in ("glideslope", "glideslope.__main__") or (importer, imported) in ALLOWED_LAZY:
        return True
    (kind, room), (target_kind, target_room) = layer(importer), layer(imported)
    if imported == "glideslope":  # the public namespace: for the tools and the dialects
        return kind != ENGINE or importer == "glideslope.spec"
    order = [ENGINE, DIALECT, TOOL]
    if order.index(target_kind) < order.index(kind):
        return True
    if target_kind != kind:
        return False
    if kind == DIALECT:
        return room == target_room
    if kind == TOOL:
        return TOOLS.index(target_room) <= TOOLS.index(room) or (importer, imported) in TOOL_EXTRA
    return True



def test_the_graph_is_read() -> None:
    """The reader sees plain, relative, deferred and importlib imports (a broken reader
    would pass every test below)."""
    graph = import_graph()
    assert "glideslope.schedule" in graph["glideslope.shapes"]  # a top-level relative import
    assert "glideslope.compose" in graph["glideslope.schedule"]  # a deferred one, in a method
    assert "glideslope.bench.commands" in graph["glideslope.cli.program"]  # inside a function
    assert "glideslope.cli.args" in graph["glideslope.bench.commands"]  # from a sub-package
    assert "glideslope.tune" in graph["glideslope"]  # a package, by its __init__
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_hidden_imports_are_read(tmp_path: Path) -> None:
    """A circle hidden in a function, behind ``if TYPE_CHECKING`` or in importlib is found."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    for name, text in {
        "__init__.py": "from .a import f\n",
        "a.py": "def f():\n    import importlib\n    return importlib.import_module('pkg.sub.b')\n",
        "sub/__init__.py": "",
        "sub/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..c import C\n",
        "c.py": "def g():\n    from . import a\n",
    }.items():
        (pkg / name).write_text(text)
    graph = import_graph(pkg)
    assert graph["pkg.a"] == {"pkg.sub.b"} and graph["pkg.sub.b"] == {"pkg.c"} and graph["pkg.c"] == {"pkg.a"}
    assert cycles(graph) == [["pkg.a", "pkg.c", "pkg.sub.b"]]


def test_no_import_circle() -> None:
    graph = import_graph()
    for importer, imported in ALLOWED_LAZY:
        graph[importer].discard(imported)
    assert cycles(graph) == []


def test_layers_import_downwards() -> None:
    wrong = sorted(
        f"{importer} imports {imported}"
        for importer, targets in import_graph().items()
        for imported in targets
        if not allowed(importer, imported)
    )
    assert wrong == []


@pytest.mark.parametrize("module", sorted(modules()))
def test_module_size(module: str) -> None:
    path, _ = modules()[module]
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(SRC)} has {lines} lines (at most {MAX_LINES})"


def test_top_level_is_the_engine() -> None:
    """``ls src/glideslope``: engine modules, and one directory per dialect and per tool."""
    dirs = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert dirs == sorted(("_xp", *DIALECTS, *TOOLS))
    loose = {p.stem for p in PACKAGE.glob("*.py")}
    assert not {name for name in loose if any(name.startswith(d) or name.startswith(f"_{d}") for d in DIALECTS + TOOLS)}


def test_the_architecture_page_tells_the_same_rule() -> None:
    """docs/architecture.md names every room of the house and the tools' order this test uses."""
    page = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    rooms = [p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    assert all(f"{room}/" in page for room in rooms), rooms
    assert "`" + "`, `".join(TOOLS) + "`" in page
    for lazy in sorted({imported for _, imported in ALLOWED_LAZY}):
        assert f"`{lazy}`" in page, lazy
