"""Does the LR finder's default pick land near the grid-best peak? (Issue 12, item 1.)

For each bench task (digits, fashion, charlm) and seed 0..4 at the task's default budget:

1. the range test with :func:`glideslope.find_lr`'s defaults on the task's model (AdamW, the
   seed's training batches; the same loop as ``glideslope find``), and
   :func:`glideslope.recommend` for the budget: its default schedule (5% warmup, then WSD with
   a 1-sqrt cooldown over the last 20%), peak = the
   finder's default suggestion (``knee``);
2. a grid of peaks at 2x spacing for that same schedule, same seed;
   the grid-best peak has the lowest final loss on the task's *validation* split;
3. one run at the recommended peak;
4. the untuned default: one run at the task's ``default_lr`` (AdamW's own 1e-3) under 5% warmup,
   then cosine to 0 (:data:`DEFAULT_SCHEDULE`), the contender every table shows beside the pick.

It reports, per task and seed, the pick, the grid-best peak, their ratio (the target: within
a factor of 3) and the validation loss at the pick and at the default against the grid-best's.
It also runs the noisy minibatch regression of the issue (``nn.Linear(8, 1)``, 512 samples,
batch 32, SGD, 160 steps; a quarter-decade grid, each point's loss averaged over 2 data orders),
in-process; torch's SGD has no default learning rate, so its "default" is 1e-3 too
(:data:`REGRESSION_DEFAULT_LR`).

Run: ``.venv/bin/python benchmarks/bench_finder.py [--tasks digits,fashion,charlm]
[--seeds 5] [--results benchmarks/results/finder.jsonl]``. Every finished run is a line of the
results file, keyed by what it ran; a rerun reuses them (delete the file to start over). The
finder's curve is stored raw and read again by the current code (the sweep is replayed from the
stored losses), so a change to how the curve is read needs no training. The report goes to
``benchmarks/results/finder.md`` and stdout, seed 0's curve per task to ``finder-TASK.png``
beside it.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import glideslope as gs
from glideslope.tune.finder import LRFinderResult, find_lr
from glideslope.tune.recommendation import DEFAULT_SHAPE, build_schedule

GRIDS = {
    "digits": (0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256),
    "fashion": (0.002, 0.004, 0.008, 0.016, 0.032, 0.064),
    "charlm": (0.001, 0.002, 0.004, 0.008, 0.016, 0.032),
}
HERE = Path(__file__).resolve().parent
#: The untuned default's schedule: 5% warmup, then cosine from the default LR to 0.
DEFAULT_SCHEDULE = "cosine"
#: The regression's "default" LR: torch's SGD has none (``lr`` is required), so AdamW's 1e-3.
REGRESSION_DEFAULT_LR = 1e-3
DEFAULT_LABEL = "untuned default (lr 1e-3, warmup+cosine)"


def _key(**kw: Any) -> str:
    return "|".join(f"{k}={kw[k]}" for k in sorted(kw))


class Cache:
    """JSON lines: one finished run per line, found again by its key."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.recs: dict[str, dict[str, Any]] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    rec = json.loads(line)
                    self.recs[rec["key"]] = rec

    def get(self, key: str) -> dict[str, Any] | None:
        return self.recs.get(key)

    def put(self, rec: dict[str, Any]) -> dict[str, Any]:
        self.recs[rec["key"]] = rec
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(rec, sort_keys=True) + "\n")
        return rec


# -- the bench tasks ---------------------------------------------------------------------------


def run_sweep(task_name: str, seed: int) -> list[float]:
    """The range test's raw losses on the task (find_lr's defaults), as ``glideslope find``."""
    import torch
    from glideslope.bench.find_command import task_sweep
    from glideslope.bench.tasks import get_task

    torch.set_num_threads(1)
    losses: list[float] = task_sweep(get_task(task_name), seed).losses
    return losses


def replay(losses: list[float], total_steps: int) -> LRFinderResult:
    """The finder's result from stored raw losses, read by the current code."""
    it = iter(losses)

    def step(lr: float) -> float:
        try:
            return next(it)
        except StopIteration:
            raise RuntimeError("the stored sweep is shorter than this code's sweep: delete its record") from None

    return find_lr(step, total_steps=total_steps)


