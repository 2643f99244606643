#include "Arrays.h"

// numpy's C API in this file only (its function table is static here).
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

namespace nb = nanobind;

namespace einjit::python {

namespace {

std::string dlpackName(nb::dlpack::dtype dtype) {
  using Code = nb::dlpack::dtype_code;
  std::string bits = std::to_string(dtype.bits);
  switch (static_cast<Code>(dtype.code)) {
  case Code::Int:
    return "int" + bits;
  case Code::UInt:
    return "uint" + bits;
  case Code::Float:
    return "float" + bits;
  case Code::Bfloat:
    return "bfloat" + bits;
  case Code::Complex:
    return "complex" + bits;
  case Code::Bool:
    return "bool";
  default:
    return "a dtype of DLPack code " + std::to_string(dtype.code) + " and " + bits + " bits";
  }
}

/// What every refusal of a dtype opens with (tests match "einjit computes").
constexpr const char* kComputes = ": einjit computes float32, float64, int32, int64, complex64, "
                                  "complex128, float16 and bfloat16 (ml_dtypes), not ";

/// A TensorView of an InputArray, a MutableTensorView of an OutputArray (whose data() is not
/// const).
template <class View, class Array>
View viewOf(const Array& array, const std::string& who) {
  DType dtype = dtypeOf(array.dtype(), who);
  Shape shape(array.ndim());
  Strides strides(array.ndim());
  for (std::size_t d = 0; d < array.ndim(); ++d) {
    shape[d] = static_cast<std::int64_t>(array.shape(d));
    strides[d] = array.stride(d);
  }
  return View(array.data(), dtype, std::move(shape), std::move(strides));
}

/// ml_dtypes.bfloat16 (the scalar type numpy's descriptor names), looked up once ml_dtypes is
/// imported (`import` = true imports it); nullptr without it. The package stays optional.
PyObject* bfloat16Type(bool import) {
  static PyObject* type = nullptr; // kept for the life of the process, as the module is
  if (type)
    return type;
  nb::str name("ml_dtypes");
  PyObject* module = import ? PyImport_Import(name.ptr()) : PyImport_GetModule(name.ptr());
  if (module) {
    type = PyObject_GetAttrString(module, "bfloat16");
    Py_DECREF(module);
  }
  if (!type)
    PyErr_Clear();
  return type;
}

bool isBfloat16(PyArray_Descr* descr) {
  // An array of ml_dtypes.bfloat16 exists only once ml_dtypes is imported.
  return PyDataType_ELSIZE(descr) == 2 &&
         reinterpret_cast<PyObject*>(descr->typeobj) == bfloat16Type(false);
}

std::optional<DType> numpyDType(PyArrayObject* array) {
  PyArray_Descr* descr = PyArray_DESCR(array);
  if (!PyArray_ISNOTSWAPPED(array))
    return std::nullopt;
  npy_intp size = PyArray_ITEMSIZE(array);
  switch (descr->kind) {
  case 'f':
    if (size == 2) // numpy's float16 only: a user dtype of kind 'f' may be another format
      return descr->type_num == NPY_HALF ? std::optional(DType::f16) : std::nullopt;
    return size == 4   ? std::optional(DType::f32)
           : size == 8 ? std::optional(DType::f64)
                       : std::nullopt;
  case 'i':
    return size == 4   ? std::optional(DType::i32)
           : size == 8 ? std::optional(DType::i64)
                       : std::nullopt;
  case 'c':
    return size == 8    ? std::optional(DType::c64)
           : size == 16 ? std::optional(DType::c128)
                        : std::nullopt;
  case 'V': // ml_dtypes' dtypes are of kind 'V'
    return isBfloat16(descr) ? std::optional(DType::bf16) : std::nullopt;
  default:
    return std::nullopt;
  }
}

/// A view of a numpy array (a MutableTensorView only of a writeable one), or TypeError naming
/// its dtype.
template <class View>
View numpyView(PyArrayObject* array, const std::string& who) {
  std::optional<DType> dtype = numpyDType(array);
  if (!dtype) {
    nb::object name = nb::str(nb::handle(reinterpret_cast<PyObject*>(PyArray_DESCR(array))));
    throw nb::type_error(
        (who + kComputes + std::string(nb::borrow<nb::str>(name).c_str())).c_str());
  }
  int rank = PyArray_NDIM(array);
  npy_intp itemsize = PyArray_ITEMSIZE(array);
  Shape shape(rank);
  Strides strides(rank);
  for (int d = 0; d < rank; ++d) {
    shape[d] = PyArray_DIM(array, d);
    npy_intp bytes = PyArray_STRIDE(array, d);
    if (bytes % itemsize != 0)
      throw nb::value_error((who + ": an array whose strides are not whole elements (a field "
                                   "of a structured array?) cannot be read in place")
                                .c_str());
    strides[d] = bytes / itemsize;
  }
  return View(PyArray_DATA(array), *dtype, std::move(shape), std::move(strides));
}

} // namespace

void initNumpy() {
  if (_import_array() < 0)
    throw nb::python_error();
}

OperandViews readInputs(nb::handle sequence, const std::string& who) {
  PyObject* items = PySequence_Fast(sequence.ptr(), "the operands must be a list or tuple");
  if (!items)
    throw nb::python_error();
  nb::object owner = nb::steal(items);
  Py_ssize_t count = PySequence_Fast_GET_SIZE(items);
  OperandViews result;
  result.views.reserve(count);
  for (Py_ssize_t i = 0; i < count; ++i) {
    PyObject* item = PySequence_Fast_GET_ITEM(items, i);
    if (PyArray_Check(item)) {
      result.views.push_back(numpyView<TensorView>(reinterpret_cast<PyArrayObject*>(item), who));
      continue;
    }
    InputArray imported;
    if (!nb::try_cast(nb::handle(item), imported))
      throw nb::type_error((who + ": operand " + std::to_string(i) + " is not an array (" +
                            std::string(Py_TYPE(item)->tp_name) + ")")
                               .c_str());
    result.views.push_back(viewOf<TensorView>(imported, who));
    result.imported.push_back(std::move(imported));
  }
  return result;
}

std::optional<std::vector<TensorView>> readUniformNumpy(PyObject* const* items, Py_ssize_t count) {
  if (count <= 0)
    return std::nullopt;
  std::vector<TensorView> views;
  views.reserve(count);
  std::optional<DType> first;
  for (Py_ssize_t i = 0; i < count; ++i) {
    PyObject* item = items[i];
    if (!PyArray_CheckExact(item))
      return std::nullopt;
    auto* array = reinterpret_cast<PyArrayObject*>(item);
    // Other layouts take the general path, which lays the result out as numpy's order='K'.
    if (!PyArray_IS_C_CONTIGUOUS(array))
      return std::nullopt;
    std::optional<DType> dtype = numpyDType(array);
    if (!dtype || (first && *dtype != *first))
      return std::nullopt;
    first = dtype;
    npy_intp itemsize = PyArray_ITEMSIZE(array);
    for (int d = 0; d < PyArray_NDIM(array); ++d)
      if (PyArray_STRIDE(array, d) % itemsize != 0)
        return std::nullopt;
    views.push_back(numpyView<TensorView>(array, "einsum"));
  }
  return views;
}

std::optional<MutableTensorView> readNumpyOutput(nb::handle out, DType dtype) {
  if (!PyArray_CheckExact(out.ptr()))
    return std::nullopt;
  auto* array = reinterpret_cast<PyArrayObject*>(out.ptr());
  if (!PyArray_ISWRITEABLE(array) || numpyDType(array) != dtype)
    return std::nullopt;
  npy_intp itemsize = PyArray_ITEMSIZE(array);
  for (int d = 0; d < PyArray_NDIM(array); ++d)
    if (PyArray_STRIDE(array, d) % itemsize != 0)
      return std::nullopt;
  return numpyView<MutableTensorView>(array, "einsum out=");
}

nb::object scalarIfZeroDim(nb::object array) {
  if (!PyArray_Check(array.ptr()) || PyArray_NDIM(reinterpret_cast<PyArrayObject*>(array.ptr())))
    return array;
  return nb::steal(PyArray_Return(reinterpret_cast<PyArrayObject*>(array.release().ptr())));
}

bool immutableFrameworkArray(nb::handle array) {
  nb::object module = nb::getattr(array.type(), "__module__", nb::none());
  if (!nb::isinstance<nb::str>(module))
    return false;
  std::string name = nb::borrow<nb::str>(module).c_str();
  std::string root = name.substr(0, name.find('.'));
  return root == "jax" || root == "jaxlib";
}

MutableTensorView readOutput(nb::handle out, OutputArray& imported, const std::string& who) {
  const std::string readOnly =
      who + ": the output array is read-only; einjit writes the result into out, so it must be "
            "writable";
  // JAX exports its immutable arrays as writable DLPack tensors.
  if (immutableFrameworkArray(out))
    throw nb::value_error(readOnly.c_str());
  if (PyArray_Check(out.ptr())) {
    auto* array = reinterpret_cast<PyArrayObject*>(out.ptr());
    if (!PyArray_ISWRITEABLE(array))
      throw nb::value_error(readOnly.c_str());
    return numpyView<MutableTensorView>(array, who);
  }
  if (!nb::try_cast(out, imported)) {
    // nanobind imports a DLPack export marked read-only (a JAX array's) only as read-only.
    if (InputArray readable; nb::try_cast(out, readable))
      throw nb::value_error(readOnly.c_str());
    throw nb::type_error((who + ": out is not a writable array").c_str());
  }
  return viewOf<MutableTensorView>(imported, who);
}

DType dtypeOf(nb::dlpack::dtype dtype, const std::string& who) {
  using Code = nb::dlpack::dtype_code;
  if (dtype.lanes == 1) {
    auto code = static_cast<Code>(dtype.code);
    if (code == Code::Float && dtype.bits == 32)
      return DType::f32;
    if (code == Code::Float && dtype.bits == 64)
      return DType::f64;
    if (code == Code::Int && dtype.bits == 32)
      return DType::i32;
    if (code == Code::Int && dtype.bits == 64)
      return DType::i64;
    if (code == Code::Complex && dtype.bits == 64)
      return DType::c64;
    if (code == Code::Complex && dtype.bits == 128)
      return DType::c128;
    if (code == Code::Float && dtype.bits == 16)
      return DType::f16;
    if (code == Code::Bfloat && dtype.bits == 16)
      return DType::bf16;
  }
  throw nb::type_error((who + kComputes + dlpackName(dtype)).c_str());
}

nb::object newNumpy(DType dtype, const Shape& shape, MutableTensorView& view) {
  int type = NPY_FLOAT32;
  switch (dtype) {
  case DType::f32:
    type = NPY_FLOAT32;
    break;
  case DType::f64:
    type = NPY_FLOAT64;
    break;
  case DType::i32:
    type = NPY_INT32;
    break;
  case DType::i64:
    type = NPY_INT64;
    break;
  case DType::c64:
    type = NPY_COMPLEX64;
    break;
  case DType::c128:
    type = NPY_COMPLEX128;
    break;
  case DType::f16:
    type = NPY_FLOAT16;
    break;
  case DType::bf16:
    break;
  }
  std::vector<npy_intp> dims(shape.begin(), shape.end());
  PyObject* array = nullptr;
  if (dtype == DType::bf16) { // numpy's bfloat16 is ml_dtypes'
    PyObject* scalar = bfloat16Type(true);
    if (!scalar)
      throw nb::type_error("a bfloat16 result is an ml_dtypes.bfloat16 array: einjit needs the "
                           "ml_dtypes package for it (pip install ml_dtypes)");
    PyArray_Descr* descr = PyArray_DescrFromTypeObject(scalar);
    if (!descr)
      throw nb::python_error();
    array = PyArray_NewFromDescr(&PyArray_Type, descr, static_cast<int>(dims.size()), dims.data(),
                                 nullptr, nullptr, 0, nullptr); // steals descr
  } else {
    array = PyArray_SimpleNew(static_cast<int>(dims.size()), dims.data(), type);
  }
  if (!array)
    throw nb::python_error();
  view = MutableTensorView(PyArray_DATA(reinterpret_cast<PyArrayObject*>(array)), dtype, shape);
  return nb::steal(array);
}

nb::object bfloat16FromDLPack(nb::handle value) {
  if (PyArray_Check(value.ptr()))
    return nb::none();
  auto holder = std::make_unique<InputArray>();
  bool writable = false;
  if (OutputArray array; nb::try_cast(value, array)) {
    *holder = InputArray(array);
    writable = true;
  } else if (!nb::try_cast(value, *holder)) {
    return nb::none();
  }
  nb::dlpack::dtype dtype = holder->dtype();
  if (dtype.code != static_cast<std::uint8_t>(nb::dlpack::dtype_code::Bfloat) || dtype.bits != 16 ||
      dtype.lanes != 1)
    return nb::none();
  PyObject* scalar = bfloat16Type(true);
  if (!scalar)
    throw nb::type_error("a bfloat16 DLPack array is read as an ml_dtypes.bfloat16 numpy array: "
                         "einjit needs the ml_dtypes package for it (pip install ml_dtypes)");
  PyArray_Descr* descr = PyArray_DescrFromTypeObject(scalar);
  if (!descr)
    throw nb::python_error();
  std::vector<npy_intp> dims(holder->ndim()), strides(holder->ndim());
  for (std::size_t d = 0; d < holder->ndim(); ++d) {
    dims[d] = static_cast<npy_intp>(holder->shape(d));
    strides[d] = static_cast<npy_intp>(holder->stride(d) * 2);
  }
  void* data = const_cast<void*>(holder->data());
  // The imported DLPack tensor lives as long as the numpy array: a capsule is its base.
  nb::capsule owner(holder.get(), [](void* p) noexcept { delete static_cast<InputArray*>(p); });
  holder.release();
  PyObject* array =
      PyArray_NewFromDescr(&PyArray_Type, descr, static_cast<int>(dims.size()), dims.data(),
                           strides.data(), data, writable ? NPY_ARRAY_WRITEABLE : 0, nullptr);
  if (!array)
    throw nb::python_error();
  nb::object result = nb::steal(array);
  if (PyArray_SetBaseObject(reinterpret_cast<PyArrayObject*>(array), owner.release().ptr()) < 0)
    throw nb::python_error();
  return result;
}

namespace {

/// DLPack's managed tensors (dlpack.h, by layout: nanobind's headers declare only DLTensor):
/// DLManagedTensor and, from DLPack 1.0, DLManagedTensorVersioned.
struct ManagedTensor {
  nb::dlpack::dltensor tensor;
  void* context;
  void (*deleter)(ManagedTensor*);
};
struct ManagedTensorVersioned {
  std::uint32_t major, minor;
  void* context;
  void (*deleter)(ManagedTensorVersioned*);
  std::uint64_t flags;
  nb::dlpack::dltensor tensor;
};

/// What a managed tensor owns: its shape and strides, and a reference to the numpy array.
struct ExportContext {
  std::vector<std::int64_t> shape, strides;
  PyObject* array;
};

bool finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing();
#else
  return _Py_IsFinalizing();
#endif
}

void releaseExport(ExportContext* context) {
  // A consumer may release the tensor from its own thread (JAX's copy runs on a worker) while
  // the interpreter shuts down: taking the GIL then would end that thread, so the reference is
  // left to the process's end.
  if (Py_IsInitialized() && !finalizing()) {
    PyGILState_STATE state = PyGILState_Ensure();
    Py_DECREF(context->array);
    PyGILState_Release(state);
  }
  delete context;
}

template <class Managed>
void deleteManaged(Managed* managed) {
  releaseExport(static_cast<ExportContext*>(managed->context));
  delete managed;
}

/// The capsule's destructor: a capsule never consumed (still under its first name) owns the
/// tensor.
template <class Managed>
void deleteUnconsumed(PyObject* capsule) {
  const char* name = std::is_same_v<Managed, ManagedTensor> ? "dltensor" : "dltensor_versioned";
  if (PyCapsule_IsValid(capsule, name))
    deleteManaged(static_cast<Managed*>(PyCapsule_GetPointer(capsule, name)));
}

template <class Managed>
nb::object capsuleOf(Managed* managed, ExportContext* context, PyArrayObject* array) {
  nb::dlpack::dltensor& tensor = managed->tensor;
  tensor.data = PyArray_DATA(array);
  tensor.device = {1, 0}; // kDLCPU
  tensor.ndim = PyArray_NDIM(array);
  tensor.dtype = {static_cast<std::uint8_t>(nb::dlpack::dtype_code::Bfloat), 16, 1};
  tensor.shape = context->shape.data();
  tensor.strides = context->strides.data();
  tensor.byte_offset = 0;
  managed->context = context;
  managed->deleter = &deleteManaged<Managed>;
  const char* name = std::is_same_v<Managed, ManagedTensor> ? "dltensor" : "dltensor_versioned";
  PyObject* capsule = PyCapsule_New(managed, name, &deleteUnconsumed<Managed>);
  if (!capsule) {
    deleteManaged(managed);
    throw nb::python_error();
  }
  return nb::steal(capsule);
}

} // namespace

