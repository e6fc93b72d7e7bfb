"""The package imports with no third-party package, and its README examples run."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

BLOCKER = textwrap.dedent(
    """
    import sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"numpy", "torch", "jax", "jaxlib", "keras", "optax",
                                      "transformers", "matplotlib", "yaml", "scipy"}:
                raise ImportError("blocked for this test: " + name)
            return None
    sys.meta_path.insert(0, Block())
    """
)


# Not installed at all (ModuleNotFoundError), as opposed to BLOCKER's broken install (ImportError).
NO_YAML = BLOCKER.replace('raise ImportError("blocked for this test: " + name)', 'raise ModuleNotFoundError("blocked: " + name, name=name)')
NO_SKLEARN = NO_YAML.replace('"scipy"}', '"scipy", "sklearn"}')


def test_import_needs_no_third_party_package() -> None:
    code = BLOCKER + textwrap.dedent(
        """
        import glideslope as gs
        s = 3e-4 * (gs.warmup("5%") >> gs.cosine(end=0.1)).bind(total_steps=1000)
        assert abs(s(50) - 3e-4) < 1e-15
        assert gs.from_config(s.to_config()) == s
        print(gs.mean(s, 0, 1000) > 0, sorted(m for m in sys.modules if m.split(".")[0] in {"numpy", "torch"}))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True []"


def test_typed_package() -> None:
    assert (ROOT / "src" / "glideslope" / "py.typed").exists()


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_python_examples_run() -> None:
    blocks = _python_blocks((ROOT / "README.md").read_text())
    assert blocks, "README has no python examples"
    for block in blocks:
        result = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, f"README example failed:\n{block}\n{result.stderr}"


def test_readme_printed_outputs_match() -> None:
    """Lines '# [..]' right after a print() in a README example are the real output."""
    for block in _python_blocks((ROOT / "README.md").read_text()):
        if "\n# " not in block:
            continue
        result = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, cwd=ROOT)
        expected = [line[2:] for line in block.splitlines() if line.startswith("# ") and "print(" not in line]
        for line in expected:
            if line.startswith("[") or line[:1].isdigit():
                assert line in result.stdout, (line, result.stdout)


# -- optional packages: one line that names the extra -----------------------------------------


def test_require_returns_the_module() -> None:
    import json

    from glideslope._optional import require

    assert require("json", extra="yaml") is json


def test_require_names_the_extra_in_one_line() -> None:
    from glideslope._optional import MissingExtraError, require

    with pytest.raises(MissingExtraError) as info:
        require("glideslope_no_such_package.sub", extra="bench", feature="glideslope bench")
    message = str(info.value)
    assert message == (
        'glideslope bench needs glideslope_no_such_package, which is not installed: pip install "glideslope[bench]"'
    )
    assert isinstance(info.value, ImportError)  # code that catches ImportError keeps working
    assert (info.value.module, info.value.extra) == ("glideslope_no_such_package", "bench")
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_require_names_the_distribution_not_the_import_name() -> None:
    code = NO_SKLEARN + (
        "from glideslope._optional import require\n"
        "try:\n    require('sklearn.datasets', extra='bench')\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == 'this needs scikit-learn, which is not installed: pip install "glideslope[bench]"\n'


def test_require_does_not_hide_a_broken_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed package whose own import fails says what really failed."""
    from glideslope._optional import MissingExtraError, require

    (tmp_path / "glideslope_broken_pkg.py").write_text("import glideslope_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as info:
        require("glideslope_broken_pkg", extra="bench")
    assert not isinstance(info.value, MissingExtraError)
    assert info.value.name == "glideslope_missing_dependency"




def test_yaml_without_pyyaml_names_the_extra(tmp_path: Path) -> None:
    code = NO_YAML + textwrap.dedent(
        f"""
        import glideslope as gs
        s = gs.cosine(steps=10)
        try:
            gs.save(s, {str(tmp_path / "lr.yaml")!r})
        except ImportError as e:
            print(type(e).__name__, e)
        try:
            gs.loads("kind: cosine")
        except ValueError as e:
            print(type(e).__name__, e)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == [
        'MissingExtraError saving lr.yaml as YAML needs PyYAML, which is not installed: pip install "glideslope[yaml]"',
        'ValueError text is not JSON, and reading YAML needs PyYAML, which is not installed: '
        'pip install "glideslope[yaml]"',
    ]


@pytest.mark.parametrize(
    ("blocked", "code", "expected"),
    [
        ("torch", "import glideslope.torch", 'glideslope.torch needs torch, which is not installed: pip install "glideslope[torch]"'),
        ("matplotlib", "import glideslope as gs\ngs.cosine(steps=9).plot()",
         'plotting a schedule needs matplotlib, which is not installed: pip install "glideslope[plot]"'),
    ],
)
def test_a_missing_framework_names_its_extra(blocked: str, code: str, expected: str) -> None:
    block = textwrap.dedent(
        f"""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == {blocked!r}:
                    raise ModuleNotFoundError("blocked for this test", name=name)
        sys.meta_path.insert(0, Block())
        try:
        """
    ) + textwrap.indent(code, "    ") + "\nexcept ImportError as e:\n    print(type(e).__name__, e)\n"
    out = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, check=True).stdout.strip()
    assert out == f"MissingExtraError {expected}"


