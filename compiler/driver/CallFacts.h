// The facts of an explanation (include/einjit/explain.h) that reading a call gives, before any
// compiler stage: what its program computes, in the words of index notation, numpy and Keras.
#pragma once

#include "einjit/explain.h"
#include "frontend/CallText.h"
#include "ir/IndexProgram.h"

namespace einjit::driver {

/// What `program` computes: output, index statement, einsum, numpy equivalent, label roles,
/// notes and multiply-adds.
ContractionFacts contractionFacts(const ir::IndexProgram& program);

/// The call-level facts of `lowered`, whose program is the reading chosen (no batchDot facts).
Explanation callFacts(const frontend::LoweredCall& lowered);

/// The facts of a plan made without call text (an einsum, an IndexProgram): the program itself,
/// called as its equivalent np.einsum.
Explanation programFacts(const ir::IndexProgram& program);

/// Whether two programs compute the same contraction up to the names of their labels (the two
/// Keras readings of a call may differ only there).
bool sameContraction(const ir::IndexProgram& a, const ir::IndexProgram& b);

} // namespace einjit::driver
