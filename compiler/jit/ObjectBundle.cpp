#include "jit/ObjectBundle.h"

#include "einjit/error.h"
#include "jit/ByteFields.h"

namespace einjit::jit {

namespace {

constexpr std::string_view kMagic = "EJOBJS\n";

[[noreturn]] void notABundle(const std::string& why) {
  throw Error(ErrorKind::Internal, "jit (link): kernel code is not an object bundle: " + why);
}

} // namespace

std::string bundleObjects(const std::vector<std::string>& objects) {
  std::string bundle(kMagic);
  appendInteger(bundle, objects.size(), 4);
  for (const std::string& object : objects)
    appendField(bundle, object);
  return bundle;
}

std::vector<std::string> unbundleObjects(std::string_view bundle) {
  if (bundle.substr(0, kMagic.size()) != kMagic)
    notABundle("no magic");
  ByteReader reader(bundle.substr(kMagic.size()));
  std::uint64_t count = 0;
  if (!reader.integer(count, 4) || count == 0)
    notABundle("no object count");
  std::vector<std::string> objects;
  for (std::uint64_t o = 0; o < count; ++o) {
    std::string object;
    if (!reader.field(object))
      notABundle("object " + std::to_string(o) + " of " + std::to_string(count) + " is cut short");
    objects.push_back(std::move(object));
  }
  if (!reader.atEnd())
    notABundle("bytes after the last object");
  return objects;
}

} // namespace einjit::jit
