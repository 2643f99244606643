#include "Arrays.h"

#include <memory>
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

nb::dlpack::dtype dlpackOf(DType dtype) {
  using Code = nb::dlpack::dtype_code;
  nb::dlpack::dtype result{};
  result.lanes = 1;
  result.bits = static_cast<std::uint8_t>(dtypeSize(dtype) * 8);
  result.code = static_cast<std::uint8_t>(isComplex(dtype)   ? Code::Complex
                                          : isInteger(dtype) ? Code::Int
                                                             : Code::Float);
  return result;
}

template <class Array>
TensorView viewOf(const Array& array, const std::string& who) {
  DType dtype = dtypeOf(array.dtype(), who);
  Shape shape(array.ndim());
  Strides strides(array.ndim());
  for (std::size_t d = 0; d < array.ndim(); ++d) {
    shape[d] = static_cast<std::int64_t>(array.shape(d));
    strides[d] = array.stride(d);
  }
  return TensorView(const_cast<void*>(static_cast<const void*>(array.data())), dtype,
                    std::move(shape), std::move(strides));
}

} // namespace

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
  }
  throw nb::type_error((who +
                        ": einjit computes float32, float64, int32, int64, complex64 "
                        "and complex128, not " +
                        dlpackName(dtype))
                           .c_str());
}

TensorView toView(const InputArray& array, const std::string& who) {
  return viewOf(array, who);
}

TensorView toView(const OutputArray& array, const std::string& who) {
  return viewOf(array, who);
}

nb::object toNumpy(Tensor tensor) {
  auto* owned = new Tensor(std::move(tensor));
  nb::capsule owner(owned, [](void* pointer) noexcept { delete static_cast<Tensor*>(pointer); });
  std::vector<std::size_t> shape(owned->shape().begin(), owned->shape().end());
  nb::ndarray<nb::numpy> array(owned->data(), shape.size(), shape.data(), owner,
                               owned->strides().data(), dlpackOf(owned->dtype()));
  return nb::cast(array);
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
  }
  return "float32";
}

} // namespace einjit::python
