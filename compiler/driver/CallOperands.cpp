#include "driver/CallOperands.h"

#include "frontend/CallText.h"

namespace einjit::driver {

CallOperands callOperands(std::string_view expression) {
  frontend::ParsedCall call = frontend::parseCall(std::string(expression));
  CallOperands operands;
  operands.function = call.function;
  operands.names = frontend::distinctOperandNames(call);
  operands.countFromInputs = call.subscripts && call.text.find('(') == std::string::npos;
  return operands;
}

} // namespace einjit::driver
