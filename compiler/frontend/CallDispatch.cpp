// lowerCall: binds shapes to a parsed call's operands and sends it to the front end its
// signature names, with the call's arguments (or the library's defaults).
#include "einjit/error.h"
#include "frontend/CallSignatures.h"
#include "frontend/CallText.h"
#include "support/Format.h"

#include <algorithm>
#include <map>

namespace einjit::frontend {

namespace {

std::string callLabel(const ParsedCall& call) {
  return call.function + "(" + support::join(call.operandNames, ", ") + ")";
}

// Binds shapes to the distinct operand names, then gives each occurrence of a name its own IR
// operand: the first keeps the name, later ones become name_2, name_3, … (never clashing).
std::vector<Arg> bindShapes(const ParsedCall& call, const ShapeBinding& shapes) {
  std::vector<std::string> distinct = distinctOperandNames(call);
  std::vector<Shape> bound;
  if (!shapes.named.empty() && !shapes.positional.empty())
    throw Error(ErrorKind::Arity,
                callLabel(call) + ": give the shapes either all by name or all by position");
  if (!shapes.named.empty()) {
    std::vector<std::string> missing, unknown;
    for (const std::string& name : distinct)
      if (!shapes.named.count(name))
        missing.push_back(name);
    for (const auto& [name, shape] : shapes.named)
      if (std::find(distinct.begin(), distinct.end(), name) == distinct.end())
        unknown.push_back(name);
    if (!missing.empty() || !unknown.empty()) {
      std::string message =
          callLabel(call) + ": the shapes must name the operands " + support::join(distinct, ", ");
      if (!missing.empty())
        message += "; missing: " + support::join(missing, ", ");
      if (!unknown.empty())
        message += "; not an operand: " + support::join(unknown, ", ");
      throw Error(ErrorKind::Arity, message);
    }
    for (const std::string& name : distinct)
      bound.push_back(shapes.named.at(name));
  } else {
    if (shapes.positional.size() != distinct.size())
      throw Error(ErrorKind::Arity,
                  callLabel(call) + ": takes " + std::to_string(distinct.size()) + " operand" +
                      (distinct.size() == 1 ? "" : "s") + " (" + support::join(distinct, ", ") +
                      ") but " + std::to_string(shapes.positional.size()) + " shape" +
                      (shapes.positional.size() == 1 ? " was" : "s were") + " given");
    bound = shapes.positional;
  }
  std::vector<Arg> args;
  std::vector<std::string> taken(call.operandNames);
  std::map<std::string, int> seen;
  for (const std::string& name : call.operandNames) {
    std::size_t source = static_cast<std::size_t>(
        std::find(distinct.begin(), distinct.end(), name) - distinct.begin());
    std::string irName = name;
    for (int occurrence = ++seen[name];
         occurrence > 1 && std::find(taken.begin(), taken.end(), irName) != taken.end();
         ++occurrence)
      irName = name + "_" + std::to_string(occurrence);
    if (irName != name)
      taken.push_back(irName);
    args.push_back(Arg{irName, bound[source]});
  }
  return args;
}

// A bare einsum string names no operands: they are whatever --shapes gives, so that a count
// that does not match the string is reported by einsum itself, with a caret into the string.
ParsedCall operandsFromShapes(const ParsedCall& call, const ShapeBinding& shapes) {
  bool bare = call.subscripts && call.text.find('(') == std::string::npos;
  if (!bare || !shapes.named.empty() ||
      shapes.positional.size() == distinctOperandNames(call).size())
    return call;
  ParsedCall renamed = call;
  renamed.operandNames = defaultOperandNames(shapes.positional.size());
  return renamed;
}

std::optional<PyValue> keyword(const ParsedCall& call, const std::string& name) {
  for (const auto& [given, value] : call.keywords)
    if (given == name)
      return value;
  return std::nullopt;
}

// Python truthiness for the flags the libraries test with `if flag:`.
bool flag(const ParsedCall& call, const std::string& name) {
  std::optional<PyValue> value = keyword(call, name);
  if (!value || value->isNone())
    return false;
  if (value->kind == PyValue::Kind::Bool)
    return value->boolean;
  if (value->kind == PyValue::Kind::Int)
    return value->integer != 0;
  throw Error(ErrorKind::Argument,
              call.function + ": " + name + " must be True or False, got " + value->repr());
}

ir::IndexProgram lowerEinsum(const ParsedCall& call, const CallSignature& signature,
                             const std::vector<Arg>& args, DType dtype) {
  if (!call.subscripts) {
    std::optional<PyValue> sublists = keyword(call, "sublists");
    if (!sublists)
      throw Error(ErrorKind::Internal, call.function + ": neither subscripts nor sublists");
    return einsumSublist(args, sublists->items, keyword(call, "output"), dtype, signature.dialect);
  }
  try {
    return einsum(*call.subscripts, args, dtype, signature.dialect);
  } catch (const Error& error) {
    throw error.relocated(call.text, call.subscriptsColumn);
  }
}

// K.batch_dot and the Dot layers, once per BatchDotSemantics.
ir::IndexProgram lowerBatchDot(const ParsedCall& call, const CallSignature& signature,
                               const std::vector<Arg>& args, const LowerOptions& options,
                               BatchDotSemantics semantics) {
  if (signature.kind == CallKind::BatchDot)
    return kerasBatchDot(args.at(0), args.at(1), keyword(call, "axes").value_or(PyValue::none()),
                         options.dtype, semantics);
  DotLayerOptions layer;
  layer.normalize = flag(call, "normalize");
  layer.epsilon =
      signature.normalizeEpsilon > 0 ? signature.normalizeEpsilon : options.normalizeEpsilon;
  layer.semantics = semantics;
  // Keras 3's keras.layers.dot defaults to axes=-1; the others require axes (parseCall checks).
  PyValue axes = keyword(call, "axes").value_or(PyValue::fromInt(-1));
  return kerasDotLayer(args, axes, layer, options.dtype);
}

ir::IndexProgram lowerProgram(const ParsedCall& call, const CallSignature& signature,
                              const std::vector<Arg>& args, const LowerOptions& options) {
  DType dtype = options.dtype;
  switch (signature.kind) {
  case CallKind::Einsum:
    return lowerEinsum(call, signature, args, dtype);
  case CallKind::Tensordot: {
    std::string name = signature.library == Library::Torch ? "dims" : "axes";
    PyValue axes = keyword(call, name).value_or(PyValue::fromInt(2));
    return tensordot(signature.library, args.at(0), args.at(1), axes, dtype);
  }
  case CallKind::NpDot:
    return npDot(args.at(0), args.at(1), dtype);
  case CallKind::Inner:
    return npInner(args.at(0), args.at(1), dtype);
  case CallKind::Outer:
    return npOuter(signature.library, args.at(0), args.at(1), dtype);
  case CallKind::Matmul:
    return matmul(signature.library, args.at(0), args.at(1), dtype);
  case CallKind::TfMatmul: {
    TfMatmulFlags flags;
    flags.transposeA = flag(call, "transpose_a");
    flags.transposeB = flag(call, "transpose_b");
    flags.adjointA = flag(call, "adjoint_a");
    flags.adjointB = flag(call, "adjoint_b");
    return tfMatmul(args.at(0), args.at(1), flags, dtype);
  }
  case CallKind::Bmm:
    return torchBmm(args.at(0), args.at(1), dtype);
  case CallKind::KerasDot:
    return kerasDot(args.at(0), args.at(1), dtype);
  case CallKind::BatchDot:
  case CallKind::DotLayer:
  case CallKind::DotFunction:
    return lowerBatchDot(call, signature, args, options, BatchDotSemantics::Current);
  }
  throw Error(ErrorKind::Internal, "unhandled call kind for " + call.function);
}

} // namespace

std::vector<std::string> distinctOperandNames(const ParsedCall& call) {
  std::vector<std::string> distinct;
  for (const std::string& name : call.operandNames)
    if (std::find(distinct.begin(), distinct.end(), name) == distinct.end())
      distinct.push_back(name);
  return distinct;
}

bool hasLegacyBatchDot(const ParsedCall& call) {
  CallKind kind = callByCanonicalName(call.function).kind;
  return kind == CallKind::BatchDot || kind == CallKind::DotLayer || kind == CallKind::DotFunction;
}

LoweredCall lowerCall(const ParsedCall& call, const ShapeBinding& shapes,
                      const LowerOptions& options) {
  const CallSignature& signature = callByCanonicalName(call.function);
  // Binding works per pair of names: bound the count before it (Engine::plan passes any list).
  std::size_t given = std::max(shapes.positional.size(), shapes.named.size());
  if (given > limits::maxOperands)
    throw Error(ErrorKind::Resource, call.function + ": " + std::to_string(given) +
                                         " shapes, more than the operand limit " +
                                         std::to_string(limits::maxOperands));
  ParsedCall bound = operandsFromShapes(call, shapes);
  std::vector<Arg> args = bindShapes(bound, shapes);
  checkOperandLimits(args, bound.function);
  std::vector<std::string> distinct = distinctOperandNames(bound);
  std::vector<std::size_t> sources;
  for (const std::string& name : bound.operandNames)
    sources.push_back(static_cast<std::size_t>(std::find(distinct.begin(), distinct.end(), name) -
                                               distinct.begin()));

  bool hasLegacy = hasLegacyBatchDot(bound);
  if (!hasLegacy || options.batchDot == BatchDotSemantics::Current) {
    LoweredCall lowered{bound, lowerProgram(bound, signature, args, options), sources, std::nullopt,
                        std::nullopt};
    ir::verify(lowered.program);
    checkOutputSize(lowered.program, bound.function);
    if (hasLegacy) {
      try {
        lowered.legacy = lowerBatchDot(bound, signature, args, options, BatchDotSemantics::Legacy);
        ir::verify(*lowered.legacy);
      } catch (const Error& error) {
        if (error.kind() == ErrorKind::Internal)
          throw;
        lowered.legacy.reset();
        lowered.legacyError = error.message();
      }
    }
    return lowered;
  }
  // Legacy asked for: it is the program; the current semantics are not consulted, so that a
  // call only legacy Keras accepts (axis 0 of a 2-D input, §11.3) lowers.
  LoweredCall lowered{bound,
                      lowerBatchDot(bound, signature, args, options, BatchDotSemantics::Legacy),
                      sources, std::nullopt, std::nullopt};
  ir::verify(lowered.program);
  checkOutputSize(lowered.program, bound.function);
  return lowered;
}

LoweredCall lowerCallText(const std::string& text, const ShapeBinding& shapes,
                          const LowerOptions& options) {
  return lowerCall(parseCall(text), shapes, options);
}

} // namespace einjit::frontend
