// Fuzz target: what decodes the bytes of a persistent-cache entry file (DiskCache::decode) and
// the object bundle inside it (unbundleObjects). The input is tried as it is and with its
// checksum appended, so that mutations reach the field decoding behind the checksum. Whatever
// decodes re-encodes to the same bytes.
#include "FuzzCheck.h"
#include "jit/DiskCache.h"
#include "jit/ObjectBundle.h"

namespace einjit::fuzz {
namespace {

/// The entry files' checksum (FNV-1a, 64 bits, little-endian after the body).
std::string checksummed(std::string body) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char byte : body) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  }
  for (int i = 0; i < 8; ++i)
    body.push_back(static_cast<char>((hash >> (8 * i)) & 0xff));
  return body;
}

void unbundle(std::string_view bytes) {
  std::vector<std::string> objects;
  try {
    objects = jit::unbundleObjects(bytes);
  } catch (const Error&) {
    // A bundle that does not decode is an Internal error by design: the JIT only ever links
    // bundles it made or that passed the entry checksum.
    return;
  }
  check(!objects.empty(), "an empty bundle decoded");
  check(jit::bundleObjects(objects) == bytes, "a decoded bundle re-encodes to other bytes");
}

void decode(const std::string& bytes) {
  std::string problem;
  std::optional<jit::DiskEntry> entry = jit::DiskCache::decode(bytes, problem);
  if (!entry) {
    check(!problem.empty(), "a rejected entry says no problem");
    return;
  }
  check(jit::DiskCache::encode(entry->identity, entry->object) == bytes,
        "a decoded entry re-encodes to other bytes");
  unbundle(entry->object);
}

} // namespace
} // namespace einjit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  einjit::fuzz::decode(bytes);
  einjit::fuzz::decode(einjit::fuzz::checksummed(bytes));
  einjit::fuzz::unbundle(bytes);
  return 0;
}
