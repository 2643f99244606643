// Reads the LoopNest text (LoopNest.cpp's toIRText, or toString's summary) back into a nest. The
// header lines carry the facts (dtype, strategy, labels, tensors, rationale, the packed
// schedule's groups and sizes); loop headers carry each loop's kind. Every other line follows
// from those, so it is checked against what the printer writes for the nest read so far.
#include "ir/LoopNest.h"

#include "einjit/error.h"
#include "einjit/tensor.h"
#include "ir/LineCursor.h"

#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <set>

namespace einjit::ir {

namespace {

/// Tile and unroll factors, lanes and vectors above this are refused, so that their products
/// (Loop::step, PackedGemm::nr) stay far inside an int.
constexpr int kMaxFactor = 1 << 12;

struct TextLine {
  std::string_view full; ///< the line as written (without a trailing '\r')
  std::string_view text; ///< without leading and trailing spaces
  std::size_t number = 0;
  std::size_t indent = 0; ///< columns of leading spaces cut off
};

std::vector<TextLine> nonBlankLines(std::string_view text) {
  std::vector<TextLine> lines;
  std::size_t number = 0;
  for (std::string_view line : splitLines(text)) {
    ++number;
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos)
      continue;
    std::size_t last = line.find_last_not_of(" \t\r");
    lines.push_back(TextLine{line, line.substr(first, last + 1 - first), number, first});
  }
  return lines;
}

class NestParser {
public:
  LoopNest parse(std::string_view text) {
    lines_ = nonBlankLines(text);
    if (lines_.empty())
      throw Error(ErrorKind::Syntax, "line 1, column 1: expected 'loop nest DTYPE, strategy S', "
                                     "found an empty text");
    parseHeading(cursorAt(0));
    ++next_;
    parseLabels();
    parseTensors();
    if (next_ < lines_.size() && lines_[next_].text ==
                                     "stores non-temporal when beta == 0 and the output is "
                                     "vector-aligned") {
      nest_.nontemporalStores = true;
      ++next_;
    }
    while (next_ < lines_.size() && lines_[next_].text.substr(0, 4) == "why:") {
      LineCursor cursor = cursorAt(next_);
      cursor.expect("why:");
      std::string_view why = cursor.rest();
      // Trailing blanks and carriage returns go, as the line splitter drops a line's last '\r':
      // the printed rationale then reads back the same.
      nest_.rationale.emplace_back(why.substr(0, why.find_last_not_of(" \t\r") + 1));
      ++next_;
    }
    std::size_t bodyBegin = next_;
    if (next_ < lines_.size() && lines_[next_].text.substr(0, 7) == "packed:")
      parsePacked();
    else
      parseLoops();
    checkConsistent();
    checkBody(bodyBegin);
    return std::move(nest_);
  }

private:
  LineCursor cursorAt(std::size_t index) const {
    // Comments are not part of this grammar: a rationale line may hold any character.
    return LineCursor(lines_[index].full, lines_[index].number, false);
  }

  [[noreturn]] void failAtEnd(const std::string& expected) const {
    std::size_t number = lines_.empty() ? 1 : lines_.back().number + 1;
    throw Error(ErrorKind::Syntax, "line " + std::to_string(number) + ", column 1: expected " +
                                       expected + ", found the end of the text");
  }

  static void expectEnd(LineCursor& cursor) {
    if (!cursor.atEnd())
      cursor.fail("unexpected text at the end of the line" + cursor.found());
  }

  static std::int64_t count(LineCursor& cursor, const std::string& what, std::int64_t least) {
    std::size_t begin = cursor.tokenStart();
    std::int64_t value = cursor.integer(what);
    if (value < least)
      cursor.failAt(begin, cursor.position(),
                    what + " must be at least " + std::to_string(least) + ", got " +
                        std::to_string(value));
    return value;
  }

  static int smallCount(LineCursor& cursor, const std::string& what) {
    std::size_t begin = cursor.tokenStart();
    std::int64_t value = count(cursor, what, 1);
    if (value > kMaxFactor)
      cursor.failAt(begin, cursor.position(), what + " " + std::to_string(value) + " is too large");
    return static_cast<int>(value);
  }

