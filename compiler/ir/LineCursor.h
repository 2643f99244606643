// LineCursor: one line of IR text read left to right, for the text parsers of compiler/ir
// (IndexProgramParser.cpp, LoopNestParser.cpp). Every failure is Error(Syntax) naming the line and
// column, with the line and a caret under the offending columns.
#pragma once

#include "einjit/error.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace einjit::ir {

inline bool isIdentifierStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
inline bool isIdentifierChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

/// One line of program text being read left to right. Every failure becomes Error(Syntax) with
/// "line N, column C: " and the line with a caret under the offending columns.
class LineCursor {
public:
  /// With `comments`, a '#' starts a comment that runs to the end of the line.
  LineCursor(std::string_view line, std::size_t lineNumber, bool comments = true)
      : line_(line), lineNumber_(lineNumber) {
    end_ = comments ? std::min(line_.find('#'), line_.size()) : line_.size();
  }

  [[noreturn]] void failAt(std::size_t begin, std::size_t end, const std::string& message,
                           ErrorKind kind = ErrorKind::Syntax) const {
    throw Error(kind,
                "line " + std::to_string(lineNumber_) + ", column " + std::to_string(begin + 1) +
                    ": " + message,
                std::string(line_), SourceSpan{begin, std::max(end, begin + 1)});
  }
  [[noreturn]] void fail(const std::string& message) const { failAt(pos_, tokenEnd(), message); }

  std::size_t position() const { return pos_; }
  /// The column where the next token starts.
  std::size_t tokenStart() {
    skipSpaces();
    return pos_;
  }
  std::size_t lineNumber() const { return lineNumber_; }

  void skipSpaces() {
    while (pos_ < end_ && std::isspace(static_cast<unsigned char>(line_[pos_])))
      ++pos_;
  }
  bool atEnd() {
    skipSpaces();
    return pos_ == end_;
  }
  char peek() {
    skipSpaces();
    return pos_ < end_ ? line_[pos_] : '\0';
  }
  bool startsWith(std::string_view token) {
    skipSpaces();
    return line_.substr(pos_, end_ - pos_).substr(0, token.size()) == token;
  }
  bool consume(std::string_view token) {
    if (!startsWith(token))
      return false;
    pos_ += token.size();
    return true;
  }
  void expect(std::string_view token) {
    if (!consume(token))
      fail("expected '" + std::string(token) + "'" + found());
  }

  std::string identifier(const std::string& what) {
    skipSpaces();
    if (pos_ >= end_ || !isIdentifierStart(line_[pos_]))
      fail("expected " + what + found());
    std::size_t begin = pos_;
    while (pos_ < end_ && isIdentifierChar(line_[pos_]))
      ++pos_;
    return std::string(line_.substr(begin, pos_ - begin));
  }

  std::int64_t integer(const std::string& what) {
    std::string_view token = word();
    std::int64_t value = 0;
    auto [rest, status] = std::from_chars(token.data(), token.data() + token.size(), value);
    if (token.empty() || status != std::errc() || rest != token.data() + token.size())
      fail("expected " + what + found());
    pos_ += token.size();
    return value;
  }

  double number(const std::string& what) {
    std::string_view token = word();
    double value = 0;
    auto [rest, status] = std::from_chars(token.data(), token.data() + token.size(), value);
    if (token.empty() || status != std::errc() || rest != token.data() + token.size())
      fail("expected " + what + found());
    pos_ += token.size();
    return value;
  }

  /// The rest of the line as written, and the cursor at its end.
  std::string_view rest() {
    skipSpaces();
    std::string_view text = line_.substr(pos_, end_ - pos_);
    pos_ = end_;
    return text;
  }

  /// Text for "expected X, found Y" messages.
  std::string found() {
    skipSpaces();
    if (pos_ >= end_)
      return ", found the end of the line";
    return ", found '" + std::string(line_.substr(pos_, tokenEnd() - pos_)) + "'";
  }

private:
  // The run of characters up to the next separator: a number or a name as written.
  std::string_view word() {
    skipSpaces();
    return line_.substr(pos_, tokenEnd() - pos_);
  }
  std::size_t tokenEnd() const {
    std::size_t end = pos_;
    while (end < end_ && (isIdentifierChar(line_[end]) || line_[end] == '.' || line_[end] == '-' ||
                          line_[end] == '+'))
      ++end;
    return std::max(end, std::min(pos_ + 1, end_));
  }

  std::string_view line_;
  std::size_t lineNumber_;
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
};

/// The lines of `text` (split at '\n', a trailing '\r' dropped), line i + 1 at index i.
inline std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t newline = std::min(text.find('\n', begin), text.size());
    std::string_view line = text.substr(begin, newline - begin);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    lines.push_back(line);
    begin = newline + 1;
  }
  return lines;
}

} // namespace einjit::ir
