// Replays the conformance data (README.md here): every call recorded from numpy, torch,
// TensorFlow, tf-keras and Keras 3 is lowered from its call text by einjit's front ends and run
// both by the reference interpreter and as JIT-compiled code. Shapes must match exactly and values
// within the dtype's tolerance;
// a call the library refused must be refused with an einjit::Error that is not Internal, and so
// must the cases deviations.txt lists, which einjit refuses on purpose.

#include "ConformanceData.h"
#include "TestSupport.h"
#include "einjit/engine.h"

#include "frontend/CallText.h"
#include "reference/Interpreter.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <sstream>

namespace einjit::conformance {

void PrintTo(const ConformanceCase& recorded, std::ostream* out) {
  *out << recorded.id;
}

namespace {

const std::vector<ConformanceCase>& recordedCases() {
  static const std::vector<ConformanceCase> cases =
      readConformanceDirectory(EINJIT_SOURCE_DIR "/tests/conformance/data");
  return cases;
}

/// deviations.txt, or why it could not be read (reported by a test rather than at start-up).
struct DeviationList {
  std::vector<Deviation> entries;
  std::string loadProblem;
};

const DeviationList& deviationList() {
  static const DeviationList list = [] {
    DeviationList loaded;
    try {
      loaded.entries = readDeviations(EINJIT_SOURCE_DIR "/tests/conformance/deviations.txt");
    } catch (const Error& error) {
      loaded.loadProblem = error.what();
    }
    return loaded;
  }();
  return list;
}

const Deviation* deviationFor(const std::string& id) {
  for (const Deviation& deviation : deviationList().entries)
    if (deviation.id == id)
      return &deviation;
  return nullptr;
}

std::string describe(const ConformanceCase& recorded) {
  std::ostringstream text;
  text << recorded.where << " (" << recorded.library << ")\n  " << recorded.call << "\n  shapes:";
  for (const RecordedArray& input : recorded.inputs)
    text << " " << input.name << "=" << shapeToPython(input.shape);
  return text.str();
}

/// Relative tolerance for a result of `dtype`. It scales the magnitude Σ|term| of each output
/// element (the reference evaluated on |inputs|), which bounds the rounding error of any order of
/// summation, so sums that cancel to near zero are judged fairly. Integers compare exactly.
double relativeTolerance(DType dtype) {
  switch (dtype) {
  case DType::f32:
  case DType::c64:
    return 1e-5;
  case DType::f64:
  case DType::c128:
    return 1e-12;
  case DType::i32:
  case DType::i64:
    return 0;
  // One rounding of the result: half a unit in the last place, with room for the f32 sum.
  case DType::bf16:
    return 8e-3;
  case DType::f16:
    return 1e-3;
  }
  return 0;
}

void expectRefused(const ConformanceCase& recorded, const frontend::ShapeBinding& shapes,
                   const frontend::LowerOptions& options) {
  try {
    frontend::LoweredCall lowered = frontend::lowerCallText(recorded.call, shapes, options);
    ADD_FAILURE() << describe(recorded) << "\nthe library refused it (" << recorded.error
                  << ")\nbut einjit lowered it to\n"
                  << ir::toString(lowered.program);
  } catch (const Error& error) {
    EXPECT_NE(error.kind(), ErrorKind::Internal)
        << describe(recorded) << "\nrefused, but as an internal error:\n"
        << error.what();
  }
}

// A listed deviation: the library computed the call, einjit must refuse it as a user error.
void expectDeliberateRefusal(const ConformanceCase& recorded, const Deviation& deviation,
                             const frontend::ShapeBinding& shapes,
                             const frontend::LowerOptions& options) {
  ASSERT_TRUE(recorded.output.has_value())
      << describe(recorded) << "\nlisted at " << deviation.where
      << " as a deviation, but the library refused it too (" << recorded.error
      << "): remove it from deviations.txt";
  try {
    frontend::LoweredCall lowered = frontend::lowerCallText(recorded.call, shapes, options);
    ADD_FAILURE() << describe(recorded) << "\nlisted at " << deviation.where
                  << " as refused on purpose (" << deviation.reason
                  << ")\nbut einjit lowered it to\n"
                  << ir::toString(lowered.program);
  } catch (const Error& error) {
    EXPECT_NE(error.kind(), ErrorKind::Internal)
        << describe(recorded) << "\nrefused, but as an internal error:\n"
        << error.what();
  }
}

// One engine per test process: every case also runs as JIT-compiled native code.
Engine& sharedEngine() {
  static Engine engine;
  return engine;
}

// Compares `result` (computed by `who`) with the library's output, element by element, within
// the dtype's tolerance of the magnitude bound.
void expectMatchesRecorded(const ConformanceCase& recorded, const ir::IndexProgram& program,
                           const Tensor& result, const Tensor& bound, const std::string& who) {
  const RecordedArray& expected = *recorded.output;
  ASSERT_EQ(shapeToPython(result.shape()), shapeToPython(expected.shape))
      << who << ": " << describe(recorded) << "\n"
      << ir::toString(program);
  double tolerance = std::max(relativeTolerance(expected.dtype), relativeTolerance(program.dtype));
  std::vector<std::complex<double>> got = test::valuesOf(result.view());
  std::vector<std::complex<double>> scale = test::valuesOf(bound.view());
  int reported = 0;
  std::size_t mismatches = 0;
  std::ostringstream details;
  details.precision(17);
  for (std::size_t i = 0; i < got.size(); ++i) {
    double allowed = tolerance * std::abs(scale[i]);
    double difference = std::abs(got[i] - expected.values[i]);
    if (difference <= allowed)
      continue;
    ++mismatches;
    if (reported++ < 5)
      details << "\n  element " << i << ": " << who << " " << got[i] << ", library "
              << expected.values[i] << ", |difference| " << difference << " > " << allowed;
  }
  EXPECT_EQ(mismatches, 0u) << who << ": " << describe(recorded) << "\n"
                            << ir::toString(program) << mismatches << " of " << got.size()
                            << " elements differ:" << details.str();
}

void expectValues(const ConformanceCase& recorded, const ir::IndexProgram& program,
                  const std::vector<Tensor>& inputs) {
  std::vector<TensorView> views, magnitudeViews;
  std::vector<Tensor> magnitudes;
  for (std::size_t t = 0; t < inputs.size(); ++t) {
    views.push_back(inputs[t].view());
    magnitudes.push_back(magnitudeTensorOf(recorded.inputs[t]));
  }
  for (const Tensor& magnitude : magnitudes)
    magnitudeViews.push_back(magnitude.view());
  Tensor interpreted, bound, compiled;
  try {
    interpreted = reference::interpret(program, views);
    bound = reference::interpret(program, magnitudeViews);
  } catch (const Error& error) {
    FAIL() << describe(recorded) << "\nthe reference interpreter refused\n"
           << ir::toString(program) << error.what();
  }
  expectMatchesRecorded(recorded, program, interpreted, bound, "interpreter");
  try {
    compiled = sharedEngine().planIndexProgram(ir::toString(program)).run(views);
  } catch (const Error& error) {
    FAIL() << describe(recorded) << "\nthe JIT refused\n" << ir::toString(program) << error.what();
  }
  expectMatchesRecorded(recorded, program, compiled, bound, "JIT");
}

class ConformanceTest : public ::testing::TestWithParam<ConformanceCase> {};

TEST_P(ConformanceTest, MatchesLibrary) {
  const ConformanceCase& recorded = GetParam();
  ASSERT_TRUE(recorded.loadProblem.empty()) << recorded.loadProblem;

  frontend::ShapeBinding shapes;
  frontend::LowerOptions options;
  std::vector<Tensor> inputs;
  for (const RecordedArray& input : recorded.inputs) {
    ASSERT_EQ(input.dtype, recorded.inputs[0].dtype) << describe(recorded) << ": mixed dtypes";
    shapes.positional.push_back(input.shape);
    inputs.push_back(tensorOf(input));
  }
  if (!recorded.inputs.empty())
    options.dtype = recorded.inputs[0].dtype;

  if (const Deviation* deviation = deviationFor(recorded.id)) {
    expectDeliberateRefusal(recorded, *deviation, shapes, options);
    return;
  }
  if (!recorded.error.empty()) {
    expectRefused(recorded, shapes, options);
    return;
  }
  frontend::LoweredCall lowered;
  try {
    lowered = frontend::lowerCallText(recorded.call, shapes, options);
  } catch (const Error& error) {
    FAIL() << describe(recorded) << "\nthe library computed it, einjit refused:\n" << error.what();
  }
  std::vector<std::string> names;
  for (const RecordedArray& input : recorded.inputs)
    names.push_back(input.name);
  ASSERT_EQ(lowered.call.operandNames, names) << describe(recorded);
  expectValues(recorded, lowered.program, inputs);
}

TEST(Deviations, ListOnlyRecordedCases) {
  const DeviationList& list = deviationList();
  ASSERT_TRUE(list.loadProblem.empty()) << list.loadProblem;
  for (const Deviation& deviation : list.entries) {
    bool recorded =
        std::any_of(recordedCases().begin(), recordedCases().end(),
                    [&](const ConformanceCase& recorded) { return recorded.id == deviation.id; });
    EXPECT_TRUE(recorded) << deviation.where << ": no recorded case " << deviation.id;
  }
}

INSTANTIATE_TEST_SUITE_P(Recorded, ConformanceTest, ::testing::ValuesIn(recordedCases()),
                         [](const ::testing::TestParamInfo<ConformanceCase>& info) {
                           return info.param.id;
                         });

} // namespace
} // namespace einjit::conformance