  /// "AxB" as two counts ("8x2": one word to the cursor's integer reader, so read by hand).
  static std::pair<int, int> dimensions(LineCursor& cursor, const std::string& what) {
    std::size_t begin = cursor.tokenStart();
    LineCursor probe = cursor;
    std::string_view rest = probe.rest();
    std::size_t length = 0;
    while (length < rest.size() &&
           (std::isdigit(static_cast<unsigned char>(rest[length])) || rest[length] == 'x'))
      ++length;
    std::string_view token = rest.substr(0, length);
    auto number = [](std::string_view digits, int& value) {
      auto [end, status] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      return !digits.empty() && status == std::errc() && end == digits.data() + digits.size() &&
             value >= 1 && value <= kMaxFactor;
    };
    std::size_t x = token.find('x');
    int a = 0;
    int b = 0;
    if (x == std::string_view::npos || !number(token.substr(0, x), a) ||
        !number(token.substr(x + 1), b))
      cursor.failAt(begin, begin + std::max<std::size_t>(length, 1),
                    "expected " + what + " as AxB, each from 1 to " + std::to_string(kMaxFactor) +
                        cursor.found());
    cursor.expect(token);
    return {a, b};
  }

  static DType dtypeToken(LineCursor& cursor, const std::string& what) {
    std::size_t begin = cursor.tokenStart();
    std::string text = cursor.identifier(what);
    std::optional<DType> dtype = parseDType(text);
    if (!dtype)
      cursor.failAt(begin, cursor.position(), "unknown dtype '" + text + "'");
    return *dtype;
  }

  void parseHeading(LineCursor cursor) {
    cursor.expect("loop");
    cursor.expect("nest");
    nest_.dtype = dtypeToken(cursor, "a dtype (f32, f64, i32, i64, c64, c128, bf16, f16)");
    cursor.expect(",");
    if (cursor.consume("output")) {
      nest_.outputDtype = dtypeToken(cursor, "the output's dtype (f32, bf16, f16)");
      cursor.expect(",");
    }
    cursor.expect("strategy");
    std::size_t strategyBegin = cursor.tokenStart();
    std::string strategy = cursor.identifier("a strategy");
    bool known = false;
    for (Strategy candidate :
         {Strategy::Direct, Strategy::Small, Strategy::Streaming, Strategy::Packed})
      if (strategyName(candidate) == strategy) {
        nest_.strategy = candidate;
        known = true;
      }
    if (!known)
      cursor.failAt(strategyBegin, cursor.position(),
                    "unknown strategy '" + strategy + "' (direct, small, streaming, packed)");
    if (cursor.consume(",")) {
      cursor.expect("run-time");
      cursor.expect("extents");
      nest_.constantExtents = false;
    }
    expectEnd(cursor);
  }

  void parseLabels() {
    if (next_ == lines_.size())
      failAtEnd("'labels'");
    LineCursor cursor = cursorAt(next_++);
    cursor.expect("labels");
    while (!cursor.atEnd()) {
      std::size_t begin = cursor.tokenStart();
      std::string name = cursor.identifier("a label");
      if (labelIds_.count(name))
        cursor.failAt(begin, cursor.position(), "label '" + name + "' is listed twice");
      if (nest_.labels.size() == limits::maxRank * (limits::maxOperands + 1))
        cursor.failAt(begin, cursor.position(), "too many labels", ErrorKind::Resource);
      cursor.expect("=");
      std::int64_t extent = count(cursor, "an extent", 0);
      labelIds_.emplace(name, nest_.labels.size());
      nest_.labels.push_back(LoopLabel{name, extent});
    }
  }

  std::size_t label(LineCursor& cursor) const {
    std::size_t begin = cursor.tokenStart();
    std::string name = cursor.identifier("a label");
    auto found = labelIds_.find(name);
    if (found == labelIds_.end())
      cursor.failAt(begin, cursor.position(), "label '" + name + "' is not in the labels line");
    return found->second;
  }

