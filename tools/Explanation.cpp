#include "Explanation.h"

#include "CommandLine.h"
#include "einjit/error.h"
#include "ir/Explain.h"
#include "support/Format.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <optional>

namespace einjit::cli {

namespace {

constexpr const char* kCurrentKeras =
    "current Keras (tf_keras, tf.keras >= 2.0, Keras >= 2.2.5, Keras 3)";
constexpr const char* kLegacyKeras =
    "legacy Keras (Keras <= 2.2.4, tf.keras <= 1.14, TensorFlow backend)";
constexpr std::size_t kKeyWidth = 11;

std::string keyed(const std::string& indent, const std::string& key, const std::string& value) {
  return indent + key + std::string(kKeyWidth > key.size() ? kKeyWidth - key.size() : 1, ' ') +
         value + "\n";
}

std::string typedShape(const ir::IndexProgram& program, const std::string& name,
                       const Shape& shape) {
  return name + ": " + std::string(dtypeName(program.dtype)) + " " + shapeToPython(shape);
}

// The einsum with letters renamed in order of first appearance, so that two programs that
// differ only in label names compare equal.
std::string canonicalSubscripts(const std::string& subscripts) {
  std::map<char, char> renamed;
  std::string out;
  for (char c : subscripts) {
    if (!std::isalpha(static_cast<unsigned char>(c))) {
      out += c;
      continue;
    }
    auto found = renamed.find(c);
    if (found == renamed.end())
      found = renamed.emplace(c, static_cast<char>('a' + renamed.size())).first;
    out += found->second;
  }
  return out;
}

bool sameContraction(const ir::IndexProgram& a, const ir::IndexProgram& b) {
  ir::EinsumForm formA = ir::equivalentEinsum(a), formB = ir::equivalentEinsum(b);
  return a.outputShape() == b.outputShape() &&
         canonicalSubscripts(formA.subscripts) == canonicalSubscripts(formB.subscripts) &&
         formA.unitOutputAxes == formB.unitOutputAxes && a.prologues == b.prologues;
}

bool hasLegacyForm(const frontend::LoweredCall& lowered) {
  return lowered.legacy.has_value() || lowered.legacyError.has_value();
}

std::string labelLines(const ir::IndexProgram& program, const std::string& indent) {
  std::vector<ir::LabelInfo> infos = ir::classifyLabels(program);
  std::size_t labelWidth = 1, extentWidth = 1;
  for (const ir::LabelInfo& info : infos) {
    labelWidth = std::max(labelWidth, info.label.size());
    extentWidth = std::max(extentWidth, std::to_string(info.extent).size());
  }
  std::string text;
  bool first = true;
  for (const ir::LabelInfo& info : infos) {
    std::string role(ir::labelRoleName(info.role));
    std::string extent = std::to_string(info.extent);
    std::string line = info.label + std::string(labelWidth - info.label.size() + 2, ' ') + role +
                       std::string(12 - role.size(), ' ') +
                       std::string(extentWidth - extent.size(), ' ') + extent + "  ";
    std::vector<std::string> sites;
    for (const ir::LabelSite& site : info.sites)
      sites.push_back(program.operands[site.operand].name + "[" + std::to_string(site.axis) + "]");
    line += support::join(sites, " ");
    if (info.outputAxis >= 0)
      line += " -> " + program.outputName + "[" + std::to_string(info.outputAxis) + "]";
    text += keyed(indent, first ? "labels" : "", line);
    first = false;
  }
  if (infos.empty())
    text += keyed(indent, "labels", "none (every operand is 0-d)");
  return text;
}

std::string noteLines(const ir::IndexProgram& program, const std::string& indent) {
  std::string text;
  ir::EinsumForm form = ir::equivalentEinsum(program);
  for (const std::string& note : form.prologueNotes)
    text += keyed(indent, "note", note);
  for (std::size_t axis : form.unitOutputAxes)
    text += keyed(indent, "note",
                  program.outputName + " axis " + std::to_string(axis) +
                      " has extent 1 and comes from no operand (literal 0 in the index)");
  for (const ir::BroadcastDim& dim : ir::broadcastDims(program))
    text += keyed(indent, "broadcast",
                  program.operands[dim.operand].name + " axis " + std::to_string(dim.axis) +
                      " has extent 1 and is broadcast (literal 0 in the index)");
  return text;
}

// ir::multiplyAdds, but saying so when the count does not fit in 64 bits (extents of 2^32
// each are legal) instead of overflowing.
std::optional<std::int64_t> checkedMultiplyAdds(const ir::IndexProgram& program) {
  std::int64_t count = 1;
  for (const auto& [label, extent] : program.labelExtents())
    if (__builtin_mul_overflow(count, extent, &count))
      return std::nullopt;
  return count;
}

std::string programBlock(const ir::IndexProgram& program, const std::string& indent) {
  std::string text =
      keyed(indent, "output", typedShape(program, program.outputName, program.outputShape()));
  text += labelLines(program, indent);
  text += keyed(indent, "index", ir::statementText(program));
  text += keyed(indent, "einsum", numpyEquivalent(program));
  text += noteLines(program, indent);
  std::optional<std::int64_t> work = checkedMultiplyAdds(program);
  text += keyed(indent, "work",
                work ? std::to_string(*work) + " multiply-adds" : "more than 2^63 multiply-adds");
  return text;
}

std::string jsonStrings(const std::vector<std::string>& values) {
  std::vector<std::string> parts;
  for (const std::string& v : values)
    parts.push_back(jsonString(v));
  return "[" + support::join(parts, ", ") + "]";
}

// The facts about one program, as "key": value members.
std::vector<std::string> programMembers(const ir::IndexProgram& program) {
  std::vector<ir::LabelInfo> infos = ir::classifyLabels(program);
  std::vector<std::string> roles, extents, broadcast;
  for (const ir::LabelInfo& info : infos) {
    roles.push_back(jsonString(info.label) + ": " +
                    jsonString(std::string(labelRoleName(info.role))));
    extents.push_back(jsonString(info.label) + ": " + std::to_string(info.extent));
  }
  for (const ir::BroadcastDim& dim : ir::broadcastDims(program))
    broadcast.push_back("{\"operand\": " + jsonString(program.operands[dim.operand].name) +
                        ", \"axis\": " + std::to_string(dim.axis) + "}");
  ir::EinsumForm form = ir::equivalentEinsum(program);
  std::optional<std::int64_t> work = checkedMultiplyAdds(program);
  std::vector<std::string> unitAxes;
  for (std::size_t axis : form.unitOutputAxes)
    unitAxes.push_back(std::to_string(axis));
  return {
      "\"out_shape\": " + jsonInts(program.outputShape()),
      "\"index\": " + jsonString(ir::statementText(program)),
      "\"einsum\": " + jsonString(form.subscripts),
      "\"numpy\": " + jsonString(numpyEquivalent(program)),
      "\"roles\": {" + support::join(roles, ", ") + "}",
      "\"extents\": {" + support::join(extents, ", ") + "}",
      "\"broadcast\": [" + support::join(broadcast, ", ") + "]",
      "\"unit_output_axes\": [" + support::join(unitAxes, ", ") + "]",
      "\"notes\": " + jsonStrings(form.prologueNotes),
      "\"multiply_adds\": " + (work ? std::to_string(*work) : std::string("null")),
  };
}

} // namespace

std::string jsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    default:
      if (static_cast<unsigned char>(c) < 0x20) {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned char>(c));
        out += buffer;
      } else {
        out += c;
      }
    }
  }
  return out + "\"";
}

