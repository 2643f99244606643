// tf.einsum and keras.ops.einsum (EinsumDialect::Tensorflow / KerasOps): the behaviours recorded
// from TensorFlow 2.21 and Keras 3.15.1 (tests/conformance/README.md, differences 4-7) where they
// differ from numpy's einsum: implicit output, extent-1 labels, spaces, Keras's renaming and its
// tf.matmul forms, and TensorFlow's messages with a caret into the user's string.
#include "EinsumTestSupport.h"

#include <gtest/gtest.h>

namespace einjit {
namespace {

using frontend::EinsumDialect;
using test::einsumStatement;
using test::einsumValues;
using test::expectError;
using test::expectSpan;
using test::f64;
using test::lowerEinsum;

constexpr EinsumDialect kTf = EinsumDialect::Tensorflow;
constexpr EinsumDialect kKeras = EinsumDialect::KerasOps;

Error einsumError(std::string_view subscripts, const std::vector<Shape>& shapes,
                  EinsumDialect dialect, ErrorKind kind, const std::vector<std::string>& needles) {
  return expectError([&] { lowerEinsum(subscripts, shapes, dialect); }, kind, needles);
}

// ---- tf.einsum ----------------------------------------------------------------------------------

TEST(TfEinsum, ImplicitOutputWithoutEllipsisIsSortedLikeNumpy) {
  // tensorflow_0100 / 0105: 'ij,jh' gives (4, 2) and 'ji' transposes, as in numpy.
  EXPECT_EQ(einsumStatement("ij,jh", {{2, 3}, {3, 4}}, kTf), "out[h,i] = sum_j x[i,j] * y[j,h]");
  EXPECT_EQ(einsumValues("ji", {f64({2, 3}, {1, 2, 3, 4, 5, 6})}, kTf),
            (std::vector<double>{1, 4, 2, 5, 3, 6}));
}

TEST(TfEinsum, ImplicitOutputPutsASingleEllipsisFirst) {
  // tensorflow_0183: '...k,kj' on (4,3),(3,2) -> (4,2); 'i...' on (2,3) -> (3,2).
  EXPECT_EQ(lowerEinsum("...k,kj", {{4, 3}, {3, 2}}, kTf).outputShape(), (Shape{4, 2}));
  EXPECT_EQ(einsumValues("i...", {f64({2, 3}, {1, 2, 3, 4, 5, 6})}, kTf),
            (std::vector<double>{1, 4, 2, 5, 3, 6}));
  // tensorflow_0191: '...' once among three operands: the broadcast dims, then 'k', then 'm'.
  EXPECT_EQ(lowerEinsum("mij,ijk,...", {{2, 3, 4}, {3, 4, 5}, {1, 1, 1, 9}}, kTf).outputShape(),
            (Shape{1, 1, 1, 9, 5, 2}));
}

TEST(TfEinsum, ImplicitOutputDropsAnEllipsisUsedTwiceAndRefusesItsDims) {
  // tensorflow_0172/0174/0187: numpy would put the broadcast dims first.
  for (const auto& [subscripts, shapes, count] :
       std::vector<std::tuple<std::string, std::vector<Shape>, int>>{
           {"...,...", {{2, 3}, {2, 3}}, 2},
           {"...i,...i", {{2, 3}, {2, 3}}, 1},
           {"i...,...j", {{2, 3, 4}, {3, 4, 5}}, 2},
           {"i...,...j,...k", {{2, 3, 4}, {3, 4, 5}, {1, 1, 1, 9}}, 3}}) {
    Error error = einsumError(subscripts, shapes, kTf, ErrorKind::Shape,
                              {"tf.einsum: Output contains " + std::to_string(count) +
                                   " broadcasting dimension(s) but no ellipsis (...) was found in "
                                   "the output subscripts.",
                               "only when exactly one operand has it"});
    expectSpan(error, subscripts.find("..."), subscripts.find("...") + 3);
  }
  // With nothing under '...' there is nothing to drop (tensorflow_0173).
  EXPECT_EQ(lowerEinsum("...,...", {{}, {}}, kTf).outputShape(), Shape{});
  // '...' counts as broadcasting even when its extents are 1.
  einsumError("...,...", {{1}, {}}, kTf, ErrorKind::Shape,
              {"Output contains 1 broadcasting dimension(s)", "x has (1,), y has ()"});
}

TEST(TfEinsum, ExplicitOutputMustKeepTheBroadcastDims) {
  // tensorflow_0245: torch would sum them, numpy refuses too.
  Error error =
      einsumError("...ij,...jk->ik", {{5, 2, 3}, {5, 3, 4}}, kTf, ErrorKind::Shape,
                  {"Output contains 1 broadcasting dimension(s)", "x has (5,), y has (5,)"});
  expectSpan(error, 13, 15);
}

TEST(TfEinsum, LabelledDimsOfExtentOneDoNotBroadcast) {
  // tensorflow_0195 / 0196 / 0199.
  Error error = einsumError(
      "i,i", {{2}, {1}}, kTf, ErrorKind::Shape,
      {"tf.einsum: Expected dimension 2 at axis 0 of the input shaped [1] but got dimension 1",
       "label 'i' is 2 in x.shape[0] but 1 in y.shape[0]",
       "does not broadcast a labelled dimension of extent 1", "i,i\n    ^"});
  expectSpan(error, 2, 3);
  einsumError("ij,ij->j", {{10, 2}, {1, 2}}, kTf, ErrorKind::Shape,
              {"Expected dimension 10 at axis 0 of the input shaped [1,2] but got dimension 1"});
  einsumError("ij,jk->ik", {{2, 1}, {3, 4}}, kTf, ErrorKind::Shape,
              {"Expected dimension 1 at axis 0 of the input shaped [3,4] but got dimension 3"});
  // The same strings broadcast in numpy.
  EXPECT_EQ(einsumStatement("i,i", {{2}, {1}}), "out[] = sum_i x[i] * y[0]");
}

TEST(TfEinsum, DiagonalExtentsMustMatch) {
  // tensorflow_0215: the kernel's own check, axis by axis.
  einsumError("ii", {{2, 3}}, kTf, ErrorKind::Shape,
              {"Expected dimension 2 at axis 1 of the input shaped [2,3] but got dimension 3"});
  EXPECT_EQ(einsumValues("ii->i", {f64({2, 2}, {1, 2, 3, 4})}, kTf), (std::vector<double>{1, 4}));
}

TEST(TfEinsum, EllipsisDimsBroadcast) {
  // tensorflow_0176: (2,1,2,3),(5,3,4) -> (2,5,2,4).
  ir::IndexProgram program = lowerEinsum("...ij,...jk->...ik", {{2, 1, 2, 3}, {5, 3, 4}}, kTf);
  EXPECT_EQ(program.outputShape(), (Shape{2, 5, 2, 4}));
  EXPECT_EQ(ir::statementText(program), "out[a,c,i,k] = sum_j x[a,0,i,j] * y[c,j,k]");
  Error error =
      einsumError("...i,...i->...i", {{2, 3}, {4, 3}}, kTf, ErrorKind::Shape,
                  {"tf.einsum: Invalid broadcasting dimensions: '...' is (2,) in x and (4,) in y: "
                   "x.shape[0] != y.shape[0] (2 != 4)"});
  expectSpan(error, 5, 8);
}

TEST(TfEinsum, SpacesAreDroppedBeforeParsing) {
  // tensorflow_0239: numpy refuses 'ij- >i'.
  EXPECT_EQ(einsumValues("ij- >i", {f64({2, 3}, {1, 2, 3, 4, 5, 6})}, kTf),
            (std::vector<double>{6, 15}));
  EXPECT_EQ(lowerEinsum(" ...a->... a", {{2, 3}}, kTf).outputShape(), (Shape{2, 3}));
  // tensorflow_0240: with no '...' in the string as given, '. ..' is three stray dots.
  Error error = einsumError(". ..i", {{2, 3}}, kTf, ErrorKind::Syntax,
                            {"tf.einsum: Subscripts have incorrect format: ...i"});
  expectSpan(error, 0, 1);
}

TEST(TfEinsum, FormatErrorsShowTheResolvedString) {
  expectSpan(einsumError("i%...", {{2, 3}}, kTf, ErrorKind::Syntax,
                         {"Subscripts have incorrect format: i%0"}),
             1, 2);
  expectSpan(einsumError("ij->i->j", {{2, 3}}, kTf, ErrorKind::Syntax,
                         {"Subscripts have incorrect format: ij->i->j"}),
             5, 7);
  expectSpan(einsumError("i0...", {{2, 3}}, kTf, ErrorKind::Syntax,
                         {"Invalid character \"0\" in equation: i0...."}),
             1, 2);
  einsumError("i1", {{2, 3}}, kTf, ErrorKind::Syntax, {"Subscripts have incorrect format: i1"});
}

TEST(TfEinsum, OutputAndCountErrors) {
  expectSpan(einsumError("i->ij", {{2}}, kTf, ErrorKind::Syntax,
                         {"Output subscripts contain the label j not present in the input "
                          "subscripts."}),
             4, 5);
  expectSpan(einsumError("ij->jij", {{2, 2}}, kTf, ErrorKind::Syntax,
                         {"Output subscripts contain a label appearing more than once: ij->jij"}),
             6, 7);
  einsumError("ij,jk", {{2, 3}}, kTf, ErrorKind::Arity,
              {"Got 1 inputs for equation \"ij,jk\", expecting 2"});
  einsumError("i...j...", {{2, 3, 4, 5}}, kTf, ErrorKind::Syntax,
              {"Too many ellipses in input label i...j...."});
  // With three operands opt_einsum plans the call and sees '...' only in the output.
  einsumError("i,j,k->...ijk", {{2}, {3}, {4}}, kTf, ErrorKind::Syntax,
              {"Output character '0' did not appear in the input"});
  EXPECT_EQ(lowerEinsum("i,j->...ij", {{2}, {3}}, kTf).outputShape(), (Shape{2, 3}));
}

TEST(TfEinsum, RankErrorsUseTheKernelOrThePythonText) {
  einsumError("i", {{2, 3}}, kTf, ErrorKind::Shape,
              {"Expected input 0 to have rank 1 but got: 2", "x has shape (2, 3)"});
  einsumError("...i", {{}}, kTf, ErrorKind::Shape,
              {"Expected input 0 to have rank at least 1 but got: 0"});
  // Up to two operands the kernel checks operand by operand: x's diagonal before y's rank.
  einsumError("ii,j", {{2, 3}, {4, 5}}, kTf, ErrorKind::Shape, {"Expected dimension 2 at axis 1"});
  // With three, Python checks every rank first.
  einsumError("ii,j,k", {{2, 3}, {4, 5}, {1}}, kTf, ErrorKind::Shape,
              {"Number of named labels in input #1 of equation ii,j,k must be equal to the "
               "number of dimensions in shape [4, 5]"});
  einsumError("i...jk,j,k", {{2, 3}, {3}, {4}}, kTf, ErrorKind::Shape,
              {"Too many named labels in 0th subscript string of equation i...jk,j,k for input "
               "shape [2, 3]"});
}

TEST(TfEinsum, HasNoSublistForm) {
  expectError(
      [] {
        frontend::einsumSublist(test::einsumArgs({{2}}), {frontend::PyValue::ints({0})},
                                std::nullopt, DType::f64, kTf);
      },
      ErrorKind::Argument, {"tf.einsum: there is no sublist form"});
}

// ---- keras.ops.einsum -------------------------------------------------------------------------

TEST(KerasOpsEinsum, ImplicitOutputFollowsFirstAppearance) {
  // keras_0151 / 0156: Keras renames 'ij,jh' to 'ab,bc' and 'ji' to 'ab'.
  EXPECT_EQ(einsumStatement("ij,jh", {{2, 3}, {3, 4}}, kKeras), "out[i,h] = sum_j x[i,j] * y[j,h]");
  EXPECT_EQ(einsumValues("ji", {f64({2, 3}, {1, 2, 3, 4, 5, 6})}, kKeras),
            (std::vector<double>{1, 2, 3, 4, 5, 6}));
  // keras_0196: 'mij,ijk,...' is 'abc,bcd,...': output '...', a, d (numpy: ..., k, m).
  EXPECT_EQ(lowerEinsum("mij,ijk,...", {{2, 3, 4}, {3, 4, 5}, {1, 1, 1, 9}}, kKeras).outputShape(),
            (Shape{1, 1, 1, 9, 2, 5}));
}

TEST(KerasOpsEinsum, TheTwentySeventhLetterIsRenamedUppercaseAndComesFirst) {
  // Recorded: 'zyx…a' + 'Q' becomes 'abc…z' + 'A'; sorted, 'A' (the user's Q) leads, then the
  // user's letters in order of appearance. Shape with z=2, a=4, Q=3: (3, 2, 1, …, 1, 4).
  std::string subscripts = "zyxwvutsrqponmlkjihgfedcbaQ";
  Shape shape(27, 1);
  shape[0] = 2;
  shape[25] = 4;
  shape[26] = 3;
  Shape expected(27, 1);
  expected[0] = 3;
  expected[1] = 2;
  expected[26] = 4;
  EXPECT_EQ(lowerEinsum(subscripts, {shape}, kKeras).outputShape(), expected);
  Shape numpyOrder(27, 1);
  numpyOrder[0] = 3;
  numpyOrder[1] = 4;
  numpyOrder[26] = 2;
  EXPECT_EQ(lowerEinsum(subscripts, {shape}, kTf).outputShape(), numpyOrder);
}

TEST(KerasOpsEinsum, InheritsTfEinsumRules) {
  // keras_0185 / 0187: implicit '...' in two operands; keras_0198: no extent-1 broadcasting.
  einsumError("...i,...i", {{2, 3}, {2, 3}}, kKeras, ErrorKind::Shape,
              {"keras.ops.einsum: Output contains 1 broadcasting dimension(s)"});
  einsumError("i,i", {{2}, {1}}, kKeras, ErrorKind::Shape,
              {"keras.ops.einsum: Expected dimension 2 at axis 0 of the input shaped [1]",
               "keras.ops.einsum does not broadcast"});
}

TEST(KerasOpsEinsum, MessagesQuoteTheRenamedStringAndSayHow) {
  // keras_0201 / 0205: TensorFlow quotes what Keras passed it.
  Error format = einsumError(
      "i%...", {{2, 3}}, kKeras, ErrorKind::Syntax,
      {"keras.ops.einsum: Subscripts have incorrect format: a%0", "'i%...' became 'a%...'"});
  expectSpan(format, 1, 2);
  einsumError("ij->jij", {{2, 2}}, kKeras, ErrorKind::Syntax,
              {"appearing more than once: ab->bab", "'ij->jij' became 'ab->bab'"});
  // keras_0204 says "label b"; einjit names the user's letter.
  einsumError("i->ij", {{2}}, kKeras, ErrorKind::Syntax,
              {"Output subscripts contain the label j not present"});
}

TEST(KerasOpsEinsum, MatmulFormsBroadcastTheirBatchLabels) {
  // Recorded: Keras computes 'abcd,abde->abce' (after renaming) with tf.matmul, which broadcasts
  // the batch labels; tf.einsum refuses the same call.
  ir::IndexProgram program = lowerEinsum("bhqd,bhkd->bhqk", {{1, 2, 3, 4}, {5, 1, 6, 4}}, kKeras);
  EXPECT_EQ(program.outputShape(), (Shape{5, 2, 3, 6}));
  EXPECT_EQ(ir::statementText(program), "out[b,h,q,k] = sum_d x[0,h,q,d] * y[b,0,k,d]");
  einsumError("bhqd,bhkd->bhqk", {{1, 2, 3, 4}, {5, 1, 6, 4}}, kTf, ErrorKind::Shape,
              {"Expected dimension 1 at axis 0 of the input shaped [5,1,6,4]"});
  // The match is on the whole string: a space sends the call to tf.einsum.
  einsumError("bhqd, bhkd->bhqk", {{1, 2, 3, 4}, {5, 1, 6, 4}}, kKeras, ErrorKind::Shape,
              {"does not broadcast a labelled dimension of extent 1"});
  // The contracted label still has to match.
  einsumError("bhqd,bhkd->bhqk", {{1, 2, 3, 4}, {5, 1, 6, 1}}, kKeras, ErrorKind::Shape,
              {"label 'd' is 4 in x.shape[3] but 1 in y.shape[3]"});
}

TEST(KerasOpsEinsum, FiveDimensionalMatmulFormsBroadcastTheirSecondBatchLabelFromYOnly) {
  // 'abcde,aebf->adbcf': Keras reshapes x with x's extent of b; the result is right when y's b
  // is 1 and wrongly shaped when x's is, which einjit refuses.
  EXPECT_EQ(lowerEinsum("abcde,aebf->adbcf", {{2, 3, 2, 2, 4}, {1, 4, 1, 5}}, kKeras).outputShape(),
            (Shape{2, 2, 3, 2, 5}));
  einsumError("abcde,aebf->adbcf", {{2, 1, 2, 2, 4}, {2, 4, 3, 5}}, kKeras, ErrorKind::Shape,
              {"label 'b' is 1 in x.shape[1] but 3 in y.shape[2]",
               "Keras computes 'abcde,aebf->adbcf' with reshapes and tf.matmul"});
}

TEST(KerasOpsEinsum, MatmulFormValuesAreNumpyBroadcasting) {
  std::vector<double> x = {1, 2, 3, 4};       // (1,1,2,2): a=1, b=1, c=2, d=2
  std::vector<double> y = {1, 0, 0, 1, 2, 2}; // (3,1,2,1): a=3, b=1, d=2, e=1
  std::vector<double> values =
      einsumValues("abcd,abde->abce", {f64({1, 1, 2, 2}, x), f64({3, 1, 2, 1}, y)}, kKeras);
  // out[a,0,c,0] = sum_d x[0,0,c,d] * y[a,0,d,0]
  EXPECT_EQ(values, (std::vector<double>{1, 3, 2, 4, 6, 14}));
}

} // namespace
} // namespace einjit
