// The operands a call text takes, read before any shape is known: what a command line checks
// its inputs against (`einjit run` takes one .npy file per operand).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace einjit::driver {

struct CallOperands {
  std::string function;           ///< canonical: "K.batch_dot", "np.einsum", "@", …
  std::vector<std::string> names; ///< the distinct operand names, in order ("a @ a": a)
  /// A bare einsum string ("ij,jk->ik"): it takes as many operands as are given, and einsum
  /// itself reports a count that does not match the string (with a caret into it).
  bool countFromInputs = false;
};

/// Parses `expression` as Engine::plan does. Throws the parser's Error(Syntax|Argument|Resource).
CallOperands callOperands(std::string_view expression);

} // namespace einjit::driver
