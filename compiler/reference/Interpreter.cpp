// The reference interpreter. Every input is first staged into a contiguous C-order buffer of the
// wide accumulation type (which also absorbs any strides, the prologues and conj), then an
// odometer walks the output labels and, for each output element, the summed labels.
#include "reference/Interpreter.h"

#include "einjit/error.h"
#include "ir/ProgramViews.h"
#include "support/Format.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

namespace einjit::reference {

namespace {

/// The type a dtype accumulates in. Integers use uint64 because unsigned arithmetic wraps without
/// undefined behaviour, and wrapping modulo 2^64 then casting back matches numpy's wrapping.
template <class T>
struct WideOf;
template <>
struct WideOf<float> {
  using type = double;
};
template <>
struct WideOf<double> {
  using type = long double;
};
template <>
struct WideOf<std::int32_t> {
  using type = std::uint64_t;
};
template <>
struct WideOf<std::int64_t> {
  using type = std::uint64_t;
};
template <>
struct WideOf<std::complex<float>> {
  using type = std::complex<double>;
};
template <>
struct WideOf<std::complex<double>> {
  using type = std::complex<long double>;
};
// The 16-bit types accumulate in double, like f32, and round once into the output.
template <>
struct WideOf<bfloat16> {
  using type = double;
};
template <>
struct WideOf<float16> {
  using type = double;
};

template <class T>
inline constexpr bool kIsHalf = std::is_same_v<T, bfloat16> || std::is_same_v<T, float16>;

/// `value` rounded to a float with round-to-odd: a float between two representable 16-bit
/// values stays strictly between them, so the 16-bit rounding of the result is the correctly
/// rounded value of `value` (24 bits >= the 16-bit types' 11 + 2), with no double rounding.
float roundToOddFloat(double value) {
  auto nearest = static_cast<float>(value);
  if (static_cast<double>(nearest) == value || std::isnan(value))
    return nearest;
  // Truncate towards zero, then set the last bit: inexact results end odd.
  if (std::abs(static_cast<double>(nearest)) > std::abs(value))
    nearest = std::nextafter(nearest, 0.0f);
  return std::bit_cast<float>(std::bit_cast<std::uint32_t>(nearest) | 1u);
}

template <class T>
inline constexpr bool kIsComplex = false;
template <class R>
inline constexpr bool kIsComplex<std::complex<R>> = true;

/// The real type of a wide type: itself, or the component type of a complex.
template <class W>
struct RealOf {
  using type = W;
};
template <class R>
struct RealOf<std::complex<R>> {
  using type = R;
};

template <class W>
W multiply(const W& a, const W& b) {
  // The textbook formula, as numpy computes it: std::complex's operator* adds C99 Annex G
  // infinity recovery through a library call that the inner loop cannot afford.
  if constexpr (kIsComplex<W>)
    return W(a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real());
  else
    return a * b;
}

template <class T, class W = typename WideOf<T>::type>
W widen(const T& value) {
  if constexpr (std::is_integral_v<T>)
    return static_cast<W>(static_cast<std::int64_t>(value));
  else if constexpr (kIsHalf<T>)
    return static_cast<W>(static_cast<float>(value));
  else if constexpr (kIsComplex<T>)
    return W(value.real(), value.imag());
  else
    return static_cast<W>(value);
}

template <class T, class W>
T narrow(const W& value) {
  if constexpr (kIsComplex<T>)
    return T(static_cast<typename T::value_type>(value.real()),
             static_cast<typename T::value_type>(value.imag()));
  else if constexpr (kIsHalf<T>)
    return T(roundToOddFloat(static_cast<double>(value)));
  else
    return static_cast<T>(value);
}

const ir::ViewChecker kChecker{"reference::interpret", "program"};

void validate(const ir::IndexProgram& program, InputViews inputs, const TensorView& out) {
  ir::verify(program);
  std::vector<std::string> names;
  for (const ir::Operand& operand : program.operands)
    names.push_back(operand.name);
  kChecker.checkInputCount(names, inputs.size());
  for (std::size_t t = 0; t < inputs.size(); ++t)
    kChecker.checkView(inputs[t], program.operands[t].name, program.operands[t].shape,
                       program.dtype);
  kChecker.checkView(out, program.outputName, program.outputShape(), program.resultDtype());
  kChecker.checkOutputStrides(out, program.outputName);
  ir::checkProloguesSupported(program, kChecker.call);
}

/// A view copied into a contiguous C-order buffer of the wide type, with its current shape.
template <class W>
struct Staged {
  std::vector<W> values;
  Shape shape;
};

template <class T, class W = typename WideOf<T>::type>
Staged<W> stage(const TensorView& view, bool conjugate) {
  Staged<W> staged{std::vector<W>(static_cast<std::size_t>(view.elements())), view.shape()};
  if (staged.values.empty())
    return staged;
  const T* base = static_cast<const T*>(view.data());
  const Shape& shape = view.shape();
  const Strides& strides = view.strides();
  std::size_t rank = shape.size();
  std::int64_t innerExtent = rank == 0 ? 1 : shape[rank - 1];
  std::int64_t innerStride = rank == 0 ? 0 : strides[rank - 1];
  std::vector<std::int64_t> counter(rank, 0);
  std::int64_t offset = 0;
  W* target = staged.values.data();
  while (true) {
    for (std::int64_t i = 0; i < innerExtent; ++i) {
      W value = widen<T>(base[offset + i * innerStride]);
      if constexpr (kIsComplex<W>)
        if (conjugate)
          value = std::conj(value);
      *target++ = value;
    }
    std::size_t d = rank > 0 ? rank - 1 : 0;
    while (d-- > 0) {
      if (++counter[d] < shape[d]) {
        offset += strides[d];
        break;
      }
      counter[d] = 0;
      offset -= strides[d] * (shape[d] - 1);
    }
    if (target == staged.values.data() + staged.values.size())
      return staged;
  }
}

template <class W>
void normalize(Staged<W>& staged, int axis, double epsilon) {
  using Real = typename RealOf<W>::type;
  const Shape& shape = staged.shape;
  std::int64_t outer = 1;
  std::int64_t inner = 1;
  for (int d = 0; d < axis; ++d)
    outer *= shape[d];
  for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < shape.size(); ++d)
    inner *= shape[d];
  std::int64_t extent = shape[axis];
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t i = 0; i < inner; ++i) {
      W* fibre = staged.values.data() + o * extent * inner + i;
      Real squares = 0;
      for (std::int64_t k = 0; k < extent; ++k)
        squares += std::norm(fibre[k * inner]);
      Real denominator = std::max(std::sqrt(squares), static_cast<Real>(epsilon));
      for (std::int64_t k = 0; k < extent; ++k)
        fibre[k * inner] /= denominator;
    }
}

