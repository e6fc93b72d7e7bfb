"""What every command of the command line shares: the errors that end a command in one line
(:class:`CommandError`, exit status 2; :class:`CommandFailure`, exit status 1), option types
whose messages say what was expected, the run options (``--lr``, ``--steps``, ``--epochs``,
``--steps-per-epoch``) and :func:`schedule_from_args`, which turns a SPEC (or ``-``, read from
standard input) and those options into a bound schedule.

Each tool's commands (:mod:`glideslope.cli.commands`, :mod:`glideslope.bench.commands`)
import this module; :mod:`glideslope.cli.program`, the program, imports them.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any, NoReturn

#: The largest run the commands accept, in steps (and the largest step ``--at`` may name).
MAX_STEPS = 10**15

#: The most text read from standard input for a SPEC given as ``-`` (a config can be long).
MAX_STDIN = 10_000_000


class CommandError(Exception):
    """A usage error or bad input: printed as one line (no traceback), exit status 2."""


class CommandFailure(Exception):
    """A runtime failure (the input was fine): printed as one line, exit status 1."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage dump), exit status 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {_one_line(message)} (see: {self.prog} --help)\n")
        raise SystemExit(2)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# -- option types (each error message says what was expected) --------------------------------


def whole_number(text: str) -> int | None:
    """``text`` as a whole number (``2000``, ``2_000`` or ``2e3``), or None."""
    clean = text.strip().replace("_", "")
    try:
        return int(clean)
    except ValueError:
        pass
    try:
        value = float(clean)
    except ValueError:
        return None
    if not math.isfinite(value) or value != int(value):
        return None
    return int(value)


def bounded_int(low: int, high: int, what: str) -> Any:
    """An option type: a whole number in ``[low, high]``; ``what`` names the unit."""

    def convert(text: str) -> int:
        value = whole_number(text)
        if value is None or value < low:
            raise argparse.ArgumentTypeError(f"expected a whole number of {what} >= {low}, got {text[:40]!r}")
        if value > high:
            raise argparse.ArgumentTypeError(f"expected at most {_number(high)} {what}, got {text[:40]!r}")
        return value

    return convert


def _number(n: int) -> str:
    """``1000`` as ``1,000``; ``10**15`` as ``10^15``."""
    if n >= 10**6 and str(n).rstrip("0") == "1":
        return f"10^{len(str(n)) - 1}"
    return f"{n:,}"


#: A number of steps, 1 to :data:`MAX_STEPS`.
positive_int = bounded_int(1, MAX_STEPS, "steps")


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
                       help="multiply the schedule by LR (e.g. 3e-4): multipliers become absolute values; "
                       "warns when the SPEC is already scaled")
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
        product = epochs * per_epoch
        if not product < MAX_STEPS:
            raise CommandError(
                f"--epochs {epochs:g} x --steps-per-epoch {per_epoch} is more than {_number(MAX_STEPS)} steps"
            )
        from_epochs = math.floor(product + 0.5)
        if from_epochs < 1:
            raise CommandError(f"--epochs {epochs:g} x --steps-per-epoch {per_epoch} is less than one step")
        if steps is not None and steps != from_epochs:
            raise CommandError(
                f"--steps {steps} disagrees with --epochs {epochs:g} x --steps-per-epoch {per_epoch} "
                f"= {from_epochs} steps; give one or the other"
            )
        steps = from_epochs
    return steps, per_epoch


# -- SPECs ----------------------------------------------------------------------------------


_stdin_used = False


def reset_stdin() -> None:
    """Forget that standard input was read (each run of the program reads it at most once)."""
    global _stdin_used
    _stdin_used = False


