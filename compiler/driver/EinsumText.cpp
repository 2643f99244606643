#include "driver/EinsumText.h"

#include "ir/Explain.h"

namespace einjit::driver {

std::string einsumSubscripts(const ir::IndexProgram& program) {
  return ir::equivalentEinsum(program).subscripts;
}

} // namespace einjit::driver
