// Ahead-of-time objects: several kernels in one relocatable object, each behind an `extern "C"`
// entry point that takes plain data pointers and alpha/beta by value, so that the program linking
// it needs no LLVM, and einjit_rt only when a kernel runs its parallel loop on the thread pool.
#pragma once

#include "codegen/Codegen.h"
#include "einjit/tensor.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace einjit::codegen {

/// An input array the entry point L2-normalizes before the contraction (Keras
/// Dot(normalize=True), docs/semantics.md §9.3): each fibre along `axis` is divided by
/// max(sqrt(Σ |x|²), epsilon), the sum taken in double, into a contiguous row-major copy in the
/// caller's scratch buffer, which the kernel then reads instead of the array.
struct AotNormalize {
  std::size_t input = 0; ///< the input parameter whose array is normalized
  Shape shape;           ///< that array's extents
  int axis = 0;
  double epsilon = 1e-7;
  std::int64_t scratchOffset = 0; ///< where the copy starts in scratch, in elements of the dtype
};

/// A kernel an entry point runs before its last one: a step of a contraction path (passes::
/// choosePath), or a copy widening a bf16 or f16 parameter to f32 (driver::ContractionPlan::
/// widen), writing a temporary, contiguous row-major, into the caller's scratch buffer with
/// alpha 1 and beta 0. Its nest reads parameters or earlier temporaries (`inputOfTensor`, encoded
/// as for AotEntryPoint) and writes its output, of the scratch's dtype (aotScratchDtype), with
/// every stride known.
/// A caller's array a chunked path's kernel reads or writes one chunk at a time (AotChunks):
/// the chunk-th time, `chunk` × c indices further along its dimension `dim`.
struct AotChunkedTensor {
  std::size_t dim = 0;
  /// Elements from one chunk to the next in the contiguous entry point (chunk × the array's
  /// row-major stride along dim); the strided one reads the stride from the caller's strides.
  std::int64_t contiguousStep = 0;
  bool operator==(const AotChunkedTensor&) const = default;
};

/// A chunked path (passes::PathChunks): steps from `firstChunkedStep` on, and the last kernel,
/// run `count` times, on chunks of `chunk` indices of one label.
struct AotChunks {
  std::size_t firstChunkedStep = 0;
  std::int64_t count = 0;
  std::int64_t chunk = 0;
};

struct AotStep {
  ir::LoopNest nest;
  std::vector<std::size_t> inputOfTensor; ///< per nest input: parameter, or inputCount + step
  Shape shape;                            ///< the temporary's extents
  /// Where the temporary starts in scratch, in elements of the scratch's dtype.
  std::int64_t scratchOffset = 0;
  /// Per nest input, where a chunked step reads its parameter one chunk at a time; empty
  /// otherwise.
  std::vector<std::optional<AotChunkedTensor>> chunkedTensors;
};

/// One entry point of an ahead-of-time object.
///
/// Its C signature is `int32_t name(const T* in0, …, T* out, [S* scratch,] A alpha, A beta
/// [, int threads])`, returning the kernel's status (runtime/KernelAbi.h: kStatusOk, or
/// kStatusOutOfMemory when a packed kernel could not get its scratch memory): one pointer per
/// distinct input tensor, then the output; A is T for real and integer dtypes (float for bf16
/// and f16) and `const T*` (two components: real, imaginary) for complex ones. Every tensor is
/// contiguous row-major, so the nest must have every stride known. When `strided`, each pointer is
/// followed by a `const int64_t*` of that tensor's strides in elements, one per dimension, and the
/// nest may read any stride at run time (but a normalized copy's strides are its own: contiguous).
/// Extents are always constants. `scratch` exists when `normalized` or `steps` is not empty; S
/// is aotScratchDtype's element type (float for a bf16 or f16 path). `steps` run first, in order,
/// each returning early with a status other than kStatusOk (a chunked path's steps from
/// AotChunks::firstChunkedStep, with `nest`, once per chunk); then `nest` writes the output (for a
/// bf16 or f16 path: an f32 nest rounding the last temporary into the 16-bit output, whose
/// ElementOps take alpha and beta as float, as every 16-bit kernel does). `threads` exists when
/// `threaded`: a nest with a parallel loop then runs it on einjit_rt's pool with that many threads
/// (<= 0: every hardware thread); without `threaded` the nest must have no parallel loop.
struct AotEntryPoint {
  std::string name;
  ir::LoopNest nest;
  bool strided = false;
  bool threaded = false;
  std::size_t inputCount = 0; ///< distinct input tensors the entry point takes
  /// For each of nest.inputs, the input parameter it reads (two nest inputs may read one
  /// tensor), or inputCount + k: the temporary steps[k] writes.
  std::vector<std::size_t> inputOfTensor;
  std::vector<AotStep> steps;
  /// Set for a chunked path: the chunked steps and `nest` run once per chunk, in a loop.
  std::optional<AotChunks> chunks;
  /// Per nest input and then the output, where `nest` reads or writes its parameter one chunk at
  /// a time (AotStep::chunkedTensors); empty where the path is not chunked.
  std::vector<std::optional<AotChunkedTensor>> chunkedTensors;
  std::vector<AotNormalize> normalized;
  /// For each of nest.inputs, the normalized copy it reads instead of its parameter (an index
  /// into `normalized`), or none. Empty: no input reads a copy.
  std::vector<std::optional<std::size_t>> normalizedOfTensor;
};

/// The dtype of the elements the scratch buffer of `entry` holds: its steps' output dtype (f32
/// for a bf16 or f16 path, whose temporaries are f32), else the nest's (normalized copies).
DType aotScratchDtype(const AotEntryPoint& entry);
/// Elements of aotScratchDtype the scratch buffer of `entry` must hold, normalized copies and
/// temporaries alike (0: it takes none).
std::int64_t aotScratchElements(const AotEntryPoint& entry);

/// A relocatable object defining every entry point (kernels inlined, nothing else exported),
/// optimized for `target`. Its only undefined symbols are libc's (memset, memcpy, fma, …) and,
/// when a threaded entry point's nest has a parallel loop, einjit_rt's
/// einjit_rt_call_with_threads (runtime/ThreadedCall.h) and einjit_rt_parallel_for. Throws
/// Error(Internal) for a nest that reads strides or extents at run time, a parallel nest in an
/// entry point that is not threaded, and LLVM failures.
std::string compileAotObject(const std::vector<AotEntryPoint>& entries, const TargetDesc& target);
/// The LLVM IR text of that object's module before optimization: what identifies the object in
/// the persistent kernel cache (the same entries and target give the same object).
std::string aotModuleText(const std::vector<AotEntryPoint>& entries, const TargetDesc& target);

} // namespace einjit::codegen
