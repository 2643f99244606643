// The kernel ABI (runtime/KernelAbi.h) against the code generator: every einjit_rt_* function
// generated IR declares, every kernel entry and every parallel loop body must have the LLVM type
// of the C++ prototype, spelled here from the prototypes themselves (not from the table).
#include "KernelAbi.h"
#include "JitTestSupport.h"
#include "OffsetTable.h"
#include "PackedEdges.h"
#include "Scratch.h"
#include "ThreadPool.h"
#include "ThreadedCall.h"
#include "codegen/AotObject.h"
#include "codegen/Codegen.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <type_traits>

namespace einjit::test {
namespace {

namespace abi = runtime::abi;

template <class T>
std::string llvmName() {
  if constexpr (std::is_void_v<T>)
    return "void";
  else if constexpr (std::is_pointer_v<T>)
    return "ptr";
  else if constexpr (std::is_same_v<T, float>)
    return "float";
  else if constexpr (std::is_same_v<T, double>)
    return "double";
  else
    return "i" + std::to_string(8 * sizeof(T));
}

/// "result (parameter, …)" as LLVM prints the type of a function with this C++ prototype.
template <class R, class... A>
std::string llvmType(R (*)(A...)) {
  std::vector<std::string> parameters{llvmName<A>()...};
  std::string text = llvmName<R>() + " (";
  for (std::size_t p = 0; p < parameters.size(); ++p)
    text += (p ? ", " : "") + parameters[p];
  return text + ")";
}
template <class R, class... A>
std::string llvmType(R (*function)(A...) noexcept) {
  return llvmType(static_cast<R (*)(A...)>(function));
}

struct Prototype {
  std::string type;
  void (*address)();
};

template <class F>
Prototype prototypeOf(F* function) {
  return {llvmType(function), reinterpret_cast<void (*)()>(function)};
}

/// Every runtime function generated code may call, from its header.
const std::map<std::string, Prototype>& runtimePrototypes() {
  static const std::map<std::string, Prototype> prototypes = {
      {"einjit_rt_parallel_for", prototypeOf(&einjit_rt_parallel_for)},
      {"einjit_rt_parallel_for_per_thread", prototypeOf(&einjit_rt_parallel_for_per_thread)},
      {"einjit_rt_scratch", prototypeOf(&einjit_rt_scratch)},
      {"einjit_rt_fill_offsets", prototypeOf(&einjit_rt_fill_offsets)},
      {"einjit_rt_pack_rows_f32", prototypeOf(&einjit_rt_pack_rows_f32)},
      {"einjit_rt_pack_rows_f64", prototypeOf(&einjit_rt_pack_rows_f64)},
      {"einjit_rt_pack_rows_bf16", prototypeOf(&einjit_rt_pack_rows_bf16)},
      {"einjit_rt_pack_rows_f16", prototypeOf(&einjit_rt_pack_rows_f16)},
      {"einjit_rt_pack_pairs_bf16", prototypeOf(&einjit_rt_pack_pairs_bf16)},
      {"einjit_rt_store_tile_f32", prototypeOf(&einjit_rt_store_tile_f32)},
      {"einjit_rt_store_tile_f64", prototypeOf(&einjit_rt_store_tile_f64)},
      {"einjit_rt_store_tile_bf16", prototypeOf(&einjit_rt_store_tile_bf16)},
      {"einjit_rt_store_tile_f16", prototypeOf(&einjit_rt_store_tile_f16)},
      {"einjit_rt_call_with_threads", prototypeOf(&einjit_rt_call_with_threads)},
  };
  return prototypes;
}

/// One function as a `declare` or `define` line of IR text shows it: name and type.
struct IrFunction {
  std::string name;
  std::string type;
};

/// The functions `keyword` ("declare" or "define") lines of `ir` name, with their types (the
/// result before the name, the first word of each parameter, attributes dropped).
std::vector<IrFunction> functionsOf(const std::string& ir, const std::string& keyword) {
  std::vector<IrFunction> functions;
  std::istringstream lines(ir);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(keyword + " ", 0) != 0)
      continue;
    std::size_t at = line.find('@');
    std::size_t open = line.find('(', at);
    std::size_t close = line.find(')', open);
    std::istringstream before(line.substr(0, at));
    std::string word;
    std::string result;
    while (before >> word)
      result = word;
    IrFunction function{line.substr(at + 1, open - at - 1), result + " ("};
    std::istringstream parameters(line.substr(open + 1, close - open - 1));
    std::string parameter;
    bool first = true;
    while (std::getline(parameters, parameter, ',')) {
      std::istringstream words(parameter);
      words >> word;
      function.type += (first ? "" : ", ") + word;
      first = false;
    }
    function.type += ")";
    functions.push_back(function);
  }
  return functions;
}

passes::LoopOptions optionsFor(ir::Strategy strategy) {
  passes::LoopOptions options;
  options.strategy = strategy;
  return options;
}

