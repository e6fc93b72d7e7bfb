"""The grid on Ray gives the same records as the local process pool, bit for bit, and one
results file resumes across both."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("torch")
pytest.importorskip("sklearn")
ray = pytest.importorskip("ray")

from glideslope.bench.executor import load_results  # noqa: E402
from glideslope.bench.runner import BenchConfig, run_benchmark  # noqa: E402

METHODS = ("warmup-constant", "finder-recommended", "prodigy")
VOLATILE = ("wall", "cpu")  # how long a run took is the only thing allowed to differ


def _cfg(path: Path, ray_address: str | None) -> BenchConfig:
    return BenchConfig(task="digits", steps=30, grid=(0.01, 0.1), seeds=2, methods=METHODS, jobs=2,
                       results=str(path), evals=3, ray=ray_address)


def _strip(recs: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {k: {f: v for f, v in r.items() if f not in VOLATILE} for k, r in recs.items()}


@pytest.fixture(scope="module")
def local_ray() -> Any:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield ray
    ray.shutdown()


def test_ray_equals_pool_and_resumes_across_both(tmp_path: Path, local_ray: Any) -> None:
    pool = tmp_path / "pool.jsonl"
    run_benchmark(_cfg(pool, None), progress=False)
    on_ray = tmp_path / "ray.jsonl"
    out = run_benchmark(_cfg(on_ray, "local"), progress=False)
    a, b = _strip(load_results(pool)), _strip(load_results(on_ray))
    assert len(a) == 1 * 2 + 1 + 3 * 2 and a.keys() == b.keys()
    for key in a:
        assert a[key] == b[key], key  # every loss, curve and LR identical
    assert out.ran == len(a)
    # half the pool's file, finished on Ray: only the missing half runs, and the result is the same
    lines = pool.read_text().splitlines()
    half = tmp_path / "half.jsonl"
    half.write_text("\n".join(lines[:4]) + "\n")
    resumed = run_benchmark(_cfg(half, "local"), progress=False)
    assert resumed.reused == 4 and resumed.ran == len(a) - 4
    assert _strip(load_results(half)) == a
