"""Count the CPU instructions a Python script runs, with valgrind's callgrind (shared by the
benchmarks' ``--instructions`` options)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys


def available() -> bool:
    return shutil.which("valgrind") is not None


def instructions(script: str, *args: str) -> int:
    """Instructions of ``python script args...`` run under callgrind (the whole process)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("counting instructions needs valgrind (apt-get install valgrind)")
    out = subprocess.run(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, script, *args],
        capture_output=True, text=True, check=True,
    )
    m = re.search(r"Collected : (\d+)", out.stderr)
    assert m, out.stderr[-2000:]
    return int(m.group(1))
