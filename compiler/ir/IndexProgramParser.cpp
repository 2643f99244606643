// Reads the text IndexProgramPrinter.cpp writes back into an IndexProgram: declarations, then
// prologues, then one statement, line by line. Blank lines and `#` comments are ignored.
#include "ir/IndexProgram.h"

#include "einjit/error.h"
#include "ir/LineCursor.h"
#include "support/Format.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <optional>
#include <set>

namespace einjit::ir {

namespace {

class ProgramParser {
public:
  IndexProgram parse(std::string_view text) {
    std::size_t lineNumber = 0;
    for (std::string_view line : splitLines(text)) {
      LineCursor cursor(line, ++lineNumber);
      if (!cursor.atEnd())
        parseLine(cursor);
    }
    if (!sawStatement_)
      throw Error(ErrorKind::Syntax,
                  "line " + std::to_string(lineNumber) +
                      ", column 1: expected the statement 'out[...] = ...' before the end of "
                      "the text");
    // A text that parses but does not make a program (a label with two extents, an output
    // label no operand has) is the user's mistake: verify's report becomes a syntax error.
    try {
      verify(program_);
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::Internal)
        throw;
      std::string what = error.message();
      const std::string prefix = "invalid IndexProgram: ";
      if (what.rfind(prefix, 0) == 0)
        what = what.substr(prefix.size());
      throw Error(ErrorKind::Syntax, "the program is inconsistent: " + what);
    }
    return program_;
  }

private:
  void parseLine(LineCursor& cursor) {
    if (sawStatement_)
      cursor.fail("the statement must be the last line");
    std::size_t nameBegin = cursor.tokenStart();
    std::string name = cursor.identifier("a declaration, a prologue or the statement");
    if (cursor.consume(":="))
      parsePrologue(cursor, name, nameBegin);
    else if (cursor.consume(":"))
      parseDeclaration(cursor, name, nameBegin);
    else if (cursor.peek() == '[')
      parseStatement(cursor, name);
    else
      cursor.fail("expected ':' (declaration), ':=' (prologue) or '[' (statement) after '" + name +
                  "'" + cursor.found());
  }

  void parseDeclaration(LineCursor& cursor, const std::string& name, std::size_t nameBegin) {
    if (findOperand(name))
      cursor.failAt(nameBegin, nameBegin + name.size(), "'" + name + "' is declared twice");
    std::size_t dtypeBegin = cursor.tokenStart();
    std::string dtypeText = cursor.identifier("a dtype (f32, f64, i32, i64, c64, c128, bf16, f16)");
    std::optional<DType> dtype = parseDType(dtypeText);
    if (!dtype)
      cursor.failAt(dtypeBegin, cursor.position(), "unknown dtype '" + dtypeText + "'");
    if (cursor.atEnd()) {
      // "out: f32": the output's dtype, declared without a shape (the statement gives it).
      if (outputDeclared_)
        cursor.failAt(nameBegin, nameBegin + name.size(), "the output's dtype is declared twice");
      outputDeclared_ = OutputDeclaration{name, cursor.lineNumber()};
      expectEnd(cursor);
      program_.outputDtype = *dtype;
      return;
    }
    if (!program_.operands.empty() && *dtype != program_.dtype)
      cursor.failAt(dtypeBegin, cursor.position(),
                    "dtype " + std::string(dtypeName(*dtype)) + " differs from " +
                        std::string(dtypeName(program_.dtype)) +
                        " of the operands declared before; a program has one dtype");
    program_.dtype = *dtype;
    if (program_.operands.size() == limits::maxOperands)
      limit(cursor, nameBegin, nameBegin + name.size(),
            "more than " + std::to_string(limits::maxOperands) + " operands, the limit");
    Operand operand;
    operand.name = name;
    std::size_t shapeBegin = cursor.tokenStart();
    cursor.expect("[");
    if (!cursor.consume("]")) {
      do {
        std::size_t extentBegin = cursor.tokenStart();
        if (operand.shape.size() == limits::maxRank)
          limit(cursor, extentBegin, extentBegin + 1,
                "'" + name + "' has more than " + std::to_string(limits::maxRank) +
                    " dimensions, the limit");
        std::int64_t extent = cursor.integer("an extent");
        if (extent < 0)
          cursor.failAt(extentBegin, cursor.position(), "extent must not be negative");
        operand.shape.push_back(extent);
      } while (cursor.consume(","));
      cursor.expect("]");
    }
    std::int64_t count = 1;
    for (std::size_t d = 0; d < operand.shape.size(); ++d)
      if (__builtin_mul_overflow(count, operand.shape[d], &count))
        cursor.failAt(shapeBegin, cursor.position(),
                      "'" + name + "' of shape " + shapeToPython(operand.shape) +
                          " has more elements than a 64-bit count can hold (from axis " +
                          std::to_string(d) + ")",
                      ErrorKind::Shape);
    expectEnd(cursor);
    program_.operands.push_back(std::move(operand));
  }

