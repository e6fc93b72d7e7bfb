"""The ``glideslope`` command line (also ``python -m glideslope``).

Commands live in their own modules; each exposes ``register(subparsers)`` which adds its
sub-parser and sets ``func`` (a callable taking the parsed args and returning an exit
status). A :class:`CommandError` (or a ValueError/TypeError from the engine) raised anywhere
prints one line and exits with status 2; so does a bad option.

Commands that take a SPEC share the run options (``--lr``, ``--steps``, ``--epochs``,
``--steps-per-epoch``): :func:`add_run_arguments` adds them and :func:`schedule_from_args`
turns the SPEC and those options into a bound schedule.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

#: Modules that contribute commands, in the order they appear in ``--help``.
COMMAND_MODULES = (
    "glideslope.commands",
    "glideslope.bench.commands",
)


class CommandError(Exception):
    """A user error: printed as one line (no traceback), exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage dump), exit status 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {_one_line(message)} (see: {self.prog} --help)\n")
        raise SystemExit(2)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# -- option types (each error message says what was expected) --------------------------------


def positive_int(text: str) -> int:
    """An int >= 1 (``2000``, ``2_000`` or ``2e3``)."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of steps >= 1, got {text!r}") from None
    if not math.isfinite(value) or value != int(value) or value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of steps >= 1, got {text!r}")
    return int(value)


def positive_float(text: str) -> float:
    """A finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--lr``, ``--steps``, ``--epochs`` and ``--steps-per-epoch`` to a command."""
    group = parser.add_argument_group("run options (bind the SPEC to a run)")
    group.add_argument("--lr", type=positive_float, metavar="LR",
                       help="multiply the schedule by LR (e.g. 3e-4): multipliers become absolute values")
    group.add_argument("--steps", type=positive_int, metavar="N",
                       help="the run's total steps (and the last step shown): resolves '10%%' and "
                       "open (rest-of-run) durations")
    group.add_argument("--epochs", type=positive_float, metavar="E",
                       help="the run's epochs; with --steps-per-epoch gives the total steps")
    group.add_argument("--steps-per-epoch", type=positive_int, metavar="K",
                       help="steps per epoch: resolves epoch durations such as '2ep'")


def run_sizes(args: argparse.Namespace) -> tuple[int | None, int | None]:
    """``(total_steps, steps_per_epoch)`` from the run options, checked for consistency."""
    steps: int | None = getattr(args, "steps", None)
    epochs: float | None = getattr(args, "epochs", None)
    per_epoch: int | None = getattr(args, "steps_per_epoch", None)
    if epochs is not None:
        if per_epoch is None:
            raise CommandError("--epochs needs --steps-per-epoch to know how many steps an epoch has")
        from_epochs = math.floor(epochs * per_epoch + 0.5)
        if from_epochs < 1:
            raise CommandError(f"--epochs {epochs:g} x --steps-per-epoch {per_epoch} is less than one step")
        if steps is not None and steps != from_epochs:
            raise CommandError(
                f"--steps {steps} disagrees with --epochs {epochs:g} x --steps-per-epoch {per_epoch} "
                f"= {from_epochs} steps; give one or the other"
            )
        steps = from_epochs
    return steps, per_epoch


def schedule_from_args(spec: str, args: argparse.Namespace) -> Any:
    """Parse ``spec`` (an expression or a config file), scale it by ``--lr`` and bind it.

    Raises:
        CommandError: for a bad SPEC, a bad combination of options, or a schedule that still
            needs a run size after binding (the message says which option to add).
    """
    from .spec import SpecError, load_spec

    try:
        schedule = load_spec(spec)
    except SpecError as exc:
        raise CommandError(f"bad SPEC {_short(spec)}: {exc}") from None
    total, per_epoch = run_sizes(args)
    lr = getattr(args, "lr", None)
    if lr is not None:
        schedule = lr * schedule
    try:
        if total is not None or per_epoch is not None:
            schedule = schedule.bind(total_steps=total, steps_per_epoch=per_epoch)
    except (ValueError, TypeError) as exc:
        raise CommandError(f"cannot bind {_short(spec)} to the run: {_one_line(str(exc))}") from None
    missing = schedule.unresolved()
    if missing:
        need = "--steps N" if any("total_steps" in m for m in missing) else "--steps-per-epoch K"
        raise CommandError(f"{_short(spec)} needs the run's size: {missing[0]}; add {need}")
    return schedule


def _short(spec: str, n: int = 70) -> str:
    text = _one_line(spec)
    return repr(text if len(text) <= n else text[: n - 3] + "...")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every command module's sub-commands registered."""
    from . import __version__

    parser = _Parser(
        prog="glideslope",
        description="See, check and use learning-rate schedules.\n\n"
        "A SPEC is the expression you would write in Python, e.g.\n"
        "  \"warmup('5%') >> cosine(end=0.01)\"   or   \"3e-4 * cosine(steps=1000)\"\n"
        "or the path of a JSON/YAML config written by schedule.to_config().",
        epilog="Run 'glideslope COMMAND --help' for a command's options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"glideslope {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 for a user error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (CommandError, ValueError, TypeError, ArithmeticError, ImportError, OSError) as exc:
        if os.environ.get("GLIDESLOPE_DEBUG"):
            raise
        if isinstance(exc, BrokenPipeError):  # pragma: no cover - e.g. piped into head
            return 0
        sys.stderr.write(f"glideslope {args.command}: error: {_one_line(str(exc) or type(exc).__name__)}\n")
        return 2
