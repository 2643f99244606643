// The numpy einsum of a lowered program, for front ends that describe what they compiled (the
// header `einjit compile` writes).
#pragma once

#include "ir/IndexProgram.h"

#include <string>

namespace einjit::driver {

/// The subscripts of the einsum that computes `program` ("bij,bjk->bik"), whatever call it was
/// lowered from (ir::equivalentEinsum).
std::string einsumSubscripts(const ir::IndexProgram& program);

} // namespace einjit::driver
