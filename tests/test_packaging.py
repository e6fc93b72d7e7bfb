"""The package imports with no third-party package, and its README examples run."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

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
