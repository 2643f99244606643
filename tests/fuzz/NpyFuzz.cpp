// Fuzz target: .npy images (runtime Npy: the magic, the version, the header's dict literal, the
// declared shape against the bytes there). An image that parses gives a tensor whose own image
// parses to the same tensor.
#include "FuzzCheck.h"
#include "einjit/npy.h"

#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace einjit;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  Tensor tensor;
  try {
    tensor = parseNpy(bytes, "fuzz input");
  } catch (const Error& error) {
    fuzz::expectUserError(error);
    return 0;
  }
  try {
    std::string image = formatNpy(tensor.view());
    Tensor again = parseNpy(image, "formatted");
    fuzz::check(again.dtype() == tensor.dtype() && again.shape() == tensor.shape(),
                "the formatted image has another dtype or shape");
    fuzz::check(formatNpy(again.view()) == image, "formatting is not stable");
    if (tensor.order() == Tensor::Order::C)
      fuzz::check(again.byteSize() == tensor.byteSize() &&
                      (tensor.byteSize() == 0 ||
                       std::memcmp(again.data(), tensor.data(), tensor.byteSize()) == 0),
                  "the formatted image holds other elements");
  } catch (const Error& error) {
    fuzz::fail(std::string("a parsed tensor does not round-trip: ") + error.what());
  }
  return 0;
}
