// The list of peers compiled into einjit_bench. CMake defines EINJIT_BENCH_<PEER> for each
// library it found; a missing one is left out here and reported by CMake.
#include "Peers.h"

namespace einjit::bench {

const std::vector<PeerLibrary>& peerLibraries() {
  static const std::vector<PeerLibrary> peers = [] {
    std::vector<PeerLibrary> list;
#ifdef EINJIT_BENCH_OPENBLAS
    list.push_back(openblasPeer());
#endif
#ifdef EINJIT_BENCH_BLIS
    list.push_back(blisPeer());
#endif
#ifdef EINJIT_BENCH_EIGEN
    list.push_back(eigenPeer());
#endif
#ifdef EINJIT_BENCH_LIBXSMM
    list.push_back(libxsmmPeer());
#endif
#ifdef EINJIT_BENCH_MKL
    list.push_back(mklPeer());
#endif
    return list;
  }();
  return peers;
}

} // namespace einjit::bench
