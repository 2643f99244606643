// One run of a plan: check the views against the plan, stage prologue operands (their generated
// prologue functions, into buffers the plan keeps: Staging.cpp), pick the kernel for the views'
// stride classes, fill the stride table and call the kernel. A cached call of a small rank
// allocates nothing, prologues included: for 10,000 tiny contractions the arithmetic, not the
// dispatch, counts.
#include "engine/EngineImpl.h"

#include "ThreadPool.h"
#include "einjit/error.h"
#include "ir/ProgramViews.h"
#include "support/Format.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <optional>
#include <vector>

namespace einjit {

namespace {

const ir::ViewChecker kChecker{"plan.run", "plan"};

/// `size` elements on the stack when they fit in N, on the heap otherwise.
template <class T, std::size_t N>
class ScratchArray {
public:
  explicit ScratchArray(std::size_t size) : size_(size) {
    if (size > N)
      heap_.resize(size);
  }
  T* data() { return size_ > N ? heap_.data() : inline_.data(); }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  T& operator[](std::size_t i) { return data()[i]; }

private:
  std::size_t size_;
  std::array<T, N> inline_; // left uninitialized: every element used is written first
  std::vector<T> heap_;
};

/// Ranks, operands and stride-table entries up to these stay on the stack.
constexpr std::size_t kInlineRank = 8;
constexpr std::size_t kInlineTensors = 8;
constexpr std::size_t kInlineStrides = 64;

[[noreturn]] void misuse(const std::string& what) {
  kChecker.fail(what);
}

/// The bytes [first, last] a non-empty view touches.
struct ByteRange {
  std::uintptr_t first = 0;
  std::uintptr_t last = 0;
};

/// Throws Error(Misuse) unless every byte offset a non-empty view's strides reach fits in 64
/// bits: the kernels, byteRange and the overlap checks add strides times indices unchecked.
void checkReach(const TensorView& view, const std::string& name) {
  std::int64_t low = 0;
  std::int64_t high = 0;
  auto size = static_cast<std::int64_t>(dtypeSize(view.dtype()));
  for (std::size_t d = 0; d < view.rank(); ++d) {
    std::int64_t reach = 0;
    bool overflow = __builtin_mul_overflow(view.shape()[d] - 1, view.strides()[d], &reach);
    std::int64_t& side = reach < 0 ? low : high;
    overflow = overflow || __builtin_add_overflow(side, reach, &side);
    std::int64_t bytes = 0;
    overflow = overflow || __builtin_mul_overflow(side, size, &bytes) ||
               __builtin_add_overflow(bytes, reach < 0 ? 0 : size, &bytes);
    if (overflow)
      misuse(name + " has strides " + shapeToPython(view.strides()) + " for shape " +
             shapeToPython(view.shape()) + ": the offset its axis " + std::to_string(d) +
             " reaches does not fit in 64 bits.");
  }
}

ByteRange byteRange(const TensorView& view) {
  std::int64_t low = 0;
  std::int64_t high = 0;
  for (std::size_t d = 0; d < view.rank(); ++d) {
    std::int64_t reach = (view.shape()[d] - 1) * view.strides()[d];
    (reach < 0 ? low : high) += reach;
  }
  auto size = static_cast<std::int64_t>(dtypeSize(view.dtype()));
  auto base = reinterpret_cast<std::uintptr_t>(view.data());
  return ByteRange{base + static_cast<std::uintptr_t>(low * size),
                   base + static_cast<std::uintptr_t>(high * size + size - 1)};
}

/// The number of elements of a view whose shape checkView has matched to the plan's (whose
/// count the plan checked): no overflow or sign checks again.
std::int64_t checkedElements(const TensorView& view) {
  std::int64_t count = 1;
  for (std::int64_t extent : view.shape())
    count *= extent;
  return count;
}

/// True when no two index tuples of `view` reach one element: sorted by stride, each stride
/// must step past everything the smaller strides reach. Sufficient, not necessary.
bool overlapsItself(const TensorView& view) {
  if (passes::isRowMajorContiguous(view.shape(), view.strides()))
    return false;
  ScratchArray<std::pair<std::int64_t, std::int64_t>, kInlineRank> dims(
      view.rank()); // |stride|, extent
  std::size_t stepped = 0;
  for (std::size_t d = 0; d < view.rank(); ++d)
    if (view.shape()[d] > 1)
      dims[stepped++] = {std::abs(view.strides()[d]), view.shape()[d]};
  std::sort(dims.begin(), dims.begin() + stepped);
  std::int64_t reach = 0;
  for (auto dim = dims.begin(); dim != dims.begin() + stepped; ++dim) {
    auto [stride, extent] = *dim;
    if (stride <= reach)
      return true;
    reach += stride * (extent - 1);
  }
  return false;
}

void checkOutputMemory(const Plan::State& state, InputViews inputs, const TensorView& out) {
  const std::string& name = state.program.outputName;
  kChecker.checkOutputStrides(out, name);
  if (overlapsItself(out))
    misuse(name + " has strides " + shapeToPython(out.strides()) + " for shape " +
           shapeToPython(out.shape()) + ", which make elements of the output overlap.");
  ByteRange written = byteRange(out);
  for (std::size_t t = 0; t < inputs.size(); ++t) {
    if (checkedElements(inputs[t]) == 0)
      continue;
    ByteRange read = byteRange(inputs[t]);
    if (read.first <= written.last && written.first <= read.last)
      misuse(name + " overlaps input " + state.inputNames[t] +
             ": the output must not share memory with an operand.");
  }
}

/// alpha or beta as one value of the dtype (an f32 for bf16 and f16, which kernels compute in),
/// in `storage`.
void scalarOf(std::complex<double> value, DType dtype, const char* role,
              std::array<std::byte, 16>& storage) {
  if (isHalfPrecision(dtype)) {
    auto converted = static_cast<float>(value.real());
    std::memcpy(storage.data(), &converted, sizeof converted);
    return;
  }
  visitDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    T converted{};
    if constexpr (std::is_integral_v<T>) {
      double rounded = std::round(value.real());
      if (!(std::abs(rounded) < 9.2e18))
        misuse(std::string(role) + " " + std::to_string(value.real()) +
               " does not round to a 64-bit integer.");
      converted = static_cast<T>(static_cast<std::int64_t>(rounded));
    } else if constexpr (std::is_floating_point_v<T>) {
      converted = static_cast<T>(value.real());
    } else if constexpr (requires { typename T::value_type; }) {
      converted = T(static_cast<typename T::value_type>(value.real()),
                    static_cast<typename T::value_type>(value.imag()));
    }
    std::memcpy(storage.data(), &converted, sizeof(T));
  });
}

