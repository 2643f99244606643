// Fuzz target: einsum subscripts in every dialect (numpy, torch, tf.einsum, keras.ops.einsum).
// The first bytes choose the dialect, the dtype and the operands' shapes (up to 4 operands of
// rank up to 6, extents 1 to 5); the rest is the subscripts string. A string that lowers must
// give a program that verifies and prints and parses back to itself.
#include "FuzzCheck.h"
#include "FuzzInput.h"
#include "frontend/Frontends.h"

namespace einjit::fuzz {
namespace {

void fuzzEinsum(FuzzInput& input) {
  static const frontend::EinsumDialect dialects[] = {
      frontend::EinsumDialect::Numpy, frontend::EinsumDialect::Torch,
      frontend::EinsumDialect::Tensorflow, frontend::EinsumDialect::KerasOps};
  static const DType dtypes[] = {DType::f32, DType::f64,  DType::i32,  DType::i64,
                                 DType::c64, DType::c128, DType::bf16, DType::f16};
  frontend::EinsumDialect dialect = input.pick(dialects);
  DType dtype = input.pick(dtypes);
  std::vector<frontend::Arg> operands(static_cast<std::size_t>(input.range(0, 4)));
  std::vector<std::string> names = frontend::defaultOperandNames(operands.size());
  for (std::size_t t = 0; t < operands.size(); ++t) {
    operands[t].name = names[t];
    for (std::int64_t d = input.range(0, 6); d > 0; --d)
      operands[t].shape.push_back(input.range(1, 5));
  }
  std::string subscripts = input.rest();
  ir::IndexProgram program;
  try {
    program = frontend::einsum(subscripts, operands, dtype, dialect);
  } catch (const Error& error) {
    expectUserError(error);
    return;
  }
  ir::verify(program);
  std::string text = ir::toString(program);
  check(ir::parseIndexProgram(text) == program, "the program does not parse back:\n" + text);
}

} // namespace
} // namespace einjit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  einjit::fuzz::FuzzInput input(data, size);
  try {
    einjit::fuzz::fuzzEinsum(input);
  } catch (const einjit::Error& error) {
    einjit::fuzz::fail(std::string("unexpected error after lowering: ") + error.what());
  }
  return 0;
}
