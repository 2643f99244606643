// The ahead-of-time examples (examples/aot): each program's printed results against the reference
// interpreter on the same operands (the threaded ones on 1 and 2 threads; path.c's three- and
// four-operand chains run a contraction path, checked against the fused statement), and the
// link-time claims of `einjit compile` — the objects reference only libc symbols (plus einjit_rt's
// thread pool when a kernel splits) and the programs load no LLVM or einjit library.
#include "TestSupport.h"
#include "frontend/CallText.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <complex>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

namespace einjit {
namespace {

/// A kernel as examples/aot/CMakeLists.txt compiles it, and the alpha/beta its program passes.
struct ExampleKernel {
  std::string name; ///< the line the program prints
  std::string expression;
  std::string shapes;
  DType dtype;
  std::complex<double> alpha;
  std::complex<double> beta;
  double tolerance;            ///< largest absolute error; 0: exact
  std::int64_t zeroed;         ///< leading elements of the first operand the program sets to 0
  std::string object;          ///< the einjit_add_kernel NAME, when not `name`
  bool legacyBatchDot = false; ///< BATCH_DOT legacy
  std::optional<DType> outputDtype = std::nullopt; ///< OUTPUT_DTYPE
  const std::string& objectName() const { return object.empty() ? name : object; }
};

// Cosines of f32 values: the kernel sums in f32 (with FMA), the interpreter in double.
constexpr double kCosineTolerance = 1e-6;
constexpr const char* kCosine = "keras.layers.Dot(axes=2, normalize=True)([x, y])";
constexpr const char* kChain3 = "np.einsum('ij,jk,kl->il', a, b, c)";
// Kernels whose objects call einjit_rt's pool: their work splits across threads.
const std::set<std::string> kSplitting = {"matmul_threaded", "chain3_large_f32"};

const std::vector<ExampleKernel>& exampleKernels() {
  static const std::vector<ExampleKernel> kernels = {
      {"matmul_f32", "np.matmul(a, b)", "a=2x3,b=3x4", DType::f32, 2.0, 0.5, 0, 0, ""},
      // The same kernel's strided entry point, on reversed and transposed copies (main.c).
      {"matmul_f32_strided", "np.matmul(a, b)", "a=2x3,b=3x4", DType::f32, 2.0, 0.5, 0, 0,
       "matmul_f32"},
      {"batch_dot_f64", "K.batch_dot(x, y, axes=[2, 1])", "x=2x3x4,y=2x4x2", DType::f64, 1.0, 0.0,
       0, 0, ""},
      // Exact: every result needs at most bf16's 8 significant bits.
      {"matmul_bf16", "np.matmul(a, b)", "a=2x3,b=3x4", DType::bf16, 2.0, 0.5, 0, 0, ""},
      {"gram_i32", "np.einsum('ij,kj->ik', a, a)", "a=3x4", DType::i32, 3.0, 0.0, 0, 0, ""},
      {"gram_i32_strided", "np.einsum('ij,kj->ik', a, a)", "a=3x4", DType::i32, 3.0, 0.0, 0, 0,
       "gram_i32"},
      {"outer_f64", "np.outer(p, q)", "p=2x2,q=3", DType::f64, 1.0, 0.0, 0, 0, ""},
      {"matvec_c64",
       "np.einsum('ij,j->i', m, v)",
       "m=3x2,v=2",
       DType::c64,
       {1.0, 1.0},
       {0.5, -1.0},
       0,
       0,
       ""},
      {"cosine_f32", kCosine, "x=2x3x4,y=2x5x4", DType::f32, 1.0, 0.0, kCosineTolerance, 0, ""},
      // Strided: x stored as [batch][k][row] (main.cpp).
      {"cosine_f32_strided", kCosine, "x=2x3x4,y=2x5x4", DType::f32, 1.0, 0.0, kCosineTolerance, 0,
       "cosine_f32"},
      {"cosine_f32_zero_row", kCosine, "x=2x3x4,y=2x5x4", DType::f32, 1.0, 0.0, kCosineTolerance, 4,
       "cosine_f32"},
      {"cosine_self_c64", "keras.layers.Dot(axes=(1, 2), normalize=True)([z, z])", "z=2x3x3",
       DType::c64, 1.0, 0.0, kCosineTolerance, 0, ""},
      {"batch_dot_legacy_f64", "K.batch_dot(x, y, axes=0)", "x=3x4,y=3x4", DType::f64, 1.0, 0.0, 0,
       0, "", true},
      // Exact: small integers, summed and scaled in f32.
      {"matmul_bf16_f32", "np.matmul(a, b)", "a=2x3,b=3x4", DType::bf16, 2.0, 0.5, 0, 0, "", false,
       DType::f32},
      {"matmul_threaded", "np.matmul(a, b)", "a=128x96,b=96x64", DType::f32, 2.0, 0.5, 0, 0, ""},
      // Contraction paths (path.c): the interpreter computes the fused statement.
      {"chain3_f32", kChain3, "a=4x3,b=3x5,c=5x2", DType::f32, 2.0, 0.5, 0, 0, ""},
      {"chain3_f32_strided", kChain3, "a=4x3,b=3x5,c=5x2", DType::f32, 2.0, 0.5, 0, 0,
       "chain3_f32"},
      {"chain4_f64", "np.einsum('ij,jk,kl,lm->im', w, x, y, z)", "w=2x3,x=3x4,y=4x5,z=5x2",
       DType::f64, 1.0, 0.0, 0, 0, ""},
      {"chain3_large_f32", kChain3, "a=128x96,b=96x128,c=128x64", DType::f32, 2.0, 0.5, 0, 0, ""},
      // Exact: the f32 temporary (up to 576) and the f32 result round once into bf16, as the
      // interpreter rounds its exact sums; bf16 temporaries would lose bits.
      {"chain3_bf16", kChain3, "a=2x64,b=64x8,c=8x3", DType::bf16, 2.0, 0.5, 0, 0, ""},
  };
  return kernels;
}

std::string commandOutput(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe)
    return "";
  std::string output;
  char buffer[4096];
  while (std::size_t read = std::fread(buffer, 1, sizeof buffer, pipe.get()))
    output.append(buffer, read);
  return output;
}

/// "NAME v0 v1 ..." lines of an example program, by name.
std::map<std::string, std::vector<double>> printedResults(const std::string& program) {
  std::map<std::string, std::vector<double>> results;
  std::istringstream lines(commandOutput(program));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name;
    words >> name;
    double value;
    while (words >> value)
      results[name].push_back(value);
  }
  return results;
}

