// A tokenizer and recursive-descent parser for call text. The grammar is deliberately small:
//   expr     := postfix ('@' postfix)*
//   postfix  := primary ('(' [argument (',' argument)* [',']] ')')*
//   argument := NAME '=' expr | expr
//   primary  := NAME ('.' NAME)* | number | '-' number | '+' number | string | '...'
//             | '[' items ']' | '(' items ')'
#include "frontend/PythonCallParser.h"

#include "einjit/tensor.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <limits>

namespace einjit::frontend::python {

namespace {

struct Token {
  enum class Kind { Name, Int, Float, String, Punct, End };
  Kind kind = Kind::End;
  std::string text; ///< Name, String contents, Punct spelling
  std::int64_t integer = 0;
  double real = 0;
  SourceSpan span;
};

bool isNameStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool isNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool isDigit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

class Tokenizer {
public:
  explicit Tokenizer(const std::string& text) : text_(text) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    while (true) {
      while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
        ++pos_;
      if (pos_ >= text_.size())
        break;
      tokens.push_back(next());
    }
    Token end;
    end.span = {text_.size(), text_.size() + 1};
    tokens.push_back(end);
    return tokens;
  }

private:
  [[noreturn]] void fail(const std::string& message, std::size_t begin, std::size_t end) const {
    throw Error(ErrorKind::Syntax, "call text: " + message, text_, SourceSpan{begin, end});
  }

  Token next() {
    char c = text_[pos_];
    if (isNameStart(c))
      return name();
    if (isDigit(c) || (c == '.' && pos_ + 1 < text_.size() && isDigit(text_[pos_ + 1])))
      return number();
    if (c == '\'' || c == '"')
      return string();
    if (text_.compare(pos_, 3, "...") == 0)
      return punct(3);
    if (std::string_view("()[],=@-+.").find(c) != std::string_view::npos)
      return punct(1);
    fail(std::string("unexpected character '") + c + "'", pos_, pos_ + 1);
  }

  Token name() {
    Token token;
    token.kind = Token::Kind::Name;
    std::size_t begin = pos_;
    while (pos_ < text_.size() && isNameChar(text_[pos_]))
      ++pos_;
    token.text = text_.substr(begin, pos_ - begin);
    token.span = {begin, pos_};
    return token;
  }

  Token number() {
    std::size_t begin = pos_;
    bool isFloat = false;
    while (pos_ < text_.size() && isDigit(text_[pos_]))
      ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '.' && text_.compare(pos_, 3, "...") != 0) {
      isFloat = true;
      ++pos_;
      while (pos_ < text_.size() && isDigit(text_[pos_]))
        ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      std::size_t exponent = pos_ + 1;
      if (exponent < text_.size() && (text_[exponent] == '+' || text_[exponent] == '-'))
        ++exponent;
      if (exponent >= text_.size() || !isDigit(text_[exponent]))
        fail("malformed number", begin, exponent);
      isFloat = true;
      pos_ = exponent;
      while (pos_ < text_.size() && isDigit(text_[pos_]))
        ++pos_;
    }
    if (pos_ < text_.size() && isNameChar(text_[pos_]))
      fail("malformed number", begin, pos_ + 1);
    Token token;
    token.span = {begin, pos_};
    std::string digits = text_.substr(begin, pos_ - begin);
    errno = 0;
    if (isFloat) {
      token.kind = Token::Kind::Float;
      token.real = std::strtod(digits.c_str(), nullptr);
    } else {
      token.kind = Token::Kind::Int;
      if (digits.size() > 1 && digits[0] == '0' &&
          digits.find_first_not_of('0') != std::string::npos)
        fail("leading zeros in an integer are not allowed in Python", begin, pos_);
      unsigned long long value = std::strtoull(digits.c_str(), nullptr, 10);
      if (errno == ERANGE ||
          value > static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max()))
        fail("integer " + digits + " does not fit in 64 bits", begin, pos_);
      token.integer = static_cast<std::int64_t>(value);
    }
    return token;
  }

  Token string() {
    char quote = text_[pos_];
    std::size_t begin = pos_++;
    Token token;
    token.kind = Token::Kind::String;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\')
        fail("escape sequences are not supported in strings", pos_, pos_ + 1);
      token.text += text_[pos_++];
    }
    if (pos_ >= text_.size())
      fail("unterminated string", begin, text_.size());
    ++pos_;
    token.span = {begin, pos_};
    return token;
  }

  Token punct(std::size_t length) {
    Token token;
    token.kind = Token::Kind::Punct;
    token.text = text_.substr(pos_, length);
    token.span = {pos_, pos_ + length};
    pos_ += length;
    return token;
  }

  const std::string& text_;
  std::size_t pos_ = 0;
};

