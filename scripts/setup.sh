#!/usr/bin/env bash
# Set up .venv with glideslope and everything its tests, benchmarks and demos use.
# torch is pinned to 2.13.0 (a CPU build is on disk; a newer torch would pull CUDA).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -e ".[dev]"
