#include "support/CacheSizes.h"

#include <fstream>
#include <string>

namespace einjit::support {

namespace {

std::size_t readSize(const std::string& path) {
  std::ifstream in(path);
  std::size_t value = 0;
  std::string unit;
  if (!(in >> value))
    return 0;
  in >> unit;
  if (unit == "K")
    value <<= 10;
  else if (unit == "M")
    value <<= 20;
  return value;
}

CacheSizes readHost() {
  CacheSizes sizes;
  for (int index = 0; index < 8; ++index) {
    std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
    std::ifstream levelIn(dir + "level"), typeIn(dir + "type");
    int level = 0;
    std::string type;
    if (!(levelIn >> level) || !(typeIn >> type) || type == "Instruction")
      continue;
    std::size_t size = readSize(dir + "size");
    if (size == 0)
      continue;
    if (level == 1)
      sizes.l1d = size;
    else if (level == 2)
      sizes.l2 = size;
    else if (level == 3)
      sizes.l3 = size;
  }
  return sizes;
}

} // namespace

CacheSizes hostCacheSizes() {
  static const CacheSizes sizes = readHost();
  return sizes;
}

} // namespace einjit::support
