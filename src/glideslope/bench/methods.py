"""What the benchmark compares: ten learning-rate schedules (all on AdamW) and schedule-free
AdamW, each a :class:`Method`.

Every schedule here is a *multiplier* (glideslope's convention): the run sets
``group['lr'] = peak * schedule(step)`` each step, with ``peak`` tuned on the grid. Warmups
are 5% of the run where a method has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..compose import Warmup, warmup_stable_decay
from ..cycles import one_cycle
from ..schedule import Schedule
from ..shapes import constant, cooldown, cosine, linear, multistep


@dataclass(frozen=True)
class Method:
    """One contender.

    Attributes:
        name: short name (table rows, results file, ``--methods``).
        label: what it is, for the table's legend.
        schedule: ``steps -> bound multiplier schedule``; None for schedule-free.
        plateau: reduce the LR on a validation plateau (factor 0.5, patience 1 evaluation).
        schedule_free: use ``schedulefree.AdamWScheduleFree`` (5% warmup, no schedule).
        finder: take the peak from the LR range test (no grid).
    """

    name: str
    label: str
    schedule: Callable[[int], Schedule] | None = None
    plateau: bool = False
    schedule_free: bool = False
    finder: bool = False

    def multiplier(self, steps: int) -> Schedule:
        """The bound multiplier schedule for a run of ``steps`` (constant 1 when none)."""
        if self.schedule is None:
            return constant(1.0).bind(total_steps=steps)
        return self.schedule(steps)


def _bind(s: Schedule, steps: int) -> Schedule:
    return s.bind(total_steps=steps)


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("constant", "fixed LR", lambda n: _bind(constant(1.0), n)),
        Method("step", "x0.1 at 50% and 75% (MultiStepLR)",
               lambda n: _bind(multistep(rate=0.1, milestones=[n // 2, (3 * n) // 4]), n)),
        Method("cosine", "cosine to 0, no warmup (CosineAnnealingLR)", lambda n: _bind(cosine(end=0.0), n)),
        Method("linear-to-zero", "5% warmup, linear to 0",
               lambda n: _bind(Warmup("5%") >> linear(end=0.0), n)),
        Method("warmup-cosine", "5% warmup, cosine to 10% of peak",
               lambda n: _bind(Warmup("5%") >> cosine(end=0.1), n)),
        Method("one-cycle", "one-cycle (30% up, cosine anneal)", lambda n: _bind(one_cycle(peak=1.0), n)),
        Method("wsd-linear", "WSD: 5% warmup, 20% linear cooldown",
               lambda n: warmup_stable_decay(steps=n, warmup="5%", cooldown="20%", shape="linear")),
        Method("wsd-1-sqrt", "WSD: 5% warmup, 20% 1-sqrt cooldown",
               lambda n: warmup_stable_decay(steps=n, warmup="5%", cooldown="20%", shape="1-sqrt")),
        Method("plateau", "fixed LR, x0.5 when val loss stalls (patience 1 eval)", None, plateau=True),
        Method("finder-one-cycle", "one-cycle, peak from the LR finder (steepest descent)",
               lambda n: _bind(one_cycle(peak=1.0), n), finder=True),
        Method("schedule-free", "AdamWScheduleFree, 5% warmup, no schedule", None, schedule_free=True),
    )
}

DEFAULT_METHODS = tuple(METHODS)


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
    """Validate method names (ValueError naming the bad one and listing the known ones)."""
    out = []
    for n in names:
        if n not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}; got {n!r}")
        if n not in out:
            out.append(n)
    if not out:
        raise ValueError("methods must name at least one method")
    return tuple(out)
