// Machine code from an optimized module: an object file for the JIT (and ahead-of-time use) or
// assembly text for `explain --emit=asm`.
#include "codegen/LLVMCodegen.h"

#include <llvm/ADT/SmallVector.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/Support/raw_ostream.h>

namespace einjit::codegen {

std::string emitMachineCode(llvm::Module& module, llvm::TargetMachine& machine,
                            llvm::CodeGenFileType type) {
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream stream(buffer);
  // The legacy pass manager: LLVM 19's back end still runs on it.
  llvm::legacy::PassManager passes;
  if (machine.addPassesToEmitFile(passes, stream, nullptr, type))
    codegenFailure("emit", "the target machine cannot emit this file type");
  passes.run(module);
  return std::string(buffer.begin(), buffer.end());
}

} // namespace einjit::codegen
