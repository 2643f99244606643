// The two einsum grammars: numpy's C parser (einsum.cpp, parse_operand_subscripts and
// parse_output_subscripts; docs/semantics.md §2.2-§2.4) and torch's (Linear.cpp, einsum). Both make
// their checks in the library's own order so that the first error reported is the library's.
#include "frontend/EinsumSubscripts.h"

#include <algorithm>
#include <array>
#include <cstdio>

namespace einjit::frontend {

namespace {

bool isAsciiLetter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// A character as a message shows it: itself when printable, else a Python-style escape.
std::string printable(char c) {
  auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7f)
    return std::string(1, c);
  std::array<char, 8> escaped{};
  std::snprintf(escaped.data(), escaped.size(), "\\x%02x", byte);
  return escaped.data();
}

std::string plural(std::size_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string shapeOf(const Arg& operand) {
  return operand.name + ".shape = " + shapeToPython(operand.shape);
}

[[noreturn]] void fail(ErrorKind kind, const std::string& message, std::string_view text,
                       SourceSpan span) {
  throw Error(kind, message, std::string(text), span);
}

// The terms of the string before '->' as numpy splits them, for the operand-count message.
std::size_t countNumpyTerms(std::string_view text) {
  std::size_t end = std::min(text.find('-'), text.size());
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + end, ','));
}

// numpy encodes the string with PyUnicode_AsASCIIString before parsing it, so the first
// non-ASCII character fails with Python's UnicodeEncodeError text.
void rejectNonAscii(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80)
      continue;
    std::size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    std::uint32_t codePoint = length == 1 ? lead : lead & (0x7f >> length);
    for (std::size_t k = 1; k < length; ++k) {
      auto next = i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
      if ((next & 0xc0) != 0x80) {
        codePoint = lead; // not UTF-8: report the byte itself
        break;
      }
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    std::array<char, 16> escaped{};
    if (codePoint <= 0xff)
      std::snprintf(escaped.data(), escaped.size(), "\\x%02x", codePoint);
    else if (codePoint <= 0xffff)
      std::snprintf(escaped.data(), escaped.size(), "\\u%04x", codePoint);
    else
      std::snprintf(escaped.data(), escaped.size(), "\\U%08x", codePoint);
    // Every character before this one is ASCII, so its byte offset is its position.
    fail(ErrorKind::Syntax,
         "einsum: 'ascii' codec can't encode character '" + std::string(escaped.data()) +
             "' in position " + std::to_string(i) + ": ordinal not in range(128)",
         text, {i, i + 1});
  }
}

// The part of a term's grammar input and output terms share: at column i (not a letter) either
// an ellipsis, recorded in `term` and skipped (i moves to its last dot), a space, or an error.
// `where` names the term in the stray-dot message ("operand 0 (x)", "the output").
void readNonLetter(std::string_view text, std::size_t& i, std::size_t end, EinsumTerm& term,
                   const std::string& where) {
  char c = text[i];
  if (c == '.') {
    if (term.ellipsis || i + 2 >= end || text[i + 1] != '.' || text[i + 2] != '.')
      fail(ErrorKind::Syntax,
           "einsum: einstein sum subscripts string contains a '.' that is not part of an "
           "ellipsis ('...') in " +
               where,
           text, einsumDotSpan(text, i, end));
    term.ellipsis = term.labels.size();
    term.ellipsisColumn = i;
    i += 2;
  } else if (c != ' ') {
    fail(ErrorKind::Syntax,
         "einsum: invalid subscript '" + printable(c) +
             "' in einstein sum subscripts string, subscripts must be letters",
         text, {i, i + 1});
  }
}

EinsumTerm parseNumpyInputTerm(std::string_view text, std::size_t begin, std::size_t end,
                               const std::vector<Arg>& operands, std::size_t index) {
  const Arg& operand = operands[index];
  const std::size_t rank = operand.shape.size();
  EinsumTerm term;
  term.span = {begin, end};
  for (std::size_t i = begin; i < end; ++i) {
    char c = text[i];
    if (isAsciiLetter(c)) {
      if (term.labels.size() >= rank)
        fail(ErrorKind::Shape,
             "einsum: einstein sum subscripts string contains too many subscripts for operand " +
                 std::to_string(index) + " (" + shapeOf(operand) + ")",
             text, {i, i + 1});
      term.labels += c;
      term.columns.push_back(i);
    } else {
      readNonLetter(text, i, end, term, einsumOperandText(operands, index));
    }
  }
  if (!term.ellipsis && term.labels.size() != rank)
    fail(ErrorKind::Shape,
         "einsum: operand has more dimensions than subscripts given in einstein sum, but no "
         "'...' ellipsis provided to broadcast the extra dimensions. (" +
             einsumOperandText(operands, index) + ": " + plural(term.labels.size(), "subscript") +
             " for " + shapeOf(operand) + ")",
         text, term.span);
  return term;
}

