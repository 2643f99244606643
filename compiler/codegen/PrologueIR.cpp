// The prologues as LLVM IR. A normalize computes exactly what the reference interpreter's does for
// f32, c64, bf16 and f16 (the same sums in double, in the same order, one rounding at the end)
// and agrees to double precision for f64 and c128, whose reference sums in long double.
#include "codegen/PrologueIR.h"
#include "codegen/ElementOps.h"
#include "codegen/LLVMCodegen.h"

#include <llvm/IR/Intrinsics.h>

#include <functional>

namespace einjit::codegen {

namespace {

std::vector<std::int64_t> rowMajorStrides(const Shape& shape) {
  std::vector<std::int64_t> strides(shape.size(), 1);
  for (std::size_t d = shape.size(); d-- > 1;)
    strides[d - 1] = strides[d] * shape[d];
  return strides;
}

/// The source's stride of every dimension: loaded from `sourceStrides`, or the row-major ones.
std::vector<llvm::Value*> sourceStridesOf(llvm::IRBuilder<>& builder, const Shape& shape,
                                          llvm::Value* sourceStrides) {
  std::vector<std::int64_t> contiguous = rowMajorStrides(shape);
  llvm::Type* i64 = builder.getInt64Ty();
  std::vector<llvm::Value*> strides;
  for (std::size_t d = 0; d < shape.size(); ++d)
    strides.push_back(sourceStrides ? static_cast<llvm::Value*>(builder.CreateLoad(
                                          i64, builder.CreateConstGEP1_64(i64, sourceStrides, d)))
                                    : builder.getInt64(contiguous[d]));
  return strides;
}

/// Runs body(sourceOffset, targetOffset) for every index of the dimensions `dims` of `shape`, in C
/// order, as nested loops: the offsets (in elements) start at the given ones and step by
/// sourceStrides[d] and targetStrides[d].
void forEachIndex(llvm::IRBuilder<>& builder, const Shape& shape,
                  const std::vector<std::size_t>& dims, std::size_t first,
                  const std::vector<llvm::Value*>& sourceStrides,
                  const std::vector<std::int64_t>& targetStrides, llvm::Value* sourceOffset,
                  llvm::Value* targetOffset,
                  const std::function<void(llvm::Value*, llvm::Value*)>& body) {
  if (first == dims.size()) {
    body(sourceOffset, targetOffset);
    return;
  }
  std::size_t d = dims[first];
  emitCountedLoop(builder, builder.getInt64(0), builder.getInt64(shape[d]), 1, [&](llvm::Value* i) {
    forEachIndex(
        builder, shape, dims, first + 1, sourceStrides, targetStrides,
        builder.CreateAdd(sourceOffset, builder.CreateMul(i, sourceStrides[d])),
        builder.CreateAdd(targetOffset, builder.CreateMul(i, builder.getInt64(targetStrides[d]))),
        body);
  });
}

/// `value` (a double) rounded to a float with round-to-odd: an inexact result is truncated
/// towards zero and its last bit set, so the float's rounding to bf16 or f16 afterwards is the
/// correctly rounded value (no double rounding), as the reference's narrowing computes it.
llvm::Value* roundToOddFloat(llvm::IRBuilder<>& builder, llvm::Value* value) {
  llvm::Type* f32 = builder.getFloatTy();
  llvm::Type* i32 = builder.getInt32Ty();
  llvm::Value* nearest = builder.CreateFPTrunc(value, f32);
  llvm::Value* back = builder.CreateFPExt(nearest, builder.getDoubleTy());
  // Exact (or NaN, unordered): the nearest float is the value.
  llvm::Value* keep = builder.CreateFCmpUEQ(back, value);
  // Rounded away from zero: one float towards zero is the truncation (nearest is not zero then).
  llvm::Value* away =
      builder.CreateFCmpOGT(builder.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, back),
                            builder.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, value));
  llvm::Value* bits = builder.CreateBitCast(nearest, i32);
  llvm::Value* truncated =
      builder.CreateSelect(away, builder.CreateSub(bits, builder.getInt32(1)), bits);
  llvm::Value* odd = builder.CreateBitCast(builder.CreateOr(truncated, builder.getInt32(1)), f32);
  return builder.CreateSelect(keep, nearest, odd);
}

/// A double as the component type the dtype computes in: rounded once (to odd for bf16 and f16,
/// whose store rounds the float to nearest even).
llvm::Value* narrowFromDouble(llvm::IRBuilder<>& builder, DType dtype, llvm::Value* value,
                              llvm::Type* component) {
  if (isHalfPrecision(dtype))
    return roundToOddFloat(builder, value);
  return component->isDoubleTy() ? value : builder.CreateFPTrunc(value, component);
}

/// Copies the array of `shape` at `source` (strides `strides`) to `target` in C order, contiguous:
/// the bits of each component as stored.
void emitCopy(llvm::IRBuilder<>& builder, ElementOps& ops, const Shape& shape,
              const std::vector<llvm::Value*>& strides, llvm::Value* source, llvm::Value* target) {
  std::vector<std::size_t> dims(shape.size());
  for (std::size_t d = 0; d < dims.size(); ++d)
    dims[d] = d;
  int components = ops.isComplex() ? 2 : 1;
  llvm::Type* storage = ops.storageType();
  auto address = [&](llvm::Value* base, llvm::Value* offset, int c) {
    llvm::Value* index = builder.CreateMul(offset, builder.getInt64(components));
    return builder.CreateGEP(storage, base, builder.CreateAdd(index, builder.getInt64(c)));
  };
  forEachIndex(builder, shape, dims, 0, strides, rowMajorStrides(shape), builder.getInt64(0),
               builder.getInt64(0), [&](llvm::Value* from, llvm::Value* to) {
                 for (int c = 0; c < components; ++c)
                   builder.CreateStore(builder.CreateLoad(storage, address(source, from, c)),
                                       address(target, to, c));
               });
}

