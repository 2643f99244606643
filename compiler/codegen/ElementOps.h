// Arithmetic on values of one dtype in LLVM IR: real numbers and integers as scalars or explicit
// vectors (<8 x float> …), complex numbers as (real, imaginary) pairs of scalars or as vectors of
// interleaved pairs (ComplexLanes.cpp: real vector FMAs, no per-element shuffles). bf16 and f16
// are 16-bit in memory and f32 in registers: loads widen (exactly), stores round once to nearest
// even, so everything between computes in f32. The kernel builder composes these; nothing here
// knows about loops. Codegen-internal (pulls in LLVM).
#pragma once

#include "einjit/dtype.h"

#include <llvm/IR/IRBuilder.h>

#include <vector>

namespace llvm {
class TargetMachine;
} // namespace llvm

namespace einjit::codegen {

/// The LLVM type of one component of a dtype as computed with: float for f32, c64, bf16 and f16,
/// double for f64 and c128, i32, i64.
llvm::Type* componentTypeOf(llvm::LLVMContext& context, DType dtype);

/// A value of the dtype: `lanes` elements in one vector, or a scalar when lanes == 1. A complex
/// scalar carries its imaginary part in `im`; a complex vector is one vector of 2 x lanes
/// components, (re, im) interleaved as in memory, in `re` (`im` null).
struct Element {
  llvm::Value* re = nullptr;
  llvm::Value* im = nullptr;
};

/// An accumulator in stack slots, which SROA promotes to registers. A complex vector's is two
/// interleaved vectors p (in `re`) and q (in `im`) holding the value p + i·q: a sum of products
/// a·b adds re(a)·b to p and im(a)·b to q, two real FMAs per vector, and the one multiplication
/// by i (a shuffle and a sign) waits for the read.
struct Slot {
  llvm::AllocaInst* re = nullptr;
  llvm::AllocaInst* im = nullptr;
  int lanes = 1;
};

class ElementOps {
public:
  /// `machine` decides how f16 converts: with the CPU's instructions where it has them (F16C),
  /// else with integer arithmetic inline, so that generated code never calls a compiler-runtime
  /// conversion (__extendhfsf2, __truncsfhf2, which not every libgcc has). bf16 never uses
  /// LLVM's bfloat type: it widens with a shift and rounds with integer arithmetic, so there is
  /// no __truncsfbf2, and unlike AVX512-BF16's vcvtneps2bf16 it keeps subnormals: every CPU
  /// computes the same bits.
  ElementOps(llvm::IRBuilder<>& builder, DType dtype, const llvm::TargetMachine& machine);

  DType dtype() const { return dtype_; }
  bool isComplex() const { return complex_; }
  /// float for f32, c64, bf16 and f16, double for f64 and c128, i32, i64.
  llvm::Type* componentType() const { return component_; }
  /// The type one component is stored as: i16 for bf16 and f16, else componentType().
  llvm::Type* storageType() const { return storage_; }
  /// A real value (scalar or vector) of componentType() as storageType(): rounded to nearest
  /// even for bf16 and f16 (NaN stays NaN), unchanged otherwise.
  llvm::Value* toStorage(llvm::Value* value);
  /// The inverse, exact: storageType() (scalar or vector) to componentType().
  llvm::Value* fromStorage(llvm::Value* stored);
  /// The component type, or a vector of `lanes` of it (of 2 x lanes for complex: the pairs).
  llvm::Type* typeOf(int lanes) const;
  /// The address of the element at `base + offset` (offset in elements of the dtype).
  llvm::Value* pointerTo(llvm::Value* base, llvm::Value* offset);