  void parsePrologue(LineCursor& cursor, const std::string& name, std::size_t nameBegin) {
    std::optional<std::size_t> operand = findOperand(name);
    if (!operand)
      cursor.failAt(nameBegin, nameBegin + name.size(), "'" + name + "' is not declared");
    Prologue prologue;
    prologue.operand = *operand;
    std::size_t kindBegin = cursor.tokenStart();
    std::string kind = cursor.identifier("normalize or ravel");
    if (kind == "ravel")
      prologue.kind = PrologueKind::Ravel;
    else if (kind == "normalize")
      prologue.kind = PrologueKind::Normalize;
    else
      cursor.failAt(kindBegin, cursor.position(),
                    "unknown prologue '" + kind + "' (expected normalize or ravel)");
    cursor.expect("(");
    std::size_t argumentBegin = cursor.tokenStart();
    std::string argument = cursor.identifier("'" + name + "'");
    if (argument != name)
      cursor.failAt(argumentBegin, cursor.position(),
                    "a prologue transforms its own operand: expected '" + name + "', found '" +
                        argument + "'");
    if (prologue.kind == PrologueKind::Normalize)
      parseNormalizeKeywords(cursor, prologue);
    cursor.expect(")");
    expectEnd(cursor);
    program_.prologues.push_back(prologue);
  }

  void parseNormalizeKeywords(LineCursor& cursor, Prologue& prologue) {
    std::set<std::string> seen;
    while (cursor.consume(",")) {
      std::size_t keywordBegin = cursor.tokenStart();
      std::string keyword = cursor.identifier("axis= or eps=");
      std::size_t keywordEnd = cursor.position();
      if (!seen.insert(keyword).second)
        cursor.failAt(keywordBegin, keywordEnd, "'" + keyword + "' is given twice");
      cursor.expect("=");
      if (keyword == "axis") {
        std::int64_t axis = cursor.integer("an integer axis");
        if (axis < std::numeric_limits<int>::min() || axis > std::numeric_limits<int>::max())
          cursor.failAt(keywordBegin, cursor.position(), "axis out of range");
        prologue.axis = static_cast<int>(axis);
      } else if (keyword == "eps") {
        prologue.epsilon = cursor.number("a number");
      } else {
        cursor.failAt(keywordBegin, keywordEnd,
                      "unknown keyword '" + keyword + "' (expected axis or eps)");
      }
    }
    if (!seen.count("axis"))
      cursor.fail("normalize needs axis=");
  }

  std::vector<Index> parseIndexList(LineCursor& cursor) {
    std::vector<Index> indices;
    cursor.expect("[");
    if (cursor.consume("]"))
      return indices;
    do {
      // Past the rank limit no list is valid, and the label checks after it grow with its length.
      if (indices.size() == limits::maxRank) {
        std::size_t at = cursor.tokenStart();
        limit(cursor, at, at + 1,
              "more than " + std::to_string(limits::maxRank) + " indices, the rank limit");
      }
      if (std::isdigit(static_cast<unsigned char>(cursor.peek()))) {
        std::size_t zeroBegin = cursor.tokenStart();
        if (cursor.integer("a label or 0") != 0 || cursor.position() != zeroBegin + 1)
          cursor.failAt(zeroBegin, cursor.position(), "an index is a label or the literal 0");
        indices.push_back(Index::zero());
      } else {
        indices.push_back(Index::of(cursor.identifier("a label or 0")));
      }
    } while (cursor.consume(","));
    cursor.expect("]");
    return indices;
  }

