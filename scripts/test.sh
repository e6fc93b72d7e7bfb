#!/usr/bin/env bash
# The whole test suite: lint, strict typing, then the tests (in parallel on every core).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY -m ruff check src tests benchmarks examples scripts
$PY -m mypy
$PY -m pytest -n auto -p no:cacheprovider "$@"
