#include "PackedEdges.h"

#include "einjit/dtype.h"

namespace {

/// Stored elements as the kernel computes with them: f32 and f64 as they are (Same), bf16 and
/// f16 (their 16 bits) widened to f32 exactly and rounded back once (Widened).
template <class T>
struct Same {
  static T widen(T value) { return value; }
  static T narrow(T value) { return value; }
};

template <class Half>
struct Widened {
  static float widen(std::uint16_t bits) { return static_cast<float>(Half::fromBits(bits)); }
  static std::uint16_t narrow(float value) { return Half(value).bits; }
};

template <class Stored, class Computed, class Convert = Same<Computed>>
void packRows(const Stored* source, const std::int64_t* rowOffsets, std::int64_t validRows,
              const std::int64_t* kOffsets, std::int64_t kFrom, std::int64_t kc, std::int64_t width,
              Computed* panel) {
  for (std::int64_t r = 0; r < width; ++r) {
    if (r >= validRows) {
      for (std::int64_t k = kFrom; k < kc; ++k)
        panel[k * width + r] = Computed(0);
      continue;
    }
    const Stored* row = source + rowOffsets[r];
    for (std::int64_t k = kFrom; k < kc; ++k)
      panel[k * width + r] = Convert::widen(row[kOffsets[k]]);
  }
}

template <class Stored, class Computed, class Convert = Same<Computed>>
void storeTile(const Computed* tile, std::int64_t tileColumns, Stored* out,
               const std::int64_t* rowOffsets, const std::int64_t* columnOffsets, std::int64_t rows,
               std::int64_t columns, Computed alpha, Computed beta, bool overwrite) {
  for (std::int64_t r = 0; r < rows; ++r) {
    Stored* row = out + rowOffsets[r];
    const Computed* values = tile + r * tileColumns;
    if (overwrite) {
      for (std::int64_t c = 0; c < columns; ++c)
        row[columnOffsets[c]] = Convert::narrow(alpha * values[c]);
    } else {
      for (std::int64_t c = 0; c < columns; ++c)
        row[columnOffsets[c]] =
            Convert::narrow(alpha * values[c] + beta * Convert::widen(row[columnOffsets[c]]));
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

void einjit_rt_pack_rows_bf16(const std::uint16_t* source, const std::int64_t* rowOffsets,
                              std::int64_t validRows, const std::int64_t* kOffsets,
                              std::int64_t kFrom, std::int64_t kc, std::int64_t width,
                              float* panel) noexcept {
  packRows<std::uint16_t, float, Widened<einjit::bfloat16>>(source, rowOffsets, validRows, kOffsets,
                                                            kFrom, kc, width, panel);
}

void einjit_rt_pack_rows_f16(const std::uint16_t* source, const std::int64_t* rowOffsets,
                             std::int64_t validRows, const std::int64_t* kOffsets,
                             std::int64_t kFrom, std::int64_t kc, std::int64_t width,
                             float* panel) noexcept {
  packRows<std::uint16_t, float, Widened<einjit::float16>>(source, rowOffsets, validRows, kOffsets,
                                                           kFrom, kc, width, panel);
}

void einjit_rt_pack_pairs_bf16(const std::uint16_t* source, const std::int64_t* rowOffsets,
                               std::int64_t validRows, const std::int64_t* kOffsets,
                               std::int64_t kFrom, std::int64_t kc, std::int64_t width,
                               std::uint16_t* panel) noexcept {
  for (std::int64_t r = 0; r < width; ++r) {
    const std::uint16_t* row = r < validRows ? source + rowOffsets[r] : nullptr;
    for (std::int64_t k = kFrom; k < kc + (kc & 1); ++k)
      panel[((k >> 1) * width + r) * 2 + (k & 1)] = row && k < kc ? row[kOffsets[k]] : 0;
  }
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

void einjit_rt_store_tile_bf16(const float* tile, std::int64_t tileColumns, std::uint16_t* out,
                               const std::int64_t* rowOffsets, const std::int64_t* columnOffsets,
                               std::int64_t rows, std::int64_t columns, float alpha, float beta,
                               std::int32_t overwrite) noexcept {
  storeTile<std::uint16_t, float, Widened<einjit::bfloat16>>(tile, tileColumns, out, rowOffsets,
                                                             columnOffsets, rows, columns, alpha,
                                                             beta, overwrite != 0);
}

void einjit_rt_store_tile_f16(const float* tile, std::int64_t tileColumns, std::uint16_t* out,
                              const std::int64_t* rowOffsets, const std::int64_t* columnOffsets,
                              std::int64_t rows, std::int64_t columns, float alpha, float beta,
                              std::int32_t overwrite) noexcept {
  storeTile<std::uint16_t, float, Widened<einjit::float16>>(tile, tileColumns, out, rowOffsets,
                                                            columnOffsets, rows, columns, alpha,
                                                            beta, overwrite != 0);
}