/// Kernels that together call every runtime function: packed f32, f64, f16, bf16 with f32 panels
/// and bf16 with K-pair panels (parallel), a parallel direct nest, and an ahead-of-time entry
/// point of a parallel packed kernel.
std::vector<std::pair<std::string, std::string>> generatedModules() {
  codegen::TargetDesc host = codegen::hostTarget();
  std::vector<std::pair<std::string, std::string>> modules;
  ir::LoopNest packed32 =
      contiguousNest(programOf("ik,kj->ij", {{256, 256}, {256, 256}}, DType::f32),
                     optionsFor(ir::Strategy::Packed));
  ir::LoopNest packed64 =
      contiguousNest(programOf("ik,kj->ij", {{256, 256}, {256, 256}}, DType::f64),
                     optionsFor(ir::Strategy::Packed));
  ir::LoopNest direct = contiguousNest(programOf("ik,kj->ij", {{256, 256}, {256, 256}}, DType::f32),
                                       optionsFor(ir::Strategy::Direct));
  passes::LoopOptions pairs = optionsFor(ir::Strategy::Packed);
  pairs.bf16DotProduct = true;
  for (DType half : {DType::bf16, DType::f16}) {
    ir::LoopNest nest = contiguousNest(programOf("ik,kj->ij", {{256, 256}, {256, 256}}, half),
                                       optionsFor(ir::Strategy::Packed));
    EXPECT_TRUE(nest.packed && nest.packed->panels == ir::Panels::F32);
    modules.emplace_back("k", codegen::emitLLVMIR(nest, host, "k", false));
  }
  ir::LoopNest bf16Pairs =
      contiguousNest(programOf("ik,kj->ij", {{256, 256}, {256, 256}}, DType::bf16), pairs);
  EXPECT_TRUE(bf16Pairs.packed && bf16Pairs.packed->panels == ir::Panels::Bf16Pairs);
  modules.emplace_back("k", codegen::emitLLVMIR(bf16Pairs, host, "k", false));
  EXPECT_TRUE(packed32.packed && packed32.runsInParallel());
  EXPECT_TRUE(packed64.packed && packed64.runsInParallel());
  EXPECT_TRUE(!direct.packed && direct.runsInParallel());
  modules.emplace_back("k", codegen::emitLLVMIR(packed32, host, "k", false));
  modules.emplace_back("k", codegen::emitLLVMIR(packed64, host, "k", false));
  modules.emplace_back("k", codegen::emitLLVMIR(direct, host, "k", false));
  codegen::AotEntryPoint entry;
  entry.name = "matmul";
  entry.nest = packed32;
  entry.threaded = true;
  entry.inputCount = 2;
  entry.inputOfTensor = {0, 1};
  modules.emplace_back("matmul.einjit_kernel", codegen::aotModuleText({entry}, host));
  return modules;
}

TEST(KernelAbi, TableRowsAreInOrderAndAreTheRuntimesFunctions) {
  std::set<std::string> names;
  std::size_t index = 0;
  for (const abi::RuntimeFunction& row : abi::runtimeFunctions()) {
    EXPECT_EQ(static_cast<std::size_t>(row.id), index++) << row.name;
    EXPECT_TRUE(names.insert(row.name).second) << row.name << " twice";
    auto prototype = runtimePrototypes().find(row.name);
    ASSERT_NE(prototype, runtimePrototypes().end()) << row.name << " is not a runtime function";
    EXPECT_EQ(row.address, prototype->second.address) << row.name;
  }
  EXPECT_EQ(names.size(), runtimePrototypes().size());
}

TEST(KernelAbi, GeneratedDeclarationsMatchTheCxxPrototypes) {
  std::string entryType = llvmType(runtime::KernelEntry{});
  std::string bodyType = llvmType(runtime::LoopBody{});
  EXPECT_EQ(entryType, "i32 (ptr, ptr, ptr, ptr, ptr)");
  std::set<std::string> declared;
  for (const auto& [kernel, ir] : generatedModules()) {
    for (const IrFunction& function : functionsOf(ir, "declare")) {
      if (function.name.rfind("einjit_rt_", 0) != 0)
        continue; // LLVM intrinsics
      declared.insert(function.name);
      auto prototype = runtimePrototypes().find(function.name);
      ASSERT_NE(prototype, runtimePrototypes().end()) << function.name << " in\n" << ir;
      EXPECT_EQ(function.type, prototype->second.type) << function.name;
    }
    bool sawEntry = false;
    for (const IrFunction& function : functionsOf(ir, "define")) {
      if (function.name == kernel) {
        sawEntry = true;
        EXPECT_EQ(function.type, entryType) << kernel;
      }
      if (function.name == kernel + ".units" || function.name == kernel + ".chunk") {
        EXPECT_EQ(function.type, bodyType) << function.name;
      }
    }
    EXPECT_TRUE(sawEntry) << kernel << " in\n" << ir;
  }
  // Together the modules call every function of the table.
  for (const abi::RuntimeFunction& row : abi::runtimeFunctions())
    EXPECT_TRUE(declared.count(row.name)) << row.name << " is declared by no module";
}

TEST(KernelAbi, AheadOfTimeEntryPointsReturnTheKernelsStatus) {
  codegen::TargetDesc host = codegen::hostTarget();
  ir::LoopNest nest = contiguousNest(programOf("ik,kj->ij", {{8, 8}, {8, 8}}, DType::f64),
                                     optionsFor(ir::Strategy::Direct));
  codegen::AotEntryPoint entry;
  entry.name = "small";
  entry.nest = nest;
  entry.inputCount = 2;
  entry.inputOfTensor = {0, 1};
  std::string ir = codegen::aotModuleText({entry}, host);
  bool found = false;
  for (const IrFunction& function : functionsOf(ir, "define"))
    if (function.name == "small") {
      found = true;
      EXPECT_EQ(function.type, "i32 (ptr, ptr, ptr, double, double)");
    }
  EXPECT_TRUE(found) << ir;
}

} // namespace
} // namespace einjit::test
