#include "frontend/PyValue.h"

#include "support/Format.h"

namespace einjit::frontend {

PyValue PyValue::ellipsis() {
  PyValue value;
  value.kind = Kind::Ellipsis;
  return value;
}

PyValue PyValue::fromBool(bool flag) {
  PyValue value;
  value.kind = Kind::Bool;
  value.boolean = flag;
  return value;
}

PyValue PyValue::fromInt(std::int64_t number) {
  PyValue value;
  value.kind = Kind::Int;
  value.integer = number;
  return value;
}

PyValue PyValue::fromFloat(double number) {
  PyValue value;
  value.kind = Kind::Float;
  value.real = number;
  return value;
}

PyValue PyValue::fromString(std::string str) {
  PyValue value;
  value.kind = Kind::String;
  value.text = std::move(str);
  return value;
}

PyValue PyValue::list(std::vector<PyValue> elements) {
  PyValue value;
  value.kind = Kind::List;
  value.items = std::move(elements);
  return value;
}

PyValue PyValue::tuple(std::vector<PyValue> elements) {
  PyValue value;
  value.kind = Kind::Tuple;
  value.items = std::move(elements);
  return value;
}

PyValue PyValue::ints(const std::vector<std::int64_t>& values) {
  std::vector<PyValue> elements;
  for (std::int64_t v : values)
    elements.push_back(fromInt(v));
  return list(std::move(elements));
}

bool PyValue::isIntSequence() const {
  if (!isSequence())
    return false;
  for (const PyValue& item : items)
    if (!item.isInt())
      return false;
  return true;
}

namespace {

// Python's float repr: the shortest round-trip text, with ".0" when it would read as an int.
std::string floatRepr(double value) {
  std::string text = support::shortestDouble(value);
  if (text.find_first_of(".eni") == std::string::npos)
    text += ".0";
  return text;
}

} // namespace

std::string PyValue::repr() const {
  switch (kind) {
  case Kind::None:
    return "None";
  case Kind::Bool:
    return boolean ? "True" : "False";
  case Kind::Int:
    return std::to_string(integer);
  case Kind::Float:
    return floatRepr(real);
  case Kind::String:
    return "'" + text + "'";
  case Kind::Ellipsis:
    return "Ellipsis";
  case Kind::List:
  case Kind::Tuple: {
    std::string out = kind == Kind::List ? "[" : "(";
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0)
        out += ", ";
      out += items[i].repr();
    }
    if (kind == Kind::Tuple && items.size() == 1)
      out += ",";
    return out + (kind == Kind::List ? "]" : ")");
  }
  }
  return "?";
}

} // namespace einjit::frontend
