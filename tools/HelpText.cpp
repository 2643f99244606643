// The text of `einjit --help` and `einjit CMD --help`.
#include "CommandLine.h"

namespace einjit::cli {

const char* const kMainHelp = R"(usage: einjit COMMAND [options]

einjit explains and computes tensor contractions written as numpy, TensorFlow, PyTorch or Keras
calls, or as einsum strings. It compiles each one to native vector code with LLVM (a JIT).

commands:
  explain EXPR --shapes S    what the call computes: output shape, the role of every index,
                             the index-notation statement, the equivalent numpy einsum;
                             --emit=index|path|loops|passes|llvm|asm adds its stages
  run EXPR a.npy b.npy ...   compute the call on .npy files with the JIT (--interpret: with
                             the reference interpreter; --check: both, compared)
  bench EXPR --shapes S      compile once, time runs on random operands: GFLOP/s, median
                             seconds, compile milliseconds
  demo                       the five worked questions of docs/semantics.md section 10
  compile EXPR --shapes S --name NAME -o DIR
                             compile ahead of time into DIR/NAME.o and DIR/NAME.h: a C
                             entry point that links with no LLVM and no einjit library
  cache stats|list|clear      the persistent kernel cache: its directory, entries and
                             bytes; one line per entry; delete the entries
  target                     what kernels are compiled for: CPU, vectors, the cache sizes
                             blocks are sized by, whether the code runs here
  tune --manifest FILE       time the candidate schedules of each contraction listed and keep
                             the fastest in the persistent cache, for later runs
  opt --pass=NAME FILE|-     run one scheduling pass on a loop nest's text (as
                             explain --emit=passes prints it); print the verified result

EXPR is an einsum string ('bij,bjk->bik', numpy rules; quotes optional) or one call as written in
Python; operands are plain names:
  np.einsum('ij,jk', a, b)   np.einsum(a, [0, 1], b, [1, 2], [0, 2])   np.tensordot(a, b, axes=2)
  np.dot  np.inner  np.outer  np.matmul  a @ b           tf.einsum  tf.tensordot  tf.matmul(a, b,
  transpose_a=, transpose_b=, adjoint_a=, adjoint_b=)    torch.einsum('ij,jk', [a, b])  torch.bmm
  torch.matmul  torch.tensordot(a, b, dims=)  torch.inner  torch.outer   K.dot(x, y)
  K.batch_dot(x, y, axes=[1, 1])   keras.layers.Dot(axes=2, normalize=True)([a, b])
  keras.layers.dot([a, b], axes=(2, 1))   keras.ops.dot / matmul / tensordot / einsum
Module aliases: np. numpy. | tf. tensorflow. tf.linalg. | torch. | K. keras.backend.
tf.keras.backend. tf_keras.backend. | keras.layers. (Keras 3) | tf.keras.layers. tf_keras.layers.
(tf_keras: Dot(normalize=True) floors norms at 1e-6) | keras.ops.

Run `einjit COMMAND --help` for the options of a command.
Documentation (in the source tree): docs/semantics.md, what each call computes and its errors;
docs/architecture.md, the compiler; docs/kernel-cache.md, the kernel caches.
Environment: EINJIT_STATS=1 prints the kernel cache's statistics on stderr at exit.
EINJIT_PERF_MAP=1 writes /tmp/perf-<pid>.map, which names JIT-compiled kernels in perf.
EINJIT_TARGET=CPU, EINJIT_CACHE_SIZES=L1d,L2,L3 and EINJIT_TUNE=T are the defaults of --target,
--cache-sizes and --tune (for programs: EngineOptions::target, cacheSizes and tuning).
EINJIT_CACHE_DIR=DIR keeps compiled kernels in DIR for later runs (default
$XDG_CACHE_HOME/einjit, else ~/.cache/einjit); EINJIT_CACHE_DIR=off keeps them in memory only.
Exit status: 0 success, 1 error in the input (message on stderr) or a failed --check,
2 bad command line.
)";

