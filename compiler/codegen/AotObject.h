// Ahead-of-time objects: several kernels in one relocatable object, each behind an `extern "C"`
// entry point that takes plain data pointers and alpha/beta by value, so that the program linking
// it needs neither LLVM nor the einjit runtime.
#pragma once

#include "codegen/Codegen.h"

#include <cstddef>
#include <string>
#include <vector>

namespace einjit::codegen {

/// One entry point of an ahead-of-time object.
///
/// Its C signature is `void name(const T* in0, …, T* out, A alpha, A beta)`: one pointer per
/// distinct input tensor, then the output; A is T for real and integer dtypes and `const T*`
/// (two components: real, imaginary) for complex ones. Every tensor is contiguous row-major, so
/// the nest must have every stride known. When `strided`, each pointer is followed by a
/// `const int64_t*` of that tensor's strides in elements, one per dimension, and the nest may
/// read any stride at run time. Extents are always constants.
struct AotEntryPoint {
  std::string name;
  ir::LoopNest nest;
  bool strided = false;
  std::size_t inputCount = 0; ///< distinct input tensors the entry point takes
  /// For each of nest.inputs, the input parameter it reads (two nest inputs may read one tensor).
  std::vector<std::size_t> inputOfTensor;
};

/// The target for `cpu` on the host's triple. Throws Error(Argument, "<call>: …") naming the
/// CPU when LLVM does not know it (rather than LLVM's warning and a generic CPU).
TargetDesc aotTarget(const std::string& cpu, const std::string& call);

/// A relocatable object defining every entry point (kernels inlined, nothing else exported),
/// optimized for `target`. Throws Error(Internal) for a nest that reads strides or extents at
/// run time and for LLVM failures.
std::string compileAotObject(const std::vector<AotEntryPoint>& entries, const TargetDesc& target);

} // namespace einjit::codegen