/// The operands and initial output the example programs build (see examples/aot/main.c).
Tensor exampleOperand(DType dtype, const Shape& shape, int operand, std::int64_t zeroed) {
  Tensor tensor(dtype, shape);
  for (std::int64_t k = 0; k < tensor.elements(); ++k) {
    bool zero = operand == 0 && k < zeroed;
    double re = zero ? 0.0 : static_cast<double>((k * 3 + operand * 5) % 7 - 3);
    double im = zero ? 0.0 : static_cast<double>((k * 5 + operand) % 5 - 2);
    if (dtype == DType::f32)
      tensor.as<float>()[k] = static_cast<float>(re);
    else if (dtype == DType::f64)
      tensor.as<double>()[k] = re;
    else if (dtype == DType::i32)
      tensor.as<std::int32_t>()[k] = static_cast<std::int32_t>(re);
    else if (dtype == DType::c64)
      tensor.as<std::complex<float>>()[k] = {static_cast<float>(re), static_cast<float>(im)};
    else if (dtype == DType::bf16)
      tensor.as<bfloat16>()[k] = bfloat16(static_cast<float>(re));
    else
      ADD_FAILURE() << "no example fills " << dtypeName(dtype);
  }
  return tensor;
}

Tensor initialOutput(DType dtype, const Shape& shape) {
  Tensor tensor(dtype, shape);
  for (std::int64_t k = 0; k < tensor.elements(); ++k) {
    double value = static_cast<double>(k % 4) - 1.5;
    if (dtype == DType::f32)
      tensor.as<float>()[k] = static_cast<float>(value);
    else if (dtype == DType::bf16)
      tensor.as<bfloat16>()[k] = bfloat16(static_cast<float>(value));
    else if (dtype == DType::c64)
      tensor.as<std::complex<float>>()[k] = {static_cast<float>(value), 1.0f};
    else if (dtype != DType::f64 && dtype != DType::i32)
      ADD_FAILURE() << "no example accumulates into " << dtypeName(dtype);
  }
  return tensor;
}