  void parseStatement(LineCursor& cursor, const std::string& outputName) {
    if (outputDeclared_ && outputDeclared_->name != outputName)
      cursor.failAt(0, outputName.size(),
                    "the statement writes '" + outputName + "' but line " +
                        std::to_string(outputDeclared_->line) + " declares the dtype of '" +
                        outputDeclared_->name + "'");
    program_.outputName = outputName;
    std::size_t outputBegin = cursor.tokenStart();
    program_.output = parseIndexList(cursor);
    std::size_t outputEnd = cursor.position();
    cursor.expect("=");

    // "sum_k x[...]" or "sum_{k,l} x[...]"; an operand may itself be called sum_k, told apart by
    // the '[' that follows its name.
    std::optional<std::vector<std::string>> written;
    std::size_t sumBegin = cursor.tokenStart();
    LineCursor probe = cursor;
    std::string word = probe.identifier("an operand or sum_");
    std::size_t wordEnd = probe.position();
    std::size_t sumEnd = sumBegin;
    if (word == "sum_" && probe.peek() == '{') {
      probe.expect("{");
      written.emplace();
      do
        written->push_back(probe.identifier("a summed label"));
      while (probe.consume(","));
      probe.expect("}");
      sumEnd = probe.position();
      cursor = probe;
    } else if (word.size() > 4 && word.compare(0, 4, "sum_") == 0 && probe.peek() != '[') {
      written.emplace(std::vector<std::string>{word.substr(4)});
      sumEnd = wordEnd;
      cursor = probe;
    }

    std::size_t factor = 0;
    do {
      std::size_t factorBegin = cursor.tokenStart();
      probe = cursor;
      bool conj = probe.consume("conj") && probe.consume("(");
      if (conj)
        cursor = probe;
      std::size_t nameBegin = cursor.tokenStart();
      std::string name = cursor.identifier("an operand");
      if (factor >= program_.operands.size() || program_.operands[factor].name != name) {
        if (!findOperand(name))
          cursor.failAt(nameBegin, cursor.position(), "'" + name + "' is not declared");
        cursor.failAt(factorBegin, cursor.position(),
                      "factor " + std::to_string(factor + 1) + " must be " +
                          (factor < program_.operands.size()
                               ? "'" + program_.operands[factor].name + "'"
                               : "absent") +
                          ": the factors name the declared operands once each, in order");
      }
      program_.operands[factor].indices = parseIndexList(cursor);
      program_.operands[factor].conj = conj;
      if (conj)
        cursor.expect(")");
      ++factor;
    } while (cursor.consume("*"));
    if (factor < program_.operands.size() && cursor.atEnd())
      cursor.fail("operand '" + program_.operands[factor].name +
                  "' is declared but missing from the statement");
    expectEnd(cursor);
    checkSummedLabels(cursor, written, sumBegin, sumEnd);
    checkOutputSize(cursor, outputBegin, outputEnd);
    sawStatement_ = true;
  }

  void checkSummedLabels(const LineCursor& cursor,
                         const std::optional<std::vector<std::string>>& written,
                         std::size_t sumBegin, std::size_t sumEnd) const {
    std::vector<std::string> implied = program_.summedLabels();
    std::vector<std::string> given = written.value_or(std::vector<std::string>{});
    std::set<std::string> givenSet(given.begin(), given.end());
    bool same = givenSet.size() == given.size() &&
                givenSet == std::set<std::string>(implied.begin(), implied.end());
    if (same)
      return;
    std::string impliedText =
        implied.empty() ? "no labels" : "{" + support::join(implied, ",") + "}";
    std::string givenText = given.empty() ? "none" : "{" + support::join(given, ",") + "}";
    cursor.failAt(sumBegin, sumEnd,
                  "the statement sums over " + givenText + " but the labels absent from " +
                      program_.outputName + "[...] are " + impliedText);
  }

  /// The output of declared operands can still be too large to count (an outer product).
  void checkOutputSize(const LineCursor& cursor, std::size_t begin, std::size_t end) const {
    Shape shape = program_.outputShape();
    std::int64_t count = 1;
    for (std::size_t d = 0; d < shape.size(); ++d)
      if (__builtin_mul_overflow(count, shape[d], &count))
        cursor.failAt(begin, end,
                      program_.outputName + " of shape " + shapeToPython(shape) +
                          " has more elements than a 64-bit count can hold (from axis " +
                          std::to_string(d) + ")",
                      ErrorKind::Shape);
  }

  /// Error(Resource) for a documented limit, pointing at the line and column like a syntax error.
  [[noreturn]] static void limit(const LineCursor& cursor, std::size_t begin, std::size_t end,
                                 const std::string& message) {
    cursor.failAt(begin, end, message, ErrorKind::Resource);
  }

  void expectEnd(LineCursor& cursor) {
    if (!cursor.atEnd())
      cursor.fail("unexpected text at the end of the line" + cursor.found());
  }

  std::optional<std::size_t> findOperand(const std::string& name) const {
    for (std::size_t t = 0; t < program_.operands.size(); ++t)
      if (program_.operands[t].name == name)
        return t;
    return std::nullopt;
  }

  /// "out: f32": the output's dtype declaration, where it was.
  struct OutputDeclaration {
    std::string name;
    std::size_t line;
  };

  IndexProgram program_;
  bool sawStatement_ = false;
  std::optional<OutputDeclaration> outputDeclared_;
};

} // namespace

IndexProgram parseIndexProgram(std::string_view text) {
  return ProgramParser().parse(text);
}

} // namespace einjit::ir
