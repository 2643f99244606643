// The front ends' guards against hostile sizes (docs/LIMITS.md): text length, operand count,
// each operand's rank and element count, and the output's element count. They run before any
// work that grows with the input, so a refusal costs time and memory bounded by the limits.
#include "einjit/error.h"
#include "frontend/Frontends.h"

namespace einjit::frontend {

void checkTextLength(std::string_view text, const std::string& what) {
  if (text.size() <= limits::maxTextLength)
    return;
  // The caret marks the first character past the limit; Error shows only a window of the text.
  throw Error(ErrorKind::Resource,
              what + ": the text has " + std::to_string(text.size()) +
                  " characters, more than the limit " + std::to_string(limits::maxTextLength),
              std::string(text), SourceSpan{limits::maxTextLength, limits::maxTextLength + 1});
}

void checkOperandLimits(const std::vector<Arg>& operands, const std::string& who) {
  if (operands.size() > limits::maxOperands)
    throw Error(ErrorKind::Resource, who + ": " + std::to_string(operands.size()) +
                                         " operands, more than the limit " +
                                         std::to_string(limits::maxOperands));
  for (const Arg& operand : operands)
    elementCount(operand.shape, who + ": operand " + operand.name);
}

void checkOutputSize(const ir::IndexProgram& program, const std::string& who) {
  elementCount(program.outputShape(), who + ": the output " + program.outputName);
}

} // namespace einjit::frontend