/// What the interpreter computes for `kernel`, flattened like the programs print it.
std::vector<double> expectedResult(const ExampleKernel& kernel) {
  frontend::LowerOptions options;
  options.dtype = kernel.dtype;
  if (kernel.legacyBatchDot)
    options.batchDot = frontend::BatchDotSemantics::Legacy;
  frontend::LoweredCall lowered =
      frontend::lowerCallText(kernel.expression, frontend::parseShapes(kernel.shapes), options);
  ir::IndexProgram& program = lowered.program;
  program.outputDtype = kernel.outputDtype;
  std::vector<Tensor> distinct;
  std::vector<TensorView> views;
  for (std::size_t t = 0; t < program.operands.size(); ++t) {
    std::size_t source = lowered.operandSources.empty() ? t : lowered.operandSources[t];
    if (source == distinct.size())
      distinct.push_back(exampleOperand(kernel.dtype, program.operands[t].shape,
                                        static_cast<int>(source), kernel.zeroed));
    views.push_back(distinct[source].view());
  }
  Tensor out = initialOutput(kernel.outputDtype.value_or(kernel.dtype), program.outputShape());
  reference::InterpretOptions interpretOptions;
  interpretOptions.alpha = kernel.alpha;
  interpretOptions.beta = kernel.beta;
  reference::interpret(program, views, out.view(), interpretOptions);
  std::vector<double> flat;
  for (const std::complex<double>& value : test::valuesOf(out.view())) {
    flat.push_back(value.real());
    if (isComplex(kernel.dtype))
      flat.push_back(value.imag());
  }
  return flat;
}

void expectProgramMatchesInterpreter(const std::string& program,
                                     const std::vector<std::string>& kernels) {
  std::map<std::string, std::vector<double>> printed = printedResults(program);
  for (const ExampleKernel& kernel : exampleKernels()) {
    if (std::find(kernels.begin(), kernels.end(), kernel.name) == kernels.end())
      continue;
    SCOPED_TRACE(kernel.name);
    ASSERT_EQ(printed.count(kernel.name), 1u) << program << " printed no line for it";
    std::vector<double> expected = expectedResult(kernel);
    const std::vector<double>& actual = printed[kernel.name];
    ASSERT_EQ(actual.size(), expected.size());
    // Small integers throughout, which every dtype computes exactly, except for the cosines.
    for (std::size_t i = 0; i < expected.size(); ++i) {
      if (kernel.tolerance == 0)
        EXPECT_EQ(actual[i], expected[i]) << "element " << i;
      else
        EXPECT_NEAR(actual[i], expected[i], kernel.tolerance) << "element " << i;
    }
  }
}

TEST(AotExample, CProgramMatchesInterpreter) {
  expectProgramMatchesInterpreter(
      EINJIT_AOT_EXAMPLE_C, {"matmul_f32", "matmul_f32_strided", "batch_dot_f64", "matmul_bf16"});
}

TEST(AotExample, CppProgramMatchesInterpreter) {
  expectProgramMatchesInterpreter(EINJIT_AOT_EXAMPLE_CPP,
                                  {"gram_i32", "gram_i32_strided", "outer_f64", "matvec_c64",
                                   "cosine_f32", "cosine_f32_strided", "cosine_f32_zero_row",
                                   "cosine_self_c64", "batch_dot_legacy_f64", "matmul_bf16_f32"});
}

TEST(AotExample, NormalizedZeroRowGivesZeroCosines) {
  // The interpreter agreeing is not enough on its own: the row's cosines must be 0, not NaN.
  std::vector<double> cosines = printedResults(EINJIT_AOT_EXAMPLE_CPP)["cosine_f32_zero_row"];
  ASSERT_EQ(cosines.size(), 2u * 3u * 5u);
  for (std::size_t j = 0; j < 5; ++j)
    EXPECT_EQ(cosines[j], 0.0) << "cosine " << j;
  EXPECT_NE(cosines[5], 0.0);
}

TEST(AotExample, ThreadedProgramMatchesInterpreterOnOneAndTwoThreads) {
  std::string program = EINJIT_AOT_EXAMPLE_THREADED;
  expectProgramMatchesInterpreter(program + " 1", {"matmul_threaded"});
  expectProgramMatchesInterpreter(program + " 2", {"matmul_threaded"});
  // Bitwise the same for any thread count, as the header promises.
  EXPECT_EQ(commandOutput(program + " 1"), commandOutput(program + " 2"));
  EXPECT_EQ(commandOutput(program + " 2"), commandOutput(program + " 0"));
}

TEST(AotExample, PathProgramMatchesInterpreter) {
  std::string program = EINJIT_AOT_EXAMPLE_PATH;
  std::vector<std::string> kernels = {"chain3_f32", "chain3_f32_strided", "chain4_f64",
                                      "chain3_large_f32", "chain3_bf16"};
  expectProgramMatchesInterpreter(program + " 1", kernels);
  expectProgramMatchesInterpreter(program + " 2", kernels);
  EXPECT_EQ(commandOutput(program + " 1"), commandOutput(program + " 2"));
}