def train_run(task_name: str, seed: int, steps: int, peak: float, shape: str = DEFAULT_SHAPE) -> float:
    """AdamW, lr = ``build_schedule(peak, 5% warmup, shape, steps)`` (default: the recommended
    schedule, :data:`DEFAULT_SHAPE`); the final loss on the validation split (inf if the training
    loss became non-finite)."""
    import torch
    from glideslope.bench.tasks import get_task

    task = get_task(task_name)
    torch.set_num_threads(1)
    model = task.model(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=peak, weight_decay=task.weight_decay)
    s = build_schedule(peak, max(1, round(0.05 * steps)), shape, steps)
    for t in range(steps):
        x, y = task.batch(seed, t)
        for g in opt.param_groups:
            g["lr"] = s(t)
        opt.zero_grad(set_to_none=True)
        loss = task.loss(model, x, y)
        if not math.isfinite(float(loss.detach())):
            return math.inf
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        return float(task.evaluate(model, "val", final=True)[0])


def task_rows(cache: Cache, task_name: str, seeds: int, plot_dir: Path | None = None,
              steps: int | None = None, grid: tuple[float, ...] | None = None,
              with_default: bool = True) -> list[dict[str, Any]]:
    """Per seed: the pick, the grid and (``with_default``) the untuned default's run, each run
    cached under its task, seed, steps, peak and shape."""
    from glideslope.bench.tasks import get_task

    default_lr = get_task(task_name).default_lr
    steps = steps or get_task(task_name).steps
    grid = grid or GRIDS[task_name]
    rows = []
    for seed in range(seeds):
        k = _key(kind="sweep", task=task_name, seed=seed)
        rec = cache.get(k) or cache.put({"key": k, "losses": [x if math.isfinite(x) else None for x in
                                                               run_sweep(task_name, seed)]})
        res = replay([math.nan if x is None else x for x in rec["losses"]], steps)
        assert res.recommendation is not None
        pick = res.recommendation.peak
        if plot_dir is not None and seed == 0:
            res.plot(str(plot_dir / f"finder-{task_name}.png"))

        def val(peak: float, seed: int = seed, shape: str = DEFAULT_SHAPE) -> float:
            kk = _key(kind="run", task=task_name, seed=seed, steps=steps, peak=f"{peak:.6g}", shape=shape)
            r = cache.get(kk)
            if r is None:
                t0 = time.perf_counter()
                loss = train_run(task_name, seed, steps, peak, shape)
                r = cache.put({"key": kk, "val": loss if math.isfinite(loss) else None,
                               "wall": time.perf_counter() - t0})
                print(f"  {task_name} seed {seed} peak {peak:.3g} {shape}: {loss:.4f}", file=sys.stderr, flush=True)
            return math.inf if r["val"] is None else float(r["val"])

        losses = {p: val(p) for p in grid}
        best = min(losses, key=losses.__getitem__)
        rows.append({"task": task_name, "steps": steps, "seed": seed, "pick": pick, "best": best,
                     "ratio": pick / best, "loss_pick": val(pick), "loss_best": losses[best],
                     "stop": res.stop_reason, "grid": losses,
                     "loss_default": val(default_lr, shape=DEFAULT_SCHEDULE) if with_default else None})
    return rows


# -- the noisy minibatch regression ---------------------------------------------------------------