/// Whether passes::strideClassOf(view's shape, view's strides, contiguousKnown) equals
/// `strideClass`, without building it (the same rules, read in place).
bool hasStrideClass(const TensorView& view, const passes::StrideClass& strideClass,
                    bool contiguousKnown) {
  const Shape& shape = view.shape();
  const Strides& strides = view.strides();
  if (strideClass.size() != shape.size())
    return false;
  bool contiguous = contiguousKnown && passes::isRowMajorContiguous(shape, strides);
  for (std::size_t d = 0; d < shape.size(); ++d) {
    std::optional<std::int64_t> known = passes::dimStrideClass(shape[d], strides[d], contiguous);
    if (known != strideClass[d])
      return false;
  }
  return true;
}

/// The plan's kernel already compiled for the views' stride classes, or null. Kernels stay in
/// the plan for its lifetime, so the pointer outlives the run.
const PreparedKernel* compiledKernelFor(const Plan::State& state, const TensorView* const* read,
                                        std::size_t operands, const TensorView& out,
                                        bool contiguousKnown) {
  std::lock_guard<std::mutex> lock(state.mutex);
  for (const std::shared_ptr<const PreparedKernel>& kernel : state.kernels) {
    bool matches = hasStrideClass(out, kernel->classes.back(), contiguousKnown);
    for (std::size_t t = 0; matches && t < operands; ++t)
      matches = hasStrideClass(*read[t], kernel->classes[t], contiguousKnown);
    if (matches)
      return kernel.get();
  }
  return nullptr;
}

/// The error for a kernel's status other than kStatusOk (runtime/KernelAbi.h).
[[noreturn]] void throwKernelFailure(std::int32_t status, const ir::LoopNest& nest) {
  if (status == runtime::kStatusOutOfMemory)
    throw Error(ErrorKind::Resource,
                "plan.run: out of memory: the packed kernel's scratch buffer of " +
                    std::to_string(codegen::packedScratchBytes(nest)) +
                    " bytes (per thread) could not be allocated; the output was not (completely) "
                    "written");
  throw Error(ErrorKind::Internal,
              "plan.run: the kernel returned the unknown status " + std::to_string(status));
}

} // namespace

