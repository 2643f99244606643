// What `einjit explain` prints for a lowered call, as text for people or as one JSON object:
// operands, output shape, the role of every label, the index-notation statement, the equivalent
// numpy einsum call, and where current and legacy Keras disagree, both results.
#pragma once

#include "frontend/CallText.h"

#include <string>
#include <vector>

namespace einjit::cli {

/// Which K.batch_dot / Dot semantics is the primary result (docs/semantics.md §8.6).
enum class BatchDotChoice { Current, Legacy };

/// Parses the value of --batch-dot ("current" or "legacy"); UsageError otherwise.
BatchDotChoice parseBatchDotChoice(const std::string& text);

/// A stage of the compiled plan that --emit asks for beyond the IndexProgram.
struct EmittedStage {
  std::string key;     ///< its JSON key: "loops", "llvm", "asm"
  std::string heading; ///< its text heading: "loops (contiguous operands)", "llvm (znver4)"
  std::string text;
};

struct ExplainOptions {
  bool emitIndex = false;           ///< also print the whole IndexProgram text
  std::vector<EmittedStage> stages; ///< printed after the IndexProgram, in order
  BatchDotChoice batchDot = BatchDotChoice::Current;
};

/// The program `choice` computes: the current one, or the legacy Keras one (Error when legacy
/// Keras refuses the call or the call is not a Keras batch_dot / Dot).
const ir::IndexProgram& chosenProgram(const frontend::LoweredCall& lowered, BatchDotChoice choice);

/// The explanation as aligned text, one fact per line.
std::string explainText(const frontend::LoweredCall& lowered, const ExplainOptions& options);
/// The explanation as one JSON object (keys listed in `einjit explain --help`).
std::string explainJson(const frontend::LoweredCall& lowered, const ExplainOptions& options);

/// The equivalent numpy expression, e.g. "np.einsum('bik,bjk->bij', a, b)", with the
/// normalisation, ravel and conj prologues written out and np.expand_dims for unit output axes.
std::string numpyEquivalent(const ir::IndexProgram& program);

/// `text` as a JSON string literal, quotes and escapes included.
std::string jsonString(const std::string& text);
/// [2, 3, 4].
std::string jsonInts(const Shape& values);

} // namespace einjit::cli
