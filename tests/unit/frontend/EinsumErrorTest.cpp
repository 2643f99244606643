// einsum errors (SEMANTICS.md §2.2-§2.8, §11.5 test_einsum_errors): numpy's and torch's texts,
// the operand names and extents einjit adds, and the caret column under the offending text.
#include "EinsumTestSupport.h"

#include <string>
#include <vector>

namespace einjit::test {
namespace {

using frontend::EinsumDialect;
using frontend::PyValue;

// Lowers `subscripts` with `shapes` and expects an einsum error of `kind` whose message holds
// every needle and whose caret covers [begin, end).
void expectEinsumError(std::string_view subscripts, const std::vector<Shape>& shapes,
                       ErrorKind kind, const std::vector<std::string>& needles, std::size_t begin,
                       std::size_t end, EinsumDialect dialect = EinsumDialect::Numpy) {
  SCOPED_TRACE(std::string(subscripts));
  Error error = expectError([&] { lowerEinsum(subscripts, shapes, dialect); }, kind, needles);
  EXPECT_EQ(error.source(), std::string(subscripts));
  expectSpan(error, begin, end);
}

// ---- numpy ------------------------------------------------------------------------------------

TEST(EinsumError, NoOperands) {
  for (const char* subscripts : {"", "ij"})
    expectError([&] { frontend::einsum(subscripts, {}, DType::f32); }, ErrorKind::Arity,
                {"einsum: must specify the einstein sum subscripts string and at least one "
                 "operand"});
}

TEST(EinsumError, TermCountDoesNotMatchOperandCount) {
  // numpy's wording is inverted: 'more operands' when the string has more terms.
  expectEinsumError("ij,jk", {{2, 3}}, ErrorKind::Arity,
                    {"einsum: more operands provided to einstein sum function than specified in "
                     "the subscripts string",
                     "(2 terms in the subscripts string for 1 operand)"},
                    3, 5);
  expectEinsumError(",", {{1}}, ErrorKind::Arity, {"einsum: more operands provided"}, 1, 1);
  expectEinsumError("ij", {{2, 3}, {3}}, ErrorKind::Arity,
                    {"einsum: fewer operands provided to einstein sum function than specified in "
                     "the subscripts string",
                     "(1 term in the subscripts string for 2 operands)"},
                    2, 3);
  expectEinsumError("", {{}, {}}, ErrorKind::Arity, {"einsum: fewer operands provided"}, 0, 1);
  expectEinsumError(
      ",", {{}, {1}, {1}}, ErrorKind::Arity,
      {"fewer operands provided", "(2 terms in the subscripts string for 3 operands)"}, 1, 2);
  // numpy splits terms at ',' and '-', so a stray '-' ends the first term early.
  expectEinsumError("i-j,k", {{1}, {1}}, ErrorKind::Arity, {"fewer operands provided"}, 1, 2);
}

TEST(EinsumError, TooManySubscriptsForAnOperand) {
  const std::string text = "einsum: einstein sum subscripts string contains too many subscripts "
                           "for operand 0 (x.shape = ";
  expectEinsumError("i", {{}}, ErrorKind::Shape, {text + "())"}, 0, 1);
  expectEinsumError("ij", {{2}}, ErrorKind::Shape, {text + "(2,))"}, 1, 2);
  expectEinsumError("...i", {{}}, ErrorKind::Shape, {text + "())"}, 3, 4);
  expectEinsumError("i...j", {{2}}, ErrorKind::Shape, {text + "(2,))"}, 4, 5);
  expectEinsumError("i...", {{}}, ErrorKind::Shape, {text + "())"}, 0, 1);
  expectEinsumError("ij...", {{2}}, ErrorKind::Shape, {text + "(2,))"}, 1, 2);
  // Keras 3's failing case: 'ijk,jk->ik' on (2, 3), (3, 4).
  expectEinsumError("ijk,jk->ik", {{2, 3}, {3, 4}}, ErrorKind::Shape, {text + "(2, 3))"}, 2, 3);
  expectEinsumError("ij,ijk", {{2, 3}, {2, 3}}, ErrorKind::Shape,
                    {"too many subscripts for operand 1 (y.shape = (2, 3))"}, 5, 6);
}

TEST(EinsumError, FewerSubscriptsThanDimensionsWithoutEllipsis) {
  expectEinsumError("i", {{2, 3}}, ErrorKind::Shape,
                    {"einsum: operand has more dimensions than subscripts given in einstein sum, "
                     "but no '...' ellipsis provided to broadcast the extra dimensions.",
                     "(operand 0 (x): 1 subscript for x.shape = (2, 3))"},
                    0, 1);
  expectEinsumError("ij, k", {{2, 3}, {4, 5}}, ErrorKind::Shape,
                    {"(operand 1 (y): 1 subscript for y.shape = (4, 5))"}, 3, 5);
}

TEST(EinsumError, DotThatIsNotAnEllipsis) {
  const std::string operand = "einsum: einstein sum subscripts string contains a '.' that is not "
                              "part of an ellipsis ('...') in operand 0 (x)";
  expectEinsumError("i..", {{2}}, ErrorKind::Syntax, {operand}, 1, 3);
  expectEinsumError(".i...", {{2}}, ErrorKind::Syntax, {operand}, 0, 1);
  expectEinsumError("i. ..", {{2}}, ErrorKind::Syntax, {operand}, 1, 2);
  // A second '...' in one term gets the same message.
  expectEinsumError("...i...", {{2, 3}}, ErrorKind::Syntax, {operand}, 4, 7);
  const std::string output = "einsum: einstein sum subscripts string contains a '.' that is not "
                             "part of an ellipsis ('...') in the output";
  expectEinsumError("j->..j", {{2}}, ErrorKind::Syntax, {output}, 3, 5);
  expectEinsumError("j->.j...", {{2}}, ErrorKind::Syntax, {output}, 3, 4);
  expectEinsumError("...j->......j", {{2}}, ErrorKind::Syntax, {output}, 9, 12);
}

TEST(EinsumError, CharactersThatAreNotLetters) {
  const std::string tail = "' in einstein sum subscripts string, subscripts must be letters";
  expectEinsumError("i%...", {{2}}, ErrorKind::Syntax, {"einsum: invalid subscript '%" + tail}, 1,
                    2);
  expectEinsumError("...j$", {{2}}, ErrorKind::Syntax, {"invalid subscript '$" + tail}, 4, 5);
  expectEinsumError("i->&", {{2}}, ErrorKind::Syntax, {"invalid subscript '&" + tail}, 3, 4);
  expectEinsumError("i1", {{2, 2}}, ErrorKind::Syntax, {"invalid subscript '1" + tail}, 1, 2);
  expectEinsumError(std::string("i\tj", 3), {{2, 2}}, ErrorKind::Syntax,
                    {"invalid subscript '\\x09" + tail}, 1, 2);
}

TEST(EinsumError, NonAsciiCharactersFailAsPythonEncodingDoes) {
  expectEinsumError("\xc3\xa9i,i", {{2, 2}, {2}}, ErrorKind::Syntax,
                    {"einsum: 'ascii' codec can't encode character '\\xe9' in position 0: ordinal "
                     "not in range(128)"},
                    0, 1);
  expectEinsumError("ij\xe2\x86\x92ji", {{2, 2}}, ErrorKind::Syntax,
                    {"can't encode character '\\u2192' in position 2"}, 2, 3);
}

TEST(EinsumError, MalformedArrow) {
  expectEinsumError("ij-jk", {{2, 3}}, ErrorKind::Syntax,
                    {"einsum: einstein sum subscript string does not contain proper '->' output "
                     "specified"},
                    2, 3);
  expectEinsumError("ij- >j", {{2, 3}}, ErrorKind::Syntax, {"does not contain proper '->'"}, 2, 3);
  // A second '->' reaches the output term, where '-' is not a letter.
  expectEinsumError("ij->i->j", {{2, 3}}, ErrorKind::Syntax,
                    {"einsum: invalid subscript '-' in einstein sum subscripts string"}, 5, 6);
}

TEST(EinsumError, OutputSubscripts) {
  Error never = expectError(
      [] {
        lowerEinsum("bij,bjk->bix", {{2, 2, 3}, {2, 3, 4}});
      },
      ErrorKind::Syntax,
      {"einsum: einstein sum subscripts string included output subscript "
       "'x' which never appeared in an input"});
  expectSpan(never, 11, 12);
  // what() shows the string with a caret under the offending letter.
  EXPECT_NE(std::string(never.what()).find("\n  bij,bjk->bix\n  " + std::string(11, ' ') + "^"),
            std::string::npos)
      << never.what();
  expectEinsumError("i->ij", {{2}}, ErrorKind::Syntax, {"output subscript 'j' which never"}, 4, 5);
  expectEinsumError("ij->jij", {{2, 2}}, ErrorKind::Syntax,
                    {"einsum: einstein sum subscripts string includes output subscript 'j' "
                     "multiple times"},
                    6, 7);
}

TEST(EinsumError, EllipsisDimsMissingFromExplicitOutput) {
  expectEinsumError("...ij,...jk->ik", {{5, 2, 3}, {5, 3, 4}}, ErrorKind::Shape,
                    {"einsum: output has more dimensions than subscripts given in einstein sum, "
                     "but no '...' ellipsis provided to broadcast the extra dimensions.",
                     "(operand 0 (x) has 1 dimension under '...', x.shape = (5, 2, 3))"},
                    13, 15);
  expectEinsumError("ij,...jk->", {{2, 3}, {4, 5, 3, 4}}, ErrorKind::Shape,
                    {"(operand 1 (y) has 2 dimensions under '...', y.shape = (4, 5, 3, 4))"}, 10,
                    10);
}

TEST(EinsumError, RepeatedLabelExtentsMustMatch) {
  expectEinsumError("ii", {{2, 3}}, ErrorKind::Shape,
                    {"einsum: dimensions in operand 0 (x) for collapsing index 'i' don't match "
                     "(2 != 3)"},
                    1, 2);
  // One operand, no letter summed: numpy tried to return a view, with its own message.
  expectEinsumError("ii->i", {{2, 3}}, ErrorKind::Shape,
                    {"einsum: dimensions in single operand (x) for collapsing index 'i' don't "
                     "match (2 != 3)"},
                    1, 2);
  expectEinsumError("iji->ij", {{2, 3, 4}}, ErrorKind::Shape,
                    {"single operand (x) for collapsing index 'i' don't match (2 != 4)"}, 2, 3);
  // 'j' is summed, so the view loop stops before the second 'i'.
  expectEinsumError("iji->i", {{2, 3, 4}}, ErrorKind::Shape,
                    {"dimensions in operand 0 (x) for collapsing index 'i' don't match (2 != 4)"},
                    2, 3);
  // gh-11221: the message must name 'b'.
  expectEinsumError("aabcb,abc", {{3, 3, 4, 5, 6}, {3, 4, 5}}, ErrorKind::Shape,
                    {"einsum: dimensions in operand 0 (x) for collapsing index 'b' don't match "
                     "(4 != 6)"},
                    4, 5);
  // Extent 1 broadcasts between operands, never inside one.
  expectEinsumError("ii,i->i", {{1, 3}, {3}}, ErrorKind::Shape,
                    {"dimensions in operand 0 (x) for collapsing index 'i' don't match (1 != 3)"},
                    1, 2);
}

TEST(EinsumError, LabelledExtentsThatDoNotBroadcast) {
  expectEinsumError("ij,jk", {{2, 3}, {4, 5}}, ErrorKind::Shape,
                    {"einsum: operands could not be broadcast together with remapped shapes "
                     "[original->remapped]: (2,3)->(2,newaxis,3) (4,5)->(5,4); subscript 'j': "
                     "x.shape[1] != y.shape[0] (3 != 4)"},
                    3, 4);
  expectEinsumError("i,i", {{2}, {3}}, ErrorKind::Shape,
                    {"[original->remapped]: (2,)->(2,) (3,)->(3,); subscript 'i': x.shape[0] != "
                     "y.shape[0] (2 != 3)"},
                    2, 3);
  // Extent 0 takes part like any other extent but 1.
  expectEinsumError("i,i->i", {{0}, {3}}, ErrorKind::Shape, {"(0 != 3)"}, 2, 3);
}

TEST(EinsumError, EllipsisExtentsThatDoNotBroadcast) {
  expectEinsumError("...ij,...jk", {{5, 2, 2, 3}, {4, 3, 2}}, ErrorKind::Shape,
                    {"einsum: operands could not be broadcast together with remapped shapes "
                     "[original->remapped]: (5,2,2,3)->(5,2,2,newaxis,3) "
                     "(4,3,2)->(4,newaxis,2,3); '...': x.shape[1] != y.shape[0] (2 != 4)"},
                    6, 9);
}

TEST(EinsumError, TooManyDimensionsToName) {
  std::string letters;
  for (char c = 'A'; c <= 'Z'; ++c)
    letters += c;
  for (char c = 'a'; c <= 'z'; ++c)
    letters += c;
  expectError([&] { lowerEinsum(letters + "...", {Shape(53, 1)}); }, ErrorKind::Unsupported,
              {"einsum: the subscripts use 52 letters and '...' stands for 1 more dimension"});
}

TEST(EinsumError, NumpyChecksInNumpysOrder) {
  // The operand count is checked before the term's characters.
  expectEinsumError("i%,j", {{2}}, ErrorKind::Arity, {"more operands provided"}, 3, 4);
  // Letters are counted against the rank as they are read, before a later bad character.
  expectEinsumError("ij%", {{1}}, ErrorKind::Shape, {"too many subscripts for operand 0"}, 1, 2);
  // Input terms before the output term.
  expectEinsumError("ij->k", {{2}}, ErrorKind::Shape, {"too many subscripts for operand 0"}, 1, 2);
  // A repeated output letter is found before the missing one.
  expectEinsumError("i->jj", {{2}}, ErrorKind::Syntax,
                    {"includes output subscript 'j' multiple times"}, 4, 5);
  // Diagonals before broadcasting.
  expectEinsumError("ii,ij", {{2, 3}, {5, 5}}, ErrorKind::Shape,
                    {"dimensions in operand 0 (x) for collapsing index 'i' don't match (2 != 3)"},
                    1, 2);
}

TEST(EinsumError, OperandNamesMustBeDistinctIdentifiers) {
  expectError(
      [] {
        frontend::einsum("i,i", {{"a", {2}}, {"a", {2}}}, DType::f32);
      },
      ErrorKind::Argument,
      {"einsum: operands 0 and 1 are both named 'a'; each operand needs its own name"});
  expectError(
      [] {
        frontend::einsum("i", {{"2x", {2}}}, DType::f32);
      },
      ErrorKind::Argument, {"einsum: operand 0 is named '2x', which is not an identifier"});
}

// ---- torch ------------------------------------------------------------------------------------

TEST(EinsumError, TorchGrammar) {
  const EinsumDialect torch = EinsumDialect::Torch;
  expectError([] { frontend::einsum("i", {}, DType::f32, EinsumDialect::Torch); }, ErrorKind::Arity,
              {"einsum(): must provide at least one operand"});
  expectEinsumError("i%...", {{2}}, ErrorKind::Syntax,
                    {"einsum(): invalid subscript given at index 1 in the equation string, "
                     "subscripts must be in [a-zA-Z]"},
                    1, 2, torch);
  expectEinsumError("\xc3\xa9i,i", {{2, 2}, {2}}, ErrorKind::Syntax,
                    {"einsum(): invalid subscript given at index 0"}, 0, 1, torch);
  expectEinsumError("ij->i->j", {{2, 3}}, ErrorKind::Syntax, {"invalid subscript given at index 5"},
                    5, 6, torch);
  expectEinsumError("i..", {{2}}, ErrorKind::Syntax,
                    {"einsum(): found '.' for operand 0 (x) that is not part of any ellipsis"}, 1,
                    3, torch);
  expectEinsumError("...i...", {{2}}, ErrorKind::Syntax,
                    {"einsum(): found '.' for operand 0 (x) for which an ellipsis was already "
                     "found"},
                    4, 7, torch);
  expectEinsumError("j->..j", {{2}}, ErrorKind::Syntax,
                    {"einsum(): found '.' for output that is not part of any ellipsis (...)"}, 3, 5,
                    torch);
  expectEinsumError("j...->......", {{2}}, ErrorKind::Syntax,
                    {"einsum(): found '.' for output but an ellipsis (...) was already found"}, 9,
                    12, torch);
  expectEinsumError("ij,jk", {{2, 3}}, ErrorKind::Arity,
                    {"einsum(): fewer operands were provided than specified in the equation"}, 2, 3,
                    torch);
  expectEinsumError("ij", {{2, 3}, {3}}, ErrorKind::Arity,
                    {"einsum(): more operands were provided than specified in the equation"}, 2, 3,
                    torch);
}

TEST(EinsumError, TorchSubscriptCountsAndOutput) {
  const EinsumDialect torch = EinsumDialect::Torch;
  expectEinsumError("i", {{2, 3}}, ErrorKind::Shape,
                    {"einsum(): the number of subscripts in the equation (1) does not match the "
                     "number of dimensions (2) for operand 0 (x) and no ellipsis was given"},
                    0, 1, torch);
  expectEinsumError("ij", {{2}}, ErrorKind::Shape,
                    {"(2) does not match the number of dimensions (1)"}, 0, 2, torch);
  expectEinsumError("ij...", {{2}}, ErrorKind::Shape,
                    {"einsum(): the number of subscripts in the equation (2) is more than the "
                     "number of dimensions (1) for operand 0 (x)"},
                    0, 5, torch);
  expectEinsumError("i->ij", {{2}}, ErrorKind::Syntax,
                    {"einsum(): output subscript j does not appear in the equation for any input "
                     "operand"},
                    4, 5, torch);
  expectEinsumError("ij->jij", {{2, 2}}, ErrorKind::Syntax,
                    {"einsum(): output subscript j appears more than once in the output"}, 6, 7,
                    torch);
  // torch meets the missing letter first where numpy looks ahead for a repeat.
  expectEinsumError("i->jj", {{2}}, ErrorKind::Syntax,
                    {"einsum(): output subscript j does not appear"}, 3, 4, torch);
}

TEST(EinsumError, TorchShapeChecks) {
  const EinsumDialect torch = EinsumDialect::Torch;
  expectEinsumError("ij,jk", {{2, 3}, {4, 5}}, ErrorKind::Shape,
                    {"einsum(): subscript j has size 4 for operand 1 (y) which does not broadcast "
                     "with previously seen size 3"},
                    3, 4, torch);
  expectEinsumError("ii", {{2, 3}}, ErrorKind::Shape,
                    {"einsum(): subscript i is repeated for operand 0 (x) but the sizes don't "
                     "match, 3 != 2"},
                    1, 2, torch);
  expectEinsumError("ii->i", {{2, 3}}, ErrorKind::Shape, {"3 != 2"}, 1, 2, torch);
  expectEinsumError("aabcb,abc", {{3, 3, 4, 5, 6}, {3, 4, 5}}, ErrorKind::Shape,
                    {"einsum(): subscript b is repeated for operand 0 (x) but the sizes don't "
                     "match, 6 != 4"},
                    4, 5, torch);
  expectEinsumError("...ij,...jk", {{5, 2, 2, 3}, {4, 3, 2}}, ErrorKind::Shape,
                    {"einsum(): dimension 0 covered by ellipsis in operand 1 (y) has size 4 which "
                     "does not broadcast with previously seen ellipsis with size 2 for the "
                     "respective dimension"},
                    6, 9, torch);
}

// ---- sublist form -----------------------------------------------------------------------------

TEST(EinsumError, SublistSubscriptOutOfRange) {
  for (std::int64_t bad : {52, -1}) {
    PyValue list = PyValue::ints({0, bad});
    Error error = expectError(
        [&] {
          frontend::einsumSublist(einsumArgs({{2, 2}}), {list}, std::nullopt, DType::f32);
        },
        ErrorKind::Argument,
        {"einsum: subscript is not within the valid range [0, 52) (got " + std::to_string(bad) +
         " in the subscripts of operand 0 (x))"});
    EXPECT_EQ(error.source(), list.repr());
    expectSpan(error, 4, 4 + std::to_string(bad).size());
  }
  expectError(
      [] {
        frontend::einsumSublist(einsumArgs({{2}}), {PyValue::ints({0})}, PyValue::ints({52}),
                                DType::f32, EinsumDialect::Torch);
      },
      ErrorKind::Argument,
      {"einsum(): subscript in subscript list is not within the valid range [0, 52)",
       "the output"});
}

TEST(EinsumError, SublistItemsAndLists) {
  auto lower = [](const std::vector<PyValue>& lists, EinsumDialect dialect) {
    std::vector<Shape> shapes(lists.size(), Shape{2, 2});
    frontend::einsumSublist(einsumArgs(shapes), lists, std::nullopt, DType::f32, dialect);
  };
  PyValue twoEllipses =
      PyValue::list({PyValue::ellipsis(), PyValue::fromInt(0), PyValue::ellipsis()});
  Error numpy = expectError([&] { lower({twoEllipses}, EinsumDialect::Numpy); }, ErrorKind::Syntax,
                            {"einsum: each subscripts list may have only one ellipsis"});
  expectSpan(numpy, 14, 22);
  // torch builds '...A...' and its parser refuses the second '...'.
  Error torch = expectError([&] { lower({twoEllipses}, EinsumDialect::Torch); }, ErrorKind::Syntax,
                            {"einsum(): found '.' for operand 0 (x) for which an ellipsis was "
                             "already found"});
  EXPECT_EQ(torch.source(), "...A...");
  expectSpan(torch, 4, 7);
  for (PyValue item : {PyValue::fromFloat(1.5), PyValue::fromBool(true), PyValue::none()})
    expectError(
        [&] {
          lower({PyValue::list({PyValue::fromInt(0), item})}, EinsumDialect::Numpy);
        },
        ErrorKind::Argument,
        {"einsum: each subscript must be either an integer or an ellipsis (got " + item.repr()});
  expectError([&] { lower({PyValue::fromInt(3)}, EinsumDialect::Numpy); }, ErrorKind::Argument,
              {"einsum: the subscripts for each operand must be a list or a tuple (got 3 for "
               "operand 0 (x))"});
  expectError(
      [] {
        frontend::einsumSublist(einsumArgs({{2}, {2}}), {PyValue::ints({0})}, std::nullopt,
                                DType::f32);
      },
      ErrorKind::Arity, {"2 operands came with 1 lists"});
  expectError([] { frontend::einsumSublist({}, {}, std::nullopt, DType::f32); }, ErrorKind::Arity,
              {"einsum: must provide at least an operand and a subscripts list to einsum"});
}

TEST(EinsumError, SublistErrorsPointIntoTheEquivalentString) {
  Error error = expectError(
      [] {
        frontend::einsumSublist(einsumArgs({{2, 3}}), {PyValue::ints({0, 0})}, PyValue::ints({0}),
                                DType::f32);
      },
      ErrorKind::Shape,
      {"einsum: dimensions in single operand (x) for collapsing index 'A' don't match (2 != 3)"});
  EXPECT_EQ(error.source(), "AA->A");
  expectSpan(error, 1, 2);
}

} // namespace
} // namespace einjit::test
