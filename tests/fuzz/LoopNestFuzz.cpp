// Fuzz target: the LoopNest text parser (what `einjit opt` reads). A text that parses gives a nest
// that verifies, and printing it gives a text that parses to the same nest and prints the same
// again. Every scheduling pass then keeps the nest valid: its output verifies and round-trips
// too (for nests whose extents multiply to at most 2^40, as a program's tensors in memory do).
#include "FuzzCheck.h"
#include "ir/LoopNest.h"
#include "passes/Passes.h"

namespace {

void checkRoundTrip(const einjit::ir::LoopNest& nest, const std::string& what) {
  using namespace einjit;
  ir::verify(nest);
  std::string printed = ir::toIRText(nest);
  ir::LoopNest again = ir::parseLoopNest(printed);
  fuzz::check(again == nest, what + ": the printed nest parses to another:\n" + printed);
  fuzz::check(ir::toIRText(again) == printed, what + ": printing is not stable:\n" + printed);
}

bool modestExtents(const einjit::ir::LoopNest& nest) {
  double product = 1;
  for (const einjit::ir::LoopLabel& label : nest.labels)
    product *= static_cast<double>(label.extent);
  return product <= static_cast<double>(std::int64_t{1} << 40);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace einjit;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ir::LoopNest nest;
  try {
    nest = ir::parseLoopNest(text);
  } catch (const Error& error) {
    // Inconsistent nests too are Syntax errors (LoopNest.h): an Internal error is a bug.
    fuzz::expectUserError(error);
    return 0;
  }
  try {
    checkRoundTrip(nest, "parsed");
    if (!modestExtents(nest))
      return 0;
    passes::LoopOptions options;
    for (const passes::LoopPass& pass : passes::loopPasses())
      checkRoundTrip(pass.run(nest, options), std::string("after ") + pass.name);
  } catch (const Error& error) {
    fuzz::fail(std::string("a parsed nest does not round-trip or schedule: ") + error.what());
  }
  return 0;
}
