"""optax's schedule functions, computed by the glideslope engine.

Switch by changing one import::

    from glideslope.optax import warmup_cosine_decay_schedule   # was: from optax import ...

    lr = warmup_cosine_decay_schedule(0.0, 3e-4, warmup_steps=500, decay_steps=10_000)
    opt = optax.adamw(learning_rate=lr)

Every function here has optax 0.2's name, signature and defaults and returns the same values
(parity-tested against optax itself). What comes back is a glideslope
:class:`~glideslope.Schedule`: a plain callable of the step, so optax takes it as it is
(``optax.adam(learning_rate=s)``, ``optax.inject_hyperparams(optax.adam)(b1=s)``), it traces
under ``jax.jit`` and ``jax.vmap``, and it is also a value: it prints its formula
(``repr``), compares equal, composes (``s >> t``, ``0.5 * s``), plots and serializes.

This module imports nothing heavy (no JAX, no optax): JAX is only used when a schedule is
called with a JAX array or tracer.

Where optax has explicit edge behaviour it is kept, on purpose:

* ``transition_steps <= 0`` in :func:`polynomial_schedule`, :func:`linear_schedule` and
  :func:`exponential_decay` gives a constant schedule at ``init_value`` (logged at INFO on the
  ``glideslope.optax`` logger, as optax logs it); a negative ``transition_begin`` counts as 0;
  ``decay_rate == 0`` gives a constant ``init_value``;
* :func:`join_schedules` follows optax's rule at any boundaries (a boundary ``<= 0`` switches
  at step 0, a later boundary not above an earlier one hides the earlier schedule);
* piecewise schedules accept boundaries ``<= 0`` (their scale applies from step 0).

Where optax would silently compute ``nan``/``inf`` or fail at call time, these raise
``ValueError``/``TypeError`` at construction instead, naming the argument and the value:
non-finite numbers, negative ``decay_rate``, ``power``/``exponent`` ``<= 0``, fractional
step counts or boundaries, ``boundaries`` and ``schedules`` of mismatched lengths. Arguments
are numbers, not (traced) arrays: a schedule is an immutable value.

Steps must be ``>= 0``; eager calls check it, traced calls cannot.
"""

from .on_plateau import PlateauState, plateau, reduce_on_plateau
from .schedules import (
    constant_schedule,
    cosine_decay_schedule,
    cosine_onecycle_schedule,
    exponential_decay,
    join_schedules,
    linear_onecycle_schedule,
    linear_schedule,
    piecewise_constant_schedule,
    piecewise_interpolate_schedule,
    polynomial_schedule,
    sgdr_schedule,
    to_optax,
    warmup_constant_schedule,
    warmup_cosine_decay_schedule,
    warmup_exponential_decay_schedule,
)

__all__ = [
    "PlateauState",
    "constant_schedule",
    "cosine_decay_schedule",
    "cosine_onecycle_schedule",
    "exponential_decay",
    "join_schedules",
    "linear_onecycle_schedule",
    "linear_schedule",
    "piecewise_constant_schedule",
    "piecewise_interpolate_schedule",
    "plateau",
    "polynomial_schedule",
    "reduce_on_plateau",
    "sgdr_schedule",
    "to_optax",
    "warmup_constant_schedule",
    "warmup_cosine_decay_schedule",
    "warmup_exponential_decay_schedule",
]
