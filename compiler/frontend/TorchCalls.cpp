// torch's contraction calls: torch.tensordot (torch/functional.py, then ATen's tensordot),
// torch.matmul (ATen's dispatch to dot / mv / mm / folded mm / bmm, whose checks give its
// messages), torch.bmm and torch.outer's 1-D check (docs/semantics.md §3, §5.2, §6.1, §7).
#include "frontend/ContractionLowering.h"

#include "einjit/error.h"
#include "frontend/LabelAllocator.h"

namespace einjit::frontend {

using namespace detail;

namespace {

// torch names the two argument lists of the native tensordot like this.
const char* const kDimsArgument[2] = {"'dims_self' (position 3)", "'dims_other' (position 4)"};

std::string pythonTypeName(const PyValue& value) {
  switch (value.kind) {
  case PyValue::Kind::None:
    return "NoneType";
  case PyValue::Kind::Bool:
    return "bool";
  case PyValue::Kind::Int:
    return "int";
  case PyValue::Kind::Float:
    return "float";
  case PyValue::Kind::String:
    return "str";
  case PyValue::Kind::List:
    return "list";
  case PyValue::Kind::Tuple:
    return "tuple";
  case PyValue::Kind::Ellipsis:
    return "ellipsis";
  }
  return "object";
}

RawAxes torchRawAxes(const Arg& a, const Arg& b, const PyValue& dims) {
  RawAxes raw;
  if (std::optional<std::int64_t> count = pythonInt(dims)) {
    if (*count < 0)
      throw Error(ErrorKind::Axis, "torch.tensordot: tensordot expects dims >= 0, but got dims=" +
                                       std::to_string(*count));
    if (*count > static_cast<std::int64_t>(std::min(a.shape.size(), b.shape.size())))
      throw Error(ErrorKind::Axis,
                  "torch.tensordot: tensordot expects dims < ndim_a or ndim_b, but got dims=" +
                      std::to_string(*count) + " (" + describe(a) + ", " + describe(b) + ")");
    for (std::int64_t d = -*count; d < 0; ++d)
      raw.a.push_back(d);
    for (std::int64_t d = 0; d < *count; ++d)
      raw.b.push_back(d);
    return raw;
  }
  if (!dims.isSequence())
    throw Error(ErrorKind::Argument,
                "torch.tensordot: tensordot expects dims to be int or Tuple[List[int], "
                "List[int]] or List[List[int]] containing two lists, but got dims=" +
                    dims.repr());
  if (dims.items.size() != 2)
    throw Error(ErrorKind::Argument,
                "torch.tensordot: dims=" + dims.repr() +
                    (dims.items.size() > 2 ? ": too many values to unpack (expected 2)"
                                           : ": not enough values to unpack (expected 2, got " +
                                                 std::to_string(dims.items.size()) + ")"));
  std::vector<std::int64_t>* lists[2] = {&raw.a, &raw.b};
  for (std::size_t side = 0; side < 2; ++side) {
    std::optional<std::vector<std::int64_t>> list = pythonIntList(dims.items[side]);
    if (!list)
      throw Error(ErrorKind::Argument, std::string("torch.tensordot: tensordot(): argument ") +
                                           kDimsArgument[side] + " must be tuple of ints, not " +
                                           pythonTypeName(dims.items[side]) +
                                           " (write dims=([i], [j]) for one pair)");
    *lists[side] = *list;
  }
  return raw;
}

// ATen's maybe_wrap_dim.
std::size_t wrapDim(const Arg& arg, std::int64_t dim) {
  std::int64_t rank = static_cast<std::int64_t>(arg.shape.size());
  if (rank == 0)
    throw Error(ErrorKind::Axis, "torch.tensordot: dimension specified as " + std::to_string(dim) +
                                     " but tensor has no dimensions: " + arg.name + " is 0-d");
  std::optional<std::size_t> index = pythonIndex(dim, arg.shape.size());
  if (!index)
    throw Error(ErrorKind::Axis,
                "torch.tensordot: Dimension out of range (expected to be in range of [" +
                    std::to_string(-rank) + ", " + std::to_string(rank - 1) + "], but got " +
                    std::to_string(dim) + "): " + describe(arg));
  return *index;
}

std::int64_t product(const Shape& shape, std::size_t begin, std::size_t end) {
  std::int64_t result = 1;
  for (std::size_t d = begin; d < end; ++d)
    result *= shape[d];
  return result;
}

[[noreturn]] void throwMatmul(const std::string& text, const MatmulOperand& a,
                              const MatmulOperand& b) {
  throw Error(ErrorKind::Shape,
              "torch.matmul: " + text + ": " +
                  extentMismatch(*a.arg, innerAxisOfA(a), *b.arg, innerAxisOfB(b)));
}

} // namespace

namespace detail {

ir::IndexProgram torchTensordot(const Arg& a, const Arg& b, const PyValue& dims, DType dtype) {
  RawAxes raw = torchRawAxes(a, b, dims);
  if (raw.a.size() != raw.b.size())
    throw Error(ErrorKind::Axis, "torch.tensordot: both dimension lists should have same length: " +
                                     axisListText(raw.a) + " and " + axisListText(raw.b));
  std::vector<AxisPair> pairs;
  for (std::size_t t = 0; t < raw.a.size(); ++t) {
    std::size_t axisA = wrapDim(a, raw.a[t]);
    std::size_t axisB = wrapDim(b, raw.b[t]);
    std::int64_t sizeA = a.shape[axisA];
    std::int64_t sizeB = b.shape[axisB];
    // torch sums an extent-1 side away instead of requiring equal extents.
    if (sizeA != sizeB && sizeA != 1 && sizeB != 1)
      throw Error(ErrorKind::Shape,
                  "torch.tensordot: contracted dimensions need to match, but first has size " +
                      std::to_string(sizeA) + " in dim " + std::to_string(raw.a[t]) +
                      " and second has size " + std::to_string(sizeB) + " in dim " +
                      std::to_string(raw.b[t]) + ": " + extentMismatch(a, axisA, b, axisB));
    pairs.push_back({axisA, axisB});
  }
  for (bool first : {true, false}) {
    std::vector<std::int64_t> wrapped;
    for (const AxisPair& pair : pairs)
      wrapped.push_back(static_cast<std::int64_t>(first ? pair.a : pair.b));
    if (std::optional<std::int64_t> twice = firstDuplicate(wrapped))
      throw Error(ErrorKind::Axis, "torch.tensordot: dim " + std::to_string(*twice) +
                                       " appears multiple times in the list of dims " +
                                       axisListText(first ? raw.a : raw.b) + " of " +
                                       (first ? a.name : b.name));
  }
  return lowerTensordot(a, b, pairs, dtype);
}

ir::IndexProgram torchMatmul(const Arg& a, const Arg& b, DType dtype) {
  std::size_t rankA = a.shape.size();
  std::size_t rankB = b.shape.size();
  if (rankA == 0 || rankB == 0)
    throw Error(ErrorKind::Shape,
                "torch.matmul: both arguments to matmul need to be at least 1D, but they are " +
                    std::to_string(rankA) + "D and " + std::to_string(rankB) + "D: " + describe(a) +
                    ", " + describe(b));
  MatmulOperand left{&a, rankA == 1};
  MatmulOperand right{&b, rankB == 1};
  std::int64_t innerA = innerExtentOfA(left);
  std::int64_t innerB = innerExtentOfB(right);
  std::string kA = std::to_string(innerA);
  std::string kB = std::to_string(innerB);
  if (rankB <= 2) {
    // dot, mv or mm; an a of rank >= 3 is folded to rows x k first.
    if (innerA == innerB)
      return lowerMatmul(left, right, dtype);
    std::string rows = std::to_string(rankA == 1 ? 1 : product(a.shape, 0, rankA - 1));
    if (rankA == 1 && rankB == 1)
      throwMatmul("inconsistent tensor size, expected tensor [" + kA + "] and src [" + kB +
                      "] to have the same number of elements, but got " + kA + " and " + kB +
                      " elements respectively",
                  left, right);
    if (rankB == 1)
      throwMatmul("size mismatch, got " + rows + ", " + rows + "x" + kA + "," + kB, left, right);
    throwMatmul("mat1 and mat2 shapes cannot be multiplied (" + rows + "x" + kA + " and " + kB +
                    "x" + std::to_string(b.shape[1]) + ")",
                left, right);
  }
  // The batched path: expand both to the broadcast batch, then bmm.
  Shape batchA = matmulBatch(left);
  Shape batchB = matmulBatch(right);
  if (std::optional<BroadcastFailure> failure = batchBroadcastFailure(batchA, batchB, true)) {
    std::size_t dimension =
        std::max(batchA.size(), batchB.size()) - (batchA.size() - failure->axisA);
    throw Error(ErrorKind::Shape,
                "torch.matmul: The size of tensor a (" + std::to_string(failure->extentA) +
                    ") must match the size of tensor b (" + std::to_string(failure->extentB) +
                    ") at non-singleton dimension " + std::to_string(dimension) + ": " +
                    extentMismatch(a, failure->axisA, b, failure->axisB));
  }
  if (innerA != innerB) {
    Shape batch = broadcastBatch(batchA, batchB);
    std::string batchSize = std::to_string(product(batch, 0, batch.size()));
    throwMatmul("Expected size for first two dimensions of batch2 tensor to be: [" + batchSize +
                    ", " + kA + "] but got: [" + batchSize + ", " + kB + "].",
                left, right);
  }
  return lowerMatmul(left, right, dtype);
}

void checkTorchOuterOperands(const Arg& a, const Arg& b) {
  const char* const argumentNames[2] = {"self", "vec2"};
  for (std::size_t t = 0; t < 2; ++t) {
    const Arg& arg = t == 0 ? a : b;
    if (arg.shape.size() != 1)
      throw Error(ErrorKind::Shape, std::string("torch.outer: Expected 1-D argument ") +
                                        argumentNames[t] + ", but got " +
                                        std::to_string(arg.shape.size()) + "-D: " + describe(arg));
  }
}

} // namespace detail

ir::IndexProgram torchBmm(const Arg& a, const Arg& b, DType dtype) {
  const char* const argumentNames[2] = {"batch1", "batch2"};
  for (std::size_t t = 0; t < 2; ++t) {
    const Arg& arg = t == 0 ? a : b;
    if (arg.shape.size() != 3)
      throw Error(ErrorKind::Shape, std::string("torch.bmm: ") + argumentNames[t] +
                                        " must be a 3D tensor: " + describe(arg));
  }
  if (a.shape[0] != b.shape[0] || a.shape[2] != b.shape[1]) {
    std::string mismatch =
        a.shape[0] != b.shape[0] ? extentMismatch(a, 0, b, 0) : extentMismatch(a, 2, b, 1);
    throw Error(ErrorKind::Shape,
                "torch.bmm: Expected size for first two dimensions of batch2 tensor to be: [" +
                    std::to_string(a.shape[0]) + ", " + std::to_string(a.shape[2]) +
                    "] but got: [" + std::to_string(b.shape[0]) + ", " +
                    std::to_string(b.shape[1]) + "]. " + mismatch);
  }
  LabelAllocator labels;
  ir::Index batch = ir::Index::of(labels.take("b"));
  ir::Index n = ir::Index::of(labels.take("n"));
  ir::Index k = ir::Index::of(labels.take("k"));
  ir::Index m = ir::Index::of(labels.take("m"));
  ir::IndexProgram program;
  program.dtype = dtype;
  program.operands = {ir::Operand{a.name, a.shape, {batch, n, k}, false},
                      ir::Operand{b.name, b.shape, {batch, k, m}, false}};
  program.output = {batch, n, m};
  ir::verify(program);
  return program;
}

} // namespace einjit::frontend
