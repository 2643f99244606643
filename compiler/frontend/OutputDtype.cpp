#include "frontend/OutputDtype.h"

#include "einjit/error.h"

#include <string>

namespace einjit::frontend {

DType outputDtypeFor(DType dtype, std::optional<DType> asked) {
  if (!asked || *asked == dtype)
    return dtype;
  if (*asked != DType::f32 || !isHalfPrecision(dtype))
    throw Error(ErrorKind::Argument,
                "output dtype " + std::string(dtypeName(*asked)) + " for " +
                    std::string(dtypeName(dtype)) +
                    " operands: the output has the operands' dtype, or f32 for bf16 and f16 "
                    "operands (einjit does not promote)");
  return DType::f32;
}

} // namespace einjit::frontend
