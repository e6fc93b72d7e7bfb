"""Array namespaces: one formula, evaluated on Python floats, NumPy, JAX, torch or TensorFlow.

Every shape writes its formula once against a small namespace ``xp`` (``xp.cos``,
``xp.minimum``, ``xp.where``, ...). The scalar namespace maps these onto :mod:`math` and the
builtins, so ``schedule(1250)`` is a plain float computation; the array namespaces map them
onto NumPy, ``jax.numpy``, ``torch`` or TensorFlow, so the same formula traces under
``jax.jit`` and runs on tensors. No formula branches in Python on the step value.

Each backend has a module of its own (:mod:`.scalar`, :mod:`.numpy`, :mod:`.torch`,
:mod:`.jax`, :mod:`.tensorflow`) above one shared module (:mod:`._common`: the noise hash
and the binding of element-wise functions); this package only picks the namespace for a step.
Frameworks are imported lazily, only when an array of theirs is evaluated.
"""

from __future__ import annotations

from typing import Any

from .jax import JaxNamespace
from .numpy import NUMPY, NumpyNamespace
from .scalar import SCALAR, ScalarNamespace
from .torch import TorchNamespace

__all__ = [
    "NUMPY",
    "SCALAR",
    "JaxNamespace",
    "NumpyNamespace",
    "ScalarNamespace",
    "TorchNamespace",
    "namespace_of",
]

#: The array namespaces made so far, by the top-level module of their array type.
_cache: dict[str, Any] = {}


def namespace_of(t: Any) -> Any:
    """The namespace for an array ``t``, or TypeError naming what was given."""
    module = type(t).__module__.split(".", 1)[0]
    if module == "numpy" or isinstance(t, (list, tuple)):
        return NUMPY()
    if module == "jaxlib":
        module = "jax"
    ns = _cache.get(module)
    if ns is None:
        if module == "torch":
            ns = TorchNamespace()
        elif module == "jax":
            ns = JaxNamespace()
        elif module == "tensorflow":  # tf.Tensor: its module is imported only now
            from .tensorflow import TensorflowNamespace

            ns = TensorflowNamespace()
        else:
            raise TypeError(
                f"step must be an int, a float, or a NumPy/JAX/torch array, "
                f"got {type(t).__name__}: {t!r}"
            )
        _cache[module] = ns
    return ns
