// The differential test: random contractions (every dtype, bf16 and f16 included with the
// tolerances of toleranceOf, ranks up to 6, extents 1, primes and powers of two, diagonals,
// broadcast literal 0s, conj, prologues, transposed, padded, reversed and zero strides, alpha
// and beta) run through the JIT and compared with the reference
// interpreter; each case with two or more operands runs again with its operands in another order
// (for two operands that must be a cache hit), and once more on an engine that forces one
// strategy (direct, small, streaming, packed in turn with the case number; packed stays direct
// where packing does not apply), so that every strategy's
// code meets every layout, dtype, alpha and beta. Seeded and reproducible: a failure prints its
// case number and program. EINJIT_DIFFERENTIAL_CASES sets the total number of cases (default
// 2,000), split over kChunks test cases so that ctest runs them in parallel.
#include "JitTestSupport.h"
#include "engine/EngineImpl.h"
#include "reference/Interpreter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <sstream>

namespace einjit::test {
namespace {

constexpr std::int64_t kMaxWork = 60000; ///< product of all label extents per case
constexpr int kChunks = 20;

std::size_t totalCases() {
  const char* text = std::getenv("EINJIT_DIFFERENTIAL_CASES");
  return text ? static_cast<std::size_t>(std::strtoull(text, nullptr, 10)) : 2000;
}

struct Case {
  ir::IndexProgram program;
  std::vector<Layout> layouts;
  Layout outputLayout = Layout::Contiguous;
  RunOptions options;
};

template <class T>
const T& pick(const std::vector<T>& items, std::mt19937& rng) {
  return items[std::uniform_int_distribution<std::size_t>(0, items.size() - 1)(rng)];
}

bool chance(double probability, std::mt19937& rng) {
  return std::uniform_real_distribution<double>(0, 1)(rng) < probability;
}

int uniform(int low, int high, std::mt19937& rng) {
  return std::uniform_int_distribution<int>(low, high)(rng);
}

/// Label extents from a pool of 1, primes and powers of two, shrunk until the work fits.
std::map<std::string, std::int64_t> randomExtents(const std::vector<std::string>& labels,
                                                  std::mt19937& rng) {
  static const std::vector<std::int64_t> pool{1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 24, 31, 33};
  std::map<std::string, std::int64_t> extents;
  for (const std::string& label : labels)
    extents[label] = pick(pool, rng);
  auto work = [&] {
    std::int64_t product = 1;
    for (const auto& [label, extent] : extents)
      product *= extent;
    return product;
  };
  while (work() > kMaxWork) {
    auto largest =
        std::max_element(extents.begin(), extents.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    largest->second = (largest->second + 1) / 2;
  }
  return extents;
}

Case randomCase(std::mt19937& rng) {
  static const std::vector<DType> dtypes{DType::f32, DType::f64,  DType::i32,  DType::i64,
                                         DType::c64, DType::c128, DType::bf16, DType::f16};
  Case result;
  ir::IndexProgram& program = result.program;
  program.dtype = pick(dtypes, rng);
  int operands = pick(std::vector<int>{1, 2, 2, 2, 2, 3, 3}, rng);
  std::vector<std::string> pool;
  for (int l = uniform(1, 6, rng); l > 0; --l)
    pool.push_back(std::string(1, static_cast<char>('a' + pool.size())));
  std::map<std::string, std::int64_t> extents = randomExtents(pool, rng);
  std::vector<std::string> names{"x", "y", "z"};
  std::vector<std::string> used;
  for (int t = 0; t < operands; ++t) {
    ir::Operand operand;
    operand.name = names[static_cast<std::size_t>(t)];
    operand.conj = isComplex(program.dtype) && chance(0.3, rng);
    int rank = pick(std::vector<int>{0, 1, 2, 2, 3, 3, 4, 5, 6}, rng);
    for (int d = 0; d < rank; ++d) {
      if (chance(0.1, rng)) {
        operand.indices.push_back(ir::Index::zero());
        operand.shape.push_back(1);
        continue;
      }
      std::string label = pick(pool, rng);
      bool repeated = std::find(operand.indices.begin(), operand.indices.end(),
                                ir::Index::of(label)) != operand.indices.end();
      if (repeated && !chance(0.3, rng))
        continue;
      operand.indices.push_back(ir::Index::of(label));
      operand.shape.push_back(extents[label]);
      if (std::find(used.begin(), used.end(), label) == used.end())
        used.push_back(label);
    }
    program.operands.push_back(operand);
  }
  std::shuffle(used.begin(), used.end(), rng);
  for (const std::string& label : used)
    if (chance(0.5, rng))
      program.output.push_back(ir::Index::of(label));
  if (chance(0.1, rng))
    program.output.insert(program.output.begin() +
                              uniform(0, static_cast<int>(program.output.size()), rng),
                          ir::Index::zero());

  // Prologues: a normalize along an axis, or a ravel (the operand's own labels become one).
  ir::Operand& first = program.operands[0];
  if (!isInteger(program.dtype) && !first.indices.empty() && chance(0.1, rng))
    program.prologues.push_back(
        ir::Prologue{ir::PrologueKind::Normalize, 0,
                     uniform(0, static_cast<int>(first.indices.size()) - 1, rng), 1e-7});
  else if (first.shape.size() >= 2 && chance(0.05, rng)) {
    program.prologues.push_back(ir::Prologue{ir::PrologueKind::Ravel, 0, 0, 1e-7});
    first.indices = {ir::Index::of("r")};
    if (chance(0.5, rng))
      program.output.push_back(ir::Index::of("r"));
  }
  // Output labels must still appear in some operand after the ravel replaced first's labels.
  std::vector<ir::Index> output;
  for (const ir::Index& index : program.output) {
    bool present = index.isZero();
    for (const ir::Operand& operand : program.operands)
      present = present || std::find(operand.indices.begin(), operand.indices.end(), index) !=
                               operand.indices.end();
    if (present)
      output.push_back(index);
  }
  program.output = output;

  static const std::vector<Layout> inputLayouts{Layout::Contiguous, Layout::Contiguous,
                                                Layout::Permuted,   Layout::Padded,
                                                Layout::Reversed,   Layout::Broadcast};
  static const std::vector<Layout> outputLayouts{
      Layout::Contiguous, Layout::Contiguous, Layout::Permuted, Layout::Padded, Layout::Reversed};
  for (int t = 0; t < operands; ++t)
    result.layouts.push_back(pick(inputLayouts, rng));
  result.outputLayout = pick(outputLayouts, rng);
  result.options.alpha = pick(
      std::vector<std::complex<double>>{{1, 0}, {1, 0}, {2, 0}, {-1, 0}, {0.5, 0}, {1, 1}}, rng);
  result.options.beta =
      pick(std::vector<std::complex<double>>{{0, 0}, {0, 0}, {1, 0}, {-2, 1}}, rng);
  ir::verify(program);
  return result;
}

std::string describe(std::size_t number, const Case& c) {
  std::ostringstream os;
  os << "case " << number << "\n" << c.program << "layouts";
  for (Layout layout : c.layouts)
    os << " " << layoutName(layout);
  os << " -> " << layoutName(c.outputLayout) << ", alpha " << c.options.alpha << ", beta "
     << c.options.beta;
  return os.str();
}

/// `c` with its operands (and their views and prologues) in the order `order`.
std::pair<ir::IndexProgram, std::vector<TensorView>>
reordered(const Case& c, const std::vector<TensorView>& views,
          const std::vector<std::size_t>& order) {
  ir::IndexProgram program = c.program;
  std::vector<TensorView> reorderedViews;
  std::vector<std::size_t> positionOf(order.size());
  for (std::size_t position = 0; position < order.size(); ++position) {
    program.operands[position] = c.program.operands[order[position]];
    reorderedViews.push_back(views[order[position]]);
    positionOf[order[position]] = position;
  }
  for (ir::Prologue& prologue : program.prologues)
    prologue.operand = positionOf[prologue.operand];
  return {program, reorderedViews};
}

/// Runs case `number` on `engine`, then on `forced` (an engine forcing a strategy), and compares
/// with the interpreter; false after a failure.
bool checkCase(std::size_t number, Engine& engine, Engine& forced, Strategy strategy) {
  std::mt19937 rng(static_cast<unsigned>(1000 + number));
  Case c = randomCase(rng);
  std::string context = describe(number, c);
  std::vector<OwnedView> inputs;
  std::vector<TensorView> views;
  for (std::size_t t = 0; t < c.program.operands.size(); ++t) {
    inputs.push_back(randomView(c.program.dtype, c.program.operands[t].shape, c.layouts[t], rng));
    views.push_back(inputs.back().view);
  }
  bool readsOutput = c.options.beta != std::complex<double>(0, 0);
  OwnedView initial =
      randomView(c.program.dtype, c.program.outputShape(), c.outputLayout, rng, !readsOutput);
  OwnedView out = copyOf(initial);
  OwnedView expected = copyOf(initial);
  reference::interpret(c.program, views, expected.view, {c.options.alpha, c.options.beta});
  double tolerance = toleranceOf(c.program.dtype, !c.program.prologues.empty());
  try {
    EngineAccess::planProgram(engine, c.program, false).run(views, out.view, c.options);
  } catch (const std::exception& error) {
    ADD_FAILURE() << context << "\nthrew: " << error.what();
    return false;
  }
  expectClose(out.view, expected.view, tolerance, context);
  if (::testing::Test::HasFailure())
    return false;

  const char* names[] = {"auto", "direct", "small", "streaming", "packed"};
  std::string forcedContext =
      context + "\nforced strategy " + names[static_cast<std::size_t>(strategy)];
  OwnedView forcedOut = copyOf(initial);
  try {
    EngineAccess::planProgram(forced, c.program, false).run(views, forcedOut.view, c.options);
  } catch (const std::exception& error) {
    ADD_FAILURE() << forcedContext << "\nthrew: " << error.what();
    return false;
  }
  expectClose(forcedOut.view, expected.view, tolerance, forcedContext);
  if (::testing::Test::HasFailure() || c.program.operands.size() < 2)
    return !::testing::Test::HasFailure();

  // The same contraction with its operands in another order reads the same memory.
  std::vector<std::size_t> order(c.program.operands.size());
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  if (std::is_sorted(order.begin(), order.end()))
    std::rotate(order.begin(), order.begin() + 1, order.end());
  auto [program, reorderedViews] = reordered(c, views, order);
  context += "\noperands reordered: " + toString(program);
  OwnedView again = copyOf(initial);
  std::uint64_t misses = engine.statistics().misses;
  try {
    EngineAccess::planProgram(engine, program, false).run(reorderedViews, again.view, c.options);
  } catch (const std::exception& error) {
    ADD_FAILURE() << context << "\nthrew: " << error.what();
    return false;
  }
  expectClose(again.view, expected.view, tolerance, context);
  if (program.operands.size() == 2) {
    EXPECT_EQ(engine.statistics().misses, misses) << context << "\nswapping compiled again";
  }
  return !::testing::Test::HasFailure();
}

class Differential : public ::testing::TestWithParam<int> {};

TEST_P(Differential, JitMatchesInterpreter) {
  // Three engines: the default, 256-bit vectors, and extent-generic kernels.
  EngineOptions narrow;
  narrow.maxVectorBits = 256;
  EngineOptions generic;
  generic.constantExtents = false;
  Engine engines[3] = {Engine(), Engine(narrow), Engine(generic)};
  // And one engine per forced strategy, taken in turn; the rotation is offset from the one
  // above so that each strategy also meets extent-generic kernels' cases.
  const Strategy strategies[4] = {Strategy::Direct, Strategy::Small, Strategy::Streaming,
                                  Strategy::Packed};
  auto forcing = [](Strategy strategy) {
    EngineOptions options;
    options.strategy = strategy;
    options.persistentCache = false;
    return options;
  };
  Engine forced[4] = {Engine(forcing(strategies[0])), Engine(forcing(strategies[1])),
                      Engine(forcing(strategies[2])), Engine(forcing(strategies[3]))};
  std::size_t total = totalCases();
  auto chunk = static_cast<std::size_t>(GetParam());
  for (std::size_t number = chunk * total / kChunks; number < (chunk + 1) * total / kChunks;
       ++number) {
    std::size_t turn = (number / 3) % 4;
    if (!checkCase(number, engines[number % 3], forced[turn], strategies[turn]))
      return;
  }
}

INSTANTIATE_TEST_SUITE_P(Chunks, Differential, ::testing::Range(0, kChunks));

} // namespace
} // namespace einjit::test
