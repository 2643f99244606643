#!/usr/bin/env bash
# Builds and tests the Python package: a virtual environment in build-python/venv (created once),
# the pinned build tools, numpy, pytest, opt_einsum (and torch when the index offers a CPU
# wheel small enough, see below), `pip install .` of the repository (the extension module from
# the project's CMake, incremental in build-python/), then pytest on python/tests.
#   EINJIT_PYTHON  the interpreter to build for (default: python3; any Python >= 3.10)
#   EINJIT_TORCH=1 also install torch from PyPI (large: its Linux wheel pulls CUDA libraries);
#                  the torch tests are skipped without it
set -euo pipefail
cd "$(dirname "$0")/.."
python=${EINJIT_PYTHON:-python3}
venv=build-python/venv

has_dev='import ensurepip, os, sys, sysconfig, venv
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'
if ! "$python" -c "$has_dev" 2>/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-venv python3-dev
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
"${pip[@]}" install "scikit-build-core==1.1.2" "nanobind==3.1.0" numpy pytest opt_einsum
[ "${EINJIT_TORCH:-0}" = 1 ] && "${pip[@]}" install torch

# The pinned build tools are in the venv: no isolated build environment to set up each time.
launcher=""
command -v ccache >/dev/null && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache"
CMAKE_ARGS="$launcher" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
  "${pip[@]}" install --no-build-isolation --no-deps --force-reinstall .

# Run from outside the source tree, so that `import einjit` is the installed package.
cd python/tests
EINJIT_CACHE_DIR="$PWD/../../build-python/kernel-cache" "../../$venv/bin/python" -m pytest -q \
  -p no:cacheprovider .
