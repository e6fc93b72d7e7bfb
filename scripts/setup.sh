#!/usr/bin/env bash
# Set up .venv with glideslope and everything its tests, benchmarks and demos use.
# The package declares torch>=2.2,<3; development and CI keep the tested build (2.13.0, a CPU
# build on disk here; a newer torch would pull CUDA) through constraints.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
.venv/bin/python -m pip install -q -c constraints.txt -e ".[dev,tensorflow,ray,docs]"
# timm's scheduler package needs only torch; timm itself depends on torchvision, which would
# replace the tested torch build, so it goes in without its dependencies.
.venv/bin/python -m pip install -q -c constraints.txt --no-deps "timm>=1.0"
# Fashion-MNIST for `glideslope bench --task fashion` (Debian's package; best effort, never fatal).
if [ ! -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || echo "setup: could not install dataset-fashion-mnist (the fashion benchmark task will say how)" >&2
fi
