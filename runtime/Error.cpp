#include "einjit/error.h"

#include <algorithm>

namespace einjit {

namespace {

/// Texts up to this length are shown whole under an error's message.
constexpr std::size_t kWholeSource = 200;
/// Of a longer text, the characters shown on each side of the span.
constexpr std::size_t kContext = 60;

std::string render(const std::string& message, const std::string& source,
                   std::optional<SourceSpan> span) {
  if (!span)
    return message;
  // A span may point just past the text (a missing '->' or operand): clamp both ends to it.
  std::size_t begin = std::min(span->begin, source.size());
  std::size_t end = std::min(span->end, source.size());
  if (source.size() <= kWholeSource) {
    std::size_t width = end > begin ? end - begin : 1;
    return message + "\n  " + source + "\n  " + std::string(begin, ' ') + std::string(width, '^');
  }
  // A long text (a hostile einsum string, a call text of thousands of operands) shows a window
  // around the span, so that the message stays a few lines whatever the input's size.
  std::size_t start = begin > kContext ? begin - kContext : 0;
  std::size_t stop = std::min(source.size(), std::max(end, begin + 1) + kContext);
  std::string shown = (start > 0 ? "..." : "") + source.substr(start, stop - start) +
                      (stop < source.size() ? "..." : "");
  std::size_t column = begin - start + (start > 0 ? 3 : 0);
  std::size_t width = end > begin ? std::min(end, stop) - begin : 1;
  return message + "\n  " + shown + "\n  " + std::string(column, ' ') + std::string(width, '^') +
         "\n  (column " + std::to_string(begin + 1) + " of " + std::to_string(source.size()) + ")";
}

} // namespace

Error::Error(ErrorKind kind, std::string message)
    : kind_(kind), message_(std::move(message)), rendered_(message_) {}

Error::Error(ErrorKind kind, std::string message, std::string source, SourceSpan span)
    : kind_(kind), message_(std::move(message)), source_(std::move(source)), span_(span),
      rendered_(render(message_, source_, span_)) {}

Error Error::relocated(std::string outer, std::size_t offset) const {
  if (!span_)
    return *this;
  return Error(kind_, message_, std::move(outer),
               SourceSpan{span_->begin + offset, span_->end + offset});
}

std::string_view errorKindName(ErrorKind kind) {
  switch (kind) {
  case ErrorKind::Syntax:
    return "syntax";
  case ErrorKind::Shape:
    return "shape";
  case ErrorKind::Axis:
    return "axis";
  case ErrorKind::Arity:
    return "arity";
  case ErrorKind::Argument:
    return "argument";
  case ErrorKind::Io:
    return "io";
  case ErrorKind::Misuse:
    return "misuse";
  case ErrorKind::Unsupported:
    return "unsupported";
  case ErrorKind::Internal:
    return "internal";
  case ErrorKind::Resource:
    return "resource";
  }
  return "unknown";
}

} // namespace einjit
