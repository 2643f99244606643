// The embedded runtime API (docs/architecture.md §8): an Engine owns the JIT and its kernel cache;
// a Plan is one contraction bound to operand shapes and a dtype, compiled to native code and run on
// strided views. No LLVM types here.
#pragma once

#include "einjit/dtype.h"
#include "einjit/explain.h"
#include "einjit/tensor.h"

#include <complex>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace einjit {

/// The schedule family of the kernels an Engine compiles (`einjit explain --emit=loops` shows
/// the choice and why). Auto picks one per kernel from its cost figures; the others force it,
/// for testing and comparison: every strategy computes the same values.
enum class Strategy {
  Auto,      ///< chosen per kernel
  Direct,    ///< the general loop nest with a register tile and threads
  Small,     ///< tiny products: each on one thread, reductions fully unrolled
  Streaming, ///< memory-bound: one pass, wide vectors, non-temporal stores for large outputs
  Packed,    ///< BLIS-style: packed panels, an MR x NR micro-kernel, cache blocks (real floats,
             ///< two operands with M, N and K labels; others fall back to direct)
};

/// How the Engine picks each kernel's schedule when EngineOptions::strategy is Auto.
enum class Tuning {
  Estimate, ///< from the cost figures (`explain --emit=loops` prints them), or a choice
            ///< measured earlier and kept in the persistent cache
  Measure,  ///< the candidate strategies are compiled and timed on the real shapes, and the
            ///< fastest is kept, on disk too (see EngineOptions::tuning)
};

/// Cache sizes in bytes that the schedule sizes its blocks against. A level left 0 takes the
/// value from $EINJIT_CACHE_SIZES ("L1d,L2,L3", e.g. "48K,2M,32M"), else the host's as sysfs
/// reports it, kept within the bounds of real cores (a hypervisor's 480 MiB L3 counts as 64 MiB).
struct CacheSizes {
  std::size_t l1d = 0;
  std::size_t l2 = 0;
  std::size_t l3 = 0;
};

/// What an Engine has to tell a person, outside any call's result or error.
struct Diagnostic {
  enum class Kind {
    Warning,    ///< e.g. the persistent cache's directory cannot be trusted: memory only now
    Statistics, ///< the kernel cache's counters, once the engine and its last plan are gone
                ///< (only when $EINJIT_STATS is "1")
  };
  Kind kind = Kind::Warning;
  /// One line without a trailing newline or an "einjit:" prefix: "kernel cache directory
  /// '/x': not owned by this user; compiled kernels are kept in memory only".
  std::string message;
};

