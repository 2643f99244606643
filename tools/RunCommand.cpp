// `einjit run EXPR a.npy b.npy [-o out.npy] [--alpha A] [--beta B] [--batch-dot=...]
// [--interpret | --check] [--time [--repeat N]] [--threads N] [--strategy=...]`: shapes and dtype
// come from the files; the JIT computes the result (the reference interpreter with --interpret).
#include "ArrayPrinter.h"
#include "CommandLine.h"
#include "Measurement.h"
#include "ResultCheck.h"
#include "driver/CallOperands.h"
#include "einjit/engine.h"
#include "einjit/error.h"
#include "einjit/npy.h"
#include "einjit/reference.h"
#include "support/Format.h"

#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

namespace einjit::cli {

namespace {

constexpr std::int64_t kDefaultRepeat = 10;

// Every operand must have one dtype: einjit computes in that dtype and does not promote.
DType commonDType(const std::vector<std::string>& paths, const std::vector<Tensor>& inputs) {
  for (std::size_t i = 1; i < inputs.size(); ++i)
    if (inputs[i].dtype() != inputs[0].dtype())
      throw Error(ErrorKind::Misuse, "run: the operands have different dtypes: " + paths[0] +
                                         " is " + std::string(dtypeName(inputs[0].dtype())) + ", " +
                                         paths[i] + " is " +
                                         std::string(dtypeName(inputs[i].dtype())) +
                                         " (einjit does not promote; convert them to one dtype)");
  return inputs[0].dtype();
}

// With beta != 0 the result accumulates into the existing output file.
Tensor initialOutput(const std::string& path, DType dtype, const Shape& shape) {
  if (path.empty() || !std::filesystem::exists(path))
    throw UsageError("--beta scales an existing output: give -o FILE naming a .npy file that "
                     "holds the initial output");
  Tensor out = readNpy(path);
  if (out.dtype() != dtype || out.shape() != shape)
    throw Error(ErrorKind::Misuse, "run: --beta: " + path + " holds " +
                                       std::string(dtypeName(out.dtype())) + " " +
                                       shapeToPython(out.shape()) + " but the result is " +
                                       std::string(dtypeName(dtype)) + " " + shapeToPython(shape));
  return out;
}

// Where a run writes: a copy of the initial output when beta reads it, else a fresh tensor.
Tensor outputFor(const std::optional<Tensor>& initial, DType dtype, const Shape& shape) {
  // The JIT, the interpreter and the timed runs each accumulate into their own copy.
  return initial ? initial->clone() : Tensor(dtype, shape);
}

std::string indexText(const Shape& index) {
  std::vector<std::string> parts;
  for (std::int64_t i : index)
    parts.push_back(std::to_string(i));
  return "[" + support::join(parts, ", ") + "]";
}

// Prints the comparison on stderr; false when the results differ.
bool reportCheck(const ReferenceCall& reference, const Tensor& computed, const Tensor& expected) {
  CheckResult check = compareWithReference(computed.view(), expected.view());
  std::string summary = errorSummary(check, reference.outputDtype());
  if (check.matches) {
    std::cerr << "einjit: check: the JIT result matches the interpreter's: " << summary << "\n";
    return true;
  }
  std::cerr << "einjit: error: check: the JIT result differs from the interpreter's at "
            << reference.outputName() << indexText(check.worstIndex) << ": " << check.worstComputed
            << " (JIT) vs " << check.worstReference << " (interpreter); " << summary << "\n";
  return false;
}

} // namespace

int runCommand(const std::vector<std::string>& args) {
  ParsedArguments parsed = parseArguments(args,
                                          withTargetOptions({{"-o", true},
                                                             {"--alpha", true},
                                                             {"--beta", true},
                                                             {"--batch-dot", true},
                                                             {"--output-dtype", true},
                                                             {"--interpret", false},
                                                             {"--check", false},
                                                             {"--time", false},
                                                             {"--repeat", true},
                                                             {"--threads", true},
                                                             {"--strategy", true},
                                                             {"--tune", true}}),
                                          "run");
  if (parsed.help) {
    std::cout << kRunHelp;
    return 0;
  }
  if (parsed.positional.size() < 2)
    throw UsageError("einjit run takes EXPR and one .npy file per operand");
  bool interpretOnly = parsed.has("--interpret");
  if (interpretOnly && parsed.has("--check"))
    throw UsageError("--check compares the JIT with the interpreter; it cannot go with "
                     "--interpret");
  if (parsed.has("--repeat") && !parsed.has("--time"))
    throw UsageError("--repeat N sets how many runs --time measures; give --time too");
  std::int64_t repeat =
      parsed.has("--repeat") ? parseCount(parsed.get("--repeat"), "--repeat", 1) : kDefaultRepeat;
  CallOptions callOptions = callOptionsFrom(parsed);
  RunOptions runOptions;
  if (parsed.has("--alpha"))
    runOptions.alpha = parseNumber(parsed.get("--alpha"), "--alpha");
  if (parsed.has("--beta"))
    runOptions.beta = parseNumber(parsed.get("--beta"), "--beta");
  runOptions.threads = parsed.has("--threads") ? parseThreadsOption(parsed.get("--threads")) : 1;
  EngineOptions engineOptions = engineOptionsFrom(parsed);

  const std::string& expression = parsed.positional[0];
  driver::CallOperands operands = driver::callOperands(expression);
  std::vector<std::string> paths(parsed.positional.begin() + 1, parsed.positional.end());
  if (!operands.countFromInputs && paths.size() != operands.names.size())
    throw Error(ErrorKind::Arity, "run: " + operands.function + " here takes " +
                                      std::to_string(operands.names.size()) + " operands (" +
                                      support::join(operands.names, ", ") + ") but " +
                                      std::to_string(paths.size()) + " .npy files were given");
  std::vector<Tensor> inputs;
  std::vector<Shape> shapes;
  for (const std::string& path : paths) {
    inputs.push_back(readNpy(path));
    shapes.push_back(inputs.back().shape());
  }
  DType dtype = commonDType(paths, inputs);
  DType outDtype = outputDtypeOf(dtype, callOptions);
  // The JIT's plan and the interpreter (--interpret, --check) each read the call.
  std::optional<ReferenceCall> reference;
  if (interpretOnly || parsed.has("--check"))
    reference.emplace(expression, shapes, dtype, callOptions);
  // One view per file: the plan and the interpreter bind them to the call's distinct operand
  // names (a name used twice, `a @ a`, reads its one file twice).
  std::vector<TensorView> views;
  for (const Tensor& input : inputs)
    views.push_back(input.view());

  // Declared before the plan: with EINJIT_STATS=1 the engine reports once its last plan is gone.
  std::optional<Engine> engine;
  std::optional<CompiledPlan> compiled;
  if (!interpretOnly) {
    engine.emplace(engineOptions);
    compiled = compilePlan(*engine, expression, shapes, dtype, callOptions);
  }
  Shape outShape = compiled ? compiled->plan.outputShape() : reference->outputShape();
  std::string outPath = parsed.get("-o");
  std::optional<Tensor> initial;
  if (runOptions.beta != std::complex<double>(0, 0))
    initial = initialOutput(outPath, outDtype, outShape);

  Tensor out = outputFor(initial, outDtype, outShape);
  if (interpretOnly)
    reference->run(views, out.view(), runOptions);
  else
    compiled->plan.run(views, out.view(), runOptions);

  if (parsed.has("--time")) {
    Tensor scratch = outputFor(initial, outDtype, outShape);
    auto restore = [&] {
      if (initial)
        std::memcpy(scratch.data(), initial->data(), initial->byteSize());
    };
    auto runOnce = [&] {
      if (interpretOnly)
        reference->run(views, scratch.view(), runOptions);
      else
        compiled->plan.run(views, scratch.view(), runOptions);
    };
    RunTimes times = timeRuns(static_cast<std::size_t>(repeat), restore, runOnce);
    std::string runText = "run median " + durationText(times.medianSeconds) + ", min " +
                          durationText(times.minSeconds) + " over " + std::to_string(times.runs) +
                          " runs";
    if (interpretOnly) {
      std::cerr << "einjit: time: interpreter, " << runText << "\n";
    } else {
      EngineStatistics statistics = engine->statistics();
      std::cerr << "einjit: time: compile " << durationText(statistics.compileMillis / 1e3) << " ("
                << statistics.misses << (statistics.misses == 1 ? " kernel" : " kernels")
                << "; plan " << durationText(compiled->planMillis / 1e3) << "), " << runText
                << "\n";
    }
  }

  if (outPath.empty())
    std::cout << formatLikeNumpy(out.view()) << "\n";
  else
    writeNpy(outPath, out.view());

  if (parsed.has("--check")) {
    Tensor expected = outputFor(initial, outDtype, outShape);
    reference->run(views, expected.view(), runOptions);
    std::cout.flush();
    if (!reportCheck(*reference, out, expected))
      return 1;
  }
  return 0;
}

} // namespace einjit::cli
