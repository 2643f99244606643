// A kernel's machine code as one byte string: the object files it was compiled into (a packed
// kernel compiles as two, on two threads), in the form the JIT links and the disk cache stores.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace einjit::jit {

/// "EJOBJS\n" | u32 count | count fields (u64 length + object bytes), little-endian.
std::string bundleObjects(const std::vector<std::string>& objects);
/// The objects of a bundle. Throws Error(Internal, "jit (link): …") when the bytes are not a
/// whole bundle of at least one object.
std::vector<std::string> unbundleObjects(std::string_view bundle);

} // namespace einjit::jit
