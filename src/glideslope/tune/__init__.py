"""The tuning tools: the LR range test, the reading of its curve, and a whole schedule
recommended from it.

* :mod:`.curve`: the formulas that read a range test's loss curve (trim, zero-lag smoothing,
  the suggestions, each with its reason);
* :mod:`.result`: the records, :class:`RangeTest` and :class:`Recommendation`;
* :mod:`.recommendation`: :func:`recommend`, a warmup, a peak and a decay for a run's length;
* :mod:`.finder`: :func:`find_lr`, the sweep itself (any framework, or PyTorch through
  :mod:`._torch`), and :class:`LRFinderResult`;
* :mod:`.plot`: the range test's picture (matplotlib, imported when drawn).

``import glideslope`` exposes :func:`find_lr`, :class:`LRFinderResult`, :func:`recommend` and
:class:`Recommendation`; nothing here imports torch, numpy or matplotlib until it is used.
"""

from .finder import LRFinderResult, find_lr
from .recommendation import recommend
from .result import RangeTest, Recommendation

__all__ = ["LRFinderResult", "RangeTest", "Recommendation", "find_lr", "recommend"]
