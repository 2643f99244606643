// Fuzz target, structured and differential: the input's bytes choose a valid contraction
// (dtype, up to 6 labels of small extents, 1 to 3 operands of rank up to 6 with repeated labels
// and literal 0s, conj, a normalize or ravel prologue, the output's labels and order), the
// operands' and output's layouts (transposed, padded, reversed and broadcast strides), alpha,
// beta and the thread count. The JIT computes it under every strategy, each on its own engine
// made once per process, and every result must match the reference interpreter's.
#include "FuzzCheck.h"
#include "FuzzInput.h"
#include "engine/EngineImpl.h"
#include "reference/Interpreter.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <sstream>

namespace einjit::fuzz {
namespace {

constexpr std::int64_t kMaxWork = 4096; ///< product of the label extents: each run stays fast

enum class Layout { Contiguous, Permuted, Padded, Reversed, Broadcast };

struct Case {
  ir::IndexProgram program;
  std::vector<Layout> layouts;
  Layout outputLayout = Layout::Contiguous;
  RunOptions options;
};

const char* const kStrategyNames[] = {"auto", "direct", "small", "streaming", "packed"};
const Strategy kStrategies[] = {Strategy::Auto, Strategy::Direct, Strategy::Small,
                                Strategy::Streaming, Strategy::Packed};

/// One engine per strategy, made once: kernels compiled for earlier inputs stay cached, as in
/// a long-running process, and the fuzzer's speed goes to new contractions.
std::vector<std::unique_ptr<Engine>>& engines() {
  static std::vector<std::unique_ptr<Engine>> all = [] {
    std::vector<std::unique_ptr<Engine>> made;
    for (Strategy strategy : kStrategies) {
      EngineOptions options;
      options.strategy = strategy;
      options.persistentCache = false;
      made.push_back(std::make_unique<Engine>(options));
    }
    return made;
  }();
  return all;
}

Case makeCase(FuzzInput& input) {
  static const DType dtypes[] = {DType::f32, DType::f64,  DType::i32,  DType::i64,
                                 DType::c64, DType::c128, DType::bf16, DType::f16};
  static const std::int64_t extentPool[] = {1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17};
  Case result;
  ir::IndexProgram& program = result.program;
  program.dtype = input.pick(dtypes);
  std::vector<std::string> labels;
  std::map<std::string, std::int64_t> extents;
  for (std::int64_t l = input.range(1, 6); l > 0; --l) {
    labels.push_back(std::string(1, static_cast<char>('a' + labels.size())));
    extents[labels.back()] = input.pick(extentPool);
  }
  auto work = [&] {
    std::int64_t product = 1;
    for (const auto& [label, extent] : extents)
      product *= extent;
    return product;
  };
  while (work() > kMaxWork) {
    auto largest =
        std::max_element(extents.begin(), extents.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    largest->second = (largest->second + 1) / 2;
  }

  std::size_t operands = static_cast<std::size_t>(input.range(1, 3));
  const char* const names[] = {"x", "y", "z"};
  for (std::size_t t = 0; t < operands; ++t) {
    ir::Operand operand;
    operand.name = names[t];
    operand.conj = isComplex(program.dtype) && input.range(0, 3) == 0;
    for (std::int64_t d = input.range(0, 6); d > 0; --d) {
      std::int64_t choice = input.range(0, static_cast<std::int64_t>(labels.size()));
      if (choice == static_cast<std::int64_t>(labels.size())) {
        operand.indices.push_back(ir::Index::zero());
        operand.shape.push_back(1);
        continue;
      }
      const std::string& label = labels[static_cast<std::size_t>(choice)];
      operand.indices.push_back(ir::Index::of(label));
      operand.shape.push_back(extents[label]);
    }
    program.operands.push_back(operand);
  }

  // Prologues: a normalize along an axis, or a ravel (the operand's labels become one).
  ir::Operand& first = program.operands[0];
  std::int64_t prologue = input.range(0, 7);
  if (prologue == 1 && !isInteger(program.dtype) && !first.indices.empty()) {
    program.prologues.push_back(ir::Prologue{
        ir::PrologueKind::Normalize, 0,
        static_cast<int>(input.range(0, static_cast<std::int64_t>(first.indices.size()) - 1)),
        1e-7});
  } else if (prologue == 2 && first.shape.size() >= 2) {
    program.prologues.push_back(ir::Prologue{ir::PrologueKind::Ravel, 0, 0, 1e-7});
    first.indices = {ir::Index::of("r")};
  }
  // The output: each label that an operand still reads, kept or summed, in an order the input
  // chooses, with perhaps a literal 0.
  std::vector<std::string> present;
  for (const ir::Operand& operand : program.operands)
    for (const ir::Index& index : operand.indices)
      if (!index.isZero() &&
          std::find(present.begin(), present.end(), index.label) == present.end())
        present.push_back(index.label);
  while (!present.empty()) {
    std::size_t at =
        static_cast<std::size_t>(input.range(0, static_cast<std::int64_t>(present.size()) - 1));
    if (input.flag())
      program.output.push_back(ir::Index::of(present[at]));
    present.erase(present.begin() + static_cast<std::ptrdiff_t>(at));
  }
  if (input.range(0, 7) == 0)
    program.output.insert(program.output.begin() +
                              input.range(0, static_cast<std::int64_t>(program.output.size())),
                          ir::Index::zero());

  static const Layout inputLayouts[] = {Layout::Contiguous, Layout::Permuted, Layout::Padded,
                                        Layout::Reversed, Layout::Broadcast};
  static const Layout outputLayouts[] = {Layout::Contiguous, Layout::Permuted, Layout::Padded,
                                         Layout::Reversed};
  for (std::size_t t = 0; t < operands; ++t)
    result.layouts.push_back(input.pick(inputLayouts));
  result.outputLayout = input.pick(outputLayouts);
  static const std::complex<double> alphas[] = {{1, 0}, {2, 0}, {-1, 0}, {0.5, 0}, {1, 1}};
  static const std::complex<double> betas[] = {{0, 0}, {1, 0}, {-2, 1}};
  result.options.alpha = input.pick(alphas);
  result.options.beta = input.pick(betas);
  result.options.threads = static_cast<int>(input.range(1, 2));
  return result;
}

/// Small random integers (both parts for complex), or NaN for an output that must not be read.
class Filler {
public:
  explicit Filler(std::uint64_t seed) : state_(seed | 1) {}
  double next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return static_cast<double>(state_ % 7) - 3;
  }

private:
  std::uint64_t state_;
};

template <class T>
T valueFrom(Filler& filler, bool nan) {
  if constexpr (std::is_floating_point_v<T>)
    return nan ? std::numeric_limits<T>::quiet_NaN() : static_cast<T>(filler.next());
  else if constexpr (std::is_same_v<T, bfloat16> || std::is_same_v<T, float16>)
    return T(nan ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(filler.next()));
  else if constexpr (std::is_integral_v<T>)
    return static_cast<T>(filler.next());
  else {
    using R = typename T::value_type;
    if (nan)
      return T(std::numeric_limits<R>::quiet_NaN(), 0);
    R real = static_cast<R>(filler.next());
    return T(real, static_cast<R>(filler.next()));
  }
}

struct OwnedView {
  Tensor storage;
  MutableTensorView view;
};

OwnedView makeView(DType dtype, const Shape& shape, Layout layout, FuzzInput& input, Filler& filler,
                   bool nan) {
  std::size_t rank = shape.size();
  std::vector<std::size_t> order(rank); // memory order, outermost first
  std::iota(order.begin(), order.end(), 0);
  if (layout == Layout::Permuted)
    for (std::size_t i = rank; i > 1; --i)
      std::swap(order[i - 1],
                order[static_cast<std::size_t>(input.range(0, static_cast<std::int64_t>(i) - 1))]);
  Strides strides(rank, 0);
  std::int64_t step = 1;
  for (std::size_t i = rank; i-- > 0;) {
    std::size_t d = order[i];
    strides[d] = step;
    step *= shape[d] + (layout == Layout::Padded ? 1 : 0);
  }
  std::vector<std::size_t> wide;
  for (std::size_t d = 0; d < rank; ++d)
    if (shape[d] > 1)
      wide.push_back(d);
  if (!wide.empty() && (layout == Layout::Reversed || layout == Layout::Broadcast)) {
    std::size_t d =
        wide[static_cast<std::size_t>(input.range(0, static_cast<std::int64_t>(wide.size()) - 1))];
    strides[d] = layout == Layout::Reversed ? -strides[d] : 0;
  }
  std::int64_t low = 0, high = 0;
  for (std::size_t d = 0; d < rank; ++d)
    ((shape[d] - 1) * strides[d] < 0 ? low : high) += (shape[d] - 1) * strides[d];
  OwnedView owned;
  owned.storage = Tensor(dtype, Shape{high - low + 1});
  visitDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    T* data = owned.storage.as<T>();
    for (std::int64_t i = 0; i < owned.storage.elements(); ++i)
      data[i] = valueFrom<T>(filler, nan);
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

/// The view's elements in row-major order of its shape.
std::vector<std::complex<double>> valuesOf(const TensorView& view) {
  std::vector<std::complex<double>> values;
  visitDType(view.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* data = static_cast<const T*>(view.data());
    std::vector<std::int64_t> index(view.rank(), 0);
    for (std::int64_t n = 0; n < view.elements(); ++n) {
      std::int64_t offset = 0;
      for (std::size_t d = 0; d < view.rank(); ++d)
        offset += index[d] * view.strides()[d];
      if constexpr (std::is_same_v<T, bfloat16> || std::is_same_v<T, float16>)
        values.push_back(static_cast<double>(static_cast<float>(data[offset])));
      else
        values.push_back(std::complex<double>(data[offset]));
      for (std::size_t d = view.rank(); d-- > 0;) {
        if (++index[d] < view.shape()[d])
          break;
        index[d] = 0;
      }
    }
  });
  return values;
}

std::string describe(const Case& c) {
  static const char* const layoutNames[] = {"contiguous", "permuted", "padded", "reversed",
                                            "broadcast"};
  std::ostringstream os;
  os << c.program << "layouts";
  for (Layout layout : c.layouts)
    os << " " << layoutNames[static_cast<int>(layout)];
  os << " -> " << layoutNames[static_cast<int>(c.outputLayout)] << ", alpha " << c.options.alpha
     << ", beta " << c.options.beta << ", threads " << c.options.threads;
  return os.str();
}

void compare(const TensorView& actual, const TensorView& expected, double tolerance,
             const std::string& context) {
  std::vector<std::complex<double>> got = valuesOf(actual);
  std::vector<std::complex<double>> want = valuesOf(expected);
  for (std::size_t i = 0; i < want.size(); ++i) {
    bool bothNan = std::isnan(got[i].real()) && std::isnan(want[i].real());
    if (bothNan || std::abs(got[i] - want[i]) <= tolerance * (1 + std::abs(want[i])))
      continue;
    std::ostringstream os;
    os << "mismatch: " << context << "\nelement " << i << ": got " << got[i] << ", expected "
       << want[i];
    fail(os.str());
  }
}

double toleranceOf(DType dtype, bool inexact) {
  if (dtype == DType::f32 || dtype == DType::c64)
    return inexact ? 1e-4 : 1e-6;
  if (dtype == DType::f64 || dtype == DType::c128)
    return inexact ? 1e-10 : 1e-12;
  // As the differential test's toleranceOf (tests/unit/jit/JitTestSupport.cpp).
  if (dtype == DType::bf16)
    return inexact ? 5e-2 : 8e-3;
  if (dtype == DType::f16)
    return inexact ? 1e-2 : 1e-3;
  return 0;
}

void runCase(const std::uint8_t* data, std::size_t size) {
  FuzzInput input(data, size);
  Case c = makeCase(input);
  try {
    ir::verify(c.program);
  } catch (const Error&) {
    return; // not a valid contraction: nothing to compare
  }
  std::uint64_t seed = 0x9e3779b97f4a7c15ULL ^ size;
  for (std::size_t i = 0; i < size; ++i)
    seed = (seed ^ data[i]) * 0x100000001b3ULL;
  Filler filler(seed);
  std::vector<OwnedView> inputs;
  std::vector<TensorView> views;
  for (std::size_t t = 0; t < c.program.operands.size(); ++t) {
    inputs.push_back(
        makeView(c.program.dtype, c.program.operands[t].shape, c.layouts[t], input, filler, false));
    views.push_back(inputs.back().view);
  }
  bool readsOutput = c.options.beta != std::complex<double>(0, 0);
  OwnedView initial = makeView(c.program.dtype, c.program.outputShape(), c.outputLayout, input,
                               filler, !readsOutput);
  OwnedView expected = copyOf(initial);
  std::string context = describe(c);
  // A crash inside a kernel has no message of its own: EINJIT_FUZZ_VERBOSE=1 prints each case.
  static const bool verbose = std::getenv("EINJIT_FUZZ_VERBOSE") != nullptr;
  if (verbose)
    std::fprintf(stderr, "case:\n%s\n", context.c_str());
  try {
    reference::interpret(c.program, views, expected.view, {c.options.alpha, c.options.beta});
  } catch (const Error& error) {
    fail("the interpreter threw: " + std::string(error.what()) + "\n" + context);
  }
  double tolerance = toleranceOf(c.program.dtype, !c.program.prologues.empty());
  for (std::size_t e = 0; e < engines().size(); ++e) {
    std::string forced = context + "\nstrategy " + kStrategyNames[e];
    OwnedView out = copyOf(initial);
    if (verbose)
      std::fprintf(stderr, "strategy %s\n", kStrategyNames[e]);
    try {
      Plan plan = EngineAccess::planProgram(*engines()[e], c.program, false);
      if (verbose)
        std::fprintf(stderr, "%s\n", plan.explain(ExplainStage::Loops).c_str());
      plan.run(views, out.view, c.options);
    } catch (const Error& error) {
      fail("the JIT threw: " + std::string(error.what()) + "\n" + forced);
    }
    compare(out.view, expected.view, tolerance, forced);
  }
}

} // namespace
} // namespace einjit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  einjit::fuzz::runCase(data, size);
  return 0;
}
