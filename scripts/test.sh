#!/usr/bin/env bash
# The whole test suite: lint, strict typing, the documentation site, then the tests (in parallel
# on every core).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY -m ruff check src tests benchmarks examples scripts
$PY -m mypy
SITE=$(mktemp -d)
trap 'rm -rf "$SITE"' EXIT
# (no --quiet: it hides the warnings, and then --strict has nothing to count)
NO_MKDOCS_2_WARNING=1 $PY -m mkdocs build --strict --site-dir "$SITE"
$PY -m pytest -n auto -p no:cacheprovider "$@"
