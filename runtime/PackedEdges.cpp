#include "PackedEdges.h"

namespace {

template <class T>
void packRows(const T* source, const std::int64_t* rowOffsets, std::int64_t validRows,
              const std::int64_t* kOffsets, std::int64_t kFrom, std::int64_t kc, std::int64_t width,
              T* panel) {
  for (std::int64_t r = 0; r < width; ++r) {
    if (r >= validRows) {
      for (std::int64_t k = kFrom; k < kc; ++k)
        panel[k * width + r] = T(0);
      continue;
    }
    const T* row = source + rowOffsets[r];
    for (std::int64_t k = kFrom; k < kc; ++k)
      panel[k * width + r] = row[kOffsets[k]];
  }
}

template <class T>
void storeTile(const T* tile, std::int64_t tileColumns, T* out, const std::int64_t* rowOffsets,
               const std::int64_t* columnOffsets, std::int64_t rows, std::int64_t columns, T alpha,
               T beta, bool overwrite) {
  for (std::int64_t r = 0; r < rows; ++r) {
    T* row = out + rowOffsets[r];
    const T* values = tile + r * tileColumns;
    if (overwrite) {
      for (std::int64_t c = 0; c < columns; ++c)
        row[columnOffsets[c]] = alpha * values[c];
    } else {
      for (std::int64_t c = 0; c < columns; ++c)
        row[columnOffsets[c]] = alpha * values[c] + beta * row[columnOffsets[c]];
    }
  }
}

} // namespace

void einjit_rt_pack_rows_f32(const float* source, const std::int64_t* rowOffsets,
                             std::int64_t validRows, const std::int64_t* kOffsets,
                             std::int64_t kFrom, std::int64_t kc, std::int64_t width,
                             float* panel) noexcept {
  packRows(source, rowOffsets, validRows, kOffsets, kFrom, kc, width, panel);
}

void einjit_rt_pack_rows_f64(const double* source, const std::int64_t* rowOffsets,
                             std::int64_t validRows, const std::int64_t* kOffsets,
                             std::int64_t kFrom, std::int64_t kc, std::int64_t width,
                             double* panel) noexcept {
  packRows(source, rowOffsets, validRows, kOffsets, kFrom, kc, width, panel);
}

void einjit_rt_store_tile_f32(const float* tile, std::int64_t tileColumns, float* out,
                              const std::int64_t* rowOffsets, const std::int64_t* columnOffsets,
                              std::int64_t rows, std::int64_t columns, float alpha, float beta,
                              std::int32_t overwrite) noexcept {
  storeTile(tile, tileColumns, out, rowOffsets, columnOffsets, rows, columns, alpha, beta,
            overwrite != 0);
}

void einjit_rt_store_tile_f64(const double* tile, std::int64_t tileColumns, double* out,
                              const std::int64_t* rowOffsets, const std::int64_t* columnOffsets,
                              std::int64_t rows, std::int64_t columns, double alpha, double beta,
                              std::int32_t overwrite) noexcept {
  storeTile(tile, tileColumns, out, rowOffsets, columnOffsets, rows, columns, alpha, beta,
            overwrite != 0);
}
