"""What the benchmark compares, each a :class:`Method`: learning-rate schedules on AdamW,
one-cycle with and without its momentum cycle, schedule-free AdamW, the LR finder with
:func:`glideslope.recommend`, two parameter-free optimizers (Prodigy, D-Adaptation Adam), and
the untuned default (AdamW at its default lr=1e-3 under warmup + cosine).

Every schedule here is a *multiplier* (glideslope's convention): the run drives
``group['lr'] = peak * schedule(step)`` through :class:`glideslope.torch.ScheduleLR`, with
``peak`` tuned on the grid. Warmups are 5% of the run where a method has one.

How a method gets its peak (``tuning``):

* ``"grid"``: every LR of the grid on the selection seed; the best validation loss wins;
* ``"finder"``: one LR range test on the selection seed, then :func:`glideslope.recommend`
  (no grid);
* ``"none"``: the optimizer's own recommended ``lr`` (1.0 for Prodigy and D-Adaptation;
  AdamW's default 1e-3 for ``default-lr``, the untuned default every table shows beside
  ``recommend``).
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass

from ..compose import Warmup, warmup_stable_decay
from ..cycles import one_cycle, one_cycle_momentum
from ..piecewise import multistep
from ..schedule import Schedule
from ..shapes import constant, cooldown, cosine, linear

#: The optimizers a method can use: name -> (import name, class) of the package providing it.
OPTIMIZERS: dict[str, tuple[str, str]] = {
    "adamw": ("torch", "AdamW"),
    "schedule-free": ("schedulefree", "AdamWScheduleFree"),
    "prodigy": ("prodigyopt", "Prodigy"),
    "dadapt-adam": ("dadaptation", "DAdaptAdam"),
}
#: The distribution that provides each import name (for its version in records).
DISTRIBUTIONS = {"torch": "torch", "schedulefree": "schedulefree", "prodigyopt": "prodigyopt",
                 "dadaptation": "dadaptation"}


@dataclass(frozen=True)
class Method:
    """One contender.

    Attributes:
        name: short name (table rows, results file, ``--methods``).
        label: what it is, for the table's legend (with the source of its settings).
        schedule: ``steps -> bound multiplier schedule`` of the LR; None: constant 1.
        beta1: ``steps -> bound absolute schedule`` of Adam's beta1 (one-cycle's momentum
            cycle); None: beta1 stays at 0.9.
        optimizer: a key of :data:`OPTIMIZERS`.
        tuning: ``"grid"``, ``"finder"`` or ``"none"`` (see the module docstring).
        plateau: reduce the LR on a validation plateau (factor 0.5, patience 1 evaluation).
        lr: the fixed LR of a ``tuning="none"`` method.
    """

    name: str
    label: str
    schedule: Callable[[int], Schedule] | None = None
    beta1: Callable[[int], Schedule] | None = None
    optimizer: str = "adamw"
    tuning: str = "grid"
    plateau: bool = False
    lr: float = 1.0

    def multiplier(self, steps: int) -> Schedule:
        """The bound LR multiplier for a run of ``steps`` (constant 1 when none)."""
        if self.schedule is None:
            return constant(1.0).bind(total_steps=steps)
        return self.schedule(steps)

    def fingerprint(self, steps: int) -> str:
        """The fingerprints of everything this method schedules, for a run of ``steps``."""
        parts = [self.multiplier(steps).fingerprint()]
        if self.beta1 is not None:
            parts.append(self.beta1(steps).fingerprint())
        return "+".join(parts)

    @property
    def package(self) -> str:
        """The import name of the package that provides the optimizer."""
        return OPTIMIZERS[self.optimizer][0]

    def available(self) -> str | None:
        """None when the optimizer's package imports; otherwise a one-line note saying what is
        missing and how to get it."""
        try:
            importlib.import_module(self.package)
        except ImportError:
            dist = DISTRIBUTIONS[self.package]
            return (f"{self.name}: skipped, {dist} is not installed "
                    f"(pip install {dist}, or pip install 'glideslope[bench]')")
        return None

    def package_version(self) -> str:
        """The installed version of the optimizer's package ("" when it is not installed)."""
        try:
            return importlib.metadata.version(DISTRIBUTIONS[self.package])
        except importlib.metadata.PackageNotFoundError:
            return ""


def _bind(s: Schedule, steps: int) -> Schedule:
    return s.bind(total_steps=steps)


_PRODIGY_DOC = (
    "Prodigy (prodigyopt), lr=1.0, AdamW-style weight decay as the task uses, cosine annealing "
    "to 0 over the run and no warmup: the prodigyopt README ('We recommend using lr=1. (default) "
    "for all networks'; 'we recommend either using no scheduler or using cosine annealing', "
    "T_max=total_steps; warmup needs safeguard_warmup=True, so none is used)"
)
_DADAPT_DOC = (
    "D-Adaptation Adam (dadaptation.DAdaptAdam), lr=1.0, decouple=True with the task's weight "
    "decay, and the schedule a user would normally use, 5% warmup then cosine to 0: the "
    "dadaptation README ('Set the LR parameter to 1.0'; 'Use the same learning rate scheduler "
    "you would normally use on the problem'; AdamW-style decay needs decouple=True)"
)

#: torch.optim.AdamW's default ``lr``: the untuned default a user starts from.
DEFAULT_LR = 1e-3
_DEFAULT_LR_DOC = (
    "the untuned default: AdamW at its default lr=1e-3 (torch.optim.AdamW), 5% warmup then cosine "
    "to 0, no grid and no finder: what a user trains without tuning anything"
)

METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("constant", "fixed LR, no warmup", lambda n: _bind(constant(1.0), n)),
        Method("warmup-constant", "5% warmup, then constant (the control for warmup)",
               lambda n: _bind(Warmup("5%") >> constant(1.0), n)),
        Method("step", "x0.1 at 50% and 75% (MultiStepLR)",
               lambda n: _bind(multistep(rate=0.1, milestones=[n // 2, (3 * n) // 4]), n)),
        Method("cosine", "cosine to 0, no warmup (CosineAnnealingLR)", lambda n: _bind(cosine(end=0.0), n)),
        Method("warmup-cosine", "5% warmup, cosine to 0", lambda n: _bind(Warmup("5%") >> cosine(end=0.0), n)),
        Method("linear-to-zero", "5% warmup, linear to 0",
               lambda n: _bind(Warmup("5%") >> linear(end=0.0), n)),
        Method("one-cycle", "one-cycle LR only (30% up, cosine anneal), beta1 fixed at 0.9",
               lambda n: _bind(one_cycle(peak=1.0), n)),
        Method("one-cycle-momentum", "one-cycle with beta1 cycled inversely 0.95 -> 0.85 -> 0.95 "
               "(Smith's setting, torch's OneCycleLR default)",
               lambda n: _bind(one_cycle(peak=1.0), n),
               beta1=lambda n: _bind(one_cycle_momentum(low=0.85, high=0.95), n)),
        Method("wsd-linear", "WSD: 5% warmup, 20% linear cooldown",
               lambda n: warmup_stable_decay(steps=n, warmup="5%", cooldown="20%", shape="linear")),
        Method("wsd-1-sqrt", "WSD: 5% warmup, 20% 1-sqrt cooldown",
               lambda n: warmup_stable_decay(steps=n, warmup="5%", cooldown="20%", shape="1-sqrt")),
        Method("plateau", "fixed LR, x0.5 when val loss stalls (patience 1 eval)", None, plateau=True),
        Method("schedule-free", "AdamWScheduleFree, 5% warmup, no schedule; LR tuned on the grid",
               None, optimizer="schedule-free"),
        Method("finder-recommended", "the LR finder on the selection seed, then glideslope.recommend "
               "(warmup, shape and peak for the run's length); no grid", tuning="finder"),
        Method("schedule-free-finder", "AdamWScheduleFree at the peak glideslope.recommend picks from "
               "the LR finder; no grid", None, optimizer="schedule-free", tuning="finder"),
        Method("prodigy", _PRODIGY_DOC, lambda n: _bind(cosine(end=0.0), n), optimizer="prodigy", tuning="none"),
        Method("dadapt-adam", _DADAPT_DOC, lambda n: _bind(Warmup("5%") >> cosine(end=0.0), n),
               optimizer="dadapt-adam", tuning="none"),
        Method("default-lr", _DEFAULT_LR_DOC, lambda n: _bind(Warmup("5%") >> cosine(end=0.0), n),
               tuning="none", lr=DEFAULT_LR),
        Method("pilot-recommended", "glideslope.recommend_with_pilots: a range test and 6 short pilots on the "
               "selection seed (at most one run of tuning), no grid (the suite, glideslope bench --suite)",
               tuning="pilots"),
    )
}

#: The main job's contenders (``glideslope bench`` with no ``--methods``).
DEFAULT_METHODS = (
    "constant", "warmup-constant", "warmup-cosine", "linear-to-zero", "wsd-1-sqrt", "one-cycle",
    "one-cycle-momentum", "schedule-free", "finder-recommended", "prodigy", "dadapt-adam", "default-lr",
)


def branch_schedule(warmup_steps: int, branch: int, cooldown_steps: int, shape: str = "1-sqrt") -> Schedule:
    """WSD whose stable phase ends at ``branch``: ``warmup >> 1.0 >> cooldown`` of total length
    ``branch + cooldown_steps``. Before ``branch`` it equals :func:`stable_schedule`, so a run
    of it can start from a checkpoint of the constant run taken at ``branch``."""
    if not 0 <= warmup_steps < branch:
        raise ValueError(f"warmup_steps must be in [0, branch={branch}), got {warmup_steps}")
    total = branch + cooldown_steps
    phases: list[Schedule] = []
    if warmup_steps:
        phases.append(Warmup(warmup_steps))
    phases += [constant(1.0, steps=branch - warmup_steps), cooldown(1.0, 0.0, cooldown_steps, shape=shape)]
    s = phases[0]
    for p in phases[1:]:
        s = s >> p
    return s.bind(total_steps=total)


def stable_schedule(warmup_steps: int, steps: int) -> Schedule:
    """The constant phase WSD branches from: ``warmup >> 1.0`` over ``steps``."""
    s = (Warmup(warmup_steps) >> constant(1.0)) if warmup_steps else constant(1.0)
    return s.bind(total_steps=steps)


def cosine_schedule(warmup_steps: int, steps: int) -> Schedule:
    """The cosine run the branches are compared with: ``warmup >> cosine to 0`` over ``steps``."""
    s = (Warmup(warmup_steps) >> cosine(end=0.0)) if warmup_steps else cosine(end=0.0)
    return s.bind(total_steps=steps)


def check_methods(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Validate method names (ValueError naming the bad one and listing the known ones);
    duplicates are dropped, the order kept."""
    out = []
    for n in names:
        if n not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}; got {n!r}")
        if METHODS[n].tuning == "pilots":
            raise ValueError(f"method {n!r} runs in the task suite only (glideslope bench --suite)")
        if n not in out:
            out.append(n)
    if not out:
        raise ValueError("methods must name at least one method")
    return tuple(out)
