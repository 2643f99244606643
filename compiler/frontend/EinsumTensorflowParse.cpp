// tf.einsum's grammar (tensorflow/python/ops/special_math_ops.py,
// _einsum_v2_parse_and_resolve_equation) and keras.ops.einsum's renaming of the labels that
// precedes it (keras/src/backend/tensorflow/numpy.py, _normalize_einsum_subscripts), with their
// checks in their order and their texts. Carets point into the user's string.
#include "frontend/EinsumSubscripts.h"

#include <algorithm>
#include <array>

namespace einjit::frontend {

namespace {

bool isAsciiLetter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// Keras names the n-th distinct letter of the string string.ascii_letters[n]: a-z, then A-Z.
char kerasLetter(std::size_t index) {
  return static_cast<char>(index < 26 ? 'a' + index : 'A' + (index - 26));
}

// The subscripts Keras computes with tf.matmul instead of tf.einsum (matched on the renamed
// string, spaces included), and their labels that tf.matmul broadcasts as batch dimensions. The
// 5-d forms reshape around the matmul with the first operand's extents, so their second batch
// label broadcasts correctly only from the second operand (checked against Keras 3.15.1).
struct MatmulForm {
  std::string_view subscripts;
  std::string_view batchLabels;
  std::string_view secondOnlyBatchLabels;
};
constexpr std::array<MatmulForm, 8> kKerasMatmulForms{{
    {"abcd,abde->abce", "ab", ""},
    {"abcd,abed->abce", "ab", ""},
    {"abcd,acbe->adbe", "ab", ""},
    {"abcd,adbe->acbe", "ab", ""},
    {"abcd,aecd->acbe", "ac", ""},
    {"abcd,aecd->aceb", "ac", ""},
    {"abcde,aebf->adbcf", "a", "b"},
    {"abcde,afce->acdbf", "a", "c"},
}};

enum class TokenKind { Letter, Ellipsis, Comma, Arrow, Other };

struct Token {
  TokenKind kind = TokenKind::Other;
  char user = 0; // the user's character
  char seen = 0; // the character TensorFlow's parser sees: Keras's letter, '0' for '...'
  SourceSpan span;
};

class TensorflowEinsumParser {
public:
  TensorflowEinsumParser(std::string_view text, const std::vector<Arg>& operands,
                         EinsumDialect dialect)
      : text_(text), operands_(operands), dialect_(dialect), seen_(text) {}

  EinsumSubscripts parse() {
    if (dialect_ == EinsumDialect::KerasOps)
      renameLabels();
    tokenize();
    checkFormat();
    splitTerms();
    if (terms_.size() != operands_.size())
      fail(ErrorKind::Arity,
           "Got " + std::to_string(operands_.size()) + " inputs for equation \"" + seen_ +
               "\", expecting " + std::to_string(terms_.size()) + renamingNote(),
           {0, lhsEnd_});
    if (arrow_)
      checkOutput();
    for (const std::vector<Token>& term : terms_)
      checkOneEllipsis(term);

    EinsumSubscripts parsed;
    parsed.text = std::string(text_);
    parsed.libraryText = seen_;
    for (std::size_t t = 0; t < terms_.size(); ++t)
      parsed.inputs.push_back(termOf(terms_[t], termSpans_[t]));
    parsed.impliedOutput = !arrow_;
    parsed.output = arrow_ ? termOf(output_, {arrow_->span.end, text_.size()}) : impliedOutput();
    if (dialect_ == EinsumDialect::KerasOps)
      for (const MatmulForm& form : kKerasMatmulForms)
        if (seen_ == form.subscripts) {
          parsed.matmulForm = seen_;
          for (char label : form.batchLabels)
            parsed.matmulBatchLabels += userLetter(label);
          for (char label : form.secondOnlyBatchLabels)
            parsed.matmulSecondOnlyBatchLabels += userLetter(label);
        }
    return parsed;
  }

private:
  [[noreturn]] void fail(ErrorKind kind, const std::string& message, SourceSpan span) const {
    throw Error(kind, einsumMessagePrefix(dialect_) + message, std::string(text_), span);
  }

  // Messages that quote the string TensorFlow received say how Keras renamed it.
  std::string renamingNote() const {
    if (seen_ == text_)
      return "";
    return " (keras.ops.einsum renames the labels in order of first appearance: '" +
           std::string(text_) + "' became '" + seen_ + "')";
  }

  char userLetter(char seen) const {
    std::size_t at = renamedTo_.find(seen);
    return at == std::string::npos ? seen : renamedFrom_[at];
  }

  void renameLabels() {
    for (char& c : seen_) {
      if (!isAsciiLetter(c))
        continue;
      std::size_t at = renamedFrom_.find(c);
      if (at == std::string::npos) {
        at = renamedFrom_.size();
        renamedFrom_ += c;
        renamedTo_ += kerasLetter(at);
      }
      c = renamedTo_[at];
    }
  }