def test_every_extra_a_message_names_exists() -> None:
    """Each ``extra="..."`` passed to require() in the package is an extra pyproject.toml declares."""
    import tomllib

    extras = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])
    named = {
        (path.relative_to(ROOT).as_posix(), extra)
        for path in (ROOT / "src").rglob("*.py")
        for extra in re.findall(r"""extra=["']([\w-]+)["']""", path.read_text())
    }
    unknown = sorted((path, extra) for path, extra in named if extra not in extras)
    assert not unknown, f"these name an extra pyproject.toml does not declare: {unknown}"
    assert {"yaml", "bench", "ray", "timm", "tensorflow", "docs"} <= extras


def test_ci_runs_the_readme_test_command_the_docs_build_and_the_wheel_smoke_test() -> None:
    readme, ci, test_sh = ((ROOT / p).read_text() for p in ("README.md", ".ci/run", "scripts/test.sh"))
    command = "bash scripts/setup.sh && bash scripts/test.sh"
    assert command in readme.split("\n## ")[0], "the README's test command must stay at the very top"
    assert command in ci
    assert "bash scripts/smoke_wheel.sh" in ci
    assert "mkdocs build --strict" in test_sh
    manifest = (ROOT / "MANIFEST.in").read_text()
    assert all(f"graft {d}" in manifest for d in ("tests", "examples", "docs", "scripts"))
    assert "--quiet" not in test_sh.split("mkdocs build")[1].split("\n")[0], "--quiet makes --strict count nothing"


def test_readme_links_point_at_files_and_headings_that_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    anchors = {re.sub(r"[^\w\- ]", "", h).strip().lower().replace(" ", "-") for h in re.findall(r"^#+ (.+)$", readme, re.M)}
    for target in re.findall(r"\]\(([^)\s]+)\)", readme):
        if target.startswith(("http://", "https://")):
            continue
        if target.startswith("#"):
            assert target[1:] in anchors, f"README links to a missing heading: {target}"
        else:
            assert (ROOT / target.split("#")[0]).exists(), f"README links to a missing file: {target}"


@pytest.mark.parametrize("command", ["bench", "find"])
def test_bench_and_find_without_numpy_name_the_bench_extra(command: str) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "numpy":
                    raise ModuleNotFoundError("blocked for this test", name=name)
        sys.meta_path.insert(0, Block())
        from glideslope.cli import main
        sys.exit(main([{command!r}]))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip() == (
        f'glideslope {command}: error: glideslope {command} needs numpy, which is not installed: '
        'pip install "glideslope[bench]"'
    )
