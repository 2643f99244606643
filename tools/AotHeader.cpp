// The header of an ahead-of-time library. It has to be valid C89-style C and C++ at once, and
// readable on its own: the comment above each entry point is the only documentation a user of
// the object gets.
#include "AotHeader.h"

#include "support/Format.h"

#include <cctype>
#include <sstream>

namespace einjit::cli {

namespace {

std::string cElementType(DType dtype) {
  switch (dtype) {
  case DType::f32:
  case DType::c64:
    return "float";
  case DType::f64:
  case DType::c128:
    return "double";
  case DType::i32:
    return "int32_t";
  case DType::i64:
    return "int64_t";
  case DType::bf16:
  case DType::f16:
    return "uint16_t";
  }
  return "void";
}

// alpha and beta: bf16 and f16 kernels compute in, and take their scalars as, float.
std::string cScalarType(DType dtype) {
  return isHalfPrecision(dtype) ? "float" : cElementType(dtype);
}

std::string storageNote(DType dtype) {
  if (dtype == DType::bf16)
    return " holding bfloat16 bits (the upper half of a float's;\n"
           " *     ml_dtypes.bfloat16, torch.bfloat16, __bf16)";
  if (dtype == DType::f16)
    return " holding IEEE binary16 bits (numpy float16, _Float16)";
  return "";
}

// Call text goes into a C comment: a "*/" in it would end the comment early.
std::string commentSafe(std::string text) {
  for (std::size_t at = text.find("*/"); at != std::string::npos; at = text.find("*/", at))
    text.replace(at, 2, "* /");
  return text;
}

std::string shapeText(const Shape& shape) {
  if (shape.empty())
    return "scalar";
  std::vector<std::string> parts;
  for (std::int64_t extent : shape)
    parts.push_back(std::to_string(extent));
  return "[" + support::join(parts, "][") + "]";
}

std::int64_t elementCount(const Shape& shape) {
  std::int64_t count = 1;
  for (std::int64_t extent : shape)
    count *= extent;
  return count;
}

std::string guardOf(const std::string& library) {
  std::string guard = "EINJIT_AOT_";
  for (char c : library)
    guard += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return guard + "_H";
}

std::string scratchMacro(const std::string& name) {
  std::string macro;
  for (char c : name)
    macro += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return macro + "_SCRATCH_ELEMENTS";
}

// Normalized copies and a path's temporaries go to the caller's scratch buffer.
bool takesScratch(const driver::AotKernel& entry) {
  return !entry.normalized.empty() || !entry.path.steps.empty();
}

void writeEntry(std::ostringstream& os, const driver::AotKernel& entry) {
  const ContractionFacts& result = entry.facts.result;
  DType dtype = entry.facts.dtype;
  std::optional<DType> outputDtype = entry.facts.outputDtype;
  bool complex = isComplex(dtype);
  std::string element = cElementType(dtype);
  std::string outElement = cElementType(outputDtype.value_or(dtype));
  std::string units = complex ? " (interleaved real, imaginary pairs)" : "";
  os << "/* " << entry.name << ": " << commentSafe(entry.call) << "\n";
  if (entry.facts.batchDot && entry.facts.batchDot->legacyChosen)
    os << " *   read as legacy Keras did (Keras <= 2.2.4, TensorFlow backend; "
          "--batch-dot=legacy)\n";
  os << " *   index notation: " << commentSafe(result.index) << "\n";
  os << " *   einsum:         " << result.einsum << "\n";
  os << " *   dtype " << dtypeName(dtype) << ": elements are " << element << units
     << storageNote(dtype) << ".\n";
  if (outputDtype)
    os << " *   out is " << dtypeName(*outputDtype) << ": its elements are " << outElement << ".\n";
  if (isHalfPrecision(dtype))
    os << " *   Computed in float: inputs widen exactly, sums accumulate in float, alpha and beta\n"
       << (outputDtype ? " *   are floats, and out holds the float sums unrounded (--output-dtype "
                         "f32).\n"
                       : " *   are floats, and each output element is rounded once, to nearest "
                         "even.\n");
  os << " *   Every array is contiguous, row-major (C order), with exactly these extents:\n";
  for (std::size_t i = 0; i < entry.inputNames.size(); ++i)
    os << " *     " << entry.inputNames[i] << " " << shapeText(entry.inputShapes[i]) << "  ("
       << elementCount(entry.inputShapes[i]) << " elements, read only)\n";
  const Shape& outShape = result.outShape;
  os << " *     out " << shapeText(outShape) << "  (" << elementCount(outShape)
     << " elements, written)\n";
  os << " *   Computes out = alpha * result + beta * out; when beta == 0, out is not read (it may\n"
        " *   hold anything). out must not overlap an input.\n";
  if (complex)
    os << " *   alpha and beta point at two " << element << "s: real, imaginary.\n";
  for (const driver::AotKernel::Normalized& input : entry.normalized)
    os << " *   " << input.name << " is first L2-normalized along its axis " << input.axis
       << ": each fibre\n *     divided by max(sqrt(sum of |x|^2), "
       << support::shortestDouble(input.epsilon) << ") (Keras Dot(normalize=True)).\n";
  if (!entry.path.steps.empty()) {
    os << " *   Runs as the contraction path the JIT takes (`einjit explain --emit=path`), one\n"
          " *   kernel per step, each temporary contiguous in scratch:\n";
    if (entry.path.chunks)
      os << " *   (the steps listed per chunk run once per chunk, on its slice of the arrays and\n"
            " *   into temporaries of one chunk)\n";
    std::istringstream lines(entry.pathText);
    for (std::string line; std::getline(lines, line);)
      os << " *   " << line << "\n";
  }
  // A bf16 or f16 path keeps float copies of the inputs and float temporaries (the JIT's plan).
  bool widens = !entry.path.steps.empty() && entry.scratchDtype != dtype;
  std::string scratchElement = cElementType(entry.scratchDtype);
  if (widens)
    os << " *   As the JIT does, the inputs are first widened to " << scratchElement
       << " in scratch, the steps and\n"
          " *   their temporaries are "
       << scratchElement << ", and the result is rounded once into out.\n";
  if (widens)
    os << " *   scratch receives the widened inputs and the temporaries (the inputs are not\n"
       << " *   modified): at least " << scratchMacro(entry.name) << " " << scratchElement << "s ("
       << dtypeSize(entry.scratchDtype) << " bytes each, not " << element << "),\n"
       << " *   aligned for " << scratchElement
       << ", overlapping no array; its contents are not needed before or\n"
          " *   after the call.\n";
  else if (takesScratch(entry))
    os << " *   scratch receives the "
       << (entry.normalized.empty() ? "temporaries" : "normalized copies")
       << " (the inputs are not modified): at least\n"
       << " *   " << scratchMacro(entry.name) << " " << scratchElement << "s, aligned for "
       << scratchElement
       << ", overlapping no array; its\n *   contents are not needed before or after the call.\n";
  if (entry.scratchBytes > 0)
    os << " *   Returns EINJIT_STATUS_OK, or EINJIT_STATUS_OUT_OF_MEMORY when einjit_rt could not\n"
       << " *   allocate a thread's scratch memory (" << entry.scratchBytes
       << " bytes per thread, kept between calls):\n"
          " *   out is then not (completely) written.\n";
  else
    os << " *   Returns EINJIT_STATUS_OK: it allocates nothing and cannot fail.\n";
  if (!entry.threaded)
    os << " *   Single-threaded; reentrant (no global state), so threads may call it on separate\n"
          " *   outputs at once. Needs no einjit or LLVM library at link time. */\n";
  else if (entry.parallel)
    os << " *   Splits its outermost output loop across at most `threads` threads of einjit_rt's\n"
          " *   pool (fewer when the work is small); the result does not depend on threads.\n"
          " *   Reentrant: threads may call it on separate outputs at once. */\n";
  else
    os << " *   Runs on the calling thread at these shapes (too little work to split): threads\n"
          " *   is ignored. Reentrant: threads may call it on separate outputs at once. */\n";
  std::string scalar = complex ? "const " + element + "* " : cScalarType(dtype) + " ";
  auto trailing = [&] {
    std::string text = takesScratch(entry) ? cElementType(entry.scratchDtype) + "* scratch, " : "";
    text += scalar + "alpha, " + scalar + "beta";
    return entry.threaded ? text + ", int threads" : text;
  };
  if (takesScratch(entry))
    os << "#define " << scratchMacro(entry.name) << " "
       << entry.scratchElements * (isComplex(entry.scratchDtype) ? 2 : 1) << "\n";
  os << "int32_t " << entry.name << "(";
  for (const std::string& name : entry.inputNames)
    os << "const " << element << "* " << name << ", ";
  os << outElement << "* out, " << trailing() << ");\n\n";

  if (!entry.hasStridedEntry) {
    os << "/* No " << entry.name << "_strided: the call ravels an operand, which only a "
       << "contiguous array\n * allows without a copy. */\n\n";
    return;
  }
  os << "/* " << entry.name << "_strided: the same on strided arrays: after each array, its "
     << "strides in\n"
        " * elements, one per dimension (any sign; 0 repeats an input; out must not overlap "
        "itself). */\n";
  os << "int32_t " << entry.name << "_strided(";
  for (const std::string& name : entry.inputNames)
    os << "const " << element << "* " << name << ", const int64_t* " << name << "_strides, ";
  os << outElement << "* out, const int64_t* out_strides, " << trailing() << ");\n\n";
}

} // namespace

std::string aotHeaderText(const std::string& library, const std::vector<driver::AotKernel>& entries,
                          const driver::AotOptions& options) {
  std::ostringstream os;
  std::string guard = guardOf(library);
  bool threaded = !entries.empty() && entries.front().threaded;
  bool anyParallel = false;
  for (const driver::AotKernel& entry : entries)
    anyParallel = anyParallel || entry.parallel;
  os << "/* " << library << ".h: contraction kernels compiled ahead of time by `einjit compile`\n"
     << " * for " << options.target.triple << ", CPU " << options.target.cpu
     << " (run them only on CPUs with its instruction set).\n";
  if (!threaded) {
    os << " * Link " << library
       << ".o into the program; it needs libc and libm (for fma on CPUs without\n"
       << " * FMA instructions), no einjit or LLVM library. Single-threaded (--single-threaded).\n"
       << " */\n";
  } else {
    os << " * Link " << library << ".o and einjit_rt (libeinjit_rt.a: CMake einjit::rt, or\n"
       << " * `pkg-config --libs einjit_rt`; it brings the C++ standard library and threads) into\n"
       << " * the program, with libc and libm; no LLVM library.\n"
       << " * Threading: every entry point takes a last argument `int threads`, the threads it "
          "may\n"
       << " * use: 1 runs on the calling thread only, 0 (or less) uses every hardware thread.\n"
       << " * Kernels that split run their outermost output loop on einjit_rt's process-wide pool\n"
       << " * (hardware threads - 1 workers, started on first use, beside the calling thread),\n"
       << " * giving each thread at least 2^18 multiply-adds. Each output element is computed\n"
       << " * the same way on any thread, so results are bitwise identical for every thread "
          "count.\n"
       << (anyParallel ? ""
                       : " * At these shapes no kernel here splits: threads is ignored and the\n"
                         " * object calls nothing in einjit_rt.\n")
       << " */\n";
  }
  os << "#ifndef " << guard << "\n#define " << guard << "\n\n#include <stdint.h>\n\n";
  // Every einjit header defines the same values (driver::kAotStatusOk, …), so two may be
  // included.
  os << "/* What every entry point returns. */\n#ifndef EINJIT_STATUS_OK\n"
     << "#define EINJIT_STATUS_OK " << driver::kAotStatusOk << " /* out holds the result */\n"
     << "#define EINJIT_STATUS_OUT_OF_MEMORY " << driver::kAotStatusOutOfMemory
     << " /* scratch memory could not be allocated */\n#endif\n\n";
  os << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  for (const driver::AotKernel& entry : entries)
    writeEntry(os, entry);
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  return os.str();
}

} // namespace einjit::cli
