// The sublist form einsum(op0, sublist0, op1, sublist1, ..., [output]) (docs/semantics.md §2.1):
// each sublist becomes the letters numpy (multiarraymodule.c, einsum_list_to_subscripts) or
// torch (functional.py, parse_subscript) would write, and the string goes through einsum(), so
// later errors point into the equivalent string ("AB,BC->AC").
#include "frontend/EinsumSubscripts.h"

namespace einjit::frontend {

namespace {

constexpr std::int64_t kLetterCount = 52;

// Where each item of a list or tuple starts in its repr, so that an error can point at it.
std::vector<std::size_t> itemColumns(const PyValue& list) {
  std::vector<std::size_t> columns;
  std::size_t column = 1;
  for (const PyValue& item : list.items) {
    columns.push_back(column);
    column += item.repr().size() + 2;
  }
  return columns;
}

[[noreturn]] void failAtItem(ErrorKind kind, const std::string& message, const PyValue& list,
                             std::size_t item) {
  std::size_t column = itemColumns(list)[item];
  throw Error(kind, message, list.repr(), {column, column + list.items[item].repr().size()});
}

// The letters of one sublist; `owner` says whose it is ("operand 0 (x)", "the output").
std::string sublistLetters(const PyValue& sublist, const std::string& owner,
                           EinsumDialect dialect) {
  const bool torch = dialect == EinsumDialect::Torch;
  const std::string prefix = torch ? "einsum(): " : "einsum: ";
  // A str is a sequence too: numpy reads its characters, none of which is an int.
  if (sublist.kind == PyValue::Kind::String && sublist.text.empty())
    return "";
  if (!sublist.isSequence())
    throw Error(ErrorKind::Argument,
                prefix + "the subscripts for each operand must be a list or a tuple (got " +
                    sublist.repr() + " for " + owner + ")",
                sublist.repr(), {0, sublist.repr().size()});
  std::string letters;
  bool ellipsis = false;
  for (std::size_t i = 0; i < sublist.items.size(); ++i) {
    const PyValue& item = sublist.items[i];
    if (item.kind == PyValue::Kind::Ellipsis) {
      // torch leaves a second Ellipsis to its string parser, which names the operand.
      if (ellipsis && !torch)
        failAtItem(ErrorKind::Syntax,
                   prefix + "each subscripts list may have only one ellipsis (" + owner + ")",
                   sublist, i);
      ellipsis = true;
      letters += "...";
      continue;
    }
    // numpy's int conversion refuses bools; so does ours, for both dialects.
    if (!item.isInt())
      failAtItem(ErrorKind::Argument,
                 prefix + "each subscript must be either an integer or an ellipsis (got " +
                     item.repr() + " in the subscripts of " + owner + ")",
                 sublist, i);
    if (item.integer < 0 || item.integer >= kLetterCount)
      failAtItem(ErrorKind::Argument,
                 prefix + (torch ? "subscript in subscript list" : "subscript") +
                     " is not within the valid range [0, 52) (got " + item.repr() +
                     " in the "
                     "subscripts of " +
                     owner + ")",
                 sublist, i);
    letters += item.integer < 26 ? static_cast<char>('A' + item.integer)
                                 : static_cast<char>('a' + (item.integer - 26));
  }
  return letters;
}

} // namespace

ir::IndexProgram einsumSublist(const std::vector<Arg>& operands,
                               const std::vector<PyValue>& sublists,
                               const std::optional<PyValue>& output, DType dtype,
                               EinsumDialect dialect) {
  if (dialect == EinsumDialect::Tensorflow || dialect == EinsumDialect::KerasOps)
    throw Error(ErrorKind::Argument,
                einsumMessagePrefix(dialect) +
                    "there is no sublist form einsum(op0, sublist0, ...); pass the subscripts as "
                    "a string");
  const bool torch = dialect == EinsumDialect::Torch;
  if (operands.empty())
    throw Error(ErrorKind::Arity,
                torch ? "einsum(): must provide at least one operand"
                      : "einsum: must provide at least an operand and a subscripts list to einsum");
  if (sublists.size() != operands.size())
    throw Error(ErrorKind::Arity, std::string(torch ? "einsum(): " : "einsum: ") +
                                      "the sublist form pairs each operand with one subscripts "
                                      "list, but " +
                                      std::to_string(operands.size()) + " operands came with " +
                                      std::to_string(sublists.size()) + " lists");
  std::string subscripts;
  for (std::size_t t = 0; t < operands.size(); ++t) {
    if (t > 0)
      subscripts += ',';
    subscripts += sublistLetters(sublists[t], einsumOperandText(operands, t), dialect);
  }
  if (output)
    subscripts += "->" + sublistLetters(*output, "the output", dialect);
  return einsum(subscripts, operands, dtype, dialect);
}

} // namespace einjit::frontend
