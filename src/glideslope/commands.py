"""Placeholder commands (show, table): replaced by the full CLI work (issue 4)."""

from __future__ import annotations

import argparse
from typing import Any

from . import analysis


def _parse(spec: str) -> Any:
    import glideslope

    allowed = {k: getattr(glideslope, k) for k in glideslope.__all__ if k[0].islower()}
    return eval(spec, {"__builtins__": {}}, allowed)  # placeholder only; issue 4 makes it safe


def _show(args: argparse.Namespace) -> int:
    s = _parse(args.spec)
    if args.steps:
        s = s.bind(total_steps=args.steps)
    for row in analysis.phase_table(s):
        print(f"{row.name:>12} {row.start:>7} -> {row.stop:<7} start {row.start_value:.6g} end {row.end_value:.6g}")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("show", help="show a schedule")
    p.add_argument("spec")
    p.add_argument("--steps", type=int)
    p.set_defaults(func=_show)