/// Runs operand t's prologues, in program order, on its staged values. validate() has refused
/// normalize on integers.
template <class W>
void applyProloguesOf(const ir::IndexProgram& program, std::size_t t, Staged<W>& operand) {
  for (const ir::Prologue& prologue : program.prologues) {
    if (prologue.operand != t)
      continue;
    if (prologue.kind == ir::PrologueKind::Ravel)
      operand.shape = Shape{static_cast<std::int64_t>(operand.values.size())};
    else if constexpr (!std::is_integral_v<W>)
      normalize(operand, prologue.axis, prologue.epsilon);
  }
}

/// One label's loop: its extent and its stride in each stream (operands, then the output).
struct LabelLoop {
  std::int64_t extent = 1;
  std::vector<std::int64_t> strides;
};

/// Steps through the positions of loops[0, count) in C order, keeping one running offset per
/// stream. After the last position it wraps back to the first, so it is reusable without reset.
class Odometer {
public:
  Odometer(const std::vector<LabelLoop>& loops, std::size_t count)
      : loops_(loops), counter_(count, 0) {}

  /// Advances to the next position; false (offsets back at the start) after the last one.
  bool next(std::vector<std::int64_t>& offsets) {
    for (std::size_t d = counter_.size(); d-- > 0;) {
      const LabelLoop& loop = loops_[d];
      if (++counter_[d] < loop.extent) {
        for (std::size_t s = 0; s < offsets.size(); ++s)
          offsets[s] += loop.strides[s];
        return true;
      }
      counter_[d] = 0;
      for (std::size_t s = 0; s < offsets.size(); ++s)
        offsets[s] -= loop.strides[s] * (loop.extent - 1);
    }
    return false;
  }

private:
  const std::vector<LabelLoop>& loops_;
  std::vector<std::int64_t> counter_;
};

