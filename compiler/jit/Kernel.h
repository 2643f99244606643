// A compiled kernel as the runtime holds it: an entry point that stays callable for as long as
// the Kernel object lives. No LLVM types: the JIT supplies a release action that frees the code.
#pragma once

#include "codegen/Codegen.h"

#include <cstddef>
#include <functional>

namespace einjit::jit {

class Kernel {
public:
  /// `release` runs once, when the kernel is destroyed; it must not throw.
  Kernel(codegen::KernelEntry entry, std::size_t objectBytes, double compileMillis,
         std::function<void()> release)
      : entry_(entry), objectBytes_(objectBytes), compileMillis_(compileMillis),
        release_(std::move(release)) {}
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;
  ~Kernel() {
    if (release_)
      release_();
  }

  codegen::KernelEntry entry() const { return entry_; }
  /// Size of the object file the code came from.
  std::size_t objectBytes() const { return objectBytes_; }
  /// Wall-clock milliseconds from loop nest to callable code.
  double compileMillis() const { return compileMillis_; }

private:
  codegen::KernelEntry entry_;
  std::size_t objectBytes_;
  double compileMillis_;
  std::function<void()> release_;
};

} // namespace einjit::jit
