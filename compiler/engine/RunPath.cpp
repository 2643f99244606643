// Runs a plan whose program is split into a path of pairwise contractions (passes::choosePath):
// each step is a binary plan of its own, reading original operands or earlier temporaries.
// bf16 and f16 paths run in f32, as driver::ContractionPlan lays them out: a generated copy
// widens each operand once into an f32 temporary, the steps (f32 plans) keep f32 temporaries,
// and another rounds the last one once into `out`, applying alpha and beta as any 16-bit kernel
// does. A relayout path in chunks (passes::PathChunks) runs its first steps once, then the rest
// chunk by chunk on slices of the operand and the output that hold the chunk's label, into
// temporaries of one chunk; with several threads, the chunks share out among them, each chunk's
// kernels on one thread, so that each chunk's temporaries stay in its core's L2. The same
// kernels an entry point compiled ahead of time runs (driver/AotCompile.cpp), which runs the
// chunks in turn.
#include "engine/EngineImpl.h"

#include "ThreadPool.h"
#include "einjit/error.h"

#include <array>
#include <optional>
#include <type_traits>

namespace einjit {

namespace {

/// The view of the first chunk of `view` along dimension `dim`: `chunk` indices of it, the
/// other extents and every stride as they are.
template <class View>
View firstChunk(const View& view, std::size_t dim, std::int64_t chunk) {
  Shape shape = view.shape();
  shape[dim] = chunk;
  if constexpr (std::is_same_v<View, MutableTensorView>)
    return MutableTensorView(view.data(), view.dtype(), std::move(shape), view.strides());
  else
    return TensorView(view.data(), view.dtype(), std::move(shape), view.strides());
}

/// The dimension of `indices` that holds `label`, or none.
std::optional<std::size_t> dimensionOf(const std::vector<ir::Index>& indices,
                                       const std::string& label) {
  for (std::size_t d = 0; d < indices.size(); ++d)
    if (indices[d].label == label)
      return d;
  return std::nullopt;
}

/// Bytes from chunk 0 of `view` along `dim` to chunk `index`.
std::ptrdiff_t chunkOffset(const TensorView& view, std::size_t dim, std::int64_t chunk,
                           std::int64_t index) {
  return static_cast<std::ptrdiff_t>(index * chunk * view.strides()[dim] *
                                     static_cast<std::int64_t>(dtypeSize(view.dtype())));
}

/// Runs `writer` into temporaries[slot], which it allocates on the first run of the set that
/// holds them (slots fill in order); what() names it for the allocation check.
template <class What>
void intoTemporary(std::vector<Tensor>& temporaries, std::size_t slot, const Plan::State& writer,
                   InputViews inputs, const RunOptions& options, What&& what) {
  if (slot >= temporaries.size()) {
    // Checked before allocating, so the message names the temporary (Tensor would too, vaguely).
    DType dtype = writer.program.resultDtype();
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(static_cast<std::uint64_t>(elementCount(writer.outputShape)),
                               dtypeSize(dtype), &bytes))
      bytes = ~std::uint64_t{0};
    limits::checkAllocation(bytes, "plan.run: the temporary " + writer.program.outputName +
                                       " of shape " + shapeToPython(writer.outputShape) + " (" +
                                       what() + ")");
    // Written whole by the kernel (beta zero) before anything reads it: no pass over it first.
    temporaries.push_back(writer.multiplyAdds > 0 ? Tensor::empty(dtype, writer.outputShape)
                                                  : Tensor(dtype, writer.outputShape));
  }
  runPlan(writer, inputs, temporaries[slot].view(), options);
}

/// One run of a path: what its steps read and write.
class PathRun {
public:
  PathRun(const Plan::State& state, std::span<const TensorView* const> operands,
          const MutableTensorView& out, const RunOptions& options, Plan::State::PathRunSet& set)
      : state_(state), steps_(state.path.steps), chunks_(state.path.chunks), operands_(operands),
        out_(out), options_(options), set_(set), widened_(state.widenStates.size()),
        firstChunked_(chunks_ ? chunks_->firstChunkedStep : steps_.size()) {}