std::string jsonInts(const Shape& values) {
  std::vector<std::string> parts;
  for (std::int64_t v : values)
    parts.push_back(std::to_string(v));
  return "[" + support::join(parts, ", ") + "]";
}

BatchDotChoice parseBatchDotChoice(const std::string& text) {
  if (text == "current")
    return BatchDotChoice::Current;
  if (text == "legacy")
    return BatchDotChoice::Legacy;
  throw UsageError("--batch-dot must be 'current' or 'legacy', got '" + text + "'");
}

const ir::IndexProgram& chosenProgram(const frontend::LoweredCall& lowered, BatchDotChoice choice) {
  if (choice == BatchDotChoice::Current)
    return lowered.program;
  if (!hasLegacyForm(lowered))
    throw Error(ErrorKind::Argument,
                "--batch-dot=legacy: " + lowered.call.function +
                    " has one meaning; legacy semantics exist only for K.batch_dot, "
                    "keras.layers.Dot and keras.layers.dot");
  if (!lowered.legacy)
    throw Error(ErrorKind::Shape, std::string(kLegacyKeras) +
                                      " refuses this call: " + lowered.legacyError.value_or(""));
  return *lowered.legacy;
}

std::string numpyEquivalent(const ir::IndexProgram& program) {
  ir::EinsumForm form = ir::equivalentEinsum(program);
  std::vector<std::string> operands;
  for (std::size_t t = 0; t < program.operands.size(); ++t) {
    std::string expr = program.operands[t].name;
    for (const ir::Prologue& prologue : program.prologues) {
      if (prologue.operand != t)
        continue;
      if (prologue.kind == ir::PrologueKind::Ravel)
        expr = "np.ravel(" + expr + ")";
      else
        expr = expr + " / np.maximum(np.linalg.norm(" + expr +
               ", axis=" + std::to_string(prologue.axis) + ", keepdims=True), " +
               support::shortestDouble(prologue.epsilon) + ")";
    }
    if (program.operands[t].conj)
      expr = "np.conj(" + expr + ")";
    operands.push_back(expr);
  }
  std::string call = "np.einsum('" + form.subscripts + "', " + support::join(operands, ", ") + ")";
  if (form.unitOutputAxes.empty())
    return call;
  std::vector<std::string> axes;
  for (std::size_t axis : form.unitOutputAxes)
    axes.push_back(std::to_string(axis));
  std::string axisText = axes.size() == 1 ? axes[0] : "(" + support::join(axes, ", ") + ")";
  return "np.expand_dims(" + call + ", " + axisText + ")";
}

