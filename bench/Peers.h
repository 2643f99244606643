// The peer libraries einjit is timed against (OpenBLAS, BLIS, Eigen Tensor, LIBXSMM, oneMKL),
// behind one interface: each builds, for a case and a thread count, a callable that computes the
// case's output from its inputs, or says why it cannot.
#pragma once

#include "BenchCases.h"

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace einjit::bench {

/// Computes a case on contiguous row-major inputs into a contiguous row-major output. A peer
/// keeps its scratch buffers (permuted copies, path intermediates) between calls.
using PeerRun = std::function<void(const std::vector<const void*>& inputs, void* out)>;

/// Thrown by PeerLibrary::build when the library cannot compute a case; the message says why
/// and becomes the "n/a" note of the results table.
class PeerUnsupported : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// One peer library as the suite sees it.
struct PeerLibrary {
  std::string name;        ///< "openblas", "blis", "eigen", "libxsmm", "mkl": "<name>/<id>/t<n>"
  std::string description; ///< version, kernel, threading: recorded in the JSON context
  /// Builds the peer of a case for a thread count (scratch allocated, kernels generated).
  std::function<PeerRun(const BenchCase&, int threads)> build;
  /// Sets a library-wide thread count before a timed loop (OpenBLAS, BLIS); may be empty.
  std::function<void(int threads)> useThreads;
};

/// The peers this binary was built with, OpenBLAS first (the reference einjit is checked
/// against), each found by CMake separately.
const std::vector<PeerLibrary>& peerLibraries();

/// Each peer's factory; defined only when CMake found the library.
PeerLibrary openblasPeer();
PeerLibrary blisPeer();
PeerLibrary eigenPeer();
PeerLibrary libxsmmPeer();
PeerLibrary mklPeer();

} // namespace einjit::bench
