// The contractions of BENCH.md's suite as data: einsum, extents, dtype, the flop and byte counts
// the rates are computed from, and the OpenBLAS peer that computes the same result.
#pragma once

#include "einjit/dtype.h"
#include "einjit/tensor.h"

#include <functional>
#include <string>
#include <vector>

namespace einjit::bench {

/// What limits a case: its table column is GFLOP/s against peak, or GB/s against the triad.
enum class Bound { Compute, Memory };

/// Runs a peer on contiguous row-major inputs into a contiguous row-major output. A peer keeps its
/// scratch buffers (permuted copies, path intermediates) between calls.
using PeerRun = std::function<void(const std::vector<const void*>& inputs, void* out)>;

/// One row of the suite.
struct BenchCase {
  std::string id;            ///< "S1", "B8", "G256.f64": benchmark names are "einjit/<id>".
  std::string expression;    ///< the einsum einjit compiles
  std::vector<Shape> shapes; ///< operand shapes, in order
  Shape outputShape;         ///< the einsum's output shape (row-major, as the peers write it)
  DType dtype = DType::f32;  ///< f32 or f64 (the peers are sgemm / dgemm)
  double flops = 0;          ///< 2 per multiply-add, of the best path for three operands
  double fusedFlops = 0;     ///< 2 per multiply-add of the single fused loop nest
  double bytes = 0;          ///< inputs read once plus the output written once
  Bound bound = Bound::Compute;
  std::string peerMapping;           ///< how OpenBLAS computes it, for the results table
  std::function<PeerRun()> makePeer; ///< builds the peer and its scratch buffers
};

/// Every case: S1–S12, B8–B64, then the G sizes (fp32 and fp64).
const std::vector<BenchCase>& benchCases();

} // namespace einjit::bench
