// Complex contractions at real-arithmetic speed (the 4M method): a complex product of two
// operands is four real products over the operands' real and imaginary parts, each read in place
// as a real view of the complex memory (the same shape, every stride doubled, the imaginary
// part one real element further):
//   out.re = alpha · (A.re·B.re) + beta · out.re,  then out.re += -alpha · (A.im·B.im)
//   out.im = alpha · (A.re·B.im) + beta · out.im,  then out.im +=  alpha · (A.im·B.re)
// A conjugated operand's imaginary part enters with the opposite sign. Each runs the real
// program's kernel, so complex work gets the packed strategy's vectorized
// micro-kernel where the complex kernel would multiply one element pair at a time. It applies
// when alpha and beta are real (a complex one mixes the two parts of out) and the real kernel for
// the views is packed (with strides of two elements, any other real kernel is no faster than
// the complex one); otherwise the complex kernel runs.
#include "engine/EngineImpl.h"

#include "ir/Explain.h"

#include <array>
#include <limits>
#include <map>
#include <sstream>

namespace einjit {

namespace {

/// Below this many multiply-adds the complex kernel's one pass beats four packed ones.
constexpr std::int64_t kMinMultiplyAdds = std::int64_t{1} << 15;
/// Each pass stores every output element apart (the parts are two real elements apart, so
/// tiles are stored element by element): fewer summed terms per element than this, and the
/// stores cost more than the vectorized sums gain (measured: 0.5-0.9x at 6 and 12 terms, 3.4x
/// at 32; docs/architecture.md).
constexpr std::int64_t kMinSummedTerms = 16;

/// The summed terms per output element, saturating at the int64 maximum (huge shapes plan too).
std::int64_t summedTerms(const ir::IndexProgram& program) {
  std::map<std::string, std::int64_t> extents = program.labelExtents();
  std::int64_t terms = 1;
  for (const std::string& label : program.summedLabels())
    if (__builtin_mul_overflow(terms, extents[label], &terms))
      return std::numeric_limits<std::int64_t>::max();
  return terms;
}

DType componentDType(DType dtype) {
  return dtype == DType::c64 ? DType::f32 : DType::f64;
}

/// The strides of a complex view's parts, in real elements.
Strides partStrides(const TensorView& view) {
  Strides strides = view.strides();
  for (std::int64_t& stride : strides)
    stride *= 2; // fits: checkRun checked the views' byte offsets fit in 64 bits
  return strides;
}

/// The bytes from a complex element to its real (`imaginary` false) or imaginary part.
std::size_t partOffset(const TensorView& view, bool imaginary) {
  return imaginary ? dtypeSize(componentDType(view.dtype())) : 0;
}

/// The real (`imaginary` false) or imaginary part of a complex input, as a real view.
TensorView partOf(const TensorView& view, bool imaginary) {
  return TensorView(static_cast<const std::byte*>(view.data()) + partOffset(view, imaginary),
                    componentDType(view.dtype()), view.shape(), partStrides(view));
}

/// The same part of the output, writable.
MutableTensorView partOf(const MutableTensorView& view, bool imaginary) {
  return MutableTensorView(static_cast<std::byte*>(view.data()) + partOffset(view, imaginary),
                           componentDType(view.dtype()), view.shape(), partStrides(view));
}

/// The stride classes of the real views of tensors with these shapes and strides.
std::vector<passes::StrideClass> partClasses(const std::vector<Shape>& shapes,
                                             const std::vector<Strides>& strides,
                                             bool constantExtents) {
  std::vector<passes::StrideClass> classes;
  for (std::size_t t = 0; t < shapes.size(); ++t) {
    Strides doubled = strides[t];
    for (std::int64_t& stride : doubled)
      stride *= 2;
    classes.push_back(passes::strideClassOf(shapes[t], doubled, constantExtents));
  }
  return classes;
}

/// The real kernel for views of these shapes and strides (the operands', then the output's)
/// when it is packed; null otherwise.
std::shared_ptr<const PreparedKernel> packedPartKernel(const Plan::State& state,
                                                       const std::vector<Shape>& shapes,
                                                       const std::vector<Strides>& strides) {
  std::shared_ptr<const PreparedKernel> kernel = state.realParts->prepared(
      partClasses(shapes, strides, state.engine->options.constantExtents));
  return kernel->nest.packed ? kernel : nullptr;
}

} // namespace

std::shared_ptr<Plan::State> complexPartsState(const std::shared_ptr<Engine::Impl>& engine,
                                               const ir::IndexProgram& program) {
  // A strategy the engine forces other than packed is for the complex kernel too.
  std::optional<ir::Strategy> forced = engine->loopOptions.strategy;
  if (!isComplex(program.dtype) || program.operands.size() != 2 || !program.prologues.empty() ||
      ir::multiplyAdds(program) < kMinMultiplyAdds || summedTerms(program) < kMinSummedTerms ||
      (forced && *forced != ir::Strategy::Packed))
    return nullptr;
  ir::IndexProgram real = program;
  real.dtype = componentDType(program.dtype);
  for (ir::Operand& operand : real.operands)
    operand.conj = false; // a conjugated operand's imaginary part enters negated (runComplexAsReal)
  auto state = std::make_shared<Plan::State>(engine, std::move(real));
  // Packing reads any strides; a real nest over the parts' doubled strides could not vectorize.
  state->strategy = ir::Strategy::Packed;
  return state;
}

bool runComplexAsReal(const Plan::State& state, const TensorView* const* read,
                      const MutableTensorView& out, const RunOptions& options) {
  if (!state.realParts || options.alpha.imag() != 0 || options.beta.imag() != 0)
    return false;
  const TensorView& a = *read[0];
  const TensorView& b = *read[1];
  std::shared_ptr<const PreparedKernel> kernel = packedPartKernel(
      state, {a.shape(), b.shape(), out.shape()}, {a.strides(), b.strides(), out.strides()});
  if (!kernel)
    return false;
  std::array<TensorView, 2> aParts{partOf(a, false), partOf(a, true)};
  std::array<TensorView, 2> bParts{partOf(b, false), partOf(b, true)};
  std::array<MutableTensorView, 2> outParts{partOf(out, false), partOf(out, true)};
  double alpha = options.alpha.real();
  // {A part, B part, out part, alpha sign, first product into that out part}
  struct Product {
    int a, b, out;
    double sign;
    bool first;
  };
  constexpr std::array<Product, 4> kProducts{
      {{0, 0, 0, 1.0, true}, {1, 1, 0, -1.0, false}, {0, 1, 1, 1.0, true}, {1, 0, 1, 1.0, false}}};
  DType real = componentDType(state.program.dtype);
  bool conjA = state.program.operands[0].conj;
  bool conjB = state.program.operands[1].conj;
  for (const Product& product : kProducts) {
    std::array<const TensorView*, 2> parts{&aParts[product.a], &bParts[product.b]};
    double sign = product.sign;
    if (product.a == 1 && conjA)
      sign = -sign;
    if (product.b == 1 && conjB)
      sign = -sign;
    RunOptions partOptions = options;
    partOptions.alpha = sign * alpha;
    partOptions.beta = product.first ? options.beta.real() : 1.0;
    invokeKernel(*kernel, real, parts.data(), outParts[product.out], partOptions);
  }
  return true;
}

std::shared_ptr<const PreparedKernel> complexAsRealKernel(const Plan::State& state) {
  if (!state.realParts)
    return nullptr;
  std::vector<Shape> shapes = state.readShapes;
  shapes.push_back(state.outputShape);
  std::vector<Strides> strides;
  for (const Shape& shape : shapes)
    strides.push_back(rowMajorStrides(shape));
  return packedPartKernel(state, shapes, strides);
}

const char* const kComplexAsRealHeading =
    "complex as real (4M): four real products over the operands' real and imaginary parts, read "
    "in place (strides doubled), when alpha and beta are real:\n"
    "  out.re = alpha * re*re + beta * out.re; out.re += -alpha * im*im\n"
    "  out.im = alpha * re*im + beta * out.im; out.im += alpha * im*re\n"
    "  (a conjugated operand's imaginary part enters negated); the real kernel:\n";

} // namespace einjit
