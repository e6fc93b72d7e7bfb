"""Optional packages: import one, or fail in one line that names the extra to install.

    np = require("numpy", extra="bench", feature="glideslope bench")
    # without NumPy: MissingExtraError: glideslope bench needs numpy, which is not installed:
    #                pip install "glideslope[bench]"

``MissingExtraError`` is an ``ImportError``, so code that already catches ``ImportError`` keeps
working; its text is the whole message, ready to print as the one line a user sees.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# The distribution to name when its import name differs (pip install scikit-learn, not sklearn).
DISTRIBUTIONS = {"sklearn": "scikit-learn", "yaml": "PyYAML"}


class MissingExtraError(ImportError):
    """An optional package is not installed. ``module`` is what was missing, ``extra`` the
    glideslope extra that installs it; the text says both, with the ``pip install`` line."""

    def __init__(self, message: str, *, module: str, extra: str) -> None:
        super().__init__(message)
        self.module = module
        self.extra = extra


def install_hint(extra: str) -> str:
    """The command that installs an extra, quoted so that every shell passes the brackets."""
    return f'pip install "glideslope[{extra}]"'


def require(module: str, *, extra: str, feature: str | None = None) -> ModuleType:
    """Import ``module`` and return it; if it is not installed, raise ``MissingExtraError``.

    Args:
        module: the import name, e.g. ``"numpy"`` or ``"matplotlib.pyplot"``.
        extra: the glideslope extra that brings it, e.g. ``"bench"``.
        feature: what needs it, as the user would name it (``"glideslope bench"``,
            ``"schedule.plot()"``); default ``"this"``.

    Only a missing ``module`` (or a missing parent package of it) becomes a
    ``MissingExtraError``; an installed package that fails to import for another reason
    raises its own error, which names the real problem.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        wanted = module.split(".")
        missing = (exc.name or "").split(".")
        if missing != wanted[: len(missing)]:
            raise  # the package is there, something it imports is not: say that instead
        top = wanted[0]
        name = DISTRIBUTIONS.get(top, top)
        message = f"{feature or 'this'} needs {name}, which is not installed: {install_hint(extra)}"
        raise MissingExtraError(message, module=top, extra=extra) from None
