#include "codegen/ElementOps.h"

#include <llvm/IR/Intrinsics.h>

namespace einjit::codegen {

llvm::Type* componentTypeOf(llvm::LLVMContext& context, DType dtype) {
  switch (dtype) {
  case DType::f32:
  case DType::c64:
    return llvm::Type::getFloatTy(context);
  case DType::f64:
  case DType::c128:
    return llvm::Type::getDoubleTy(context);
  case DType::i32:
    return llvm::Type::getInt32Ty(context);
  case DType::i64:
    return llvm::Type::getInt64Ty(context);
  }
  return llvm::Type::getFloatTy(context);
}

ElementOps::ElementOps(llvm::IRBuilder<>& builder, DType dtype)
    : builder_(builder), dtype_(dtype), complex_(einjit::isComplex(dtype)),
      floating_(!isInteger(dtype)), component_(componentTypeOf(builder.getContext(), dtype)),
      align_(dtypeSize(dtype) / (einjit::isComplex(dtype) ? 2 : 1)) {}

llvm::Type* ElementOps::typeOf(int lanes) const {
  if (lanes == 1)
    return component_;
  return llvm::FixedVectorType::get(component_, static_cast<unsigned>(lanes));
}

llvm::Value* ElementOps::componentPointer(llvm::Value* base, llvm::Value* offset, int part) {
  // A complex element is two components; part 1 is the imaginary one.
  if (complex_) {
    offset = builder_.CreateShl(offset, 1);
    if (part == 1)
      offset = builder_.CreateOr(offset, 1);
  }
  return builder_.CreateGEP(component_, base, offset);
}

Element ElementOps::load(llvm::Value* base, llvm::Value* offset, int lanes,
                         llvm::Value* laneStride) {
  if (complex_)
    return Element{
        builder_.CreateAlignedLoad(component_, componentPointer(base, offset, 0), align_),
        builder_.CreateAlignedLoad(component_, componentPointer(base, offset, 1), align_)};
  if (lanes == 1)
    return Element{
        builder_.CreateAlignedLoad(component_, componentPointer(base, offset, 0), align_)};
  if (!laneStride)
    return Element{
        builder_.CreateAlignedLoad(typeOf(lanes), componentPointer(base, offset, 0), align_)};
  llvm::Value* vector = llvm::PoisonValue::get(typeOf(lanes));
  for (int lane = 0; lane < lanes; ++lane) {
    llvm::Value* laneOffset =
        builder_.CreateAdd(offset, builder_.CreateMul(laneStride, builder_.getInt64(lane)));
    llvm::Value* value =
        builder_.CreateAlignedLoad(component_, componentPointer(base, laneOffset, 0), align_);
    vector = builder_.CreateInsertElement(vector, value, static_cast<std::uint64_t>(lane));
  }
  return Element{vector};
}

void ElementOps::store(Element value, llvm::Value* base, llvm::Value* offset, int lanes,
                       llvm::Value* laneStride) {
  if (complex_) {
    builder_.CreateAlignedStore(value.re, componentPointer(base, offset, 0), align_);
    builder_.CreateAlignedStore(value.im, componentPointer(base, offset, 1), align_);
    return;
  }
  if (lanes == 1 || !laneStride) {
    builder_.CreateAlignedStore(value.re, componentPointer(base, offset, 0), align_);
    return;
  }
  for (int lane = 0; lane < lanes; ++lane) {
    llvm::Value* laneOffset =
        builder_.CreateAdd(offset, builder_.CreateMul(laneStride, builder_.getInt64(lane)));
    builder_.CreateAlignedStore(
        builder_.CreateExtractElement(value.re, static_cast<std::uint64_t>(lane)),
        componentPointer(base, laneOffset, 0), align_);
  }
}

Element ElementOps::maskedLoad(llvm::Value* base, llvm::Value* offset, int lanes,
                               llvm::Value* mask) {
  return Element{builder_.CreateMaskedLoad(typeOf(lanes), componentPointer(base, offset, 0), align_,
                                           mask, llvm::Constant::getNullValue(typeOf(lanes)))};
}

void ElementOps::maskedStore(Element value, llvm::Value* base, llvm::Value* offset,
                             llvm::Value* mask) {
  builder_.CreateMaskedStore(value.re, componentPointer(base, offset, 0), align_, mask);
}

Element ElementOps::loadScalar(llvm::Value* pointer) {
  return load(pointer, builder_.getInt64(0), 1, nullptr);
}

Element ElementOps::zero(int lanes) {
  llvm::Value* zeroValue = llvm::Constant::getNullValue(typeOf(lanes));
  return Element{zeroValue, complex_ ? zeroValue : nullptr};
}

Element ElementOps::broadcast(Element scalar, int lanes) {
  if (lanes == 1)
    return scalar;
  return Element{builder_.CreateVectorSplat(static_cast<unsigned>(lanes), scalar.re)};
}

Element ElementOps::add(Element a, Element b) {
  if (!floating_)
    return Element{builder_.CreateAdd(a.re, b.re)};
  if (!complex_)
    return Element{builder_.CreateFAdd(a.re, b.re)};
  return Element{builder_.CreateFAdd(a.re, b.re), builder_.CreateFAdd(a.im, b.im)};
}

Element ElementOps::multiply(Element a, Element b) {
  if (!floating_)
    return Element{builder_.CreateMul(a.re, b.re)};
  if (!complex_)
    return Element{builder_.CreateFMul(a.re, b.re)};
  llvm::Value* re =
      builder_.CreateFSub(builder_.CreateFMul(a.re, b.re), builder_.CreateFMul(a.im, b.im));
  llvm::Value* im =
      builder_.CreateFAdd(builder_.CreateFMul(a.re, b.im), builder_.CreateFMul(a.im, b.re));
  return Element{re, im};
}

llvm::Value* ElementOps::fma(llvm::Value* a, llvm::Value* b, llvm::Value* acc) {
  return builder_.CreateIntrinsic(llvm::Intrinsic::fma, {a->getType()}, {a, b, acc});
}

Element ElementOps::multiplyAdd(Element a, Element b, Element acc) {
  if (!floating_)
    return Element{builder_.CreateAdd(acc.re, builder_.CreateMul(a.re, b.re))};
  if (!complex_)
    return Element{fma(a.re, b.re, acc.re)};
  llvm::Value* re = fma(builder_.CreateFNeg(a.im), b.im, fma(a.re, b.re, acc.re));
  llvm::Value* im = fma(a.im, b.re, fma(a.re, b.im, acc.im));
  return Element{re, im};
}

Element ElementOps::conjugate(Element value) {
  if (!complex_)
    return value;
  return Element{value.re, builder_.CreateFNeg(value.im)};
}

Element ElementOps::horizontalSum(Element vector) {
  if (!vector.re->getType()->isVectorTy())
    return vector;
  if (!floating_)
    return Element{builder_.CreateAddReduce(vector.re)};
  // Reassociation lets LLVM reduce as a tree instead of lane by lane.
  llvm::IRBuilderBase::FastMathFlagGuard guard(builder_);
  llvm::FastMathFlags flags;
  flags.setAllowReassoc();
  builder_.setFastMathFlags(flags);
  return Element{
      builder_.CreateFAddReduce(llvm::ConstantFP::getNegativeZero(component_), vector.re)};
}

llvm::Value* ElementOps::isZero(Element scalar) {
  if (!floating_)
    return builder_.CreateICmpEQ(scalar.re, llvm::Constant::getNullValue(component_));
  llvm::Value* zero = llvm::Constant::getNullValue(component_);
  llvm::Value* result = builder_.CreateFCmpOEQ(scalar.re, zero);
  if (complex_)
    result = builder_.CreateAnd(result, builder_.CreateFCmpOEQ(scalar.im, zero));
  return result;
}

llvm::Value* ElementOps::isOne(Element scalar) {
  if (!floating_)
    return builder_.CreateICmpEQ(scalar.re, llvm::ConstantInt::get(component_, 1));
  llvm::Value* result = builder_.CreateFCmpOEQ(scalar.re, llvm::ConstantFP::get(component_, 1.0));
  if (complex_)
    result = builder_.CreateAnd(
        result, builder_.CreateFCmpOEQ(scalar.im, llvm::Constant::getNullValue(component_)));
  return result;
}

Slot ElementOps::allocateSlot(int lanes) {
  llvm::Function* function = builder_.GetInsertBlock()->getParent();
  llvm::IRBuilder<> entry(&function->getEntryBlock(), function->getEntryBlock().begin());
  Slot slot;
  slot.lanes = lanes;
  slot.re = entry.CreateAlloca(typeOf(lanes));
  if (complex_)
    slot.im = entry.CreateAlloca(typeOf(lanes));
  return slot;
}

Element ElementOps::read(const Slot& slot) {
  Element value{builder_.CreateLoad(typeOf(slot.lanes), slot.re)};
  if (slot.im)
    value.im = builder_.CreateLoad(typeOf(slot.lanes), slot.im);
  return value;
}

void ElementOps::write(const Slot& slot, Element value) {
  builder_.CreateStore(value.re, slot.re);
  if (slot.im)
    builder_.CreateStore(value.im, slot.im);
}

} // namespace einjit::codegen