std::string explainText(const frontend::LoweredCall& lowered, const ExplainOptions& options) {
  const ir::IndexProgram& primary = chosenProgram(lowered, options.batchDot);
  std::string text = keyed("", "call", lowered.call.text);
  bool first = true;
  for (const ir::Operand& operand : primary.operands) {
    text += keyed("", first ? "operands" : "", typedShape(primary, operand.name, operand.shape));
    first = false;
  }
  bool legacyChosen = options.batchDot == BatchDotChoice::Legacy;
  if (!hasLegacyForm(lowered)) {
    text += programBlock(primary, "");
  } else if (lowered.legacy && sameContraction(lowered.program, *lowered.legacy)) {
    text += programBlock(primary, "");
    text += keyed("", "legacy", "same result in " + std::string(kLegacyKeras));
  } else {
    text += "Keras versions disagree on this call:\n";
    std::string current = std::string(kCurrentKeras) + ":\n" + programBlock(lowered.program, "  ");
    std::string legacy = std::string(kLegacyKeras) + ":\n";
    legacy += lowered.legacy ? programBlock(*lowered.legacy, "  ")
                             : keyed("  ", "error", lowered.legacyError.value_or(""));
    text += legacyChosen ? legacy + current : current + legacy;
  }
  if (options.emitIndex)
    text += "-- index program --\n" + ir::toString(primary);
  for (const EmittedStage& stage : options.stages) {
    text += "-- " + stage.heading + " --\n" + stage.text;
    if (!stage.text.empty() && stage.text.back() != '\n')
      text += "\n";
  }
  return text;
}

std::string explainJson(const frontend::LoweredCall& lowered, const ExplainOptions& options) {
  const ir::IndexProgram& primary = chosenProgram(lowered, options.batchDot);
  std::vector<std::string> operands;
  for (const ir::Operand& operand : primary.operands)
    operands.push_back("{\"name\": " + jsonString(operand.name) +
                       ", \"shape\": " + jsonInts(operand.shape) + "}");
  std::vector<std::string> members = {
      "\"call\": " + jsonString(lowered.call.text),
      "\"function\": " + jsonString(lowered.call.function),
      "\"dtype\": " + jsonString(std::string(dtypeName(primary.dtype))),
      "\"operands\": [" + support::join(operands, ", ") + "]",
  };
  for (std::string& member : programMembers(primary))
    members.push_back(std::move(member));
  if (hasLegacyForm(lowered))
    members.push_back("\"batch_dot\": " + jsonString(options.batchDot == BatchDotChoice::Legacy
                                                         ? "legacy"
                                                         : "current"));
  std::string legacy = "null";
  if (lowered.legacy) {
    std::vector<std::string> legacyMembers = programMembers(*lowered.legacy);
    legacyMembers.push_back(std::string("\"differs\": ") +
                            (sameContraction(lowered.program, *lowered.legacy) ? "false" : "true"));
    legacy = "{" + support::join(legacyMembers, ", ") + "}";
  } else if (lowered.legacyError) {
    legacy = "{\"error\": " + jsonString(*lowered.legacyError) + ", \"differs\": true}";
  }
  members.push_back("\"legacy\": " + legacy);
  if (options.emitIndex)
    members.push_back("\"program\": " + jsonString(ir::toString(primary)));
  for (const EmittedStage& stage : options.stages)
    members.push_back(jsonString(stage.key) + ": " + jsonString(stage.text));
  return "{\n  " + support::join(members, ",\n  ") + "\n}\n";
}

} // namespace einjit::cli
