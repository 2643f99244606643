// Every front-end call einjit accepts, as C++ functions: each takes the operands' names and
// shapes (and the call's arguments), makes every check the library makes (docs/semantics.md), and
// lowers to an IndexProgram. Errors are einjit::Error naming the operand, axis and extents.
#pragma once

#include "frontend/PyValue.h"
#include "ir/IndexProgram.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace einjit::frontend {

/// One operand as the user names it.
struct Arg {
  std::string name;
  Shape shape;
};

/// Default operand names: x, y for two operands; x, y, z for three; x0, x1, … beyond.
std::vector<std::string> defaultOperandNames(std::size_t count);

// ---- limits on hostile input (docs/LIMITS.md; the values are in einjit/tensor.h) -------------

/// Throws Error(Resource), the caret past the limit, when `text` is longer than
/// limits::maxTextLength; `what` names the text in the message ("einsum", "call text").
void checkTextLength(std::string_view text, const std::string& what);
/// Throws Error(Resource) for more than limits::maxOperands operands or an operand of rank past
/// limits::maxRank, Error(Shape) naming the operand and axis for a negative extent or an element
/// count past 64 bits. `who` starts the message ("einsum", "np.tensordot").
void checkOperandLimits(const std::vector<Arg>& operands, const std::string& who);
/// Throws Error(Shape) naming the output when its element count overflows 64 bits (an outer
/// product of two large operands), Error(Resource) when its rank passes limits::maxRank.
void checkOutputSize(const ir::IndexProgram& program, const std::string& who);

// ---- einsum (docs/semantics.md §2) --------------------------------------------------------------

/// Whose rules: numpy's C implementation (the spec's default) or torch.einsum (ellipsis dims may
/// be left out of an explicit output and are then summed; torch's own error texts).
/// Tensorflow is tf.einsum: spaces are dropped first; the implicit output puts '...' first only
/// when exactly one operand has it (otherwise broadcast dims are an error); a labelled dimension
/// of extent 1 does not broadcast. KerasOps is keras.ops.einsum on the TensorFlow backend: the
/// labels are renamed in order of first appearance (so the implicit output follows that order),
/// then tf.einsum's rules, except that the subscripts Keras computes with tf.matmul broadcast
/// their batch labels.
enum class EinsumDialect { Numpy, Torch, Tensorflow, KerasOps };

/// einsum(subscripts, *operands). Errors in the string carry the string and the column span.
ir::IndexProgram einsum(std::string_view subscripts, const std::vector<Arg>& operands, DType dtype,
                        EinsumDialect dialect = EinsumDialect::Numpy);

/// The sublist form einsum(op0, sublist0, op1, sublist1, …, [output]): each sublist holds
/// PyValue ints in [0, 52) or Ellipsis. `output` absent means implicit mode.
ir::IndexProgram einsumSublist(const std::vector<Arg>& operands,
                               const std::vector<PyValue>& sublists,
                               const std::optional<PyValue>& output, DType dtype,
                               EinsumDialect dialect = EinsumDialect::Numpy);

// ---- numpy / tensorflow / torch / keras.ops calls (docs/semantics.md §3–§7) ---------------------

/// Which library's rules a call follows where they differ.
enum class Library { Numpy, Tensorflow, Torch, KerasOps };

/// tensordot(a, b, axes): `axes` is an int N, a pair of ints, or a pair of int sequences, as the
/// library accepts it (torch rejects a pair of ints; numpy takes a negative N as 0; …).
ir::IndexProgram tensordot(Library library, const Arg& a, const Arg& b, const PyValue& axes,
                           DType dtype);
/// np.dot / keras.ops.dot (docs/semantics.md §4.1).
ir::IndexProgram npDot(const Arg& a, const Arg& b, DType dtype);
/// np.inner / torch.inner (§5.1).
ir::IndexProgram npInner(const Arg& a, const Arg& b, DType dtype);
/// np.outer / torch.outer (§5.2): ravel prologues; torch requires 1-D operands.
ir::IndexProgram npOuter(Library library, const Arg& a, const Arg& b, DType dtype);
/// np.matmul / `@` / torch.matmul / keras.ops.matmul (§6.1), with that library's messages.
ir::IndexProgram matmul(Library library, const Arg& a, const Arg& b, DType dtype);

struct TfMatmulFlags {
  bool transposeA = false;
  bool transposeB = false;
  bool adjointA = false;
  bool adjointB = false;
};
/// tf.matmul / tf.linalg.matmul (§6.2): rank ≥ 2, NumPy-broadcast batch, conj for adjoints.
ir::IndexProgram tfMatmul(const Arg& a, const Arg& b, const TfMatmulFlags& flags, DType dtype);
/// torch.bmm (§7).
ir::IndexProgram torchBmm(const Arg& a, const Arg& b, DType dtype);

// ---- Keras (docs/semantics.md §4.2, §8, §9) -----------------------------------------------------

/// K.dot(x, y) as tf_keras computes it (np.dot rule for rank > 2; tf.matmul for ranks ≤ 2).
ir::IndexProgram kerasDot(const Arg& x, const Arg& y, DType dtype);

/// Which batch_dot: tf_keras / Keras 3 (the spec), or the Keras ≤ 2.2.4 TF backend (§8.6).
enum class BatchDotSemantics { Current, Legacy };

/// K.batch_dot(x, y, axes): axes None, an int, or a pair of ints (§8.1).
ir::IndexProgram kerasBatchDot(const Arg& x, const Arg& y, const PyValue& axes, DType dtype,
                               BatchDotSemantics semantics = BatchDotSemantics::Current);

struct DotLayerOptions {
  bool normalize = false;
  double epsilon = 1e-7; ///< Keras 3 default; 1e-6 reproduces tf_keras, sqrt(1e-7) Theano
  BatchDotSemantics semantics = BatchDotSemantics::Current;
};
/// keras.layers.Dot(axes, normalize)(inputs) and keras.layers.dot(inputs, axes): `inputs` must
/// be exactly two (the layer's own check); axes an int or a pair (§9.2).
ir::IndexProgram kerasDotLayer(const std::vector<Arg>& inputs, const PyValue& axes,
                               const DotLayerOptions& options, DType dtype);

} // namespace einjit::frontend
