// The counted loop every kernel builder emits: a header with the induction variable's phi and
// the exit test, the body, and a latch that steps it.
#include "codegen/LLVMCodegen.h"

namespace einjit::codegen {

void emitSteppedLoop(llvm::IRBuilder<>& builder, llvm::Value* begin, llvm::Value* end,
                     const std::function<llvm::Value*(llvm::Value*)>& body,
                     llvm::MDNode* loopMetadata) {
  llvm::Function* function = builder.GetInsertBlock()->getParent();
  llvm::LLVMContext& context = function->getContext();
  llvm::BasicBlock* preheader = builder.GetInsertBlock();
  auto* header = llvm::BasicBlock::Create(context, "loop", function);
  auto* bodyBlock = llvm::BasicBlock::Create(context, "body", function);
  auto* exit = llvm::BasicBlock::Create(context, "exit", function);
  builder.CreateBr(header);
  builder.SetInsertPoint(header);
  llvm::PHINode* iv = builder.CreatePHI(builder.getInt64Ty(), 2);
  iv->addIncoming(begin, preheader);
  builder.CreateCondBr(builder.CreateICmpSLT(iv, end), bodyBlock, exit);
  builder.SetInsertPoint(bodyBlock);
  llvm::Value* step = body(iv);
  llvm::Value* next = builder.CreateAdd(iv, step, "", false, true);
  iv->addIncoming(next, builder.GetInsertBlock());
  llvm::BranchInst* latch = builder.CreateBr(header);
  if (loopMetadata)
    latch->setMetadata(llvm::LLVMContext::MD_loop, loopMetadata);
  builder.SetInsertPoint(exit);
}

void emitCountedLoop(llvm::IRBuilder<>& builder, llvm::Value* begin, llvm::Value* end,
                     std::int64_t step, const std::function<void(llvm::Value*)>& body,
                     llvm::MDNode* loopMetadata) {
  emitSteppedLoop(
      builder, begin, end,
      [&](llvm::Value* iv) -> llvm::Value* {
        body(iv);
        return builder.getInt64(step);
      },
      loopMetadata);
}

} // namespace einjit::codegen
