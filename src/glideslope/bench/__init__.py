"""Offline benchmarks: does a learning-rate schedule help, on real training, on a CPU?

* :mod:`.tasks`: the training tasks (``charlm`` default, ``fashion``, ``digits``);
* :mod:`.methods`: the contenders (ten schedules and schedule-free AdamW);
* :mod:`.train`: one run (the shared training loop, checkpoints, cooldown branches);
* :mod:`.runner`: planning, parallel execution, the results file and resuming;
* :mod:`.report`: the table, bootstrap confidence intervals, claim checks and plots;
* :mod:`.commands`: ``glideslope bench`` and ``glideslope find``.

Importing this package imports neither torch nor numpy; running a task does.
"""
