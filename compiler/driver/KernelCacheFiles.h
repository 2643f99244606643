// The persistent kernel cache (docs/kernel-cache.md) as files, for `einjit cache`: the directory
// an Engine would use, the entries in it, and emptying it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace einjit::driver {

/// The directory an Engine with default options uses: $EINJIT_CACHE_DIR ("off": none), else
/// $XDG_CACHE_HOME/einjit, else $HOME/.cache/einjit; "" when the persistent cache is off.
std::string defaultKernelCacheDirectory();

/// One entry file of the cache.
struct KernelCacheFile {
  std::string name; ///< "einjit-<16 hex digits>.kernel"
  std::uint64_t bytes = 0;
  std::int64_t ageSeconds = 0;
  bool valid = false;  ///< the file decodes (whether it is still current is decided on load)
  std::string target;  ///< valid only: "triple/cpu/features" it was compiled for
  std::string key;     ///< valid only: the kernel's cache key (its loop nest's text, or
                       ///< "einjit compile LIB\n…" for an ahead-of-time object)
  std::string problem; ///< invalid only: why it does not decode
};

/// The entry files of `directory`, valid or not, by name; none when it does not exist. A
/// symbolic link or another user's file shows as invalid, never read. Throws Error(Io) when the
/// directory cannot be listed.
std::vector<KernelCacheFile> listKernelCache(const std::string& directory);

/// Deletes the entry files of `directory` and the temporary files of interrupted writes, nothing
/// else; returns how many. Throws Error(Io) when one cannot be deleted.
std::size_t clearKernelCache(const std::string& directory);

} // namespace einjit::driver