template <class W>
class Contraction {
public:
  Contraction(std::vector<const W*> operands, std::vector<LabelLoop> summed)
      : operands_(std::move(operands)), summed_(std::move(summed)),
        odometer_(summed_, summed_.empty() ? 0 : summed_.size() - 1) {
    emptySum_ = std::any_of(summed_.begin(), summed_.end(),
                            [](const LabelLoop& loop) { return loop.extent == 0; });
  }
  // The odometer refers to summed_, so a copy would point into the original.
  Contraction(const Contraction&) = delete;
  Contraction& operator=(const Contraction&) = delete;

  /// The sum over the summed labels of the product of the operands at `base` offsets.
  W sumAt(const std::vector<std::int64_t>& base) {
    if (summed_.empty())
      return productAt(base);
    if (emptySum_)
      return W{};
    offsets_.assign(base.begin(), base.begin() + static_cast<std::ptrdiff_t>(operands_.size()));
    W total{};
    do
      total += innerSum();
    while (odometer_.next(offsets_));
    return total;
  }

private:
  W productAt(const std::vector<std::int64_t>& offsets) const {
    W product = operands_[0][offsets[0]];
    for (std::size_t t = 1; t < operands_.size(); ++t)
      product = multiply(product, operands_[t][offsets[t]]);
    return product;
  }

  // The innermost summed loop, specialised for the common one- and two-operand cases.
  W innerSum() const {
    const LabelLoop& loop = summed_.back();
    W total{};
    if (operands_.size() == 1) {
      const W* a = operands_[0] + offsets_[0];
      std::int64_t strideA = loop.strides[0];
      for (std::int64_t i = 0; i < loop.extent; ++i)
        total += a[i * strideA];
    } else if (operands_.size() == 2) {
      const W* a = operands_[0] + offsets_[0];
      const W* b = operands_[1] + offsets_[1];
      std::int64_t strideA = loop.strides[0];
      std::int64_t strideB = loop.strides[1];
      for (std::int64_t i = 0; i < loop.extent; ++i)
        total += multiply(a[i * strideA], b[i * strideB]);
    } else {
      for (std::int64_t i = 0; i < loop.extent; ++i) {
        W product = operands_[0][offsets_[0] + i * loop.strides[0]];
        for (std::size_t t = 1; t < operands_.size(); ++t)
          product = multiply(product, operands_[t][offsets_[t] + i * loop.strides[t]]);
        total += product;
      }
    }
    return total;
  }

  std::vector<const W*> operands_;
  std::vector<LabelLoop> summed_;
  Odometer odometer_;
  bool emptySum_ = false;
  std::vector<std::int64_t> offsets_;
};

template <class W>
W scalarOf(std::complex<double> value, const char* role) {
  if constexpr (kIsComplex<W>) {
    return W(value.real(), value.imag());
  } else if constexpr (std::is_integral_v<W>) {
    double rounded = std::round(value.real());
    if (!(std::abs(rounded) < 9.2e18))
      kChecker.fail(std::string(role) + " " + support::shortestDouble(value.real()) +
                    " does not round to a 64-bit integer.");
    return static_cast<W>(static_cast<std::int64_t>(rounded));
  } else {
    return static_cast<W>(value.real());
  }
}

/// The loop of `label`: its extent and stride in each staged operand (summed over the dims that
/// carry it, which walks diagonals) and, when `outputAxis` is given, in the output.
template <class W>
LabelLoop loopOf(const std::string& label, const ir::IndexProgram& program,
                 const std::vector<Staged<W>>& staged, const std::int64_t* outputStride) {
  LabelLoop loop;
  loop.extent = program.labelExtents().at(label);
  for (std::size_t t = 0; t < staged.size(); ++t) {
    Strides strides = rowMajorStrides(staged[t].shape);
    std::int64_t stride = 0;
    for (std::size_t d = 0; d < strides.size(); ++d)
      if (program.operands[t].indices[d].label == label)
        stride += strides[d];
    loop.strides.push_back(stride);
  }
  if (outputStride)
    loop.strides.push_back(*outputStride);
  return loop;
}