  std::vector<std::size_t> labelList(LineCursor& cursor) const {
    std::vector<std::size_t> labels;
    cursor.expect("[");
    if (cursor.consume("]"))
      return labels;
    do {
      if (labels.size() == limits::maxRank * 2) {
        std::size_t at = cursor.tokenStart();
        cursor.failAt(at, at + 1, "more than " + std::to_string(limits::maxRank * 2) + " labels",
                      ErrorKind::Resource);
      }
      labels.push_back(label(cursor));
    } while (cursor.consume(","));
    cursor.expect("]");
    return labels;
  }

  static bool startsBody(std::string_view text) {
    return text.substr(0, 4) == "why:" || text.substr(0, 7) == "packed:" ||
           text.substr(0, 4) == "for " || text == "acc = 0" ||
           text.substr(0, 20) == "stores non-temporal ";
  }

  void parseTensors() {
    std::vector<TensorAccess> tensors;
    while (next_ < lines_.size() && !startsBody(lines_[next_].text)) {
      if (tensors.size() == limits::maxOperands + 1) {
        LineCursor cursor = cursorAt(next_);
        cursor.failAt(lines_[next_].indent, lines_[next_].indent + 1,
                      "more than " + std::to_string(limits::maxOperands) + " inputs",
                      ErrorKind::Resource);
      }
      tensors.push_back(parseTensor(cursorAt(next_++), tensors.size()));
    }
    if (tensors.size() < 2) {
      if (next_ == lines_.size())
        failAtEnd("a tensor line 'NAME[LABELS] strides ...'");
      LineCursor cursor = cursorAt(next_);
      cursor.fail("expected a tensor line (one per input, then the output)" + cursor.found());
    }
    nest_.output = std::move(tensors.back());
    nest_.output.source = 0; // the output reads no operand
    tensors.pop_back();
    nest_.inputs = std::move(tensors);
  }

  TensorAccess parseTensor(LineCursor cursor, std::size_t position) const {
    TensorAccess tensor;
    tensor.source = position;
    tensor.strides.assign(nest_.labels.size(), LabelStride{{}, 0});
    LineCursor probe = cursor;
    tensor.conj = probe.consume("conj") && probe.consume("(");
    if (tensor.conj)
      cursor = probe;
    tensor.name = cursor.identifier("a tensor name");
    tensor.indices = labelList(cursor);
    if (tensor.conj)
      cursor.expect(")");
    cursor.expect("strides");
    std::set<std::size_t> seen;
    for (std::size_t index : tensor.indices) {
      if (!seen.insert(index).second)
        continue;
      std::size_t begin = cursor.tokenStart();
      std::size_t named = label(cursor);
      if (named != index)
        cursor.failAt(begin, cursor.position(),
                      "expected the stride along " + nest_.labels[index].name +
                          " (strides follow the indices, each label once)");
      cursor.expect("=");
      if (!cursor.consume("?")) {
        tensor.strides[index].known = cursor.integer("a stride or ?");
      } else {
        tensor.strides[index].known = std::nullopt;
      }
    }
    // The source dimensions, one per index; by default 0, 1, … in index order.
    std::vector<std::size_t> dims;
    for (std::size_t d = 0; d < tensor.indices.size(); ++d)
      dims.push_back(d);
    if (cursor.consume("dims")) {
      std::size_t begin = cursor.tokenStart();
      dims.clear();
      cursor.expect("[");
      if (!cursor.consume("]")) {
        do {
          if (dims.size() > tensor.indices.size())
            break;
          dims.push_back(static_cast<std::size_t>(count(cursor, "a dimension", 0)));
        } while (cursor.consume(","));
        cursor.expect("]");
      }
      if (dims.size() != tensor.indices.size())
        cursor.failAt(begin, cursor.position(),
                      std::to_string(tensor.indices.size()) +
                          " dimensions expected, one per index");
    }
    for (std::size_t d = 0; d < tensor.indices.size(); ++d)
      tensor.strides[tensor.indices[d]].sourceDims.push_back(dims[d]);
    if (cursor.consume("operand")) {
      tensor.source = static_cast<std::size_t>(count(cursor, "an operand", 0));
      if (tensor.source > limits::maxOperands)
        cursor.fail("operand beyond the limit of " + std::to_string(limits::maxOperands));
    }
    expectEnd(cursor);
    return tensor;
  }

