#include "frontend/LabelAllocator.h"

#include "einjit/error.h"

namespace einjit::frontend {

namespace {
constexpr const char* kFreeOrder = "acdefghijmnopqrstuvwxyzlkbABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr const char* kContractedOrder = "klmnopqrstuvwxyzjihgfedcbaABCDEFGHIJKLMNOPQRSTUVWXYZ";
} // namespace

std::string LabelAllocator::firstFree(const std::string& order) {
  for (char c : order) {
    std::string label(1, c);
    if (used_.insert(label).second)
      return label;
  }
  // 52 letters cover every rank numpy allows (32) and every pair of operands einjit lowers.
  throw Error(ErrorKind::Unsupported, "more than 52 distinct axes in one contraction");
}

std::string LabelAllocator::take(const std::string& preferred) {
  if (used_.insert(preferred).second)
    return preferred;
  return fresh();
}

std::string LabelAllocator::fresh() {
  return firstFree(kFreeOrder);
}

std::string LabelAllocator::freshContracted() {
  return firstFree(kContractedOrder);
}

} // namespace einjit::frontend
