#!/usr/bin/env bash
# Sets up a Debian machine for einjit (installs only what is missing), builds, and runs one job:
#   demo      build the CLI and run `einjit demo`
#   test      build everything and run the whole test suite
#   sanitize  build with AddressSanitizer + UndefinedBehaviorSanitizer and run the test suite
set -euo pipefail
mode=${1:-demo}
cd "$(dirname "$0")/.."

bash scripts/install-packages.sh einjit cmake make g++ python3 llvm-19-dev llvm-19-tools \
  libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev libzstd-dev libedit-dev libxml2-dev \
  libffi-dev pkgconf

jobs=$(nproc)
case "$mode" in
demo)
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DEINJIT_BUILD_TESTS=OFF
  cmake --build build --target einjit -j "$jobs"
  ./build/tools/einjit demo
  ;;
test)
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DEINJIT_BUILD_TESTS=ON
  cmake --build build -j "$jobs"
  ctest --test-dir build --output-on-failure -j "$jobs"
  bash scripts/python-test.sh
  ;;
sanitize)
  cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DEINJIT_SANITIZE=ON \
    -DEINJIT_BUILD_TESTS=ON -DCMAKE_CXX_FLAGS_DEBUG="-g -O1"
  cmake --build build-sanitize -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-sanitize --output-on-failure -j "$jobs"
  ;;
*)
  echo "usage: bash scripts/bootstrap.sh demo|test|sanitize" >&2
  exit 2
  ;;
esac
