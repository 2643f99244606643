// Transposes in registers (TransposeTile.h).
#include "codegen/TransposeTile.h"

#include <llvm/Analysis/VectorUtils.h>

#include <algorithm>

namespace einjit::codegen {

void transposeInPlace(llvm::IRBuilder<>& builder, std::vector<llvm::Value*>& rows, int lanes) {
  int size = static_cast<int>(rows.size());
  for (int bit = 1; bit < size; bit <<= 1) {
    std::vector<int> low(static_cast<std::size_t>(lanes));
    std::vector<int> high(static_cast<std::size_t>(lanes));
    for (int j = 0; j < lanes; ++j) {
      low[static_cast<std::size_t>(j)] = (j & bit) ? lanes + j - bit : j;
      high[static_cast<std::size_t>(j)] = (j & bit) ? lanes + j : j + bit;
    }
    for (int w = 0; w < size; ++w) {
      if (w & bit)
        continue;
      llvm::Value* first = rows[static_cast<std::size_t>(w)];
      llvm::Value* second = rows[static_cast<std::size_t>(w + bit)];
      rows[static_cast<std::size_t>(w)] = builder.CreateShuffleVector(first, second, low);
      rows[static_cast<std::size_t>(w + bit)] = builder.CreateShuffleVector(first, second, high);
    }
  }
}

std::vector<llvm::Value*> transposeBlock(llvm::IRBuilder<>& builder, int lanes, int columns,
                                         const TransposeLoad& load) {
  int side = std::min(lanes, columns);
  std::vector<llvm::Value*> result(static_cast<std::size_t>(columns));
  for (int u0 = 0; u0 < columns; u0 += side) {
    // parts[j]: the square blocks' column u0 + j, lanes v0 .. v0 + side - 1 each.
    std::vector<std::vector<llvm::Value*>> parts(static_cast<std::size_t>(side));
    for (int v0 = 0; v0 < lanes; v0 += side) {
      std::vector<llvm::Value*> block;
      for (int v = 0; v < side; ++v)
        block.push_back(load(v0 + v, u0, side));
      if (side > 1)
        transposeInPlace(builder, block, side);
      for (int j = 0; j < side; ++j)
        parts[static_cast<std::size_t>(j)].push_back(block[static_cast<std::size_t>(j)]);
    }
    for (int j = 0; j < side; ++j) {
      std::vector<llvm::Value*>& part = parts[static_cast<std::size_t>(j)];
      llvm::Value* joined = part.front();
      if (side == 1) {
        // One column: the rows' scalars into one vector (what a gather does).
        joined = llvm::PoisonValue::get(
            llvm::FixedVectorType::get(part.front()->getType(), static_cast<unsigned>(lanes)));
        for (int v = 0; v < lanes; ++v)
          joined = builder.CreateInsertElement(joined, part[static_cast<std::size_t>(v)],
                                               builder.getInt64(static_cast<std::uint64_t>(v)));
      } else if (part.size() > 1) {
        joined = llvm::concatenateVectors(builder, part);
      }
      result[static_cast<std::size_t>(u0 + j)] = joined;
    }
  }
  return result;
}

std::vector<llvm::Value*> transposeColumns(llvm::IRBuilder<>& builder, int lanes, int columns,
                                           const TransposeLoad& load) {
  std::vector<llvm::Value*> result;
  for (int group = 1 << 30; group > 0; group >>= 1) {
    if (!(columns & group))
      continue;
    int first = static_cast<int>(result.size());
    std::vector<llvm::Value*> block = transposeBlock(
        builder, lanes, group, [&](int v, int u, int count) { return load(v, first + u, count); });
    result.insert(result.end(), block.begin(), block.end());
  }
  return result;
}

} // namespace einjit::codegen
