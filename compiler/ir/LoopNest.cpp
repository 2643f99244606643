// The LoopNest printer and verifier. The text reads top-down like the kernel:
//   loop nest f32, strategy small
//     labels a=64 b=32 c=16
//     x[a,c] strides a=16 c=1
//     y[c,b] strides c=? b=1
//     out[a,b] strides a=32 b=1
//     why: 6144 B per batch element <= L1d/2 16384 B: small   (the rationale, one line each)
//   for a in 0..64 unrolled 6 {          ("parallel" after the kind when threads split it)
//     for b in 0..32 vector 8x2 {
//       acc = 0
//       for c in 0..16 fully unrolled {
//         acc += x[a,c] * y[c,b]
//       }
//       out[a,b] = alpha * acc + beta * out[a,b]
//     }
//   }
#include "ir/LoopNest.h"

#include "einjit/error.h"
#include "support/Format.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace einjit::ir {

std::string_view strategyName(Strategy strategy) {
  switch (strategy) {
  case Strategy::Direct:
    return "direct";
  case Strategy::Small:
    return "small";
  case Strategy::Streaming:
    return "streaming";
  case Strategy::Packed:
    return "packed";
  }
  return "unknown";
}

std::string_view loopKindName(LoopKind kind) {
  switch (kind) {
  case LoopKind::Serial:
    return "serial";
  case LoopKind::Vector:
    return "vector";
  case LoopKind::Unrolled:
    return "unrolled";
  }
  return "unknown";
}

const Loop* LoopNest::vectorLoop() const {
  for (const std::vector<Loop>* group : {&outputLoops, &reductionLoops})
    for (const Loop& loop : *group)
      if (loop.kind == LoopKind::Vector)
        return &loop;
  return nullptr;
}

const Loop* LoopNest::unrolledLoop() const {
  for (const std::vector<Loop>* group : {&outputLoops, &reductionLoops})
    for (const Loop& loop : *group)
      if (loop.kind == LoopKind::Unrolled)
        return &loop;
  return nullptr;
}

std::vector<const Loop*> LoopNest::unrolledLoops() const {
  std::vector<const Loop*> loops;
  for (const Loop& loop : outputLoops)
    if (loop.kind == LoopKind::Unrolled)
      loops.push_back(&loop);
  return loops;
}

const Loop* LoopNest::transposedLoop() const {
  const Loop* vector = vectorLoop();
  std::vector<const Loop*> unrolled = unrolledLoops();
  if (packed || inputs.size() != 1 || !reductionLoops.empty() || isComplex(dtype) || !vector ||
      unrolled.size() != 1 || vector < outputLoops.data() ||
      vector >= outputLoops.data() + outputLoops.size())
    return nullptr;
  const std::optional<std::int64_t> unit = 1;
  const TensorAccess& input = inputs.front();
  const LabelStride& gathered = input.strides[vector->label];
  const LabelStride& rows = input.strides[unrolled.front()->label];
  if (output.strides[vector->label].known != unit || gathered.sourceDims.empty() ||
      gathered.known == unit || rows.sourceDims.empty() || rows.known != unit)
    return nullptr;
  return unrolled.front();
}

