// Arithmetic on values of one dtype in LLVM IR: real numbers and integers as scalars or explicit
// vectors (<8 x float> …), complex numbers as (real, imaginary) pairs of scalars. The kernel
// builder composes these; nothing here knows about loops. Codegen-internal (pulls in LLVM).
#pragma once

#include "einjit/dtype.h"

#include <llvm/IR/IRBuilder.h>

namespace einjit::codegen {

/// The LLVM type of one component of a dtype: float for f32 and c64, double for f64 and c128,
/// i32, i64.
llvm::Type* componentTypeOf(llvm::LLVMContext& context, DType dtype);

/// A value of the dtype: `lanes` elements in one vector, or a scalar when lanes == 1. Complex
/// values (always scalar) carry an imaginary part.
struct Element {
  llvm::Value* re = nullptr;
  llvm::Value* im = nullptr;
};

/// An accumulator in stack slots, which SROA promotes to registers.
struct Slot {
  llvm::AllocaInst* re = nullptr;
  llvm::AllocaInst* im = nullptr;
  int lanes = 1;
};

class ElementOps {
public:
  ElementOps(llvm::IRBuilder<>& builder, DType dtype);

  DType dtype() const { return dtype_; }
  bool isComplex() const { return complex_; }
  /// float for f32 and c64, double for f64 and c128, i32, i64.
  llvm::Type* componentType() const { return component_; }
  /// The component type, or a vector of `lanes` of it.
  llvm::Type* typeOf(int lanes) const;

  /// Loads the element at `base + offset` (offset in elements of the dtype). With lanes > 1:
  /// consecutive elements when `laneStride` is null, else elements `laneStride` apart.
  Element load(llvm::Value* base, llvm::Value* offset, int lanes, llvm::Value* laneStride);
  /// Stores like load reads.
  void store(Element value, llvm::Value* base, llvm::Value* offset, int lanes,
             llvm::Value* laneStride);
  /// The first lanes of `lanes` consecutive elements at `base + offset` where the i1 vector
  /// `mask` is set (real dtypes); the other lanes are zero and their memory is not touched.
  Element maskedLoad(llvm::Value* base, llvm::Value* offset, int lanes, llvm::Value* mask);
  /// Stores the lanes of a real vector where `mask` is set; the other elements are not touched.
  void maskedStore(Element value, llvm::Value* base, llvm::Value* offset, llvm::Value* mask);
  /// A scalar from memory holding one value of the dtype (alpha, beta).
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
  /// An i1 that is true when the scalar is zero (both parts for complex).
  llvm::Value* isZero(Element scalar);
  /// An i1 that is true when the scalar is one (real part one, imaginary part zero).
  llvm::Value* isOne(Element scalar);

  /// Stack slots for an accumulator, created at the start of the entry block.
  Slot allocateSlot(int lanes);
  Element read(const Slot& slot);
  void write(const Slot& slot, Element value);

private:
  llvm::Value* componentPointer(llvm::Value* base, llvm::Value* offset, int part);
  llvm::Value* fma(llvm::Value* a, llvm::Value* b, llvm::Value* acc);

  llvm::IRBuilder<>& builder_;
  DType dtype_;
  bool complex_;
  bool floating_;
  llvm::Type* component_;
  llvm::Align align_;
};

} // namespace einjit::codegen
