"""What every benchmark command needs before it runs: NumPy and torch (the ``bench`` extra).

Its own module, so that each command module (:mod:`.commands`, :mod:`.find_command`) can use
it without importing the other.
"""

from __future__ import annotations

from .._optional import require


def require_bench(feature: str) -> None:
    """NumPy and torch, or one line naming the ``bench`` extra (not the ``numpy`` one)."""
    for module in ("numpy", "torch"):
        require(module, extra="bench", feature=feature)
