#!/usr/bin/env bash
# Fails when a source of the einjit tool (tools/, or the directory given) uses more than the
# public API and the driver (tools/README.md). A quoted include must name a file beside it, a
# public header "einjit/NAME.h", a driver header "driver/NAME.h", or one of the generic
# "support/Format.h" and "support/Json.h"; an angle include must not reach into the compiler or
# LLVM. No line may name the compiler's inner namespaces (codegen::, frontend::, ir::, jit::,
# passes::, reference::, runtime::, qualified or not, nor open or alias them with `namespace`):
# what the tool needs of them comes through the driver. Prints every offending line as
# FILE:LINE: TEXT.
set -euo pipefail
directory="${1:-$(dirname "$0")/../tools}"
inner='codegen|frontend|ir|jit|passes|reference|runtime'
# NAME:: not preceded by a letter, digit or _ ("einjit::rt" names no jit::), or a using
# directive or namespace alias ending in one of them.
qualifier="(^|[^A-Za-z0-9_])($inner)[[:space:]]*::"
opened="^[[:space:]]*(using[[:space:]]+namespace|namespace[[:space:]]+[A-Za-z_][A-Za-z0-9_]*[[:space:]]*=)[^;]*(^|[^A-Za-z0-9_])($inner)[[:space:]]*;"
status=0
shopt -s nullglob
for file in "$directory"/*.cpp "$directory"/*.h; do
  number=0
  while IFS= read -r line || [ -n "$line" ]; do
    number=$((number + 1))
    if [[ "$line" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*([\"\<])([^\"\>]*) ]]; then
      kind="${BASH_REMATCH[1]}"
      name="${BASH_REMATCH[2]}"
      allowed=0
      if [ "$kind" = '"' ]; then
        if [[ "$name" =~ ^einjit/[A-Za-z0-9_]+\.h$ || "$name" =~ ^driver/[A-Za-z0-9_]+\.h$ ||
          "$name" == support/Format.h || "$name" == support/Json.h ]]; then
          allowed=1
        elif [[ "$name" != */* && -f "$directory/$name" ]]; then
          allowed=1
        fi
      elif ! [[ "$name" =~ ^(llvm|llvm-c|codegen|engine|frontend|ir|jit|passes|reference|support|driver|runtime)/ ]]; then
        allowed=1
      fi
    elif [[ "$line" =~ $qualifier || "$line" =~ $opened ]]; then
      allowed=0
    else
      allowed=1
    fi
    if [ "$allowed" -eq 0 ]; then
      echo "$file:$number: $line"
      status=1
    fi
  done <"$file"
done
if [ "$status" -ne 0 ]; then
  echo "the einjit tool includes only einjit/*.h, driver/*.h, support/Format.h, support/Json.h" \
    "and its own headers, and names none of codegen::, frontend::, ir::, jit::, passes::," \
    "reference::, runtime:: (tools/README.md)" >&2
fi
exit "$status"