class Parser {
public:
  Parser(const std::string& text, std::vector<Token> tokens)
      : text_(text), tokens_(std::move(tokens)) {}

  Expr parseAll() {
    Expr expr = expression();
    if (peek().kind != Token::Kind::End)
      fail("unexpected '" + peek().text + "' after the end of the expression", peek().span);
    return expr;
  }

private:
  const Token& peek(std::size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  bool isPunct(const std::string& spelling, std::size_t ahead = 0) const {
    return peek(ahead).kind == Token::Kind::Punct && peek(ahead).text == spelling;
  }
  const Token& take() { return tokens_[std::min(pos_++, tokens_.size() - 1)]; }

  [[noreturn]] void fail(const std::string& message, SourceSpan span) const {
    throw Error(ErrorKind::Syntax, "call text: " + message, text_, span);
  }

  std::string describe(const Token& token) const {
    switch (token.kind) {
    case Token::Kind::End:
      return "the end of the text";
    case Token::Kind::String:
      return "a string";
    default:
      return "'" + text_.substr(token.span.begin, token.span.end - token.span.begin) + "'";
    }
  }

  void expect(const std::string& spelling, const std::string& context) {
    if (!isPunct(spelling))
      fail("expected '" + spelling + "' " + context + ", found " + describe(peek()), peek().span);
    take();
  }

  /// Counts nesting levels entered in one parse function; they end with it. Each bracket, call
  /// and `@` is a level of the tree that later walks recurse through, so past
  /// limits::maxNesting the parse stops with Error(Resource) instead of the stack.
  class Nesting {
  public:
    explicit Nesting(Parser& parser) : parser_(parser), saved_(parser.depth_) {}
    ~Nesting() { parser_.depth_ = saved_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;
    void enter(SourceSpan span) {
      if (++parser_.depth_ > limits::maxNesting)
        throw Error(ErrorKind::Resource,
                    "call text: nested more than " + std::to_string(limits::maxNesting) +
                        " levels deep (brackets, calls and '@'), the limit",
                    parser_.text_, span);
    }

  private:
    Parser& parser_;
    std::size_t saved_;
  };

  Expr expression() {
    Nesting nesting(*this);
    nesting.enter(peek().span);
    Expr left = postfix();
    while (isPunct("@")) {
      nesting.enter(peek().span);
      take();
      Expr right = postfix();
      Expr product;
      product.kind = Expr::Kind::MatMul;
      product.span = {left.span.begin, right.span.end};
      product.items.push_back(std::move(left));
      product.items.push_back(std::move(right));
      left = std::move(product);
    }
    return left;
  }

  Expr postfix() {
    Nesting nesting(*this);
    Expr expr = primary();
    while (isPunct("(")) {
      nesting.enter(peek().span);
      take();
      Expr call;
      call.kind = Expr::Kind::Call;
      call.items = arguments();
      call.span = {expr.span.begin, peek().span.end};
      expect(")", "to close the argument list");
      call.callee = std::make_shared<const Expr>(std::move(expr));
      expr = std::move(call);
    }
    return expr;
  }

  std::vector<Expr> arguments() {
    std::vector<Expr> args;
    bool sawKeyword = false;
    while (!isPunct(")")) {
      if (peek().kind == Token::Kind::Name && isPunct("=", 1)) {
        Token keyword = take();
        take();
        Expr value = expression();
        value.keyword = keyword.text;
        value.keywordSpan = keyword.span;
        sawKeyword = true;
        args.push_back(std::move(value));
      } else {
        SourceSpan start = peek().span;
        Expr value = expression();
        if (sawKeyword)
          fail("positional argument follows keyword argument", {start.begin, value.span.end});
        args.push_back(std::move(value));
      }
      if (!isPunct(","))
        break;
      take();
    }
    return args;
  }

  // Elements of a list or tuple up to `close`; reports whether a comma was seen, since `(2)` is
  // an int and `(2,)` a tuple.
  std::vector<Expr> elements(const std::string& close, bool& sawComma) {
    std::vector<Expr> items;
    sawComma = false;
    while (!isPunct(close)) {
      items.push_back(expression());
      if (!isPunct(","))
        break;
      sawComma = true;
      take();
    }
    return items;
  }

  Expr literal(PyValue value, SourceSpan span) {
    Expr expr;
    expr.kind = Expr::Kind::Literal;
    expr.literal = std::move(value);
    expr.span = span;
    return expr;
  }

  Expr primary() {
    const Token& token = peek();
    switch (token.kind) {
    case Token::Kind::Int:
      take();
      return literal(PyValue::fromInt(token.integer), token.span);
    case Token::Kind::Float:
      take();
      return literal(PyValue::fromFloat(token.real), token.span);
    case Token::Kind::String:
      take();
      return literal(PyValue::fromString(token.text), token.span);
    case Token::Kind::Name:
      return name();
    case Token::Kind::End:
      fail("expected an expression, found the end of the text", token.span);
    case Token::Kind::Punct:
      break;
    }
    if (token.text == "...") {
      take();
      return literal(PyValue::ellipsis(), token.span);
    }
    if (token.text == "-" || token.text == "+")
      return signedNumber();
    if (token.text == "[" || token.text == "(") {
      bool isList = token.text == "[";
      std::size_t begin = take().span.begin;
      bool sawComma = false;
      std::vector<Expr> items = elements(isList ? "]" : ")", sawComma);
      std::size_t end = peek().span.end;
      expect(isList ? "]" : ")", isList ? "to close the list" : "to close the parenthesis");
      if (!isList && items.size() == 1 && !sawComma)
        return items[0];
      Expr sequence;
      sequence.kind = isList ? Expr::Kind::List : Expr::Kind::Tuple;
      sequence.items = std::move(items);
      sequence.span = {begin, end};
      return sequence;
    }
    fail("expected an expression, found " + describe(token), token.span);
  }

  Expr signedNumber() {
    Token sign = take();
    const Token& number = peek();
    if (number.kind == Token::Kind::Int) {
      take();
      return literal(PyValue::fromInt(sign.text == "-" ? -number.integer : number.integer),
                     {sign.span.begin, number.span.end});
    }
    if (number.kind == Token::Kind::Float) {
      take();
      return literal(PyValue::fromFloat(sign.text == "-" ? -number.real : number.real),
                     {sign.span.begin, number.span.end});
    }
    fail("expected a number after '" + sign.text + "'", number.span);
  }

  Expr name() {
    Token first = take();
    if (first.text == "True" || first.text == "False")
      return literal(PyValue::fromBool(first.text == "True"), first.span);
    if (first.text == "None")
      return literal(PyValue::none(), first.span);
    if (first.text == "Ellipsis")
      return literal(PyValue::ellipsis(), first.span);
    Expr expr;
    expr.kind = Expr::Kind::Name;
    expr.name = first.text;
    expr.span = first.span;
    while (isPunct(".")) {
      take();
      if (peek().kind != Token::Kind::Name)
        fail("expected a name after '.', found " + describe(peek()), peek().span);
      const Token& part = take();
      expr.name += "." + part.text;
      expr.span.end = part.span.end;
    }
    return expr;
  }

  const std::string& text_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
};

} // namespace

Expr parseExpression(const std::string& text) {
  return Parser(text, Tokenizer(text).run()).parseAll();
}

bool isLiteral(const Expr& expr) {
  if (expr.kind == Expr::Kind::Literal)
    return true;
  if (expr.kind != Expr::Kind::List && expr.kind != Expr::Kind::Tuple)
    return false;
  for (const Expr& item : expr.items)
    if (!isLiteral(item))
      return false;
  return true;
}

PyValue literalValue(const Expr& expr) {
  if (expr.kind == Expr::Kind::Literal)
    return expr.literal;
  std::vector<PyValue> items;
  for (const Expr& item : expr.items)
    items.push_back(literalValue(item));
  return expr.kind == Expr::Kind::List ? PyValue::list(std::move(items))
                                       : PyValue::tuple(std::move(items));
}

} // namespace einjit::frontend::python
