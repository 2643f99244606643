// IndexProgram: the one index-notation IR every front-end call lowers to,
//   out[o…] = Σ_{s…} Π_t f_t(A_t[e…])
// with labels or literal 0 as index expressions, per-operand conj, and the prologues
// (normalize, ravel) that two front-end ops need. Printable and parseable (IndexProgramText.cpp).
#pragma once

#include "einjit/dtype.h"
#include "einjit/tensor.h"

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace einjit::ir {

/// One index expression of an operand or of the output: a label, or the literal 0 (a dimension
/// of extent 1 that is broadcast, or a constant unit output dimension).
struct Index {
  std::string label; ///< empty means literal 0

  static Index zero() { return Index{}; }
  static Index of(std::string name) { return Index{std::move(name)}; }
  bool isZero() const { return label.empty(); }
  bool operator==(const Index&) const = default;
};

/// An input as the user passes it: its name, its shape as given, the index expression of each of
/// its dimensions after the prologues, and whether the statement reads its complex conjugate.
struct Operand {
  std::string name;
  Shape shape;                ///< as passed by the user (before prologues)
  std::vector<Index> indices; ///< one per dimension of the operand after prologues
  bool conj = false;
  bool operator==(const Operand&) const = default;
};

enum class PrologueKind {
  /// operand := operand / max(‖operand‖₂ along `axis`, epsilon)   (Keras Dot(normalize=True))
  Normalize,
  /// operand := operand reshaped to 1-D in C order                 (np.outer)
  Ravel,
};

/// A transformation of one operand applied before the contraction, in program order.
struct Prologue {
  PrologueKind kind = PrologueKind::Normalize;
  std::size_t operand = 0; ///< index into IndexProgram::operands
  int axis = 0;            ///< Normalize: the operand dimension normalised along
  double epsilon = 1e-7;   ///< Normalize: the floor of the norm
  bool operator==(const Prologue&) const = default;
};

/// A whole contraction: out[output…] = Σ_{labels not in output} Π_t operand_t[indices_t…].
struct IndexProgram {
  DType dtype = DType::f32; ///< of every operand, and of the output unless outputDtype says
  /// The output's dtype when it is not `dtype`: f32 for bf16 or f16 operands (the f32 sums
  /// stored unrounded, as oneMKL's gemm_bf16bf16f32), or bf16 or f16 for f32 operands (the sums
  /// rounded once: how a 16-bit path's f32 result reaches its output, driver/ContractionPlan.h).
  /// Printed as a declaration "out: f32".
  std::optional<DType> outputDtype;
  std::vector<Operand> operands;
  std::vector<Prologue> prologues;
  std::vector<Index> output;
  std::string outputName = "out";

  /// The output's dtype: outputDtype, else dtype.
  DType resultDtype() const { return outputDtype.value_or(dtype); }
  /// Shape of operand t as the statement reads it (after any ravel prologue).
  Shape operandShape(std::size_t t) const;
  /// Extent of every label (the extent of its occurrences, which the verifier keeps equal).
  std::map<std::string, std::int64_t> labelExtents() const;
  /// Output shape: label extents, 1 for a literal 0.
  Shape outputShape() const;
  /// Every label in order of first appearance: output first, then operands left to right.
  std::vector<std::string> labels() const;
  /// Labels summed over (absent from the output), in order of first appearance in the operands.
  std::vector<std::string> summedLabels() const;

  bool operator==(const IndexProgram&) const = default;
};

/// The full deterministic text: declarations, prologues, statement. Parses back with
/// parseIndexProgram to an equal program.
std::string toString(const IndexProgram& program);
std::ostream& operator<<(std::ostream& os, const IndexProgram& program);
/// The statement line alone, e.g. "out[b,i,j] = sum_k x[b,i,k] * y[b,j,k]".
std::string statementText(const IndexProgram& program);
/// Reads the text toString writes. Throws Error(Syntax) with the line and column on bad text, and
/// Error(Syntax, "the program is inconsistent: …") with verify's finding on a text that parses
/// but does not make a valid program.
IndexProgram parseIndexProgram(std::string_view text);
/// Checks the invariants every pass may rely on: index count equals operand rank after
/// prologues, each label has one extent, literal-0 dims have extent 1, output labels are unique
/// and appear in some operand, prologue operands and axes are in range, labels are identifiers.
/// Throws Error(Internal) naming the broken invariant: a front end that produced it has a bug.
void verify(const IndexProgram& program);

} // namespace einjit::ir
