#include "codegen/ElementOps.h"

#include <llvm/IR/Intrinsics.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Triple.h>

#include <bit>

namespace einjit::codegen {

llvm::Type* componentTypeOf(llvm::LLVMContext& context, DType dtype) {
  switch (dtype) {
  case DType::f32:
  case DType::c64:
  case DType::bf16:
  case DType::f16:
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

ElementOps::ElementOps(llvm::IRBuilder<>& builder, DType dtype, const llvm::TargetMachine& machine)
    : builder_(builder), dtype_(dtype), complex_(einjit::isComplex(dtype)),
      floating_(!isInteger(dtype)), half_(isHalfPrecision(dtype)),
      component_(componentTypeOf(builder.getContext(), dtype)),
      storage_(half_ ? builder.getInt16Ty() : component_),
      align_(dtypeSize(dtype) / (einjit::isComplex(dtype) ? 2 : 1)) {
  const llvm::MCSubtargetInfo* subtarget = machine.getMCSubtargetInfo();
  const llvm::Triple& triple = machine.getTargetTriple();
  // AArch64 converts half in its base instruction set; x86 needs F16C. Without the instruction
  // LLVM would call libgcc/compiler-rt (__extendhfsf2, __truncsfhf2), which not every runtime
  // has: the integer versions below run everywhere.
  nativeF16_ = triple.isAArch64() || (triple.isX86() && subtarget->checkFeatures("+f16c"));
}

llvm::Type* ElementOps::typeOf(int lanes) const {
  if (lanes == 1)
    return component_;
  return llvm::FixedVectorType::get(component_,
                                    static_cast<unsigned>(complex_ ? 2 * lanes : lanes));
}

llvm::Type* ElementOps::storageOf(llvm::Type* like) const {
  if (auto* vector = llvm::dyn_cast<llvm::FixedVectorType>(like))
    return llvm::FixedVectorType::get(storage_, vector->getNumElements());
  return storage_;
}

llvm::Value* ElementOps::splat(llvm::Type* like, llvm::Value* scalar) {
  if (auto* vector = llvm::dyn_cast<llvm::FixedVectorType>(like))
    return builder_.CreateVectorSplat(vector->getNumElements(), scalar);
  return scalar;
}

llvm::Value* ElementOps::bf16FromFloat(llvm::Value* value) {
  // Round to nearest even on the bits: add 0x7fff plus the lowest kept bit, keep the upper half.
  // A NaN keeps its upper half with the quiet bit set (rounding could carry it into infinity).
  llvm::Type* bits = value->getType()->getWithNewType(builder_.getInt32Ty());
  auto constant = [&](std::uint32_t c) { return splat(bits, builder_.getInt32(c)); };
  llvm::Value* x = builder_.CreateBitCast(value, bits);
  llvm::Value* upper = builder_.CreateLShr(x, constant(16));
  llvm::Value* lowestKept = builder_.CreateAnd(upper, constant(1));
  llvm::Value* rounded = builder_.CreateLShr(
      builder_.CreateAdd(builder_.CreateAdd(x, constant(0x7fff)), lowestKept), constant(16));
  llvm::Value* quietNaN = builder_.CreateOr(upper, constant(0x40));
  llvm::Value* result =
      builder_.CreateSelect(builder_.CreateFCmpUNO(value, value), quietNaN, rounded);
  return builder_.CreateTrunc(result, storageOf(value->getType()));
}

llvm::Value* ElementOps::f16FromFloat(llvm::Value* value) {
  // einjit::float16's conversion (dtype.h), branch-free so that it vectorizes.
  llvm::Type* bits = value->getType()->getWithNewType(builder_.getInt32Ty());
  auto constant = [&](std::uint32_t c) { return splat(bits, builder_.getInt32(c)); };
  llvm::Value* x = builder_.CreateBitCast(value, bits);
  llvm::Value* sign = builder_.CreateAnd(builder_.CreateLShr(x, constant(16)), constant(0x8000));
  llvm::Value* magnitude = builder_.CreateAnd(x, constant(0x7fffffff));
  llvm::Value* shifted = builder_.CreateLShr(magnitude, constant(13));
  llvm::Value* nan =
      builder_.CreateOr(builder_.CreateAnd(shifted, constant(0x3ff)), constant(0x7e00));
  // Below 2^-14: adding 0.5 puts the float's last place at 2^-24, the subnormal half's unit.
  llvm::Value* plusHalf =
      builder_.CreateFAdd(builder_.CreateBitCast(magnitude, value->getType()),
                          splat(value->getType(), llvm::ConstantFP::get(component_, 0.5)));
  llvm::Value* subnormal =
      builder_.CreateSub(builder_.CreateBitCast(plusHalf, bits), constant(0x3f000000));
  // Normal: rebias the exponent (127 -> 15), round the 13 dropped bits to even.
  llvm::Value* normal =
      builder_.CreateLShr(builder_.CreateAdd(builder_.CreateAdd(magnitude, constant(0xc8000fff)),
                                             builder_.CreateAnd(shifted, constant(1))),
                          constant(13));
  llvm::Value* finite = builder_.CreateSelect(
      builder_.CreateICmpULT(magnitude, constant(0x38800000)), subnormal, normal);
  llvm::Value* large = builder_.CreateSelect(
      builder_.CreateICmpUGE(magnitude, constant(0x477ff000)), constant(0x7c00), finite);
  llvm::Value* result =
      builder_.CreateSelect(builder_.CreateICmpUGT(magnitude, constant(0x7f800000)), nan, large);
  return builder_.CreateTrunc(builder_.CreateOr(result, sign), storageOf(value->getType()));
}

llvm::Value* ElementOps::f16ToFloat(llvm::Value* stored) {
  // The magnitude's bits moved to a float's places read as 2^-112 times the value, normal or
  // subnormal alike, so one multiplication by 2^112 (exact) finishes; infinity and NaN instead
  // take the all-ones exponent.
  llvm::Type* bits = stored->getType()->getWithNewType(builder_.getInt32Ty());
  llvm::Type* floats = stored->getType()->getWithNewType(component_);
  auto constant = [&](std::uint32_t c) { return splat(bits, builder_.getInt32(c)); };
  llvm::Value* h = builder_.CreateZExt(stored, bits);
  llvm::Value* sign = builder_.CreateShl(builder_.CreateAnd(h, constant(0x8000)), constant(16));
  llvm::Value* magnitude = builder_.CreateAnd(h, constant(0x7fff));
  llvm::Value* moved = builder_.CreateShl(magnitude, constant(13));
  llvm::Value* scaled = builder_.CreateBitCast(
      builder_.CreateFMul(builder_.CreateBitCast(moved, floats),
                          splat(floats, llvm::ConstantFP::get(component_, 0x1p112))),
      bits);
  llvm::Value* special = builder_.CreateOr(moved, constant(0x7f800000));
  llvm::Value* result =
      builder_.CreateSelect(builder_.CreateICmpUGE(magnitude, constant(0x7c00)), special, scaled);
  return builder_.CreateBitCast(builder_.CreateOr(result, sign), floats);
}

llvm::Value* ElementOps::toStorage(llvm::Value* value) {
  if (!half_)
    return value;
  llvm::Type* stored = storageOf(value->getType());
  // One rounding per output element: the integer version costs nothing that matters.
  if (dtype_ == DType::bf16)
    return bf16FromFloat(value);
  if (!nativeF16_)
    return f16FromFloat(value);
  llvm::Type* half = value->getType()->getWithNewType(builder_.getHalfTy());
  return builder_.CreateBitCast(builder_.CreateFPTrunc(value, half), stored);
}

llvm::Value* ElementOps::fromStorage(llvm::Value* stored) {
  if (!half_)
    return stored;
  llvm::Type* floats = stored->getType()->getWithNewType(component_);
  if (dtype_ == DType::bf16) {
    // The bits are a float's upper half. Not LLVM's `fpext bfloat`: InstCombine moves later
    // float operations back to bfloat (an `fcmp uno` of the widened value becomes one of the
    // bfloat), which x86 without AVX512-BF16 legalizes through __truncsfbf2.
    llvm::Type* bits = stored->getType()->getWithNewType(builder_.getInt32Ty());
    llvm::Value* shifted =
        builder_.CreateShl(builder_.CreateZExt(stored, bits), splat(bits, builder_.getInt32(16)));
    return builder_.CreateBitCast(shifted, floats);
  }
  if (!nativeF16_)
    return f16ToFloat(stored);
  llvm::Type* half = stored->getType()->getWithNewType(builder_.getHalfTy());
  return builder_.CreateFPExt(builder_.CreateBitCast(stored, half), floats);
}

llvm::Value* ElementOps::componentPointer(llvm::Value* base, llvm::Value* offset, int part) {
  // A complex element is two components; part 1 is the imaginary one.
  if (complex_) {
    offset = builder_.CreateShl(offset, 1);
    if (part == 1)
      offset = builder_.CreateOr(offset, 1);
  }
  return builder_.CreateGEP(storage_, base, offset);
}

llvm::Value* ElementOps::pointerTo(llvm::Value* base, llvm::Value* offset) {
  return componentPointer(base, offset, 0);
}

Element ElementOps::load(llvm::Value* base, llvm::Value* offset, int lanes,
                         llvm::Value* laneStride) {
  if (complex_ && lanes > 1)
    return loadPairs(base, offset, lanes, laneStride);
  if (complex_)
    return Element{
        builder_.CreateAlignedLoad(component_, componentPointer(base, offset, 0), align_),
        builder_.CreateAlignedLoad(component_, componentPointer(base, offset, 1), align_)};
  if (lanes == 1)
    return Element{fromStorage(
        builder_.CreateAlignedLoad(storage_, componentPointer(base, offset, 0), align_))};
  if (!laneStride)
    return Element{fromStorage(builder_.CreateAlignedLoad(
        storageOf(typeOf(lanes)), componentPointer(base, offset, 0), align_))};
  llvm::Value* vector = llvm::PoisonValue::get(storageOf(typeOf(lanes)));
  for (int lane = 0; lane < lanes; ++lane) {
    llvm::Value* laneOffset =
        builder_.CreateAdd(offset, builder_.CreateMul(laneStride, builder_.getInt64(lane)));
    llvm::Value* value =
        builder_.CreateAlignedLoad(storage_, componentPointer(base, laneOffset, 0), align_);
    vector = builder_.CreateInsertElement(vector, value, static_cast<std::uint64_t>(lane));
  }
  return Element{fromStorage(vector)};
}

void ElementOps::store(Element value, llvm::Value* base, llvm::Value* offset, int lanes,
                       llvm::Value* laneStride) {
  if (interleaved(value)) {
    storePairs(value, base, offset, lanes, laneStride);
    return;
  }
  if (complex_) {
    builder_.CreateAlignedStore(value.re, componentPointer(base, offset, 0), align_);
    builder_.CreateAlignedStore(value.im, componentPointer(base, offset, 1), align_);
    return;
  }
  llvm::Value* stored = toStorage(value.re);
  if (lanes == 1 || !laneStride) {
    builder_.CreateAlignedStore(stored, componentPointer(base, offset, 0), align_);
    return;
  }
  for (int lane = 0; lane < lanes; ++lane) {
    llvm::Value* laneOffset =
        builder_.CreateAdd(offset, builder_.CreateMul(laneStride, builder_.getInt64(lane)));
    builder_.CreateAlignedStore(
        builder_.CreateExtractElement(stored, static_cast<std::uint64_t>(lane)),
        componentPointer(base, laneOffset, 0), align_);
  }
}

Element ElementOps::maskedLoad(llvm::Value* base, llvm::Value* offset, int lanes,
                               llvm::Value* mask) {
  llvm::Type* type = storageOf(typeOf(lanes));
  if (complex_)
    mask = pairMask(mask);
  return Element{fromStorage(builder_.CreateMaskedLoad(
      type, componentPointer(base, offset, 0), align_, mask, llvm::Constant::getNullValue(type)))};
}

void ElementOps::maskedStore(Element value, llvm::Value* base, llvm::Value* offset,
                             llvm::Value* mask) {
  if (complex_)
    mask = pairMask(mask);
  builder_.CreateMaskedStore(toStorage(value.re), componentPointer(base, offset, 0), align_, mask);
}

Element ElementOps::loadScalar(llvm::Value* pointer) {
  // bf16 and f16 kernels take alpha and beta as f32 (runtime/KernelAbi.h).
  if (half_)
    return Element{builder_.CreateAlignedLoad(component_, pointer, llvm::Align(4))};
  return load(pointer, builder_.getInt64(0), 1, nullptr);
}

Element ElementOps::zero(int lanes) {
  llvm::Value* zeroValue = llvm::Constant::getNullValue(typeOf(lanes));
  return Element{zeroValue, complex_ && lanes == 1 ? zeroValue : nullptr};
}

Element ElementOps::broadcast(Element scalar, int lanes) {
  if (lanes == 1)
    return scalar;
  if (complex_)
    return broadcastPair(scalar, lanes);
  return Element{builder_.CreateVectorSplat(static_cast<unsigned>(lanes), scalar.re)};
}

Element ElementOps::add(Element a, Element b) {
  if (!floating_)
    return Element{builder_.CreateAdd(a.re, b.re)};
  if (!complex_ || interleaved(a))
    return Element{builder_.CreateFAdd(a.re, b.re)};
  return Element{builder_.CreateFAdd(a.re, b.re), builder_.CreateFAdd(a.im, b.im)};
}

Element ElementOps::multiply(Element a, Element b) {
  if (!floating_)
    return Element{builder_.CreateMul(a.re, b.re)};
  if (!complex_)
    return Element{builder_.CreateFMul(a.re, b.re)};
  if (interleaved(a))
    return multiplyPairs(a, b);
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
  if (interleaved(a))
    return multiplyAddPairs(a, b, acc);
  llvm::Value* re = fma(builder_.CreateFNeg(a.im), b.im, fma(a.re, b.re, acc.re));
  llvm::Value* im = fma(a.im, b.re, fma(a.re, b.im, acc.im));
  return Element{re, im};
}

Element ElementOps::conjugate(Element value) {
  if (!complex_)
    return value;
  if (interleaved(value))
    return conjugatePairs(value);
  return Element{value.re, builder_.CreateFNeg(value.im)};
}

Element ElementOps::horizontalSum(Element vector) {
  if (!vector.re->getType()->isVectorTy())
    return vector;
  if (complex_)
    return sumPairs(vector);
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

std::vector<Element> ElementOps::horizontalSums(const std::vector<Element>& vectors) {
  std::vector<Element> sums;
  auto* type =
      vectors.empty() ? nullptr : llvm::dyn_cast<llvm::FixedVectorType>(vectors[0].re->getType());
  if (!type || complex_ || vectors.size() < 2 || !std::has_single_bit(type->getNumElements())) {
    for (const Element& vector : vectors)
      sums.push_back(horizontalSum(vector));
    return sums;
  }
  auto width = static_cast<int>(type->getNumElements());
  // Each vector of a level holds `owners.size()` sums in equal runs of lanes: run r holds
  // partial sums of vector owners[r] of the input (-1: padding).
  struct Partial {
    llvm::Value* value;
    std::vector<int> owners;
  };
  std::vector<Partial> level;
  for (std::size_t v = 0; v < vectors.size(); ++v)
    level.push_back({vectors[v].re, {static_cast<int>(v)}});
  llvm::Value* zeroVector = llvm::Constant::getNullValue(type);
  auto addValues = [&](llvm::Value* a, llvm::Value* b) {
    return floating_ ? builder_.CreateFAdd(a, b) : builder_.CreateAdd(a, b);
  };
  while (level.size() > 1 || level.front().owners.size() < static_cast<std::size_t>(width)) {
    auto runs = static_cast<int>(level.front().owners.size());
    int run = width / runs;
    if (run == 1)
      break;
    std::vector<Partial> next;
    for (std::size_t p = 0; p < level.size(); p += 2) {
      // Two vectors of `runs` runs become one of 2 * runs runs of half the length: the first
      // halves of every run of both (a's, then b's) plus the second halves.
      bool paired = p + 1 < level.size();
      llvm::Value* a = level[p].value;
      llvm::Value* b = paired ? level[p + 1].value : zeroVector;
      std::vector<int> low;
      std::vector<int> high;
      for (int source = 0; source < 2; ++source)
        for (int r = 0; r < runs; ++r)
          for (int lane = 0; lane < run / 2; ++lane) {
            low.push_back(source * width + r * run + lane);
            high.push_back(source * width + r * run + run / 2 + lane);
          }
      Partial folded{addValues(builder_.CreateShuffleVector(a, b, low),
                               builder_.CreateShuffleVector(a, b, high)),
                     level[p].owners};
      for (int r = 0; r < runs; ++r)
        folded.owners.push_back(paired ? level[p + 1].owners[static_cast<std::size_t>(r)] : -1);
      next.push_back(std::move(folded));
    }
    level = std::move(next);
  }
  sums.resize(vectors.size());
  for (const Partial& partial : level) {
    auto runs = static_cast<int>(partial.owners.size());
    int run = width / runs;
    for (int r = 0; r < runs; ++r) {
      int owner = partial.owners[static_cast<std::size_t>(r)];
      if (owner < 0)
        continue;
      llvm::Value* lane = builder_.CreateExtractElement(partial.value, builder_.getInt64(r * run));
      sums[static_cast<std::size_t>(owner)] = Element{lane};
    }
  }
  return sums;
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
  if (complex_ && slot.lanes > 1)
    return readPairs(slot);
  Element value{builder_.CreateLoad(typeOf(slot.lanes), slot.re)};
  if (slot.im)
    value.im = builder_.CreateLoad(typeOf(slot.lanes), slot.im);
  return value;
}

void ElementOps::write(const Slot& slot, Element value) {
  builder_.CreateStore(value.re, slot.re);
  if (slot.im)
    builder_.CreateStore(
        interleaved(value) ? llvm::Constant::getNullValue(value.re->getType()) : value.im, slot.im);
}

void ElementOps::accumulate(const Slot& slot, Element a, Element b, llvm::Value* update) {
  if (complex_ && slot.lanes > 1) {
    accumulatePairs(slot, a, b, update);
    return;
  }
  Element acc = read(slot);
  Element sum = b.re ? multiplyAdd(a, b, acc) : add(acc, a);
  if (update) {
    sum.re = builder_.CreateSelect(update, sum.re, acc.re);
    if (sum.im)
      sum.im = builder_.CreateSelect(update, sum.im, acc.im);
  }
  write(slot, sum);
}

} // namespace einjit::codegen
