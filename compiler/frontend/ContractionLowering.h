// Private to the numpy / TensorFlow / torch / keras.ops front ends: the two lowering cores they
// share (tensordot: free axes of a then of b; matmul: broadcast batch dims, 1-D promotion,
// transposed or conjugated operands), the shape texts their messages quote, and the per-library
// entry points that NumpyCalls.cpp dispatches to. Callers make their library's checks first.
#pragma once

#include "frontend/Frontends.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace einjit::frontend::detail {

// ---- tensordot ---------------------------------------------------------------------------------

/// One contracted pair: an axis of `a` and an axis of `b`, both normalised and in range.
struct AxisPair {
  std::size_t a = 0;
  std::size_t b = 0;
};

/// out[free axes of a…, free axes of b…] = Σ a[…] * b[…], each pair sharing one label. A pair
/// whose extents differ with one of them 1 (torch sums such a pair within the other operand)
/// reads the extent-1 side at literal 0. Verifies the program.
ir::IndexProgram lowerTensordot(const Arg& a, const Arg& b, const std::vector<AxisPair>& pairs,
                                DType dtype);

/// The elementwise product when `a` or `b` is 0-d (np.dot, np.inner): the output carries the
/// other operand's dimensions.
ir::IndexProgram lowerScalarProduct(const Arg& a, const Arg& b, DType dtype);

/// The axis lists of a tensordot `axes` argument before any normalisation, as the user wrote them.
struct RawAxes {
  std::vector<std::int64_t> a;
  std::vector<std::int64_t> b;
};

/// An int (Python bools count as ints, as in Python); nullopt for anything else.
std::optional<std::int64_t> pythonInt(const PyValue& value);
/// A list or tuple of ints; nullopt for anything else.
std::optional<std::vector<std::int64_t>> pythonIntList(const PyValue& value);
/// `axis` normalised by `rank` the way Python indexes a sequence; nullopt when out of range.
std::optional<std::size_t> pythonIndex(std::int64_t axis, std::size_t rank);
/// The first value that occurs twice in `axes`, if any.
std::optional<std::int64_t> firstDuplicate(const std::vector<std::int64_t>& axes);
/// The product of the extents of `shape` at `axes` (all in range).
std::int64_t extentProduct(const Shape& shape, const std::vector<std::size_t>& axes);

// ---- matmul ------------------------------------------------------------------------------------

/// How a matmul reads one operand.
struct MatmulOperand {
  const Arg* arg = nullptr;
  bool vector = false;     ///< 1-D: promoted to a matrix and the unit dimension dropped again
  bool transposed = false; ///< the last two dimensions swapped (tf.matmul transpose / adjoint)
  bool conj = false;       ///< read as its complex conjugate (tf.matmul adjoint)
};

/// The dimensions of a matmul operand before its last two (none for a vector).
Shape matmulBatch(const MatmulOperand& operand);
/// The extent `a` contracts: its last dimension (second-to-last when transposed).
std::int64_t innerExtentOfA(const MatmulOperand& a);
/// The extent `b` contracts: its second-to-last dimension (last when transposed; the only one for a
/// vector).
std::int64_t innerExtentOfB(const MatmulOperand& b);
/// The axis of `a` / `b` that innerExtentOfA / innerExtentOfB read.
std::size_t innerAxisOfA(const MatmulOperand& a);
std::size_t innerAxisOfB(const MatmulOperand& b);

/// Where two right-aligned batch shapes fail to broadcast: the axis in each operand.
struct BroadcastFailure {
  std::size_t axisA = 0;
  std::size_t axisB = 0;
  std::int64_t extentA = 0;
  std::int64_t extentB = 0;
};
/// NumPy broadcasting of two batch shapes (right-aligned, extent 1 stretches). `rightmostFirst`
/// picks which failure to report when several axes fail (torch reports the rightmost).
std::optional<BroadcastFailure> batchBroadcastFailure(const Shape& a, const Shape& b,
                                                      bool rightmostFirst = false);
/// The broadcast of two batch shapes that batchBroadcastFailure accepts.
Shape broadcastBatch(const Shape& a, const Shape& b);

/// out[batch…, n, m] = Σ_k a[batch…, n, k] * b[batch…, k, m] with 1-D promotion, transposes,
/// conj and literal 0 for extent-1 batch dims that broadcast. Inner extents must be equal and the
/// batch shapes must broadcast. Verifies the program.
ir::IndexProgram lowerMatmul(const MatmulOperand& a, const MatmulOperand& b, DType dtype);

// ---- message texts -----------------------------------------------------------------------------

/// numpy's shape text in error messages: "(3,4,5,2)", "(2,)", "()".
std::string numpyShapeText(const Shape& shape);
/// TensorFlow's shape text: "[2,3,4]".
std::string tensorflowShapeText(const Shape& shape);
/// A Python list of extents: "[2, 3]".
std::string pythonListText(const Shape& shape);
/// "a.shape[2]".
std::string axisRef(const Arg& arg, std::size_t axis);
/// "a.shape[1] != b.shape[0] (3 != 4)".
std::string extentMismatch(const Arg& a, std::size_t axisA, const Arg& b, std::size_t axisB);
/// "a (shape (2, 3))".
std::string describe(const Arg& arg);
/// "[1, 2]" for an axis list.
std::string axisListText(const std::vector<std::int64_t>& axes);

// ---- per-library entry points (NumpyCalls.cpp dispatches on Library) ----------------------------

ir::IndexProgram numpyTensordot(const Arg& a, const Arg& b, const PyValue& axes, DType dtype);
ir::IndexProgram kerasOpsTensordot(const Arg& a, const Arg& b, const PyValue& axes, DType dtype);
ir::IndexProgram tensorflowTensordot(const Arg& a, const Arg& b, const PyValue& axes, DType dtype);
ir::IndexProgram torchTensordot(const Arg& a, const Arg& b, const PyValue& axes, DType dtype);

ir::IndexProgram numpyMatmul(const Arg& a, const Arg& b, DType dtype);
ir::IndexProgram kerasOpsMatmul(const Arg& a, const Arg& b, DType dtype);
ir::IndexProgram torchMatmul(const Arg& a, const Arg& b, DType dtype);

/// torch.outer's own check: both operands 1-D.
void checkTorchOuterOperands(const Arg& a, const Arg& b);

} // namespace einjit::frontend::detail
