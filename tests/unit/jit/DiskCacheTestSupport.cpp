#include "DiskCacheTestSupport.h"

#include "JitTestSupport.h"
#include "TestSupport.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <unistd.h>

namespace einjit::test {

namespace fs = std::filesystem;

TemporaryDirectory::TemporaryDirectory(const std::string& prefix) {
  const testing::TestInfo* test = testing::UnitTest::GetInstance()->current_test_info();
  std::string name = test ? std::string(test->test_suite_name()) + "-" + test->name() : "main";
  path_ = fs::temp_directory_path() / (prefix + "-" + std::to_string(::getpid()) + "-" + name);
  fs::remove_all(path_);
  fs::create_directories(path_);
  fs::permissions(path_, fs::perms::owner_all);
}

TemporaryDirectory::~TemporaryDirectory() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

void printWarning(const std::string& message) {
  std::fprintf(stderr, "einjit: warning: %s\n", message.c_str());
}

EngineOptions optionsFor(const fs::path& directory) {
  EngineOptions options;
  options.cacheDirectory = directory.string();
  options.diagnostics = [](const Diagnostic& diagnostic) {
    EXPECT_EQ(diagnostic.kind, Diagnostic::Kind::Warning);
    printWarning(diagnostic.message);
  };
  return options;
}

std::string readBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void expectComputes(Engine& engine, const std::string& spec, const std::vector<Shape>& shapes,
                    DType dtype) {
  Plan plan = engine.plan(spec, shapes, dtype);
  std::vector<Tensor> inputs;
  std::vector<TensorView> views;
  for (std::size_t t = 0; t < shapes.size(); ++t) {
    inputs.push_back(arange(dtype, shapes[t], -3.0 * static_cast<double>(t)));
    views.push_back(inputs.back().view());
  }
  Tensor expected = reference::interpret(programOf(spec, shapes, dtype), views);
  expectClose(plan.run(views).view(), expected.view(), 0, spec);
}

} // namespace einjit::test
