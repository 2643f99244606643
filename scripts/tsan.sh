#!/usr/bin/env bash
# Builds the concurrency tests with ThreadSanitizer (gcc -fsanitize=thread, in build-tsan) and
# runs them: one Engine shared by many threads, the single-flight kernel cache, evictions while
# plans run, the thread pool, the persistent cache filled by several threads and processes
# (tests/unit/jit/ConcurrencyTest.cpp, ThreadsTest, KernelCacheTest, EngineTest, DiskCacheTest).
# Any data race, lock-order inversion or other TSan report fails the run. libLLVM is not
# instrumented; tests/unit/jit/tsan.supp holds the suppressions, each with its reason.
#   bash scripts/tsan.sh [GTEST_FILTER]
set -euo pipefail
cd "$(dirname "$0")/.."
filter=${1:-*}

bash scripts/install-packages.sh tsan cmake make g++ python3 llvm-19-dev llvm-19-tools \
  libgtest-dev libgmock-dev zlib1g-dev libzstd-dev libedit-dev libxml2-dev libffi-dev

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache
  -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
  -DEINJIT_TSAN=ON -DEINJIT_BUILD_TESTS=ON "${launcher[@]}" >/dev/null
cmake --build build-tsan -j "$(nproc)" --target concurrency_tests

# exitcode: a report fails the process even when the test itself passed; the persistent cache
# lives in the build tree.
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 \
suppressions=$PWD/tests/unit/jit/tsan.supp"
export EINJIT_CACHE_DIR=$PWD/build-tsan/kernel-cache
build-tsan/tests/concurrency_tests --gtest_filter="$filter"
