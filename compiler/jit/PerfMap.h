// Names for JIT-compiled code in Linux perf's profiles: with EINJIT_PERF_MAP=1, every kernel
// function the JIT links (entry point, units or chunk function, packing routines) gets a line
// "<start> <size> <name>" (hex) in /tmp/perf-<pid>.map, the file `perf report` reads for code
// that no ELF file describes. Included by JIT.cpp only (it pulls in ORC).
#pragma once

#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>

#include <memory>
#include <string>

namespace einjit::jit {

/// True when $EINJIT_PERF_MAP is set, non-empty and not "0".
bool perfMapRequested();
/// The map file of this process: /tmp/perf-<pid>.map.
std::string perfMapPath();
/// A JITLink plugin that appends each linked graph's defined functions to perfMapPath().
std::unique_ptr<llvm::orc::ObjectLinkingLayer::Plugin> makePerfMapPlugin();

} // namespace einjit::jit
