// einjit::Error: kinds, messages, and the caret rendering of errors that point into text.
#include "einjit/error.h"

#include <gtest/gtest.h>

namespace einjit {
namespace {

TEST(Error, WithoutSourceWhatIsTheMessage) {
  Error error(ErrorKind::Shape, "np.tensordot: shape-mismatch for sum");
  EXPECT_EQ(error.kind(), ErrorKind::Shape);
  EXPECT_EQ(error.message(), "np.tensordot: shape-mismatch for sum");
  EXPECT_EQ(std::string(error.what()), error.message());
  EXPECT_EQ(error.source(), "");
  EXPECT_FALSE(error.span().has_value());
}

TEST(Error, CaretUnderTheSpan) {
  Error error(ErrorKind::Syntax, "einsum: invalid subscript '%'", "i%j->ij", SourceSpan{1, 2});
  EXPECT_EQ(std::string(error.what()), "einsum: invalid subscript '%'\n"
                                       "  i%j->ij\n"
                                       "   ^");
  ASSERT_TRUE(error.span().has_value());
  EXPECT_EQ(error.span()->begin, 1u);
  EXPECT_EQ(error.span()->end, 2u);
  EXPECT_EQ(error.source(), "i%j->ij");
  EXPECT_EQ(error.message(), "einsum: invalid subscript '%'");

  Error wide(ErrorKind::Syntax, "einsum: bad output", "ij,jk->ikk", SourceSpan{7, 10});
  EXPECT_EQ(std::string(wide.what()), "einsum: bad output\n  ij,jk->ikk\n         ^^^");
}

TEST(Error, EmptyOrOutOfRangeSpansStillShowOneCaret) {
  Error empty(ErrorKind::Syntax, "m", "abc", SourceSpan{2, 2});
  EXPECT_EQ(std::string(empty.what()), "m\n  abc\n    ^");
  // An error at the end of the text points just after the last column.
  Error atEnd(ErrorKind::Syntax, "m", "abc", SourceSpan{3, 3});
  EXPECT_EQ(std::string(atEnd.what()), "m\n  abc\n     ^");
}

TEST(Error, RelocatedPointsIntoTheOuterText) {
  Error inner(ErrorKind::Syntax, "einsum: invalid subscript '%'", "i%j", SourceSpan{1, 2});
  Error outer = inner.relocated("np.einsum('i%j', a)", 11);
  EXPECT_EQ(outer.kind(), ErrorKind::Syntax);
  EXPECT_EQ(outer.message(), inner.message());
  EXPECT_EQ(outer.source(), "np.einsum('i%j', a)");
  EXPECT_EQ(outer.span()->begin, 12u);
  EXPECT_EQ(outer.span()->end, 13u);
  EXPECT_EQ(std::string(outer.what()),
            "einsum: invalid subscript '%'\n  np.einsum('i%j', a)\n              ^");

  Error plain(ErrorKind::Shape, "no source");
  Error unchanged = plain.relocated("outer text", 3);
  EXPECT_FALSE(unchanged.span().has_value());
  EXPECT_EQ(std::string(unchanged.what()), "no source");
}

TEST(Error, LongSourceShowsAWindowAroundTheSpan) {
  std::string text = std::string(500, 'a') + "%" + std::string(500, 'b');
  Error error(ErrorKind::Syntax, "bad", text, SourceSpan{500, 501});
  std::string expected = "bad\n  ..." + std::string(60, 'a') + "%" + std::string(60, 'b') +
                         "...\n  " + std::string(63, ' ') + "^\n  (column 501 of 1001)";
  EXPECT_EQ(std::string(error.what()), expected);
  EXPECT_EQ(error.source(), text); // whole, for callers that show it themselves
  // Near the start there is nothing to elide before the span.
  Error early(ErrorKind::Syntax, "bad", text, SourceSpan{2, 4});
  EXPECT_EQ(std::string(early.what()),
            "bad\n  " + std::string(64, 'a') + "...\n    ^^\n  " + "(column 3 of 1001)");
}

TEST(Error, IsAStdException) {
  try {
    throw Error(ErrorKind::Io, "readNpy: x.npy: cannot open");
  } catch (const std::exception& error) {
    EXPECT_STREQ(error.what(), "readNpy: x.npy: cannot open");
  }
}

TEST(Error, KindNames) {
  EXPECT_EQ(errorKindName(ErrorKind::Syntax), "syntax");
  EXPECT_EQ(errorKindName(ErrorKind::Shape), "shape");
  EXPECT_EQ(errorKindName(ErrorKind::Axis), "axis");
  EXPECT_EQ(errorKindName(ErrorKind::Arity), "arity");
  EXPECT_EQ(errorKindName(ErrorKind::Argument), "argument");
  EXPECT_EQ(errorKindName(ErrorKind::Io), "io");
  EXPECT_EQ(errorKindName(ErrorKind::Misuse), "misuse");
  EXPECT_EQ(errorKindName(ErrorKind::Unsupported), "unsupported");
  EXPECT_EQ(errorKindName(ErrorKind::Internal), "internal");
  EXPECT_EQ(errorKindName(ErrorKind::Resource), "resource");
}

} // namespace
} // namespace einjit
