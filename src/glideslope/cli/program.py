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

What the commands share (the errors, option types, the run options and SPEC loading) lives
in :mod:`glideslope.cli.args`.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

from .args import CommandError, CommandFailure, Parser, describe, reset_stdin

#: Which extra installs an optional top-level package (for the "not installed" message).
EXTRAS = {
    "numpy": "numpy", "matplotlib": "plot", "yaml": "yaml", "torch": "torch", "sklearn": "bench",
    "schedulefree": "bench", "prodigyopt": "bench", "dadaptation": "bench", "ray": "ray",
    "jax": "jax", "optax": "jax", "keras": "keras", "tensorflow": "tensorflow", "timm": "timm",
    "transformers": "transformers",
}


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every command module's sub-commands registered."""
    from .. import __version__

    parser = Parser(
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
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in command_modules():
        module.register(sub)
    return parser


def command_modules() -> tuple[Any, ...]:
    """The modules that contribute commands, in the order they appear in ``--help``: each has
    ``register(subparsers)``, which adds its sub-parsers and sets ``func`` (a callable taking
    the parsed args and returning an exit status)."""
    from ..bench import commands as bench_commands
    from . import commands, replan

    return (commands, replan, bench_commands)


def _missing_package(exc: ImportError) -> str:
    top = (exc.name or "").split(".")[0]
    extra = EXTRAS.get(top)
    if extra is None or "pip install" in str(exc) or not isinstance(exc, ModuleNotFoundError):
        return describe(exc)  # already says what to install, or a broken install: say what failed
    return f"this needs the optional package {top!r}, which is not installed: pip install 'glideslope[{extra}]'"


def _failure(exc: BaseException) -> tuple[int, str]:
    """The exit status and the one-line message for an exception a command raised."""
    if isinstance(exc, CommandError):
        return 2, describe(exc)
    if isinstance(exc, CommandFailure):
        return 1, describe(exc)
    if isinstance(exc, RecursionError):
        return 2, describe(exc)
    if isinstance(exc, (ValueError, TypeError, ArithmeticError, LookupError)):
        return 2, describe(exc)
    if isinstance(exc, ImportError):
        return 1, _missing_package(exc)
    if isinstance(exc, MemoryError):
        return 1, "out of memory"
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return 1, f"{exc.strerror or describe(exc)}{where}"
    return 1, f"unexpected {type(exc).__name__}: {describe(exc)} (run with GLIDESLOPE_DEBUG=1 for the traceback)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 runtime failure, 2 bad input)."""
    reset_stdin()
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
