"""The documentation's code runs, its printed outputs are real, and the site covers the API.

Every ```python block in docs/**/*.md runs in a fresh interpreter. A block that imports a
framework that is not installed is skipped, unless GLIDESLOPE_DOCS_ALL=1 (CI sets it, where every
framework is installed) turns the skip into a failure.
"""

from __future__ import annotations

import ast
import importlib.util
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))

# The public modules and the API page that must render each one.
API = {
    "glideslope": "api/glideslope.md",
    "glideslope.torch": "api/torch.md",
    "glideslope.optax": "api/optax.md",
    "glideslope.keras": "api/keras.md",
    "glideslope.timm": "api/timm.md",
}
# Pages other contributors write; the nav must list them.
REQUIRED_PAGES = [
    "index.md", "install.md", "gallery.md", "schedules.md", "guides/pytorch.md", "guides/transformers.md",
    "guides/lightning.md", "guides/timm.md", "guides/optax.md", "guides/keras.md", "cli.md", "guarantees.md",
    "finder.md", "benchmark.md", "budget-study.md", "guides/plan-changes.md",
]


def _blocks() -> list[tuple[str, int, str]]:
    out = []
    for page in PAGES:
        for i, block in enumerate(re.findall(r"^```python\n(.*?)^```", page.read_text(), flags=re.S | re.M)):
            out.append((page.relative_to(DOCS).as_posix(), i, block))
    return out


BLOCKS = _blocks()


def _imported_tops(code: str) -> set[str]:
    tops = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            tops |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            tops.add(node.module.split(".")[0])
    return tops


def test_there_are_blocks_to_run() -> None:
    assert len(BLOCKS) > 40, [f"{p}#{i}" for p, i, _ in BLOCKS]


@pytest.mark.parametrize("page, index, code", BLOCKS, ids=[f"{p}#{i}" for p, i, _ in BLOCKS])
def test_python_block_runs(page: str, index: int, code: str) -> None:
    missing = sorted(m for m in _imported_tops(code) if importlib.util.find_spec(m) is None)
    if missing:
        if os.environ.get("GLIDESLOPE_DOCS_ALL") == "1":
            pytest.fail(f"docs/{page} block {index} needs {missing}, which CI should have installed")
        pytest.skip(f"needs {missing}")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "JAX_PLATFORMS": "cpu", "PYTHONWARNINGS": "ignore"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                            timeout=300)
    assert result.returncode == 0, f"docs/{page} block {index} failed:\n{code}\n{result.stderr[-3000:]}"
    # a '# ...' line right after a print() is that print's real output
    lines = code.splitlines()
    for before, line in itertools.pairwise(lines):
        if line.startswith("# ") and before.lstrip().startswith("print(") and (line[2:3] in "[(" or line[2:3].isdigit()):
            assert line[2:] in result.stdout.splitlines(), (page, index, line, result.stdout)


def test_docs_never_mention_notes_outside_the_repository() -> None:
    for page in [*PAGES, ROOT / "README.md"]:
        assert "design notes" not in page.read_text().lower(), page


# -- the site -------------------------------------------------------------------------------------


def _mkdocs_config() -> dict:
    yaml = pytest.importorskip("yaml")

    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml may hold !!python/name tags (pymdownx options); read them as plain strings
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: suffix)
    return yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=Loader)


def _nav_pages(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [p for item in nav for p in _nav_pages(item)]
    if isinstance(nav, dict):
        return [p for value in nav.values() for p in _nav_pages(value)]
    return []


def test_nav_lists_every_page_and_the_required_ones() -> None:
    config = _mkdocs_config()
    nav = _nav_pages(config["nav"])
    assert len(nav) == len(set(nav)), "a page is in the nav twice"
    pages = {p.relative_to(DOCS).as_posix() for p in PAGES}
    assert set(REQUIRED_PAGES) <= set(nav), sorted(set(REQUIRED_PAGES) - set(nav))
    assert set(nav) == pages, {"not in nav": sorted(pages - set(nav)), "missing files": sorted(set(nav) - pages)}
    assert set(API.values()) <= set(nav)


def test_site_builds_offline() -> None:
    """No remote fonts: mkdocs-material would fetch Google Fonts at build time."""
    config = _mkdocs_config()
    assert config["theme"]["font"] is False
    plugins = [p if isinstance(p, str) else next(iter(p)) for p in config["plugins"]]
    assert not {"social", "privacy", "git-revision-date-localized"} & set(plugins), plugins


def _module_file(module: str) -> Path | None:
    base = ROOT / "src" / Path(*module.split("."))
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def _public_names(path: Path) -> list[str]:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError(f"{path} has no __all__")


@pytest.mark.parametrize("module", sorted(API))
def test_api_page_renders_the_module(module: str) -> None:
    source = _module_file(module)
    page = (DOCS / API[module]).read_text()
    if source is None:
        assert f"::: {module}" not in page
        pytest.skip(f"{module} does not exist yet")
    assert re.search(rf"^::: {re.escape(module)}$", page, flags=re.M), f"docs/{API[module]} must render {module}"


def test_api_reference_has_every_public_name(tmp_path: Path) -> None:
    """Build the site once (strictly, as CI does) and find every public name's anchor."""
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None:
        pytest.skip("mkdocs is not installed (pip install 'glideslope[docs]')")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    undocumented = {}
    for module, page in API.items():
        source = _module_file(module)
        if source is None:
            continue
        html = (tmp_path / page.removesuffix(".md") / "index.html").read_text()
        anchors = set(re.findall(r'id="([\w.]+)"', html))
        missing = [n for n in _public_names(source) if not {f"{module}.{n}", f"{module}.{n}.{n}"} & anchors]
        if missing:
            undocumented[f"docs/{page}"] = missing
    assert not undocumented, f"public names the API reference does not document: {undocumented}"
