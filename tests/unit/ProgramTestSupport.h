// Helpers for tests that build or run IndexPrograms: hand-written operands and indices, front-end
// arguments, and evaluation through the reference interpreter.
#pragma once

#include "TestSupport.h"
#include "frontend/Frontends.h"
#include "ir/IndexProgram.h"
#include "reference/Interpreter.h"

#include <cstdint>
#include <string>
#include <vector>

namespace einjit::test {

/// An operand whose indices are `labels`, "0" standing for the literal 0.
inline ir::Operand operand(std::string name, Shape shape, const std::vector<std::string>& labels,
                           bool conj = false) {
  ir::Operand op{std::move(name), std::move(shape), {}, conj};
  for (const std::string& label : labels)
    op.indices.push_back(label == "0" ? ir::Index::zero() : ir::Index::of(label));
  return op;
}

/// Output indices from labels, "0" standing for the literal 0.
inline std::vector<ir::Index> indices(const std::vector<std::string>& labels) {
  std::vector<ir::Index> out;
  for (const std::string& label : labels)
    out.push_back(label == "0" ? ir::Index::zero() : ir::Index::of(label));
  return out;
}

inline frontend::Arg arg(std::string name, Shape shape) {
  return frontend::Arg{std::move(name), std::move(shape)};
}

/// An operand of the helpers below: a view of a tensor, so that `{ar({2, 3}), x}` passes
/// temporaries and named tensors alike without copying them (Tensor is not copyable); a
/// temporary lives until the helper returns.
struct TensorInput {
  TensorInput(const Tensor& tensor) : view(tensor.view()) {} // NOLINT: implicit on purpose
  TensorView view;
  const Shape& shape() const { return view.shape(); }
};

/// The program run by the reference interpreter on `inputs`, as real values in C order; checks
/// that the interpreter's output shape is the program's.
inline std::vector<double> evaluate(const ir::IndexProgram& program,
                                    const std::vector<TensorInput>& inputs) {
  std::vector<TensorView> views;
  for (const TensorInput& input : inputs)
    views.push_back(input.view);
  Tensor out = reference::interpret(program, views);
  EXPECT_EQ(out.shape(), program.outputShape());
  return realValuesOf(out.view());
}

/// 0, 1, 2, … (numpy's arange) as doubles.
inline std::vector<double> arangeValues(std::int64_t count, double start = 0) {
  std::vector<double> values;
  for (std::int64_t i = 0; i < count; ++i)
    values.push_back(start + static_cast<double>(i));
  return values;
}

/// Row-major offset of a multi-index.
inline std::int64_t offsetOf(const Shape& shape, const std::vector<std::int64_t>& index) {
  std::int64_t offset = 0;
  for (std::size_t d = 0; d < shape.size(); ++d)
    offset = offset * shape[d] + index[d];
  return offset;
}

} // namespace einjit::test