struct EngineOptions {
  /// Compiled kernels kept; the least recently used beyond this are dropped (their code is freed
  /// once no Plan uses them).
  std::size_t cacheCapacity = 256;
  /// True: extents are compiled in as constants (one kernel per shape, the fastest code).
  /// False: kernels read extents at run time and serve every shape with the same unit
  /// dimensions and stride classes.
  bool constantExtents = true;
  /// The CPU kernels are generated for: "host", or an LLVM CPU name ("x86-64-v3", "x86-64-v4",
  /// "znver4", "sapphirerapids", …). Empty: $EINJIT_TARGET, else the host. Any target explains
  /// and compiles; its kernels run only where the host has every ISA feature the target enables
  /// (else Plan::run throws Error(Unsupported) naming the missing features). An unknown name is
  /// Error(Argument) from the Engine's constructor. Pinning target and cacheSizes makes the
  /// schedule the same on every machine.
  std::string target;
  /// The caches the schedule sizes its working sets against (see CacheSizes).
  CacheSizes cacheSizes;
  /// Caps the vector width in bits (e.g. 256 on an AVX-512 host); 0 uses the host's widest.
  unsigned maxVectorBits = 0;
  /// True: a contraction of three or more operands runs as the cheapest sequence of pairwise
  /// contractions (through temporaries) when that needs fewer multiply-adds than one fused loop
  /// nest. False: always one fused nest.
  bool contractionPaths = true;
  /// The schedule family of every kernel; Auto chooses per kernel.
  Strategy strategy = Strategy::Auto;
  /// With Strategy::Auto and Tuning::Measure, a kernel with constant extents whose operands and
  /// output are contiguous is compiled under every strategy that applies to it (the estimate's
  /// choice, direct, small, streaming, packed), each timed on zero-filled operands on one
  /// thread (3 to 51 rounds of one run per candidate, interleaved, within tuningBudgetMillis;
  /// each candidate's fastest run counts; compiling comes on top), and the fastest kept. The
  /// choice
  /// is stored in the persistent cache beside the kernels, so later engines and processes on
  /// the same target, caches and einjit version reuse it without timing, whatever their tuning
  /// (`einjit tune --manifest FILE` fills the cache ahead of time). `explain
  /// --emit=loops` prints the timings ("measured: …"). $EINJIT_TUNE ("estimate", "measure" or
  /// "measure:MS") sets the default.
  Tuning tuning = Tuning::Estimate;
  /// Milliseconds the timed runs of one kernel's candidates may take, all candidates together
  /// (each runs at least three times, whatever the budget).
  double tuningBudgetMillis = 200;
  /// True: compiled kernels are also kept on disk (the persistent kernel cache), so that later
  /// engines and processes load them instead of compiling them again. Entries are checked
  /// (format, checksum, einjit and LLVM versions, target CPU and features, the full key, the
  /// generated code before optimization) and rebuilt when anything differs. False: memory only.
  bool persistentCache = true;
  /// The persistent cache's directory, created (mode 0700) on first use. Empty:
  /// $EINJIT_CACHE_DIR (the value "off" turns the persistent cache off), else
  /// $XDG_CACHE_HOME/einjit, else $HOME/.cache/einjit. Only a directory owned by the user and
  /// not writable by group or others is used (a symbolic link is judged by the directory it
  /// leads to), and only entries in it that are regular files of the user's (never a symbolic
  /// link). A directory that cannot be created, trusted or written (a full disk), or an entry
  /// that cannot be trusted, costs one Diagnostic::Kind::Warning; the engine then keeps its
  /// kernels in memory only, and every contraction still runs.
  std::string cacheDirectory;
  /// Receives the engine's diagnostics (warnings, the statistics $EINJIT_STATS=1 asks for),
  /// from whichever thread meets them (a compiling run's, or the one dropping the engine's last
  /// plan); it must not throw. Empty (the default): nothing is reported. The library never
  /// writes to stderr itself; the einjit CLI and the Python module install a callback that
  /// prints "einjit: warning: MESSAGE" (or "einjit: MESSAGE" for statistics) on stderr.
  std::function<void(const Diagnostic&)> diagnostics;
};

/// Sets options.tuning (and tuningBudgetMillis) from "estimate", "measure" or "measure:MS";
/// throws Error(Argument) naming `source` (a flag or variable) for anything else.
void parseTuning(std::string_view text, EngineOptions& options, std::string_view source);

/// out = alpha * contraction + beta * out. Complex dtypes use the complex values, real dtypes the
/// real parts, integer dtypes the real parts rounded to integers. When beta is zero `out` is not
/// read (it may hold anything, even NaN).
struct RunOptions {
  std::complex<double> alpha{1.0, 0.0};
  std::complex<double> beta{0.0, 0.0};
  /// Threads a run may use: 0 means std::thread::hardware_concurrency(), 1 runs on the calling
  /// thread only. Large kernels split their outermost output loop across up to this many
  /// threads (each owns distinct output elements, so results do not depend on the count);
  /// small ones use one thread whatever the count. Negative counts are Error(Misuse).
  int threads = 0;
};

/// How Engine::plan reads a call beyond its text, shapes and dtype.
struct CallOptions {
  /// K.batch_dot, keras.layers.Dot and keras.layers.dot with the legacy Keras semantics
  /// (Keras <= 2.2.4, docs/semantics.md §8.6) instead of the current ones, as the CLI's
  /// `--batch-dot=legacy`. Error(Argument) for a call whose meaning never changed.
  bool legacyBatchDot = false;
  /// The output's dtype when it is not the operands': DType::f32 for bf16 or f16 operands keeps
  /// the f32 sums unrounded (as oneMKL's gemm_bf16bf16f32; `--output-dtype f32` on the CLI).
  /// Error(Argument) for any other combination.
  std::optional<DType> outputDtype = std::nullopt;
};

