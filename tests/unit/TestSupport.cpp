#include "TestSupport.h"

#include <cstdint>

namespace einjit::test {

Tensor tensorOf(DType dtype, const Shape& shape, const std::vector<double>& values) {
  Tensor tensor(dtype, shape);
  EXPECT_EQ(static_cast<std::int64_t>(values.size()), tensor.elements());
  visitDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    T* data = tensor.as<T>();
    for (std::size_t i = 0; i < values.size() && static_cast<std::int64_t>(i) < tensor.elements();
         ++i) {
      if constexpr (std::is_integral_v<T>)
        data[i] = static_cast<T>(values[i]);
      else if constexpr (std::is_floating_point_v<T>)
        data[i] = static_cast<T>(values[i]);
      else if constexpr (std::is_same_v<T, bfloat16> || std::is_same_v<T, float16>)
        data[i] = T(static_cast<float>(values[i]));
      else
        data[i] = T(static_cast<typename T::value_type>(values[i]), 0);
    }
  });
  return tensor;
}

Tensor arange(DType dtype, const Shape& shape, double start) {
  std::vector<double> values(static_cast<std::size_t>(elementCount(shape)));
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = start + static_cast<double>(i);
  return tensorOf(dtype, shape, values);
}

std::vector<std::complex<double>> valuesOf(const TensorView& view) {
  std::vector<std::complex<double>> out;
  std::int64_t count = view.elements();
  std::vector<std::int64_t> index(view.rank(), 0);
  visitDType(view.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* base = static_cast<const T*>(view.data());
    for (std::int64_t n = 0; n < count; ++n) {
      std::int64_t offset = 0;
      for (std::size_t d = 0; d < view.rank(); ++d)
        offset += index[d] * view.strides()[d];
      if constexpr (std::is_arithmetic_v<T>)
        out.emplace_back(static_cast<double>(base[offset]), 0.0);
      else if constexpr (std::is_same_v<T, bfloat16> || std::is_same_v<T, float16>)
        out.emplace_back(static_cast<double>(static_cast<float>(base[offset])), 0.0);
      else
        out.emplace_back(static_cast<double>(base[offset].real()),
                         static_cast<double>(base[offset].imag()));
      for (std::size_t d = view.rank(); d-- > 0;) {
        if (++index[d] < view.shape()[d])
          break;
        index[d] = 0;
      }
    }
  });
  return out;
}

std::vector<double> realValuesOf(const TensorView& view) {
  std::vector<double> out;
  for (const auto& value : valuesOf(view))
    out.push_back(value.real());
  return out;
}

} // namespace einjit::test
