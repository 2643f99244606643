#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz: clang-19 with -fsanitize=fuzzer,address,undefined, in
# build-fuzz) and runs each from its committed corpus for a bounded time, two at a time. Fails on
# any crash, sanitizer report, leak, per-input timeout or differential mismatch: the input that
# did it is saved under build-fuzz/fuzz-artifacts/ (replay it with the target binary and the
# file; once the bug is fixed, commit it to tests/fuzz/corpus/<target>/). New inputs the fuzzers
# find go to build-fuzz/fuzz-corpus/, never into the source tree. Prints each target's
# executions and coverage (cov: edges, ft: features).
#   bash scripts/fuzz.sh [SECONDS_PER_PARSER [SECONDS_FOR_DIFFERENTIAL]]   (defaults 40 and 120)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-40}
differentialSeconds=${2:-120}

bash scripts/install-packages.sh fuzz cmake make python3 clang-19 libclang-rt-19-dev llvm-19-dev \
  llvm-19-tools zlib1g-dev libzstd-dev libedit-dev libxml2-dev libffi-dev

targets=(einsum call_text shape_text index_program loop_nest npy disk_cache differential)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache
  -DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
  -DEINJIT_FUZZ=ON -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 "${launcher[@]}" \
  >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
rm -rf build-fuzz/fuzz-logs build-fuzz/fuzz-artifacts
mkdir -p build-fuzz/fuzz-logs build-fuzz/fuzz-artifacts

# Runs one target; its log and exit status go to build-fuzz/fuzz-logs/<target>.{log,status}.
run() {
  local target=$1 time=$2 timeout=$3 maxLength=$4 rc=0
  mkdir -p "build-fuzz/fuzz-corpus/$target"
  "build-fuzz/tests/fuzz/fuzz_$target" "build-fuzz/fuzz-corpus/$target" \
    "tests/fuzz/corpus/$target" -max_total_time="$time" -timeout="$timeout" \
    -max_len="$maxLength" -rss_limit_mb=3072 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/fuzz-artifacts/$target-" \
    >"build-fuzz/fuzz-logs/$target.log" 2>&1 || rc=$?
  echo "$rc" >"build-fuzz/fuzz-logs/$target.status"
}

# The parsers two at a time (this machine has 2 cores); the differential target, which compiles
# kernels, alone at the end.
running=0
for target in "${targets[@]}"; do
  [ "$target" = differential ] && continue
  if [ $running -ge 2 ]; then
    wait -n
    running=$((running - 1))
  fi
  run "$target" "$seconds" 20 4096 &
  running=$((running + 1))
done
wait
run differential "$differentialSeconds" 120 512

status=0
printf '%-14s %11s %7s %7s  %s\n' target executions cov ft result
for target in "${targets[@]}"; do
  log="build-fuzz/fuzz-logs/$target.log"
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  line=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$line")
  result=ok
  if [ "$(cat "build-fuzz/fuzz-logs/$target.status")" != 0 ]; then
    result=FAILED
    status=1
  fi
  printf '%-14s %11s %7s %7s  %s\n' "$target" "${executions:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
for target in "${targets[@]}"; do
  if [ "$(cat "build-fuzz/fuzz-logs/$target.status")" != 0 ]; then
    echo "=== $target failed: build-fuzz/fuzz-logs/$target.log"
    grep -vE '^#[0-9]+' "build-fuzz/fuzz-logs/$target.log" | tail -60
  fi
done
[ $status -eq 0 ] || ls -l build-fuzz/fuzz-artifacts
exit $status
