// Transposes in registers, shared by the packed kernel's packing copies (PackedPacking.cpp) and
// the loop-nest kernel's transpose tiles (KernelModule.cpp, ir::LoopNest::transposedLoop): blocks
// of vectors transposed by shufflevector stages instead of gathered element by element. For the
// codegen .cpp files only (pulls in LLVM).
#pragma once

#include <llvm/IR/IRBuilder.h>

#include <functional>
#include <vector>

namespace einjit::codegen {

/// Exchanges each bit of the row index below rows.size() (a power of two, at most `lanes`) with
/// the same bit of the lane index: a square block is transposed (rows[i][j] becomes rows[j][i]);
/// fewer rows leave lane j of row w holding the old row j mod rows.size() at lane
/// (j - j mod rows.size()) + w. log2(rows.size()) rounds of two shuffles per pair of rows.
void transposeInPlace(llvm::IRBuilder<>& builder, std::vector<llvm::Value*>& rows, int lanes);

/// `count` consecutive values (a vector, or a scalar when count is 1) of the source's row `v`
/// from column `u` on.
using TransposeLoad = std::function<llvm::Value*(int v, int u, int count)>;

/// The transpose of a source block of `lanes` rows by `columns` columns, both powers of two:
/// `columns` vectors of `lanes` lanes, lane v of vector u holding the source's (v, u). Read as
/// square blocks of min(lanes, columns), each one load per row and transposeInPlace, the blocks
/// of one output vector joined by shuffles.
std::vector<llvm::Value*> transposeBlock(llvm::IRBuilder<>& builder, int lanes, int columns,
                                         const TransposeLoad& load);

/// The same for any number of columns: power-of-two groups of them (12 as 8 and 4), each a
/// transposeBlock. `lanes` is a power of two.
std::vector<llvm::Value*> transposeColumns(llvm::IRBuilder<>& builder, int lanes, int columns,
                                           const TransposeLoad& load);

} // namespace einjit::codegen
