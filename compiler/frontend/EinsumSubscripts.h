// The einsum subscripts string as parsed and as expanded against the operands' shapes, shared by
// the parsers (EinsumParse.cpp: numpy's C grammar and torch's; EinsumTensorflowParse.cpp:
// tf.einsum's and keras.ops.einsum's), the dialects' shape checks and the lowering (Einsum.cpp).
#pragma once

#include "frontend/Frontends.h"

#include "einjit/error.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace einjit::frontend {

/// One term of the string: the subscripts of an operand, or of the output.
struct EinsumTerm {
  std::string labels;               ///< the letters in order, without '...' and spaces
  std::vector<std::size_t> columns; ///< column of each letter in the subscripts string
  /// How many letters precede '...', when the term has one.
  std::optional<std::size_t> ellipsis;
  std::size_t ellipsisColumn = 0;
  SourceSpan span; ///< the columns of the whole term
};

struct EinsumSubscripts {
  std::string text;
  std::vector<EinsumTerm> inputs;   ///< one per operand
  std::optional<EinsumTerm> output; ///< absent in implicit mode (no '->')
  /// tf.einsum / keras.ops.einsum: `output` was worked out from the inputs, the string has no
  /// '->'. (Their implicit output differs from numpy's, so their parser writes it out.)
  bool impliedOutput = false;
  /// keras.ops.einsum: the letters whose extent-1 dimensions broadcast, because Keras computes
  /// these subscripts (`matmulForm`, renamed) with tf.matmul, which broadcasts batch dimensions.
  std::string matmulBatchLabels;
  /// keras.ops.einsum: batch letters whose extent 1 broadcasts in the second operand only (the
  /// reshapes of Keras's 5-d matmul forms give a wrong result when the first operand has it).
  std::string matmulSecondOnlyBatchLabels;
  std::string matmulForm; ///< keras.ops.einsum: the renamed string when it is a matmul form
  /// tf.einsum / keras.ops.einsum: the string as the library's messages quote it (Keras's
  /// renamed one).
  std::string libraryText;
};

/// Parses `text` as numpy's C implementation does, checking in numpy's order the characters,
/// the number of terms, each term against its operand's rank and the output term.
EinsumSubscripts parseNumpyEinsum(std::string_view text, const std::vector<Arg>& operands);
/// Parses `text` as torch.einsum does, with torch's messages and order of checks.
EinsumSubscripts parseTorchEinsum(std::string_view text, const std::vector<Arg>& operands);
/// Parses `text` as tf.einsum does (dialect Tensorflow) or as keras.ops.einsum does (KerasOps:
/// the labels renamed first), with their messages; the output term is always filled in.
EinsumSubscripts parseTensorflowEinsum(std::string_view text, const std::vector<Arg>& operands,
                                       EinsumDialect dialect);

/// "operand 1 (y)": how messages name an operand.
std::string einsumOperandText(const std::vector<Arg>& operands, std::size_t index);
/// The span of the '.' run that starts at `column` (at most three dots), for '...' errors.
SourceSpan einsumDotSpan(std::string_view text, std::size_t column, std::size_t end);
/// How a dialect's messages start: "einsum: ", "einsum(): ", "tf.einsum: ", "keras.ops.einsum: ".
std::string einsumMessagePrefix(EinsumDialect dialect);

inline constexpr std::size_t kNoEinsumSlot = static_cast<std::size_t>(-1);

/// One dimension of an operand or of the output: a letter, or a slot of the broadcast dims that
/// '...' stands for (slots are numbered left to right over the widest '...').
struct EinsumDim {
  char label = 0;
  std::size_t slot = kNoEinsumSlot;
  SourceSpan span; ///< where the string names it: the letter, or the whole '...'

  bool isSlot() const { return slot != kNoEinsumSlot; }
  bool operator==(const EinsumDim& other) const {
    return label == other.label && slot == other.slot;
  }
};

/// Every operand dimension and output dimension as a letter or a broadcast slot.
struct ExpandedEinsum {
  std::vector<std::vector<EinsumDim>> inputs; ///< one EinsumDim per operand dimension
  std::vector<EinsumDim> output;
  std::size_t slotCount = 0;
};

/// Expands '...' into right-aligned broadcast slots; each term must fit its operand's rank.
/// Without an output term, the output is numpy's implicit one.
ExpandedEinsum expandEinsum(const EinsumSubscripts& parsed, const std::vector<Arg>& operands);

/// tf.einsum's rank checks and its extent check of every letter, in TensorFlow's order; no
/// extent-1 broadcasting except keras.ops.einsum's matmul batch labels. Runs before expansion.
void checkTensorflowLabels(const EinsumSubscripts& parsed, const std::vector<Arg>& operands,
                           EinsumDialect dialect);
/// tf.einsum's checks of the broadcast dims: the output must keep them, and they must broadcast.
void checkTensorflowBroadcast(const EinsumSubscripts& parsed, const ExpandedEinsum& dims,
                              const std::vector<Arg>& operands, EinsumDialect dialect);

} // namespace einjit::frontend
