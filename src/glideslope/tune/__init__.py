"""The tuning tools: the LR range test, the reading of its curve, and a whole schedule
recommended from it.

* :mod:`.curve`: the formulas that read a range test's loss curve (trim, zero-lag smoothing,
  the suggestions, each with its reason);
* :mod:`.result`: the records, :class:`RangeTest` and :class:`Recommendation`;
* :mod:`.recommendation`: :func:`recommend`, a warmup, a peak and a decay for a run's length;
* :mod:`.finder`: :func:`find_lr`, the sweep itself (any framework, or PyTorch through
  :mod:`._torch`), and :class:`LRFinderResult`;
* :mod:`.pilots`: :func:`recommend_with_pilots`, the schedule from a range test and short
  pilot runs (any framework: you pass ``train(schedule, steps) -> validation loss``), and
  :mod:`.pilots_torch`: :func:`recommend_torch`, the same for a PyTorch model;
* :mod:`.plot`: the range test's picture (matplotlib, imported when drawn).

``import glideslope`` exposes :func:`find_lr`, :class:`LRFinderResult`, :func:`recommend`,
:func:`recommend_with_pilots`, :func:`recommend_torch` and :class:`Recommendation`; nothing
here imports torch, numpy or matplotlib until it is used.
"""

from .finder import LRFinderResult, find_lr
from .pilots import recommend_with_pilots
from .pilots_torch import recommend_torch
from .recommendation import recommend
from .result import Pilot, RangeTest, Recommendation

__all__ = ["LRFinderResult", "Pilot", "RangeTest", "Recommendation", "find_lr", "recommend", "recommend_torch",
           "recommend_with_pilots"]