/// The output dtype of a plan whose operands are `dtype`, under options.outputDtype: `dtype`, or
/// f32 for bf16 and f16 operands when asked. Error(Argument) for any other output dtype.
DType outputDtypeOf(DType dtype, const CallOptions& options);

/// The operand shapes of `einjit explain --shapes` text for `expression`, in the order
/// Engine::plan takes them: "2x3x4,2x3x4" by position, "x=2x3x4,y=2x3x4" by the call's operand
/// names. Error(Shape|Resource) for a malformed text, Error(Arity) when the names do not match.
std::vector<Shape> callShapes(std::string_view expression, std::string_view shapesText);

/// The names a call's operands bind to, in order, each once ("K.batch_dot(x, y)" -> x, y;
/// "a @ a" -> a; a bare einsum string's operands get the default names). Throws the parser's
/// Error(Syntax|Argument) for text it cannot read.
std::vector<std::string> callOperandNames(std::string_view expression);

/// The kernel cache's counters. A "kernel" here is any compiled object the cache holds: a
/// contraction kernel, or the prologue function that normalizes or ravels an operand before it
/// (a cold `Dot(normalize=True)` plan is two misses; docs/kernel-cache.md).
struct EngineStatistics {
  std::uint64_t hits = 0;        ///< kernels found in the cache (including waits for a compile)
  std::uint64_t misses = 0;      ///< kernels not in memory: compiled, or loaded from disk
  std::uint64_t waits = 0;       ///< hits that waited for another thread's compilation
  std::uint64_t failures = 0;    ///< compilations that failed
  std::uint64_t evictions = 0;   ///< kernels dropped to stay within the capacity
  std::size_t entries = 0;       ///< kernels in the cache now
  double compileMillis = 0;      ///< total milliseconds spent compiling (or loading from disk)
  std::uint64_t diskHits = 0;    ///< misses served by the persistent cache: no compilation
  std::uint64_t diskWrites = 0;  ///< kernels written to the persistent cache
  std::uint64_t diskRejects = 0; ///< entries found on disk but not used (stale, corrupt, foreign)
};

/// What an Engine compiles for (`einjit target` prints it).
struct TargetInfo {
  std::string triple;           ///< "x86_64-pc-linux-gnu"
  std::string cpu;              ///< LLVM's CPU name: the host's or the one named
  unsigned vectorBits = 0;      ///< widest vector register the features allow
  unsigned vectorRegisters = 0; ///< vector registers of that width
  bool bf16DotProduct = false;  ///< AVX512-BF16: packed bf16 kernels multiply with vdpbf16ps
  CacheSizes caches;            ///< the caches the schedule sizes its blocks against
  std::vector<std::string> missingOnHost; ///< ISA features the target needs that this CPU lacks
  /// True when kernels compiled for this target run on this CPU.
  bool runsHere() const { return missingOnHost.empty(); }
};

class Engine;

/// A contraction compiled for fixed operand shapes and dtype. Copies share state; run() is
/// safe to call from many threads at once.
class Plan {
public:
  /// Computes the contraction into `out` (shape outputShape(), any strides that do not make it
  /// overlap itself or an input). The inputs are only read (InputViews: a braced list, a vector,
  /// an array or a span of views, passed without a copy); only `out` is written. Views may have
  /// any strides, including 0 and negative ones; a new stride class (e.g. a transposed view)
  /// compiles its kernel on first use. Throws Error(Misuse) when the inputs or `out` do not fit
  /// the plan: count, dtype, rank, extents, a null pointer, a stride array of the wrong size, or
  /// overlapping memory.
  void run(InputViews inputs, const MutableTensorView& out, const RunOptions& options = {}) const;
  /// Same, into a new C-order tensor.
  Tensor run(InputViews inputs, const RunOptions& options = {}) const;

