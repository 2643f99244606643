#include "JitTestSupport.h"

#include "TestSupport.h"
#include "frontend/Frontends.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

namespace einjit::test {

ir::IndexProgram programOf(const std::string& spec, const std::vector<Shape>& shapes, DType dtype,
                           const std::vector<std::size_t>& conjugated) {
  std::size_t arrow = spec.find("->");
  std::string inputs = spec.substr(0, arrow);
  std::string output = spec.substr(arrow + 2);
  std::vector<std::string> operands;
  std::size_t start = 0;
  while (true) {
    std::size_t comma = inputs.find(',', start);
    operands.push_back(inputs.substr(start, comma - start));
    if (comma == std::string::npos)
      break;
    start = comma + 1;
  }
  auto indicesOf = [](const std::string& text) {
    std::vector<ir::Index> indices;
    for (char c : text)
      indices.push_back(c == '0' ? ir::Index::zero() : ir::Index::of(std::string(1, c)));
    return indices;
  };
  std::vector<std::string> names = frontend::defaultOperandNames(operands.size());
  ir::IndexProgram program;
  program.dtype = dtype;
  for (std::size_t t = 0; t < operands.size(); ++t) {
    bool conj = std::find(conjugated.begin(), conjugated.end(), t) != conjugated.end();
    program.operands.push_back(ir::Operand{names[t], shapes.at(t), indicesOf(operands[t]), conj});
  }
  program.output = indicesOf(output);
  ir::verify(program);
  return program;
}

passes::Contraction contiguousContraction(const ir::IndexProgram& program, bool constantExtents) {
  std::vector<passes::StrideClass> classes;
  for (std::size_t t = 0; t < program.operands.size(); ++t)
    classes.push_back(passes::contiguousStrideClass(program.operandShape(t), constantExtents));
  return passes::makeContraction(
      program, classes, passes::contiguousStrideClass(program.outputShape(), constantExtents),
      constantExtents);
}

ir::LoopNest contiguousNest(const ir::IndexProgram& program, const passes::LoopOptions& options,
                            bool constantExtents) {
  return passes::lowerContraction(contiguousContraction(program, constantExtents), options);
}

std::string layoutName(Layout layout) {
  switch (layout) {
  case Layout::Contiguous:
    return "contiguous";
  case Layout::Permuted:
    return "permuted";
  case Layout::Padded:
    return "padded";
  case Layout::Reversed:
    return "reversed";
  case Layout::Broadcast:
    return "broadcast";
  }
  return "unknown";
}

namespace {

Strides stridesFor(const Shape& shape, Layout layout, std::mt19937& rng) {
  std::size_t rank = shape.size();
  std::vector<std::size_t> order(rank); // memory order, outermost first
  std::iota(order.begin(), order.end(), 0);
  if (layout == Layout::Permuted)
    std::shuffle(order.begin(), order.end(), rng);
  Strides strides(rank, 0);
  std::int64_t step = 1;
  for (std::size_t i = rank; i-- > 0;) {
    std::size_t d = order[i];
    strides[d] = step;
    step *= std::max<std::int64_t>(shape[d], 1) + (layout == Layout::Padded ? 1 : 0);
  }
  std::vector<std::size_t> wide;
  for (std::size_t d = 0; d < rank; ++d)
    if (shape[d] > 1)
      wide.push_back(d);
  if (!wide.empty() && (layout == Layout::Reversed || layout == Layout::Broadcast)) {
    std::size_t d = wide[std::uniform_int_distribution<std::size_t>(0, wide.size() - 1)(rng)];
    strides[d] = layout == Layout::Reversed ? -strides[d] : 0;
  }
  return strides;
}

template <class T>
T randomValue(std::mt19937& rng, bool nan) {
  std::uniform_int_distribution<int> pick(-3, 3);
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(pick(rng));
  } else if constexpr (std::is_floating_point_v<T>) {
    return nan ? std::numeric_limits<T>::quiet_NaN() : static_cast<T>(pick(rng));
  } else if constexpr (std::is_same_v<T, bfloat16> || std::is_same_v<T, float16>) {
    return T(nan ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(pick(rng)));
  } else {
    using R = typename T::value_type;
    if (nan)
      return T(std::numeric_limits<R>::quiet_NaN(), std::numeric_limits<R>::quiet_NaN());
    R re = static_cast<R>(pick(rng));
    return T(re, static_cast<R>(pick(rng)));
  }
}

} // namespace

