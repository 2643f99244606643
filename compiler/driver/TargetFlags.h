// What a command line's target flags name (--target and --cache-sizes, or $EINJIT_TARGET and
// $EINJIT_CACHE_SIZES), checked before an Engine or an object is built for them, so that a bad
// value is reported as the flag or variable that gave it.
#pragma once

#include "einjit/engine.h"

#include <optional>
#include <string>

namespace einjit::driver {

/// Throws Error(Argument) "SOURCE: LLVM does not know the CPU 'NAME' …" unless `cpu` is "host"
/// (or empty) or a CPU LLVM knows for this machine's triple.
void checkTargetName(const std::string& cpu, const std::string& source);

/// "48K,2M,32M" (L1d,L2,L3; suffixes K, M, G, KiB, MiB, GiB or none for bytes) as sizes, or
/// nullopt with `error` saying what is wrong. Taken as given, not kept within real cores' bounds.
std::optional<CacheSizes> parseCacheSizes(const std::string& text, std::string& error);

} // namespace einjit::driver
