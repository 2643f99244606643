// Not built: a tool source that breaks tools/README.md's include rule, so the tool-includes-rejects
// test can see scripts/check-tool-includes.sh name its two bad lines and none of the good ones.
#include "Rejected.h"
#include "driver/PassRunner.h"
#include "einjit/engine.h"
#include "ir/IndexProgram.h"
#include "support/Format.h"

#include <llvm/IR/Module.h>
#include <vector>
