"""glideslope for PyTorch: drop-in ``torch.optim.lr_scheduler`` classes with closed-form
numbers, Transformers' schedule functions, and :class:`ScheduleLR` for any hyperparameter.

Switch by changing one import::

    from glideslope.torch import CosineAnnealingLR, OneCycleLR, get_scheduler

Every drop-in scheduler exposes ``.schedule``, the glideslope schedule it follows, and
:func:`from_torch` reads a torch scheduler instance into one.

Importing this module imports torch; ``import glideslope`` never does. Under the Transformers
``Trainer``, run :class:`ReduceLROnPlateau` through ``glideslope.torch.trainer.TrainerPlateau``
(that module imports transformers).
"""

from .._optional import require

require("torch", extra="torch", feature="glideslope.torch")  # one line naming the extra, not a traceback

from ._base import LRScheduler
from .convert import UnreadableSchedulerError, from_torch, take_over
from .native import ScheduleLR
from .schedulers import (
    SWALR,
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
    OneCycleLR,
    PolynomialLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
)
from .transformers import (
    SchedulerType,
    get_constant_schedule,
    get_constant_schedule_with_warmup,
    get_cosine_schedule_with_warmup,
    get_cosine_with_hard_restarts_schedule_with_warmup,
    get_cosine_with_min_lr_schedule_with_warmup,
    get_cosine_with_min_lr_schedule_with_warmup_lr_rate,
    get_inverse_sqrt_schedule,
    get_linear_schedule_with_warmup,
    get_polynomial_decay_schedule_with_warmup,
    get_reduce_on_plateau_schedule,
    get_scheduler,
    get_wsd_schedule,
)

__all__ = [
    "SWALR",
    "ChainedScheduler",
    "ConstantLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "MultiplicativeLR",
    "OneCycleLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "ScheduleLR",
    "SchedulerType",
    "SequentialLR",
    "StepLR",
    "UnreadableSchedulerError",
    "from_torch",
    "get_constant_schedule",
    "get_constant_schedule_with_warmup",
    "get_cosine_schedule_with_warmup",
    "get_cosine_with_hard_restarts_schedule_with_warmup",
    "get_cosine_with_min_lr_schedule_with_warmup",
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "get_inverse_sqrt_schedule",
    "get_linear_schedule_with_warmup",
    "get_polynomial_decay_schedule_with_warmup",
    "get_reduce_on_plateau_schedule",
    "get_scheduler",
    "get_wsd_schedule",
    "take_over",
]
