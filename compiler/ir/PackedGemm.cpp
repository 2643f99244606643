// The packed schedule's text and invariants. The text, under the loop nest's tensor lines:
//   packed: A = x, B = y; batch [b]  M [i]  N [j]  K [k]
//   micro-kernel 14x32 (2 vectors of 16), blocks MC 1022  KC 128  NC 1024
//   buffers per thread: A block 511 KiB, B block 512 KiB, offset tables 48 KiB
// (bf16 and f16 add ", panels f32" or ", panels bf16 pairs" to the micro-kernel line, and a C
// block to the buffers when K takes several blocks).
//   parallel: batch x N units of 32 columns (2048 units)
//   for b in 0..64 {
//     for jc in 0..1024 step 1024 {
//       ...
#include "ir/PackedGemm.h"

#include "einjit/error.h"
#include "ir/LoopNest.h"
#include "support/Format.h"

#include <algorithm>
#include <sstream>

namespace einjit::ir {

namespace {

[[noreturn]] void broken(const std::string& what) {
  throw Error(ErrorKind::Internal, "invalid packed schedule: " + what);
}

std::string labelList(const LoopNest& nest, const std::vector<std::size_t>& labels) {
  std::vector<std::string> names;
  for (std::size_t label : labels)
    names.push_back(nest.labels.at(label).name);
  return "[" + support::join(names, ",") + "]";
}

std::string bytesText(std::int64_t bytes) {
  if (bytes >= (std::int64_t{1} << 20))
    return std::to_string((bytes + (1 << 19)) >> 20) + " MiB";
  if (bytes >= 1024)
    return std::to_string((bytes + 512) >> 10) + " KiB";
  return std::to_string(bytes) + " B";
}

bool holds(const TensorAccess& tensor, std::size_t label) {
  return !tensor.strides.at(label).sourceDims.empty();
}

} // namespace

std::int64_t groupExtent(const LoopNest& nest, const std::vector<std::size_t>& labels) {
  std::int64_t extent = 1;
  for (std::size_t label : labels)
    extent *= nest.labels.at(label).extent;
  return extent;
}

std::int64_t panelValueBytes(const LoopNest& nest) {
  switch (nest.packed->panels) {
  case Panels::F32:
    return 4;
  case Panels::Bf16Pairs:
    return 2;
  case Panels::Dtype:
    break;
  }
  return static_cast<std::int64_t>(dtypeSize(nest.dtype));
}

std::int64_t panelDepth(const LoopNest& nest) {
  std::int64_t kc = nest.packed->kc;
  return nest.packed->panels == Panels::Bf16Pairs ? kc + (kc & 1) : kc;
}

bool summedInF32Block(const LoopNest& nest) {
  return isHalfPrecision(nest.resultDtype()) && groupExtent(nest, nest.packed->k) > nest.packed->kc;
}

std::string panelsName(Panels panels) {
  switch (panels) {
  case Panels::F32:
    return "f32";
  case Panels::Bf16Pairs:
    return "bf16 pairs";
  case Panels::Dtype:
    break;
  }
  return "";
}

std::string packedText(const LoopNest& nest, bool positionalNames, bool extents) {
  const PackedGemm& gemm = *nest.packed;
  auto name = [&](std::size_t input) {
    return positionalNames ? "in" + std::to_string(input) : nest.inputs.at(input).name;
  };
  std::string outName = positionalNames ? "out" : nest.output.name;
  auto extentText = [&](std::int64_t value) {
    return extents ? std::to_string(value) : std::string("?");
  };
  std::int64_t batch = groupExtent(nest, gemm.batch);
  std::int64_t m = groupExtent(nest, gemm.m);
  std::int64_t n = groupExtent(nest, gemm.n);
  std::int64_t k = groupExtent(nest, gemm.k);
  std::int64_t size = panelValueBytes(nest);
  std::int64_t panelK = panelDepth(nest);
  std::int64_t nr = gemm.nr();

  std::ostringstream os;
  os << "  packed: A = " << name(gemm.a) << ", B = " << name(gemm.b) << "; batch "
     << labelList(nest, gemm.batch) << "  M " << labelList(nest, gemm.m) << "  N "
     << labelList(nest, gemm.n) << "  K " << labelList(nest, gemm.k) << "\n";
  os << "  micro-kernel " << gemm.mr << "x" << nr << " (" << gemm.vectors << " vector"
     << (gemm.vectors == 1 ? "" : "s") << " of " << gemm.lanes << "), blocks MC " << gemm.mc
     << "  KC " << gemm.kc << "  NC " << gemm.nc;
  if (gemm.panels != Panels::Dtype)
    os << ", panels " << panelsName(gemm.panels);
  os << "\n";
  if (extents) {
    os << "  buffers per thread: A block " << bytesText(gemm.mc * panelK * size) << ", B block "
       << bytesText(panelK * gemm.nc * size);
    if (summedInF32Block(nest))
      os << ", f32 C block " << bytesText(gemm.mc * gemm.nc * 4);
    os << ", offset tables " << bytesText(16 * (m + n + k)) << "\n";
  }
  std::int64_t units = batch * ((n + nr - 1) / nr);
  os << "  "
     << (gemm.parallel ? "parallel: batch x N units of " + std::to_string(nr) + " columns (" +
                             extentText(units) + " units)"
                       : std::string("one thread"))
     << "\n";

  std::size_t depth = 1;
  auto open = [&](const std::string& text) {
    os << std::string(2 * depth, ' ') << text << " {\n";
    ++depth;
  };
  for (std::size_t label : gemm.batch)
    open("for " + nest.labels[label].name + " in 0.." + extentText(nest.labels[label].extent));
  auto close = [&] {
    --depth;
    os << std::string(2 * depth, ' ') << "}\n";
  };
  auto line = [&](const std::string& text) { os << std::string(2 * depth, ' ') << text << "\n"; };
  std::string packB =
      "pack " + name(gemm.b) + "[K pc.., N jc..] into " + std::to_string(nr) + "-wide panels";
  std::string packA =
      "pack " + name(gemm.a) + "[M ic.., K pc..] into " + std::to_string(gemm.mr) + "-wide panels";
  std::string tile = std::to_string(gemm.mr) + "x" + std::to_string(nr);
  open("for jc in 0.." + extentText(n) + " step " + std::to_string(gemm.nc));
  if (summedInF32Block(nest)) {
    // A 16-bit C is summed in f32 over all of K, then rounded once: one C block per MC rows.
    open("for ic in 0.." + extentText(m) + " step " + std::to_string(gemm.mc));
    open("for pc in 0.." + extentText(k) + " step " + std::to_string(gemm.kc));
    line(packB);
    line(packA);
    open("for jr in jc.. step " + std::to_string(nr));
    open("for ir in ic.. step " + std::to_string(gemm.mr));
    line("f32 C block tile " + tile +
         " = sum over K of A panel * B panel (stored at pc = 0, else added)");
    for (int loop = 0; loop < 3; ++loop)
      close();
    line(outName + "[M ic.., N jc..] = alpha * f32 C block + beta * " + outName +
         ", rounded once to " + std::string(dtypeName(nest.resultDtype())));
  } else {
    open("for pc in 0.." + extentText(k) + " step " + std::to_string(gemm.kc));
    line(packB);
    open("for ic in 0.." + extentText(m) + " step " + std::to_string(gemm.mc));
    line(packA);
    open("for jr in jc.. step " + std::to_string(nr));
    open("for ir in ic.. step " + std::to_string(gemm.mr));
    line(outName + " tile " + tile + " = alpha * sum over K of A panel * B panel + beta * " +
         outName + " (beta at pc = 0, else accumulate)");
  }
  while (depth > 1)
    close();
  return os.str();
}

void verifyPacked(const LoopNest& nest) {
  const PackedGemm& gemm = *nest.packed;
  if (nest.inputs.size() != 2 || gemm.a > 1 || gemm.b > 1 || gemm.a == gemm.b)
    broken("needs two inputs, A and B");
  if (!nest.outputLoops.empty() || !nest.reductionLoops.empty())
    broken("the nest also has loops");
  const TensorAccess& a = nest.inputs[gemm.a];
  const TensorAccess& b = nest.inputs[gemm.b];
  const TensorAccess& out = nest.output;
  std::vector<int> grouped(nest.labels.size(), 0);
  auto check = [&](const std::vector<std::size_t>& labels, bool inA, bool inB, bool inOut,
                   const char* group) {
    for (std::size_t label : labels) {
      if (label >= nest.labels.size())
        broken(std::string(group) + " holds label " + std::to_string(label) + " of " +
               std::to_string(nest.labels.size()));
      ++grouped[label];
      if (holds(a, label) != inA || holds(b, label) != inB || holds(out, label) != inOut)
        broken("label " + nest.labels[label].name + " does not belong in group " + group);
    }
  };
  check(gemm.batch, true, true, true, "batch");
  check(gemm.m, true, false, true, "M");
  check(gemm.n, false, true, true, "N");
  check(gemm.k, true, true, false, "K");
  for (std::size_t label = 0; label < nest.labels.size(); ++label)
    if (grouped[label] != 1)
      broken("label " + nest.labels[label].name + " is in " + std::to_string(grouped[label]) +
             " groups");
  if (gemm.m.empty() || gemm.n.empty() || gemm.k.empty())
    broken("M, N and K each need a label");
  if (gemm.mr < 1 || gemm.lanes < 1 || gemm.vectors < 1 || gemm.kc < 1 || gemm.mc < gemm.mr ||
      gemm.nc < gemm.nr() || gemm.mc % gemm.mr != 0 || gemm.nc % gemm.nr() != 0)
    broken("tile " + std::to_string(gemm.mr) + "x" + std::to_string(gemm.nr()) +
           " does not divide blocks MC " + std::to_string(gemm.mc) + " NC " +
           std::to_string(gemm.nc) + " (KC " + std::to_string(gemm.kc) + ")");
  if (!nest.constantExtents)
    broken("needs constant extents");
  bool half = isHalfPrecision(nest.dtype);
  if ((gemm.panels == Panels::Dtype) == half ||
      (gemm.panels == Panels::Bf16Pairs && nest.dtype != DType::bf16))
    broken("panels " +
           (gemm.panels == Panels::Dtype ? std::string("of the dtype") : panelsName(gemm.panels)) +
           " do not hold " + std::string(dtypeName(nest.dtype)) +
           " (f32 and f64 pack their own values; bf16 and f16 f32 ones, or bf16 pairs)");
  // The sizes the text and the kernel multiply stay far inside 64 bits.
  constexpr std::int64_t kLargest = std::int64_t{1} << 56;
  std::int64_t total = 1;
  for (const std::vector<std::size_t>* group : {&gemm.batch, &gemm.m, &gemm.n, &gemm.k})
    for (std::size_t label : *group)
      if (__builtin_mul_overflow(total, std::max<std::int64_t>(nest.labels[label].extent, 1),
                                 &total) ||
          total > kLargest)
        broken("the product of the extents exceeds 2^56");
  std::int64_t block = 0;
  if (__builtin_mul_overflow(gemm.mc, gemm.kc, &block) || block > kLargest ||
      __builtin_mul_overflow(gemm.kc, gemm.nc, &block) || block > kLargest)
    broken("a block of MC x KC or KC x NC elements exceeds 2^56");
}

} // namespace einjit::ir
