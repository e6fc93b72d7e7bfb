"""Where benchmark jobs run, and the results file that makes them resumable.

Jobs are plain dicts (see :mod:`.train`); each has a ``key`` naming everything that
determines its result. Finished records are appended to a JSON-lines results file as they
finish; a later call with the same file skips every job whose key is there, so an
interrupted benchmark resumes where it stopped (a half-written last line is ignored).

Jobs run in a local process pool by default (``spawn``, one torch thread each), or as Ray
tasks (``ray="auto"``: the running cluster, or a new local one; ``ray="local"``: a new local
one; or a cluster address). A job's record does not depend on where it ran, so the same
results file resumes across both; ``tests/bench/test_ray.py`` checks that a Ray run and a pool
run give identical records.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

# ----------------------------------------------------------------------------------------
# results file
# ----------------------------------------------------------------------------------------

def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def load_results(path: str | Path) -> dict[str, dict[str, Any]]:
    """Finished records by key; lines that do not parse (an interrupted write) are skipped."""
    p = Path(path)
    out: dict[str, dict[str, Any]] = {}
    if not p.exists():
        return out
    with p.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(rec, dict) and "key" in rec:
                out[rec["key"]] = rec
    return out


def append_result(path: str | Path, record: dict[str, Any]) -> None:
    """Append one record as a line, flushed to disk (so an interruption loses at most the
    runs still in flight)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(_clean(record), sort_keys=True, allow_nan=False)
    needs_nl = p.exists() and p.stat().st_size > 0 and not p.read_bytes().endswith(b"\n")
    with p.open("a", encoding="utf-8") as fh:
        if needs_nl:  # a half-written line from an interrupted run: end it, so it stays alone
            fh.write("\n")
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


# ----------------------------------------------------------------------------------------
# progress bar (stderr)
# ----------------------------------------------------------------------------------------

class Progress:
    """A one-line progress bar on stderr (redrawn in place on a terminal; on anything else a
    line at every 10% so logs stay short)."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total, self.label, self.done = total, label, 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.t0 = time.perf_counter()
        self._last_decile = -1

    def advance(self, note: str = "") -> None:
        self.done += 1
        self.draw(note)

    def draw(self, note: str = "") -> None:
        if not self.enabled or self.total <= 0:
            return
        frac = self.done / self.total
        width = 28
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        el = time.perf_counter() - self.t0
        eta = el / self.done * (self.total - self.done) if self.done else float("nan")
        eta_s = f"eta {eta / 60:4.1f} min" if math.isfinite(eta) else "eta   ?"
        text = f"{self.label} [{bar}] {self.done}/{self.total} runs  {el / 60:4.1f} min  {eta_s}  {note}"
        if self.tty:
            self.stream.write("\r" + text[:150].ljust(150))
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            decile = int(frac * 10)
            if decile != self._last_decile or self.done >= self.total:
                self._last_decile = decile
                self.stream.write(text + "\n")
        self.stream.flush()


# ----------------------------------------------------------------------------------------
# execution
# ----------------------------------------------------------------------------------------

def _init_worker() -> None:
    import signal

    import torch

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    torch.set_num_threads(1)


def execute(
    jobs: list[dict[str, Any]],
    results: str | Path,
    n_workers: int,
    progress: Progress | None = None,
    run: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ray: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Run the jobs not yet in ``results`` (in ``n_workers`` processes, one torch thread
    each, or on Ray when ``ray`` is given), each key once, appending each record as it
    finishes; return all records of ``jobs`` by key."""
    from .train import run_job

    fn = run or run_job
    done = load_results(results)
    # one run per key: several configs of one study share a job (the finder on the same seed)
    todo = list({j["key"]: j for j in jobs if j["key"] not in done}.values())
    if progress is not None:
        progress.done += len(jobs) - len(todo)
        progress.draw("(resumed)" if len(jobs) != len(todo) else "")
    if ray is not None and todo:
        for rec in _ray_map(fn, [{**j, "threads": 1} for j in todo], ray, n_workers):
            append_result(results, rec)
            done[rec["key"]] = rec
            if progress is not None:
                progress.advance(_note(rec))
    elif n_workers <= 1 or len(todo) <= 1:
        for j in todo:
            rec = fn({**j, "threads": 1})
            append_result(results, rec)
            done[j["key"]] = rec
            if progress is not None:
                progress.advance(_note(rec))
    elif todo:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        by_key = {j["key"]: j for j in todo}
        # a Pool (not ProcessPoolExecutor): terminate() stops the runs in flight cleanly on Ctrl-C
        with ctx.Pool(min(n_workers, len(todo)), initializer=_init_worker) as pool:
            try:
                for rec in pool.imap_unordered(fn, [{**j, "threads": 1} for j in todo], chunksize=1):
                    append_result(results, rec)
                    done[by_key[rec["key"]]["key"]] = rec
                    if progress is not None:
                        progress.advance(_note(rec))
            except BaseException:
                pool.terminate()  # interrupted or a run failed: what finished is saved
                raise
    return {j["key"]: done[j["key"]] for j in jobs}


def _note(rec: dict[str, Any]) -> str:
    if rec.get("kind") == "finder":
        return f"finder -> {rec.get('suggested', float('nan')):.2g}"
    if rec.get("kind") == "pilots":
        r = rec.get("recommendation") or {}
        return f"pilots {rec.get('task')}@{rec.get('steps')} -> peak {r.get('peak', float('nan')):.3g}"
    name = rec.get("method") or rec.get("kind")
    fl = rec.get("val_loss")
    return f"{name} lr={rec.get('peak', 0):.2g} s{rec.get('seed')}: " + (f"{fl:.4f}" if fl is not None else "diverged")


def ray_connect(address: str, n_workers: int) -> Any:
    """Connect to Ray: ``"local"`` starts a local instance with ``n_workers`` CPUs; ``"auto"``
    joins the running cluster or, when there is none, starts a local one; anything else is a
    cluster address. Returns the ``ray`` module. Raises ImportError with the install hint."""
    try:
        import ray
    except ImportError:
        raise ImportError("--ray needs Ray: pip install 'glideslope[ray]'") from None
    if ray.is_initialized():
        return ray
    quiet: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": "ERROR"}
    # workers import glideslope from where this process did (a source checkout works too)
    src = str(Path(__file__).resolve().parents[2])
    env = {"env_vars": {"PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p)}}
    if address == "local":
        ray.init(num_cpus=n_workers, runtime_env=env, **quiet)
    elif address == "auto":
        try:
            ray.init(address="auto", runtime_env=env, **quiet)
        except ConnectionError:
            ray.init(num_cpus=n_workers, runtime_env=env, **quiet)
    else:
        ray.init(address=address, runtime_env=env, **quiet)
    return ray


def _ray_map(fn: Callable[[dict[str, Any]], dict[str, Any]], jobs: list[dict[str, Any]], address: str,
             n_workers: int) -> Any:
    """Yield each job's record as its Ray task finishes (one CPU per task)."""
    ray = ray_connect(address, n_workers)
    remote = ray.remote(num_cpus=1, max_retries=0)(fn)
    pending = [remote.remote(j) for j in jobs]
    try:
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            yield ray.get(ready[0])
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise


__all__ = ["Progress", "append_result", "execute", "load_results", "ray_connect"]
