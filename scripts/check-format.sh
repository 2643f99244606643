#!/usr/bin/env bash
# Fails when a C++ file differs from what clang-format (the committed .clang-format) would write.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || {
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends clang-format
}
files=$(git ls-files '*.cpp' '*.h')
clang-format --dry-run -Werror $files
echo "clang-format: $(echo "$files" | wc -l) files clean"
