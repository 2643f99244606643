// parseLoopNest and the verifier: every nest the pass pipeline produces — BENCH-like shapes,
// every dtype family, every strategy, several targets, compile-time and run-time strides and
// extents, and the IR after every pass — prints and parses back to an equal nest; hand-written
// texts with their syntax errors (line, column); nests a pass could break, refused by verify.
#include "ir/LoopNest.h"

#include "ProgramTestSupport.h"
#include "frontend/CallText.h"
#include "passes/Passes.h"

#include <set>
#include <sstream>

namespace einjit::ir {
namespace {

using test::expectError;

struct Case {
  std::string expression;
  std::vector<Shape> shapes;
};

// BENCH.md's cases (some scaled down: the text does not depend on the size), plus diagonals,
// transposes, unit dimensions, traces and matrix-vector shapes.
const std::vector<Case> kCases = {
    {"ik,kj->ij", {{64, 64}, {64, 64}}},
    {"ik,kj->ij", {{1024, 1024}, {1024, 1024}}},
    {"ik,kj->ij", {{4096, 64}, {64, 64}}},
    {"ik,kj->ij", {{64, 4096}, {4096, 64}}},
    {"bik,bkj->bij", {{256, 64, 64}, {256, 64, 64}}},
    {"bik,bkj->bij", {{10000, 8, 8}, {10000, 8, 8}}},
    {"bik,bkj->bij", {{10000, 32, 32}, {10000, 32, 32}}},
    {"btf,bsf->bts", {{64, 128, 64}, {64, 128, 64}}},
    {"bts,bsf->btf", {{64, 128, 128}, {64, 128, 64}}},
    {"abcd,dbef->acef", {{32, 24, 32, 24}, {24, 24, 32, 32}}},
    {"abk,ckd->abcd", {{64, 64, 256}, {16, 256, 64}}},
    {"ijkl,klm->ijm", {{64, 64, 32, 32}, {32, 32, 128}}},
    {"bi,ij,bj->b", {{4096, 256}, {256, 256}, {4096, 256}}},
    {"ij,jk,kl->il", {{1024, 16}, {16, 1024}, {1024, 16}}},
    {"abij,ijcd->abcd", {{24, 24, 16, 16}, {16, 16, 24, 24}}},
    {"bi,bi->b", {{1000000, 16}, {1000000, 16}}},
    {"i,j->ij", {{4096}, {4096}}},
    {"ij->ji", {{4000, 4000}}},
    {"ii->i", {{7, 7}}},
    {"ij->", {{100, 100}}},
    {"ijk,jkl->il", {{5, 1, 7}, {1, 7, 3}}},
    {"ij,j->i", {{1000, 1000}, {1000}}},
    {"bik,bjk->bij", {{16, 50, 30}, {16, 17, 30}}},
};

const DType kDTypes[] = {DType::f32, DType::f64, DType::i32, DType::c64, DType::bf16};

std::vector<passes::LoopOptions> targets() {
  std::vector<passes::LoopOptions> options;
  options.push_back(passes::LoopOptions{256, 16, {32 << 10, 1 << 20, 32 << 20}});
  options.push_back(passes::LoopOptions{512, 32, {48 << 10, 2 << 20, 32 << 20}});
  options.push_back(passes::LoopOptions{128, 16, {32 << 10, 256 << 10, 8 << 20}});
  return options;
}

ir::IndexProgram programOf(const Case& c, DType dtype) {
  frontend::ShapeBinding binding;
  binding.positional = c.shapes;
  frontend::LowerOptions options;
  options.dtype = dtype;
  return frontend::lowerCallText(c.expression, binding, options).program;
}

/// Contiguous classes (`known`: every stride compiled in), or only the unit strides known.
passes::Contraction contractionOf(const ir::IndexProgram& program, bool known) {
  auto classOf = [&](const Shape& shape) {
    passes::StrideClass strideClass = passes::contiguousStrideClass(shape, known);
    return strideClass;
  };
  std::vector<passes::StrideClass> classes;
  for (std::size_t t = 0; t < program.operands.size(); ++t)
    classes.push_back(classOf(program.operandShape(t)));
  return passes::makeContraction(program, classes, classOf(program.outputShape()), known);
}

/// The nests of the log's "-- PASS" sections (the Contraction sections are skipped).
std::vector<std::string> loggedNests(const std::string& log) {
  std::vector<std::string> nests;
  std::size_t at = 0;
  while ((at = log.find("-- ", at)) != std::string::npos) {
    std::size_t body = log.find('\n', at) + 1;
    std::size_t next = log.find("\n-- ", body);
    std::string section =
        log.substr(body, next == std::string::npos ? std::string::npos : next + 1 - body);
    if (section.rfind("loop nest ", 0) == 0)
      nests.push_back(section);
    at = body;
  }
  return nests;
}

void expectRoundTrip(const std::string& text, const std::string& context) {
  LoopNest nest;
  try {
    nest = parseLoopNest(text);
  } catch (const Error& error) {
    ADD_FAILURE() << context << ": " << error.what() << "\n" << text;
    return;
  }
  EXPECT_EQ(toIRText(nest), text) << context;
}

TEST(LoopNestText, EveryPipelineNestRoundTrips) {
  std::size_t nests = 0;
  std::set<Strategy> strategies;
  for (const Case& c : kCases)
    for (DType dtype : kDTypes)
      for (bool known : {true, false})
        for (const passes::LoopOptions& target : targets())
          for (std::optional<Strategy> forced :
               {std::optional<Strategy>(), std::optional(Strategy::Direct),
                std::optional(Strategy::Small), std::optional(Strategy::Streaming),
                std::optional(Strategy::Packed)}) {
            ir::IndexProgram program = programOf(c, dtype);
            std::vector<ir::IndexProgram> programs = {program};
            for (const passes::PathStep& step : passes::choosePath(program).steps)
              programs.push_back(step.program);
            if (isHalfPrecision(dtype)) {
              ir::IndexProgram f32Output = program;
              f32Output.outputDtype = DType::f32;
              programs.push_back(f32Output);
            }
            // f32 sums rounded into a 16-bit output (a 16-bit path's last kernel).
            if (dtype == DType::f32) {
              ir::IndexProgram rounded = program;
              rounded.outputDtype = DType::bf16;
              programs.push_back(rounded);
            }
            for (const ir::IndexProgram& p : programs) {
              passes::LoopOptions options = target;
              options.strategy = forced;
              std::ostringstream log;
              LoopNest nest = passes::lowerContraction(contractionOf(p, known), options, &log);
              std::string context = c.expression + " " + std::string(dtypeName(dtype)) +
                                    (known ? " known" : " run-time") + " vector " +
                                    std::to_string(target.vectorBits);
              std::string text = toIRText(nest);
              EXPECT_EQ(parseLoopNest(text), nest) << context << "\n" << text;
              expectRoundTrip(text, context);
              // The summary explain prints reads back too, and prints the same.
              EXPECT_EQ(toString(parseLoopNest(toString(nest))), toString(nest)) << context;
              for (const std::string& logged : loggedNests(log.str()))
                expectRoundTrip(logged, context + " (pass log)");
              strategies.insert(nest.strategy);
              ++nests;
            }
          }
  EXPECT_GT(nests, 2000u);
  EXPECT_EQ(strategies.size(), 4u) << "every strategy appears";
}

TEST(LoopNestText, ReadsHandWrittenText) {
  LoopNest nest = parseLoopNest("loop nest f64, strategy direct, run-time extents\n"
                                "  labels a=3 b=4\n"
                                "  conj(x[a,b]) strides a=? b=1 dims [1,0] operand 1\n"
                                "  out[a] strides a=1 dims [0]\n"
                                "  why: extents known only at run time: direct\n"
                                "for a in 0..3 unrolled 2 {\n"
                                "  acc = 0\n"
                                "  for b in 0..4 vector 2x1 {\n"
                                "    acc += conj(x[a,b])\n"
                                "  }\n"
                                "  out[a] = alpha * acc + beta * out[a]\n"
                                "}\n");
  EXPECT_EQ(nest.dtype, DType::f64);
  EXPECT_FALSE(nest.constantExtents);
  ASSERT_EQ(nest.inputs.size(), 1u);
  EXPECT_TRUE(nest.inputs[0].conj);
  EXPECT_EQ(nest.inputs[0].source, 1u);
  EXPECT_EQ(nest.inputs[0].strides[0], (LabelStride{{1}, std::nullopt}));
  EXPECT_EQ(nest.inputs[0].strides[1], (LabelStride{{0}, 1}));
  EXPECT_EQ(nest.outputLoops, (std::vector<Loop>{Loop{0, LoopKind::Unrolled, 1, 2}}));
  EXPECT_EQ(nest.reductionLoops, (std::vector<Loop>{Loop{1, LoopKind::Vector, 2, 1}}));
  EXPECT_EQ(nest.rationale, (std::vector<std::string>{"extents known only at run time: direct"}));
  // Without dims and operand (toString's summary): dimensions 0, 1, … and the position.
  LoopNest summary = parseLoopNest("loop nest f32, strategy direct\n"
                                   "  labels i=2 j=2\n"
                                   "  x[i,j] strides i=2 j=1\n"
                                   "  out[j,i] strides j=2 i=1\n"
                                   "for j in 0..2 {\n"
                                   "  for i in 0..2 {\n"
                                   "    acc = 0\n"
                                   "    acc += x[i,j]\n"
                                   "    out[j,i] = alpha * acc + beta * out[j,i]\n"
                                   "  }\n"
                                   "}\n");
  EXPECT_EQ(summary.inputs[0].strides[1].sourceDims, (std::vector<std::size_t>{1}));
  EXPECT_EQ(summary.output.strides[1].sourceDims, (std::vector<std::size_t>{0}));
  EXPECT_EQ(summary.inputs[0].source, 0u);
}

const std::string kPacked = "loop nest f32, strategy packed\n"
                            "  labels a=64 b=64 c=64\n"
                            "  x[a,c] strides a=64 c=1 dims [0,1] operand 0\n"
                            "  y[c,b] strides c=64 b=1 dims [0,1] operand 1\n"
                            "  out[a,b] strides a=64 b=1 dims [0,1]\n"
                            "  why: forced: packed\n"
                            "  packed: A = x, B = y; batch []  M [a]  N [b]  K [c]\n"
                            "  micro-kernel 8x16 (2 vectors of 8), blocks MC 64  KC 64  NC 64\n"
                            "  buffers per thread: A block 16 KiB, B block 16 KiB, offset tables "
                            "3 KiB\n"
                            "  one thread\n"
                            "  for jc in 0..64 step 64 {\n"
                            "    for pc in 0..64 step 64 {\n"
                            "      pack y[K pc.., N jc..] into 16-wide panels\n"
                            "      for ic in 0..64 step 64 {\n"
                            "        pack x[M ic.., K pc..] into 8-wide panels\n"
                            "        for jr in jc.. step 16 {\n"
                            "          for ir in ic.. step 8 {\n"
                            "            out tile 8x16 = alpha * sum over K of A panel * B panel "
                            "+ beta * out (beta at pc = 0, else accumulate)\n"
                            "          }\n"
                            "        }\n"
                            "      }\n"
                            "    }\n"
                            "  }\n";

TEST(LoopNestText, ReadsThePackedSchedule) {
  LoopNest nest = parseLoopNest(kPacked);
  ASSERT_TRUE(nest.packed);
  EXPECT_EQ(nest.packed->m, (std::vector<std::size_t>{0}));
  EXPECT_EQ(nest.packed->n, (std::vector<std::size_t>{1}));
  EXPECT_EQ(nest.packed->k, (std::vector<std::size_t>{2}));
  EXPECT_EQ(nest.packed->mr, 8);
  EXPECT_EQ(nest.packed->nr(), 16);
  EXPECT_FALSE(nest.packed->parallel);
  EXPECT_EQ(toIRText(nest), kPacked);
}

const std::string kHead = "loop nest f32, strategy direct\n  labels a=2\n";

TEST(LoopNestText, ARationaleEndingInCarriageReturnsReadsBackTheSame) {
  // The line splitter drops one '\r' per line: a rationale kept with the others would lose one
  // more on every print and parse (found by fuzz_loop_nest).
  LoopNest nest = parseLoopNest("loop nest f32, strategy direct\n"
                                "  labels a=4\n"
                                "  x[a] strides a=1\n"
                                "  out[a] strides a=1\n"
                                "  why: streaming\r\r\r \t\r\n"
                                "for a in 0..4 {\n"
                                "  acc = 0\n"
                                "  acc += x[a]\n"
                                "  out[a] = alpha * acc + beta * out[a]\n"
                                "}\n");
  EXPECT_EQ(nest.rationale, std::vector<std::string>{"streaming"});
  EXPECT_EQ(parseLoopNest(toIRText(nest)), nest);
}

TEST(LoopNestText, SyntaxErrorsNameLineAndColumn) {
  auto error = [](const std::string& text, const std::vector<std::string>& needles) {
    expectError([&] { parseLoopNest(text); }, ErrorKind::Syntax, needles);
  };
  const std::string& head = kHead;
  error("", {"line 1, column 1", "empty text"});
  error("loop nest f33, strategy direct\n", {"line 1, column 11", "unknown dtype 'f33'"});
  error("loop nest f32, strategy fast\n", {"line 1, column 25", "unknown strategy 'fast'"});
  error(head + "  x[b] strides b=1\n", {"line 3, column 5", "label 'b' is not in the labels"});
  error(head + "  x[a] strides a=1\n  out[] strides\nfor a in 0..2 vector 0x1 {\n",
        {"line 5, column 22", "lanes x vectors as AxB", "found '0x1'"});
  error(head + "  x[a] strides a=1\n  out[] strides\nacc = 0\nfor a in 0..2 {\n  acc += y[a]\n",
        {"line 7, column 10", "expected 'acc += x[a]'"});
  error(head + "  x[a] strides a=1\n  out[] strides\nacc = 0\nfor a in 0..2 {\n",
        {"line 7, column 1", "expected 'acc += x[a]', found the end of the text"});
  error(head + "  x[a] strides a=1 dims [0,1]\n", {"line 3, column 25", "1 dimensions expected"});
  // Parses, but is no nest: verify's finding.
  error(head + "  x[a] strides a=1\n  out[a] strides a=1\nacc = 0\nacc += x[a]\n",
        {"the loop nest is inconsistent", "label a is looped over 0 times"});
  error(head + "  x[a] strides a=1\n  out[] strides\nacc = 0\nfor a in 0..2 unrolled 2 {\n",
        {"inconsistent", "unrolled loop over a is a reduction loop"});
  std::string packed = kPacked;
  packed.replace(packed.find("MC 64"), 5, "MC 60");
  error(packed, {"inconsistent", "does not divide blocks MC 60"});
  packed = kPacked;
  packed.replace(packed.find("step 64 {\n    for pc"), 7, "step 32");
  error(packed, {"line 11, column 24", "expected 'for jc in 0..64 step 64 {'"});
}

TEST(LoopNestVerify, RefusesWhatAPassCouldBreak) {
  LoopNest good = parseLoopNest(kPacked);
  auto broken = [&](auto edit, const std::string& needle) {
    LoopNest nest = good;
    edit(nest);
    expectError([&] { verify(nest); }, ErrorKind::Internal, {needle});
  };
  broken([](LoopNest& n) { n.strategy = Strategy::Direct; }, "packed schedule under strategy");
  broken([](LoopNest& n) { n.labels[1].name = "a"; }, "two labels are named a");
  broken([](LoopNest& n) { n.labels[0].extent = -1; }, "negative extent");
  broken([](LoopNest& n) { n.inputs[0].strides[2].sourceDims = {0}; },
         "reads source dimension 0 twice");
  broken([](LoopNest& n) { n.packed->k.push_back(0); }, "does not belong in group K");
  broken([](LoopNest& n) { n.packed->lanes = 3; }, "does not divide");
  broken([](LoopNest& n) { n.labels[2].extent = std::int64_t{1} << 50; }, "exceeds 2^56");
  broken([](LoopNest& n) { n.output.conj = true; }, "output out is conjugated");

  LoopNest loops = parseLoopNest(kHead + "  x[a] strides a=1\n  out[a] strides a=1\n"
                                         "for a in 0..2 {\n  acc = 0\n  acc += x[a]\n"
                                         "  out[a] = alpha * acc + beta * out[a]\n}\n");
  LoopNest nest = loops;
  nest.outputLoops[0].lanes = 4;
  expectError([&] { verify(nest); }, ErrorKind::Internal, {"serial loop over a has lanes 4"});
  nest = loops;
  nest.output.strides[0].sourceDims.clear();
  expectError([&] { verify(nest); }, ErrorKind::Internal,
              {"out indexes a 1 times but reads 0 source dimensions"});

  // A dot tile unrolls two output labels (its rows and columns); a third is refused.
  const std::string tiled = "loop nest f32, strategy direct\n"
                            "  labels a=4 b=4 c=4\n"
                            "  x[a,b,c] strides a=16 b=4 c=1 dims [0,1,2] operand 0\n"
                            "  out[a,b,c] strides a=16 b=4 c=1 dims [0,1,2]\n"
                            "for a in 0..4 unrolled 2 {\n"
                            "  for b in 0..4 unrolled 3 {\n"
                            "    for c in 0..4 {\n"
                            "      acc = 0\n"
                            "      acc += x[a,b,c]\n"
                            "      out[a,b,c] = alpha * acc + beta * out[a,b,c]\n"
                            "    }\n"
                            "  }\n"
                            "}\n";
  nest = parseLoopNest(tiled);
  ASSERT_EQ(nest.unrolledLoops().size(), 2u);
  EXPECT_EQ(nest.unrolledLoops()[1]->factor, 3);
  EXPECT_EQ(toIRText(nest), tiled);
  nest.outputLoops[2].kind = LoopKind::Unrolled;
  nest.outputLoops[2].factor = 2;
  expectError([&] { verify(nest); }, ErrorKind::Internal,
              {"more than one vector loop or two unrolled loops"});
}

} // namespace
} // namespace einjit::ir
