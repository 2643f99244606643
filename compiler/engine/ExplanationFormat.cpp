// Explanation::text() and json(): the two forms `einjit explain` prints (and einjit.explain in
// Python shows), from the fields alone.
#include "einjit/explain.h"

#include "support/Format.h"
#include "support/Json.h"

#include <algorithm>

namespace einjit {

namespace {

using support::jsonInts;
using support::jsonString;
using support::jsonStrings;

constexpr const char* kCurrentKeras =
    "current Keras (tf_keras, tf.keras >= 2.0, Keras >= 2.2.5, Keras 3)";
constexpr const char* kLegacyKeras =
    "legacy Keras (Keras <= 2.2.4, tf.keras <= 1.14, TensorFlow backend)";
constexpr std::size_t kKeyWidth = 11;

std::string keyed(const std::string& indent, const std::string& key, const std::string& value) {
  return indent + key + std::string(kKeyWidth > key.size() ? kKeyWidth - key.size() : 1, ' ') +
         value + "\n";
}

std::string typedShape(DType dtype, const std::string& name, const Shape& shape) {
  return name + ": " + std::string(dtypeName(dtype)) + " " + shapeToPython(shape);
}

std::string axisText(const AxisRef& axis) {
  return axis.tensor + "[" + std::to_string(axis.axis) + "]";
}

std::string labelLines(const ContractionFacts& facts, const std::string& indent) {
  std::size_t labelWidth = 1, extentWidth = 1;
  for (const LabelFacts& label : facts.labels) {
    labelWidth = std::max(labelWidth, label.label.size());
    extentWidth = std::max(extentWidth, std::to_string(label.extent).size());
  }
  std::string text;
  bool first = true;
  for (const LabelFacts& label : facts.labels) {
    std::string extent = std::to_string(label.extent);
    std::string line = label.label + std::string(labelWidth - label.label.size() + 2, ' ') +
                       label.role + std::string(12 - label.role.size(), ' ') +
                       std::string(extentWidth - extent.size(), ' ') + extent + "  ";
    std::vector<std::string> sites;
    for (const AxisRef& site : label.sites)
      sites.push_back(axisText(site));
    line += support::join(sites, " ");
    if (label.outputAxis)
      line += " -> " + facts.outputName + "[" + std::to_string(*label.outputAxis) + "]";
    text += keyed(indent, first ? "labels" : "", line);
    first = false;
  }
  if (facts.labels.empty())
    text += keyed(indent, "labels", "none (every operand is 0-d)");
  return text;
}

std::string noteLines(const ContractionFacts& facts, const std::string& indent) {
  std::string text;
  for (const std::string& note : facts.notes)
    text += keyed(indent, "note", note);
  for (std::size_t axis : facts.unitOutputAxes)
    text += keyed(indent, "note",
                  facts.outputName + " axis " + std::to_string(axis) +
                      " has extent 1 and comes from no operand (literal 0 in the index)");
  for (const AxisRef& dim : facts.broadcast)
    text += keyed(indent, "broadcast",
                  dim.tensor + " axis " + std::to_string(dim.axis) +
                      " has extent 1 and is broadcast (literal 0 in the index)");
  return text;
}

/// `dtype`: the output's.
std::string contractionBlock(const ContractionFacts& facts, DType dtype,
                             const std::string& indent) {
  std::string text = keyed(indent, "output", typedShape(dtype, facts.outputName, facts.outShape));
  text += labelLines(facts, indent);
  text += keyed(indent, "index", facts.index);
  text += keyed(indent, "einsum", facts.numpy);
  text += noteLines(facts, indent);
  text += keyed(indent, "work",
                facts.multiplyAdds ? std::to_string(*facts.multiplyAdds) + " multiply-adds"
                                   : "more than 2^63 multiply-adds");
  return text;
}

std::string readingBlock(const KerasReading& reading, DType dtype, const std::string& heading) {
  return heading + ":\n" +
         (reading.result ? contractionBlock(*reading.result, dtype, "  ")
                         : keyed("  ", "error", reading.error));
}

// The facts about one reading, as "key": value members.
std::vector<std::string> contractionMembers(const ContractionFacts& facts) {
  std::vector<std::string> roles, extents, broadcast, unitAxes;
  for (const LabelFacts& label : facts.labels) {
    roles.push_back(jsonString(label.label) + ": " + jsonString(label.role));
    extents.push_back(jsonString(label.label) + ": " + std::to_string(label.extent));
  }
  for (const AxisRef& dim : facts.broadcast)
    broadcast.push_back("{\"operand\": " + jsonString(dim.tensor) +
                        ", \"axis\": " + std::to_string(dim.axis) + "}");
  for (std::size_t axis : facts.unitOutputAxes)
    unitAxes.push_back(std::to_string(axis));
  return {
      "\"out_shape\": " + jsonInts(facts.outShape),
      "\"index\": " + jsonString(facts.index),
      "\"einsum\": " + jsonString(facts.einsum),
      "\"numpy\": " + jsonString(facts.numpy),
      "\"roles\": {" + support::join(roles, ", ") + "}",
      "\"extents\": {" + support::join(extents, ", ") + "}",
      "\"broadcast\": [" + support::join(broadcast, ", ") + "]",
      "\"unit_output_axes\": [" + support::join(unitAxes, ", ") + "]",
      "\"notes\": " + jsonStrings(facts.notes),
      "\"multiply_adds\": " +
          (facts.multiplyAdds ? std::to_string(*facts.multiplyAdds) : std::string("null")),
  };
}

} // namespace

std::string Explanation::text() const {
  std::string text = keyed("", "call", call);
  bool first = true;
  for (const OperandFacts& operand : operands) {
    text += keyed("", first ? "operands" : "", typedShape(dtype, operand.name, operand.shape));
    first = false;
  }
  if (!batchDot) {
    text += contractionBlock(result, outputDtype.value_or(dtype), "");
  } else if (!batchDot->differs) {
    text += contractionBlock(result, outputDtype.value_or(dtype), "");
    text += keyed("", "legacy", "same result in " + std::string(kLegacyKeras));
  } else {
    text += "Keras versions disagree on this call:\n";
    std::string current =
        readingBlock(batchDot->current, outputDtype.value_or(dtype), kCurrentKeras);
    std::string legacy = readingBlock(batchDot->legacy, outputDtype.value_or(dtype), kLegacyKeras);
    text += batchDot->legacyChosen ? legacy + current : current + legacy;
  }
  for (const ExplainedStage& stage : stages) {
    text += "-- " + stage.heading + " --\n" + stage.text;
    if (!stage.text.empty() && stage.text.back() != '\n')
      text += "\n";
  }
  return text;
}

std::string Explanation::json() const {
  std::vector<std::string> operandMembers;
  for (const OperandFacts& operand : operands)
    operandMembers.push_back("{\"name\": " + jsonString(operand.name) +
                             ", \"shape\": " + jsonInts(operand.shape) + "}");
  std::vector<std::string> members = {
      "\"call\": " + jsonString(call),
      "\"function\": " + jsonString(function),
      "\"dtype\": " + jsonString(std::string(dtypeName(dtype))),
      "\"output_dtype\": " + jsonString(std::string(dtypeName(outputDtype.value_or(dtype)))),
      "\"operands\": [" + support::join(operandMembers, ", ") + "]",
  };
  for (std::string& member : contractionMembers(result))
    members.push_back(std::move(member));
  std::string legacy = "null";
  if (batchDot) {
    members.push_back("\"batch_dot\": " +
                      jsonString(batchDot->legacyChosen ? "legacy" : "current"));
    std::vector<std::string> legacyMembers;
    if (batchDot->legacy.result)
      legacyMembers = contractionMembers(*batchDot->legacy.result);
    else
      legacyMembers.push_back("\"error\": " + jsonString(batchDot->legacy.error));
    legacyMembers.push_back(std::string("\"differs\": ") + (batchDot->differs ? "true" : "false"));
    legacy = "{" + support::join(legacyMembers, ", ") + "}";
  }
  members.push_back("\"legacy\": " + legacy);
  for (const ExplainedStage& stage : stages)
    members.push_back(jsonString(stage.key) + ": " + jsonString(stage.text));
  return "{\n  " + support::join(members, ",\n  ") + "\n}\n";
}

} // namespace einjit
