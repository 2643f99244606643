// The two K.batch_dot lowerings (tf_keras / Keras 3, and the Keras <= 2.2.4 TF backend) shared by
// K.batch_dot and the Dot layer, which report errors under their own call names. Private to the
// Keras front end.
#pragma once

#include "frontend/Frontends.h"

#include <cstdint>
#include <string>

namespace einjit::frontend::keras {

/// Python's isinstance(value, int): bools count, as they do in every Keras type check.
inline bool isPythonInt(const PyValue& value) {
  return value.kind == PyValue::Kind::Int || value.kind == PyValue::Kind::Bool;
}
/// The integer value of an int or bool PyValue.
inline std::int64_t pythonIntValue(const PyValue& value) {
  return value.kind == PyValue::Kind::Bool ? (value.boolean ? 1 : 0) : value.integer;
}
/// Python's str(): a string prints without quotes, everything else as its repr.
inline std::string pythonStr(const PyValue& value) {
  return value.kind == PyValue::Kind::String ? value.text : value.repr();
}

/// tf_keras batch_dot (docs/semantics.md §8.1-§8.5) with every check in the library's order; error
/// messages start with `callName`.
ir::IndexProgram lowerCurrentBatchDot(const std::string& callName, const Arg& x, const Arg& y,
                                      const PyValue& axes, DType dtype);

/// The Keras <= 2.2.4 TensorFlow-backend batch_dot (docs/semantics.md §8.6): rank padding, the
/// rank-2 reduce_sum forms, tf.matmul with adjoint flags, squeeze and the (B, 1) expansion.
ir::IndexProgram lowerLegacyBatchDot(const std::string& callName, const Arg& x, const Arg& y,
                                     const PyValue& axes, DType dtype);

} // namespace einjit::frontend::keras
