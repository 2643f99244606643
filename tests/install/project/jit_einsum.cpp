// The JIT from an installed einjit: a batched contraction through einjit::Engine, compared with
// a hand-written loop. Exits 0 when every element agrees.
#include <einjit/engine.h>
#include <einjit/error.h>

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
  constexpr int batches = 3, rows = 5, columns = 4, inner = 7;
  std::vector<float> x(batches * rows * inner), y(batches * columns * inner);
  std::vector<float> out(batches * rows * columns);
  for (std::size_t k = 0; k < x.size(); ++k)
    x[k] = static_cast<float>(static_cast<int>(k * 3 % 11) - 5) / 4.0f;
  for (std::size_t k = 0; k < y.size(); ++k)
    y[k] = static_cast<float>(static_cast<int>(k * 7 % 13) - 6) / 8.0f;
  try {
    einjit::Engine engine;
    einjit::TensorView xView(x.data(), einjit::DType::f32, {batches, rows, inner});
    einjit::TensorView yView(y.data(), einjit::DType::f32, {batches, columns, inner});
    einjit::MutableTensorView outView(out.data(), einjit::DType::f32, {batches, rows, columns});
    engine.einsum("bik,bjk->bij", {xView, yView}, outView);
  } catch (const einjit::Error& error) {
    std::fprintf(stderr, "jit_einsum: %s\n", error.what());
    return 1;
  }
  int wrong = 0;
  for (int b = 0; b < batches; ++b)
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < columns; ++j) {
        double expected = 0;
        for (int k = 0; k < inner; ++k)
          expected += double(x[(b * rows + i) * inner + k]) * y[(b * columns + j) * inner + k];
        float actual = out[(b * rows + i) * columns + j];
        if (std::fabs(actual - expected) > 1e-5) {
          std::fprintf(stderr, "jit_einsum: out[%d][%d][%d] = %g, expected %g\n", b, i, j, actual,
                       expected);
          ++wrong;
        }
      }
  std::printf("jit_einsum: %s\n", wrong ? "FAILED" : "ok");
  return wrong ? 1 : 0;
}
