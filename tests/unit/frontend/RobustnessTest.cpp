// Bad input never crashes: random einsum strings, call texts, --shapes texts and corrupted .npy
// images either lower to a verified program or throw einjit::Error — nothing else (the sanitizer
// build runs these too, so an out-of-bounds read fails the test).
#include "einjit/npy.h"
#include "frontend/CallText.h"
#include "frontend/Frontends.h"
#include "reference/Interpreter.h"

#include "TestSupport.h"

#include <gtest/gtest.h>
#include <random>

namespace einjit::frontend {
namespace {

template <class Body>
void expectCleanOutcome(const std::string& what, Body&& body) {
  try {
    body();
  } catch (const Error& error) {
    EXPECT_NE(error.kind(), ErrorKind::Internal) << what << "\n" << error.what();
  } catch (const std::exception& other) {
    ADD_FAILURE() << what << " threw a non-einjit exception: " << other.what();
  }
}

Shape randomShape(std::mt19937& rng, std::size_t rank) {
  Shape shape;
  for (std::size_t d = 0; d < rank; ++d)
    shape.push_back(std::uniform_int_distribution<int>(1, 3)(rng));
  return shape;
}

TEST(Robustness, RandomEinsumStringsLowerOrThrowEinjitErrors) {
  std::mt19937 rng(12345);
  const std::string alphabet = "ijkabIJ.,-> %1";
  for (int trial = 0; trial < 3000; ++trial) {
    std::string subscripts;
    int length = std::uniform_int_distribution<int>(0, 12)(rng);
    for (int c = 0; c < length; ++c)
      subscripts +=
          alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
    std::vector<Arg> args;
    int count = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int t = 0; t < count; ++t)
      args.push_back({defaultOperandNames(count)[t],
                      randomShape(rng, std::uniform_int_distribution<std::size_t>(0, 4)(rng))});
    for (EinsumDialect dialect : {EinsumDialect::Numpy, EinsumDialect::Torch})
      expectCleanOutcome("einsum '" + subscripts + "'", [&] {
        ir::IndexProgram program = einsum(subscripts, args, DType::f64, dialect);
        ir::verify(program);
      });
  }
}

TEST(Robustness, RandomCallTextsParseOrThrowEinjitErrors) {
  const std::vector<std::string> seeds = {"np.einsum('ij,jk', a, b)",
                                          "K.batch_dot(x, y, axes=[1, 1])",
                                          "keras.layers.Dot(axes=2)([a, b])",
                                          "tf.matmul(a, b, transpose_b=True)",
                                          "np.tensordot(a, b, axes=[[1],[0]])",
                                          "a @ b",
                                          "torch.einsum('bij,bjk->bik', [a, b])",
                                          "keras.layers.dot([a, b], axes=(2, 1))"};
  std::mt19937 rng(777);
  const std::string noise = "()[],'\"=.@ 0123456789-abxyzTrueNone";
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text = seeds[trial % seeds.size()];
    int edits = std::uniform_int_distribution<int>(1, 4)(rng);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      std::size_t at = std::uniform_int_distribution<std::size_t>(0, text.size() - 1)(rng);
      char c = noise[std::uniform_int_distribution<std::size_t>(0, noise.size() - 1)(rng)];
      switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
      case 0:
        text[at] = c;
        break;
      case 1:
        text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c);
        break;
      default:
        text.erase(at, 1);
      }
    }
    ShapeBinding shapes;
    shapes.positional = {randomShape(rng, 3), randomShape(rng, 3)};
    expectCleanOutcome("call '" + text + "'", [&] {
      LoweredCall lowered = lowerCallText(text, shapes);
      ir::verify(lowered.program);
    });
  }
}

TEST(Robustness, RandomShapeTextsParseOrThrowEinjitErrors) {
  std::mt19937 rng(99);
  const std::string alphabet = "0123456789x,=ab- 9999999999";
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text;
    int length = std::uniform_int_distribution<int>(0, 24)(rng);
    for (int c = 0; c < length; ++c)
      text += alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
    expectCleanOutcome("shapes '" + text + "'", [&] {
      ShapeBinding binding = parseShapes(text);
      for (const Shape& shape : binding.positional)
        for (std::int64_t extent : shape)
          EXPECT_GT(extent, 0) << text;
    });
  }
}

TEST(Robustness, CorruptedNpyImagesReadOrThrowEinjitErrors) {
  Tensor tensor = test::arange(DType::f64, {3, 4});
  const std::string image = formatNpy(tensor.view());
  std::mt19937 rng(4242);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bytes = image;
    if (trial % 3 == 0)
      bytes.resize(std::uniform_int_distribution<std::size_t>(0, bytes.size())(rng));
    int flips = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int f = 0; f < flips && !bytes.empty(); ++f) {
      // Corrupt the header more often than the payload: that is where parsing happens.
      std::size_t limit = std::min<std::size_t>(bytes.size() - 1, trial % 2 ? 127 : bytes.size());
      std::size_t at = std::uniform_int_distribution<std::size_t>(0, limit)(rng);
      bytes[at] = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    }
    expectCleanOutcome("npy trial " + std::to_string(trial), [&] {
      Tensor read = parseNpy(bytes, "trial.npy");
      EXPECT_LE(read.byteSize(), bytes.size());
    });
  }
}

} // namespace
} // namespace einjit::frontend
