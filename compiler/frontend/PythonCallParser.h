// The small part of Python that contraction calls are written in: dotted names, calls with
// positional and keyword arguments, `a @ b`, and literals (numbers, strings, True, False, None,
// Ellipsis / `...`, lists, tuples). Every node keeps its column span for error carets.
#pragma once

#include "einjit/error.h"
#include "frontend/PyValue.h"

#include <memory>
#include <string>
#include <vector>

namespace einjit::frontend::python {

/// One node of a parsed call expression.
struct Expr {
  enum class Kind { Name, Literal, List, Tuple, Call, MatMul };

  Kind kind = Kind::Literal;
  SourceSpan span;
  std::string name;                   ///< Name: the dotted name as written ("np.einsum")
  PyValue literal;                    ///< Literal
  std::vector<Expr> items;            ///< List/Tuple elements, Call arguments, MatMul operands
  std::shared_ptr<const Expr> callee; ///< Call: what is called
  std::string keyword;                ///< a Call argument given as `keyword=value`
  SourceSpan keywordSpan;             ///< where that keyword is written
};

/// Parses `text` as one expression. Throws Error(Syntax) with a caret at the offending column;
/// Error(Resource) at the level past limits::maxNesting (brackets, calls, `@`), so that neither
/// the parser nor a later walk of the tree recurses deeper.
Expr parseExpression(const std::string& text);

/// True when the node is a Python literal (possibly nested in lists and tuples).
bool isLiteral(const Expr& expr);
/// The literal value of a node; the caller checks isLiteral first.
PyValue literalValue(const Expr& expr);

} // namespace einjit::frontend::python