  /// "for a in 0..64 vector 8x2 fully unrolled parallel {"; the extent is checked with the body.
  Loop parseLoop(LineCursor cursor) const {
    Loop loop;
    cursor.expect("for");
    loop.label = label(cursor);
    cursor.expect("in");
    cursor.expect("0..");
    if (!cursor.consume("?"))
      count(cursor, "an extent", 0);
    if (cursor.consume("vector")) {
      loop.kind = LoopKind::Vector;
      std::tie(loop.lanes, loop.factor) = dimensions(cursor, "lanes x vectors");
    } else if (cursor.consume("unrolled")) {
      loop.kind = LoopKind::Unrolled;
      loop.factor = smallCount(cursor, "an unroll factor");
    }
    if (cursor.consume("fully")) {
      cursor.expect("unrolled");
      loop.fullUnroll = true;
    }
    loop.parallel = cursor.consume("parallel");
    cursor.expect("{");
    expectEnd(cursor);
    return loop;
  }

  void parseLoops() {
    bool reductions = false;
    for (; next_ < lines_.size(); ++next_) {
      std::string_view text = lines_[next_].text;
      if (text == "acc = 0" && !reductions) {
        reductions = true;
        continue;
      }
      if (text.substr(0, 4) != "for ")
        break;
      if (nest_.outputLoops.size() + nest_.reductionLoops.size() == nest_.labels.size())
        cursorAt(next_).failAt(lines_[next_].indent, lines_[next_].indent + 3,
                               "more loops than labels");
      (reductions ? nest_.reductionLoops : nest_.outputLoops).push_back(parseLoop(cursorAt(next_)));
    }
    if (!reductions) {
      if (next_ == lines_.size())
        failAtEnd("'acc = 0' or a loop 'for LABEL in 0..N {'");
      LineCursor cursor = cursorAt(next_);
      cursor.fail("expected 'acc = 0' or a loop 'for LABEL in 0..N {'" + cursor.found());
    }
  }

  std::size_t input(LineCursor& cursor) const {
    std::size_t begin = cursor.tokenStart();
    std::string name = cursor.identifier("an input");
    for (std::size_t t = 0; t < nest_.inputs.size(); ++t)
      if (nest_.inputs[t].name == name)
        return t;
    cursor.failAt(begin, cursor.position(), "'" + name + "' is not an input");
  }