void emitNormalizeWith(llvm::IRBuilder<>& builder, ElementOps& ops, const Shape& shape, int axis,
                       double epsilon, const std::vector<llvm::Value*>& strides,
                       llvm::Value* source, llvm::Value* target) {
  DType dtype = ops.dtype();
  auto along = static_cast<std::size_t>(axis);
  if (isInteger(dtype) || axis < 0 || along >= shape.size())
    codegenFailure("prologue", "cannot normalize a " + std::string(dtypeName(dtype)) +
                                   " array of rank " + std::to_string(shape.size()) +
                                   " along axis " + std::to_string(axis));
  std::int64_t extent = shape[along];
  std::vector<std::size_t> fibreDims;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (d == along)
      continue;
    if (shape[d] == 0)
      return; // no element to normalize
    fibreDims.push_back(d);
  }
  if (extent == 0)
    return;

  llvm::Type* wide = builder.getDoubleTy();
  llvm::Type* component = ops.componentType();
  std::vector<std::int64_t> targetStrides = rowMajorStrides(shape);
  // The running sum lives in a stack slot of the entry block, which SROA turns into a register.
  llvm::Function* function = builder.GetInsertBlock()->getParent();
  llvm::IRBuilder<> entryBuilder(&function->getEntryBlock(), function->getEntryBlock().begin());
  llvm::AllocaInst* sum = entryBuilder.CreateAlloca(wide, nullptr, "normalize.sum");
  auto widen = [&](llvm::Value* value) {
    return component->isDoubleTy() ? value : builder.CreateFPExt(value, wide);
  };
  auto square = [&](llvm::Value* value) { return builder.CreateFMul(value, value); };

  forEachIndex(
      builder, shape, fibreDims, 0, strides, targetStrides, builder.getInt64(0),
      builder.getInt64(0), [&](llvm::Value* sourceBase, llvm::Value* targetBase) {
        auto sourceAt = [&](llvm::Value* k) {
          return builder.CreateAdd(sourceBase, builder.CreateMul(k, strides[along]));
        };
        builder.CreateStore(llvm::ConstantFP::get(wide, 0.0), sum);
        emitCountedLoop(
            builder, builder.getInt64(0), builder.getInt64(extent), 1, [&](llvm::Value* k) {
              Element value = ops.load(source, sourceAt(k), 1, nullptr);
              // |x|² as std::norm computes it: re² + im², then added to the sum.
              llvm::Value* norm = square(widen(value.re));
              if (value.im)
                norm = builder.CreateFAdd(norm, square(widen(value.im)));
              builder.CreateStore(builder.CreateFAdd(builder.CreateLoad(wide, sum), norm), sum);
            });
        llvm::Value* norm =
            builder.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, builder.CreateLoad(wide, sum));
        // std::max(norm, epsilon) as the reference writes it: epsilon only when norm < epsilon.
        llvm::Value* floor = llvm::ConstantFP::get(wide, epsilon);
        llvm::Value* denominator =
            builder.CreateSelect(builder.CreateFCmpOLT(norm, floor), floor, norm);
        auto scaled = [&](llvm::Value* part) {
          return narrowFromDouble(builder, dtype, builder.CreateFDiv(widen(part), denominator),
                                  component);
        };
        emitCountedLoop(
            builder, builder.getInt64(0), builder.getInt64(extent), 1, [&](llvm::Value* k) {
              Element value = ops.load(source, sourceAt(k), 1, nullptr);
              Element result{scaled(value.re), value.im ? scaled(value.im) : nullptr};
              llvm::Value* targetOffset = builder.CreateAdd(
                  targetBase, builder.CreateMul(k, builder.getInt64(targetStrides[along])));
              ops.store(result, target, targetOffset, 1, nullptr);
            });
      });
}

} // namespace

void emitNormalize(llvm::IRBuilder<>& builder, DType dtype, const Shape& shape, int axis,
                   double epsilon, llvm::Value* source, llvm::Value* sourceStrides,
                   llvm::Value* target, const llvm::TargetMachine& machine) {
  ElementOps ops(builder, dtype, machine);
  emitNormalizeWith(builder, ops, shape, axis, epsilon,
                    sourceStridesOf(builder, shape, sourceStrides), source, target);
}

void emitOperandPrologue(llvm::IRBuilder<>& builder, DType dtype, const Shape& shape,
                         const std::vector<ir::Prologue>& steps, llvm::Value* source,
                         llvm::Value* sourceStrides, llvm::Value* target,
                         const llvm::TargetMachine& machine) {
  ElementOps ops(builder, dtype, machine);
  std::vector<llvm::Value*> strides = sourceStridesOf(builder, shape, sourceStrides);
  // The shape the next step sees, and whether `target` holds the operand yet.
  Shape current = shape;
  bool staged = false;
  for (const ir::Prologue& step : steps) {
    if (step.kind == ir::PrologueKind::Ravel) {
      if (!staged)
        emitCopy(builder, ops, current, strides, source, target);
      staged = true;
      std::int64_t elements = 1;
      for (std::int64_t extent : current)
        elements *= extent;
      current = Shape{elements};
      continue;
    }
    if (staged)
      emitNormalizeWith(builder, ops, current, step.axis, step.epsilon,
                        sourceStridesOf(builder, current, nullptr), target, target);
    else
      emitNormalizeWith(builder, ops, current, step.axis, step.epsilon, strides, source, target);
    staged = true;
  }
  if (!staged)
    emitCopy(builder, ops, current, strides, source, target);
}

} // namespace einjit::codegen
