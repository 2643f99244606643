// parseCall: from call text to a ParsedCall. The Python expression is parsed first
// (PythonCallParser), then matched against the call table (CallSignatures): operands are the
// leading positional names, later positional arguments are named by the signature, keywords are
// checked against it. Every refusal points at the column that caused it.
#include "frontend/CallText.h"

#include "frontend/CallSignatures.h"
#include "frontend/PythonCallParser.h"
#include "support/Format.h"

#include <algorithm>
#include <cctype>

namespace einjit::frontend {

namespace {

using python::Expr;

bool isBlank(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// Number of operand terms in an einsum string: the commas before the first "->", plus one.
std::size_t termCount(const std::string& subscripts) {
  std::string inputs = subscripts.substr(0, subscripts.find("->"));
  return static_cast<std::size_t>(std::count(inputs.begin(), inputs.end(), ',')) + 1;
}

ParsedCall bareEinsum(const std::string& text, std::string subscripts, std::size_t column) {
  ParsedCall call;
  call.text = text;
  call.function = "np.einsum";
  std::size_t terms = termCount(subscripts);
  if (terms > limits::maxOperands) {
    // The caret goes under the comma that starts the first term past the limit.
    std::size_t comma = 0;
    for (std::size_t seen = 0; seen < limits::maxOperands; ++seen)
      comma = subscripts.find(',', seen == 0 ? 0 : comma + 1);
    throw Error(ErrorKind::Resource,
                "einsum: the subscripts have " + std::to_string(terms) +
                    " operand terms, more than the limit " + std::to_string(limits::maxOperands),
                text, SourceSpan{column + comma, column + comma + 1});
  }
  call.operandNames = defaultOperandNames(terms);
  call.subscripts = std::move(subscripts);
  call.subscriptsColumn = column;
  return call;
}

class CallReader {
public:
  explicit CallReader(const std::string& text) : text_(text) {}

  ParsedCall read(const Expr& expr) {
    call_.text = text_;
    if (expr.kind == Expr::Kind::MatMul)
      return matmulOperator(expr);
    if (expr.kind != Expr::Kind::Call)
      fail(ErrorKind::Syntax,
           "call text: expected an einsum string or a call such as np.einsum('ij,jk', a, b), "
           "K.batch_dot(x, y, axes=[1, 1]) or a @ b",
           expr.span);
    const Expr& callee = *expr.callee;
    if (callee.kind == Expr::Kind::Call)
      return layerCall(expr);
    if (callee.kind != Expr::Kind::Name)
      fail(ErrorKind::Syntax, "call text: only a named function can be called", callee.span);
    signature_ = lookUp(callee);
    call_.function = signature_.canonical;
    functionCall(expr);
    return call_;
  }

private:
  [[noreturn]] void fail(ErrorKind kind, const std::string& message, SourceSpan span) const {
    throw Error(kind, message, text_, span);
  }
  [[noreturn]] void failHere(ErrorKind kind, const std::string& message, SourceSpan span) const {
    fail(kind, signature_.canonical + ": " + message, span);
  }

  CallSignature lookUp(const Expr& callee) const {
    std::optional<CallSignature> found = findCall(callee.name);
    if (found && found->canonical != "@")
      return *found;
    std::vector<std::string> siblings = functionsOfModule(callee.name);
    std::string hint = siblings.empty() ? "known modules: " + knownModules()
                                        : "that module has " + support::join(siblings, ", ");
    fail(ErrorKind::Argument, "unknown function '" + callee.name + "' (" + hint + ")", callee.span);
  }

  ParsedCall matmulOperator(const Expr& expr) {
    signature_ = callByCanonicalName("@");
    call_.function = "@";
    for (const Expr& side : expr.items) {
      if (side.kind == Expr::Kind::MatMul)
        failHere(ErrorKind::Unsupported,
                 "a chain of '@' is several contractions; write one einsum for it, e.g. "
                 "np.einsum('ij,jk,kl', a, b, c)",
                 expr.span);
      addOperand(side, call_.operandNames.size() + 1);
    }
    return call_;
  }

  // keras.layers.Dot(axes=2, normalize=True)([a, b]): the constructor's arguments are the
  // parameters, the call's single list argument holds the inputs.
  ParsedCall layerCall(const Expr& expr) {
    const Expr& constructor = *expr.callee;
    if (constructor.callee->kind != Expr::Kind::Name)
      fail(ErrorKind::Syntax, "call text: only a named layer can be called", constructor.span);
    signature_ = lookUp(*constructor.callee);
    call_.function = signature_.canonical;
    if (signature_.kind != CallKind::DotLayer)
      failHere(ErrorKind::Argument, "is a function, not a layer: call it once, with its operands",
               expr.span);
    parameters(constructor.items, 0);
    if (expr.items.size() != 1 || !expr.items[0].keyword.empty())
      failHere(ErrorKind::Arity,
               "a layer is called on one list of inputs, e.g. Dot(axes=2)([a, b]); got " +
                   std::to_string(expr.items.size()) + " arguments",
               expr.span);
    operandList(expr.items[0]);
    checkRequired(constructor);
    return call_;
  }

  void functionCall(const Expr& expr) {
    const std::vector<Expr>& args = expr.items;
    std::size_t positionalCount = static_cast<std::size_t>(
        std::count_if(args.begin(), args.end(), [](const Expr& a) { return a.keyword.empty(); }));
    std::size_t consumed = 0;
    switch (signature_.kind) {
    case CallKind::Einsum:
      consumed = einsumOperands(expr, positionalCount);
      break;
    case CallKind::DotLayer:
      failHere(ErrorKind::Arity,
               "is a layer: construct it, then call it on a list of inputs, e.g. " +
                   signature_.canonical + "(axes=2)([a, b])",
               expr.span);
    case CallKind::DotFunction:
      if (positionalCount == 0)
        failHere(ErrorKind::Arity, "missing the list of inputs, e.g. dot([a, b], axes=1)",
                 expr.span);
      operandList(args[0]);
      consumed = 1;
      break;
    default:
      if (positionalCount < signature_.operandCount)
        failHere(ErrorKind::Arity,
                 "takes " + std::to_string(signature_.operandCount) + " operands, got " +
                     std::to_string(positionalCount),
                 expr.span);
      for (std::size_t i = 0; i < signature_.operandCount; ++i)
        addOperand(args[i], i + 1);
      consumed = signature_.operandCount;
      break;
    }
    parameters(args, consumed);
    checkRequired(expr);
  }

  // The einsum forms: einsum('ij,jk', a, b), torch.einsum('ij,jk', [a, b]), and the sublist
  // form einsum(a, [0, 1], b, [1, 2], [0, 2]). Returns how many positional arguments it used.
  std::size_t einsumOperands(const Expr& expr, std::size_t positionalCount) {
    const std::vector<Expr>& args = expr.items;
    if (positionalCount == 0)
      failHere(ErrorKind::Arity, "no subscripts and no operands given", expr.span);
    const Expr& first = args[0];
    if (first.kind == Expr::Kind::Literal && first.literal.kind == PyValue::Kind::String) {
      call_.subscripts = first.literal.text;
      call_.subscriptsColumn = first.span.begin + 1;
      if (signature_.allowsOperandList && positionalCount == 2 &&
          (args[1].kind == Expr::Kind::List || args[1].kind == Expr::Kind::Tuple)) {
        operandList(args[1]);
        return 2;
      }
      for (std::size_t i = 1; i < positionalCount; ++i)
        addOperand(args[i], i);
      if (call_.operandNames.empty())
        failHere(ErrorKind::Arity, "no operands given after the subscripts", expr.span);
      return positionalCount;
    }
    if (first.kind == Expr::Kind::Name && signature_.allowsSublists)
      return sublistOperands(args, positionalCount);
    failHere(ErrorKind::Argument,
             std::string("the first argument must be the subscripts string") +
                 (signature_.allowsSublists ? " or an operand followed by its sublist" : ""),
             first.span);
  }

  std::size_t sublistOperands(const std::vector<Expr>& args, std::size_t positionalCount) {
    std::vector<PyValue> sublists;
    std::size_t i = 0;
    for (; i + 1 < positionalCount; i += 2) {
      addOperand(args[i], i / 2 + 1);
      sublists.push_back(sublist(args[i + 1]));
    }
    call_.keywords.emplace_back("sublists", PyValue::list(std::move(sublists)));
    if (i < positionalCount) {
      if (args[i].kind == Expr::Kind::Name)
        failHere(ErrorKind::Arity, "operand '" + args[i].name + "' has no sublist after it",
                 args[i].span);
      call_.keywords.emplace_back("output", sublist(args[i]));
    }
    return positionalCount;
  }

  PyValue sublist(const Expr& expr) const {
    if (expr.kind != Expr::Kind::List && expr.kind != Expr::Kind::Tuple)
      failHere(ErrorKind::Argument,
               "in the sublist form every operand is followed by a list of ints, e.g. [0, 1]",
               expr.span);
    if (!python::isLiteral(expr))
      failHere(ErrorKind::Argument, "a sublist holds ints in [0, 52) and Ellipsis only", expr.span);
    return python::literalValue(expr);
  }

  // A name may repeat (`a @ a`): it binds one shape or .npy file, and lowerCall gives each
  // occurrence its own IR name.
  void addOperand(const Expr& expr, std::size_t position) {
    if (call_.operandNames.size() == limits::maxOperands)
      fail(ErrorKind::Resource,
           "call text: more than " + std::to_string(limits::maxOperands) + " operands, the limit",
           expr.span);
    call_.operandNames.push_back(operandName(expr, position));
  }

  std::string operandName(const Expr& expr, std::size_t position) const {
    if (expr.kind == Expr::Kind::Name && expr.name.find('.') == std::string::npos)
      return expr.name;
    std::string what =
        expr.kind == Expr::Kind::Name ? "the dotted name '" + expr.name + "'" : "an expression";
    if (python::isLiteral(expr))
      what = python::literalValue(expr).repr();
    failHere(ErrorKind::Argument,
             "operand " + std::to_string(position) +
                 " must be a plain name (its shape comes from --shapes or a .npy file), got " +
                 what,
             expr.span);
  }

  void operandList(const Expr& expr) {
    if (expr.kind != Expr::Kind::List && expr.kind != Expr::Kind::Tuple)
      failHere(ErrorKind::Argument, "expected a list of inputs such as [a, b]", expr.span);
    for (const Expr& item : expr.items)
      addOperand(item, call_.operandNames.size() + 1);
  }

  // Positional arguments from `first` on, then keywords, checked against the signature.
  void parameters(const std::vector<Expr>& args, std::size_t first) {
    std::size_t next = 0;
    for (std::size_t i = first; i < args.size(); ++i) {
      const Expr& arg = args[i];
      if (!arg.keyword.empty())
        continue;
      if (next >= signature_.positional.size())
        failHere(ErrorKind::Arity, tooManyPositional(args, first), arg.span);
      parameter(signature_.positional[next++], arg, arg.span);
    }
    for (const Expr& arg : args) {
      if (arg.keyword.empty())
        continue;
      if (!signature_.accepts(arg.keyword) && !signature_.refuses(arg.keyword))
        failHere(ErrorKind::Argument, unknownKeyword(arg.keyword), arg.keywordSpan);
      parameter(arg.keyword, arg, {arg.keywordSpan.begin, arg.span.end});
    }
  }

  void parameter(const std::string& name, const Expr& value, SourceSpan span) {
    for (const auto& [given, unused] : call_.keywords)
      if (given == name)
        failHere(ErrorKind::Argument, "argument '" + name + "' is given twice", span);
    bool isNone = value.kind == Expr::Kind::Literal && value.literal.isNone();
    if (signature_.refuses(name) && !isNone)
      failHere(ErrorKind::Unsupported, "einjit does not support '" + name + "'", span);
    if (!python::isLiteral(value))
      failHere(ErrorKind::Argument,
               "the value of '" + name +
                   "' must be a Python literal (number, string, True, False, None, list, tuple)",
               value.span);
    call_.keywords.emplace_back(name, python::literalValue(value));
  }

  std::string tooManyPositional(const std::vector<Expr>& args, std::size_t first) const {
    std::size_t given = static_cast<std::size_t>(std::count_if(
        args.begin(), args.end(), [](const Expr& arg) { return arg.keyword.empty(); }));
    std::size_t more = signature_.positional.size();
    std::string rest = std::to_string(more) + " positional argument" + (more == 1 ? "" : "s") +
                       " (" + support::join(signature_.positional, ", ") + ")";
    std::string takes;
    if (first == 0)
      takes = "takes at most " + rest;
    else if (signature_.kind == CallKind::DotFunction)
      takes = "takes the list of inputs and at most " + rest;
    else
      takes = "takes " + std::to_string(first) + " operands and " +
              (more == 0 ? "no other positional argument" : "at most " + rest);
    return takes + ", got " + std::to_string(given) + " positional arguments";
  }

  std::string unknownKeyword(const std::string& keyword) const {
    std::vector<std::string> known = signature_.positional;
    for (const std::string& name : signature_.keywordOnly)
      if (std::find(known.begin(), known.end(), name) == known.end())
        known.push_back(name);
    for (const std::string& name : signature_.ignored)
      if (std::find(known.begin(), known.end(), name) == known.end())
        known.push_back(name);
    return "unknown keyword '" + keyword + "' (" +
           (known.empty() ? std::string("it takes no keywords")
                          : "accepted: " + support::join(known, ", ")) +
           ")";
  }

  void checkRequired(const Expr& expr) const {
    for (const std::string& name : signature_.required) {
      bool given = std::any_of(call_.keywords.begin(), call_.keywords.end(),
                               [&](const auto& keyword) { return keyword.first == name; });
      if (!given)
        failHere(ErrorKind::Argument, "missing required argument '" + name + "'", expr.span);
    }
  }

  const std::string& text_;
  ParsedCall call_;
  CallSignature signature_;
};

} // namespace

ParsedCall parseCall(const std::string& text) {
  checkTextLength(text, "call text");
  std::size_t begin = 0;
  while (begin < text.size() && isBlank(text[begin]))
    ++begin;
  std::size_t end = text.size();
  while (end > begin && isBlank(text[end - 1]))
    --end;
  bool quoted = begin < end && (text[begin] == '\'' || text[begin] == '"');
  bool looksLikeCall = text.find_first_of("(@") != std::string::npos;
  if (!quoted && !looksLikeCall)
    return bareEinsum(text, text.substr(begin, end - begin), begin);
  Expr expr = python::parseExpression(text);
  if (expr.kind == Expr::Kind::Literal && expr.literal.kind == PyValue::Kind::String)
    return bareEinsum(text, expr.literal.text, expr.span.begin + 1);
  return CallReader(text).read(expr);
}

} // namespace einjit::frontend