namespace {

struct PrintStyle {
  bool positionalNames = false;
  bool extents = true;
  bool rationale = true;
  /// The full text (toIRText): also each tensor's source dimensions and operand, and whether
  /// the extents are constants.
  bool sources = false;
};

std::string tensorName(const LoopNest& nest, const TensorAccess& tensor, const PrintStyle& style) {
  if (!style.positionalNames)
    return tensor.name;
  if (&tensor == &nest.output)
    return "out";
  return "in" + std::to_string(&tensor - nest.inputs.data());
}

std::string access(const LoopNest& nest, const TensorAccess& tensor, const PrintStyle& style) {
  std::vector<std::string> names;
  for (std::size_t label : tensor.indices)
    names.push_back(nest.labels.at(label).name);
  std::string text = tensorName(nest, tensor, style) + "[" + support::join(names, ",") + "]";
  return tensor.conj ? "conj(" + text + ")" : text;
}

std::string strideLine(const LoopNest& nest, const TensorAccess& tensor, const PrintStyle& style) {
  std::string text = "  " + access(nest, tensor, style) + " strides";
  std::set<std::size_t> printed;
  for (std::size_t label : tensor.indices) {
    if (!printed.insert(label).second)
      continue;
    const LabelStride& stride = tensor.strides.at(label);
    text += " " + nest.labels[label].name + "=" +
            (stride.known ? std::to_string(*stride.known) : std::string("?"));
  }
  if (style.sources) {
    // The k-th index reads the next source dimension of its label (parseLoopNest's inverse).
    std::vector<std::size_t> next(nest.labels.size(), 0);
    std::vector<std::string> dims;
    for (std::size_t label : tensor.indices) {
      const std::vector<std::size_t>& sourceDims = tensor.strides.at(label).sourceDims;
      dims.push_back(next[label] < sourceDims.size() ? std::to_string(sourceDims[next[label]])
                                                     : std::string("?"));
      ++next[label];
    }
    text += " dims [" + support::join(dims, ",") + "]";
    if (&tensor != &nest.output)
      text += " operand " + std::to_string(tensor.source);
  }
  return text + "\n";
}

std::string loopHeader(const LoopNest& nest, const Loop& loop, const PrintStyle& style) {
  const LoopLabel& label = nest.labels.at(loop.label);
  std::string text = "for " + label.name + " in 0.." +
                     (style.extents ? std::to_string(label.extent) : std::string("?"));
  if (loop.kind == LoopKind::Vector)
    text += " vector " + std::to_string(loop.lanes) + "x" + std::to_string(loop.factor);
  else if (loop.kind == LoopKind::Unrolled)
    text += " unrolled " + std::to_string(loop.factor);
  if (loop.fullUnroll)
    text += " fully unrolled";
  if (loop.parallel)
    text += " parallel";
  return text + " {\n";
}

std::string print(const LoopNest& nest, const PrintStyle& style) {
  std::ostringstream os;
  os << "loop nest " << dtypeName(nest.dtype)
     << (nest.outputDtype ? ", output " + std::string(dtypeName(*nest.outputDtype)) : "")
     << ", strategy " << strategyName(nest.strategy)
     << (style.sources && !nest.constantExtents ? ", run-time extents" : "") << "\n  labels";
  for (const LoopLabel& label : nest.labels)
    os << " " << label.name << "=" << (style.extents ? std::to_string(label.extent) : "?");
  os << "\n";
  for (const TensorAccess& input : nest.inputs)
    os << strideLine(nest, input, style);
  os << strideLine(nest, nest.output, style);
  if (nest.nontemporalStores)
    os << "  stores non-temporal when beta == 0 and the output is vector-aligned\n";
  if (style.rationale)
    for (const std::string& line : nest.rationale)
      os << "  why: " << line << "\n";
  if (nest.packed)
    return os.str() + packedText(nest, style.positionalNames, style.extents);

  std::size_t depth = 0;
  auto indent = [&] { return std::string(2 * depth, ' '); };
  for (const Loop& loop : nest.outputLoops) {
    os << indent() << loopHeader(nest, loop, style);
    ++depth;
  }
  std::vector<std::string> factors;
  for (const TensorAccess& input : nest.inputs)
    factors.push_back(access(nest, input, style));
  os << indent() << "acc = 0\n";
  std::size_t reductionDepth = depth;
  for (const Loop& loop : nest.reductionLoops) {
    os << indent() << loopHeader(nest, loop, style);
    ++depth;
  }
  os << indent() << "acc += " << support::join(factors, " * ") << "\n";
  while (depth > reductionDepth) {
    --depth;
    os << indent() << "}\n";
  }
  std::string out = access(nest, nest.output, style);
  os << indent() << out << " = alpha * acc + beta * " << out << "\n";
  while (depth > 0) {
    --depth;
    os << indent() << "}\n";
  }
  return os.str();
}

[[noreturn]] void broken(const std::string& what) {
  throw Error(ErrorKind::Internal, "invalid LoopNest: " + what);
}

void verifyTensor(const LoopNest& nest, const TensorAccess& tensor) {
  if (tensor.name.empty())
    broken("a tensor has no name");
  if (tensor.strides.size() != nest.labels.size())
    broken(tensor.name + " has " + std::to_string(tensor.strides.size()) + " strides for " +
           std::to_string(nest.labels.size()) + " labels");
  for (std::size_t label : tensor.indices)
    if (label >= nest.labels.size())
      broken(tensor.name + " indexes label " + std::to_string(label) + " of " +
             std::to_string(nest.labels.size()));
  std::set<std::size_t> sourceDims;
  for (std::size_t label = 0; label < nest.labels.size(); ++label) {
    auto indexed =
        static_cast<std::size_t>(std::count(tensor.indices.begin(), tensor.indices.end(), label));
    const LabelStride& stride = tensor.strides[label];
    if (!indexed && (!stride.sourceDims.empty() || stride.known != std::optional<std::int64_t>(0)))
      broken(tensor.name + " has a stride along " + nest.labels[label].name +
             ", which it does not index");
    // One source dimension per index: the run-time stride is their sum (Run.cpp).
    if (stride.sourceDims.size() != indexed)
      broken(tensor.name + " indexes " + nest.labels[label].name + " " + std::to_string(indexed) +
             " times but reads " + std::to_string(stride.sourceDims.size()) +
             " source dimensions for it");
    for (std::size_t dim : stride.sourceDims)
      if (!sourceDims.insert(dim).second)
        broken(tensor.name + " reads source dimension " + std::to_string(dim) + " twice");
  }
  if (&tensor == &nest.output && tensor.conj)
    broken("the output " + tensor.name + " is conjugated");
}

void verifyLabels(const LoopNest& nest) {
  std::set<std::string> names;
  for (const LoopLabel& label : nest.labels) {
    if (label.name.empty())
      broken("a label has no name");
    if (!names.insert(label.name).second)
      broken("two labels are named " + label.name);
    if (label.extent < 0)
      broken("label " + label.name + " has a negative extent");
  }
}

} // namespace

std::string toString(const LoopNest& nest) {
  return print(nest, PrintStyle{});
}

