// The packed kernel's precompiled helpers: offset tables, edge panels and edge tiles.
#include "OffsetTable.h"
#include "PackedEdges.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace einjit {
namespace {

TEST(OffsetTable, MixedRadixWithTheLastLabelFastest) {
  // Labels of extents 2, 3, 4 with strides 1, 100, 10.
  const std::int64_t extents[] = {2, 3, 4};
  const std::int64_t strides[] = {1, 100, 10};
  std::vector<std::int64_t> table(24, -1);
  einjit_rt_fill_offsets(table.data(), 3, extents, strides);
  for (std::int64_t i = 0; i < 24; ++i)
    EXPECT_EQ(table[static_cast<std::size_t>(i)], (i / 12) * 1 + (i / 4 % 3) * 100 + (i % 4) * 10)
        << "index " << i;
}

TEST(OffsetTable, OneLabelAndNoLabel) {
  const std::int64_t extent[] = {5};
  const std::int64_t stride[] = {-3};
  std::vector<std::int64_t> table(6, -1);
  einjit_rt_fill_offsets(table.data(), 1, extent, stride);
  EXPECT_EQ(table, (std::vector<std::int64_t>{0, -3, -6, -9, -12, -1}));
  std::int64_t single = -1;
  einjit_rt_fill_offsets(&single, 0, nullptr, nullptr);
  EXPECT_EQ(single, 0);
}

TEST(PackedEdges, PackRowsCopiesThroughTheTablesAndZeroesPadding) {
  // A 3 x 5 source with row stride 5; a panel of width 4 with 3 valid rows, K from 1 to 4.
  std::vector<float> source(15);
  for (std::size_t i = 0; i < source.size(); ++i)
    source[i] = static_cast<float>(i + 1);
  const std::int64_t rows[] = {10, 0, 5};
  const std::int64_t ks[] = {0, 1, 2, 3, 4};
  std::vector<float> panel(4 * 5, -7.0f);
  einjit_rt_pack_rows_f32(source.data(), rows, 3, ks, 1, 4, 4, panel.data());
  for (std::int64_t k = 0; k < 5; ++k)
    for (std::int64_t r = 0; r < 4; ++r) {
      float expected = -7.0f; // K index 0 and 4 are not the call's
      if (k >= 1 && k < 4)
        expected = r < 3 ? source[static_cast<std::size_t>(rows[r] + ks[k])] : 0.0f;
      EXPECT_EQ(panel[static_cast<std::size_t>(k * 4 + r)], expected) << "k " << k << " r " << r;
    }
}

TEST(PackedEdges, StoreTileOverwritesOrUpdatesOnlyItsElements) {
  // A 2 x 3 tile (4 columns per row) into out with rows at 0 and 10, columns at 1, 3, 5.
  const double tile[] = {1, 2, 3, 99, 4, 5, 6, 99};
  const std::int64_t rows[] = {0, 10};
  const std::int64_t columns[] = {1, 3, 5};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> out(16, nan);
  einjit_rt_store_tile_f64(tile, 4, out.data(), rows, columns, 2, 3, 2.0, 0.0, 1);
  EXPECT_EQ(out[1], 2.0);
  EXPECT_EQ(out[5], 6.0);
  EXPECT_EQ(out[15], 12.0);
  std::size_t written = 0;
  for (double value : out)
    written += value == value;
  EXPECT_EQ(written, 6u) << "only the tile's six elements are written, none read";

  std::vector<float> target(16, 1.0f);
  const float single[] = {1, 2, 3, 99, 4, 5, 6, 99};
  einjit_rt_store_tile_f32(single, 4, target.data(), rows, columns, 2, 3, 2.0f, 0.5f, 0);
  EXPECT_EQ(target[3], 4.5f);
  EXPECT_EQ(target[13], 10.5f);
  EXPECT_EQ(target[0], 1.0f);
}

} // namespace
} // namespace einjit