  const Shape& outputShape() const;
  /// The operands' dtype.
  DType dtype() const;
  /// The output's: dtype(), or f32 where CallOptions::outputDtype asked for it.
  DType outputDtype() const;
  /// Multiply-adds one run performs: the contraction's as written, or its pairwise path's when
  /// the plan runs one (three or more operands); INT64_MAX when the count does not fit.
  std::int64_t multiplyAdds() const;
  /// What run() takes, in order: the call's distinct operand names ("x", "y").
  const std::vector<std::string>& inputNames() const;
  /// What the plan computes and how, up to `stage`, as text ("index:", "path (…):",
  /// "loops (…):", "llvm (…):", "asm (…):" sections).
  std::string explain(ExplainStage stage = ExplainStage::Loops) const;
  /// The same as fields: the call's facts (those of Engine::explain) and the compiler's stages
  /// up to `stage`, each built once.
  Explanation explanation(ExplainStage stage = ExplainStage::Loops) const;

  struct State;

private:
  friend class Engine;
  friend struct EngineAccess;
  explicit Plan(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

/// Owns the JIT (code for the host CPU) and the kernel cache. Thread-safe. Plans share the
/// engine's JIT and cache and may outlive the Engine object. With EINJIT_STATS=1 in the
/// environment the cache statistics (memory and disk) go to EngineOptions::diagnostics once the
/// engine and its last plan are gone.
class Engine {
public:
  explicit Engine(EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// A plan for `expression` — an einsum string ("bik,bjk->bij") or a call as written in Python
  /// ("K.batch_dot(x, y, axes=[2, 2])", "np.tensordot(a, b, axes=2)", …) — with the operands'
  /// shapes in order. Compiles the kernel for contiguous operands now. Front-end errors are
  /// thrown as the front end reports them; `options` reads the call (e.g. legacy batch_dot
  /// semantics).
  Plan plan(std::string_view expression, const std::vector<Shape>& shapes, DType dtype,
            const CallOptions& options = {});
  /// What `einjit explain` says about `expression` on these shapes: the call's facts, and with
  /// `stage` the compiler's stages up to it. Compiles (through the cache) only for a stage past
  /// ExplainStage::Index. With options.legacyBatchDot the legacy reading is the result, also
  /// where current Keras refuses the call (that refusal is then a fact of the explanation).
  Explanation explain(std::string_view expression, const std::vector<Shape>& shapes, DType dtype,
                      const CallOptions& options = {},
                      std::optional<ExplainStage> stage = std::nullopt);
  /// A plan for an IndexProgram in its text form (declarations, prologues, statement).
  Plan planIndexProgram(std::string_view text);
  /// numpy.einsum(subscripts, *inputs) into `out`: lowered, compiled on first use of its shape
  /// signature, then served from the cache.
  void einsum(std::string_view subscripts, InputViews inputs, const MutableTensorView& out,
              const RunOptions& options = {});
  /// Same, into a new C-order tensor.
  Tensor einsum(std::string_view subscripts, InputViews inputs, const RunOptions& options = {});

  /// The one-shot form of any call the CLI takes ("K.batch_dot(x, y, axes=[1, 1])", "a @ b",
  /// "keras.layers.Dot(axes=2)([x, y])", "np.tensordot(a, b, axes=2)", …): the views bind by
  /// position to the call's distinct operand names and give the shapes and dtype. Lowered and
  /// compiled on first use of its shape signature, then served from the cache like einsum.
  /// `callOptions` reads the call as Engine::plan does (e.g. legacy batch_dot semantics).
  void call(std::string_view expression, InputViews inputs, const MutableTensorView& out,
            const RunOptions& options = {}, const CallOptions& callOptions = {});
  /// Same, into a new C-order tensor.
  Tensor call(std::string_view expression, InputViews inputs, const RunOptions& options = {},
              const CallOptions& callOptions = {});

  EngineStatistics statistics() const;
  /// "x86_64-pc-linux-gnu znver4, 512-bit vectors, L1d 32 KiB, L2 1024 KiB, L3 32768 KiB" —
  /// what the kernels are compiled for.
  std::string targetDescription() const;
  /// The same, field by field.
  TargetInfo target() const;

  struct Impl;

private:
  friend struct EngineAccess;
  std::shared_ptr<Impl> impl_;
};

} // namespace einjit
