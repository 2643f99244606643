// The reference interpreter against a deliberately naive evaluator (one loop over every label
// assignment) on random programs: diagonals, literal 0, conj, every dtype, and inputs laid out
// in C order, Fortran order, padded, with negative strides or broadcast with stride 0.
#include "reference/Interpreter.h"

#include "TestSupport.h"

#include <cstring>
#include <map>
#include <random>

namespace einjit::reference {
namespace {

using Value = std::complex<long double>;

/// out in C order, by visiting every assignment of every label and multiplying element values.
std::vector<Value> evaluateNaively(const ir::IndexProgram& program,
                                   const std::vector<TensorView>& inputs) {
  std::vector<std::string> labels = program.labels();
  std::map<std::string, std::int64_t> extents = program.labelExtents();
  std::vector<std::vector<std::complex<double>>> values;
  for (const TensorView& input : inputs)
    values.push_back(test::valuesOf(input));
  Shape outShape = program.outputShape();
  std::vector<Value> out(static_cast<std::size_t>(elementCount(outShape)));
  std::map<std::string, std::int64_t> at;
  for (const std::string& label : labels) {
    at[label] = 0;
    if (extents[label] == 0)
      return out;
  }
  auto flatIndex = [&](const std::vector<ir::Index>& indices, const Shape& shape) {
    std::int64_t flat = 0;
    for (std::size_t d = 0; d < indices.size(); ++d)
      flat = flat * shape[d] + (indices[d].isZero() ? 0 : at[indices[d].label]);
    return flat;
  };
  while (true) {
    Value product = 1;
    for (std::size_t t = 0; t < inputs.size(); ++t) {
      std::complex<double> element =
          values[t][flatIndex(program.operands[t].indices, program.operandShape(t))];
      if (program.operands[t].conj)
        element = std::conj(element);
      product *= Value(element.real(), element.imag());
    }
    out[flatIndex(program.output, outShape)] += product;
    std::size_t d = labels.size();
    while (d-- > 0) {
      if (++at[labels[d]] < extents[labels[d]])
        break;
      at[labels[d]] = 0;
    }
    if (d == static_cast<std::size_t>(-1))
      return out;
  }
}

enum class Layout { C, Fortran, Padded, Reversed };

/// A view of the same logical values as `dense` (C order) under `layout`; `storage` owns it.
TensorView relayout(const Tensor& dense, Layout layout, Tensor& storage) {
  const Shape& shape = dense.shape();
  Shape padded = shape;
  for (std::int64_t& extent : padded)
    extent += 1;
  Strides strides = layout == Layout::Fortran  ? columnMajorStrides(shape)
                    : layout == Layout::Padded ? rowMajorStrides(padded)
                                               : rowMajorStrides(shape);
  if (layout == Layout::Padded)
    for (std::int64_t& stride : strides)
      stride *= 2;
  std::int64_t start = 0;
  if (layout == Layout::Reversed && !shape.empty() && shape[0] > 0) {
    start = strides[0] * (shape[0] - 1);
    strides[0] = -strides[0];
  }
  std::int64_t span = 1;
  for (std::size_t d = 0; d < shape.size(); ++d)
    span += std::abs(strides[d]) * std::max<std::int64_t>(shape[d] - 1, 0);
  storage = Tensor(dense.dtype(), {span});
  std::size_t size = dtypeSize(dense.dtype());
  auto* base = static_cast<std::byte*>(storage.data()) + start * static_cast<std::int64_t>(size);
  std::vector<std::int64_t> index(shape.size(), 0);
  for (std::int64_t n = 0; n < dense.elements(); ++n) {
    std::int64_t offset = 0;
    for (std::size_t d = 0; d < shape.size(); ++d)
      offset += index[d] * strides[d];
    std::memcpy(base + offset * static_cast<std::int64_t>(size),
                static_cast<const std::byte*>(dense.data()) + n * static_cast<std::int64_t>(size),
                size);
    for (std::size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return TensorView(base, dense.dtype(), shape, strides);
}

ir::IndexProgram randomProgram(std::mt19937& random, DType dtype) {
  const std::vector<std::string> pool{"a", "b", "c", "d", "e"};
  auto pick = [&](int low, int high) { return std::uniform_int_distribution(low, high)(random); };
  std::map<std::string, std::int64_t> extents;
  for (const std::string& label : pool)
    extents[label] = pick(0, 9) == 0 ? 0 : pick(1, 3);
  ir::IndexProgram program;
  program.dtype = dtype;
  std::vector<std::string> used;
  int operandCount = pick(1, 3);
  for (int t = 0; t < operandCount; ++t) {
    ir::Operand operand;
    operand.name = std::string(1, static_cast<char>('x' + t));
    operand.conj = isComplex(dtype) && pick(0, 1) == 1;
    int rank = pick(0, 4);
    for (int d = 0; d < rank; ++d) {
      if (pick(0, 7) == 0) {
        operand.indices.push_back(ir::Index::zero());
        operand.shape.push_back(1);
        continue;
      }
      // Few labels per program so that repeats (diagonals) and shared labels are common.
      const std::string& label = pool[pick(0, 3)];
      operand.indices.push_back(ir::Index::of(label));
      operand.shape.push_back(extents[label]);
      if (std::find(used.begin(), used.end(), label) == used.end())
        used.push_back(label);
    }
    program.operands.push_back(operand);
  }
  std::shuffle(used.begin(), used.end(), random);
  for (const std::string& label : used)
    if (pick(0, 2) > 0)
      program.output.insert(program.output.begin() +
                                pick(0, static_cast<int>(program.output.size())),
                            ir::Index::of(label));
  if (pick(0, 5) == 0)
    program.output.push_back(ir::Index::zero());
  ir::verify(program);
  return program;
}

Tensor randomDense(std::mt19937& random, DType dtype, const Shape& shape) {
  Tensor tensor(dtype, shape);
  std::uniform_int_distribution<int> small(-4, 4);
  visitDType(dtype, [&](auto zero) {
    using T = decltype(zero);
    for (std::int64_t i = 0; i < tensor.elements(); ++i) {
      if constexpr (std::is_arithmetic_v<T>)
        tensor.as<T>()[i] = static_cast<T>(small(random));
      else if constexpr (std::is_same_v<T, bfloat16> || std::is_same_v<T, float16>)
        tensor.as<T>()[i] = T(static_cast<float>(small(random)));
      else
        tensor.as<T>()[i] = T(static_cast<typename T::value_type>(small(random)),
                              static_cast<typename T::value_type>(small(random)));
    }
  });
  return tensor;
}

TEST(InterpreterNaive, RandomProgramsMatchNaiveLoopsForEveryDTypeAndLayout) {
  std::mt19937 random(20240611);
  int checked = 0;
  for (DType dtype : {DType::f32, DType::f64, DType::i32, DType::i64, DType::c64, DType::c128,
                      DType::bf16, DType::f16}) {
    for (int round = 0; round < 300; ++round) {
      ir::IndexProgram program = randomProgram(random, dtype);
      SCOPED_TRACE(ir::toString(program));
      std::vector<Tensor> dense;
      std::vector<Tensor> storage(program.operands.size());
      std::vector<TensorView> inputs;
      for (std::size_t t = 0; t < program.operands.size(); ++t) {
        dense.push_back(randomDense(random, dtype, program.operands[t].shape));
        auto layout = static_cast<Layout>(std::uniform_int_distribution(0, 3)(random));
        inputs.push_back(relayout(dense.back(), layout, storage[t]));
      }
      std::vector<Value> expected = evaluateNaively(program, inputs);
      Tensor out = interpret(program, inputs);
      ASSERT_EQ(out.shape(), program.outputShape());
      std::vector<std::complex<double>> actual = test::valuesOf(out.view());
      ASSERT_EQ(actual.size(), expected.size());
      // Small integer data: every dtype represents the exact result, bf16 and f16 rounded once
      // (the exact sums are integers far below 2^24, so exact in float too).
      auto rounded = [&](double exact) {
        if (dtype == DType::bf16)
          return static_cast<double>(static_cast<float>(bfloat16(static_cast<float>(exact))));
        if (dtype == DType::f16)
          return static_cast<double>(static_cast<float>(float16(static_cast<float>(exact))));
        return exact;
      };
      for (std::size_t i = 0; i < actual.size(); ++i) {
        EXPECT_EQ(actual[i].real(), rounded(static_cast<double>(expected[i].real())))
            << "element " << i;
        EXPECT_EQ(actual[i].imag(), static_cast<double>(expected[i].imag())) << "element " << i;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2400);
}

TEST(InterpreterNaive, BroadcastInputWithZeroStrides) {
  // One stored row seen as 4 identical rows: out[j] = Σ_i x[i,j] = 4·row.
  std::vector<double> row{1.5, -2, 3};
  TensorView broadcast(row.data(), DType::f64, {4, 3}, {0, 1});
  ir::IndexProgram program = ir::parseIndexProgram("x: f64[4,3]\nout[j] = sum_i x[i,j]");
  EXPECT_EQ(test::realValuesOf(interpret(program, {broadcast}).view()),
            (std::vector<double>{6, -8, 12}));
}

} // namespace
} // namespace einjit::reference
