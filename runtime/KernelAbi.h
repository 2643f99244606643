// The C ABI between generated code and the rest of the process, in one place: the kernel entry
// signature, the status a kernel returns, and a table of every einjit_rt_* function generated
// code calls. Codegen builds its LLVM declarations from the table and the JIT gives kernels the
// table's addresses; the signatures are derived from the C++ prototypes, so none can disagree.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace einjit::runtime {

// ---- the kernel entry -----------------------------------------------------------------------

/// What a kernel, a parallel loop body and an ahead-of-time entry point return.
inline constexpr std::int32_t kStatusOk = 0;
/// The kernel's per-thread scratch memory (runtime/Scratch.h) could not be allocated: the work
/// of the thread that asked for it was skipped, so the output is not (completely) written.
inline constexpr std::int32_t kStatusOutOfMemory = 1;

/// The C ABI of every kernel:
///   data     one pointer per input (in LoopNest::inputs order), then the output's;
///   strides  the stride table, in elements, tensor-major: strides[t * labels + l] is tensor t's
///            stride along label l (the output is tensor inputs.size()); entries the LoopNest
///            marks known are not read;
///   extents  one per label; read only when the nest's extents are not constants;
///   alpha    one value of the dtype (two components for complex; an f32 for bf16 and f16,
///            which kernels compute in): out = alpha * acc + …;
///   beta     one value of the dtype (likewise); when it is zero the output is not read.
/// It returns kStatusOk, or another status when it could not do its work. It never throws.
using KernelEntry = std::int32_t (*)(void* const* data, const std::int64_t* strides,
                                     const std::int64_t* extents, const void* alpha,
                                     const void* beta);
/// A parallel loop's body (einjit_rt_parallel_for): indices [lo, hi) of the loop, with the
/// kernel's arguments in ctx; returns a status as the kernel does.
using LoopBody = std::int32_t (*)(void* ctx, std::int64_t lo, std::int64_t hi);

// ---- signatures, as LLVM sees them ------------------------------------------------------------

namespace abi {

/// The C types that cross the ABI. Every pointer is one opaque pointer to LLVM.
enum class Type : std::uint8_t { Void, I32, I64, F32, F64, Ptr };

template <class T>
inline constexpr bool kUnsupported = false;

/// The ABI type of the C++ type T (a compile error for a type the ABI does not carry).
template <class T>
constexpr Type typeOf() {
  if constexpr (std::is_void_v<T>)
    return Type::Void;
  else if constexpr (std::is_pointer_v<T>)
    return Type::Ptr;
  else if constexpr (std::is_integral_v<T> && sizeof(T) == 4)
    return Type::I32;
  else if constexpr (std::is_integral_v<T> && sizeof(T) == 8)
    return Type::I64;
  else if constexpr (std::is_same_v<T, float>)
    return Type::F32;
  else if constexpr (std::is_same_v<T, double>)
    return Type::F64;
  else
    static_assert(kUnsupported<T>, "a type the kernel ABI does not carry");
}

inline constexpr std::size_t kMaxParameters = 10;

/// A function's result and parameter types.
struct Signature {
  Type result = Type::Void;
  std::array<Type, kMaxParameters> parameters{};
  std::size_t parameterCount = 0;
};

template <class R, class... A>
constexpr Signature signatureOf(R (*)(A...)) {
  static_assert(sizeof...(A) <= kMaxParameters);
  Signature signature;
  signature.result = typeOf<R>();
  signature.parameters = {typeOf<A>()...};
  signature.parameterCount = sizeof...(A);
  return signature;
}
template <class R, class... A>
constexpr Signature signatureOf(R (*function)(A...) noexcept) {
  return signatureOf(static_cast<R (*)(A...)>(function));
}

/// The kernel entry's signature (KernelEntry).
inline constexpr Signature kKernelEntry = signatureOf(KernelEntry{});
/// A parallel loop body's signature (LoopBody).
inline constexpr Signature kLoopBody = signatureOf(LoopBody{});

/// Every runtime function generated code calls.
enum class Function : std::uint8_t {
  ParallelFor,          ///< einjit_rt_parallel_for (ThreadPool.h)
  ParallelForPerThread, ///< einjit_rt_parallel_for_per_thread (ThreadPool.h)
  Scratch,              ///< einjit_rt_scratch (Scratch.h)
  FillOffsets,          ///< einjit_rt_fill_offsets (OffsetTable.h)
  PackRowsF32,          ///< einjit_rt_pack_rows_f32 (PackedEdges.h)
  PackRowsF64,          ///< einjit_rt_pack_rows_f64
  PackRowsBF16,         ///< einjit_rt_pack_rows_bf16
  PackRowsF16,          ///< einjit_rt_pack_rows_f16
  PackPairsBF16,        ///< einjit_rt_pack_pairs_bf16
  StoreTileF32,         ///< einjit_rt_store_tile_f32 (PackedEdges.h)
  StoreTileF64,         ///< einjit_rt_store_tile_f64
  StoreTileBF16,        ///< einjit_rt_store_tile_bf16
  StoreTileF16,         ///< einjit_rt_store_tile_f16
  CallWithThreads,      ///< einjit_rt_call_with_threads (ThreadedCall.h), for AOT entry points
};

/// What codegen may assume about a call besides its type. Every runtime function is noexcept.
enum class Effects : std::uint8_t {
  Any,                ///< nothing more
  ArgumentMemoryOnly, ///< touches only memory its pointer arguments point into, keeps none of
                      ///< them, returns, does not synchronize or free: LLVM may keep other loads
                      ///< in registers across the call
};

/// One row of the table.
struct RuntimeFunction {
  Function id;
  const char* name;
  Signature signature;
  Effects effects;
  void (*address)(); ///< the function, to be cast back to its own type before a call
};

/// The table, one row per Function in its order.
std::span<const RuntimeFunction> runtimeFunctions();
/// The row of `function`.
const RuntimeFunction& runtimeFunction(Function function);

} // namespace abi

} // namespace einjit::runtime
