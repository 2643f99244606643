// Complex vectors for ElementOps: `lanes` complex elements as one real vector of 2 x lanes
// components, (re, im) interleaved as memory holds them, so a unit-stride operand is one plain
// vector load and the output one plain store. A product a·b is re(a)·b + i·(im(a)·b): each term is
// a real vector times b, re(a) and im(a) being a's parts duplicated into both components of each
// pair (one shuffle each, none for a broadcast operand). An accumulator (Slot) keeps the two
// sums apart, p += re(a)·b and q += im(a)·b, two real FMAs per vector and no shuffle, and
// multiplies q by i once when it is read: i·(x, y) = (-y, x) is one shuffle with a sign. Four
// real multiply-adds per complex one, the fewest without the 3M method's loss of accuracy, and
// no shuffle in the loop where a factor is a broadcast (a per-update (re, im) swap would add one
// per FMA pair).
#include "codegen/ElementOps.h"

#include <llvm/IR/Intrinsics.h>

namespace einjit::codegen {

bool ElementOps::interleaved(Element value) const {
  return complex_ && value.re && value.re->getType()->isVectorTy();
}

llvm::Value* ElementOps::pairMask(llvm::Value* mask) {
  // One bit per element -> one per component: element k's bit for lanes 2k and 2k + 1.
  auto lanes =
      static_cast<int>(llvm::cast<llvm::FixedVectorType>(mask->getType())->getNumElements());
  std::vector<int> indices;
  for (int k = 0; k < 2 * lanes; ++k)
    indices.push_back(k / 2);
  return builder_.CreateShuffleVector(mask, indices);
}

llvm::Value* ElementOps::duplicatePart(llvm::Value* pairs, int part) {
  auto width =
      static_cast<int>(llvm::cast<llvm::FixedVectorType>(pairs->getType())->getNumElements());
  std::vector<int> indices;
  for (int k = 0; k < width; ++k)
    indices.push_back((k & ~1) + part);
  return builder_.CreateShuffleVector(pairs, indices);
}

llvm::Value* ElementOps::timesI(llvm::Value* pairs) {
  // (x, y) -> (-y, x): lane 2k from the negated vector's lane 2k + 1, lane 2k + 1 from lane 2k.
  auto width =
      static_cast<int>(llvm::cast<llvm::FixedVectorType>(pairs->getType())->getNumElements());
  std::vector<int> indices;
  for (int k = 0; k < width; k += 2) {
    indices.push_back(width + k + 1);
    indices.push_back(k);
  }
  return builder_.CreateShuffleVector(pairs, builder_.CreateFNeg(pairs), indices);
}

Element ElementOps::loadPairs(llvm::Value* base, llvm::Value* offset, int lanes,
                              llvm::Value* laneStride) {
  if (!laneStride)
    return Element{
        builder_.CreateAlignedLoad(typeOf(lanes), componentPointer(base, offset, 0), align_)};
  // Gathered pair by pair (one 2-component load each), the pairs joined as a tree of
  // concatenations (padded with poison to a power of two, cut back at the end).
  llvm::Type* pairType = llvm::FixedVectorType::get(component_, 2);
  std::vector<llvm::Value*> parts;
  for (int lane = 0; lane < lanes; ++lane) {
    llvm::Value* laneOffset =
        builder_.CreateAdd(offset, builder_.CreateMul(laneStride, builder_.getInt64(lane)));
    parts.push_back(
        builder_.CreateAlignedLoad(pairType, componentPointer(base, laneOffset, 0), align_));
  }
  while (parts.size() > 1) {
    if (parts.size() % 2 != 0)
      parts.push_back(llvm::PoisonValue::get(parts[0]->getType()));
    auto width =
        static_cast<int>(llvm::cast<llvm::FixedVectorType>(parts[0]->getType())->getNumElements());
    std::vector<int> both;
    for (int k = 0; k < 2 * width; ++k)
      both.push_back(k);
    std::vector<llvm::Value*> joined;
    for (std::size_t p = 0; p + 1 < parts.size(); p += 2)
      joined.push_back(builder_.CreateShuffleVector(parts[p], parts[p + 1], both));
    parts = std::move(joined);
  }
  std::vector<int> used;
  for (int k = 0; k < 2 * lanes; ++k)
    used.push_back(k);
  return Element{builder_.CreateShuffleVector(parts[0], used)};
}

void ElementOps::storePairs(Element value, llvm::Value* base, llvm::Value* offset, int lanes,
                            llvm::Value* laneStride) {
  if (!laneStride) {
    builder_.CreateAlignedStore(value.re, componentPointer(base, offset, 0), align_);
    return;
  }
  // Scattered pair by pair, one 2-component store each.
  for (int lane = 0; lane < lanes; ++lane) {
    llvm::Value* laneOffset =
        builder_.CreateAdd(offset, builder_.CreateMul(laneStride, builder_.getInt64(lane)));
    builder_.CreateAlignedStore(builder_.CreateShuffleVector(value.re, {2 * lane, 2 * lane + 1}),
                                componentPointer(base, laneOffset, 0), align_);
  }
}

Element ElementOps::broadcastPair(Element scalar, int lanes) {
  llvm::Value* pair = llvm::PoisonValue::get(llvm::FixedVectorType::get(component_, 2));
  pair = builder_.CreateInsertElement(pair, scalar.re, std::uint64_t{0});
  pair = builder_.CreateInsertElement(pair, scalar.im, std::uint64_t{1});
  std::vector<int> indices;
  for (int k = 0; k < 2 * lanes; ++k)
    indices.push_back(k % 2);
  return Element{builder_.CreateShuffleVector(pair, indices)};
}

Element ElementOps::multiplyPairs(Element a, Element b) {
  llvm::Value* imaginary = builder_.CreateFMul(duplicatePart(a.re, 1), b.re);
  return Element{fma(duplicatePart(a.re, 0), b.re, timesI(imaginary))};
}

Element ElementOps::multiplyAddPairs(Element a, Element b, Element acc) {
  llvm::Value* imaginary = builder_.CreateFMul(duplicatePart(a.re, 1), b.re);
  return Element{builder_.CreateFAdd(fma(duplicatePart(a.re, 0), b.re, acc.re), timesI(imaginary))};
}

Element ElementOps::conjugatePairs(Element value) {
  // Every odd (imaginary) lane from the negated vector.
  auto width =
      static_cast<int>(llvm::cast<llvm::FixedVectorType>(value.re->getType())->getNumElements());
  std::vector<int> indices;
  for (int k = 0; k < width; ++k)
    indices.push_back(k % 2 == 0 ? k : width + k);
  return Element{builder_.CreateShuffleVector(value.re, builder_.CreateFNeg(value.re), indices)};
}

Element ElementOps::sumPairs(Element value) {
  // Halves added while they hold whole pairs, then what is left pair by pair.
  llvm::Value* vector = value.re;
  auto width =
      static_cast<int>(llvm::cast<llvm::FixedVectorType>(vector->getType())->getNumElements());
  while (width > 2 && (width / 2) % 2 == 0) {
    std::vector<int> low;
    std::vector<int> high;
    for (int k = 0; k < width / 2; ++k) {
      low.push_back(k);
      high.push_back(width / 2 + k);
    }
    vector = builder_.CreateFAdd(builder_.CreateShuffleVector(vector, low),
                                 builder_.CreateShuffleVector(vector, high));
    width /= 2;
  }
  Element sum{builder_.CreateExtractElement(vector, std::uint64_t{0}),
              builder_.CreateExtractElement(vector, std::uint64_t{1})};
  for (int k = 2; k < width; k += 2)
    sum = Element{builder_.CreateFAdd(
                      sum.re, builder_.CreateExtractElement(vector, static_cast<std::uint64_t>(k))),
                  builder_.CreateFAdd(sum.im, builder_.CreateExtractElement(
                                                  vector, static_cast<std::uint64_t>(k + 1)))};
  return sum;
}

Element ElementOps::readPairs(const Slot& slot) {
  llvm::Value* p = builder_.CreateLoad(typeOf(slot.lanes), slot.re);
  llvm::Value* q = builder_.CreateLoad(typeOf(slot.lanes), slot.im);
  return Element{builder_.CreateFAdd(p, timesI(q))};
}

void ElementOps::accumulatePairs(const Slot& slot, Element a, Element b, llvm::Value* update) {
  llvm::Type* type = typeOf(slot.lanes);
  llvm::Value* p = builder_.CreateLoad(type, slot.re);
  llvm::Value* q = builder_.CreateLoad(type, slot.im);
  llvm::Value* nextP = nullptr;
  llvm::Value* nextQ = q;
  if (b.re) {
    nextP = fma(duplicatePart(a.re, 0), b.re, p);
    nextQ = fma(duplicatePart(a.re, 1), b.re, q);
  } else {
    nextP = builder_.CreateFAdd(p, a.re);
  }
  if (update) {
    llvm::Value* components = pairMask(update);
    nextP = builder_.CreateSelect(components, nextP, p);
    nextQ = builder_.CreateSelect(components, nextQ, q);
  }
  builder_.CreateStore(nextP, slot.re);
  builder_.CreateStore(nextQ, slot.im);
}

} // namespace einjit::codegen
