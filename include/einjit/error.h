// The one exception type einjit throws: a kind, a message and, for text input (an einsum string
// or a call as written in Python), the span of the text it points at.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace einjit {

/// What went wrong, coarsely. Everything but Internal is the user's to fix. (Resource comes last
/// so that the older kinds keep their values.)
enum class ErrorKind {
  Syntax,      ///< malformed einsum string or call text
  Shape,       ///< extents that do not match, broadcast or fit
  Axis,        ///< an axis out of range, duplicated or refused
  Arity,       ///< wrong number of operands
  Argument,    ///< an unknown call or keyword, or a keyword value of the wrong type
  Io,          ///< a file that cannot be read or written, or a bad .npy file
  Misuse,      ///< an API call that does not fit the program (dtype, rank, extents, strides)
  Unsupported, ///< valid input that einjit does not handle
  Internal,    ///< an einjit bug
  Resource,    ///< past a documented limit (docs/LIMITS.md): more memory than the machine has
               ///< (also memory a kernel could not allocate while running: its call fails,
               ///< nothing else), or a rank, operand count, text length or nesting depth no
               ///< real call reaches
};

/// A half-open column range [begin, end) in the source text of an error.
struct SourceSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
};

/// The exception every einjit call throws on bad input. `what()` is the message followed, when
/// there is source text, by that text and a caret line under the offending columns (for a text
/// longer than 200 characters, a window of it around the columns and the column number).
class Error : public std::exception {
public:
  Error(ErrorKind kind, std::string message);
  Error(ErrorKind kind, std::string message, std::string source, SourceSpan span);

  ErrorKind kind() const noexcept { return kind_; }
  /// The message alone, without source text or caret.
  const std::string& message() const noexcept { return message_; }
  /// The text the span points into; empty when the error has no source text.
  const std::string& source() const noexcept { return source_; }
  std::optional<SourceSpan> span() const noexcept { return span_; }
  const char* what() const noexcept override { return rendered_.c_str(); }

  /// The same error pointing into `outer`, where this error's source starts at column `offset`.
  Error relocated(std::string outer, std::size_t offset) const;

private:
  ErrorKind kind_;
  std::string message_;
  std::string source_;
  std::optional<SourceSpan> span_;
  std::string rendered_;
};

/// "syntax", "shape", … for messages and tests.
std::string_view errorKindName(ErrorKind kind);

} // namespace einjit
