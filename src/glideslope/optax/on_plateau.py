"""Reduce-on-plateau as an optax gradient transformation, decided by the engine's controller.

The role of ``optax.contrib.reduce_on_plateau``: the transformation multiplies the updates by a
``scale`` that falls by ``factor`` when the reported ``value`` (a loss) stops improving. Here
the decision is the engine's :class:`~glideslope.ReduceOnPlateau` rule, run on the host through
``jax.pure_callback`` on the state it is given, so the transformation stays a pure function of
``(updates, state, value)``, works under ``jax.jit`` and keeps its whole state in the optax
state (checkpointed with the optimizer). Per update, with ``n = accumulation_size``:

    avg   = running mean of the last n values
    every n-th update:  controller.update(avg)   (best, bad count, cooldown, scale)
    updates <- scale * updates

The controller's rule, in min mode with a relative threshold: ``avg`` improves on ``best`` when
``avg < best * (1 - threshold)``; after more than ``patience`` decisions without improvement
(outside a cooldown) ``scale <- max(scale * factor, min_value)``, computed in the scale's dtype
(float32 for float32 parameters, as optax does).

Importing this module loads no framework; JAX and optax are imported when a transformation is
built.
"""

from __future__ import annotations

import copy
import sys
from typing import Any, NamedTuple

from .. import _validate as v
from .._optional import require
from ..plateau import ReduceOnPlateau

__all__ = ["PlateauState", "plateau", "reduce_on_plateau"]


class PlateauState(NamedTuple):
    """The optax state (optax's field names): the ``scale`` applied to updates, the controller's
    ``best_value``, bad-decision count (``plateau_count``) and ``cooldown_count``, and the values
    accumulated since the last decision (``count``, their mean ``avg_value``)."""

    scale: Any
    best_value: Any
    plateau_count: Any
    cooldown_count: Any
    count: Any
    avg_value: Any


def _decide(template: ReduceOnPlateau, best: Any, bad: Any, cool: Any, scale: Any, value: Any) -> tuple[Any, ...]:
    """Host side: load the state into a copy of the controller and report ``value``; when the
    controller's rule fires, the scale becomes ``max(scale * factor, min_value)`` (unless that
    changes it by no more than ``eps``), computed in the scale's own dtype as optax computes it.
    Returns the new state as arrays of the dtypes that came in."""
    import numpy as np

    c = copy.copy(template)
    # a scale that underflowed to 0 (float32 after many reductions) is at its floor; the
    # controller loads scales > 0, so it gets the smallest normal float (XLA's callback thread
    # flushes subnormals to 0); the rule's decision does not depend on the scale
    s = float(scale) or sys.float_info.min
    c.load_state_dict({"best": float(best), "num_bad": int(bad), "cooldown_counter": int(cool), "scale": s})
    old = np.asarray(scale)
    new = old
    if c.update(float(value)):
        cut = np.maximum(old * old.dtype.type(c.factor), old.dtype.type(c.min_value))
        if old - cut > c.eps:
            new = cut
    return (
        np.asarray(c.best, dtype=np.asarray(best).dtype),
        np.asarray(c.num_bad, dtype=np.int32),
        np.asarray(c.cooldown_counter, dtype=np.int32),
        np.asarray(new, dtype=old.dtype),
    )


