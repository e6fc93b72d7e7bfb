"""``glideslope find``: the LR range test on a built-in task, from the command line.

Nothing heavy is imported until the command runs (``glideslope --help`` stays fast).
"""

from __future__ import annotations

import argparse
from typing import Any

from ..cli import CommandError


def _positive_int(name: str) -> Any:
    def conv(text: str) -> int:
        try:
            n = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got {text!r}") from None
        if n < 1:
            raise argparse.ArgumentTypeError(f"{name} must be >= 1, got {n}")
        return n
    return conv


def _lr(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a learning rate like 3e-3, got {text!r}") from None
    if not 0 < x <= 10:
        raise argparse.ArgumentTypeError(f"must be a learning rate in (0, 10], got {text!r}")
    return x


def register(sub: Any) -> None:
    """Add the ``find`` sub-command."""
    from .tasks import DEFAULT_TASK

    f = sub.add_parser(
        "find",
        help="LR range test on a built-in task: suggested learning rates, each with its reason",
        description="Sweep the learning rate up every step until the loss diverges; print the suggestions.",
    )
    f.add_argument("--task", default=DEFAULT_TASK, help=f"task name (default {DEFAULT_TASK})")
    f.add_argument("--seed", type=int, default=0, help="seed (model init and batches)")
    f.add_argument("--start", type=_lr, default=1e-5, help="first LR (default 1e-5)")
    f.add_argument("--end", type=_lr, default=1.0, help="last LR (default 1)")
    f.add_argument("--steps", type=_positive_int("--steps"), default=100, help="sweep steps (default 100)")
    f.add_argument("--sweep", default="exp", help="exp or linear (default exp)")
    f.add_argument("--plot", help="write the loss-vs-LR plot to this PNG")
    f.add_argument("--one-cycle", type=_positive_int("--one-cycle"), metavar="STEPS",
                   help="also print the one-cycle schedule peaking at the suggestion for a run of STEPS")
    f.set_defaults(func=run_find)


def run_find(args: argparse.Namespace) -> int:
    """The ``find`` command."""
    import torch

    from ..finder import SWEEPS, find_lr
    from .tasks import TaskUnavailable, get_task

    if args.sweep not in SWEEPS:
        raise CommandError(f"--sweep must be one of {', '.join(SWEEPS)}; got {args.sweep!r}")
    if args.end <= args.start:
        raise CommandError(f"--end must be > --start, got --start {args.start:g} --end {args.end:g}")
    try:
        task = get_task(args.task)
    except TaskUnavailable as exc:
        raise CommandError(str(exc)) from None
    torch.set_num_threads(1)
    model = task.model(args.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=args.start, weight_decay=task.weight_decay)
    batches = [task.batch(args.seed, i) for i in range(args.steps)]
    result = find_lr(model, opt, lambda out, y: _task_loss(task, out, y), batches,
                     start=args.start, end=args.end, steps=args.steps, sweep=args.sweep)
    print(f"task {task.name}, AdamW, seed {args.seed}")
    print(result)
    if args.one_cycle:
        print(f"one-cycle for {args.one_cycle} steps: {result.one_cycle(steps=args.one_cycle)!r}")
    if args.plot:
        result.plot(args.plot)
        print(f"plot: {args.plot}")
    return 0


def _task_loss(task: Any, out: Any, y: Any) -> Any:
    import torch.nn.functional as F  # noqa: N812

    if out.dim() == 3:  # language model: (batch, time, vocab)
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
    return F.cross_entropy(out, y)
