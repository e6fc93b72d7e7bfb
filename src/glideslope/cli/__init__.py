"""The command line, ``glideslope`` (also ``python -m glideslope``).

* :mod:`.program`: the program: the top-level parser, every tool's commands registered, and
  the rule that turns any failure into one line and an exit status;
* :mod:`.args`: what every command shares: its errors, option types, the run options and
  SPEC loading (each tool's commands import it, never :mod:`.program`);
* :mod:`.commands`: ``show``, ``table``, ``plot`` and ``export``;
* :mod:`.render`: the pictures: terminal plots, SVG and matplotlib figures (the last is also
  what :meth:`glideslope.Schedule.plot` draws).

The benchmark's commands (``bench``, ``find``) live with the benchmark, in
:mod:`glideslope.bench.commands`.
"""

from .program import build_parser, main

__all__ = ["build_parser", "main"]
