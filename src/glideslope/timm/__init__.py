"""timm's learning-rate schedulers (``timm.scheduler``), computed by glideslope.

The same class names, arguments and numbers as timm, for timm's training-script idiom::

    from glideslope.timm import CosineLRScheduler   # was: from timm.scheduler import ...

    sched = CosineLRScheduler(optimizer, t_initial=epochs, warmup_t=5, warmup_lr_init=1e-6)
    for epoch in range(epochs):
        for i, batch in enumerate(loader):
            ...
            sched.step_update(num_updates=epoch * len(loader) + i + 1)
        sched.step(epoch + 1)

Each scheduler's ``schedule`` is the glideslope Schedule it follows (the first param group's
lr as a function of ``t``), to plot, tabulate or evaluate on arrays; timm's noise is drawn
exactly as timm draws it. Only the optimizer's ``param_groups`` are used: neither timm nor
torchvision is needed (torch only for noise).
"""

from ._base import Scheduler
from ._shapes import HalfTanh, InversePower, PowerDecay, Restarts
from .factory import create_scheduler, create_scheduler_v2, scheduler_kwargs
from .plateau import PlateauLRScheduler
from .schedulers import (
    CosineLRScheduler,
    MultiStepLRScheduler,
    PolyLRScheduler,
    StepLRScheduler,
    TanhLRScheduler,
    WSDLRScheduler,
)

__all__ = [
    "CosineLRScheduler", "HalfTanh", "InversePower", "MultiStepLRScheduler", "PlateauLRScheduler", "PolyLRScheduler",
    "PowerDecay", "Restarts", "Scheduler", "StepLRScheduler", "TanhLRScheduler", "WSDLRScheduler",
    "create_scheduler", "create_scheduler_v2", "scheduler_kwargs",
]