namespace {

/// The options of every command that compiles (explain, run, bench), at the end of its help.
const std::string kTargetOptionsHelp =
    R"(  --target CPU     generate code for CPU: host (default, or $EINJIT_TARGET) or an LLVM CPU
                   name (x86-64-v3, x86-64-v4, znver4, sapphirerapids, ...); any target
                   explains, code runs only where this CPU has the target's features
  --cache-sizes C  the caches the schedule sizes its blocks against, L1d,L2,L3 (48K,2M,32M);
                   default $EINJIT_CACHE_SIZES, else this machine's as sysfs reports them
                   (within the bounds of real cores). Pinning --target and --cache-sizes
                   gives the same schedule on every machine
)";

} // namespace

const std::string kExplainHelp =
    R"(usage: einjit explain EXPR --shapes S [--dtype T] [--output-dtype f32] [--json]
                      [--emit=index|path|loops|passes|llvm|asm] [--batch-dot=current|legacy]
                      [--strategy=auto|direct|small|streaming|packed]
                      [--tune=estimate|measure[:MS]] [--target CPU] [--cache-sizes L1d,L2,L3]

Prints the call, the operand shapes, the output shape, every index label with its role (batch:
kept and shared by several operands; free: kept, from one operand; contracted: summed, shared;
summed: summed inside one operand), the index-notation statement, the equivalent numpy einsum
call and the number of multiply-adds. For K.batch_dot, keras.layers.Dot and keras.layers.dot it
also lowers the call as legacy Keras did (Keras <= 2.2.4, TensorFlow backend) and shows both
results where they differ.

options:
  --shapes S       operand shapes, by position (2x3x4,2x4x5) or by name (x=2x3x4,y=2x4x5);
                   'scalar' or an empty item is a 0-d operand; extents must be >= 1
  --dtype T        f32 (default), f64, i32, i64, c64, c128, bf16, f16 (or numpy names:
                   float32, bfloat16, float16, half, ...)
  --output-dtype f32
                   with bf16 or f16 operands: an f32 output holding the f32 sums unrounded
                   (default: the operands' dtype, each element rounded once)
  --json           one JSON object: call, function, dtype, output_dtype, operands [{name, shape}],
                   out_shape, index, einsum, numpy, roles {label: role}, extents,
                   broadcast, unit_output_axes, notes, multiply_adds, batch_dot (Keras
                   calls), legacy (null, or the same facts plus differs, or {error})
  --emit=STAGE     also print the compiler's stages up to STAGE (each implies the ones
                   before it), after the explanation; with --json each is a key:
                     index  the whole IndexProgram text (it parses back)   "program"
                     path   the pairwise contraction path of 3+ operands    "path"
                            and the multiply-adds that chose it
                     passes the IR after every pass of the pipeline (the  "passes"
                            path too): the contraction, then the loop nest;
                            (unchanged) where a pass did nothing
                     loops  the loop nest the kernel runs, for contiguous  "loops"
                            operands
                     llvm   the kernel's LLVM IR after optimization       "llvm"
                     asm    the kernel's assembly for this machine         "asm"
  --batch-dot=M    which Keras semantics is the primary result: current (default) or legacy
  --strategy=S     the kernels' schedule: auto (default: chosen from the cost figures that
                   --emit=loops prints), direct, small (tiny products, each on one thread,
                   unrolled sums), streaming (memory-bound: wide stores, non-temporal when large) or
                   packed (BLIS-style: packed panels, a register micro-kernel, cache blocks;
                   f32, f64, bf16 and f16 contractions with M, N and K labels, others stay
                   direct)
)" + kTargetOptionsHelp;

const std::string kRunHelp =
    R"(usage: einjit run EXPR a.npy b.npy ... [-o out.npy] [--alpha A] [--beta B]
                  [--batch-dot=current|legacy] [--output-dtype f32] [--interpret | --check]
                  [--time [--repeat N]] [--threads N]
                  [--strategy=auto|direct|small|streaming|packed]
                  [--tune=estimate|measure[:MS]] [--target CPU] [--cache-sizes L1d,L2,L3]

Computes EXPR with native code compiled for this machine (the JIT). One .npy file per operand,
in the order the operands appear in EXPR; their shapes bind the operands and they must share one
dtype (f32, f64, i32, i64, c64, c128, f16 as <f2, bf16 as ml_dtypes saves it, <V2; C or
Fortran order). bf16 and f16 compute in f32 and round once into a result of the same dtype, or,
with --output-dtype f32, store the f32 sums.
Without -o the result is printed as numpy prints it. Reports (--check, --time) go to stderr.

