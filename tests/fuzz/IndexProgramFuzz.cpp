// Fuzz target: the IndexProgram text parser (what `einjit run --program` and
// Engine::planIndexProgram read). A text that parses gives a program that verifies, and printing
// it gives a text that parses to the same program and prints the same again.
#include "FuzzCheck.h"
#include "ir/IndexProgram.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace einjit;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ir::IndexProgram program;
  try {
    program = ir::parseIndexProgram(text);
  } catch (const Error& error) {
    // Inconsistent programs too are Syntax errors (IndexProgram.h): an Internal error is a bug.
    fuzz::expectUserError(error);
    return 0;
  }
  try {
    ir::verify(program);
    std::string printed = ir::toString(program);
    ir::IndexProgram again = ir::parseIndexProgram(printed);
    fuzz::check(again == program, "the printed program parses to another:\n" + printed);
    fuzz::check(ir::toString(again) == printed, "printing is not stable:\n" + printed);
  } catch (const Error& error) {
    fuzz::fail(std::string("a parsed program does not round-trip: ") + error.what());
  }
  return 0;
}
