// The prologues run in the runtime, before the kernel (a documented choice: DESIGN.md lets the
// prologues of §1 run outside the contraction). The operand is copied to a contiguous tensor,
// raveled (a reshape of that copy) and normalized in the wide type the reference uses, so the
// kernel only ever sees a plain contiguous operand.
#include "engine/EngineImpl.h"

#include "einjit/error.h"

#include <cmath>
#include <complex>
#include <cstring>
#include <type_traits>

namespace einjit {

namespace {

template <class T>
struct WideOf {
  using type = T;
};
template <>
struct WideOf<float> {
  using type = double;
};
template <>
struct WideOf<double> {
  using type = long double;
};
template <>
struct WideOf<std::complex<float>> {
  using type = std::complex<double>;
};
template <>
struct WideOf<std::complex<double>> {
  using type = std::complex<long double>;
};

/// The elements of `view` in C order of its shape.
template <class T>
std::vector<T> contiguousCopy(const TensorView& view) {
  std::vector<T> values(static_cast<std::size_t>(view.elements()));
  if (values.empty())
    return values;
  const T* base = static_cast<const T*>(view.data());
  std::vector<std::int64_t> counter(view.rank(), 0);
  for (T& value : values) {
    std::int64_t offset = 0;
    for (std::size_t d = 0; d < view.rank(); ++d)
      offset += counter[d] * view.strides()[d];
    value = base[offset];
    for (std::size_t d = view.rank(); d-- > 0;) {
      if (++counter[d] < view.shape()[d])
        break;
      counter[d] = 0;
    }
  }
  return values;
}

/// values := values / max(‖values‖₂ along `axis`, epsilon), computed in the wide type.
template <class T>
void normalize(std::vector<T>& values, const Shape& shape, int axis, double epsilon) {
  using W = typename WideOf<T>::type;
  std::int64_t outer = 1;
  std::int64_t inner = 1;
  for (int d = 0; d < axis; ++d)
    outer *= shape[static_cast<std::size_t>(d)];
  for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < shape.size(); ++d)
    inner *= shape[d];
  std::int64_t extent = shape[static_cast<std::size_t>(axis)];
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t i = 0; i < inner; ++i) {
      T* fibre = values.data() + o * extent * inner + i;
      using Real = decltype(std::abs(W{}));
      Real squares = 0;
      for (std::int64_t k = 0; k < extent; ++k)
        squares += std::norm(static_cast<W>(fibre[k * inner]));
      Real denominator = std::max(std::sqrt(squares), static_cast<Real>(epsilon));
      for (std::int64_t k = 0; k < extent; ++k)
        fibre[k * inner] = static_cast<T>(static_cast<W>(fibre[k * inner]) / denominator);
    }
}

} // namespace

Tensor applyPrologues(const ir::IndexProgram& program, std::size_t t, const TensorView& view) {
  return visitDType(program.dtype, [&](auto zero) {
    using T = decltype(zero);
    std::vector<T> values = contiguousCopy<T>(view);
    Shape shape = view.shape();
    for (const ir::Prologue& prologue : program.prologues) {
      if (prologue.operand != t)
        continue;
      if (prologue.kind == ir::PrologueKind::Ravel) {
        shape = Shape{static_cast<std::int64_t>(values.size())};
        continue;
      }
      if constexpr (std::is_integral_v<T>)
        throw Error(ErrorKind::Unsupported, "plan.run: normalize(" + program.operands[t].name +
                                                ", axis=" + std::to_string(prologue.axis) +
                                                ") needs a floating-point or complex dtype, not " +
                                                std::string(dtypeName(program.dtype)) + ".");
      else
        normalize(values, shape, prologue.axis, prologue.epsilon);
    }
    Tensor staged(program.dtype, shape);
    if (!values.empty())
      std::memcpy(staged.data(), values.data(), values.size() * sizeof(T));
    return staged;
  });
}

} // namespace einjit
