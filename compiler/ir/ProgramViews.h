// Checks of caller-supplied tensor views against an IndexProgram, shared by the reference
// interpreter and the engine's Plan::run so that both refuse misuse with the same words.
#pragma once

#include "einjit/tensor.h"
#include "ir/IndexProgram.h"

#include <string>
#include <vector>

namespace einjit::ir {

/// Refuses views that do not fit a program with Error(Misuse). Every message starts with
/// `call` ("plan.run") and says what `holder` ("plan", "program") expects.
struct ViewChecker {
  std::string call;
  std::string holder;

  /// Throws Error(Misuse, "<call>: <what>").
  [[noreturn]] void fail(const std::string& what) const;
  /// Throws unless exactly one input per name of `inputNames` was passed.
  void checkInputCount(const std::vector<std::string>& inputNames, std::size_t passed) const;
  /// Throws unless `view` (called `name`) has `dtype`, the shape `expected` exactly, and data
  /// when it has elements. (TensorView's constructor already refuses a mis-sized stride array.)
  void checkView(const TensorView& view, const std::string& name, const Shape& expected,
                 DType dtype) const;
  /// Throws when a zero stride along an extent above 1 would make two output elements one.
  void checkOutputStrides(const TensorView& out, const std::string& name) const;
};

/// Throws Error(Unsupported, "<call>: normalize(…) needs a floating-point or complex dtype …")
/// when `program` normalizes an operand of an integer dtype.
void checkProloguesSupported(const IndexProgram& program, const std::string& call);

} // namespace einjit::ir
