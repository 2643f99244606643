// What einjit says about a call (Engine::explain, Plan::explanation): the facts `einjit explain`
// prints, as fields; text() is the CLI's text and json() its --json object, so every front end
// (the CLI, the Python module) prints the same explanation from the same struct.
#pragma once

#include "einjit/dtype.h"
#include "einjit/tensor.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace einjit {

/// How far an explanation goes; each stage includes the ones before it, except Passes, which
/// no other stage includes.
enum class ExplainStage {
  Index, ///< the IndexProgram, output shape and label groups
  Path,  ///< + the pairwise contraction path (3+ operands) and the costs that chose it
  /// + the IR after every pass of the pipeline that lowers each kernel for contiguous operands
  /// ("passes"; "(unchanged)" where a pass did nothing): how the estimate's nest comes about
  Passes,
  Loops,    ///< + the loop nest the kernel runs
  LLVM,     ///< + the kernel's LLVM IR after the kernel pipeline
  Assembly, ///< + the kernel's assembly for this machine
};

/// One axis of a named tensor: "x[2]".
struct AxisRef {
  std::string tensor;
  std::size_t axis = 0;
};

/// What one index label does in a contraction.
struct LabelFacts {
  std::string label;
  std::string role; ///< "batch", "free", "contracted", "broadcast", … (ir::labelRoleName)
  std::int64_t extent = 0;
  std::vector<AxisRef> sites;            ///< the operand axes it indexes
  std::optional<std::size_t> outputAxis; ///< the output axis it indexes, if any
};

/// One reading of a call as a contraction (the current Keras one, or the legacy one).
struct ContractionFacts {
  std::string outputName;                   ///< "out"
  Shape outShape;                           ///< JSON "out_shape"
  std::string index;                        ///< "out[b,i,k] = sum_j x[b,i,j] * y[b,j,k]"
  std::string einsum;                       ///< "bij,bjk->bik"
  std::string numpy;                        ///< "np.einsum('bij,bjk->bik', x, y)"
  std::vector<LabelFacts> labels;           ///< JSON "roles" and "extents"
  std::vector<AxisRef> broadcast;           ///< unit operand axes broadcast against the others
  std::vector<std::size_t> unitOutputAxes;  ///< output axes of extent 1 that no operand gives
  std::vector<std::string> notes;           ///< the prologues (normalize, ravel), in words
  std::optional<std::int64_t> multiplyAdds; ///< empty when the count passes 2^63
};

/// How one Keras version reads a call: a contraction, or its refusal.
struct KerasReading {
  std::optional<ContractionFacts> result;
  std::string error; ///< when `result` is empty
};

/// For the calls whose meaning changed between Keras versions (K.batch_dot, keras.layers.Dot,
/// keras.layers.dot; docs/semantics.md §8.6): both readings, and which one the explanation's
/// `result` is.
struct BatchDotFacts {
  bool legacyChosen = false; ///< CallOptions::legacyBatchDot
  KerasReading current;
  KerasReading legacy;
  bool differs = true; ///< the readings compute different things (or one refuses)
};

/// A compiler stage's text: "path", "passes", "loops", "llvm", "asm", or "program" (the
/// IndexProgram).
struct ExplainedStage {
  std::string key;     ///< its JSON key
  std::string heading; ///< its heading in text(): "loops (contiguous operands)", "llvm (znver4)"
  std::string text;
};

struct OperandFacts {
  std::string name;
  Shape shape;
};

/// The explanation of one call on operand shapes and a dtype.
struct Explanation {
  std::string call;         ///< the call text as given
  std::string function;     ///< its canonical function ("K.batch_dot", "np.einsum")
  DType dtype = DType::f32; ///< of the operands, and of the output unless outputDtype says
  /// The output's dtype when it is not `dtype` (CallOptions::outputDtype): f32 for bf16 or f16.
  std::optional<DType> outputDtype;
  std::vector<OperandFacts> operands;
  ContractionFacts result;               ///< what the plan computes
  std::optional<BatchDotFacts> batchDot; ///< set only for calls Keras versions may read apart
  /// In order: "program" (from ExplainStage::Index on), then "path" (3+ operands), "loops",
  /// "llvm", "asm", as far as the stage asked for; or "program", "path", "passes" for
  /// ExplainStage::Passes.
  std::vector<ExplainedStage> stages;

  /// The stage of that key, or nullptr.
  const ExplainedStage* stage(const std::string& key) const;
  /// What `einjit explain` prints: aligned "key value" lines, then one "-- heading --" section
  /// per stage.
  std::string text() const;
  /// What `einjit explain --json` prints: one JSON object (keys in `einjit explain --help`).
  std::string json() const;
};

} // namespace einjit
