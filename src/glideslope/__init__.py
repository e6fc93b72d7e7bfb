"""glideslope: learning-rate (and any hyperparameter) schedules as closed-form values.

>>> import glideslope as gs
>>> s = gs.warmup(100) >> gs.cosine(end=0.1, steps=900)
>>> round(s(550), 4)
0.55
"""

from .analysis import area, extremes, first_crossing, jumps, mean, phase_table
from .compose import (
    Maximum,
    Minimum,
    Product,
    Scale,
    Sequence,
    Sum,
    Warmup,
    add,
    join,
    maximum,
    minimum,
    product,
    scale,
    sequence,
    warmup,
    warmup_stable_decay,
    wsd,
)
from .config import from_config, load, loads, save
from .cycles import (
    CosineRestarts,
    Cyclic,
    OneCycle,
    OneCycleMomentum,
    cosine_restarts,
    cyclic,
    one_cycle,
    one_cycle_momentum,
)
from .horizon import HorizonReport, HorizonWarning, horizon_report
from .noise import Noise, noise
from .piecewise import MultiStep, PiecewiseConstant, Step, multistep, piecewise_constant, step
from .plateau import ReduceOnPlateau
from .replan import CooldownNow, Extend, Shorten, Splice, cooldown_now, extend, shorten, splice
from .schedule import Phase, Schedule
from .shapes import (
    Constant,
    Cooldown,
    Cosine,
    Exponential,
    Function,
    Interpolate,
    InverseSqrt,
    Linear,
    Polynomial,
    Rex,
    SlantedTriangular,
    Tanh,
    constant,
    cooldown,
    cosine,
    exponential,
    function,
    interpolate,
    inverse_sqrt,
    linear,
    polynomial,
    rex,
    slanted_triangular,
    tanh,
)
from .timing import UnboundScheduleError
from .transforms import Clamp, Repeat, Shift, Stretch, clamp, repeat, shift, stretch
from .tune import LRFinderResult, Recommendation, find_lr, recommend, recommend_torch, recommend_with_pilots

__version__ = "0.1.0"

__all__ = [
    "Clamp", "Constant", "Cooldown", "Cosine", "CosineRestarts", "Cyclic", "Exponential",
    "Function", "Interpolate", "InverseSqrt", "LRFinderResult", "Linear", "Maximum", "Minimum", "MultiStep",
    "Noise", "OneCycle", "OneCycleMomentum", "Phase", "PiecewiseConstant", "Polynomial",
    "Product", "Recommendation", "ReduceOnPlateau", "Repeat", "Rex", "Scale", "Schedule", "Sequence", "Shift",
    "SlantedTriangular", "Step", "Stretch", "Sum", "Tanh", "UnboundScheduleError", "Warmup",
    "add", "area", "clamp", "constant", "cooldown", "cosine", "cosine_restarts", "cyclic",
    "exponential", "extremes", "find_lr", "first_crossing", "from_config", "function", "interpolate",
    "inverse_sqrt", "join", "jumps", "linear", "load", "loads", "maximum", "mean", "minimum",
    "multistep", "noise", "one_cycle", "one_cycle_momentum", "phase_table",
    "piecewise_constant", "polynomial", "product", "recommend", "repeat", "rex", "save", "scale",
    "sequence", "shift", "slanted_triangular", "step", "stretch", "tanh", "warmup",
    "warmup_stable_decay", "wsd",
]
__all__ += [  # plan changes (replan.py) and horizon checks (horizon.py)
    "CooldownNow", "Extend", "HorizonReport", "HorizonWarning", "Shorten", "Splice", "cooldown_now", "extend",
    "horizon_report", "shorten", "splice",
]
__all__ += ["recommend_torch", "recommend_with_pilots"]  # pilot-based recommendation (tune/pilots.py)
