"""Engine speed: one scalar call against a hand-written closure, 10M steps on NumPy, the cost
of ``import glideslope``, and building 10,000 phases with ``>>``.

Run: ``.venv/bin/python benchmarks/bench_engine.py``. Prints a markdown table. Each ratio is
measured in this process, side by side with the hand-written reference, taking the best of
several repeats (the least disturbed by other work on the machine).

The import cost is the median CPU time (user + system, which other work on the machine
disturbs less than wall time) of ``python -c "import glideslope"`` minus that of ``python -c
pass``, each run 15 times, with bytecode compiled first (as an installed package has it) into
a temporary cache; no third-party package is imported by ``import glideslope``.

``--instructions`` also counts CPU instructions per call with valgrind's callgrind (when
installed): unlike seconds, these do not depend on what else the machine is doing.
"""

from __future__ import annotations

import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import timeit

import _callgrind

import glideslope as gs

START, END, STEPS = 0.002, 0.0001, 5000
WARM, STABLE, COOL = 500, 3500, 1000


def hand_cosine() -> object:
    d = START - END

    def f(t: int) -> float:
        return END + d * 0.5 * (1.0 + math.cos(math.pi * min(t, STEPS) / STEPS))

    return f


def hand_three_phase() -> object:
    peak = START

    def f(t: int) -> float:
        if t < WARM:
            return peak * t / WARM
        if t < WARM + STABLE:
            return peak
        u = min(t - WARM - STABLE, COOL) / COOL
        return peak * (1.0 - u)

    return f


def best_ns(fn: object, arg: int, number: int = 200_000, repeat: int = 9) -> float:
    times = timeit.repeat("f(a)", globals={"f": fn, "a": arg}, number=number, repeat=repeat)
    return min(times) / number * 1e9


def subjects() -> dict[str, tuple[object, int]]:
    """name -> (callable, step it is called at)."""
    cos = gs.cosine(start=START, end=END, steps=STEPS)
    three = gs.warmup(WARM) >> gs.constant(START, STABLE) >> gs.cooldown(START, 0.0, COOL)
    return {
        "cosine": (cos, 1250),
        "hand-cosine": (hand_cosine(), 1250),
        "three": (three, 4500),
        "hand-three": (hand_three_phase(), 4500),
    }


LOOPS = 200_000


def loop(name: str) -> None:
    """Call one subject LOOPS times (the body that callgrind counts); ``none`` calls nothing."""
    if name == "none":
        for _ in range(LOOPS):
            pass
        return
    fn, arg = subjects()[name]
    fn(arg)  # type: ignore[operator]
    for _ in range(LOOPS):
        fn(arg)  # type: ignore[operator]


def instructions_per_call() -> dict[str, float] | None:
    if not _callgrind.available():
        return None
    base = _callgrind.instructions(__file__, "--loop", "none")
    return {name: (_callgrind.instructions(__file__, "--loop", name) - base) / LOOPS for name in subjects()}


def child_cpu_ms(code: str, env: dict[str, str], runs: int = 15) -> float:
    """Median CPU time (ms) of ``python -c code`` in a fresh interpreter."""
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-c", code], check=True, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return statistics.median(times)


def import_cost_ms() -> tuple[float, float]:
    """(bare interpreter start, ``import glideslope`` on top of it), in CPU milliseconds."""
    with tempfile.TemporaryDirectory() as cache:
        env = {k: x for k, x in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        check = "import sys, glideslope; bad = {'numpy', 'torch', 'jax', 'yaml'} & set(sys.modules); assert not bad, bad"
        subprocess.run([sys.executable, "-c", check], check=True, env=env)  # compiles the bytecode
        bare = child_cpu_ms("pass", env)
        full = child_cpu_ms("import glideslope", env)
    return bare, full - bare


def build_phases_s(n: int = 10_000) -> float:
    """Seconds to build ``n`` phases with ``s = s >> phase`` in a loop, and evaluate once."""
    start = time.perf_counter()
    s: object = gs.warmup(10)
    for _ in range(n):
        s = s >> gs.cosine(steps=10)  # type: ignore[operator]
    s(5 * n)  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> int:
    if "--loop" in sys.argv:
        loop(sys.argv[sys.argv.index("--loop") + 1])
        return 0
    subs = subjects()
    cos, three = subs["cosine"][0], subs["three"][0]
    hc, h3 = subs["hand-cosine"][0], subs["hand-three"][0]
    assert abs(cos(1250) - hc(1250)) < 1e-15  # type: ignore[operator]
    for t in (0, 250, 500, 2000, 4100, 4500, 5000, 6000):
        assert abs(three(t) - h3(t)) < 1e-15, t  # type: ignore[operator]

    rows = []
    for name, ours, ref, arg, target in (
        ("cosine, one scalar call", cos, hc, 1250, 2.0),
        ("warmup >> constant >> cooldown, one scalar call", three, h3, 4500, 3.0),
    ):
        # interleave to share whatever the machine is doing
        o1, r1 = best_ns(ours, arg), best_ns(ref, arg)
        o2, r2 = best_ns(ours, arg), best_ns(ref, arg)
        o, r = min(o1, o2), min(r1, r2)
        rows.append((name, f"{o:.0f} ns", f"{r:.0f} ns", f"{o / r:.2f}x", f"<= {target}x"))

    try:
        import numpy as np
    except ImportError:
        print("numpy not installed: skipping the array benchmark", file=sys.stderr)
    else:
        t = np.arange(10_000_000)
        for s, label in ((cos, "cosine"), (three, "three-phase composite")):
            s(t[:1000])
            best = min(timeit.repeat(lambda s=s: s(t), number=1, repeat=5))
            rows.append((f"{label}, 10,000,000 steps (NumPy)", f"{best:.3f} s", "", "", "<= 0.15 s"))

    bare, cost = import_cost_ms()
    rows.append(("`import glideslope` over a bare interpreter (CPU)", f"{cost:.1f} ms", f"bare {bare:.1f} ms", "", "<= 40 ms"))
    rows.append(("10,000 phases built with `>>` in a loop", f"{build_phases_s():.3f} s", "", "", "< 1 s"))

    print(f"Python {sys.version.split()[0]}\n")
    print("| benchmark | glideslope | hand-written | ratio | target |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if "--instructions" in sys.argv:
        ipc = instructions_per_call()
        if ipc is None:
            print("\nvalgrind not found: no instruction counts", file=sys.stderr)
        else:
            print("\n| one scalar call (instructions, callgrind) | glideslope | hand-written | ratio |")
            print("|---|---|---|---|")
            for label, ours, ref in (("cosine", "cosine", "hand-cosine"), ("three-phase composite", "three", "hand-three")):
                print(f"| {label} | {ipc[ours]:.0f} | {ipc[ref]:.0f} | {ipc[ours] / ipc[ref]:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