void checkRun(const Plan::State& state, InputViews inputs, const TensorView& out) {
  const ir::IndexProgram& program = state.program;
  kChecker.checkInputCount(state.inputNames, inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i)
    kChecker.checkView(inputs[i], state.inputNames[i],
                       program.operands[state.firstOperandOf[i]].shape, program.dtype);
  kChecker.checkView(out, program.outputName, state.outputShape, program.resultDtype());
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (checkedElements(inputs[i]) > 0)
      checkReach(inputs[i], state.inputNames[i]);
  if (checkedElements(out) > 0) {
    checkReach(out, program.outputName);
    checkOutputMemory(state, inputs, out);
  }
}

void runPlan(const Plan::State& state, InputViews inputs, const MutableTensorView& out,
             const RunOptions& options) {
  if (options.threads < 0)
    misuse("threads " + std::to_string(options.threads) +
           " is negative; use 0 for every hardware thread or a count >= 1.");
  if (checkedElements(out) == 0)
    return;
  if (!state.engine->missingFeatures.empty())
    throw Error(ErrorKind::Unsupported,
                "the kernels are compiled for " + state.engine->target.cpu + ", which needs " +
                    support::join(state.engine->missingFeatures, ", ") +
                    " that this CPU lacks: such a plan can be explained, not run here");
  const ir::IndexProgram& program = state.program;
  bool constantExtents = state.engine->options.constantExtents;
  // Prologue operands are read from staged copies, which the lease keeps until the kernel has
  // run; the rest straight from the caller's views.
  std::size_t operands = program.operands.size();
  ScratchArray<const TensorView*, kInlineTensors> read(operands);
  for (std::size_t t = 0; t < operands; ++t)
    read[t] = &inputs[state.operandInputs[t]];
  std::optional<LeasePool<StagedOperands>::Lease> staged;
  if (!program.prologues.empty()) {
    staged.emplace(state.staging);
    if (staged->fresh())
      (*staged)->allocate(program, state.hasPrologue);
    stageOperands(state, inputs, **staged, read.data());
  }
  if (!state.stepStates.empty()) {
    runPath(state, std::span<const TensorView* const>(read.data(), operands), out, options);
    return;
  }
  const PreparedKernel* prepared =
      compiledKernelFor(state, read.data(), operands, out, constantExtents);
  std::shared_ptr<const PreparedKernel> compiled;
  if (!prepared) {
    std::vector<passes::StrideClass> classes;
    classes.reserve(operands + 1);
    for (const TensorView* view : read)
      classes.push_back(passes::strideClassOf(view->shape(), view->strides(), constantExtents));
    classes.push_back(passes::strideClassOf(out.shape(), out.strides(), constantExtents));
    compiled = state.prepared(std::move(classes));
    prepared = compiled.get();
  }
  invokeKernel(*prepared, program.dtype, read.data(), out, options);
}

void invokeKernel(const PreparedKernel& prepared, DType dtype, const TensorView* const* read,
                  const MutableTensorView& out, const RunOptions& options) {
  const ir::LoopNest& nest = prepared.nest;
  ScratchArray<void*, kInlineTensors> data(nest.inputs.size() + 1);
  ScratchArray<std::int64_t, kInlineStrides> strides(nest.strideTableSize());
  std::size_t tensors = 0;
  std::size_t entries = 0;
  auto addTensor = [&](const ir::TensorAccess& access, const TensorView& view, void* pointer) {
    data[tensors++] = pointer;
    for (const ir::LabelStride& stride : access.strides) {
      std::int64_t total = 0;
      for (std::size_t dim : stride.sourceDims)
        total += view.strides()[dim];
      strides[entries++] = total;
    }
  };
  for (const ir::TensorAccess& input : nest.inputs)
    addTensor(input, *read[input.source], kernelInput(*read[input.source]));
  addTensor(nest.output, out, out.data());
  alignas(16) std::array<std::byte, 16> alpha{};
  alignas(16) std::array<std::byte, 16> beta{};
  scalarOf(options.alpha, dtype, "alpha", alpha);
  scalarOf(options.beta, dtype, "beta", beta);
  runtime::ThreadCountScope threads(options.threads);
  std::int32_t status = prepared.kernel->entry()(
      data.data(), strides.data(), prepared.extents.data(), alpha.data(), beta.data());
  // Kernels cannot throw: one that could not do its work says so in its own result, so a
  // failure is this call's alone.
  if (status != runtime::kStatusOk)
    throwKernelFailure(status, nest);
}

} // namespace einjit
