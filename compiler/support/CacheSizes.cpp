// Reads the cache sizes Linux publishes in sysfs; anything missing or malformed keeps the default,
// so other systems get the defaults rather than an error.
#include "support/CacheSizes.h"

#include <cctype>
#include <fstream>
#include <string>

namespace einjit::support {

namespace {

bool readLine(const std::string& path, std::string& line) {
  std::ifstream file(path);
  return static_cast<bool>(std::getline(file, line));
}

/// "32K" / "1024K" / "32M" / "4096" in bytes; 0 when it does not parse.
std::size_t parseSize(const std::string& text) {
  std::size_t value = 0;
  std::size_t i = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i)
    value = value * 10 + static_cast<std::size_t>(text[i] - '0');
  if (i == 0)
    return 0;
  if (i < text.size() && (text[i] == 'K' || text[i] == 'k'))
    return value << 10;
  if (i < text.size() && (text[i] == 'M' || text[i] == 'm'))
    return value << 20;
  return value;
}

CacheSizes readHostCacheSizes() {
  CacheSizes caches;
  const std::string root = "/sys/devices/system/cpu/cpu0/cache/index";
  // Linux numbers the cache entries densely from index0; a few more than any CPU has.
  for (int index = 0; index < 8; ++index) {
    std::string directory = root + std::to_string(index) + "/";
    std::string level;
    std::string type;
    std::string size;
    if (!readLine(directory + "level", level) || !readLine(directory + "type", type) ||
        !readLine(directory + "size", size))
      continue;
    std::size_t bytes = parseSize(size);
    if (bytes == 0 || type == "Instruction")
      continue;
    if (level == "1" && type == "Data")
      caches.l1d = bytes;
    else if (level == "2")
      caches.l2 = bytes;
    else if (level == "3")
      caches.l3 = bytes;
  }
  return caches;
}

} // namespace

CacheSizes hostCacheSizes() {
  static const CacheSizes host = readHostCacheSizes();
  return host;
}

std::string toString(const CacheSizes& caches) {
  return "L1d " + std::to_string(caches.l1d >> 10) + " KiB, L2 " + std::to_string(caches.l2 >> 10) +
         " KiB, L3 " + std::to_string(caches.l3 >> 10) + " KiB";
}

} // namespace einjit::support