def regression_rows(seeds: int, steps: int = 160) -> list[dict[str, Any]]:
    import torch

    torch.set_num_threads(1)
    grid = [10 ** (k / 4) for k in range(-12, 0)]
    rows = []
    for seed in range(seeds):
        g = torch.Generator().manual_seed(seed)
        x = torch.randn(512, 8, generator=g) * torch.linspace(0.5, 2.0, 8)
        y = x @ torch.randn(8, 1, generator=g) + 0.5 * torch.randn(512, 1, generator=g)

        def epochs(order: int, n: int, x: Any = x, y: Any = y) -> Any:
            gen = torch.Generator().manual_seed(order)
            for _ in range(n):
                perm = torch.randperm(512, generator=gen)
                for i in range(0, 512, 32):
                    yield x[perm[i : i + 32]], y[perm[i : i + 32]]

        torch.manual_seed(seed)
        model = torch.nn.Linear(8, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        res = gs.find_lr(model, opt, torch.nn.functional.mse_loss, list(epochs(seed, 1)), total_steps=steps)
        assert res.recommendation is not None
        rec = res.recommendation

        def loss_at(peak: float, seed: int = seed, x: Any = x, y: Any = y, epochs: Any = epochs,
                    rec: Any = rec, shape: str | None = None) -> float:
            s = build_schedule(peak, rec.warmup_steps, shape or rec.shape, steps)
            out = []
            for order in range(2):
                torch.manual_seed(seed)
                m = torch.nn.Linear(8, 1)
                o = torch.optim.SGD(m.parameters(), lr=0.0)
                b = epochs(1000 * order + seed, steps // 16 + 1)
                for t in range(steps):
                    xb, yb = next(b)
                    o.param_groups[0]["lr"] = s(t)
                    o.zero_grad()
                    torch.nn.functional.mse_loss(m(xb), yb).backward()
                    o.step()
                with torch.no_grad():
                    v = float(torch.nn.functional.mse_loss(m(x), y))
                out.append(v if math.isfinite(v) else math.inf)
            return sum(out) / len(out)

        losses = {p: loss_at(p) for p in grid}
        best = min(losses, key=losses.__getitem__)
        rows.append({"task": "regression", "steps": steps, "seed": seed, "pick": rec.peak, "best": best,
                     "ratio": rec.peak / best, "loss_pick": loss_at(rec.peak), "loss_best": losses[best],
                     "stop": res.stop_reason, "grid": losses,
                     "loss_default": loss_at(REGRESSION_DEFAULT_LR, shape=DEFAULT_SCHEDULE)})
    return rows


# -- the report ------------------------------------------------------------------------------------


def _gap(loss: float | None, best: float) -> float:
    """The loss over the grid-best's, in percent: ``100 * (loss / best - 1)`` (inf: diverged)."""
    return (loss / best - 1) * 100 if loss is not None and math.isfinite(loss) else math.inf


def report(rows: list[dict[str, Any]]) -> str:
    lines = [
        "# The LR finder's default pick against the grid-best peak",
        "",
        "Produced by `benchmarks/bench_finder.py`. Pick: `glideslope.recommend(find_lr(...), total_steps)`'s "
        "peak (the finder's default suggestion, `knee`), for the schedule it recommends (5% warmup, then "
        f"`{DEFAULT_SHAPE}`: hold, then a 1-sqrt cooldown over the last 20%). Grid-best: the peak with the lowest final validation loss for that schedule on the same "
        "seed (2x grid; regression: quarter-decade grid, loss averaged over 2 data orders). Target: the pick "
        "within a factor of 3 of the grid-best peak. Untuned default: the optimizer's default LR (AdamW's 1e-3; the "
        "regression's SGD has no default LR, so 1e-3 there too) under 5% warmup, then cosine to 0, on the same "
        "seed; its gap is its loss over the same grid-best's, as the pick's.",
        "",
        "| task | steps | seed | pick | grid-best | pick / best | loss at pick | grid-best loss | gap | "
        "default loss | default gap |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ok = "" if 1 / 3 <= r["ratio"] <= 3 else " **x**"
        d = r.get("loss_default")
        dflt = f"{d:.4f} | {_gap(d, r['loss_best']):+.1f}%" if d is not None else "- | -"
        lines.append(f"| {r['task']} | {r['steps']} | {r['seed']} | {r['pick']:.3g} | {r['best']:.3g} | "
                     f"{r['ratio']:.2f}{ok} | {r['loss_pick']:.4f} | {r['loss_best']:.4f} | "
                     f"{_gap(r['loss_pick'], r['loss_best']):+.1f}% | {dflt} |")
    lines += ["", "Summary per task (ratio: geometric mean and range; gap: the loss over the grid-best's, of the "
              "pick and of the untuned default):",
              "", f"| task | within 3x | pick / best (geo. mean) | range | median gap | worst gap | {DEFAULT_LABEL}: "
              "median gap (worst) |",
              "|---|---|---|---|---|---|---|"]
    for task in dict.fromkeys(r["task"] for r in rows):
        rs = [r for r in rows if r["task"] == task]
        ratios = [r["ratio"] for r in rs]
        gaps = [_gap(r["loss_pick"], r["loss_best"]) for r in rs]
        within = sum(1 / 3 <= q <= 3 for q in ratios)
        gm = math.exp(statistics.fmean(math.log(q) for q in ratios))
        dgaps = [_gap(r["loss_default"], r["loss_best"]) for r in rs if r.get("loss_default") is not None]
        dflt = f"{statistics.median(dgaps):+.1f}% ({max(dgaps):+.1f}%)" if dgaps else "-"
        lines.append(f"| {task} | {within}/{len(rs)} | {gm:.2f} | {min(ratios):.2f} .. {max(ratios):.2f} | "
                     f"{statistics.median(gaps):+.1f}% | {max(gaps):+.1f}% | {dflt} |")
    lines += ["", "Grid (validation loss per peak, per seed):", ""]
    for r in rows:
        lines.append(f"- {r['task']} seed {r['seed']}: " + ", ".join(
            f"{p:.3g}: {v:.4f}" + ("*" if p == r["best"] else "") for p, v in r["grid"].items()))
    return "\n".join(lines) + "\n"


def budget_report(cache: Cache, seeds: int) -> str:
    """Does the grid-best peak move with the run's length? charlm at 240 and 960 steps (seeds 0
    and 1, peaks 0.004, 0.008, 0.016), and the regression at 80, 160 and 640 steps. The pick is
    the knee, raised only for runs shorter than twice the range test."""
    rows = [r for n in (240, 960)
            for r in task_rows(cache, "charlm", 2, None, n, (0.004, 0.008, 0.016), with_default=False)]
    rows += [r for n in (80, 160, 640) for r in regression_rows(seeds, n)]
    lines = ["", "## Does the best peak move with the run's length?", "",
             "The pick is the knee, raised (x sqrt(2S/T), at most x2) only for runs shorter than twice "
             "the range test's S steps (the regression at 80 and 160 steps). Grid-best peak of the "
             f"recommended schedule (`{DEFAULT_SHAPE}`) per budget (charlm: seeds 0-1, peaks 0.004/0.008/0.016; regression: 5 seeds, "
             "quarter-decade grid 0.001 .. 0.56):", "",
             "| task | steps | grid-best peaks (per seed) | picks | pick / best | loss gap at the pick |",
             "|---|---|---|---|---|---|"]
    for task, n in dict.fromkeys((r["task"], r["steps"]) for r in rows):
        rs = [r for r in rows if r["task"] == task and r["steps"] == n]
        gaps = [_gap(r["loss_pick"], r["loss_best"]) for r in rs]
        bests = ", ".join(f"{r['best']:.3g}" for r in rs)
        picks = ", ".join(f"{r['pick']:.3g}" for r in rs)
        lines.append(f"| {task} | {n} | {bests} | {picks} | "
                     f"{min(r['ratio'] for r in rs):.2f} .. {max(r['ratio'] for r in rs):.2f} | "
                     f"{min(gaps):+.1f}% .. {max(gaps):+.1f}% |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tasks", default="digits,fashion,charlm", help="comma-separated bench tasks")
    p.add_argument("--seeds", type=int, default=5, help="seeds per task (default 5)")
    p.add_argument("--no-regression", action="store_true", help="skip the minibatch regression")
    p.add_argument("--results", default=str(HERE / "results" / "finder.jsonl"), help="results file (JSON lines)")
    p.add_argument("--report", default=str(HERE / "results" / "finder.md"), help="report file (markdown)")
    p.add_argument("--no-budgets", action="store_true", help="skip the budget section (charlm 960, regression)")
    p.add_argument("--no-plot", action="store_true", help="do not draw seed 0's curve per task (finder-TASK.png)")
    args = p.parse_args(argv)
    cache = Cache(Path(args.results))
    rows: list[dict[str, Any]] = []
    if not args.no_regression:
        rows += regression_rows(args.seeds)
    for task in [t.strip() for t in args.tasks.split(",") if t.strip()]:
        if task not in GRIDS:
            p.error(f"--tasks: each must be one of {', '.join(GRIDS)}; got {task!r}")
        rows += task_rows(cache, task, args.seeds, None if args.no_plot else Path(args.report).parent)
    text = report(rows)
    if not args.no_budgets:
        text += budget_report(cache, args.seeds)
    Path(args.report).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
