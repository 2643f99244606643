// Reading and writing numpy .npy files (format versions 1.0–3.0, little-endian, C or Fortran
// order).
#pragma once

#include "einjit/tensor.h"

#include <string>

namespace einjit {

/// Reads a .npy file of dtype <f4 <f8 <i4 <i8 <c8 <c16 <f2 (f16), or <V2 (bf16: what np.save
/// writes for an ml_dtypes.bfloat16 array; numpy has no bfloat16, so any 2-byte void array is
/// read as bf16) (also '|' or '=' byte order where it means little-endian). Fortran-order files
/// keep their layout (Tensor::Order::F). Throws Error(Io) naming the file and what is wrong:
/// missing, truncated, bad magic or header, unsupported dtype, big-endian data. The data the header
/// declares is checked against the file's size, then against limits::memoryBytes()
/// (Error(Resource)), before anything of that size is allocated; so are headers past
/// limits::maxNpyHeaderBytes and ranks past the limit.
Tensor readNpy(const std::string& path);
/// Parses a .npy image held in memory; `what` names it in error messages.
Tensor parseNpy(const std::string& bytes, const std::string& what);
/// Writes a view (any strides) as a C-order .npy file: f16 as <f2, bf16 as <V2 like ml_dtypes
/// (np.load(path).view(ml_dtypes.bfloat16) reads it back). Throws Error(Io) on failure.
void writeNpy(const std::string& path, const TensorView& tensor);
/// The .npy image of a view, as writeNpy would write it.
std::string formatNpy(const TensorView& tensor);

} // namespace einjit
