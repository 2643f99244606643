// einjit::bfloat16 and einjit::float16 (dtype.h): exact widening, and rounding to nearest even
// checked against the values themselves: every pair of neighbours, their midpoint (a tie, exact
// in float) and the floats just either side of it.
#include "einjit/dtype.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace einjit {
namespace {

template <class Half>
bool isNaNBits(std::uint16_t bits);
template <>
bool isNaNBits<float16>(std::uint16_t bits) {
  return (bits & 0x7c00u) == 0x7c00u && (bits & 0x3ffu) != 0;
}
template <>
bool isNaNBits<bfloat16>(std::uint16_t bits) {
  return (bits & 0x7f80u) == 0x7f80u && (bits & 0x7fu) != 0;
}

template <class Half>
void expectExactRoundTrips() {
  for (std::uint32_t bits = 0; bits <= 0xffffu; ++bits) {
    auto h = static_cast<std::uint16_t>(bits);
    float widened = static_cast<float>(Half::fromBits(h));
    if (isNaNBits<Half>(h)) {
      EXPECT_TRUE(std::isnan(widened)) << bits;
      EXPECT_TRUE(isNaNBits<Half>(Half(widened).bits)) << bits;
      continue;
    }
    ASSERT_EQ(Half(widened).bits, h) << "bits " << bits << " widen to " << widened;
  }
}

/// Finite non-negative neighbours a < b: the midpoint goes to the one with an even last bit,
/// anything nearer to a side goes to that side; the same mirrored for negatives.
template <class Half>
void expectRoundToNearestEven(std::uint16_t infinity) {
  for (std::uint16_t low = 0; low + 1 < infinity; ++low) {
    auto high = static_cast<std::uint16_t>(low + 1);
    for (std::uint16_t sign : {std::uint16_t{0}, std::uint16_t{0x8000}}) {
      float a = static_cast<float>(Half::fromBits(static_cast<std::uint16_t>(low | sign)));
      float b = static_cast<float>(Half::fromBits(static_cast<std::uint16_t>(high | sign)));
      // Exact: b - a is one unit of the 16-bit type, which float holds with bits to spare.
      float middle = a + (b - a) / 2;
      std::uint16_t even = (low & 1u) == 0 ? low : high;
      ASSERT_EQ(Half(middle).bits, even | sign) << a << " .. " << b;
      ASSERT_EQ(Half(std::nextafter(middle, a)).bits, low | sign) << a << " .. " << b;
      ASSERT_EQ(Half(std::nextafter(middle, b)).bits, high | sign) << a << " .. " << b;
    }
  }
}

TEST(HalfPrecision, Float16WidensExactlyAndRoundTripsEveryValue) {
  expectExactRoundTrips<float16>();
  EXPECT_EQ(static_cast<float>(float16::fromBits(0x3c00)), 1.0f);
  EXPECT_EQ(static_cast<float>(float16::fromBits(0x0001)), 0x1p-24f); // smallest subnormal
  EXPECT_EQ(static_cast<float>(float16::fromBits(0x7bff)), 65504.0f);
  EXPECT_EQ(static_cast<float>(float16::fromBits(0xfc00)), -std::numeric_limits<float>::infinity());
}

TEST(HalfPrecision, Float16RoundsToNearestEvenThroughSubnormalsAndOverflow) {
  expectRoundToNearestEven<float16>(0x7c00);
  EXPECT_EQ(float16(65519.0f).bits, 0x7bff);
  EXPECT_EQ(float16(65520.0f).bits, 0x7c00); // the tie above 65504 goes to infinity (even)
  EXPECT_EQ(float16(-1e30f).bits, 0xfc00);
  EXPECT_EQ(float16(0x1p-25f).bits, 0x0000); // a tie with zero goes to zero
  EXPECT_EQ(float16(std::nextafter(0x1p-25f, 1.0f)).bits, 0x0001);
  EXPECT_EQ(float16(-0.0f).bits, 0x8000);
  EXPECT_EQ(float16(std::numeric_limits<float>::infinity()).bits, 0x7c00);
  EXPECT_TRUE(isNaNBits<float16>(float16(std::numeric_limits<float>::quiet_NaN()).bits));
  // A signalling NaN whose payload sits below the kept bits stays a NaN.
  EXPECT_TRUE(isNaNBits<float16>(float16(std::bit_cast<float>(0x7f800001u)).bits));
}

TEST(HalfPrecision, Bfloat16WidensExactlyAndRoundTripsEveryValue) {
  expectExactRoundTrips<bfloat16>();
  EXPECT_EQ(static_cast<float>(bfloat16::fromBits(0x3f80)), 1.0f);
  EXPECT_EQ(static_cast<float>(bfloat16::fromBits(0x0001)), 0x1p-133f); // smallest subnormal
}

TEST(HalfPrecision, Bfloat16RoundsToNearestEvenAndKeepsNaN) {
  expectRoundToNearestEven<bfloat16>(0x7f80);
  EXPECT_EQ(bfloat16(std::numeric_limits<float>::max()).bits, 0x7f80); // rounds up to infinity
  EXPECT_EQ(bfloat16(-std::numeric_limits<float>::infinity()).bits, 0xff80);
  EXPECT_EQ(bfloat16(257.0f).bits, bfloat16(256.0f).bits); // a tie to the even 256
  EXPECT_EQ(bfloat16(259.0f).bits, bfloat16(260.0f).bits); // a tie to the even 260
  // NaNs whose payload is all in the dropped bits, which rounding would carry into infinity.
  EXPECT_TRUE(isNaNBits<bfloat16>(bfloat16(std::bit_cast<float>(0x7fffffffu)).bits));
  EXPECT_TRUE(isNaNBits<bfloat16>(bfloat16(std::bit_cast<float>(0xff800001u)).bits));
  EXPECT_EQ(bfloat16(std::bit_cast<float>(0xff800001u)).bits & 0x8000u, 0x8000u);
}

} // namespace
} // namespace einjit
