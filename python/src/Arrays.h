// Python arrays to einjit views and back: numpy arrays are read through numpy's C API, any other
// CPU array through DLPack or the buffer protocol (nanobind), each over the caller's memory with
// strides in elements: a TensorView for an operand, a MutableTensorView for a writable out=;
// results are numpy arrays einjit writes into. No copies either way.
#pragma once

#include "einjit/tensor.h"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <optional>
#include <string>
#include <vector>

namespace einjit::python {

/// A non-numpy input array: read-only access is enough, any strides, any dtype.
using InputArray = nanobind::ndarray<nanobind::ro, nanobind::device::cpu>;
/// A non-numpy `out=` array: written in place, any strides.
using OutputArray = nanobind::ndarray<nanobind::device::cpu>;

/// Loads numpy's C API; called once when the module is imported.
void initNumpy();

/// Views of a sequence of arrays, and what keeps the non-numpy ones readable while they are used.
struct OperandViews {
  std::vector<TensorView> views;
  std::vector<InputArray> imported;
};
/// Views of every array of `sequence` (a list or tuple); TypeError for a non-array or a dtype
/// einjit does not compute (naming it).
OperandViews readInputs(nanobind::handle sequence, const std::string& who);
/// Views of `items[0..count)` when each is a C-contiguous numpy array of one dtype einjit
/// computes (native byte order): the call numpy.einsum makes most; nullopt otherwise.
std::optional<std::vector<TensorView>> readUniformNumpy(PyObject* const* items, Py_ssize_t count);
/// A view of `out` when it is a writable numpy array of `dtype` (any strides of whole elements):
/// what numpy.einsum's out= is in its common call; nullopt otherwise.
std::optional<MutableTensorView> readNumpyOutput(nanobind::handle out, DType dtype);
/// A 0-d numpy array as a numpy scalar, as numpy's functions return it; others unchanged.
nanobind::object scalarIfZeroDim(nanobind::object array);
/// True for an array einjit must not write though its DLPack export does not say so: one of a
/// framework whose arrays are immutable (JAX's, whose type lives in the jax or jaxlib modules).
bool immutableFrameworkArray(nanobind::handle array);
/// A writable view of `out`; TypeError/ValueError as for inputs, and ValueError naming `who`
/// (e.g. "Plan.run out=") when it is read-only: a numpy array whose writeable flag is off, a
/// DLPack export marked read-only, or an immutableFrameworkArray.
MutableTensorView readOutput(nanobind::handle out, OutputArray& imported, const std::string& who);

/// The einjit dtype of a DLPack element type; TypeError naming the type otherwise.
DType dtypeOf(nanobind::dlpack::dtype dtype, const std::string& who);
/// A new C-order numpy array (uninitialised, as numpy.empty) and a view of it in `view`.
nanobind::object newNumpy(DType dtype, const Shape& shape, MutableTensorView& view);
/// A numpy array of ml_dtypes.bfloat16 over the memory of a DLPack array of bfloat16 (torch,
/// JAX; numpy's own DLPack import refuses that dtype), keeping it alive; None for anything else,
/// TypeError naming ml_dtypes without it.
nanobind::object bfloat16FromDLPack(nanobind::handle value);
/// A DLPack capsule of an ml_dtypes.bfloat16 numpy array's memory (numpy exports no
/// bfloat16), keeping the array alive: what its __dlpack__ would return, DLPack 1.0's
/// versioned tensor when the consumer takes it (`versioned`), else the unversioned one.
nanobind::object bfloat16ToDLPack(nanobind::handle value, bool versioned);
/// numpy's name for an einjit dtype ("float32", "complex128", ...).
const char* numpyName(DType dtype);

} // namespace einjit::python