  /// Loads the element at `base + offset` (offset in elements of the dtype). With lanes > 1:
  /// consecutive elements when `laneStride` is null, else elements `laneStride` apart.
  Element load(llvm::Value* base, llvm::Value* offset, int lanes, llvm::Value* laneStride);
  /// Stores like load reads.
  void store(Element value, llvm::Value* base, llvm::Value* offset, int lanes,
             llvm::Value* laneStride);
  /// The first lanes of `lanes` consecutive elements at `base + offset` where the i1 vector
  /// `mask` (one bit per element) is set; the other lanes are zero and their memory is not
  /// touched.
  Element maskedLoad(llvm::Value* base, llvm::Value* offset, int lanes, llvm::Value* mask);
  /// Stores the lanes of a vector where `mask` is set; the other elements are not touched.
  void maskedStore(Element value, llvm::Value* base, llvm::Value* offset, llvm::Value* mask);
  /// A scalar from memory holding one value of the dtype, an f32 for bf16 and f16 (alpha, beta).
  Element loadScalar(llvm::Value* pointer);

  Element zero(int lanes);
  Element broadcast(Element scalar, int lanes);
  Element add(Element a, Element b);
  Element multiply(Element a, Element b);
  /// acc + a * b, through llvm.fma for floating point.
  Element multiplyAdd(Element a, Element b, Element acc);
  Element conjugate(Element value);
  /// The sum of a vector's lanes.
  Element horizontalSum(Element vector);
  /// The sum of each vector's lanes, for vectors of equal power-of-two width: real ones reduce
  /// together as a tree of two-vector shuffles, each level folding two vectors' halves into one
  /// (w - 1 shuffle pairs and adds per w vectors of w lanes, against log2(w) per vector one by
  /// one), and each sum is then extracted from its lane.
  std::vector<Element> horizontalSums(const std::vector<Element>& vectors);
  /// An i1 that is true when the scalar is zero (both parts for complex).
  llvm::Value* isZero(Element scalar);
  /// An i1 that is true when the scalar is one (real part one, imaginary part zero).
  llvm::Value* isOne(Element scalar);

  /// Stack slots for an accumulator, created at the start of the entry block.
  Slot allocateSlot(int lanes);
  Element read(const Slot& slot);
  void write(const Slot& slot, Element value);
  /// slot += a * b, or slot += a when b.re is null; where the i1 vector `update` (one bit per
  /// element, or null for all) is clear the slot keeps its lanes (a lane past a summed label's
  /// extent: a zero-filled lane times an infinite factor would add a NaN).
  void accumulate(const Slot& slot, Element a, Element b, llvm::Value* update);

private:
  // Complex vectors of interleaved pairs (ComplexLanes.cpp).
  bool interleaved(Element value) const;
  llvm::Value* pairMask(llvm::Value* mask);
  llvm::Value* duplicatePart(llvm::Value* pairs, int part);
  llvm::Value* timesI(llvm::Value* pairs);
  Element loadPairs(llvm::Value* base, llvm::Value* offset, int lanes, llvm::Value* laneStride);
  void storePairs(Element value, llvm::Value* base, llvm::Value* offset, int lanes,
                  llvm::Value* laneStride);
  Element broadcastPair(Element scalar, int lanes);
  Element multiplyPairs(Element a, Element b);
  Element multiplyAddPairs(Element a, Element b, Element acc);
  Element conjugatePairs(Element value);
  Element sumPairs(Element value);
  Element readPairs(const Slot& slot);
  void accumulatePairs(const Slot& slot, Element a, Element b, llvm::Value* update);

  llvm::Value* componentPointer(llvm::Value* base, llvm::Value* offset, int part);
  llvm::Value* fma(llvm::Value* a, llvm::Value* b, llvm::Value* acc);
  llvm::Type* storageOf(llvm::Type* like) const;
  llvm::Value* splat(llvm::Type* like, llvm::Value* scalar);
  llvm::Value* bf16FromFloat(llvm::Value* value);
  llvm::Value* f16FromFloat(llvm::Value* value);
  llvm::Value* f16ToFloat(llvm::Value* stored);

  llvm::IRBuilder<>& builder_;
  DType dtype_;
  bool complex_;
  bool floating_;
  bool half_;              ///< bf16 or f16
  bool nativeF16_ = false; ///< fpext/fptrunc of half are instructions (F16C)
  llvm::Type* component_;
  llvm::Type* storage_;
  llvm::Align align_;
};

} // namespace einjit::codegen
