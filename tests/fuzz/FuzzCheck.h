// What a fuzz target does when an input exposes a bug: print why and abort, which libFuzzer
// (and the replay driver) report as a crash with the input saved. Errors of a kind other than
// Internal are the user's and expected; an Internal one is an einjit bug.
#pragma once

#include "einjit/error.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace einjit::fuzz {

[[noreturn]] inline void fail(const std::string& why) {
  std::fprintf(stderr, "fuzz: %s\n", why.c_str());
  std::fflush(stderr);
  std::abort();
}

inline void check(bool condition, const std::string& why) {
  if (!condition)
    fail(why);
}

/// An error the input may rightly cause; an internal one is a bug.
inline void expectUserError(const Error& error) {
  if (error.kind() == ErrorKind::Internal)
    fail(std::string("internal error: ") + error.what());
}

} // namespace einjit::fuzz
