"""``glideslope find``: the LR range test on a built-in task, and the schedule it recommends.

Nothing heavy is imported until the command runs (``glideslope --help`` stays fast).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..cli.args import CommandError, positive_float, positive_int
from ._require import require_bench

_EXAMPLES = """\
examples:
  glideslope find                                  # charlm, its default run length
  glideslope find --task digits --steps 600        # a schedule for a 600-step run
  glideslope find --task digits --steps 600 --quiet  # only the SPEC
  glideslope show "$(glideslope find --task digits --steps 600 --quiet)"
  glideslope find --task fashion --plot lr_find.png --json

The SPEC is an absolute-LR schedule: in PyTorch use it as
  ScheduleLR(optimizer, glideslope.spec.parse_spec(SPEC), mode="absolute")
"""


def register(sub: Any) -> None:
    """Add the ``find`` sub-command."""
    from ..tune.curve import DEFAULT_SUGGESTION, SUGGESTIONS
    from ..tune.finder import DEFAULT_END, DEFAULT_START, DEFAULT_STEPS, SWEEPS
    from ..tune.recommendation import DEFAULT_SHAPE, SHAPES
    from .tasks import DEFAULT_TASK, TASKS

    tasks = "\n".join(f"  {n:<18} {TASKS[n].description}\n  {'':<18} {TASKS[n]().declaration()}" for n in TASKS)
    f = sub.add_parser(
        "find",
        help="LR range test on a built-in task, and the whole schedule it recommends (as a SPEC)",
        description=(
            "Sweep the learning rate up every step (the task's model and optimizer) until the loss diverges;\n"
            "print the suggested learning rates, each with its reason, and the schedule recommended\n"
            "for a run of --steps steps (warmup, decay and peak, each with its reason), ending with\n"
            "its SPEC: a line 'glideslope show' and glideslope.spec.parse_spec accept.\n\n"
            f"tasks:\n{tasks}"
        ),
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    f.add_argument("--task", default=DEFAULT_TASK, choices=list(TASKS), metavar="TASK",
                   help=f"the task: {', '.join(TASKS)} (default {DEFAULT_TASK})")
    f.add_argument("--steps", type=positive_int, metavar="N",
                   help="the length of the run to recommend a schedule for (default: the task's run)")
    f.add_argument("--seed", type=int, default=0, help="seed of the model and the batches (default 0)")
    f.add_argument("--start", type=positive_float, default=DEFAULT_START,
                   help=f"first LR of the sweep (default {DEFAULT_START:g})")
    f.add_argument("--end", type=positive_float, default=DEFAULT_END,
                   help=f"last LR of the sweep (default {DEFAULT_END:g})")
    f.add_argument("--sweep-steps", type=positive_int, default=DEFAULT_STEPS, metavar="K",
                   help=f"steps of the sweep (default {DEFAULT_STEPS})")
    f.add_argument("--sweep", default="exp", choices=SWEEPS, help="LR spacing of the sweep (default exp)")
    f.add_argument("--suggestion", default=DEFAULT_SUGGESTION, choices=SUGGESTIONS,
                   help=f"the suggestion the peak is read from (default {DEFAULT_SUGGESTION})")
    f.add_argument("--shape", default=None, choices=SHAPES,
                   help=f"decay after the warmup (default {DEFAULT_SHAPE}, recommend's; its reason says why)")
    f.add_argument("--warmup", default=None, metavar="W",
                   help="warmup steps, or a percentage of the run like 5%% (default 5%%)")
    f.add_argument("--plot", metavar="PNG", help="write the loss-vs-LR plot to this PNG")
    out = f.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print one JSON object (curve, suggestions, recommendation)")
    out.add_argument("--quiet", action="store_true", help="print only the SPEC")
    f.set_defaults(func=run_find)


def _warmup(text: str | None) -> int | str | None:
    if text is None:
        return None
    t = text.strip()
    if t.endswith("%"):
        return t
    try:
        return int(t)
    except ValueError:
        raise CommandError(
            f"--warmup must be steps (a whole number >= 0) or a percentage like 5%; got {text!r}"
        ) from None


def task_sweep(task: Any, seed: int, **find_kwargs: Any) -> Any:
    """The range test on a bench task: its model for ``seed``, the task's optimizer (AdamW, or
    the SGD it declares, at its weight decay), the seed's training batches in order;
    ``find_kwargs`` go to :func:`glideslope.find_lr`."""
    from ..tune.finder import find_lr

    model = task.model(seed)
    opt = task.make_optimizer(model.parameters(), lr=1e-3)
    taken = [0]

    def train_step(lr: float) -> float:
        x, y = task.batch(seed, taken[0])
        taken[0] += 1
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad(set_to_none=True)
        loss = task.loss(model, x, y)
        loss.backward()
        opt.step()
        return float(loss.detach())

    return find_lr(train_step, **find_kwargs)


def run_find(args: argparse.Namespace) -> int:
    """The ``find`` command."""
    require_bench("glideslope find")
    import torch

    from .tasks import TaskUnavailable, get_task

    if args.end <= args.start:
        raise CommandError(f"--end must be > --start, got --start {args.start:g} --end {args.end:g}")
    if args.sweep_steps < 5:
        raise CommandError(f"--sweep-steps must be >= 5, got {args.sweep_steps}")
    warmup = _warmup(args.warmup)
    if args.steps is not None and args.steps < 10:
        raise CommandError(f"--steps must be >= 10 (the run's length), got {args.steps}")
    try:
        task = get_task(args.task)
    except TaskUnavailable as exc:
        raise CommandError(str(exc)) from None
    steps = args.steps if args.steps is not None else task.steps
    torch.set_num_threads(1)
    seed = int(args.seed)
    result = task_sweep(task, seed, start=args.start, end=args.end, steps=args.sweep_steps, sweep=args.sweep,
                        default=args.suggestion)
    try:
        rec = result.recommend(steps, shape=args.shape, warmup=warmup)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    result.recommendation = rec
    if args.plot:
        result.plot(args.plot)
    if args.json:
        print(json.dumps({"task": task.name, "optimizer": task.optimizer_label, "seed": seed, "steps": steps,
                          "spec": rec.spec, "finder": result.to_dict(),
                          **({"plot": args.plot} if args.plot else {})}, allow_nan=False))
    elif args.quiet:
        print(rec.spec)
    else:
        from ..cli.render.terminal import fit, terminal_width

        width = terminal_width()
        print(fit(f"task {task.name} ({task.description}), {task.optimizer_label}, seed {seed}", width))
        print(fit(str(result), width))
        if args.plot:
            print(fit(f"plot: {args.plot}", width))
        print(spec_lines(rec.spec, width))
    return 0


def spec_lines(spec: str, width: int) -> str:
    """``SPEC: <spec>`` on one line when it fits in ``width`` columns; else the SPEC in
    parentheses, broken before each ``>>`` onto lines of its own: still one expression that
    ``glideslope show`` and :func:`glideslope.spec.parse_spec` accept, pasted whole."""
    line = f"SPEC: {spec}"
    if len(line) <= width:
        return line
    phases = spec.split(" >> ")
    return "SPEC: (" + "\n      >> ".join(phases) + ")"
