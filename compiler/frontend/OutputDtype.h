// The dtype of a call's output when the caller asks for one (CallOptions::outputDtype): the one
// rule the Engine (outputDtypeOf) and the reference call (ReferenceCall) both apply.
#pragma once

#include "einjit/dtype.h"

#include <optional>

namespace einjit::frontend {

/// `dtype` when nothing is asked or the operands' dtype is; f32 for bf16 and f16 operands when
/// f32 is asked; Error(Argument) for anything else (einjit does not promote).
DType outputDtypeFor(DType dtype, std::optional<DType> asked);

} // namespace einjit::frontend
