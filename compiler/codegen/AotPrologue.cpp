// The normalize prologue of ahead-of-time entry points. It computes exactly what the reference
// interpreter's normalize computes for f32 and c64 (the same sums in double, in the same order,
// one rounding at the end) and agrees to double precision for f64 and c128, whose reference sums
// in long double.
#include "codegen/AotPrologue.h"
#include "codegen/ElementOps.h"
#include "codegen/LLVMCodegen.h"

#include <llvm/IR/Intrinsics.h>

#include <functional>

namespace einjit::codegen {

namespace {

// Runs body(index) for index in [0, count), count >= 1 (the caller skips empty loops), as a
// bottom-tested loop; the body may open blocks of its own.
void emitLoop(llvm::IRBuilder<>& builder, std::int64_t count,
              const std::function<void(llvm::Value*)>& body) {
  llvm::Function* function = builder.GetInsertBlock()->getParent();
  llvm::LLVMContext& context = builder.getContext();
  llvm::BasicBlock* before = builder.GetInsertBlock();
  auto* loop = llvm::BasicBlock::Create(context, "prologue.loop", function);
  auto* after = llvm::BasicBlock::Create(context, "prologue.done", function);
  builder.CreateBr(loop);
  builder.SetInsertPoint(loop);
  llvm::PHINode* index = builder.CreatePHI(builder.getInt64Ty(), 2);
  index->addIncoming(builder.getInt64(0), before);
  body(index);
  llvm::Value* next = builder.CreateAdd(index, builder.getInt64(1), "", true, true);
  index->addIncoming(next, builder.GetInsertBlock());
  builder.CreateCondBr(builder.CreateICmpULT(next, builder.getInt64(count)), loop, after);
  builder.SetInsertPoint(after);
}

std::vector<std::int64_t> rowMajorStrides(const Shape& shape) {
  std::vector<std::int64_t> strides(shape.size(), 1);
  for (std::size_t d = shape.size(); d-- > 1;)
    strides[d - 1] = strides[d] * shape[d];
  return strides;
}

} // namespace

void emitNormalize(llvm::IRBuilder<>& builder, DType dtype, const AotNormalize& prologue,
                   llvm::Value* source, llvm::Value* sourceStrides, llvm::Value* target) {
  const Shape& shape = prologue.shape;
  auto axis = static_cast<std::size_t>(prologue.axis);
  if (isInteger(dtype) || isHalfPrecision(dtype) || axis >= shape.size())
    codegenFailure("aot", "cannot normalize a " + std::string(dtypeName(dtype)) +
                              " array of rank " + std::to_string(shape.size()) + " along axis " +
                              std::to_string(prologue.axis));
  std::int64_t fibres = 1;
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (d != axis)
      fibres *= shape[d];
  std::int64_t extent = shape[axis];
  if (fibres == 0 || extent == 0)
    return; // no element to normalize

  llvm::LLVMContext& context = builder.getContext();
  llvm::Type* component = componentTypeOf(context, dtype);
  llvm::Type* wide = builder.getDoubleTy();
  llvm::Type* i64 = builder.getInt64Ty();
  int components = isComplex(dtype) ? 2 : 1;
  std::vector<std::int64_t> targetStrides = rowMajorStrides(shape);
  std::vector<llvm::Value*> strides;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (sourceStrides)
      strides.push_back(builder.CreateLoad(i64, builder.CreateConstGEP1_64(i64, sourceStrides, d)));
    else
      strides.push_back(builder.getInt64(targetStrides[d]));
  }

  // The running sum lives in a stack slot of the entry block, which SROA turns into a register.
  llvm::Function* function = builder.GetInsertBlock()->getParent();
  llvm::IRBuilder<> entryBuilder(&function->getEntryBlock(), function->getEntryBlock().begin());
  llvm::AllocaInst* sum = entryBuilder.CreateAlloca(wide, nullptr, "normalize.sum");

  // Component c of the element `offset` elements past `base`.
  auto address = [&](llvm::Value* base, llvm::Value* offset, int c) {
    llvm::Value* index = builder.CreateMul(offset, builder.getInt64(components));
    return builder.CreateGEP(component, base, builder.CreateAdd(index, builder.getInt64(c)));
  };
  auto loadWide = [&](llvm::Value* offset, int c) {
    return builder.CreateFPExt(builder.CreateLoad(component, address(source, offset, c)), wide);
  };

  emitLoop(builder, fibres, [&](llvm::Value* fibre) {
    // The fibre's coordinates in C order over every dimension but the axis.
    llvm::Value* sourceBase = builder.getInt64(0);
    llvm::Value* targetBase = builder.getInt64(0);
    std::int64_t below = 1;
    for (std::size_t d = shape.size(); d-- > 0;) {
      if (d == axis)
        continue;
      llvm::Value* coordinate = builder.CreateURem(
          builder.CreateUDiv(fibre, builder.getInt64(below)), builder.getInt64(shape[d]));
      sourceBase = builder.CreateAdd(sourceBase, builder.CreateMul(coordinate, strides[d]));
      targetBase = builder.CreateAdd(
          targetBase, builder.CreateMul(coordinate, builder.getInt64(targetStrides[d])));
      below *= shape[d];
    }
    auto sourceAt = [&](llvm::Value* k) {
      return builder.CreateAdd(sourceBase, builder.CreateMul(k, strides[axis]));
    };
    builder.CreateStore(llvm::ConstantFP::get(wide, 0.0), sum);
    emitLoop(builder, extent, [&](llvm::Value* k) {
      llvm::Value* squares = builder.CreateLoad(wide, sum);
      for (int c = 0; c < components; ++c) {
        llvm::Value* value = loadWide(sourceAt(k), c);
        squares = builder.CreateFAdd(squares, builder.CreateFMul(value, value));
      }
      builder.CreateStore(squares, sum);
    });
    llvm::Value* norm =
        builder.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, builder.CreateLoad(wide, sum));
    // std::max(norm, epsilon) as the reference writes it: epsilon only when norm < epsilon.
    llvm::Value* epsilon = llvm::ConstantFP::get(wide, prologue.epsilon);
    llvm::Value* denominator =
        builder.CreateSelect(builder.CreateFCmpOLT(norm, epsilon), epsilon, norm);
    emitLoop(builder, extent, [&](llvm::Value* k) {
      llvm::Value* targetOffset = builder.CreateAdd(
          targetBase, builder.CreateMul(k, builder.getInt64(targetStrides[axis])));
      for (int c = 0; c < components; ++c) {
        llvm::Value* scaled = builder.CreateFDiv(loadWide(sourceAt(k), c), denominator);
        builder.CreateStore(builder.CreateFPTrunc(scaled, component),
                            address(target, targetOffset, c));
      }
    });
  });
}

} // namespace einjit::codegen