  void run() {
    RunOptions whole{.threads = options_.threads};
    for (std::size_t t = 0; t < widened_; ++t)
      intoTemporary(set_.temporaries, t, *state_.widenStates[t], {*operands_[t]}, whole,
                    [] { return std::string("the f32 copy of an operand"); });
    for (std::size_t k = 0; k < firstChunked_; ++k)
      runStep(k, std::nullopt, nullptr, options_);
    if (chunks_)
      runChunks();
    if (state_.roundState)
      runPlan(*state_.roundState, {set_.temporaries[widened_ + steps_.size() - 1].view()}, out_,
              options_);
  }

private:
  /// The chunked steps, chunk by chunk: on this thread, the kernels on the run's threads; or,
  /// with several threads and chunks, shared out, each chunk's kernels on one thread.
  void runChunks() {
    // A relayout path, the only one chunked, reads two operands.
    if (operands_.size() != chunkDims_.size())
      throw Error(ErrorKind::Internal,
                  "plan.run: a chunked path of " + std::to_string(operands_.size()) + " operands");
    // Views of the first chunk, kept in the set while the caller's strides stay, rebased to each.
    std::vector<TensorView>& views = set_.operandChunks;
    views.resize(operands_.size());
    for (std::size_t t = 0; t < operands_.size(); ++t) {
      chunkDims_[t] = dimensionOf(state_.program.operands[t].indices, chunks_->label);
      if (chunkDims_[t] && (views[t].strides() != operands_[t]->strides() ||
                            views[t].dtype() != operands_[t]->dtype()))
        views[t] = firstChunk(*operands_[t], *chunkDims_[t], chunks_->chunk);
    }
    outChunkDim_ = dimensionOf(state_.program.output, chunks_->label);
    if (outChunkDim_ &&
        (set_.outChunk.strides() != out_.strides() || set_.outChunk.dtype() != out_.dtype()))
      set_.outChunk = firstChunk(out_, *outChunkDim_, chunks_->chunk);
    int threads =
        options_.threads == 0 ? static_cast<int>(runtime::hardwareThreads()) : options_.threads;
    if (threads <= 1 || chunks_->count <= 1) {
      runChunkRange(0, chunks_->count, options_);
      return;
    }
    RunOptions oneThread = options_;
    oneThread.threads = 1;
    // One pointer captured: the body fits std::function without allocating.
    struct Context {
      PathRun* run;
      const RunOptions* options;
    } context{this, &oneThread};
    runtime::sharedPool().parallelFor(
        0, chunks_->count, 1, threads,
        [shared = &context](std::int64_t lo, std::int64_t hi) {
          shared->run->runChunkRange(lo, hi, *shared->options);
        },
        1);
  }

  /// Chunks [lo, hi), into chunk temporaries of a set of its own.
  void runChunkRange(std::int64_t lo, std::int64_t hi, const RunOptions& options) {
    LeasePool<std::vector<Tensor>>::Lease lease(state_.chunkTemporaries);
    for (std::int64_t chunk = lo; chunk < hi; ++chunk)
      for (std::size_t k = firstChunked_; k < steps_.size(); ++k)
        runStep(k, chunk, &*lease, options);
  }

  /// A value a step reads: an operand (its f32 copy where widened; its chunk `chunk` where the
  /// step is chunked and the operand holds the label) or an earlier step's temporary.
  TensorView value(std::size_t read, std::optional<std::int64_t> chunk,
                   std::vector<Tensor>* chunkTemporaries) const {
    std::size_t operandCount = operands_.size();
    if (read >= operandCount) {
      std::size_t step = read - operandCount;
      return step < firstChunked_ ? set_.temporaries[widened_ + step].view()
                                  : (*chunkTemporaries)[step - firstChunked_].view();
    }
    if (chunk && chunkDims_[read])
      return set_.operandChunks[read].rebased(
          static_cast<const char*>(operands_[read]->data()) +
          chunkOffset(*operands_[read], *chunkDims_[read], chunks_->chunk, *chunk));
    return widened_ ? TensorView(set_.temporaries[read].view()) : *operands_[read];
  }

  /// Step k, of chunk `chunk` where it is chunked (its temporaries in `chunkTemporaries`).
  void runStep(std::size_t k, std::optional<std::int64_t> chunk,
               std::vector<Tensor>* chunkTemporaries, const RunOptions& options) {
    const Plan::State& step = *state_.stepStates[k];
    const std::vector<std::size_t>& reads = steps_[k].reads;
    // A step reads one value (a relayout copy) or two: held here, so that a run allocates
    // nothing.
    std::array<TensorView, 2> held;
    if (reads.size() > held.size())
      throw Error(ErrorKind::Internal, "plan.run: contraction path step " + std::to_string(k) +
                                           " reads " + std::to_string(reads.size()) + " values");
    for (std::size_t i = 0; i < reads.size(); ++i)
      held[i] = value(reads[i], chunk, chunkTemporaries);
    std::span<const TensorView> inputs(held.data(), reads.size());
    // The last step writes out itself unless its f32 result rounds into a 16-bit out.
    if (k + 1 == steps_.size() && !state_.roundState) {
      if (chunk && outChunkDim_)
        runPlan(step, inputs,
                set_.outChunk.rebased(static_cast<char*>(out_.data()) +
                                      chunkOffset(out_, *outChunkDim_, chunks_->chunk, *chunk)),
                options);
      else
        runPlan(step, inputs, out_, options);
      return;
    }
    RunOptions whole{.threads = options.threads};
    auto what = [k] { return "contraction path step " + std::to_string(k); };
    if (chunk)
      intoTemporary(*chunkTemporaries, k - firstChunked_, step, inputs, whole, what);
    else
      intoTemporary(set_.temporaries, widened_ + k, step, inputs, whole, what);
  }

  const Plan::State& state_;
  const std::vector<passes::PathStep>& steps_;
  const std::optional<passes::PathChunks>& chunks_;
  std::span<const TensorView* const> operands_;
  const MutableTensorView& out_;
  const RunOptions& options_;
  Plan::State::PathRunSet& set_;
  std::size_t widened_;
  std::size_t firstChunked_;
  std::array<std::optional<std::size_t>, 2> chunkDims_{};
  std::optional<std::size_t> outChunkDim_;
};

} // namespace

void runPath(const Plan::State& state, std::span<const TensorView* const> operands,
             const MutableTensorView& out, const RunOptions& options) {
  // A set of its own per run, so concurrent runs of one plan never share a temporary: one an
  // earlier run gave back where there is one, else filled as the run goes.
  LeasePool<Plan::State::PathRunSet>::Lease lease(state.pathTemporaries);
  PathRun(state, operands, out, options, *lease).run();
}

} // namespace einjit
