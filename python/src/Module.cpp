// The extension module einjit._einjit: Engine and Plan over the public C++ API, arrays in and
// out without copies, the GIL released while einjit compiles or runs a kernel. The numpy-style
// functions and argument handling live in the Python package (python/einjit/).
#include "Arrays.h"
#include "Errors.h"
#include "Explain.h"
#include "einjit/engine.h"
#include "einjit/error.h"

#include <nanobind/stl/complex.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <memory>
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
    throw nb::type_error(("einjit computes float32, float64, int32, int64, complex64 and "
                          "complex128, not " +
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

/// Engine::einsum / Plan::run into `out` when given, else into a new array.
template <class Run, class RunNew>
nb::object runInto(nb::handle out, const std::string& who, Run run, RunNew runNew) {
  if (!out.is_none()) {
    OutputArray imported;
    TensorView outView = readOutput(out, imported, who);
    {
      nb::gil_scoped_release release;
      run(outView);
    }
    return nb::none();
  }
  Tensor result;
  {
    nb::gil_scoped_release release;
    result = runNew();
  }
  return toNumpy(std::move(result));
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

} // namespace

NB_MODULE(_einjit, m) {
  m.doc() = "einjit's extension module; use the einjit package.";
  initNumpy();
  registerErrors(m);

  nb::class_<Plan>(m, "Plan")
      .def(
          "run",
          [](const Plan& plan, nb::handle inputs, nb::handle out, std::complex<double> alpha,
             std::complex<double> beta, std::optional<int> threads) {
            InputViews read = readInputs(inputs, "Plan.run");
            const std::vector<TensorView>& in = read.views;
            RunOptions options = runOptions(alpha, beta, threads);
            return runInto(
                out, "Plan.run out=", [&](const TensorView& o) { plan.run(in, o, options); },
                [&] { return plan.run(in, options); });
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
      .def_prop_ro("input_names", &Plan::inputNames)
      .def(
          "explain",
          [](const Plan& plan, const std::string& stage) {
            ExplainStage s = ExplainStage::Loops;
            if (stage == "index")
              s = ExplainStage::Index;
            else if (stage == "path")
              s = ExplainStage::Path;
            else if (stage == "loops")
              s = ExplainStage::Loops;
            else if (stage == "llvm")
              s = ExplainStage::LLVM;
            else if (stage == "asm")
              s = ExplainStage::Assembly;
            else
              throw nb::value_error(
                  ("stage must be one of index, path, loops, llvm, asm, not '" + stage + "'")
                      .c_str());
            nb::gil_scoped_release release;
            return plan.explain(s);
          },
          nb::arg("stage") = "loops");

  nb::class_<Engine>(m, "Engine")
      .def(
          "__init__",
          [](Engine* self, std::size_t cacheCapacity, bool constantExtents, unsigned maxVectorBits,
             bool contractionPaths, const std::string& strategy, bool persistentCache,
             const std::string& cacheDirectory) {
            EngineOptions options;
            options.cacheCapacity = cacheCapacity;
            options.constantExtents = constantExtents;
            options.maxVectorBits = maxVectorBits;
            options.contractionPaths = contractionPaths;
            options.strategy = parseStrategy(strategy);
            options.persistentCache = persistentCache;
            options.cacheDirectory = cacheDirectory;
            new (self) Engine(options);
          },
          nb::arg("cache_capacity") = 256, nb::arg("constant_extents") = true,
          nb::arg("max_vector_bits") = 0, nb::arg("contraction_paths") = true,
          nb::arg("strategy") = "auto", nb::arg("persistent_cache") = true,
          nb::arg("cache_directory") = "")
      .def(
          "einsum",
          [](Engine& engine, const std::string& subscripts, nb::handle inputs, nb::handle out,
             std::complex<double> alpha, std::complex<double> beta, std::optional<int> threads) {
            InputViews read = readInputs(inputs, "einsum");
            const std::vector<TensorView>& in = read.views;
            RunOptions options = runOptions(alpha, beta, threads);
            return runInto(
                out, "einsum out=",
                [&](const TensorView& o) { engine.einsum(subscripts, in, o, options); },
                [&] { return engine.einsum(subscripts, in, options); });
          },
          nb::arg("subscripts"), nb::arg("inputs"), nb::arg("out").none() = nb::none(),
          nb::arg("alpha") = 1.0, nb::arg("beta") = 0.0, nb::arg("threads").none() = nb::none())
      .def(
          "try_einsum",
          [](Engine& engine, const std::string& subscripts, nb::handle inputs) -> nb::object {
            // numpy.einsum's common call in one step: numpy arrays of one dtype einjit computes,
            // no options. None tells the caller to take the general path.
            std::optional<std::vector<TensorView>> in = readUniformNumpy(inputs);
            if (!in)
              return nb::none();
            Tensor result;
            {
              nb::gil_scoped_release release;
              result = engine.einsum(subscripts, *in);
            }
            return scalarIfZeroDim(toNumpy(std::move(result)));
          },
          nb::arg("subscripts"), nb::arg("inputs"))
      .def(
          "plan",
          [](Engine& engine, const std::string& expression, const std::vector<Shape>& shapes,
             const std::string& dtype, bool legacyBatchDot) {
            DType d = parseDTypeName(dtype);
            nb::gil_scoped_release release;
            return engine.plan(expression, shapes, d,
                               CallOptions{.legacyBatchDot = legacyBatchDot});
          },
          nb::arg("expression"), nb::arg("shapes"), nb::arg("dtype"),
          nb::arg("legacy_batch_dot") = false)
      .def(
          "explain",
          [](Engine& engine, const std::string& expression, const std::vector<Shape>& shapes,
             std::optional<std::string> dtype, bool legacyBatchDot, const std::string& emit) {
            std::optional<DType> d;
            if (dtype)
              d = parseDTypeName(*dtype);
            nb::gil_scoped_release release;
            ExplainResult result = explainCall(engine, expression, shapes, d, legacyBatchDot, emit);
            return std::make_pair(result.text, result.json);
          },
          nb::arg("expression"), nb::arg("shapes"), nb::arg("dtype").none() = nb::none(),
          nb::arg("legacy_batch_dot") = false, nb::arg("emit") = "")
      .def("statistics", [](const Engine& engine) { return statisticsDict(engine.statistics()); })
      .def_prop_ro("target", &Engine::targetDescription);

  m.def("call_operand_names",
        [](const std::string& expression) { return callOperandNames(expression); });
}

} // namespace einjit::python