/// Operands of T, the output of O: T itself, float for an f32 output of 16-bit operands, or a
/// 16-bit type for a rounded output of f32 operands.
template <class T, class O = T>
void run(const ir::IndexProgram& program, InputViews inputs, const MutableTensorView& out,
         const InterpretOptions& options) {
  using W = typename WideOf<T>::type;
  // Conjugating while staging, before the prologues, is safe: conj commutes with ravel and with
  // division by a real norm.
  std::vector<Staged<W>> staged;
  for (std::size_t t = 0; t < inputs.size(); ++t)
    staged.push_back(stage<T>(inputs[t], program.operands[t].conj));
  for (std::size_t t = 0; t < staged.size(); ++t)
    applyProloguesOf(program, t, staged[t]);

  std::vector<std::string> summedLabels = program.summedLabels();
  std::vector<LabelLoop> summed;
  for (const std::string& label : summedLabels)
    summed.push_back(loopOf(label, program, staged, nullptr));
  // The longest loop goes innermost, where the loop is tight.
  auto longest =
      std::max_element(summed.rbegin(), summed.rend(),
                       [](const LabelLoop& a, const LabelLoop& b) { return a.extent < b.extent; });
  if (longest != summed.rend())
    std::iter_swap(longest, summed.rbegin());

  std::vector<LabelLoop> outer;
  for (std::size_t d = 0; d < program.output.size(); ++d)
    if (!program.output[d].isZero())
      outer.push_back(loopOf(program.output[d].label, program, staged, &out.strides()[d]));
  if (std::any_of(outer.begin(), outer.end(), [](const LabelLoop& l) { return l.extent == 0; }))
    return;

  std::vector<const W*> operands;
  for (const Staged<W>& operand : staged)
    operands.push_back(operand.values.data());
  Contraction<W> contraction(std::move(operands), std::move(summed));
  W alpha = scalarOf<W>(options.alpha, "alpha");
  W beta = scalarOf<W>(options.beta, "beta");
  bool readsOutput = beta != W{};
  O* target = static_cast<O*>(out.data());
  std::vector<std::int64_t> offsets(staged.size() + 1, 0);
  Odometer odometer(outer, outer.size());
  do {
    W value = multiply(alpha, contraction.sumAt(offsets));
    O& element = target[offsets.back()];
    if (readsOutput)
      value += multiply(beta, widen<O>(element));
    element = narrow<O>(value);
  } while (odometer.next(offsets));
}

} // namespace

void interpret(const ir::IndexProgram& program, InputViews inputs, const MutableTensorView& out,
               const InterpretOptions& options) {
  validate(program, inputs, out);
  visitDType(program.dtype, [&](auto zero) {
    using T = decltype(zero);
    if constexpr (kIsHalf<T>) {
      if (program.outputDtype) {
        run<T, float>(program, inputs, out, options);
        return;
      }
    }
    // f32 operands into a 16-bit output: the sums in double, rounded once.
    if constexpr (std::is_same_v<T, float>) {
      if (program.outputDtype == DType::bf16) {
        run<T, bfloat16>(program, inputs, out, options);
        return;
      }
      if (program.outputDtype == DType::f16) {
        run<T, float16>(program, inputs, out, options);
        return;
      }
    }
    run<T>(program, inputs, out, options);
  });
}

Tensor applyPrologues(const ir::IndexProgram& program, std::size_t operand,
                      const TensorView& view) {
  if (operand >= program.operands.size())
    throw Error(ErrorKind::Internal, "reference::applyPrologues: operand " +
                                         std::to_string(operand) + " of " +
                                         std::to_string(program.operands.size()));
  const ir::ViewChecker checker{"reference::applyPrologues", "program"};
  const ir::Operand& declared = program.operands[operand];
  checker.checkView(view, declared.name, declared.shape, program.dtype);
  ir::checkProloguesSupported(program, checker.call);
  return visitDType(program.dtype, [&](auto zero) {
    using T = decltype(zero);
    Staged<typename WideOf<T>::type> staged = stage<T>(view, false);
    applyProloguesOf(program, operand, staged);
    Tensor result(program.dtype, staged.shape);
    T* target = result.as<T>();
    for (const auto& value : staged.values)
      *target++ = narrow<T>(value);
    return result;
  });
}

Tensor interpret(const ir::IndexProgram& program, InputViews inputs,
                 const InterpretOptions& options) {
  ir::verify(program);
  Tensor out(program.resultDtype(), program.outputShape());
  interpret(program, inputs, out.view(), options);
  return out;
}

} // namespace einjit::reference
