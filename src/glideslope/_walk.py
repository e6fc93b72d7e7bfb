"""Walking deeply nested composites: memoised walks without recursion, and room in the
interpreter's recursion limit for the operations that do recurse.

Composites may nest up to :data:`glideslope.schedule.MAX_DEPTH` levels. :func:`memo` computes a
per-node property (length, hash, boundness) children first with an explicit stack;
:func:`recursion_room` raises the recursion limit for the duration of an operation that
recurses once per level (evaluation, ``repr``, configs), and restores it after.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: Schedules nested at most this deep are walked with the interpreter's recursion limit as is.
SHALLOW = 64
#: Python frames (and C-level recursions) an operation may use per level of nesting.
_FRAMES_PER_LEVEL = 12
_room_held = threading.local()  # is this thread inside a recursion_room already?
_room_lock = threading.Lock()
_room_users = 0  # threads inside a recursion_room; the limit is restored when none is left
_room_base = 0  # the recursion limit before the first of them raised it


@contextmanager
def recursion_room(depth: int, frames_per_level: int = _FRAMES_PER_LEVEL) -> Iterator[None]:
    """Enough recursion limit for an operation that recurses ``depth`` levels (restored after).

    Used only for schedules nested deeper than a few dozen levels; nested uses are free, and
    threads that overlap share the raised limit until the last of them is done.
    """
    global _room_users, _room_base
    if depth <= SHALLOW or getattr(_room_held, "on", False):
        yield
        return
    with _room_lock:
        if _room_users == 0:
            _room_base = sys.getrecursionlimit()
        _room_users += 1
        sys.setrecursionlimit(max(sys.getrecursionlimit(), _room_base + frames_per_level * depth))
    _room_held.on = True
    try:
        yield
    finally:
        _room_held.on = False
        with _room_lock:
            _room_users -= 1
            if _room_users == 0:
                sys.setrecursionlimit(_room_base)


def memo(root: Any, slot: str, compute: Callable[[Any], Any]) -> Any:
    """``compute(node)`` memoised in each node's ``__dict__[slot]``, for ``root`` and every
    descendant not yet done, children first, without recursion (composites may be deep)."""
    d = root.__dict__
    if slot in d:
        return d[slot]
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        nd = node.__dict__
        if slot in nd:
            continue
        if expanded:
            nd[slot] = compute(node)
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in node.children() if slot not in c.__dict__)
    return d[slot]
