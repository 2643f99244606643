// parseShapes: the --shapes syntax. Items are separated by commas; each is `2x3x4`, `scalar` or
// empty (a 0-d operand), optionally preceded by `name=`. Either every item is named or none is.
#include "einjit/error.h"
#include "frontend/CallText.h"

#include <cctype>
#include <cstdint>
#include <limits>

namespace einjit::frontend {

namespace {

bool isBlank(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

class ShapeParser {
public:
  explicit ShapeParser(const std::string& text) : text_(text) {}

  ShapeBinding run() {
    ShapeBinding binding;
    std::size_t begin = 0;
    std::size_t position = 0;
    bool anyNamed = false, anyPositional = false;
    while (true) {
      std::size_t end = text_.find(',', begin);
      if (end == std::string::npos)
        end = text_.size();
      if (++position > limits::maxOperands)
        fail(ErrorKind::Resource,
             "more than " + std::to_string(limits::maxOperands) + " shapes, the operand limit",
             {begin, std::max(end, begin + 1)});
      Item item = parseItem(begin, end, position);
      if (item.named) {
        if (anyPositional)
          failMixed(item.nameSpan);
        anyNamed = true;
        if (!binding.named.emplace(item.name, item.shape).second)
          fail(ErrorKind::Syntax, "'" + item.name + "' is given twice", item.nameSpan);
      } else {
        if (anyNamed)
          failMixed({begin, end});
        anyPositional = true;
        binding.positional.push_back(item.shape);
      }
      if (end == text_.size())
        break;
      begin = end + 1;
    }
    return binding;
  }

private:
  struct Item {
    bool named = false;
    std::string name;
    SourceSpan nameSpan;
    Shape shape;
  };

  [[noreturn]] void fail(ErrorKind kind, const std::string& message, SourceSpan span) const {
    throw Error(kind, "--shapes: " + message, text_, span);
  }
  [[noreturn]] void failMixed(SourceSpan span) const {
    fail(ErrorKind::Syntax, "give every shape by name (x=2x3) or none (2x3), not a mix", span);
  }

  void trim(std::size_t& begin, std::size_t& end) const {
    while (begin < end && isBlank(text_[begin]))
      ++begin;
    while (end > begin && isBlank(text_[end - 1]))
      --end;
  }

  Item parseItem(std::size_t begin, std::size_t end, std::size_t position) const {
    Item item;
    std::string operand = "operand " + std::to_string(position);
    std::size_t equals = text_.find('=', begin);
    if (equals != std::string::npos && equals < end) {
      std::size_t nameBegin = begin, nameEnd = equals;
      trim(nameBegin, nameEnd);
      item.named = true;
      item.name = text_.substr(nameBegin, nameEnd - nameBegin);
      item.nameSpan = {nameBegin, std::max(nameEnd, nameBegin + 1)};
      if (!isIdentifier(item.name))
        fail(ErrorKind::Syntax, "'" + item.name + "' is not an operand name", item.nameSpan);
      operand = item.name;
      begin = equals + 1;
    }
    trim(begin, end);
    std::string dims = text_.substr(begin, end - begin);
    if (dims.empty() || dims == "scalar")
      return item;
    std::size_t axis = 0;
    std::size_t extentBegin = begin;
    while (true) {
      std::size_t extentEnd = text_.find('x', extentBegin);
      if (extentEnd == std::string::npos || extentEnd > end)
        extentEnd = end;
      if (axis == limits::maxRank)
        fail(ErrorKind::Resource,
             operand + ": more than " + std::to_string(limits::maxRank) + " axes, the limit",
             {extentBegin, std::max(extentEnd, extentBegin + 1)});
      item.shape.push_back(extent(extentBegin, extentEnd, operand, axis));
      if (extentEnd == end)
        break;
      extentBegin = extentEnd + 1;
      ++axis;
    }
    checkElementCount(item.shape, operand, {begin, end});
    return item;
  }

  std::int64_t extent(std::size_t begin, std::size_t end, const std::string& operand,
                      std::size_t axis) const {
    std::string digits = text_.substr(begin, end - begin);
    SourceSpan span{begin, std::max(end, begin + 1)};
    std::string where = operand + ", axis " + std::to_string(axis) + ": ";
    if (digits.empty())
      fail(ErrorKind::Shape, where + "missing extent (write shapes as 2x3x4)", span);
    bool negative = digits[0] == '-';
    std::size_t first = negative || digits[0] == '+' ? 1 : 0;
    if (first == digits.size())
      fail(ErrorKind::Shape, where + "extent '" + digits + "' is not a number", span);
    for (std::size_t i = first; i < digits.size(); ++i)
      if (!std::isdigit(static_cast<unsigned char>(digits[i])))
        fail(ErrorKind::Shape, where + "extent '" + digits + "' is not a number", span);
    if (negative && digits.find_first_not_of('0', 1) != std::string::npos)
      fail(ErrorKind::Shape, where + "extent " + digits + " is negative", span);
    std::int64_t value = 0;
    for (std::size_t i = first; i < digits.size(); ++i) {
      int digit = digits[i] - '0';
      if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10)
        fail(ErrorKind::Shape, where + "extent " + digits + " does not fit in 64 bits", span);
      value = value * 10 + digit;
    }
    if (value == 0)
      fail(ErrorKind::Shape, where + "extent 0: every extent must be at least 1", span);
    return value;
  }

  void checkElementCount(const Shape& shape, const std::string& operand, SourceSpan span) const {
    std::int64_t count = 1;
    for (std::int64_t extent : shape)
      if (__builtin_mul_overflow(count, extent, &count))
        fail(ErrorKind::Shape, operand + ": the number of elements does not fit in 64 bits", span);
  }

  static bool isIdentifier(const std::string& name) {
    if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_'))
      return false;
    for (char c : name)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
        return false;
    return true;
  }

  const std::string& text_;
};

} // namespace

ShapeBinding parseShapes(const std::string& text) {
  checkTextLength(text, "--shapes");
  return ShapeParser(text).run();
}

} // namespace einjit::frontend