/// The symbols `object` leaves undefined.
std::set<std::string> undefinedSymbols(const std::string& object) {
  std::set<std::string> symbols;
  std::istringstream undefined(commandOutput("nm -u " + object));
  std::string kind, symbol;
  while (undefined >> kind >> symbol)
    symbols.insert(symbol);
  return symbols;
}

std::string objectPath(const std::string& name) {
  return std::string(EINJIT_AOT_OBJECT_DIR) + "/" + name + "/" + name + ".o";
}

TEST(AotExample, ObjectsReferenceOnlyLibcSymbols) {
  // What LLVM may call: loops it turns into library calls, and libm's fma on CPUs without FMA
  // instructions (batch_dot_f64 is compiled for x86-64-v2); nothing of LLVM or einjit. That
  // holds for SINGLE_THREADED kernels and for threaded ones too small to split.
  const std::set<std::string> libc = {"memset", "memcpy", "memmove", "fma", "fmaf"};
  std::set<std::string> checked;
  for (const ExampleKernel& kernel : exampleKernels()) {
    if (!checked.insert(kernel.objectName()).second || kSplitting.count(kernel.name))
      continue;
    std::string object = objectPath(kernel.objectName());
    std::string defined = commandOutput("nm --defined-only -g " + object);
    EXPECT_NE(defined.find(" T " + kernel.name + "\n"), std::string::npos) << defined;
    // A call that ravels an operand (np.outer) has no strided entry point.
    bool strided = kernel.expression.find("outer") == std::string::npos;
    EXPECT_EQ(defined.find(" T " + kernel.name + "_strided\n") != std::string::npos, strided)
        << defined;
    for (const std::string& symbol : undefinedSymbols(object))
      EXPECT_TRUE(libc.count(symbol)) << object << " needs " << symbol;
  }
}

void expectOnlyThreadPool(const std::string& object) {
  std::set<std::string> undefined = undefinedSymbols(object);
  // The kernel splits: it must run through einjit_rt, and need nothing else beyond libc.
  EXPECT_TRUE(undefined.count("einjit_rt_call_with_threads")) << object;
  const std::set<std::string> allowed = {"memset",
                                         "memcpy",
                                         "memmove",
                                         "fma",
                                         "fmaf",
                                         "einjit_rt_call_with_threads",
                                         "einjit_rt_parallel_for",
                                         "einjit_rt_parallel_for_per_thread",
                                         "einjit_rt_scratch",
                                         "einjit_rt_fill_offsets",
                                         "einjit_rt_pack_rows_f32",
                                         "einjit_rt_pack_rows_f64",
                                         "einjit_rt_store_tile_f32",
                                         "einjit_rt_store_tile_f64"};
  for (const std::string& symbol : undefined)
    EXPECT_TRUE(allowed.count(symbol)) << object << " needs " << symbol;
}

TEST(AotExample, ThreadedObjectsCallOnlyTheThreadPool) {
  for (const std::string& name : kSplitting) {
    SCOPED_TRACE(name);
    expectOnlyThreadPool(objectPath(name));
  }
}

TEST(AotExample, ProgramsLoadNoLlvmOrEinjitLibrary) {
  // einjit_rt is a static library: even the threaded program needs no einjit shared library.
  for (const std::string program : {EINJIT_AOT_EXAMPLE_C, EINJIT_AOT_EXAMPLE_CPP,
                                    EINJIT_AOT_EXAMPLE_THREADED, EINJIT_AOT_EXAMPLE_PATH}) {
    std::string dynamic = commandOutput("readelf -d " + program);
    ASSERT_NE(dynamic.find("(NEEDED)"), std::string::npos) << program << ": " << dynamic;
    std::istringstream lines(dynamic);
    std::string line;
    while (std::getline(lines, line))
      if (line.find("(NEEDED)") != std::string::npos) {
        EXPECT_EQ(line.find("LLVM"), std::string::npos) << program << ": " << line;
        EXPECT_EQ(line.find("einjit"), std::string::npos) << program << ": " << line;
      }
    std::string loaded = commandOutput("ldd " + program);
    EXPECT_EQ(loaded.find("LLVM"), std::string::npos) << loaded;
  }
}

} // namespace
} // namespace einjit
