"""Helpers for the command-line tests (imported by the test modules here): run ``python -m glideslope`` as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXPECTED = Path(__file__).parent / "expected"


class Result:
    """What a finished ``glideslope`` process left behind."""

    def __init__(self, proc: subprocess.CompletedProcess[str]) -> None:
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def __repr__(self) -> str:
        return f"Result(rc={self.rc}, out={self.out[-2000:]!r}, err={self.err[-2000:]!r})"


def run_cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 120,
) -> Result:
    """Run ``python -m glideslope ARGS`` in a fresh interpreter, with a fixed terminal size;
    ``stdin`` is the text piped into it (none: an empty standard input)."""
    full_env = {**os.environ, "COLUMNS": "80", "LINES": "30", "PYTHONIOENCODING": "utf-8", "MPLBACKEND": "Agg"}
    full_env.pop("GLIDESLOPE_DEBUG", None)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "glideslope", *args],
        capture_output=True, text=True, encoding="utf-8", errors="replace", cwd=cwd, env=full_env,
        timeout=timeout, input=stdin if stdin is not None else "",
    )
    return Result(proc)


def assert_user_error(res: Result, *fragments: str) -> None:
    """Exit status 2, nothing on stdout, exactly one line on stderr holding each fragment."""
    assert res.rc == 2, res
    assert "Traceback" not in res.err, res
    lines = res.err.strip().splitlines()
    assert len(lines) == 1, res
    for f in fragments:
        assert f in lines[0], (f, lines[0])
