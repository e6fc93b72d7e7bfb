#!/usr/bin/env bash
# Build the sdist and the wheel, install the wheel into a fresh venv away from the source tree,
# and use it there: import, `glideslope table` on the cosine exercise, a missing extra's one-line
# error, `[torch]` next to a torch already present (its version must not change), one dialect
# (glideslope.torch next to torch, from constraints.txt), and a few of the
# sdist's own tests run against the installed wheel, every import path the docs name among them.
#
#   bash scripts/smoke_wheel.sh            # uses .venv/bin/python (with `build`, from the dev extra)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-$ROOT/.venv/bin/python}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "smoke_wheel: $*" >&2; exit 1; }
# pip, without the warnings this machine's pip.conf adds for its absent local indexes
pip_install() { "$V/python" -m pip install -q "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2); }

echo "smoke_wheel: building the sdist and the wheel"
"$PY" -m build --outdir "$WORK/dist" "$ROOT" >"$WORK/build.log" 2>&1 || { tail -20 "$WORK/build.log"; fail "build failed"; }
wheel=$(ls "$WORK"/dist/glideslope-*.whl)
sdist=$(ls "$WORK"/dist/glideslope-*.tar.gz)

# LICENSE ships in both; the sdist carries the tests' helpers and the files its tests read
"$PY" - "$wheel" "$sdist" <<'EOF'
import sys, tarfile, zipfile
wheel, sdist = sys.argv[1:]
names = zipfile.ZipFile(wheel).namelist()
assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), "no LICENSE in the wheel"
assert "glideslope/py.typed" in names, "no py.typed in the wheel"
assert not any(n.startswith(("tests/", "docs/")) for n in names), "tests or docs leaked into the wheel"
members = {m.split("/", 1)[1] for m in tarfile.open(sdist).getnames() if "/" in m}
need = {"LICENSE", "README.md", "pyproject.toml", "constraints.txt", "mkdocs.yml", "tests/conftest.py",
        "tests/strategies.py", "tests/cli/cli_helpers.py", "tests/torch/torch_parity_helpers.py",
        "tests/torch/conftest.py", "examples/torch_loop.py", "docs/index.md", "scripts/gallery.py"}
missing = sorted(need - members)
assert not missing, f"the sdist lacks {missing}"
print(f"smoke_wheel: LICENSE in both; sdist has {len(members)} files")
EOF

echo "smoke_wheel: installing the wheel into a fresh venv"
"$PY" -m venv "$WORK/venv"
V="$WORK/venv/bin"
cd "$WORK"  # away from the source tree: nothing can be imported from it
pip_install "$wheel"

"$V/python" - <<'EOF'
import glideslope as gs
assert "site-packages" in gs.__file__, gs.__file__
s = gs.cosine(start=0.002, end=0.0001, steps=5000)
assert abs(s(1250) - 0.0017217514421272) < 1e-15
print(f"smoke_wheel: import glideslope {gs.__version__} from {gs.__file__}")
EOF

# the CLI on the cosine exercise: 0.002 -> 0.0001 over 5000 steps
"$V/glideslope" table "cosine(start=0.002, end=0.0001, steps=5000)" --at 0,1250,2500,3750,5000 >table.txt
"$V/python" - <<'EOF'
rows = [line.split() for line in open("table.txt").read().splitlines()[1:] if line.strip()]
got = {int(step): float(value) for step, value in rows}
want = {0: 0.002, 1250: 0.0017217514421, 2500: 0.00105, 3750: 0.00037824855787, 5000: 0.0001}
assert got.keys() == want.keys(), got
for step, value in want.items():
    assert abs(got[step] - value) < 1e-12, (step, got[step], value)
print("smoke_wheel: glideslope table ok:", [got[k] for k in sorted(got)])
EOF
"$V/python" -m glideslope --version

# a missing optional package: one line that names the extra
if "$V/python" -c "import glideslope as gs; gs.save(gs.cosine(steps=10), 'lr.yaml')" 2>err.txt; then
  fail "saving YAML without PyYAML did not fail"
fi
grep -q 'pip install "glideslope\[yaml\]"' err.txt || { cat err.txt; fail "the missing-PyYAML error does not name the extra"; }
echo "smoke_wheel: missing PyYAML names the extra: $(tail -1 err.txt)"

# an existing torch is kept: a fresh venv that already holds torch (the pinned CPU build from
# constraints.txt, as a user's own CPU or CUDA build would be), then the wheel's torch extra with
# no constraint at all: pip must leave that torch alone (the README's CPU route relies on it)
echo "smoke_wheel: installing the torch extra next to a torch already present"
"$PY" -m venv "$WORK/venv-torch"
VT="$WORK/venv-torch/bin"
(V=$VT; pip_install -c "$ROOT/constraints.txt" torch)
torch_version() { "$VT/python" -W ignore -c "import torch; print(torch.__version__)"; }
before=$(torch_version)
(V=$VT; pip_install "$wheel[torch]")
after=$(torch_version)
[ "$before" = "$after" ] || fail "pip install glideslope[torch] replaced torch $before with $after"
"$VT/python" -c "import glideslope.torch" || fail "glideslope.torch does not import next to torch $after"
echo "smoke_wheel: torch $before already present is kept by pip install glideslope[torch]"
rm -rf "$WORK/venv-torch"

echo "smoke_wheel: installing the torch extra (torch from constraints.txt)"
pip_install -c "$ROOT/constraints.txt" "$wheel[torch]"
"$V/python" - <<'EOF'
import math
import torch
import glideslope as gs
from glideslope.torch import CosineAnnealingLR, OneCycleLR

def lrs(cls, module, **kw):
    opt = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9)
    sched = getattr(module, cls)(opt, **kw)
    out = []
    for _ in range(50):
        opt.step()
        sched.step()
        out.append(opt.param_groups[0]["lr"])
    return out

for cls, kw in [("CosineAnnealingLR", {"T_max": 40, "eta_min": 0.001}), ("OneCycleLR", {"max_lr": 0.1, "total_steps": 60})]:
    ours, theirs = lrs(cls, __import__("glideslope.torch", fromlist=[cls]), **kw), lrs(cls, torch.optim.lr_scheduler, **kw)
    assert all(math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15) for a, b in zip(ours, theirs)), (cls, ours, theirs)
print(f"smoke_wheel: glideslope.torch equals torch {torch.__version__} (CosineAnnealingLR, OneCycleLR)")
EOF

# a few of the sdist's own tests, against the installed wheel: its test helpers are all there;
# with the dialects' frameworks, so that every import path the README and docs/ name is tried
echo "smoke_wheel: running tests from the unpacked sdist against the installed wheel"
pip_install -c "$ROOT/constraints.txt" "pytest>=8" "hypothesis>=6.100" "pyyaml>=6" "$wheel[torch,jax,keras,transformers]"
pip_install -c "$ROOT/constraints.txt" --no-deps "timm>=1.0"
mkdir "$WORK/sdist"
tar xzf "$sdist" -C "$WORK/sdist"
cd "$WORK"/sdist/glideslope-*/
[ "$PWD" != "$ROOT" ] || fail "refusing to touch the source tree"
mv src "$WORK/sdist-src-unused"  # so that only the installed wheel can be imported
HYPOTHESIS_MAX_EXAMPLES=20 KERAS_BACKEND=jax JAX_PLATFORMS=cpu "$V/python" -m pytest -q -p no:cacheprovider -x \
  tests/test_shapes.py tests/test_properties.py tests/torch/test_parity.py tests/cli/test_cli_commands.py \
  tests/cli/test_cli_terminal.py tests/test_public_paths.py
echo "smoke_wheel: ok"
