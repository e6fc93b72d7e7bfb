"""docs/cli.md, the CLI reference: every ```console example runs and prints what the page
shows, and the page documents every command and every option of the commands it owns."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import run_cli

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"

pytestmark = pytest.mark.skipif(not PAGE.exists(), reason="docs/ is not here (an sdist without the docs)")


def _sessions() -> list[tuple[int, list[tuple[str, str]]]]:
    """Each console block as ``(line number, [(command, expected output), ...])``."""
    if not PAGE.exists():
        return []
    text = PAGE.read_text(encoding="utf-8")
    out = []
    for match in re.finditer(r"^```console\n(.*?)^```", text, flags=re.S | re.M):
        line = text.count("\n", 0, match.start()) + 1
        pairs: list[tuple[str, str]] = []
        for row in match.group(1).splitlines():
            if row.startswith("$ "):
                pairs.append((row[2:], ""))
            else:
                assert pairs, f"docs/cli.md:{line}: output before the first '$ ' command"
                pairs[-1] = (pairs[-1][0], pairs[-1][1] + row + "\n")
        out.append((line, pairs))
    return out


SESSIONS = _sessions()


def test_the_page_has_examples() -> None:
    assert sum(len(pairs) for _, pairs in SESSIONS) >= 10


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the whole page, so that a file one example writes, the next can read."""
    return tmp_path_factory.mktemp("cli-docs")


@pytest.mark.parametrize(("line", "pairs"), SESSIONS, ids=[f"cli.md:{line}" for line, _ in SESSIONS])
def test_console_example_prints_what_the_page_shows(line: int, pairs: list[tuple[str, str]], workdir: Path) -> None:
    bindir = str(Path(sys.executable).parent)  # the venv's glideslope and python come first
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", ""), "COLUMNS": "80", "LINES": "30",
           "PYTHONIOENCODING": "utf-8", "MPLBACKEND": "Agg"}
    env.pop("GLIDESLOPE_DEBUG", None)
    for command, expected in pairs:
        proc = subprocess.run(["bash", "-c", "{ " + command + "\n} 2>&1"], capture_output=True, text=True, encoding="utf-8",
                              cwd=workdir, env=env, timeout=300)
        got = "".join(row.rstrip() + "\n" for row in proc.stdout.splitlines())
        want = "".join(row.rstrip() + "\n" for row in expected.splitlines())
        assert got == want, f"docs/cli.md:{line}: $ {command}\n--- page ---\n{want}--- printed ---\n{got}"


def test_the_page_documents_every_command_and_option() -> None:
    text = PAGE.read_text(encoding="utf-8")
    top = run_cli("--help")
    commands = re.findall(r"^    (\w+)\s", top.out, flags=re.M)
    assert {"show", "table", "plot", "export", "find", "bench"} <= set(commands), top.out
    for command in commands:
        assert f"`{command}`" in text, f"docs/cli.md does not mention the command {command}"
    for command in ("show", "table", "plot", "export"):
        options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", run_cli(command, "--help").out)) - {"--help"}
        assert options, command
        for option in sorted(options):
            assert f"`{option}" in text, f"docs/cli.md does not document {command} {option}"
    for status in ("| 0 |", "| 1 |", "| 2 |"):
        assert status in text
