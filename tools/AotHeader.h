// The C header `einjit compile` writes next to its object: one documented `extern "C"` entry
// point per kernel, with the contract the generated code keeps.
#pragma once

#include "driver/AotCompile.h"

#include <string>
#include <vector>

namespace einjit::cli {

/// The header text for `library` (its include guard is derived from it), compiled with
/// `options`. Every entry is threaded or none is.
std::string aotHeaderText(const std::string& library, const std::vector<driver::AotKernel>& entries,
                          const driver::AotOptions& options);

} // namespace einjit::cli
