// The packed kernel's MR × NR micro-kernel run alone (codegen::compileMicroKernel) on every edge
// tile, mv in 1..MR by nv in 1..NR, for f32 and f64, against a reference loop: the tile's valid
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

template <class T>
void expectEveryEdgeTileMatches(DType dtype) {
  passes::LoopOptions options;
  options.strategy = ir::Strategy::Packed;
  ir::LoopNest nest = contiguousNest(programOf("ik,kj->ij", {{64, 64}, {64, 64}}, dtype), options);
  ASSERT_TRUE(nest.packed);
  const std::int64_t mr = nest.packed->mr;
  const std::int64_t nr = nest.packed->nr();
  std::string object = codegen::compileMicroKernel(nest, codegen::hostTarget(), "micro");
  jit::Jit jit;
  std::shared_ptr<const jit::Kernel> kernel = jit.load(jit::bundleObjects({object}), "micro", 0);
  // The Jit hands out every symbol as a KernelEntry; this one has the micro-kernel's type.
  auto micro =
      reinterpret_cast<codegen::MicroKernelEntry>(reinterpret_cast<void (*)()>(kernel->entry()));

  // The output: MR rows of NR + 3 columns (a row pitch past the tile), starting with a sentinel
  // so that a write outside the valid part shows.
  const std::int64_t pitch = nr + 3;
  const T sentinel = T(-1000);
  std::vector<std::int64_t> rowOffsets(static_cast<std::size_t>(mr));
  std::vector<std::int64_t> columnOffsets(static_cast<std::size_t>(nr));
  for (std::int64_t r = 0; r < mr; ++r)
    rowOffsets[static_cast<std::size_t>(r)] = r * pitch;
  for (std::int64_t c = 0; c < nr; ++c)
    columnOffsets[static_cast<std::size_t>(c)] = c;
  int checked = 0;
  for (std::int64_t kc : {1, 5})
    for (Store store : {Store{2, 0.5, true}, Store{2, 0, true}, Store{2, 0.5, false}})
      for (std::int64_t mv = 1; mv <= mr; ++mv)
        for (std::int64_t nv = 1; nv <= nr; ++nv) {
          // Packed panels: zero past the valid rows and columns, as packing leaves them.
          std::vector<T> a(static_cast<std::size_t>(kc * mr), T(0));
          std::vector<T> b(static_cast<std::size_t>(kc * nr), T(0));
          for (std::int64_t k = 0; k < kc; ++k) {
            for (std::int64_t r = 0; r < mv; ++r)
              a[static_cast<std::size_t>(k * mr + r)] = T((3 * k + 5 * r + mv) % 7 - 3);
            for (std::int64_t c = 0; c < nv; ++c)
              b[static_cast<std::size_t>(k * nr + c)] = T((2 * k + 3 * c + nv) % 5 - 2);
          }
          std::vector<T> out(static_cast<std::size_t>(mr * pitch), sentinel);
          std::vector<T> expected = out;
          for (std::int64_t r = 0; r < mv; ++r)
            for (std::int64_t c = 0; c < nv; ++c) {
              auto at = static_cast<std::size_t>(r * pitch + c);
              // beta zero on the first block: out is not read, so NaN there must not show.
              bool unread = store.first && store.beta == 0;
              out[at] = unread ? std::numeric_limits<T>::quiet_NaN() : T((r + 2 * c) % 4 - 1);
              double sum = 0;
              for (std::int64_t k = 0; k < kc; ++k)
                sum += double(a[static_cast<std::size_t>(k * mr + r)]) *
                       double(b[static_cast<std::size_t>(k * nr + c)]);
              double old = unread ? 0 : double(out[at]);
              expected[at] = T(store.alpha * sum + (store.first ? store.beta : 1.0) * old);
            }
          T alpha = T(store.alpha);
          T beta = T(store.beta);
          micro(a.data(), b.data(), kc, out.data(), rowOffsets.data(), columnOffsets.data(), mv, nv,
                &alpha, &beta, store.first ? 1 : 0);
          for (std::size_t at = 0; at < out.size(); ++at)
            ASSERT_EQ(out[at], expected[at])
                << dtypeName(dtype) << " MR " << mr << " NR " << nr << ": tile " << mv << " x "
                << nv << ", kc " << kc << ", beta " << store.beta << ", first " << store.first
                << ", element " << at / pitch << ", " << at % pitch;
          ++checked;
        }
  EXPECT_EQ(checked, static_cast<int>(2 * 3 * mr * nr));
}

TEST(MicroKernel, EveryEdgeTileF32) {
  expectEveryEdgeTileMatches<float>(DType::f32);
}

TEST(MicroKernel, EveryEdgeTileF64) {
  expectEveryEdgeTileMatches<double>(DType::f64);
}

} // namespace
} // namespace einjit::test
