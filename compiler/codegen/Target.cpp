// The target: the host CPU as LLVM sees it (name and features), or a named CPU, and the vector
// width and register count the schedule sizes its register tile by.
#include "codegen/LLVMCodegen.h"

#include "einjit/error.h"

#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/Triple.h>

#include <algorithm>
#include <mutex>
#include <vector>

namespace einjit::codegen {

void codegenFailure(const std::string& stage, const std::string& what) {
  throw Error(ErrorKind::Internal, "codegen (" + stage + "): " + what);
}

void initializeNativeTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

namespace {

/// LLVM's target for `triple`, or Error(Internal) naming it.
const llvm::Target& llvmTarget(const std::string& triple) {
  initializeNativeTarget();
  std::string error;
  const llvm::Target* found = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!found)
    codegenFailure("target", "no LLVM target for triple '" + triple + "': " + error);
  return *found;
}

} // namespace

std::unique_ptr<llvm::TargetMachine> createTargetMachine(const TargetDesc& target) {
  const llvm::Target* found = &llvmTarget(target.triple);
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> machine(found->createTargetMachine(
      target.triple, target.cpu, target.features, options, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    codegenFailure("target", "LLVM cannot make a target machine for " + target.key());
  return machine;
}

namespace {

/// Fills the vector width and register count from the features the machine really has.
TargetDesc describe(TargetDesc target) {
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(target);
  const llvm::MCSubtargetInfo* subtarget = machine->getMCSubtargetInfo();
  llvm::Triple triple(target.triple);
  if (triple.isX86()) {
    target.bf16DotProduct = subtarget->checkFeatures("+avx512bf16");
    if (subtarget->checkFeatures("+avx512f")) {
      target.vectorBits = 512;
      target.vectorRegisters = 32;
    } else if (subtarget->checkFeatures("+avx")) {
      target.vectorBits = 256;
      target.vectorRegisters = 16;
    } else {
      target.vectorBits = 128;
      target.vectorRegisters = 16;
    }
  } else if (triple.isAArch64()) {
    target.vectorBits = 128;
    target.vectorRegisters = 32;
  }
  return target;
}

} // namespace

TargetDesc hostTarget() {
  TargetDesc target;
  target.triple = llvm::sys::getProcessTriple();
  target.cpu = llvm::sys::getHostCPUName().str();
  std::vector<std::string> features;
  for (const auto& feature : llvm::sys::getHostCPUFeatures())
    features.push_back((feature.getValue() ? "+" : "-") + feature.getKey().str());
  std::sort(features.begin(), features.end());
  for (const std::string& feature : features)
    target.features += (target.features.empty() ? "" : ",") + feature;
  return describe(std::move(target));
}

TargetDesc namedTarget(const std::string& cpu, const std::string& triple) {
  TargetDesc target;
  target.triple = triple.empty() ? llvm::sys::getProcessTriple() : triple;
  target.cpu = cpu;
  return describe(std::move(target));
}

TargetDesc resolveTarget(const std::string& cpu, const std::string& context) {
  if (cpu == "host" || cpu.empty())
    return hostTarget();
  std::string triple = llvm::sys::getProcessTriple();
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      llvmTarget(triple).createMCSubtargetInfo(triple, "", ""));
  if (!subtarget || !subtarget->isCPUStringValid(cpu))
    throw Error(ErrorKind::Argument,
                context + ": LLVM does not know the CPU '" + cpu + "' for " + triple +
                    " (e.g. x86-64-v3, x86-64-v4, znver4, sapphirerapids, or 'host'; "
                    "'llc -mcpu=help' lists them)");
  return namedTarget(cpu, triple);
}

std::vector<std::string> featuresMissingOnHost(const TargetDesc& target) {
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      llvmTarget(target.triple).createMCSubtargetInfo(target.triple, target.cpu, target.features));
  // The host's feature map names exactly the ISA extensions CPUID reports, so tuning flags a
  // CPU name implies never count as missing.
  std::vector<std::string> missing;
  for (const auto& feature : llvm::sys::getHostCPUFeatures())
    if (!feature.getValue() && subtarget->checkFeatures("+" + feature.getKey().str()))
      missing.push_back(feature.getKey().str());
  std::sort(missing.begin(), missing.end());
  return missing;
}

} // namespace einjit::codegen
