#include "driver/KernelCacheFiles.h"

#include "jit/DiskCache.h"

namespace einjit::driver {

std::string defaultKernelCacheDirectory() {
  return jit::DiskCache::defaultDirectory();
}

std::vector<KernelCacheFile> listKernelCache(const std::string& directory) {
  std::vector<KernelCacheFile> files;
  for (jit::DiskEntryFile& entry : jit::DiskCache::listEntries(directory)) {
    KernelCacheFile file;
    file.name = std::move(entry.name);
    file.bytes = entry.fileBytes;
    file.ageSeconds = entry.ageSeconds;
    file.valid = entry.entry.has_value();
    if (entry.entry) {
      file.target = std::move(entry.entry->identity.target);
      file.key = std::move(entry.entry->identity.key);
    } else {
      file.problem = std::move(entry.problem);
    }
    files.push_back(std::move(file));
  }
  return files;
}

std::size_t clearKernelCache(const std::string& directory) {
  return jit::DiskCache::clear(directory);
}

} // namespace einjit::driver
