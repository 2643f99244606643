// The JIT: links kernel object files into the running process through ORC LLJIT, one resource
// tracker per kernel so that each kernel's code is freed on its own. JIT.cpp is the only file
// that touches ORC.
#pragma once

#include "jit/Kernel.h"

#include <memory>
#include <string>

namespace einjit::jit {

class Jit {
public:
  /// An LLJIT for the host process; its JITDylib resolves other symbols (libm, memset) from the
  /// process. Throws Error(Internal, "jit (create): …") when LLVM cannot make one.
  Jit();
  ~Jit();
  Jit(const Jit&) = delete;
  Jit& operator=(const Jit&) = delete;

  /// A process-unique symbol name for the next kernel.
  std::string newSymbol();
  /// Whether a live kernel of this Jit defines `symbol` (loading another would clash).
  bool defines(const std::string& symbol) const;
  /// Links `code` (an object bundle, ObjectBundle.h, for the host defining `symbol`) under a
  /// fresh resource tracker and returns the callable kernel; destroying the Kernel removes the
  /// tracker, which frees the code. The Jit's state lives until its last Kernel is gone. A bad
  /// bundle and LLVM failures throw Error(Internal, "jit (link): …").
  std::shared_ptr<const Kernel> load(const std::string& code, const std::string& symbol,
                                     double compileMillis);

private:
  struct State;
  std::shared_ptr<State> state_;
};

} // namespace einjit::jit
