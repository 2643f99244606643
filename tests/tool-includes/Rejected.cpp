// Not built: a tool source that breaks tools/README.md's rule, so the tool-includes-rejects test
// can see scripts/check-tool-includes.sh name its bad lines and none of the good ones.
#include "Rejected.h"
#include "driver/PassRunner.h"
#include "einjit/engine.h"
#include "ir/IndexProgram.h"
#include "support/Format.h"

#include <llvm/IR/Module.h>
#include <vector>

namespace einjit::cli {

using namespace einjit::passes;
namespace cg = codegen;
const char* const kLinkHint = "CMake einjit::rt";
std::string joined = support::join({driver::passLog}, ", ");
std::string text = ir::toString(program);
std::int32_t ok = einjit::runtime::kStatusOk;

} // namespace einjit::cli
