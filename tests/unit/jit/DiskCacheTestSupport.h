// What the persistent-cache tests share: a private directory per test, engine options that use
// it, file bytes, and a check that an engine computes what the interpreter does.
#pragma once

#include "einjit/engine.h"

#include <filesystem>
#include <string>
#include <vector>

namespace einjit::test {

/// A directory of its own for the running test (mode 0700, as the cache wants it), named after
/// `prefix`, the process and the test, removed afterwards.
class TemporaryDirectory {
public:
  explicit TemporaryDirectory(const std::string& prefix = "einjit-test");
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

private:
  std::filesystem::path path_;
};

/// Default options with the persistent cache in `directory`.
EngineOptions optionsFor(const std::filesystem::path& directory);

/// Prints a disk-cache warning on stderr as the CLI does ("einjit: warning: MESSAGE"), so that
/// a test captures it: the library itself never writes to stderr.
void printWarning(const std::string& message);

/// The bytes of a file ("" when it cannot be read).
std::string readBytes(const std::filesystem::path& path);

/// Plans `spec` on `engine` and checks its result against the interpreter on arange data.
void expectComputes(Engine& engine, const std::string& spec, const std::vector<Shape>& shapes,
                    DType dtype = DType::f32);

} // namespace einjit::test