EinsumTerm parseNumpyOutputTerm(std::string_view text, std::size_t begin,
                                const std::array<int, 128>& labelCounts,
                                const std::vector<Arg>& operands,
                                const std::vector<EinsumTerm>& inputs) {
  const std::size_t end = text.size();
  EinsumTerm term;
  term.span = {begin, end};
  for (std::size_t i = begin; i < end; ++i) {
    char c = text[i];
    if (isAsciiLetter(c)) {
      std::size_t repeat = text.find(c, i + 1);
      if (repeat != std::string_view::npos)
        fail(ErrorKind::Syntax,
             "einsum: einstein sum subscripts string includes output subscript '" +
                 std::string(1, c) + "' multiple times",
             text, {repeat, repeat + 1});
      if (labelCounts[static_cast<unsigned char>(c)] == 0)
        fail(ErrorKind::Syntax,
             "einsum: einstein sum subscripts string included output subscript '" +
                 std::string(1, c) + "' which never appeared in an input",
             text, {i, i + 1});
      term.labels += c;
      term.columns.push_back(i);
    } else {
      readNonLetter(text, i, end, term, "the output");
    }
  }
  if (term.ellipsis)
    return term;
  for (std::size_t t = 0; t < inputs.size(); ++t) {
    std::size_t covered = operands[t].shape.size() - inputs[t].labels.size();
    if (inputs[t].ellipsis && covered > 0)
      fail(ErrorKind::Shape,
           "einsum: output has more dimensions than subscripts given in einstein sum, but no "
           "'...' ellipsis provided to broadcast the extra dimensions. (" +
               einsumOperandText(operands, t) + " has " + plural(covered, "dimension") +
               " under '...', " + shapeOf(operands[t]) + ")",
           text, term.span);
  }
  return term;
}

} // namespace

std::string einsumOperandText(const std::vector<Arg>& operands, std::size_t index) {
  return "operand " + std::to_string(index) + " (" + operands[index].name + ")";
}

std::string einsumMessagePrefix(EinsumDialect dialect) {
  switch (dialect) {
  case EinsumDialect::Numpy:
    return "einsum: ";
  case EinsumDialect::Torch:
    return "einsum(): ";
  case EinsumDialect::Tensorflow:
    return "tf.einsum: ";
  case EinsumDialect::KerasOps:
    return "keras.ops.einsum: ";
  }
  return "einsum: ";
}

SourceSpan einsumDotSpan(std::string_view text, std::size_t column, std::size_t end) {
  std::size_t stop = column;
  while (stop < end && stop < column + 3 && text[stop] == '.')
    ++stop;
  return {column, stop};
}

EinsumSubscripts parseNumpyEinsum(std::string_view text, const std::vector<Arg>& operands) {
  if (operands.empty())
    throw Error(ErrorKind::Arity, "einsum: must specify the einstein sum subscripts string and at "
                                  "least one operand");
  rejectNonAscii(text);
  EinsumSubscripts parsed;
  parsed.text = std::string(text);
  const std::size_t count = operands.size();
  std::size_t position = 0;
  for (std::size_t t = 0; t < count; ++t) {
    std::size_t end = std::min(text.find_first_of(",-", position), text.size());
    bool endsAtComma = end < text.size() && text[end] == ',';
    std::string counts = " (" + plural(countNumpyTerms(text), "term") +
                         " in the subscripts string for " + plural(count, "operand") + ")";
    // numpy's wording says the opposite of what happened; the counts make it plain.
    if (t == count - 1 && endsAtComma)
      fail(ErrorKind::Arity,
           "einsum: more operands provided to einstein sum function than specified in the "
           "subscripts string" +
               counts,
           text, {end + 1, std::min(text.find('-', end), text.size())});
    if (t < count - 1 && !endsAtComma)
      fail(ErrorKind::Arity,
           "einsum: fewer operands provided to einstein sum function than specified in the "
           "subscripts string" +
               counts,
           text, {end, end + 1});
    parsed.inputs.push_back(parseNumpyInputTerm(text, position, end, operands, t));
    position = t < count - 1 ? end + 1 : end;
  }
  if (position == text.size())
    return parsed;
  if (text.substr(position, 2) != "->")
    fail(ErrorKind::Syntax,
         "einsum: einstein sum subscript string does not contain proper '->' output specified",
         text, {position, position + 1});
  std::array<int, 128> labelCounts{};
  for (const EinsumTerm& term : parsed.inputs)
    for (char label : term.labels)
      ++labelCounts[static_cast<unsigned char>(label)];
  parsed.output = parseNumpyOutputTerm(text, position + 2, labelCounts, operands, parsed.inputs);
  return parsed;
}

