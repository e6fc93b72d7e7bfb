"""The ``glideslope`` command line (also ``python -m glideslope``).

Commands live in their own modules; each exposes ``register(subparsers)`` which adds its
sub-parser and sets ``func`` (a callable taking the parsed args and returning an exit
status). Whatever goes wrong ends in one line on standard error, never a traceback
(``GLIDESLOPE_DEBUG=1`` shows it), and an exit status that says whose fault it was:

* **2, usage or bad input**: a bad option (argparse), a :class:`CommandError`, or the
  library refusing the input (ValueError, TypeError, an arithmetic error, a SPEC or config
  nested too deeply or too large to load).
* **1, runtime failure**: the input was fine but the run was not: a :class:`CommandFailure`,
  an optional package that is not installed (the message names the extra to install), a
  file that cannot be written, no memory left, or a bug.

Commands that take a SPEC share the run options (``--lr``, ``--steps``, ``--epochs``,
``--steps-per-epoch``): :func:`add_run_arguments` adds them and :func:`schedule_from_args`
turns the SPEC (or ``-``, read from standard input) and those options into a bound schedule.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

#: Modules that contribute commands, in the order they appear in ``--help``.
COMMAND_MODULES = (
    "glideslope.commands",
    "glideslope.bench.commands",
)

#: The largest run the commands accept, in steps (and the largest step ``--at`` may name).
MAX_STEPS = 10**15

#: The most text read from standard input for a SPEC given as ``-`` (a config can be long).
MAX_STDIN = 10_000_000

#: Which extra installs an optional top-level package (for the "not installed" message).
EXTRAS = {
    "numpy": "numpy", "matplotlib": "plot", "yaml": "yaml", "torch": "torch", "sklearn": "bench",
    "schedulefree": "bench", "prodigyopt": "bench", "dadaptation": "bench", "ray": "ray",
    "jax": "jax", "optax": "jax", "keras": "keras", "tensorflow": "tensorflow", "timm": "timm",
    "transformers": "transformers",
}


class CommandError(Exception):
    """A usage error or bad input: printed as one line (no traceback), exit status 2."""


class CommandFailure(Exception):
    """A runtime failure (the input was fine): printed as one line, exit status 1."""


class _Parser(argparse.ArgumentParser):
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
    from .spec import SpecError, load_spec, spec_from_text

    try:
        if spec.strip() == "-":
            return spec_from_text(read_stdin(), origin="the config on standard input")
        return load_spec(spec)
    except SpecError as exc:
        raise CommandError(f"bad SPEC {_short(spec)}: {exc}") from None
    except (ValueError, TypeError, ArithmeticError, LookupError, RecursionError, MemoryError) as exc:
        raise CommandError(f"bad SPEC {_short(spec)}: {_describe(exc)}") from None


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
        raise CommandError(f"cannot bind {_short(spec)} to the run: {_describe(exc)}") from None
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
    from .compose import Scale
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
    from .spec import clip_middle

    return repr(clip_middle(spec, n))


def _describe(exc: BaseException) -> str:
    """One line for an exception, with a plain reason for the ones whose text says little."""
    if isinstance(exc, RecursionError):
        return "the schedule is nested too deeply (Python's recursion limit was reached)"
    if isinstance(exc, MemoryError):
        return "the input is too large: it ran out of memory"
    text = _one_line(str(exc))
    if len(text) > 300:
        text = text[:297] + "..."
    return text or type(exc).__name__


# -- the program ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every command module's sub-commands registered."""
    from . import __version__

    parser = _Parser(
        prog="glideslope",
        description="See, check and use learning-rate schedules.\n\n"
        "A SPEC is the expression you would write in Python, e.g.\n"
        "  \"warmup('5%') >> cosine(end=0.01)\"   or   \"3e-4 * cosine(steps=1000)\"\n"
        "or the path of a JSON/YAML config written by schedule.to_config(), or - to read\n"
        "either from standard input.",
        epilog="exit status: 0 ok, 1 runtime failure, 2 usage error or bad input.\n"
        "Run 'glideslope COMMAND --help' for a command's options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"glideslope {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(sub)
    return parser


def _missing_package(exc: ImportError) -> str:
    top = (exc.name or "").split(".")[0]
    extra = EXTRAS.get(top)
    if extra is None or "pip install" in str(exc) or not isinstance(exc, ModuleNotFoundError):
        return _describe(exc)  # already says what to install, or a broken install: say what failed
    return f"this needs the optional package {top!r}, which is not installed: pip install 'glideslope[{extra}]'"


def _failure(exc: BaseException) -> tuple[int, str]:
    """The exit status and the one-line message for an exception a command raised."""
    if isinstance(exc, CommandError):
        return 2, _describe(exc)
    if isinstance(exc, CommandFailure):
        return 1, _describe(exc)
    if isinstance(exc, RecursionError):
        return 2, _describe(exc)
    if isinstance(exc, (ValueError, TypeError, ArithmeticError, LookupError)):
        return 2, _describe(exc)
    if isinstance(exc, ImportError):
        return 1, _missing_package(exc)
    if isinstance(exc, MemoryError):
        return 1, "out of memory"
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return 1, f"{exc.strerror or _describe(exc)}{where}"
    return 1, f"unexpected {type(exc).__name__}: {_describe(exc)} (run with GLIDESLOPE_DEBUG=1 for the traceback)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 runtime failure, 2 bad input)."""
    global _stdin_used
    _stdin_used = False
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")  # never a UnicodeEncodeError on output
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():
            # NumPy's overflow/NaN warnings would be extra lines on stderr; a value that is
            # not finite is refused by the commands themselves, in one line
            warnings.filterwarnings("ignore", r"(overflow|invalid value|divide by zero) encountered", RuntimeWarning)
            status = int(args.func(args) or 0)
        sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        sys.stderr.write(f"glideslope {args.command}: interrupted\n")
        return 130
    except BrokenPipeError:  # e.g. piped into head: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        if os.environ.get("GLIDESLOPE_DEBUG"):
            raise
        status, message = _failure(exc)
        sys.stderr.write(f"glideslope {args.command}: error: {message}\n")
        return status
