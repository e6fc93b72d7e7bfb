"""How long the README's jobs take: the figures ``benchmarks/time_readme.py`` measured.

The figures file (``benchmarks/results/readme-times.json``) holds one entry per measured run:
the seconds each job took (``setup``: ``bash scripts/setup.sh`` in a fresh clone; ``bench``:
``glideslope bench``, the main job; ``tests``: ``bash scripts/test.sh``), the machine's cores
and its load average just before each job (other work on the machine). The README quotes
:func:`time_range` and :func:`machine`, and the main job's opening line prints
:func:`estimate`, so the three always agree (``tests/cli/test_cli_polish.py`` checks it).

The file lies in the source tree, next to the benchmark's other records; an installed wheel
has none, and then there is no estimate to print.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

#: The committed figures, in a source checkout (``src/glideslope/bench/`` -> the repository).
FIGURES = Path(__file__).resolve().parents[3] / "benchmarks" / "results" / "readme-times.json"

#: A job's load average (1 min) before it starts, per core, above which the machine was shared.
SHARED_LOAD = 0.25

JOBS = ("setup", "bench", "tests")


def load_figures(path: Path | str | None = None) -> dict[str, Any] | None:
    """The figures file as a dict, or None where there is none (an installed wheel)."""
    p = Path(path) if path is not None else FIGURES
    try:
        data: dict[str, Any] = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def _shared(run: dict[str, Any], job: str) -> bool:
    return bool(run["load_before"][job] > SHARED_LOAD * int(run["cores"]))


def _runs(figures: dict[str, Any], job: str) -> list[dict[str, Any]]:
    """The runs of ``job`` the README quotes: those on an idle machine where there are any
    (what a new user on a quiet machine sees), else every run, on a shared machine."""
    runs = [r for r in figures.get("runs", []) if job in r.get("seconds", {})]
    idle = [r for r in runs if not _shared(r, job)]
    return idle or runs


def time_range(figures: dict[str, Any], job: str) -> str | None:
    """The measured times of ``job`` as a range of minutes, rounded outwards to half minutes:
    ``"4-5 min"`` (always two ends, so a single run still reads as the estimate it is)."""
    seconds = [r["seconds"][job] for r in _runs(figures, job)]
    if not seconds:
        return None
    low = math.floor(min(seconds) / 30) / 2
    high = math.ceil(max(seconds) / 30) / 2
    if high <= low:
        high = low + 0.5
    return f"{low:g}-{high:g} min"


def machine(figures: dict[str, Any], job: str) -> str | None:
    """The machine the times of ``job`` were measured on: ``"2 idle cores"``, or ``"2 cores
    shared with other work (load average 9.6)"`` when some run started with a load average
    above :data:`SHARED_LOAD` per core (the highest such load is given)."""
    runs = _runs(figures, job)
    if not runs:
        return None
    cores = sorted({int(r["cores"]) for r in runs})
    n = "/".join(str(c) for c in cores)
    loads = [r["load_before"][job] for r in runs if _shared(r, job)]
    return f"{n} cores shared with other work (load average {max(loads):.2g})" if loads else f"{n} idle cores"


def estimate(job: str = "bench", figures: dict[str, Any] | None = None) -> str | None:
    """``"about 4-5 min on 2 idle cores"`` for ``job``, from the figures; None without them."""
    figures = figures if figures is not None else load_figures()
    if figures is None:
        return None
    span, where = time_range(figures, job), machine(figures, job)
    if span is None or where is None:
        return None
    return f"about {span} on {where}"
