"""Keras 3's learning-rate schedules, computed by the glideslope engine.

Switch by changing one import::

    from glideslope.keras import CosineDecay   # was: from keras.optimizers.schedules import ...

    lr = CosineDecay(1e-3, decay_steps=10_000, warmup_target=3e-3, warmup_steps=500)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss="mse")

The classes have Keras's names, constructor signatures, attributes and ``get_config()``, and
return the same values (parity-tested against Keras itself). Each subclasses only Keras's
``LearningRateSchedule`` base, is registered as serializable (package ``"glideslope"``), so
``keras.optimizers.schedules.serialize``/``deserialize`` and saved models round-trip it, and
holds its glideslope schedule as ``.schedule``: a value you can print, plot, compose or
evaluate on any array kind. :func:`to_keras` turns any glideslope schedule into a Keras one.

Every Keras backend: TensorFlow (Keras's default), JAX and torch. A step may be anything
Keras takes: a Python or NumPy number, a backend tensor of any integer or float dtype, a
``keras.Variable`` (what the optimizer passes), an array of steps; inside ``tf.function`` or
``jax.jit`` too. The value is a tensor of the backend in Keras's dtype (the learning rate's:
``floatx`` for a Python float; a ``PiecewiseConstantDecay`` of ints gives ``int32``). Keras
answers at negative, NaN and infinite steps too, and so do these: the engine computes every
finite step >= 0, each class extends its formula beyond that as Keras does (so ``nan`` or
``inf`` where Keras gives them). Parity with Keras's own classes is tested on each backend
over a grid of steps and forms.

Two deliberate differences. Where Keras computes ``nan``/``inf`` at every step or fails when
called, these raise ``ValueError``/``TypeError`` at construction, naming the argument and the
value (``decay_rate``, ``power``, ``t_mul``, ``m_mul`` ranges, unsorted or fractional
boundaries, negative or fractional ``warmup_steps``). And an integer learning rate is the
number it denotes: Keras computes in the int's dtype (``ExponentialDecay(1, 10, 0.5)`` is 0
at every step there), these in ``floatx``.

:class:`ReduceLROnPlateau` is Keras's callback of that name, decided by the engine's
:class:`glideslope.ReduceOnPlateau`.
"""

from .callbacks import HorizonCheck, ReduceLROnPlateau
from .schedules import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    KerasSchedule,
    PiecewiseConstantDecay,
    PolynomialDecay,
    to_keras,
)

__all__ = [
    "CosineDecay",
    "CosineDecayRestarts",
    "ExponentialDecay",
    "HorizonCheck",
    "InverseTimeDecay",
    "KerasSchedule",
    "PiecewiseConstantDecay",
    "PolynomialDecay",
    "ReduceLROnPlateau",
    "to_keras",
]
