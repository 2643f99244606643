// Reads the cache sizes Linux publishes in sysfs and keeps them within what real cores have, so
// a hypervisor's odd report (a huge L3, none at all, an L2 per cluster) cannot size the blocks.
#include "support/CacheSizes.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <string>

namespace einjit::support {

namespace {

bool readLine(const std::string& path, std::string& line) {
  std::ifstream file(path);
  return static_cast<bool>(std::getline(file, line));
}

/// The value of `text` from `position`, with its suffix's multiplier; 0 when it does not parse
/// or does not fit. Accepts "32K", "32KiB", "1M", "2G" and plain bytes.
std::size_t parseSize(std::string_view text) {
  constexpr std::size_t kLimit = std::size_t{1} << 50;
  std::size_t value = 0;
  std::size_t i = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    value = value * 10 + static_cast<std::size_t>(text[i] - '0');
    if (value > kLimit)
      return 0;
  }
  if (i == 0)
    return 0;
  std::string_view suffix = text.substr(i);
  std::size_t shift = 0;
  if (!suffix.empty()) {
    char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(suffix[0])));
    shift = unit == 'K' ? 10 : unit == 'M' ? 20 : unit == 'G' ? 30 : 64;
    std::string_view rest = suffix.substr(1);
    if (shift == 64 || !(rest.empty() || rest == "iB" || rest == "B"))
      return 0;
  }
  if (value > (kLimit >> shift))
    return 0;
  return value << shift;
}

/// How many CPUs a list such as "0-3,8,10-11" names; 0 when it does not parse.
std::size_t countCpus(const std::string& list) {
  std::size_t count = 0;
  std::size_t position = 0;
  while (position < list.size()) {
    std::size_t comma = list.find(',', position);
    std::string range =
        list.substr(position, comma == std::string::npos ? std::string::npos : comma - position);
    std::size_t dash = range.find('-');
    try {
      if (dash == std::string::npos) {
        (void)std::stoul(range);
        ++count;
      } else {
        unsigned long first = std::stoul(range.substr(0, dash));
        unsigned long last = std::stoul(range.substr(dash + 1));
        if (last < first)
          return 0;
        count += last - first + 1;
      }
    } catch (const std::exception&) {
      return 0;
    }
    if (comma == std::string::npos)
      break;
    position = comma + 1;
  }
  return count;
}

} // namespace

CacheSizes readSysfsCacheSizes(const std::string& cpuRoot) {
  CacheSizes caches{0, 0, 0};
  std::string siblings;
  std::size_t threadsPerCore = 1;
  if (readLine(cpuRoot + "/cpu0/topology/thread_siblings_list", siblings))
    threadsPerCore = std::max<std::size_t>(1, countCpus(siblings));
  // Linux numbers the cache entries densely from index0; a few more than any CPU has.
  for (int index = 0; index < 8; ++index) {
    std::string directory = cpuRoot + "/cpu0/cache/index" + std::to_string(index) + "/";
    std::string level;
    std::string type;
    std::string size;
    if (!readLine(directory + "level", level) || !readLine(directory + "type", type) ||
        !readLine(directory + "size", size))
      continue;
    std::size_t bytes = parseSize(size);
    if (bytes == 0 || type == "Instruction")
      continue;
    // A private cache shared by a cluster of cores (four E-cores on one L2) gives each its
    // share; the hardware threads of one core share it as they share the core.
    std::string shared;
    std::size_t sharers = 1;
    if (level != "3" && readLine(directory + "shared_cpu_list", shared))
      sharers = std::max<std::size_t>(1, countCpus(shared) / threadsPerCore);
    if (level == "1" && type == "Data")
      caches.l1d = bytes / sharers;
    else if (level == "2")
      caches.l2 = bytes / sharers;
    else if (level == "3")
      caches.l3 = bytes;
  }
  return caches;
}

CacheSizes saneCacheSizes(CacheSizes reported) {
  CacheSizes defaults;
  if (reported == CacheSizes{0, 0, 0})
    return defaults;
  CacheSizes sane;
  sane.l1d = std::clamp(reported.l1d == 0 ? defaults.l1d : reported.l1d, kMinL1d, kMaxL1d);
  sane.l2 = std::clamp(reported.l2 == 0 ? defaults.l2 : reported.l2, kMinL2, kMaxL2);
  sane.l2 = std::max(sane.l2, sane.l1d);
  sane.l3 = std::clamp(reported.l3, 2 * sane.l2, kMaxL3);
  return sane;
}

CacheSizes hostCacheSizes() {
  static const CacheSizes host = saneCacheSizes(readSysfsCacheSizes("/sys/devices/system/cpu"));
  return host;
}

std::optional<CacheSizes> parseCacheSizes(std::string_view text, std::string& error) {
  std::size_t sizes[3] = {0, 0, 0};
  std::size_t position = 0;
  for (int level = 0; level < 3; ++level) {
    std::size_t comma = text.find(',', position);
    if ((level < 2) != (comma != std::string_view::npos)) {
      error = "expected three sizes L1d,L2,L3 (e.g. 48K,2M,32M), got '" + std::string(text) + "'";
      return std::nullopt;
    }
    std::string_view piece = text.substr(
        position, comma == std::string_view::npos ? std::string_view::npos : comma - position);
    sizes[level] = parseSize(piece);
    if (sizes[level] < 1024) {
      error = "'" + std::string(piece) + "' is not a cache size of at least 1K (sizes are bytes " +
              "or have a K, M or G suffix)";
      return std::nullopt;
    }
    position = comma + 1;
  }
  if (sizes[0] > sizes[1] || sizes[1] > sizes[2]) {
    error = "cache sizes must grow from L1d to L2 to L3, got '" + std::string(text) + "'";
    return std::nullopt;
  }
  return CacheSizes{sizes[0], sizes[1], sizes[2]};
}

std::string toString(const CacheSizes& caches) {
  return "L1d " + std::to_string(caches.l1d >> 10) + " KiB, L2 " + std::to_string(caches.l2 >> 10) +
         " KiB, L3 " + std::to_string(caches.l3 >> 10) + " KiB";
}

} // namespace einjit::support
