// `einjit target [--target CPU] [--cache-sizes L1d,L2,L3] [--json]`: what kernels are compiled
// for — the CPU, its vectors, the caches the schedule sizes its blocks against — and whether they
// run on this machine. The golden tests read it to derive what the host gets.
#include "CommandLine.h"
#include "support/Json.h"

#include <iostream>

namespace einjit::cli {

namespace {

using support::jsonString;

std::string kib(std::size_t bytes) {
  return std::to_string(bytes >> 10) + " KiB";
}

} // namespace

int targetCommand(const std::vector<std::string>& args) {
  ParsedArguments parsed = parseArguments(args, withTargetOptions({{"--json", false}}), "target");
  if (parsed.help) {
    std::cout << kTargetHelp;
    return 0;
  }
  if (!parsed.positional.empty())
    throw UsageError("einjit target takes no arguments, got '" + parsed.positional[0] + "'");
  EngineOptions options = engineOptionsFrom(parsed);
  options.persistentCache = false;
  TargetInfo target = Engine(options).target();
  std::string missing;
  for (const std::string& feature : target.missingOnHost)
    missing += (missing.empty() ? "" : ", ") + feature;
  if (parsed.has("--json")) {
    std::string features;
    for (const std::string& feature : target.missingOnHost)
      features += (features.empty() ? "" : ", ") + jsonString(feature);
    std::cout << "{\"triple\": " << jsonString(target.triple)
              << ", \"cpu\": " << jsonString(target.cpu)
              << ", \"vector_bits\": " << target.vectorBits
              << ", \"vector_registers\": " << target.vectorRegisters
              << ", \"bf16_dot_product\": " << (target.bf16DotProduct ? "true" : "false")
              << ", \"l1d\": " << target.caches.l1d << ", \"l2\": " << target.caches.l2
              << ", \"l3\": " << target.caches.l3
              << ", \"runs_here\": " << (target.runsHere() ? "true" : "false")
              << ", \"missing_on_host\": [" << features << "]}\n";
    return 0;
  }
  std::cout << "target     " << target.triple << " " << target.cpu << "\n"
            << "vectors    " << target.vectorBits << "-bit, " << target.vectorRegisters
            << " registers\n"
            << "bf16       "
            << (target.bf16DotProduct ? "AVX512-BF16 dot product (vdpbf16ps)"
                                      : "widened to f32 (no AVX512-BF16)")
            << "\n"
            << "caches     L1d " << kib(target.caches.l1d) << ", L2 " << kib(target.caches.l2)
            << ", L3 " << kib(target.caches.l3) << "\n"
            << "runs here  " << (target.runsHere() ? "yes" : "no: this CPU lacks " + missing)
            << "\n";
  return 0;
}

} // namespace einjit::cli
