// The packed kernel's MR × NR micro-kernel run alone (codegen::compileMicroKernel) on every edge
// tile, mv in 1..MR by nv in 1..NR, for f32, f64, bf16 and f16 (f32 panels) and bf16 K-pair
// panels (vdpbf16ps, where the CPU has it), against a reference loop: the tile's valid
// part holds alpha * A·B (+ beta * out on the first K block, + out on later ones) and nothing
// outside it is touched. Small integers, alpha 2 and beta 1/2: every value is exact, so the
// comparison is exact.
#include "JitTestSupport.h"
#include "codegen/Codegen.h"
#include "jit/Jit.h"
#include "jit/ObjectBundle.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace einjit::test {
namespace {

struct Store {
  double alpha;
  double beta;
  bool first;
};

/// Values as the test computes them: float and double as they are, bf16 and f16 widened.
template <class T>
double widen(T value) {
  return static_cast<double>(static_cast<float>(value));
}
template <>
double widen(double value) {
  return value;
}

/// `value` as a T (exact for the test's values).
template <class T>
T narrow(double value) {
  if constexpr (std::is_same_v<T, double>)
    return value;
  else
    return T(static_cast<float>(value));
}

/// The micro-kernel of `dtype` on every edge tile. `Stored` is the output's element type, `Panel`
/// the packed panels' (float for f32 and for bf16/f16 widened to f32, double for f64, the 16
/// bits of bf16 for K-pair panels).
template <class Stored, class Panel>
void expectEveryEdgeTileMatches(DType dtype, bool pairs) {
  passes::LoopOptions options;
  options.strategy = ir::Strategy::Packed;
  options.bf16DotProduct = pairs;
  ir::LoopNest nest = contiguousNest(programOf("ik,kj->ij", {{64, 64}, {64, 64}}, dtype), options);
  ASSERT_TRUE(nest.packed);
  ASSERT_EQ(nest.packed->panels == ir::Panels::Bf16Pairs, pairs);
  const std::int64_t mr = nest.packed->mr;
  const std::int64_t nr = nest.packed->nr();
  std::string object = codegen::compileMicroKernel(nest, codegen::hostTarget(), "micro");
  jit::Jit jit;
  std::shared_ptr<const jit::Kernel> kernel = jit.load(jit::bundleObjects({object}), "micro", 0);
  // The Jit hands out every symbol as a KernelEntry; this one has the micro-kernel's type.
  auto micro =
      reinterpret_cast<codegen::MicroKernelEntry>(reinterpret_cast<void (*)()>(kernel->entry()));
  bool half = isHalfPrecision(dtype);

  // The output: MR rows of NR + 3 columns (a row pitch past the tile), starting with a sentinel
  // so that a write outside the valid part shows.
  const std::int64_t pitch = nr + 3;
  const Stored sentinel = narrow<Stored>(-1000);
  std::vector<std::int64_t> rowOffsets(static_cast<std::size_t>(mr));
  std::vector<std::int64_t> columnOffsets(static_cast<std::size_t>(nr));
  for (std::int64_t r = 0; r < mr; ++r)
    rowOffsets[static_cast<std::size_t>(r)] = r * pitch;
  for (std::int64_t c = 0; c < nr; ++c)
    columnOffsets[static_cast<std::size_t>(c)] = c;
  // Panel value (k, row) of a panel `width` wide: k-major, or K pairs of bf16 (an odd kc's last
  // pair completed by zero).
  auto place = [&](std::vector<Panel>& panel, std::int64_t width, std::int64_t k, std::int64_t row,
                   double value) {
    if constexpr (std::is_same_v<Panel, std::uint16_t>)
      panel[static_cast<std::size_t>(((k / 2) * width + row) * 2 + k % 2)] =
          bfloat16(static_cast<float>(value)).bits;
    else
      panel[static_cast<std::size_t>(k * width + row)] = Panel(value);
  };
  int checked = 0;
  for (std::int64_t kc : {1, 5})
    for (Store store : {Store{2, 0.5, true}, Store{2, 0, true}, Store{2, 0.5, false}})
      for (std::int64_t mv = 1; mv <= mr; ++mv)
        for (std::int64_t nv = 1; nv <= nr; ++nv) {
          // Packed panels: zero past the valid rows and columns, as packing leaves them.
          std::int64_t depth = pairs ? kc + kc % 2 : kc;
          std::vector<Panel> a(static_cast<std::size_t>(depth * mr), Panel(0));
          std::vector<Panel> b(static_cast<std::size_t>(depth * nr), Panel(0));
          std::vector<double> aValue(static_cast<std::size_t>(kc * mr), 0);
          std::vector<double> bValue(static_cast<std::size_t>(kc * nr), 0);
          for (std::int64_t k = 0; k < kc; ++k) {
            for (std::int64_t r = 0; r < mv; ++r) {
              double value = (3 * k + 5 * r + mv) % 7 - 3;
              aValue[static_cast<std::size_t>(k * mr + r)] = value;
              place(a, mr, k, r, value);
            }
            for (std::int64_t c = 0; c < nv; ++c) {
              double value = (2 * k + 3 * c + nv) % 5 - 2;
              bValue[static_cast<std::size_t>(k * nr + c)] = value;
              place(b, nr, k, c, value);
            }
          }
          std::vector<Stored> out(static_cast<std::size_t>(mr * pitch), sentinel);
          std::vector<Stored> expected = out;
          for (std::int64_t r = 0; r < mv; ++r)
            for (std::int64_t c = 0; c < nv; ++c) {
              auto at = static_cast<std::size_t>(r * pitch + c);
              // beta zero on the first block: out is not read, so NaN there must not show.
              bool unread = store.first && store.beta == 0;
              out[at] = narrow<Stored>(unread ? std::numeric_limits<double>::quiet_NaN()
                                              : (r + 2 * c) % 4 - 1);
              double sum = 0;
              for (std::int64_t k = 0; k < kc; ++k)
                sum += aValue[static_cast<std::size_t>(k * mr + r)] *
                       bValue[static_cast<std::size_t>(k * nr + c)];
              double old = unread ? 0 : widen(out[at]);
              // Small integers and halves: exact in every dtype, so no rounding to compare.
              expected[at] =
                  narrow<Stored>(store.alpha * sum + (store.first ? store.beta : 1.0) * old);
            }
          // bf16 and f16 kernels take alpha and beta as f32, the others in their dtype.
          double alpha64 = store.alpha, beta64 = store.beta;
          float alpha32 = static_cast<float>(store.alpha), beta32 = static_cast<float>(store.beta);
          bool single = half || std::is_same_v<Stored, float>;
          micro(a.data(), b.data(), kc, out.data(), rowOffsets.data(), columnOffsets.data(), mv, nv,
                single ? static_cast<const void*>(&alpha32) : &alpha64,
                single ? static_cast<const void*>(&beta32) : &beta64, store.first ? 1 : 0);
          for (std::size_t at = 0; at < out.size(); ++at)
            ASSERT_EQ(widen(out[at]), widen(expected[at]))
                << dtypeName(dtype) << (pairs ? " pairs" : "") << " MR " << mr << " NR " << nr
                << ": tile " << mv << " x " << nv << ", kc " << kc << ", beta " << store.beta
                << ", first " << store.first << ", element " << at / pitch << ", " << at % pitch;
          ++checked;
        }
  EXPECT_EQ(checked, static_cast<int>(2 * 3 * mr * nr));
}

TEST(MicroKernel, EveryEdgeTileF32) {
  expectEveryEdgeTileMatches<float, float>(DType::f32, false);
}

TEST(MicroKernel, EveryEdgeTileF64) {
  expectEveryEdgeTileMatches<double, double>(DType::f64, false);
}

TEST(MicroKernel, EveryEdgeTileOf16BitDtypesWithF32Panels) {
  expectEveryEdgeTileMatches<bfloat16, float>(DType::bf16, false);
  expectEveryEdgeTileMatches<float16, float>(DType::f16, false);
}

TEST(MicroKernel, EveryEdgeTileOfBf16PairPanels) {
  if (!codegen::hostTarget().bf16DotProduct)
    GTEST_SKIP() << "this CPU lacks avx512bf16: the vdpbf16ps micro-kernel does not run here";
  expectEveryEdgeTileMatches<bfloat16, std::uint16_t>(DType::bf16, true);
}

} // namespace
} // namespace einjit::test