  /// "packed: A = x, B = y; batch [b]  M [i]  N [j]  K [k]", "micro-kernel 14x32 (2 vectors of
  /// 16), blocks MC 1022  KC 128  NC 1024" (", panels f32" or ", panels bf16 pairs" after a
  /// 16-bit dtype's), the buffers line (derived), then "parallel: ..." or
  /// "one thread".
  void parsePacked() {
    PackedGemm gemm;
    LineCursor cursor = cursorAt(next_++);
    cursor.expect("packed:");
    cursor.expect("A");
    cursor.expect("=");
    gemm.a = input(cursor);
    cursor.expect(",");
    cursor.expect("B");
    cursor.expect("=");
    gemm.b = input(cursor);
    cursor.expect(";");
    cursor.expect("batch");
    gemm.batch = labelList(cursor);
    cursor.expect("M");
    gemm.m = labelList(cursor);
    cursor.expect("N");
    gemm.n = labelList(cursor);
    cursor.expect("K");
    gemm.k = labelList(cursor);
    expectEnd(cursor);

    if (next_ == lines_.size())
      failAtEnd("'micro-kernel MRxNR (V vectors of L), blocks MC m  KC k  NC n'");
    cursor = cursorAt(next_++);
    cursor.expect("micro-kernel");
    std::size_t tileBegin = cursor.tokenStart();
    auto [mr, nr] = dimensions(cursor, "the micro-tile");
    std::size_t tileEnd = cursor.position();
    gemm.mr = mr;
    cursor.expect("(");
    gemm.vectors = smallCount(cursor, "vectors");
    if (!cursor.consume("vectors"))
      cursor.expect("vector");
    cursor.expect("of");
    gemm.lanes = smallCount(cursor, "lanes");
    if (gemm.nr() != nr)
      cursor.failAt(tileBegin, tileEnd,
                    "the tile is " + std::to_string(nr) + " wide but " +
                        std::to_string(gemm.vectors) + " vectors of " + std::to_string(gemm.lanes) +
                        " make " + std::to_string(gemm.nr()));
    cursor.expect(")");
    cursor.expect(",");
    cursor.expect("blocks");
    cursor.expect("MC");
    gemm.mc = count(cursor, "MC", 1);
    cursor.expect("KC");
    gemm.kc = count(cursor, "KC", 1);
    cursor.expect("NC");
    gemm.nc = count(cursor, "NC", 1);
    if (cursor.consume(",")) {
      cursor.expect("panels");
      if (cursor.consume("f32")) {
        gemm.panels = Panels::F32;
      } else {
        cursor.expect("bf16");
        cursor.expect("pairs");
        gemm.panels = Panels::Bf16Pairs;
      }
    }
    expectEnd(cursor);

    // The buffers line follows from the sizes (checkBody); the thread line holds `parallel`.
    if (next_ < lines_.size() && lines_[next_].text.substr(0, 8) == "buffers ")
      ++next_;
    if (next_ == lines_.size())
      failAtEnd("'parallel: ...' or 'one thread'");
    gemm.parallel = lines_[next_].text.substr(0, 9) == "parallel:";
    nest_.packed = gemm;
  }

  void checkConsistent() {
    // A text that reads but does not make a nest is the writer's mistake, as for IndexProgram.
    try {
      verify(nest_);
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::Internal)
        throw;
      std::string what = error.message();
      for (const char* prefix : {"invalid LoopNest: ", "invalid packed schedule: "})
        if (what.rfind(prefix, 0) == 0)
          what = what.substr(std::string(prefix).size());
      throw Error(ErrorKind::Syntax, "the loop nest is inconsistent: " + what);
    }
  }

  /// Every line from `begin` on must be what the printer writes for the nest read: the loops'
  /// extents and the body follow from the header.
  void checkBody(std::size_t begin) const {
    std::string printed = toString(nest_);
    std::vector<TextLine> expected = nonBlankLines(printed);
    std::size_t headerLines =
        2 + nest_.inputs.size() + 1 + (nest_.nontemporalStores ? 1 : 0) + nest_.rationale.size();
    for (std::size_t k = 0; headerLines + k < expected.size(); ++k) {
      std::string_view want = expected[headerLines + k].text;
      if (begin + k == lines_.size())
        failAtEnd("'" + std::string(want) + "'");
      const TextLine& line = lines_[begin + k];
      if (line.text == want)
        continue;
      std::size_t column = 0;
      while (column < line.text.size() && column < want.size() && line.text[column] == want[column])
        ++column;
      std::size_t at = line.indent + column;
      cursorAt(begin + k).failAt(at, at + 1, "expected '" + std::string(want) + "'");
    }
    std::size_t end = begin + expected.size() - headerLines;
    if (end < lines_.size())
      cursorAt(end).failAt(lines_[end].indent, lines_[end].indent + lines_[end].text.size(),
                           "unexpected text after the loop nest");
  }

  std::vector<TextLine> lines_;
  std::size_t next_ = 0;
  LoopNest nest_;
  std::map<std::string, std::size_t> labelIds_;
};

} // namespace

LoopNest parseLoopNest(std::string_view text) {
  return NestParser().parse(text);
}

} // namespace einjit::ir
