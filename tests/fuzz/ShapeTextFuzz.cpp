// Fuzz target: the --shapes syntax (frontend ShapeText: "2x3x4,5x6", "x=2x3,y=scalar"). A text
// that parses gives positive extents whose products do not overflow, positional or named.
#include "FuzzCheck.h"
#include "frontend/CallText.h"

namespace einjit::fuzz {
namespace {

void checkShape(const Shape& shape) {
  for (std::int64_t extent : shape)
    check(extent > 0, "a parsed extent is not positive");
  elementCount(shape); // throws Error(Shape) when the product overflows
}

} // namespace
} // namespace einjit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  einjit::frontend::ShapeBinding binding;
  try {
    binding = einjit::frontend::parseShapes(text);
  } catch (const einjit::Error& error) {
    einjit::fuzz::expectUserError(error);
    return 0;
  }
  einjit::fuzz::check(binding.positional.empty() || binding.named.empty(),
                      "shapes both positional and named");
  try {
    for (const einjit::Shape& shape : binding.positional)
      einjit::fuzz::checkShape(shape);
    for (const auto& [name, shape] : binding.named)
      einjit::fuzz::checkShape(shape);
  } catch (const einjit::Error& error) {
    einjit::fuzz::fail(std::string("a parsed shape is not usable: ") + error.what());
  }
  return 0;
}
