// driver/CallOperands.h: what a call takes before shapes are known, as `einjit run` checks its
// files against it.
#include "driver/CallOperands.h"

#include "TestSupport.h"

namespace einjit::driver {
namespace {

TEST(CallOperands, NamedOperandsOncePerName) {
  CallOperands batchDot = callOperands("K.batch_dot(x, y, axes=[2, 1])");
  EXPECT_EQ(batchDot.function, "K.batch_dot");
  EXPECT_EQ(batchDot.names, (std::vector<std::string>{"x", "y"}));
  EXPECT_FALSE(batchDot.countFromInputs);
  CallOperands square = callOperands("a @ a");
  EXPECT_EQ(square.names, (std::vector<std::string>{"a"}));
  EXPECT_FALSE(callOperands("np.einsum('ij,jk', a, b)").countFromInputs);
}

TEST(CallOperands, ABareEinsumCountsItsInputs) {
  CallOperands bare = callOperands("ij,jk,kl->il");
  EXPECT_EQ(bare.function, "np.einsum");
  EXPECT_TRUE(bare.countFromInputs);
}

TEST(CallOperands, TheParsersErrors) {
  test::expectError([] { callOperands("K.batch_dot(x, y"); }, ErrorKind::Syntax, {});
}

} // namespace
} // namespace einjit::driver