EinsumSubscripts parseTorchEinsum(std::string_view text, const std::vector<Arg>& operands) {
  if (operands.empty())
    throw Error(ErrorKind::Arity, "einsum(): must provide at least one operand");
  EinsumSubscripts parsed;
  parsed.text = std::string(text);
  const std::size_t arrow = text.find("->");
  const std::size_t lhsEnd = std::min(arrow, text.size());
  auto invalidSubscript = [&](std::size_t i) {
    fail(ErrorKind::Syntax,
         "einsum(): invalid subscript given at index " + std::to_string(i) +
             " in the equation string, subscripts must be in [a-zA-Z]",
         text, {i, i + 1});
  };
  EinsumTerm term;
  for (std::size_t i = 0; i < lhsEnd; ++i) {
    char c = text[i];
    if (c == ' ')
      continue;
    if (c == '.') {
      std::size_t index = parsed.inputs.size();
      if (term.ellipsis)
        fail(ErrorKind::Syntax,
             "einsum(): found '.' for " + einsumOperandText(operands, index) +
                 " for which an ellipsis was already found",
             text, einsumDotSpan(text, i, lhsEnd));
      if (!(i + 2 < lhsEnd && text[i + 1] == '.' && text[i + 2] == '.'))
        fail(ErrorKind::Syntax,
             "einsum(): found '.' for " + einsumOperandText(operands, index) +
                 " that is not part of any ellipsis",
             text, einsumDotSpan(text, i, lhsEnd));
      term.ellipsis = term.labels.size();
      term.ellipsisColumn = i;
      i += 2;
    } else if (c == ',') {
      term.span.end = i;
      parsed.inputs.push_back(term);
      if (parsed.inputs.size() >= operands.size())
        fail(ErrorKind::Arity,
             "einsum(): fewer operands were provided than specified in the equation (" +
                 plural(operands.size(), "operand") + ")",
             text, {i, i + 1});
      term = EinsumTerm{};
      term.span.begin = i + 1;
    } else if (isAsciiLetter(c)) {
      term.labels += c;
      term.columns.push_back(i);
    } else {
      invalidSubscript(i);
    }
  }
  term.span.end = lhsEnd;
  parsed.inputs.push_back(term);
  if (parsed.inputs.size() != operands.size())
    fail(ErrorKind::Arity,
         "einsum(): more operands were provided than specified in the equation (" +
             plural(operands.size(), "operand") + ", " + plural(parsed.inputs.size(), "term") + ")",
         text, {lhsEnd, lhsEnd + 1});

  std::array<int, 128> labelCounts{};
  for (std::size_t t = 0; t < operands.size(); ++t) {
    const EinsumTerm& input = parsed.inputs[t];
    for (char label : input.labels)
      ++labelCounts[static_cast<unsigned char>(label)];
    std::size_t labels = input.labels.size();
    std::size_t rank = operands[t].shape.size();
    if (input.ellipsis ? labels > rank : labels != rank)
      fail(ErrorKind::Shape,
           "einsum(): the number of subscripts in the equation (" + std::to_string(labels) +
               (input.ellipsis ? ") is more than the number of dimensions ("
                               : ") does not match the number of dimensions (") +
               std::to_string(rank) + ") for " + einsumOperandText(operands, t) +
               (input.ellipsis ? "" : " and no ellipsis was given"),
           text, input.span);
  }
  if (arrow == std::string_view::npos)
    return parsed;

  EinsumTerm output;
  output.span = {arrow + 2, text.size()};
  for (std::size_t i = arrow + 2; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ')
      continue;
    if (c == '.') {
      if (output.ellipsis)
        fail(ErrorKind::Syntax,
             "einsum(): found '.' for output but an ellipsis (...) was already found", text,
             einsumDotSpan(text, i, text.size()));
      if (!(i + 2 < text.size() && text[i + 1] == '.' && text[i + 2] == '.'))
        fail(ErrorKind::Syntax,
             "einsum(): found '.' for output that is not part of any ellipsis (...)", text,
             einsumDotSpan(text, i, text.size()));
      output.ellipsis = output.labels.size();
      output.ellipsisColumn = i;
      i += 2;
    } else if (isAsciiLetter(c)) {
      bool repeated = output.labels.find(c) != std::string::npos;
      if (labelCounts[static_cast<unsigned char>(c)] == 0 || repeated)
        fail(ErrorKind::Syntax,
             "einsum(): output subscript " + std::string(1, c) +
                 (repeated ? " appears more than once in the output"
                           : " does not appear in the equation for any input operand"),
             text, {i, i + 1});
      output.labels += c;
      output.columns.push_back(i);
    } else {
      invalidSubscript(i);
    }
  }
  parsed.output = output;
  return parsed;
}

} // namespace einjit::frontend