def read_stdin() -> str:
    """The text on standard input, for a SPEC given as ``-`` (read once per command)."""
    global _stdin_used
    if _stdin_used:
        raise CommandError("only one SPEC can be '-' (standard input is read once)")
    _stdin_used = True
    stream = sys.stdin
    if stream is None:
        raise CommandError("SPEC '-' reads standard input, but there is none")
    if stream.isatty():
        sys.stderr.write("glideslope: reading the SPEC from standard input (end it with Ctrl-D)\n")
    data = stream.buffer.read(MAX_STDIN + 1) if hasattr(stream, "buffer") else stream.read(MAX_STDIN + 1).encode()
    if len(data) > MAX_STDIN:
        raise CommandError(f"SPEC '-': standard input holds more than {MAX_STDIN:,} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(f"SPEC '-': standard input is not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise CommandError("SPEC '-': standard input is empty; pipe in an expression or a JSON/YAML config")
    return text


def _load(spec: str) -> Any:
    """The unbound schedule a SPEC names (``-`` reads standard input); CommandError if refused."""
    from ..spec import SpecError, load_spec, spec_from_text

    try:
        if spec.strip() == "-":
            return spec_from_text(read_stdin(), origin="the config on standard input")
        return load_spec(spec)
    except SpecError as exc:
        raise CommandError(f"bad SPEC {_short(spec)}: {exc}") from None
    except (ValueError, TypeError, ArithmeticError, LookupError, RecursionError, MemoryError) as exc:
        raise CommandError(f"bad SPEC {_short(spec)}: {describe(exc)}") from None


def schedule_from_args(spec: str, args: argparse.Namespace) -> Any:
    """Parse ``spec`` (an expression, a config file, or ``-`` for standard input), bind it to
    the run and scale it by ``--lr`` (warning when the SPEC is already scaled).

    Raises:
        CommandError: for a bad SPEC, a bad combination of options, or a schedule that still
            needs a run size after binding (the message says which option to add).
    """
    schedule = _load(spec)
    total, per_epoch = run_sizes(args)
    try:
        if total is not None or per_epoch is not None:
            schedule = schedule.bind(total_steps=total, steps_per_epoch=per_epoch)
    except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:
        raise CommandError(f"cannot bind {_short(spec)} to the run: {describe(exc)}") from None
    missing = schedule.unresolved()
    if missing:
        need = "--steps N" if any("total_steps" in m for m in missing) else "--steps-per-epoch K"
        raise CommandError(f"{_short(spec)} needs the run's size: {missing[0]}; add {need}")
    lr = getattr(args, "lr", None)
    if lr is not None:
        why = already_scaled(schedule, total)
        if why:
            warn(args, f"--lr {lr:g} multiplies {_short(spec)}, which is already scaled ({why}); "
                 f"the values shown are the product (drop --lr, or write the SPEC as a multiplier)")
        schedule = lr * schedule
    return schedule


#: A schedule whose values never exceed this looks like a learning rate, not a multiplier.
ABSOLUTE_BELOW = 0.1


def already_scaled(schedule: Any, total: int | None) -> str:
    """Why ``schedule`` looks already scaled to a learning rate ("" when it does not): it is
    ``number * schedule`` at the top, or its values never exceed :data:`ABSOLUTE_BELOW`."""
    from ..compose import Scale
    from .render._sample import evaluate, horizon, steps_for

    if isinstance(schedule, Scale) and schedule.factor != 1:
        return f"it multiplies by {schedule.factor:g}"
    values = evaluate(schedule, steps_for(horizon(schedule, total), 2_000))
    peak = max(abs(v) for v in values)
    if 0 < peak <= ABSOLUTE_BELOW:
        return f"its largest value is {peak:.4g}, a learning rate rather than a multiplier"
    return ""


def warn(args: argparse.Namespace, message: str) -> None:
    """One warning line on standard error; the command carries on."""
    sys.stderr.write(f"glideslope {args.command}: warning: {_one_line(message)}\n")


def _short(spec: str, n: int = 70) -> str:
    if spec.strip() == "-":
        return "'-' (standard input)"
    from ..spec import clip_middle

    return repr(clip_middle(spec, n))


def describe(exc: BaseException) -> str:
    """One line for an exception, with a plain reason for the ones whose text says little."""
    if isinstance(exc, RecursionError):
        return "the schedule is nested too deeply (Python's recursion limit was reached)"
    if isinstance(exc, MemoryError):
        return "the input is too large: it ran out of memory"
    text = _one_line(str(exc))
    if len(text) > 300:
        text = text[:297] + "..."
    return text or type(exc).__name__
