#!/usr/bin/env bash
# Builds and tests the Python package: a virtual environment in build-python/venv (created once),
# the pinned build tools, numpy, pytest, opt_einsum, mypy, JAX, ml_dtypes and Dask (dask and distributed,
# pinned: the einjit.dask tests run a LocalCluster of two worker processes), `pip install .` of
# the repository (the extension module from the project's CMake, incremental in build-python/),
# mypy on the installed package (pyproject.toml's [tool.mypy]), then pytest on python/tests.
#   EINJIT_PYTHON  the interpreter to build for (default: python3; any Python >= 3.10)
#   EINJIT_TORCH=1 also install torch from PyPI. Off by default: PyPI has only the CUDA build for
#                  Linux (a 540 MB wheel that does not import without its several GB of CUDA
#                  packages) and the CPU index is not reachable from CI; the torch tests are
#                  skipped without it (the DLPack path is tested with a DLPack-only object).
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
"${pip[@]}" install "scikit-build-core==1.1.2" "nanobind==3.1.0" numpy pytest opt_einsum \
  "dask[array]==2026.8.0" "distributed==2026.8.0" "mypy==2.4.1"
# JAX (CPU wheels on PyPI): the zero-copy tests read its arrays through DLPack and return JAX arrays.
# ml_dtypes (a dependency of JAX, pinned here too): numpy's bfloat16, which einjit computes when
# it is installed (optional for einjit itself; test_half.py needs it).
"${pip[@]}" install "jax==0.10.2" "jaxlib==0.10.2" "ml_dtypes==0.7.0"
[ "${EINJIT_TORCH:-0}" = 1 ] && "${pip[@]}" install torch

# The pinned build tools are in the venv: no isolated build environment to set up each time.
launcher=""
command -v ccache >/dev/null && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache"
# After `bootstrap.sh test`, build/ holds the compiled libraries: the module is built there
# (only it compiles), with that build's generator and its tests left on; EINJIT_BUILD_PYTHON is
# switched off again afterwards, so build/ stays as bootstrap.sh configured it. Otherwise the
# package builds in build-python/<wheel tag> (pyproject.toml).
reuse=()
if [ -f build/CMakeCache.txt ] && [ "${EINJIT_PYTHON_OWN_BUILD:-0}" != 1 ]; then
  CMAKE_GENERATOR=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' build/CMakeCache.txt)
  export CMAKE_GENERATOR
  tests=$(sed -n 's/^EINJIT_BUILD_TESTS:BOOL=//p' build/CMakeCache.txt)
  launcher="" # build/'s own compile commands, unchanged
  prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' build/CMakeCache.txt)
  reuse=(-C build-dir=build -C "cmake.define.EINJIT_BUILD_TESTS=${tests:-OFF}")
fi
CMAKE_ARGS="$launcher" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
  "${pip[@]}" install --no-build-isolation --no-deps --force-reinstall "${reuse[@]}" .
if [ ${#reuse[@]} -gt 0 ]; then
  cmake -S . -B build -DEINJIT_BUILD_PYTHON=OFF "-DCMAKE_INSTALL_PREFIX=${prefix:-/usr/local}" >/dev/null
fi

# Run from outside the source tree, so that `import einjit` is the installed package. mypy checks
# it as installed (py.typed, _einjit.pyi beside the extension module) and typing_usage.py, calls
# as users write them; its cache keeps a second run to a few seconds.
cd python/tests
"../../$venv/bin/python" -m mypy --config-file ../../pyproject.toml \
  --cache-dir ../../build-python/mypy-cache -p einjit -m typing_usage
EINJIT_CACHE_DIR="$PWD/../../build-python/kernel-cache" "../../$venv/bin/python" -m pytest -q \
  -p no:cacheprovider .