options:
  -o FILE          write the result to FILE as a .npy file
  --alpha A        out = A * contraction (+ beta * out); default 1
  --beta B         accumulate into the existing -o FILE: out = alpha * contraction + B * out
  --batch-dot=M    K.batch_dot / Dot semantics: current (default) or legacy
  --output-dtype f32
                   with bf16 or f16 operands: an f32 result (the f32 sums, unrounded)
  --interpret      compute with the reference interpreter instead of the JIT
  --check          also compute with the interpreter and compare: print the max abs and rel
                   error; exit 1 when an element differs by more than the tolerance (bf16:
                   1e-2, f16: 2e-3, f32, c64: 1e-4, f64, c128: 1e-10, times the largest
                   |element|; integers: exact)
  --time           print the compile time and the median time of --repeat runs
  --repeat N       runs timed by --time (default 10)
  --threads N      threads per run (default 1); large kernels split their outermost output
                   loop across them, with the same result for every count
  --strategy=S     the kernels' schedule: auto (default), direct, small, streaming or packed;
                   every strategy computes the same values
)" + kTargetOptionsHelp;

const std::string kBenchHelp =
    R"(usage: einjit bench EXPR --shapes S [--dtype T] [--output-dtype f32] [--threads N]
                    [--repeat N] [--json]
                    [--batch-dot=current|legacy] [--strategy=auto|direct|small|streaming|packed]
                    [--tune=estimate|measure[:MS]] [--target CPU] [--cache-sizes L1d,L2,L3]

Compiles EXPR once for the shapes, runs it on seeded random operands (values in [-1, 1),
integers in [-3, 3]) once to warm up, then times runs: --repeat N of them, or by default as
many as fit in about 0.25 s (at least 10, at most 1000). Prints GFLOP/s (2 flops per
multiply-add of the contraction, or of its best path for three or more operands, whatever the
dtype), the median run time in seconds and the compile time in milliseconds.

options:
  --shapes S       operand shapes, by position (256x256,256x256) or by name (a=..,b=..)
  --dtype T        f32 (default), f64, i32, i64, c64, c128, bf16, f16
  --output-dtype f32
                   with bf16 or f16 operands: an f32 output (the f32 sums, unrounded)
  --threads N      threads per run (default 1); large kernels split their outermost output
                   loop across them, with the same result for every count
  --repeat N       timed runs, at least 10
  --json           one JSON object: gflops, median_s, compile_ms, and call, index, dtype,
                   shapes, out_shape, target, threads, multiply_adds, runs, plan_ms
                   (compiling included), min_s
  --batch-dot=M    K.batch_dot / Dot semantics: current (default) or legacy
  --strategy=S     the kernels' schedule: auto (default), direct, small, streaming or packed,
                   to compare them on the same shapes
)" + kTargetOptionsHelp;

const char* const kDemoHelp = R"(usage: einjit demo

Explains and computes, on numpy-style arange data, the five questions of docs/semantics.md §10:
(a) keras.layers.Dot(axes=2) on two (2, 3, 4) tensors, and with normalize=True; (b) K.dot on
(2, 3, 4) x (7, 4, 5) and the (3, 4, 5, 2) x (2, 5, 3, 7) error; (c) K.batch_dot on
(9, 8, 7, 4, 2) x (9, 8, 7, 2, 5), current against legacy Keras; (d) keras.layers.dot with
axes=(2, 1); (e) the attention calls and tf.tensordot.
)";

const char* const kCompileHelp =
    R"(usage: einjit compile EXPR --shapes S [--dtype T] [--output-dtype f32] --name NAME -o DIR
                      [--batch-dot=current|legacy] [--target CPU] [--cache-sizes L1d,L2,L3]
                      [--single-threaded] [--no-cache]
       einjit compile --manifest FILE --name LIB -o DIR [--output-dtype f32]
                      [--batch-dot=current|legacy] [--target CPU] [--cache-sizes L1d,L2,L3]
                      [--single-threaded] [--no-cache]

