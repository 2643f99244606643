#!/usr/bin/env bash
# Runs the golden suite pinned to a target other than the host's and to other cache sizes:
# x86-64-v3 (AVX2) on a CPU with AVX-512, else x86-64-v2 (SSE, 128-bit vectors), with the caches
# of a small core. Usage: golden-pinned.sh PYTHON LIT GOLDEN_DIR EINJIT
set -euo pipefail
python=$1 lit=$2 golden=$3 einjit=$4
if grep -qw avx512f /proc/cpuinfo; then
  target=x86-64-v3
else
  target=x86-64-v2
fi
export EINJIT_TARGET=$target EINJIT_CACHE_SIZES=${EINJIT_PINNED_CACHE_SIZES:-32K,512K,4M}
# Its own tree for the tests' temporary files: ctest runs the host pass at the same time.
export EINJIT_GOLDEN_EXEC_ROOT=$golden-pinned
"$einjit" target
exec "$python" "$lit" -sv "$golden"
