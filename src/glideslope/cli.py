"""The ``glideslope`` command line (also ``python -m glideslope``).

Commands live in their own modules; each exposes ``register(subparsers)`` which adds its
sub-parser and sets ``func`` (a callable taking the parsed args and returning an exit
status). A :class:`CommandError` raised anywhere prints one line and exits with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Modules that contribute commands, in the order they appear in ``--help``.
COMMAND_MODULES = (
    "glideslope.commands",
)


class CommandError(Exception):
    """A user error: printed as one line (no traceback), exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="glideslope",
        description="See, check and use learning-rate schedules.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        sys.stderr.write(f"glideslope {args.command}: error: {exc}\n")
        return 2
    except (ValueError, TypeError) as exc:
        sys.stderr.write(f"glideslope {args.command}: error: {exc}\n")
        return 2
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return 0
