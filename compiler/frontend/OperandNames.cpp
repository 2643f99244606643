#include "frontend/Frontends.h"

namespace einjit::frontend {

std::vector<std::string> defaultOperandNames(std::size_t count) {
  static const char* const small[] = {"x", "y", "z"};
  std::vector<std::string> names;
  for (std::size_t i = 0; i < count; ++i)
    names.push_back(count <= 3 ? std::string(small[i]) : "x" + std::to_string(i));
  return names;
}

} // namespace einjit::frontend
