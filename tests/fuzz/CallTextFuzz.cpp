// Fuzz target: the call-text parser and the front ends it dispatches to. The input is a --shapes
// line, a newline, then a call as written in Python ("K.batch_dot(x, y, axes=[2, 1])",
// "np.tensordot(a, b, axes=2)", "a @ b", a bare einsum string, …); without a newline it is call
// text with no shapes. A call that lowers must give programs that print and parse back.
#include "FuzzCheck.h"
#include "frontend/CallText.h"

namespace einjit::fuzz {
namespace {

void checkRoundTrip(const ir::IndexProgram& program) {
  ir::verify(program);
  std::string text = ir::toString(program);
  check(ir::parseIndexProgram(text) == program, "the program does not parse back:\n" + text);
}

void fuzzCall(const std::string& bytes) {
  std::size_t newline = bytes.find('\n');
  std::string shapesText = newline == std::string::npos ? "" : bytes.substr(0, newline);
  std::string callText = newline == std::string::npos ? bytes : bytes.substr(newline + 1);
  frontend::ParsedCall call;
  try {
    call = frontend::parseCall(callText);
  } catch (const Error& error) {
    expectUserError(error);
    return;
  }
  check(call.text == callText, "the parsed call does not keep its text");
  frontend::distinctOperandNames(call);
  frontend::ShapeBinding shapes;
  try {
    shapes = frontend::parseShapes(shapesText);
  } catch (const Error& error) {
    expectUserError(error);
    return;
  }
  // Both Keras semantics where they differ, and a dtype where normalize and integers interact.
  for (frontend::BatchDotSemantics semantics :
       {frontend::BatchDotSemantics::Current, frontend::BatchDotSemantics::Legacy}) {
    frontend::LowerOptions options;
    options.batchDot = semantics;
    options.dtype = semantics == frontend::BatchDotSemantics::Current ? DType::f32 : DType::i64;
    frontend::LoweredCall lowered;
    try {
      lowered = frontend::lowerCall(call, shapes, options);
    } catch (const Error& error) {
      expectUserError(error);
      continue;
    }
    checkRoundTrip(lowered.program);
    check(lowered.operandSources.size() == lowered.program.operands.size(),
          "one operand source per operand");
    if (lowered.legacy)
      checkRoundTrip(*lowered.legacy);
  }
}

} // namespace
} // namespace einjit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    einjit::fuzz::fuzzCall(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const einjit::Error& error) {
    einjit::fuzz::fail(std::string("unexpected error after lowering: ") + error.what());
  }
  return 0;
}
