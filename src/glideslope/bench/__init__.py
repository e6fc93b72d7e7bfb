"""Offline benchmarks: does a learning-rate schedule help, on real training, on a CPU? And
how close does a tuning-free method come to a grid search?

* :mod:`.tasks`: the registry of training tasks (``charlm`` default, ``fashion``, ``digits``, and
  the suite's ten in :mod:`.tabular_tasks` and :mod:`.lm_tasks`; the base in
  :mod:`.task_base`), each with a validation split (choices) and a test split (reports);
* :mod:`.methods`: the contenders (schedules on AdamW, one-cycle with and without its momentum
  cycle, schedule-free AdamW, the finder + ``glideslope.recommend``, Prodigy, D-Adaptation);
* :mod:`.train`: one run (the shared loop, driven by ``glideslope.torch.ScheduleLR``);
* :mod:`.tuning`: the LR range test job and the recommendation for a budget;
* :mod:`.runner`: the protocol (selection seed, reporting seeds), job keys and fingerprints;
* :mod:`.executor`: the local process pool or Ray, the results file and resuming;
* :mod:`.stats`: paired t-intervals, ratio intervals, verdicts with an equivalence margin;
* :mod:`.report`: tables, claims, the terminal summary, plots;
* :mod:`.study` and :mod:`.study_report`: the budget-scaling study;
* :mod:`.cooldowns`: WSD cooldowns branched from one run;
* :mod:`.suite`, :mod:`.suite_pilots`, :mod:`.suite_report`, :mod:`.suite_command`: the task
  suite (every contender against a full grid on every task, a held-out split in
  ``suite_split.json``), ``glideslope bench --suite``;
* :mod:`.commands`: ``glideslope bench`` (``glideslope find`` is in :mod:`.find_command`).

Importing this package imports neither torch nor numpy; running a task does.
"""
