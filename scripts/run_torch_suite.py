"""Run PyTorch's own scheduler tests against glideslope.torch.

PyTorch's ``test/optim/test_lrscheduler.py`` imports its schedulers from
``torch.optim.lr_scheduler`` (and ``SWALR`` from ``torch.optim.swa_utils``). This script
points those names at the classes of ``glideslope.torch`` and then runs the file with pytest,
in this one process, so that every test exercises our classes::

    python scripts/run_torch_suite.py PATH/TO/test_lrscheduler.py          # ours
    python scripts/run_torch_suite.py PATH/TO/test_lrscheduler.py --torch  # torch's, unpatched

Further arguments go to pytest (``-k cyclic``, ``-x``, ``-rf``). The exit status is pytest's.

The test file is PyTorch's (BSD-3-Clause), not ours, and is not in this repository: take it
from the PyTorch source of the pinned torch release (``test/optim/test_lrscheduler.py``) and
give its path. It needs ``torch.testing._internal``, which the torch wheel ships; that module
imports ``expecttest`` (PyTorch's snapshot-test helper) for its ``TestCase`` base, and when
that package is not installed a stand-in giving ``expecttest.TestCase = unittest.TestCase``
is used (none of the scheduler tests uses its inline-snapshot assertions).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import types
import unittest
from pathlib import Path


def ensure_expecttest() -> None:
    """Install the stand-in ``expecttest`` module when the real one is absent."""
    if importlib.util.find_spec("expecttest") is not None:
        return
    stand_in = types.ModuleType("expecttest")
    stand_in.TestCase = unittest.TestCase  # type: ignore[attr-defined]
    stand_in.ACCEPT = False  # type: ignore[attr-defined]
    sys.modules["expecttest"] = stand_in


def patch_torch_names() -> list[str]:
    """Point torch's scheduler names at glideslope.torch's classes; return the names patched."""
    import torch.optim.lr_scheduler as torch_lr
    import torch.optim.swa_utils as torch_swa

    import glideslope.torch as ours

    patched = []
    for module in (torch_lr, torch_swa):  # every class of ours that torch's module defines too
        for name in ours.__all__:
            theirs = getattr(module, name, None)
            if isinstance(theirs, type) and theirs.__module__ == module.__name__:
                setattr(module, name, getattr(ours, name))
                patched.append(f"{module.__name__}.{name}")
    return patched


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("test_file", type=Path, help="PyTorch's test/optim/test_lrscheduler.py")
    parser.add_argument("--torch", action="store_true", help="run against torch's own classes (no patch)")
    args, pytest_args = parser.parse_known_args(argv)
    if not args.test_file.is_file():
        parser.error(f"test_file {str(args.test_file)!r} is not a file; give the path of PyTorch's test_lrscheduler.py")

    ensure_expecttest()
    import pytest

    import torch

    which = f"torch {torch.__version__}"
    if not args.torch:
        names = patch_torch_names()
        import glideslope

        which = f"glideslope {glideslope.__version__} ({len(names)} classes patched into torch {torch.__version__})"
    print(f"running {args.test_file} against {which}", flush=True)
    # torch's common_utils reads sys.argv when imported: give it only the file
    sys.argv = [sys.argv[0]]
    return int(pytest.main([str(args.test_file), "-c", os.devnull, "-p", "no:cacheprovider", "-q", *pytest_args]))


if __name__ == "__main__":
    raise SystemExit(main())
