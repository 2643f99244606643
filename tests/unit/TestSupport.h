// Helpers shared by the unit tests: build tensors from numbers, read them back, and check that a
// call throws einjit::Error of a kind with a message that contains given text.
#pragma once

#include "einjit/error.h"
#include "einjit/tensor.h"

#include <complex>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace einjit::test {

/// A C-order tensor holding `values` (converted to the dtype; complex gets imaginary part 0).
Tensor tensorOf(DType dtype, const Shape& shape, const std::vector<double>& values);
/// A C-order tensor holding start, start+1, … (numpy's arange(...).reshape(shape)).
Tensor arange(DType dtype, const Shape& shape, double start = 0);
/// The elements of a view in C order of its shape, as complex<double> (any strides).
std::vector<std::complex<double>> valuesOf(const TensorView& view);
/// Real parts of valuesOf.
std::vector<double> realValuesOf(const TensorView& view);

/// Runs `body`; fails unless it throws einjit::Error of `kind` whose what() contains every
/// string in `needles`. Returns the error for further checks.
template <class Body>
Error expectError(Body&& body, ErrorKind kind, const std::vector<std::string>& needles) {
  try {
    body();
  } catch (const Error& error) {
    EXPECT_EQ(errorKindName(error.kind()), errorKindName(kind)) << error.what();
    for (const std::string& needle : needles)
      EXPECT_NE(std::string(error.what()).find(needle), std::string::npos)
          << "message lacks \"" << needle << "\":\n"
          << error.what();
    return error;
  }
  ADD_FAILURE() << "expected einjit::Error(" << errorKindName(kind) << ")";
  return Error(kind, "(not thrown)");
}

} // namespace einjit::test
