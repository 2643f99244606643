// Reads a contraction call as written in Python — an einsum string or `K.batch_dot(x, y,
// axes=[1, 1])`, `np.tensordot(a, b, axes=2)`, `a @ b`, `keras.layers.Dot(axes=2)([a, b])` — and
// lowers it with the operand shapes through the front end it names. Used by the CLI.
#pragma once

#include "frontend/Frontends.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace einjit::frontend {

/// A call parsed from text, before shapes are bound.
struct ParsedCall {
  std::string text;                      ///< the whole text as given
  std::string function;                  ///< canonical name: "np.einsum", "K.batch_dot", "@", …
  std::vector<std::string> operandNames; ///< operand identifiers in order ("a", "b")
  std::vector<std::pair<std::string, PyValue>>
      keywords;                          ///< keyword and positional non-operand args
  std::optional<std::string> subscripts; ///< einsum string, for einsum calls and bare strings
  std::size_t subscriptsColumn = 0;      ///< where the einsum string starts inside `text`
};

/// The operand names of a call in order of first appearance: shapes and .npy files bind one per
/// distinct name (`a @ a` takes one shape).
std::vector<std::string> distinctOperandNames(const ParsedCall& call);

/// True for the calls whose meaning changed between Keras versions (K.batch_dot, the Dot layer,
/// keras.layers.dot): those LowerOptions::batchDot selects between.
bool hasLegacyBatchDot(const ParsedCall& call);

/// Parses call text. Accepts the module aliases np./numpy., tf./tensorflow., torch.,
/// K./keras.backend./tf.keras.backend./tf_keras.backend., keras.layers./tf.keras.layers.,
/// keras.ops. A text that is not a call is taken as a bare numpy einsum string (quotes optional).
/// Throws Error(Syntax|Argument) pointing at the offending column, Error(Resource) past
/// limits::maxTextLength characters, limits::maxOperands operands or limits::maxNesting levels.
ParsedCall parseCall(const std::string& text);

/// Operand shapes, positional ("2x3x4,2x3x4") or by name ("x=2x3x4,y=2x3x4"); "scalar" or an
/// empty item is a 0-d operand.
struct ShapeBinding {
  std::vector<Shape> positional;
  std::map<std::string, Shape> named;
};
/// Parses the --shapes syntax. Refuses zero, negative and overflowing extents with Error(Shape);
/// more than limits::maxRank axes, limits::maxOperands shapes or limits::maxTextLength characters
/// with Error(Resource).
ShapeBinding parseShapes(const std::string& text);

struct LowerOptions {
  DType dtype = DType::f32;
  /// Which K.batch_dot / Dot semantics `LoweredCall::program` follows; the other one, where it
  /// applies, goes to `LoweredCall::legacy` (or back from it, for Legacy).
  BatchDotSemantics batchDot = BatchDotSemantics::Current;
  double normalizeEpsilon = 1e-7; ///< for Dot(normalize=True) unless the call sets epsilon
};

struct LoweredCall {
  ParsedCall call;
  ir::IndexProgram program;
  /// For each operand of `program`, the index into distinctOperandNames(call) of the tensor it
  /// reads (a name used twice is read by two operands, the second named e.g. `a_2`).
  std::vector<std::size_t> operandSources;
  /// For K.batch_dot / Dot / layers.dot: the legacy TF-backend program (§8.6) when it can be
  /// computed; explain shows it where it differs from `program`. Empty when it does not apply.
  std::optional<ir::IndexProgram> legacy;
  /// When legacy Keras refuses the shapes, its error message.
  std::optional<std::string> legacyError;
};

/// Binds shapes to the call's operands (by name, else by position) and lowers it.
LoweredCall lowerCall(const ParsedCall& call, const ShapeBinding& shapes,
                      const LowerOptions& options = {});
/// parseCall then lowerCall.
LoweredCall lowerCallText(const std::string& text, const ShapeBinding& shapes,
                          const LowerOptions& options = {});

} // namespace einjit::frontend