@v.checked_keywords
def plateau(controller: ReduceOnPlateau, accumulation_size: int = 1) -> Any:
    """An optax transformation that scales updates by ``controller``'s plateau rule.

    ``controller`` is the template of the rule (mode, factor, patience, threshold, cooldown,
    ``min_value`` as the lowest scale, ``eps``, ``nonfinite``); its own state is not touched:
    the state lives in :class:`PlateauState`. Pass the monitored value at each update::

        opt = optax.chain(optax.adam(1e-3), plateau(gs.ReduceOnPlateau(patience=5)))
        updates, state = opt.update(grads, state, params, value=loss)

    Args:
        controller: a :class:`~glideslope.ReduceOnPlateau` without a schedule to follow
            (``after=None``) and with ``base=1.0``: the transformation yields a multiplier.
        accumulation_size: values averaged per decision (>= 1); 1 when ``value`` is already a
            validation metric, more for noisy per-batch losses.

    Returns:
        an ``optax.GradientTransformationExtraArgs``; ``update`` takes ``value=`` by keyword.
    """
    jax = require("jax", extra="jax", feature="glideslope.optax.plateau")
    jnp = require("jax.numpy", extra="jax", feature="glideslope.optax.plateau")
    optax = require("optax", extra="jax", feature="glideslope.optax.plateau")

    if not isinstance(controller, ReduceOnPlateau):
        raise TypeError(f"controller must be a glideslope.ReduceOnPlateau, got {type(controller).__name__}")
    if controller.after is not None or controller.base != 1.0:
        raise ValueError(
            f"controller must have after=None and base=1.0 (the transformation scales updates by a "
            f"multiplier; put a schedule in the optimizer's learning rate instead), got {controller!r}"
        )
    n = v.integer("accumulation_size", accumulation_size, minimum=1)
    template = copy.copy(controller)
    template.reset()
    start = template.state_dict()

    def init_fn(params: Any) -> PlateauState:
        low = optax.tree.dtype(params, "lowest")
        high = optax.tree.dtype(params, "highest")
        return PlateauState(
            scale=jnp.asarray(start["scale"], dtype=low),
            best_value=jnp.asarray(start["best"], dtype=high),
            plateau_count=jnp.asarray(0, jnp.int32),
            cooldown_count=jnp.asarray(0, jnp.int32),
            count=jnp.asarray(0, jnp.int32),
            avg_value=jnp.asarray(0.0, dtype=high),
        )

    def decide(state: PlateauState) -> PlateauState:
        struct: Any = jax.ShapeDtypeStruct
        shapes = (
            struct((), state.best_value.dtype),
            struct((), jnp.int32),
            struct((), jnp.int32),
            struct((), state.scale.dtype),
        )
        best, bad, cool, scale = jax.pure_callback(
            lambda *a: _decide(template, *a),
            shapes,
            state.best_value, state.plateau_count, state.cooldown_count, state.scale, state.avg_value,
            vmap_method="sequential",
        )
        zero = jnp.zeros_like(state.avg_value)
        return PlateauState(scale, best, bad, cool, jnp.asarray(0, jnp.int32), zero)

    def update_fn(updates: Any, state: PlateauState, params: Any = None, *, value: Any, **extra: Any) -> Any:
        del params, extra
        count = state.count + 1
        dtype = state.avg_value.dtype
        avg = ((state.count * state.avg_value + jnp.asarray(value).astype(dtype)) / count).astype(dtype)
        state = state._replace(avg_value=avg, count=count)
        state = jax.lax.cond(count == n, decide, lambda s: s, state)
        updates = jax.tree.map(lambda g: state.scale * g, updates)
        return updates, state

    return optax.GradientTransformationExtraArgs(init_fn, update_fn)


@v.checked_keywords
def reduce_on_plateau(
    factor: float = 0.1,
    patience: int = 10,
    rtol: float = 1e-4,
    atol: float = 0.0,
    cooldown: int = 0,
    accumulation_size: int = 1,
    min_scale: float = 0.0,
) -> Any:
    """``optax.contrib.reduce_on_plateau``'s name, arguments and numbers, decided by the engine.

    A decision (every ``accumulation_size`` updates, on the mean of their values) counts as an
    improvement when ``avg < (1 - rtol) * best`` (``rtol``) or ``avg < best - atol``
    (``atol``); after ``patience`` decisions in a row without one (outside the ``cooldown``
    decisions after a reduction), ``scale <- max(scale * factor, min_scale)``. That is the
    engine's :class:`~glideslope.ReduceOnPlateau` with ``mode='min'``, ``patience - 1`` (optax
    reduces on the ``patience``-th bad decision, the engine after ``patience`` of them),
    ``min_value=min_scale``, ``eps=0`` and NaN counted as no improvement, run by :func:`plateau`.

    Args:
        factor: the reduction, in (0, 1).
        patience: decisions without improvement before a reduction (>= 1).
        rtol: relative improvement needed, in [0, 1]; give this or ``atol``.
        atol: absolute improvement needed (>= 0); give this or ``rtol``.
        cooldown: decisions after a reduction during which nothing is counted (>= 0).
        accumulation_size: values averaged per decision (>= 1).
        min_scale: the scale never goes below this (>= 0).
    """
    factor = v.between("factor", factor, 0.0, 1.0, low_open=True, high_open=True)
    p = v.integer("patience", patience, minimum=1)
    rtol = v.between("rtol", rtol, 0.0, 1.0)
    atol = v.non_negative("atol", atol)
    if (rtol > 0) == (atol > 0):
        raise ValueError(
            f"give exactly one of rtol > 0 or atol > 0, got rtol={rtol!r}, atol={atol!r}: the engine's "
            f"ReduceOnPlateau compares against one threshold, relative or absolute"
        )
    controller = ReduceOnPlateau(
        mode="min",
        factor=factor,
        patience=p - 1,
        threshold=rtol if rtol > 0 else atol,
        threshold_mode="rel" if rtol > 0 else "abs",
        cooldown=v.integer("cooldown", cooldown, minimum=0),
        min_value=v.non_negative("min_scale", min_scale),
        eps=0.0,
        nonfinite="count",
    )
    return plateau(controller, accumulation_size)
