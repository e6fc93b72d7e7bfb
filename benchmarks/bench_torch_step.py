# ruff: noqa: N803, N811, N812
"""Per-step cost of ``scheduler.step()``: glideslope.torch against torch's own class, in the
same process, with 1 and 64 param groups. Prints a markdown table.

Each round builds a fresh optimizer + scheduler of each library and times ``n`` steps of
each, torch and glideslope alternating (which goes first alternates too); a class's figure is
the best round of each (the least disturbed by other work on the machine), and the ratio is
glideslope's time over torch's. Time is the CPU time of the benchmark's thread
(``time.thread_time``), so the time the machine gives to other processes does not count; the
cyclic GC is off while a round is timed.

    .venv/bin/python benchmarks/bench_torch_step.py [--rounds 11] [--only StepLR,OneCycleLR]
    .venv/bin/python benchmarks/bench_torch_step.py --rounds 21 --out benchmarks/results/torch-step.md

``--out`` writes the table, with the date, the versions and the rounds, to a record; the
table in docs/performance.md is that record's (tests/torch/test_step_record.py checks it).

``--instructions`` counts CPU instructions per step instead, with valgrind's callgrind (which
does not depend on what else the machine is doing): each library runs ``n`` steps in a child
process under callgrind, once with a short and once with a long loop, and the difference over
the extra steps is the cost of one ``step()`` (building the scheduler and importing cancel).
The cyclic GC is off while counting. Each count starts a Python that imports torch under
callgrind, so the full table takes a long time; use ``--only``.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import _callgrind
import torch.optim.lr_scheduler as T
from torch.optim.swa_utils import SWALR as TorchSWALR

import glideslope.torch as G
import torch

CASES: dict[str, Callable[[Any, torch.optim.Optimizer], Any]] = {
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 0.999**e),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.9999),
    "StepLR": lambda L, o: L.StepLR(o, 100, 0.9),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, [1000, 5000, 8000], 0.5),
    "ConstantLR": lambda L, o: L.ConstantLR(o, 0.5, 5000),
    "LinearLR": lambda L, o: L.LinearLR(o, 0.1, 1.0, 50000),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, 0.99999),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, 50000, 2.0),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, 50000),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, 1000, 2),
    "CyclicLR": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 500),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=100000),
    "ReduceLROnPlateau": lambda L, o: L.ReduceLROnPlateau(o, patience=5),
    "SWALR": lambda L, o: (G.SWALR if L is G else TorchSWALR)(o, 0.01, 1000),
    "SequentialLR": lambda L, o: L.SequentialLR(o, [L.LinearLR(o, 0.1, 1.0, 100), L.ExponentialLR(o, 0.9999)], [100]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler([L.ConstantLR(o, 0.5, 100), L.ExponentialLR(o, 0.9999)]),
}


def build(lib: Any, make: Callable[[Any, torch.optim.Optimizer], Any], groups: int) -> Any:
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in range(groups)]
    o = torch.optim.SGD([{"params": [p], "lr": 0.1} for p in params], lr=0.1, momentum=0.9)
    o._opt_called = True  # type: ignore[attr-defined]
    return make(lib, o)


def run(s: Any, n: int) -> float:
    """CPU seconds of this thread per ``step()`` over ``n`` steps."""
    step = s.step
    if "ReduceLROnPlateau" in type(s).__name__:
        metrics = [1.0 / (1 + i) for i in range(n)]
        t0 = time.thread_time()
        for m in metrics:
            step(m)
        return (time.thread_time() - t0) / n
    t0 = time.thread_time()
    for _ in range(n):
        step()
    return (time.thread_time() - t0) / n


def measure(make: Callable[[Any, torch.optim.Optimizer], Any], groups: int, n: int, rounds: int) -> tuple[float, float]:
    """Best µs/step of torch and of glideslope over interleaved rounds."""
    best = {T: float("inf"), G: float("inf")}
    for r in range(rounds):
        order = (T, G) if r % 2 == 0 else (G, T)
        for lib in order:
            s = build(lib, make, groups)
            gc.collect()
            gc.disable()
            try:
                best[lib] = min(best[lib], run(s, n))
            finally:
                gc.enable()
    return best[T] * 1e6, best[G] * 1e6


def loop(name: str, lib_name: str, groups: int, n: int) -> None:
    """The body callgrind counts: ``n`` steps of one scheduler (after 100 warm-up steps)."""
    lib = T if lib_name == "torch" else G
    s = build(lib, CASES[name], groups)
    run(s, 100)
    # no cyclic GC while counting: one full collection (it walks every object torch created)
    # costs tens of millions of instructions, and whether one falls inside the loop is luck
    gc.collect()
    gc.disable()
    run(s, n)


def instructions_per_step(name: str, groups: int) -> tuple[float, float]:
    """(torch, glideslope) instructions per ``step()``, by callgrind."""

    def count(lib: str, n: int) -> int:
        return _callgrind.instructions(__file__, "--loop", name, lib, str(groups), str(n))

    short, long = (2000, 12000) if groups == 1 else (200, 1200)
    per = [(count(lib, long) - count(lib, short)) / (long - short) for lib in ("torch", "glideslope")]
    return per[0], per[1]


def main() -> None:
    if "--loop" in sys.argv:
        name, lib, groups, n = sys.argv[sys.argv.index("--loop") + 1 :][:4]
        warnings.simplefilter("ignore")
        torch.set_num_threads(1)
        loop(name, lib, int(groups), int(n))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=11, help="interleaved rounds per case (best is kept)")
    parser.add_argument("--only", default="", help="comma-separated class names")
    parser.add_argument("--instructions", action="store_true", help="count instructions (callgrind), not time")
    parser.add_argument("--groups", default="1,64", help="param-group counts, comma-separated (default 1,64)")
    parser.add_argument("--out", default="", help="write the table (with date and versions) to this markdown file")
    args = parser.parse_args()
    only = {x for x in args.only.split(",") if x}
    group_counts = [int(x) for x in args.groups.split(",") if x]
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    if args.instructions:
        print("| class | groups | torch (instructions/step) | glideslope (instructions/step) | ratio |")
        print("|---|---:|---:|---:|---:|")
        for name in CASES:
            if only and name not in only:
                continue
            for groups in group_counts:
                a, b = instructions_per_step(name, groups)
                print(f"| {name} | {groups} | {a:,.0f} | {b:,.0f} | {b / a:.2f} |", flush=True)
        return
    lines = ["| class | groups | torch (µs/step) | glideslope (µs/step) | ratio |", "|---|---:|---:|---:|---:|"]
    print("\n".join(lines))
    for name, make in CASES.items():
        if only and name not in only:
            continue
        for groups in group_counts:
            n = 2000 if groups == 1 else 200
            a, b = measure(make, groups, n, args.rounds)
            lines.append(f"| {name} | {groups} | {a:.2f} | {b:.2f} | {b / a:.2f} |")
            print(lines[-1], flush=True)
    if args.out:
        import glideslope

        head = (
            f"`benchmarks/bench_torch_step.py --rounds {args.rounds}`, {datetime.date.today().isoformat()}: "
            f"glideslope {glideslope.__version__}, torch {torch.__version__}, Python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs; best of {args.rounds} interleaved rounds, CPU time of the thread."
        )
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(head + "\n\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
