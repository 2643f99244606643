// Python arrays to einjit views and back: any CPU array nanobind can read (DLPack or the buffer
// protocol) becomes a TensorView over the caller's memory, strides in elements, and a Tensor
// einjit computed becomes a numpy array that owns it (no copy either way).
#pragma once

#include "einjit/tensor.h"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <string>

namespace einjit::python {

/// An input array: read-only access is enough, any strides, any dtype (checked in toView).
using InputArray = nanobind::ndarray<nanobind::ro, nanobind::device::cpu>;
/// An `out=` array: written in place, any strides.
using OutputArray = nanobind::ndarray<nanobind::device::cpu>;

/// The einjit dtype of an array's element type; TypeError naming the type otherwise.
DType dtypeOf(nanobind::dlpack::dtype dtype, const std::string& who);
/// A view of the array's memory with its shape and strides (elements).
TensorView toView(const InputArray& array, const std::string& who);
TensorView toView(const OutputArray& array, const std::string& who);
/// A numpy array owning `tensor`'s storage.
nanobind::object toNumpy(Tensor tensor);
/// numpy's name for an einjit dtype ("float32", "complex128", ...).
const char* numpyName(DType dtype);

} // namespace einjit::python
