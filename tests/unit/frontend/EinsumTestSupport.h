// Helpers shared by the einsum front-end tests: lower a string with shapes (operands named x,
// y, z as the CLI names them), evaluate through the reference interpreter, check error carets.
#pragma once

#include "ProgramTestSupport.h"
#include "frontend/Frontends.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace einjit::test {

inline std::vector<frontend::Arg> einsumArgs(const std::vector<Shape>& shapes) {
  std::vector<std::string> names = frontend::defaultOperandNames(shapes.size());
  std::vector<frontend::Arg> args;
  for (std::size_t t = 0; t < shapes.size(); ++t)
    args.push_back({names[t], shapes[t]});
  return args;
}

inline ir::IndexProgram
lowerEinsum(std::string_view subscripts, const std::vector<Shape>& shapes,
            frontend::EinsumDialect dialect = frontend::EinsumDialect::Numpy) {
  return frontend::einsum(subscripts, einsumArgs(shapes), DType::f64, dialect);
}

inline std::string
einsumStatement(std::string_view subscripts, const std::vector<Shape>& shapes,
                frontend::EinsumDialect dialect = frontend::EinsumDialect::Numpy) {
  return ir::statementText(lowerEinsum(subscripts, shapes, dialect));
}

/// einsum(subscripts, *inputs) in f64, evaluated.
inline std::vector<double>
einsumValues(std::string_view subscripts, const std::vector<TensorInput>& inputs,
             frontend::EinsumDialect dialect = frontend::EinsumDialect::Numpy) {
  std::vector<Shape> shapes;
  for (const TensorInput& input : inputs)
    shapes.push_back(input.shape());
  return evaluate(lowerEinsum(subscripts, shapes, dialect), inputs);
}

inline Tensor f64(const Shape& shape, const std::vector<double>& values) {
  return tensorOf(DType::f64, shape, values);
}

inline Tensor ones(const Shape& shape, double value = 1.0) {
  std::int64_t count = 1;
  for (std::int64_t extent : shape)
    count *= extent;
  return tensorOf(DType::f64, shape, std::vector<double>(static_cast<std::size_t>(count), value));
}

/// The caret of an einsum error sits under columns [begin, end) of its subscripts string.
inline void expectSpan(const Error& error, std::size_t begin, std::size_t end) {
  ASSERT_TRUE(error.span().has_value()) << error.what();
  EXPECT_EQ(error.span()->begin, begin) << error.what();
  EXPECT_EQ(error.span()->end, end) << error.what();
}

} // namespace einjit::test
