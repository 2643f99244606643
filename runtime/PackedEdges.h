// The packed kernel's edge work, compiled once here rather than JIT-compiled into every kernel:
// rows of a micro-panel that cannot be copied as vectors, and output tiles that cannot be
// stored straight from the registers. Both are element loops that run on a few edges of a
// product, so they need no code of their own per shape; moving them out of the kernel module
// takes about a fifth off a packed kernel's compile time. No LLVM here: kernels compiled ahead of
// time link it too.
//
// Offsets are in elements, read through the kernel's offset tables (a row's or a K index's
// position in its tensor), so any stride or permutation is handled.
#pragma once

#include <cstdint>

extern "C" {
/// Rows [0, width) of one micro-panel for K indices [kFrom, kc): panel[k * width + r] =
/// source[rowOffsets[r] + kOffsets[k]] for r < validRows, and 0 for the padding rows beyond
/// (never read).
void einjit_rt_pack_rows_f32(const float* source, const std::int64_t* rowOffsets,
                             std::int64_t validRows, const std::int64_t* kOffsets,
                             std::int64_t kFrom, std::int64_t kc, std::int64_t width,
                             float* panel) noexcept;
void einjit_rt_pack_rows_f64(const double* source, const std::int64_t* rowOffsets,
                             std::int64_t validRows, const std::int64_t* kOffsets,
                             std::int64_t kFrom, std::int64_t kc, std::int64_t width,
                             double* panel) noexcept;
/// The same from a bf16 or f16 source (16-bit storage, einjit/dtype.h) into an f32 panel, each
/// value widened exactly.
void einjit_rt_pack_rows_bf16(const std::uint16_t* source, const std::int64_t* rowOffsets,
                              std::int64_t validRows, const std::int64_t* kOffsets,
                              std::int64_t kFrom, std::int64_t kc, std::int64_t width,
                              float* panel) noexcept;
void einjit_rt_pack_rows_f16(const std::uint16_t* source, const std::int64_t* rowOffsets,
                             std::int64_t validRows, const std::int64_t* kOffsets,
                             std::int64_t kFrom, std::int64_t kc, std::int64_t width,
                             float* panel) noexcept;
/// Rows [0, width) of one bf16 K-pair micro-panel (the AVX512-BF16 dot-product kernel's layout)
/// for K indices [kFrom, kc), kFrom even: the pair of K indices 2p, 2p + 1 of row r is the two
/// bf16 at panel[(p * width + r) * 2], lower K first; K index kc when kc is odd, and the padding
/// rows beyond validRows, are zero.
void einjit_rt_pack_pairs_bf16(const std::uint16_t* source, const std::int64_t* rowOffsets,
                               std::int64_t validRows, const std::int64_t* kOffsets,
                               std::int64_t kFrom, std::int64_t kc, std::int64_t width,
                               std::uint16_t* panel) noexcept;

/// Stores rows × columns of a register tile spilled to `tile` (tileColumns per row) at
/// out[rowOffsets[r] + columnOffsets[c]]: alpha * tile when `overwrite` (out not read), else
/// alpha * tile + beta * out.
void einjit_rt_store_tile_f32(const float* tile, std::int64_t tileColumns, float* out,
                              const std::int64_t* rowOffsets, const std::int64_t* columnOffsets,
                              std::int64_t rows, std::int64_t columns, float alpha, float beta,
                              std::int32_t overwrite) noexcept;
void einjit_rt_store_tile_f64(const double* tile, std::int64_t tileColumns, double* out,
                              const std::int64_t* rowOffsets, const std::int64_t* columnOffsets,
                              std::int64_t rows, std::int64_t columns, double alpha, double beta,
                              std::int32_t overwrite) noexcept;
/// The same from an f32 tile into a bf16 or f16 out: alpha * tile (+ beta * out) computed in f32
/// and rounded once, to nearest even.
void einjit_rt_store_tile_bf16(const float* tile, std::int64_t tileColumns, std::uint16_t* out,
                               const std::int64_t* rowOffsets, const std::int64_t* columnOffsets,
                               std::int64_t rows, std::int64_t columns, float alpha, float beta,
                               std::int32_t overwrite) noexcept;
void einjit_rt_store_tile_f16(const float* tile, std::int64_t tileColumns, std::uint16_t* out,
                              const std::int64_t* rowOffsets, const std::int64_t* columnOffsets,
                              std::int64_t rows, std::int64_t columns, float alpha, float beta,
                              std::int32_t overwrite) noexcept;
}