std::ostream& operator<<(std::ostream& os, const LoopNest& nest) {
  return os << toString(nest);
}

std::string keyText(const LoopNest& nest) {
  return print(nest, PrintStyle{true, nest.constantExtents, false, false});
}

std::string toIRText(const LoopNest& nest) {
  return print(nest, PrintStyle{false, true, true, true});
}

void verify(const LoopNest& nest) {
  if (nest.inputs.empty())
    broken("no inputs");
  if (nest.outputDtype && !(*nest.outputDtype == DType::f32 && isHalfPrecision(nest.dtype)) &&
      !(isHalfPrecision(*nest.outputDtype) && nest.dtype == DType::f32))
    broken("output dtype " + std::string(dtypeName(*nest.outputDtype)) + " for " +
           std::string(dtypeName(nest.dtype)) +
           " inputs (f32 for bf16 or f16 inputs, or bf16 or f16 for f32 inputs, only)");
  verifyLabels(nest);
  if (nest.packed && nest.strategy != Strategy::Packed)
    broken("a packed schedule under strategy " + std::string(strategyName(nest.strategy)));
  if (nest.packed) {
    for (const TensorAccess& input : nest.inputs)
      verifyTensor(nest, input);
    verifyTensor(nest, nest.output);
    verifyPacked(nest);
    return;
  }
  std::vector<int> looped(nest.labels.size(), 0);
  int vectorLoops = 0;
  int unrolledLoops = 0;
  for (const std::vector<Loop>* group : {&nest.outputLoops, &nest.reductionLoops})
    for (const Loop& loop : *group) {
      if (loop.label >= nest.labels.size())
        broken("a loop runs over label " + std::to_string(loop.label) + " of " +
               std::to_string(nest.labels.size()));
      ++looped[loop.label];
      if (loop.lanes < 1 || loop.factor < 1)
        broken("loop over " + nest.labels[loop.label].name + " has lanes " +
               std::to_string(loop.lanes) + " and factor " + std::to_string(loop.factor));
      if (loop.kind == LoopKind::Vector)
        ++vectorLoops;
      if (loop.fullUnroll && (!nest.constantExtents ||
                              nest.labels[loop.label].extent > kMaxFullUnrollTrip * loop.step()))
        broken("loop over " + nest.labels[loop.label].name +
               " is fully unrolled but its trip count is not a constant of at most " +
               std::to_string(kMaxFullUnrollTrip));
      if (loop.fullUnroll && loop.parallel)
        broken("loop over " + nest.labels[loop.label].name + " is fully unrolled and parallel");
      if (loop.kind == LoopKind::Unrolled) {
        ++unrolledLoops;
        if (group != &nest.outputLoops)
          broken("unrolled loop over " + nest.labels[loop.label].name + " is a reduction loop");
      }
    }
  for (std::size_t label = 0; label < nest.labels.size(); ++label) {
    if (looped[label] != 1)
      broken("label " + nest.labels[label].name + " is looped over " +
             std::to_string(looped[label]) + " times");
  }
  if (vectorLoops > 1 || unrolledLoops > 2)
    broken("more than one vector loop or two unrolled loops");
  for (const std::vector<Loop>* group : {&nest.outputLoops, &nest.reductionLoops})
    for (const Loop& loop : *group)
      if (loop.parallel && &loop != nest.outputLoops.data())
        broken("parallel loop over " + nest.labels[loop.label].name +
               " is not the outermost output loop");
  for (const TensorAccess& input : nest.inputs)
    verifyTensor(nest, input);
  verifyTensor(nest, nest.output);
  if (nest.nontemporalStores) {
    const Loop* vector = nest.vectorLoop();
    bool outputVector = vector && std::any_of(nest.outputLoops.begin(), nest.outputLoops.end(),
                                              [&](const Loop& loop) { return &loop == vector; });
    if (!outputVector || nest.output.strides[vector->label].known != std::optional<std::int64_t>(1))
      broken("non-temporal stores without a vector output loop of unit output stride");
  }
  for (std::size_t label : nest.output.indices)
    if (std::none_of(nest.outputLoops.begin(), nest.outputLoops.end(),
                     [&](const Loop& loop) { return loop.label == label; }))
      broken("output label " + nest.labels[label].name + " is not an output loop");
  for (const Loop& loop : nest.outputLoops)
    if (std::find(nest.output.indices.begin(), nest.output.indices.end(), loop.label) ==
        nest.output.indices.end())
      broken("output loop over " + nest.labels[loop.label].name + " is not an output label");
  // The text shows lanes only for a vector loop and a factor only for a tiled one.
  for (const std::vector<Loop>* group : {&nest.outputLoops, &nest.reductionLoops})
    for (const Loop& loop : *group)
      if ((loop.kind != LoopKind::Vector && loop.lanes != 1) ||
          (loop.kind == LoopKind::Serial && loop.factor != 1))
        broken(std::string(loopKindName(loop.kind)) + " loop over " + nest.labels[loop.label].name +
               " has lanes " + std::to_string(loop.lanes) + " and factor " +
               std::to_string(loop.factor));
}

} // namespace einjit::ir
