// The table of calls that call text may name: each module alias and function, its canonical
// name, how many operands it takes, its other parameters in positional order, and the keywords
// the library knows but einjit refuses (out=, dtype=, …). Shared by parseCall and lowerCall.
#pragma once

#include "frontend/Frontends.h"

#include <optional>
#include <string>
#include <vector>

namespace einjit::frontend {

/// Which front-end function a call lowers through.
enum class CallKind {
  Einsum,
  Tensordot,
  NpDot,
  Inner,
  Outer,
  Matmul,
  TfMatmul,
  Bmm,
  KerasDot,
  BatchDot,
  DotLayer,    ///< keras.layers.Dot(axes, normalize)([a, b])
  DotFunction, ///< keras.layers.dot([a, b], axes, normalize)
};

/// One callable as the call text names it.
struct CallSignature {
  std::string canonical; ///< "np.tensordot", "K.batch_dot", "tf_keras.layers.Dot", "@"
  CallKind kind = CallKind::Einsum;
  Library library = Library::Numpy;
  EinsumDialect dialect = EinsumDialect::Numpy;
  /// Fixed operand count; 0 for einsum and the Keras layers, whose inputs are counted by the
  /// front end itself.
  std::size_t operandCount = 2;
  std::vector<std::string> positional;  ///< parameters after the operands, in order
  std::vector<std::string> keywordOnly; ///< parameters that can only be given by keyword
  std::vector<std::string> ignored;     ///< accepted keywords that do not change the result
  std::vector<std::string> unsupported; ///< the library's keywords einjit refuses unless None
  std::vector<std::string> required;    ///< parameters without a default
  bool allowsSublists = false;          ///< einsum(op0, sublist0, …) form
  bool allowsOperandList = false;       ///< torch.einsum('ij,jk', [a, b])
  double normalizeEpsilon = 0;          ///< Dot layers: fixed by the library (0: LowerOptions)

  bool accepts(const std::string& keyword) const;
  bool refuses(const std::string& keyword) const;
};

/// The signature for a dotted name as written (aliases resolved), or nullopt.
std::optional<CallSignature> findCall(const std::string& dottedName);
/// The signature by canonical name; throws Error(Internal) if unknown.
const CallSignature& callByCanonicalName(const std::string& canonical);
/// The module aliases, for messages ("np., numpy., tf., …").
std::string knownModules();
/// The function names of the module an unknown dotted name starts with, or empty when the module
/// is unknown too.
std::vector<std::string> functionsOfModule(const std::string& dottedName);

} // namespace einjit::frontend