nb::object bfloat16ToDLPack(nb::handle value, bool versioned) {
  if (!PyArray_Check(value.ptr()) ||
      !isBfloat16(PyArray_DESCR(reinterpret_cast<PyArrayObject*>(value.ptr()))))
    throw nb::type_error("bfloat16_dlpack: not an ml_dtypes.bfloat16 numpy array");
  auto* array = reinterpret_cast<PyArrayObject*>(value.ptr());
  auto* context = new ExportContext{{}, {}, value.inc_ref().ptr()};
  for (int d = 0; d < PyArray_NDIM(array); ++d) {
    context->shape.push_back(PyArray_DIM(array, d));
    context->strides.push_back(PyArray_STRIDE(array, d) / 2);
  }
  if (!versioned)
    return capsuleOf(new ManagedTensor{}, context, array);
  auto* managed = new ManagedTensorVersioned{};
  managed->major = 1;
  managed->minor = 0;
  managed->flags = PyArray_ISWRITEABLE(array) ? 0 : 1; // DLPACK_FLAG_BITMASK_READ_ONLY
  return capsuleOf(managed, context, array);
}

const char* numpyName(DType dtype) {
  switch (dtype) {
  case DType::f32:
    return "float32";
  case DType::f64:
    return "float64";
  case DType::i32:
    return "int32";
  case DType::i64:
    return "int64";
  case DType::c64:
    return "complex64";
  case DType::c128:
    return "complex128";
  case DType::f16:
    return "float16";
  case DType::bf16:
    return "bfloat16";
  }
  return "float32";
}

} // namespace einjit::python