Compiles contractions ahead of time into DIR/NAME.o (a relocatable object) and DIR/NAME.h (its C
header). Each entry point is
  int32_t NAME(const T* x, const T* y, ..., T* out, T alpha, T beta, int threads);
with one pointer per distinct operand (in the order the call names them), then the output; it
returns EINJIT_STATUS_OK, or EINJIT_STATUS_OUT_OF_MEMORY (see the header).
Every array is contiguous row-major with exactly the compiled shapes; out = alpha * result +
beta * out, out not read when beta == 0. NAME_strided is the same on strided arrays: each
pointer is followed by a const int64_t* of its strides in elements, one per dimension. Complex
dtypes take alpha and beta as pointers to (real, imaginary). The header documents each entry
point: shapes, dtype, the index-notation statement, the einsum and the threading.

Threads: by default a kernel whose work is large enough splits its outermost output loop across
`threads` threads of einjit_rt's pool (1: the calling thread only; 0 or less: every hardware
thread); the results do not depend on the thread count. Link the program with einjit_rt (never
LLVM). --single-threaded drops the threads argument and the pool: the object then needs only
libc and libm.

Calls that normalize an operand (keras.layers.Dot(normalize=True)) take a scratch buffer after
out, `T* scratch`, of at least NAME_SCRATCH_ELEMENTS elements of T (a macro in the header): the
entry point writes the normalized copies there. Calls that ravel one (np.outer) get no
NAME_strided.

Three or more operands run the contraction path the JIT runs (`einjit explain --emit=path`)
when it beats one fused loop nest: one kernel per pairwise step, behind the one entry point,
each temporary in the caller's scratch buffer (`T* scratch` after out, NAME_SCRATCH_ELEMENTS
elements; the header lists the steps). Two operands whose batch label is innermost take the
JIT's relayout path the same way, where it pays for the --cache-sizes. bf16 and f16 paths run
as the JIT's: the inputs widened to float in scratch, float steps and temporaries, the result
rounded once into out; their scratch is `float* scratch`, NAME_SCRATCH_ELEMENTS floats.

options:
  --shapes S         operand shapes, as for explain (2x3x4,2x4x5 or x=2x3x4,y=2x4x5)
  --dtype T          f32 (default), f64, i32, i64, c64, c128, bf16, f16 (bf16/f16 arrays
                     are uint16_t; alpha and beta are float)
  --output-dtype f32 for bf16 and f16 operands: out is float and keeps the f32 sums unrounded
                     (as explain and run; with --manifest, for every line)
  --batch-dot=M      K.batch_dot / Dot semantics: current (default) or legacy, as explain and
                     run read them (with --manifest, for every line; a call without legacy
                     semantics is then an error); the header says which
  --name NAME        the entry points (NAME, NAME_strided) and the file names (a C
                     identifier); with --manifest the library's file names
  -o DIR             output directory (created if missing)
  --target CPU       compile for a named CPU (x86-64-v3, x86-64-v4, znver4, sapphirerapids,
                     ...) instead of this machine's (default: $EINJIT_TARGET, else host); an
                     unknown name is an error
  --cache-sizes C    the caches blocks are sized for, L1d,L2,L3 (48K,2M,32M); default
                     $EINJIT_CACHE_SIZES, else this machine's for host and 32K,1M,8M (a common
                     x86 core) for a named CPU
  --manifest FILE    several entry points in one object: one per line, 'NAME SHAPES DTYPE EXPR'
                     (EXPR is the rest of the line); blank lines and lines starting with # are
                     skipped
  --single-threaded  no threads argument, no thread pool: link nothing but the object
  --no-cache         compile even when the persistent kernel cache (see `einjit cache --help`)
                     holds this object; without it a repeated compile of the same expressions
                     for the same target loads the object from the cache (the summary line says
                     "from the kernel cache")
)";

const char* const kCacheHelp = R"(usage: einjit cache stats|list|clear [--dir D]

The persistent kernel cache: every kernel the JIT compiles is also written to a directory, so
that the next process loads it instead of compiling it again. An entry is used only when its
checksum, format, einjit and LLVM versions, target CPU and features, full key and generated code
(before optimization) all match; anything else is ignored and replaced. Writes are atomic, so
processes can share the directory. Past 512 MiB of entries, the least recently used are
deleted. The directory is $EINJIT_CACHE_DIR, else $XDG_CACHE_HOME/einjit, else
~/.cache/einjit; EINJIT_CACHE_DIR=off turns the cache off (EngineOptions::persistentCache and
cacheDirectory do the same for programs).

