// The extension module einjit._einjit: Engine and Plan over the public C++ API, arrays in and
// out without copies, the GIL released while einjit compiles or runs a kernel. The numpy-style
// functions and argument handling live in the Python package (python/einjit/).
#include "Arrays.h"
#include "EinsumFast.h"
#include "EinsumPlans.h"
#include "Errors.h"
#include "Explain.h"
#include "einjit/engine.h"
#include "einjit/error.h"

#include <nanobind/stl/complex.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstdio>
#include <optional>

namespace nb = nanobind;

namespace einjit::python {

namespace {

Strategy parseStrategy(const std::string& name) {
  if (name == "auto")
    return Strategy::Auto;
  if (name == "direct")
    return Strategy::Direct;
  if (name == "small")
    return Strategy::Small;
  if (name == "streaming")
    return Strategy::Streaming;
  if (name == "packed")
    return Strategy::Packed;
  throw nb::value_error(
      ("strategy must be one of auto, direct, small, streaming, packed, not '" + name + "'")
          .c_str());
}

DType parseDTypeName(const std::string& name) {
  std::optional<DType> dtype = parseDType(name);
  if (!dtype)
    throw nb::type_error(("einjit computes float32, float64, int32, int64, complex64, "
                          "complex128, float16 and bfloat16, not " +
                          name)
                             .c_str());
  return *dtype;
}

RunOptions runOptions(std::complex<double> alpha, std::complex<double> beta,
                      std::optional<int> threads) {
  RunOptions options;
  options.alpha = alpha;
  options.beta = beta;
  options.threads = threads.value_or(0);
  return options;
}

nb::dict statisticsDict(const EngineStatistics& s) {
  nb::dict d;
  d["hits"] = s.hits;
  d["misses"] = s.misses;
  d["waits"] = s.waits;
  d["failures"] = s.failures;
  d["evictions"] = s.evictions;
  d["entries"] = s.entries;
  d["compile_ms"] = s.compileMillis;
  d["disk_hits"] = s.diskHits;
  d["disk_writes"] = s.diskWrites;
  d["disk_rejects"] = s.diskRejects;
  return d;
}

/// Runs `plan` into a new numpy array of its output shape (beta is moot: there is no old
/// output, and the new array is not initialised, so it must not be read).
nb::object runNew(const Plan& plan, InputViews in, RunOptions options) {
  options.beta = 0.0;
  MutableTensorView outView;
  nb::object result = newNumpy(plan.outputDtype(), plan.outputShape(), outView);
  nb::gil_scoped_release release;
  plan.run(in, outView, options);
  return result;
}

/// einsum into a new numpy array.
nb::object einsumNew(PyEngine& self, const std::string& subscripts, InputViews in,
                     const RunOptions& options) {
  std::optional<Plan> plan;
  {
    nb::gil_scoped_release release;
    plan = self.plans.get(self.engine, subscripts, in).plan;
  }
  return runNew(*plan, in, options);
}

} // namespace

NB_MODULE(_einjit, m) {
  m.doc() = "einjit's extension module; use the einjit package.";
  initNumpy();
  registerErrors(m);
  registerEinsumFast(m);

  nb::class_<Plan>(m, "Plan")
      .def(
          "run",
          [](const Plan& plan, nb::handle inputs, nb::handle out, std::complex<double> alpha,
             std::complex<double> beta, std::optional<int> threads) -> nb::object {
            OperandViews read = readInputs(inputs, "Plan.run");
            InputViews in = read.views;
            RunOptions options = runOptions(alpha, beta, threads);
            if (out.is_none())
              return runNew(plan, in, options);
            OutputArray imported;
            MutableTensorView outView = readOutput(out, imported, "Plan.run out=");
            nb::gil_scoped_release release;
            plan.run(in, outView, options);
            return nb::none();
          },
          nb::arg("inputs"), nb::arg("out").none() = nb::none(), nb::arg("alpha") = 1.0,
          nb::arg("beta") = 0.0, nb::arg("threads").none() = nb::none())
      .def_prop_ro("out_shape",
                   [](const Plan& plan) {
                     nb::list shape;
                     for (std::int64_t extent : plan.outputShape())
                       shape.append(extent);
                     return nb::tuple(shape);
                   })
      .def_prop_ro("dtype", [](const Plan& plan) { return std::string(numpyName(plan.dtype())); })
      .def_prop_ro("out_dtype",
                   [](const Plan& plan) { return std::string(numpyName(plan.outputDtype())); })
      .def_prop_ro("input_names", &Plan::inputNames)
      .def(
          "explain",
          [](const Plan& plan, const std::string& stage) {
            ExplainStage s = ExplainStage::Loops;
            if (stage == "index")
              s = ExplainStage::Index;
            else if (stage == "path")
              s = ExplainStage::Path;
            else if (stage == "passes")
              s = ExplainStage::Passes;
            else if (stage == "loops")
              s = ExplainStage::Loops;
            else if (stage == "llvm")
              s = ExplainStage::LLVM;
            else if (stage == "asm")
              s = ExplainStage::Assembly;
            else
              throw nb::value_error(
                  ("stage must be one of index, path, passes, loops, llvm, asm, not '" + stage +
                   "'")
                      .c_str());
            nb::gil_scoped_release release;
            return plan.explain(s);
          },
          nb::arg("stage") = "loops");

  nb::class_<PyEngine>(m, "Engine")
      .def(
          "__init__",
          [](PyEngine* self, std::size_t cacheCapacity, bool constantExtents,
             unsigned maxVectorBits, bool contractionPaths, const std::string& strategy,
             bool persistentCache, const std::string& cacheDirectory, const std::string& target,
             std::size_t l1d, std::size_t l2, std::size_t l3, const std::string& tune) {
            EngineOptions options;
            options.cacheCapacity = cacheCapacity;
            options.constantExtents = constantExtents;
            options.maxVectorBits = maxVectorBits;
            options.contractionPaths = contractionPaths;
            options.strategy = parseStrategy(strategy);
            options.persistentCache = persistentCache;
            options.cacheDirectory = cacheDirectory;
            options.target = target;
            options.cacheSizes = {l1d, l2, l3};
            parseTuning(tune, options, "tune");
            // As the CLI: warnings (an untrusted cache directory) and EINJIT_STATS=1 on stderr.
            options.diagnostics = [](const Diagnostic& diagnostic) {
              std::fprintf(stderr, "einjit: %s%s\n",
                           diagnostic.kind == Diagnostic::Kind::Warning ? "warning: " : "",
                           diagnostic.message.c_str());
            };
            new (self) PyEngine(options);
          },
          nb::arg("cache_capacity") = 256, nb::arg("constant_extents") = true,
          nb::arg("max_vector_bits") = 0, nb::arg("contraction_paths") = true,
          nb::arg("strategy") = "auto", nb::arg("persistent_cache") = true,
          nb::arg("cache_directory") = "", nb::arg("target") = "", nb::arg("l1d") = 0,
          nb::arg("l2") = 0, nb::arg("l3") = 0, nb::arg("tune") = "estimate")
      .def(
          "einsum",
          [](PyEngine& self, const std::string& subscripts, nb::handle inputs, nb::handle out,
             std::complex<double> alpha, std::complex<double> beta,
             std::optional<int> threads) -> nb::object {
            OperandViews read = readInputs(inputs, "einsum");
            InputViews in = read.views;
            RunOptions options = runOptions(alpha, beta, threads);
            if (out.is_none())
              return einsumNew(self, subscripts, in, options);
            OutputArray imported;
            MutableTensorView outView = readOutput(out, imported, "einsum out=");
            nb::gil_scoped_release release;
            self.engine.einsum(subscripts, in, outView, options);
            return nb::none();
          },
          nb::arg("subscripts"), nb::arg("inputs"), nb::arg("out").none() = nb::none(),
          nb::arg("alpha") = 1.0, nb::arg("beta") = 0.0, nb::arg("threads").none() = nb::none())
      .def(
          "plan",
          [](PyEngine& self, const std::string& expression, const std::vector<Shape>& shapes,
             const std::string& dtype, bool legacyBatchDot, std::optional<std::string> outDtype) {
            DType d = parseDTypeName(dtype);
            CallOptions options{.legacyBatchDot = legacyBatchDot};
            if (outDtype)
              options.outputDtype = parseDTypeName(*outDtype);
            nb::gil_scoped_release release;
            return self.engine.plan(expression, shapes, d, options);
          },
          nb::arg("expression"), nb::arg("shapes"), nb::arg("dtype"),
          nb::arg("legacy_batch_dot") = false, nb::arg("out_dtype").none() = nb::none())
      .def(
          "explain",
          [](PyEngine& self, const std::string& expression, const std::vector<Shape>& shapes,
             std::optional<std::string> dtype, bool legacyBatchDot, const std::string& emit) {
            std::optional<DType> d;
            if (dtype)
              d = parseDTypeName(*dtype);
            nb::gil_scoped_release release;
            ExplainResult result =
                explainCall(self.engine, expression, shapes, d, legacyBatchDot, emit);
            return std::make_pair(result.text, result.json);
          },
          nb::arg("expression"), nb::arg("shapes"), nb::arg("dtype").none() = nb::none(),
          nb::arg("legacy_batch_dot") = false, nb::arg("emit") = "")
      .def("statistics",
           [](const PyEngine& self) { return statisticsDict(self.engine.statistics()); })
      .def_prop_ro("target", [](const PyEngine& self) { return self.engine.targetDescription(); });

  m.def("bfloat16_from_dlpack", &bfloat16FromDLPack, nb::arg("value"),
        "A numpy ml_dtypes.bfloat16 view of a DLPack bfloat16 array, or None.");
  m.def("bfloat16_dlpack", &bfloat16ToDLPack, nb::arg("array"), nb::arg("versioned"),
        "A DLPack capsule of an ml_dtypes.bfloat16 numpy array's memory.");
  m.def("immutable_framework_array", &immutableFrameworkArray, nb::arg("array").none(),
        "True for an array of a framework whose arrays are immutable (JAX), whatever its DLPack "
        "export says.");
  m.def("call_operand_names",
        [](const std::string& expression) { return callOperandNames(expression); });
}

} // namespace einjit::python
