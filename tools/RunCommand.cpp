// `einjit run EXPR a.npy b.npy [-o out.npy] [--alpha A] [--beta B] [--batch-dot=...]`: shapes
// and dtype come from the files; the reference interpreter computes the result.
#include "ArrayPrinter.h"
#include "CommandLine.h"
#include "Explanation.h"
#include "einjit/error.h"
#include "einjit/npy.h"
#include "reference/Interpreter.h"
#include "support/Format.h"

#include <filesystem>
#include <iostream>

namespace einjit::cli {

namespace {

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
Tensor initialOutput(const std::string& path, const ir::IndexProgram& program) {
  if (path.empty() || !std::filesystem::exists(path))
    throw UsageError("--beta scales an existing output: give -o FILE naming a .npy file that "
                     "holds the initial output");
  Tensor out = readNpy(path);
  if (out.dtype() != program.dtype || out.shape() != program.outputShape())
    throw Error(ErrorKind::Misuse, "run: --beta: " + path + " holds " +
                                       std::string(dtypeName(out.dtype())) + " " +
                                       shapeToPython(out.shape()) + " but the result is " +
                                       std::string(dtypeName(program.dtype)) + " " +
                                       shapeToPython(program.outputShape()));
  return out;
}

} // namespace

int runCommand(const std::vector<std::string>& args) {
  ParsedArguments parsed = parseArguments(
      args, {{"-o", true}, {"--alpha", true}, {"--beta", true}, {"--batch-dot", true}}, "run");
  if (parsed.help) {
    std::cout << kRunHelp;
    return 0;
  }
  if (parsed.positional.size() < 2)
    throw UsageError("einjit run takes EXPR and one .npy file per operand");
  BatchDotChoice choice = parsed.has("--batch-dot") ? parseBatchDotChoice(parsed.get("--batch-dot"))
                                                    : BatchDotChoice::Current;
  reference::InterpretOptions interpretOptions;
  if (parsed.has("--alpha"))
    interpretOptions.alpha = parseNumber(parsed.get("--alpha"), "--alpha");
  if (parsed.has("--beta"))
    interpretOptions.beta = parseNumber(parsed.get("--beta"), "--beta");

  frontend::ParsedCall call = frontend::parseCall(parsed.positional[0]);
  std::vector<std::string> paths(parsed.positional.begin() + 1, parsed.positional.end());
  // A bare einsum string takes as many operands as files are given; einsum itself reports a
  // count that does not match the string.
  bool bareEinsum = call.subscripts && call.text.find('(') == std::string::npos;
  std::vector<std::string> names = frontend::distinctOperandNames(call);
  if (!bareEinsum && paths.size() != names.size())
    throw Error(ErrorKind::Arity, "run: " + call.function + " here takes " +
                                      std::to_string(names.size()) + " operands (" +
                                      support::join(names, ", ") + ") but " +
                                      std::to_string(paths.size()) + " .npy files were given");
  std::vector<Tensor> inputs;
  frontend::ShapeBinding shapes;
  for (const std::string& path : paths) {
    inputs.push_back(readNpy(path));
    shapes.positional.push_back(inputs.back().shape());
  }
  frontend::LowerOptions lowerOptions;
  lowerOptions.dtype = commonDType(paths, inputs);
  if (choice == BatchDotChoice::Legacy) {
    if (!frontend::hasLegacyBatchDot(call))
      throw Error(ErrorKind::Argument,
                  "--batch-dot=legacy: " + call.function +
                      " has one meaning; legacy semantics exist only for K.batch_dot, "
                      "keras.layers.Dot and keras.layers.dot");
    lowerOptions.batchDot = frontend::BatchDotSemantics::Legacy;
  }
  frontend::LoweredCall lowered = frontend::lowerCall(call, shapes, lowerOptions);
  const ir::IndexProgram& program = lowered.program;

  // One view per IR operand: a name used twice (`a @ a`) reads its one file twice.
  std::vector<TensorView> views;
  for (std::size_t source : lowered.operandSources)
    views.push_back(inputs.at(source).view());
  std::string outPath = parsed.get("-o");
  Tensor out;
  if (interpretOptions.beta != std::complex<double>(0, 0)) {
    out = initialOutput(outPath, program);
    reference::interpret(program, views, out.view(), interpretOptions);
  } else {
    out = reference::interpret(program, views, interpretOptions);
  }
  if (outPath.empty())
    std::cout << formatLikeNumpy(out.view()) << "\n";
  else
    writeNpy(outPath, out.view());
  return 0;
}

} // namespace einjit::cli
