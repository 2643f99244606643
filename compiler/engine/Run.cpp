// One run of a plan: check the views against the plan, stage prologue operands (through the
// reference's prologue evaluation, so the JIT and the oracle agree), pick the kernel for the
// views' stride classes, fill the stride table and call the kernel.
#include "engine/EngineImpl.h"

#include "Scratch.h"
#include "ThreadPool.h"
#include "einjit/error.h"
#include "ir/ProgramViews.h"
#include "reference/Interpreter.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

namespace einjit {

namespace {

const ir::ViewChecker kChecker{"plan.run", "plan"};

[[noreturn]] void misuse(const std::string& what) {
  kChecker.fail(what);
}

/// The bytes [first, last] a non-empty view touches.
struct ByteRange {
  std::uintptr_t first = 0;
  std::uintptr_t last = 0;
};

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

/// True when no two index tuples of `view` reach one element: sorted by stride, each stride
/// must step past everything the smaller strides reach. Sufficient, not necessary.
bool overlapsItself(const TensorView& view) {
  std::vector<std::pair<std::int64_t, std::int64_t>> dims; // |stride|, extent
  for (std::size_t d = 0; d < view.rank(); ++d)
    if (view.shape()[d] > 1)
      dims.emplace_back(std::abs(view.strides()[d]), view.shape()[d]);
  std::sort(dims.begin(), dims.end());
  std::int64_t reach = 0;
  for (const auto& [stride, extent] : dims) {
    if (stride <= reach)
      return true;
    reach += stride * (extent - 1);
  }
  return false;
}

void checkOutputMemory(const Plan::State& state, const std::vector<TensorView>& inputs,
                       const TensorView& out) {
  const std::string& name = state.program.outputName;
  kChecker.checkOutputStrides(out, name);
  if (overlapsItself(out))
    misuse(name + " has strides " + shapeToPython(out.strides()) + " for shape " +
           shapeToPython(out.shape()) + ", which make elements of the output overlap.");
  ByteRange written = byteRange(out);
  for (std::size_t t = 0; t < inputs.size(); ++t) {
    if (inputs[t].elements() == 0)
      continue;
    ByteRange read = byteRange(inputs[t]);
    if (read.first <= written.last && written.first <= read.last)
      misuse(name + " overlaps input " + state.inputNames[t] +
             ": the output must not share memory with an operand.");
  }
}

/// alpha or beta as one value of the dtype, in `storage`.
void scalarOf(std::complex<double> value, DType dtype, const char* role,
              std::array<std::byte, 16>& storage) {
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
    } else {
      converted = T(static_cast<typename T::value_type>(value.real()),
                    static_cast<typename T::value_type>(value.imag()));
    }
    std::memcpy(storage.data(), &converted, sizeof(T));
  });
}

} // namespace

void checkRun(const Plan::State& state, const std::vector<TensorView>& inputs,
              const TensorView& out) {
  const ir::IndexProgram& program = state.program;
  kChecker.checkInputCount(state.inputNames, inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i)
    kChecker.checkView(inputs[i], state.inputNames[i],
                       program.operands[state.firstOperandOf[i]].shape, program.dtype);
  kChecker.checkView(out, program.outputName, state.outputShape, program.dtype);
  if (out.elements() > 0)
    checkOutputMemory(state, inputs, out);
}

void runPlan(const Plan::State& state, const std::vector<TensorView>& inputs, const TensorView& out,
             const RunOptions& options) {
  if (options.threads < 0)
    misuse("threads " + std::to_string(options.threads) +
           " is negative; use 0 for every hardware thread or a count >= 1.");
  if (out.elements() == 0)
    return;
  const ir::IndexProgram& program = state.program;
  bool constantExtents = state.engine->options.constantExtents;
  // Prologue operands are read from staged copies; the rest straight from the caller's views.
  std::size_t operands = program.operands.size();
  std::vector<Tensor> staged(state.anyPrologue ? operands : 0);
  std::vector<TensorView> stagedViews(staged.size());
  std::vector<const TensorView*> read;
  read.reserve(operands);
  for (std::size_t t = 0; t < operands; ++t) {
    const TensorView& input = inputs[state.operandInputs[t]];
    if (!state.hasPrologue[t]) {
      read.push_back(&input);
      continue;
    }
    staged[t] = reference::applyPrologues(program, t, input);
    stagedViews[t] = staged[t].view();
    read.push_back(&stagedViews[t]);
  }
  if (!state.stepStates.empty()) {
    runPath(state, read, out, options);
    return;
  }
  std::vector<passes::StrideClass> classes;
  classes.reserve(operands + 1);
  for (const TensorView* view : read)
    classes.push_back(passes::strideClassOf(view->shape(), view->strides(), constantExtents));
  classes.push_back(passes::strideClassOf(out.shape(), out.strides(), constantExtents));
  std::shared_ptr<const PreparedKernel> prepared = state.prepared(std::move(classes));
  const ir::LoopNest& nest = prepared->nest;

  std::vector<void*> data;
  data.reserve(nest.inputs.size() + 1);
  std::vector<std::int64_t> strides;
  strides.reserve(nest.strideTableSize());
  auto addTensor = [&](const ir::TensorAccess& access, const TensorView& view) {
    data.push_back(view.data());
    for (const ir::LabelStride& stride : access.strides) {
      std::int64_t total = 0;
      for (std::size_t dim : stride.sourceDims)
        total += view.strides()[dim];
      strides.push_back(total);
    }
  };
  for (const ir::TensorAccess& input : nest.inputs)
    addTensor(input, *read[input.source]);
  addTensor(nest.output, out);
  alignas(16) std::array<std::byte, 16> alpha{};
  alignas(16) std::array<std::byte, 16> beta{};
  scalarOf(options.alpha, program.dtype, "alpha", alpha);
  scalarOf(options.beta, program.dtype, "beta", beta);
  runtime::ThreadCountScope threads(options.threads);
  std::uint64_t scratchFailures = einjit_rt_scratch_failures();
  prepared->kernel->entry()(data.data(), strides.data(), prepared->extents.data(), alpha.data(),
                            beta.data());
  // A packed kernel that could not get its buffers skipped its work (kernels cannot throw).
  if (nest.packed && einjit_rt_scratch_failures() != scratchFailures)
    throw Error(ErrorKind::Internal,
                "out of memory: the packed kernel's buffers could not be allocated; the output "
                "was not written");
}

} // namespace einjit
