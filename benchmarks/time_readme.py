"""Time the README's jobs as a new user runs them, and record the figures the README quotes.

In a fresh clone of this repository (its last commit, in a temporary directory) it runs, one
after another, exactly the README's commands:

* ``setup``: ``bash scripts/setup.sh`` (a new ``.venv`` with every extra the tests use);
* ``bench``: ``.venv/bin/glideslope bench`` (the main job, no earlier results to reuse);
* ``tests``: ``bash scripts/test.sh`` (ruff, mypy, the docs build and pytest).

Each job's wall time, the machine's core count and its 1-minute load average just before the
job starts (the other work on the machine) are appended, as one run, to
``benchmarks/results/readme-times.json``. The README's times, and the estimate the main job
prints when it opens, are read from that file (:mod:`glideslope.bench.timings`), as ranges
over every recorded run, so one quick or slow run does not set them alone.

Run: ``nice -n 10 .venv/bin/python benchmarks/time_readme.py`` (about 10-20 min on 2 cores;
``--jobs setup,bench`` skips the tests). ``--dry-run`` prints the commands only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "benchmarks" / "results" / "readme-times.json"
COMMANDS = {
    "setup": ["bash", "scripts/setup.sh"],
    "bench": [".venv/bin/glideslope", "bench"],
    "tests": ["bash", "scripts/test.sh"],
}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class JobFailed(Exception):
    """A job exited with an error: its time is no figure, the jobs before it still are."""


def settled_load(wait: float = 180.0) -> float:
    """The 1-minute load average once the previous job's own load has decayed: wait (at most
    ``wait`` seconds) until it is below the per-core level at which the machine counts as
    shared (:data:`glideslope.bench.timings.SHARED_LOAD`), so that what is recorded is other
    work on the machine, not the tail of the job before."""
    idle = 0.25 * (os.cpu_count() or 1)
    deadline = time.monotonic() + wait
    while os.getloadavg()[0] >= idle and time.monotonic() < deadline:
        time.sleep(5)
    return os.getloadavg()[0]


def run_job(job: str, clone: Path, log: Path) -> tuple[float, float, float]:
    """Run one job in the clone; return (wall seconds, CPU seconds, load average before it).
    CPU seconds (user + system, of every process the job ran) depend little on other work on
    the machine; wall seconds are what a user waits. Raises JobFailed when the job fails."""
    load = settled_load()
    start, cpu = time.perf_counter(), _children_cpu()
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(COMMANDS[job], cwd=clone, stdout=out, stderr=subprocess.STDOUT, check=False)
    seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise JobFailed(f"time_readme: {job} failed (exit {done.returncode}); the end of its log:\n{tail}")
    return seconds, cpu, load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", default="setup,bench,tests", help="comma-separated: setup, bench, tests")
    parser.add_argument("--figures", default=str(FIGURES), help="the figures file to append the run to")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    args = parser.parse_args(argv)
    jobs = [j.strip() for j in args.jobs.split(",") if j.strip()]
    unknown = sorted(set(jobs) - set(COMMANDS))
    if unknown or not jobs:
        parser.error(f"--jobs takes setup, bench and tests, got {args.jobs!r}")
    if jobs[0] != "setup":
        jobs.insert(0, "setup")  # a fresh clone has no .venv: set-up always runs (and is timed)
    if args.dry_run:
        for job in jobs:
            print(f"{job}: {' '.join(COMMANDS[job])}")
        return 0
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="time-readme-") as tmp:
        clone = Path(tmp) / "glideslope"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        seconds: dict[str, float] = {}
        cpu: dict[str, float] = {}
        load_before: dict[str, float] = {}
        failed = None
        for job in jobs:
            print(f"time_readme: {job}: {' '.join(COMMANDS[job])} ...", flush=True)
            try:
                seconds[job], cpu[job], load_before[job] = run_job(job, clone, Path(tmp) / f"{job}.log")
            except JobFailed as exc:
                failed = str(exc)  # record the jobs that finished, then say so
                break
            print(f"time_readme: {job}: {seconds[job] / 60:.2f} min, {cpu[job] / 60:.2f} CPU-min "
                  f"(load average before: {load_before[job]:.2f} on {os.cpu_count()} cores)", flush=True)
    if not seconds:
        print(failed, file=sys.stderr)
        return 1
    run: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ"),
        "commit": commit,
        "cores": os.cpu_count(),
        "nice": os.nice(0),  # this script's priority (10 under nice -n 10): other work ran first
        "python": platform.python_version(),
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "cpu_seconds": {k: round(v, 1) for k, v in cpu.items()},
        "load_before": {k: round(v, 2) for k, v in load_before.items()},
    }
    path = Path(args.figures)
    figures = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"runs": []}
    figures["about"] = ("Wall times of the README's jobs in a fresh clone, measured by benchmarks/time_readme.py; "
                        "load_before is the 1-minute load average just before each job (other work on the machine).")
    figures["runs"].append(run)
    path.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    sys.path.insert(0, str(ROOT / "src"))
    from glideslope.bench.timings import estimate

    for job in seconds:
        print(f"time_readme: {job}: README says {estimate(job, figures)}")
    print(f"time_readme: appended to {path}")
    if failed is not None:
        print(failed, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