  // TensorFlow drops every space, then replaces '...' by '0' when the string as given holds
  // '...' (so ". .." is an ellipsis only if a real one occurs elsewhere).
  void tokenize() {
    std::string compact;
    std::vector<std::size_t> columns;
    for (std::size_t i = 0; i < seen_.size(); ++i)
      if (seen_[i] != ' ') {
        compact += seen_[i];
        columns.push_back(i);
      }
    const bool ellipsis = seen_.find("...") != std::string::npos;
    if (ellipsis)
      if (std::size_t zero = compact.find('0'); zero != std::string::npos)
        fail(ErrorKind::Syntax,
             "Invalid character \"0\" in equation: " + seen_ + "." + renamingNote(),
             {columns[zero], columns[zero] + 1});
    for (std::size_t k = 0; k < compact.size();) {
      Token token;
      token.user = text_[columns[k]];
      token.seen = compact[k];
      std::size_t width = 1;
      if (ellipsis && compact.compare(k, 3, "...") == 0) {
        token.kind = TokenKind::Ellipsis;
        token.seen = '0';
        width = 3;
      } else if (compact.compare(k, 2, "->") == 0) {
        token.kind = TokenKind::Arrow;
        width = 2;
      } else if (compact[k] == ',') {
        token.kind = TokenKind::Comma;
      } else if (isAsciiLetter(compact[k])) {
        token.kind = TokenKind::Letter;
      }
      token.span = {columns[k], columns[k + width - 1] + 1};
      resolved_ += token.kind == TokenKind::Ellipsis ? "0" : compact.substr(k, width);
      tokens_.push_back(token);
      k += width;
    }
  }

  // The regex ^([a-zA-Z0,]*)(->[a-zA-Z0]*)?$ ('0' only when '...' was replaced by it).
  void checkFormat() const {
    bool output = false;
    for (const Token& token : tokens_) {
      bool allowed =
          token.kind == TokenKind::Letter || token.kind == TokenKind::Ellipsis ||
          (!output && (token.kind == TokenKind::Comma || token.kind == TokenKind::Arrow));
      if (!allowed)
        fail(ErrorKind::Syntax, "Subscripts have incorrect format: " + resolved_ + renamingNote(),
             token.span);
      output = output || token.kind == TokenKind::Arrow;
    }
  }

  void splitTerms() {
    std::size_t begin = 0;
    terms_.emplace_back();
    for (const Token& token : tokens_) {
      if (arrow_) {
        output_.push_back(token);
      } else if (token.kind == TokenKind::Arrow) {
        arrow_ = token;
      } else if (token.kind == TokenKind::Comma) {
        termSpans_.push_back({begin, token.span.begin});
        begin = token.span.end;
        terms_.emplace_back();
      } else {
        terms_.back().push_back(token);
      }
    }
    lhsEnd_ = arrow_ ? arrow_->span.begin : text_.size();
    termSpans_.push_back({begin, lhsEnd_});
  }

  void checkOutput() const {
    std::string labels;
    for (const Token& token : output_) {
      if (labels.find(token.seen) != std::string::npos)
        fail(ErrorKind::Syntax,
             "Output subscripts contain a label appearing more than once: " + seen_ +
                 renamingNote(),
             token.span);
      labels += token.seen;
    }
    for (const Token& token : output_) {
      if (token.kind != TokenKind::Letter)
        continue;
      bool present = std::any_of(terms_.begin(), terms_.end(), [&](const auto& term) {
        return std::any_of(term.begin(), term.end(),
                           [&](const Token& input) { return input.seen == token.seen; });
      });
      if (!present)
        fail(ErrorKind::Syntax,
             "Output subscripts contain the label " + std::string(1, token.user) +
                 " not present in the input subscripts.",
             token.span);
    }
  }

  void checkOneEllipsis(const std::vector<Token>& term) const {
    std::string shown;
    for (const Token& token : term)
      shown += token.kind == TokenKind::Ellipsis ? "..." : std::string(1, token.seen);
    bool first = true;
    for (const Token& token : term) {
      if (token.kind != TokenKind::Ellipsis)
        continue;
      if (!first)
        fail(ErrorKind::Syntax, "Too many ellipses in input label " + shown + "." + renamingNote(),
             token.span);
      first = false;
    }
  }

  static EinsumTerm termOf(const std::vector<Token>& tokens, SourceSpan span) {
    EinsumTerm term;
    term.span = span;
    for (const Token& token : tokens) {
      if (token.kind == TokenKind::Ellipsis) {
        term.ellipsis = term.labels.size();
        term.ellipsisColumn = token.span.begin;
        continue;
      }
      term.labels += token.user;
      term.columns.push_back(token.span.begin);
    }
    return term;
  }

  // Without '->' TensorFlow writes the output itself: every character of the inputs used
  // exactly once, sorted, '0' (the ellipsis) first. Sorting Keras's renamed letters orders the
  // output by first appearance (a-z, then A-Z for a 27th letter on).
  EinsumTerm impliedOutput() const {
    std::array<int, 128> counts{};
    std::array<const Token*, 128> sole{};
    for (const std::vector<Token>& term : terms_)
      for (const Token& token : term) {
        auto index = static_cast<unsigned char>(token.seen);
        ++counts[index];
        sole[index] = &token;
      }
    std::vector<Token> output;
    for (std::size_t c = 0; c < counts.size(); ++c)
      if (counts[c] == 1)
        output.push_back(*sole[c]);
    return termOf(output, {text_.size(), text_.size()});
  }

  std::string_view text_;
  const std::vector<Arg>& operands_;
  EinsumDialect dialect_;
  std::string seen_;                    // the string TensorFlow receives: Keras's renamed one
  std::string renamedFrom_, renamedTo_; // Keras's renaming: renamedFrom_[n] -> renamedTo_[n]
  std::vector<Token> tokens_;
  std::string resolved_; // spaces dropped, '...' as '0': what the format message shows
  std::vector<std::vector<Token>> terms_;
  std::vector<SourceSpan> termSpans_;
  std::optional<Token> arrow_;
  std::vector<Token> output_;
  std::size_t lhsEnd_ = 0;
};

} // namespace

EinsumSubscripts parseTensorflowEinsum(std::string_view text, const std::vector<Arg>& operands,
                                       EinsumDialect dialect) {
  return TensorflowEinsumParser(text, operands, dialect).parse();
}

} // namespace einjit::frontend
