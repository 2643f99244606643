// `einjit demo`: the five questions of docs/semantics.md §10, each explained and computed by
// the library's JIT on numpy-style arange data (nothing here is a stored answer).
#include "ArrayPrinter.h"
#include "CommandLine.h"
#include "einjit/engine.h"
#include "einjit/error.h"

#include <cmath>
#include <iostream>

namespace einjit::cli {

namespace {

constexpr DType kDemoDType = DType::f64;

Tensor tensorOf(const Shape& shape, const std::vector<double>& values) {
  Tensor tensor(kDemoDType, shape);
  for (std::size_t i = 0; i < values.size(); ++i)
    tensor.as<double>()[i] = values[i];
  return tensor;
}

// numpy's np.arange(start, start + size).reshape(shape), as float64.
Tensor arange(const Shape& shape, double start = 0) {
  Tensor tensor(kDemoDType, shape);
  for (std::int64_t i = 0; i < tensor.elements(); ++i)
    tensor.as<double>()[i] = start + static_cast<double>(i);
  return tensor;
}

// The engine of the running demo (demoCommand owns it): one kernel cache for all questions.
Engine* engine = nullptr;

Explanation explain(const std::string& expr, const std::string& shapes) {
  Explanation explanation = engine->explain(expr, callShapes(expr, shapes), kDemoDType);
  std::cout << explanation.text();
  return explanation;
}

Tensor compute(const std::string& expr, const std::vector<const Tensor*>& inputs,
               bool legacyBatchDot = false) {
  std::vector<TensorView> views;
  for (const Tensor* input : inputs)
    views.push_back(input->view());
  return engine->call(expr, views, RunOptions{}, CallOptions{legacyBatchDot});
}

void printValues(const std::string& label, const TensorView& view) {
  std::cout << label << " =\n" << formatLikeNumpy(view) << "\n";
}

void heading(const std::string& title) {
  std::cout << "\n== " << title << " ==\n";
}

void questionA() {
  heading("(a) keras.layers.Dot(axes=2) on a (2, 3, 4) and b (2, 3, 4)");
  const std::string plain = "keras.layers.Dot(axes=2)([a, b])";
  explain(plain, "a=2x3x4,b=2x3x4");
  Tensor a = arange({2, 3, 4}), b = arange({2, 3, 4}, 24);
  std::cout << "with a = np.arange(24).reshape(2, 3, 4), b = np.arange(24, 48).reshape(2, 3, 4):\n";
  printValues("out", compute(plain, {&a, &b}).view());
  std::cout << "\nwith normalize=True (tf_keras: norms floored at 1e-6), same a and b:\n";
  const std::string normalized = "tf_keras.layers.Dot(axes=2, normalize=True)([a, b])";
  explain(normalized, "a=2x3x4,b=2x3x4");
  printValues("out", compute(normalized, {&a, &b}).view());
}

void questionB() {
  heading("(b) K.dot: numpy's dot rule, no batch axis");
  explain("K.dot(x, y)", "x=2x3x4,y=7x4x5");
  Tensor x = arange({2, 3, 4}), y = arange({7, 4, 5});
  Tensor out = compute("K.dot(x, y)", {&x, &y});
  // out[0, 0] is the (7, 5) slice: x[0, 0, :] against every y[c].
  Shape slice(out.shape().begin() + 2, out.shape().end());
  Strides sliceStrides(out.strides().begin() + 2, out.strides().end());
  std::cout << "with x = np.arange(24).reshape(2, 3, 4), y = np.arange(140).reshape(7, 4, 5):\n";
  printValues("out[0, 0]", TensorView(out.data(), out.dtype(), slice, sliceStrides));
  std::cout << "\nK.dot(x, y) with x (3, 4, 5, 2) and y (2, 5, 3, 7):\n";
  try {
    explain("K.dot(x, y)", "x=3x4x5x2,y=2x5x3x7");
  } catch (const Error& error) {
    std::cout << "error: " << error.what() << "\n";
  }
}

void questionC() {
  heading("(c) K.batch_dot on x (9, 8, 7, 4, 2) and y (9, 8, 7, 2, 5), axes=None");
  Explanation explanation = explain("K.batch_dot(x, y)", "x=9x8x7x4x2,y=9x8x7x2x5");
  if (!explanation.batchDot || !explanation.batchDot->legacy.result)
    return;
  Tensor x = arange({9, 8, 7, 4, 2}), y = arange({9, 8, 7, 2, 5});
  Tensor current = compute("K.batch_dot(x, y)", {&x, &y});
  Tensor legacy = compute("K.batch_dot(x, y)", {&x, &y}, true);
  // Legacy treats axes 1 and 2 as batch axes too: its result is the part of the current one
  // where x's and y's axes 1 and 2 coincide, out[b, c, d, i, c, d, j].
  double largest = 0;
  const double* cur = current.as<double>();
  const double* leg = legacy.as<double>();
  const Strides& cs = current.strides();
  const Strides& ls = legacy.strides();
  for (std::int64_t b = 0; b < 9; ++b)
    for (std::int64_t c = 0; c < 8; ++c)
      for (std::int64_t d = 0; d < 7; ++d)
        for (std::int64_t i = 0; i < 4; ++i)
          for (std::int64_t j = 0; j < 5; ++j) {
            double value = cur[b * cs[0] + c * cs[1] + d * cs[2] + i * cs[3] + c * cs[4] +
                               d * cs[5] + j * cs[6]];
            double old = leg[b * ls[0] + c * ls[1] + d * ls[2] + i * ls[3] + j * ls[4]];
            largest = std::max(largest, std::fabs(value - old));
          }
  std::cout << "computed with arange data: current " << shapeToPython(current.shape())
            << ", legacy " << shapeToPython(legacy.shape())
            << "; legacy out[b,c,d,i,j] == current out[b,c,d,i,c,d,j] (largest difference "
            << largest << ")\n";
}

void questionD() {
  heading("(d) keras.layers.dot([x1, x2], axes=(2, 1)) on x1 (2, 2, 4) and x2 (2, 4)");
  const std::string call = "keras.layers.dot([x1, x2], axes=(2, 1))";
  explain(call, "x1=2x2x4,x2=2x4");
  Tensor x1 = arange({2, 2, 4}), x2 = tensorOf({2, 4}, {1, 2, 3, 4, 1, 2, 3, 4});
  std::cout << "with x1 = np.arange(16).reshape(2, 2, 4), x2 = [[1, 2, 3, 4], [1, 2, 3, 4]]:\n";
  printValues("out", compute(call, {&x1, &x2}).view());
}

void questionE() {
  heading("(e) attention: dot([y, u], axes=-1), dot([y, alpha], axes=1), tf.tensordot");
  explain("keras.layers.dot([y, u], axes=-1)", "y=2x3x4,u=2x4");
  std::cout << "\n";
  explain("keras.layers.dot([y, alpha], axes=1)", "y=2x3x4,alpha=2x3");
  std::cout << "\n";
  const std::string tensordot = "tf.tensordot(v, u, axes=1)";
  explain(tensordot, "v=2x3x4,u=4");
  Tensor v = arange({2, 3, 4}), u = tensorOf({4}, {1, 2, 3, 4});
  std::cout << "with v = np.arange(24).reshape(2, 3, 4), u = [1, 2, 3, 4]:\n";
  printValues("out", compute(tensordot, {&v, &u}).view());
  std::cout << "\nx . W . y with the permute and the elementwise W folded into one einsum:\n";
  explain("np.einsum('bid,d,bjd->bij', x, W, y)", "x=2x8x200,W=200,y=2x10x200");
}

} // namespace

int demoCommand(const std::vector<std::string>& args) {
  ParsedArguments parsed = parseArguments(args, {}, "demo");
  if (parsed.help) {
    std::cout << kDemoHelp;
    return 0;
  }
  if (!parsed.positional.empty())
    throw UsageError("einjit demo takes no arguments");
  std::cout << "einjit demo: five questions about contraction calls, explained and computed "
               "(float64)\n";
  EngineOptions options;
  options.diagnostics = printDiagnostic;
  Engine demoEngine(options);
  engine = &demoEngine;
  questionA();
  questionB();
  questionC();
  questionD();
  questionE();
  return 0;
}

} // namespace einjit::cli