actions:
  stats            the directory, the number of entries (and of invalid ones) and their bytes
  list             one line per entry: file, size, age, target CPU, and the kernel (dtype,
                   tensor accesses, label extents); invalid entries say what is wrong
  clear            delete the entries and leftover temporary files; nothing else

options:
  --dir D          this directory instead of the default
)";

const char* const kTargetHelp =
    R"(usage: einjit target [--target CPU] [--cache-sizes L1d,L2,L3] [--json]

Prints what kernels are compiled for: the triple and CPU, the vector width and register count the
register tiles are sized by, the cache sizes the blocks are sized against, and whether code for
that target runs on this machine (else the ISA features this CPU lacks).

options:
  --target CPU     host (default, or $EINJIT_TARGET) or an LLVM CPU name (x86-64-v3, x86-64-v4,
                   znver4, sapphirerapids, ...)
  --cache-sizes C  L1d,L2,L3 (48K,2M,32M); default $EINJIT_CACHE_SIZES, else this machine's as
                   sysfs reports them, within the bounds of real cores
  --json           {triple, cpu, vector_bits, vector_registers, l1d, l2, l3, runs_here,
                   missing_on_host}
)";

const std::string kTuneHelp =
    R"(usage: einjit tune --manifest FILE [--budget MS] [--batch-dot=current|legacy]
                   [--target CPU] [--cache-sizes L1d,L2,L3]

Measured tuning ahead of time. For each contraction FILE lists, every strategy that applies to
each of its kernels is compiled and timed on the real shapes, on one thread, and the fastest is
kept in the persistent kernel cache ($EINJIT_CACHE_DIR, else ~/.cache/einjit) beside the
kernels, so that later engines and processes on this machine (same target, cache sizes and
einjit version) plan it without timing, with or without --tune=measure. A contraction already
tuned is read back, not timed again. Prints each kernel's choice with its timings.

FILE has one contraction per line, SHAPES DTYPE EXPR, as explain's --shapes, --dtype and EXPR;
blank lines and lines starting with # are skipped:
  # shapes               dtype  expression
  1024x1024,1024x1024    f32    ik,kj->ij
  x=32x20x8,y=32x8x20    f64    K.batch_dot(x, y, axes=[2, 1])

A kernel is timed only when its extents are constants, its operands contiguous and the target
runs on this CPU; others keep the estimate and say so. With EINJIT_CACHE_DIR=off the choices
last only as long as the command. Exit status 1 when any line failed (each failure is printed
and the rest still run).

options:
  --manifest FILE  the contractions to tune
  --budget MS      milliseconds the timed runs of one kernel's candidates may take, all
                   candidates together (default 200; each runs at least three times)
  --batch-dot=M    current (default) or legacy K.batch_dot / Dot semantics, as explain's
)" + kTargetOptionsHelp;

const std::string kOptHelp =
    R"(usage: einjit opt --pass=NAME FILE|- [--strategy=S] [--target CPU] [--cache-sizes L1d,L2,L3]

Reads a loop nest's text from FILE (- for stdin), as `einjit explain --emit=passes` prints it
(or --emit=loops' summary: source dimensions then count 0, 1, ...), runs one scheduling pass on
it, verifies the result and prints its full text. Errors in the text name the line and column.

passes, in the pipeline's order (docs/architecture.md):
  strategy     the strategy and the cost figures that chose it ("why:" lines)
  vectorize    the vector label; its loop moves innermost of its group
  tile         the register tile: two vectors per step and an unrolled rows loop
  unroll       small: rows that divide their extent, fully unrolled short sums
  stream       streaming: wide vector steps, transpose rows, non-temporal stores
  transpose    a permutation copy's tiles transposed in registers
  parallelize  the outermost output loop split across threads
  packed       the packed (BLIS) schedule, when forced or when it pays

options:
  --pass=NAME      the pass to run
  --strategy=S     as for explain: a forced strategy (the strategy and packed passes read it)
)" + kTargetOptionsHelp;

} // namespace einjit::cli
