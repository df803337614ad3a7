// Stub: the emulator supplies cooperative groups (see ../../cuda_cg.hpp); scans over a tile's lanes
// (Hillis-Steele over shfl_up, as CUDA's tile scans compute them).
#pragma once
#include "../../cuda_cg.hpp"

namespace cooperative_groups {
template <unsigned N, class P, class T, class Op>
T inclusive_scan(const thread_block_tile<N, P>& g, T v, Op op) {
  for (unsigned d = 1; d < N; d *= 2) {
    T other = g.shfl_up(v, d);
    if (g.thread_rank() >= d) v = op(v, other);
  }
  return v;
}
template <unsigned N, class P, class T>
T inclusive_scan(const thread_block_tile<N, P>& g, T v) {
  return inclusive_scan(g, v, plus<T>());
}
// the sum of the lanes below this one (0 on the first lane)
template <unsigned N, class P, class T>
T exclusive_scan(const thread_block_tile<N, P>& g, T v) {
  T below = g.shfl_up(inclusive_scan(g, v), 1);
  return g.thread_rank() == 0 ? T(0) : below;
}
}  // namespace cooperative_groups