OwnedView randomView(DType dtype, const Shape& shape, Layout layout, std::mt19937& rng, bool nan) {
  Strides strides = stridesFor(shape, layout, rng);
  std::int64_t low = 0;
  std::int64_t high = 0;
  bool empty = elementCount(shape) == 0;
  for (std::size_t d = 0; d < shape.size() && !empty; ++d)
    ((shape[d] - 1) * strides[d] < 0 ? low : high) += (shape[d] - 1) * strides[d];
  OwnedView owned;
  owned.storage = Tensor(dtype, Shape{high - low + 1});
  visitDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    T* data = owned.storage.as<T>();
    for (std::int64_t i = 0; i < owned.storage.elements(); ++i)
      data[i] = randomValue<T>(rng, nan);
    owned.view = MutableTensorView(data - low, dtype, shape, strides);
  });
  return owned;
}

OwnedView copyOf(const OwnedView& source) {
  OwnedView copy;
  copy.storage = Tensor(source.storage.dtype(), source.storage.shape());
  std::memcpy(copy.storage.data(), source.storage.data(), source.storage.byteSize());
  std::ptrdiff_t offset = static_cast<const std::byte*>(source.view.data()) -
                          static_cast<const std::byte*>(source.storage.data());
  copy.view = MutableTensorView(static_cast<std::byte*>(copy.storage.data()) + offset,
                                source.view.dtype(), source.view.shape(), source.view.strides());
  return copy;
}

OwnedViews randomViews(DType dtype, const std::vector<Shape>& shapes, Layout layout,
                       std::mt19937& rng) {
  OwnedViews result;
  for (const Shape& shape : shapes) {
    result.owners.push_back(randomView(dtype, shape, layout, rng));
    result.views.push_back(result.owners.back().view);
  }
  return result;
}

void expectClose(const TensorView& actual, const TensorView& expected, double tolerance,
                 const std::string& context) {
  ASSERT_EQ(actual.shape(), expected.shape()) << context;
  std::vector<std::complex<double>> got = valuesOf(actual);
  std::vector<std::complex<double>> want = valuesOf(expected);
  int reported = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    bool bothNan = std::isnan(got[i].real()) && std::isnan(want[i].real());
    if (bothNan || std::abs(got[i] - want[i]) <= tolerance * (1 + std::abs(want[i])))
      continue;
    ADD_FAILURE() << context << "\nelement " << i << ": got " << got[i] << ", expected " << want[i];
    if (++reported == 5)
      return;
  }
}

std::vector<std::string> stepTexts(const passes::ContractionPath& path) {
  std::vector<std::string> texts;
  for (const passes::PathStep& step : path.steps)
    texts.push_back(ir::statementText(step.program));
  return texts;
}

std::vector<Tensor> chainOf771(DType dtype) {
  std::vector<double> diagonal(64, 0.0);
  for (std::size_t i = 0; i < 8; ++i)
    diagonal[i * 9] = 3;
  std::vector<Tensor> chain;
  chain.push_back(tensorOf(dtype, {1, 2}, {256, 1}));
  chain.push_back(tensorOf(dtype, {2, 8}, std::vector<double>(16, 1.0)));
  chain.push_back(tensorOf(dtype, {8, 8}, diagonal));
  return chain;
}

double toleranceOf(DType dtype, bool inexact) {
  switch (dtype) {
  case DType::f32:
  case DType::c64:
    return inexact ? 1e-4 : 1e-6;
  case DType::f64:
  case DType::c128:
    return inexact ? 1e-10 : 1e-12;
  case DType::i32:
  case DType::i64:
    return 0;
  // Exact sums of small integers round alike in the JIT (from f32) and the interpreter (from
  // double): one unit in the last place (2^-7, 2^-10) is room to spare. Normalized operands are
  // rounded to the dtype before the JIT's kernel reads them (the interpreter keeps them in
  // double): an error of 2^-9 (2^-12) per term, which grows with the square root of the terms.
  case DType::bf16:
    return inexact ? 5e-2 : 8e-3;
  case DType::f16:
    return inexact ? 1e-2 : 1e-3;
  }
  return 0;
}

UnallocatableScratch::UnallocatableScratch(Engine& engine)
    : plan(engine.plan("ik,kj->ij", {{4, kHuge}, {kHuge, 64}}, DType::f32)) {}

} // namespace einjit::test
