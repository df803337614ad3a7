// CUDA cooperative groups on the emulator (see cuda_emu.hpp): thread_block, thread_block_tile<N> (N <= 1024),
// tiled_partition, grid_group's indices, and the collectives c2m translates. A tile is N consecutive
// threads of its block, inside one warp; its collectives are warp shuffles over the tile's own lanes
// (the mask names them, so tiles of one warp may run apart), and reduce is CUDA's xor butterfly. A tile
// wider than a warp (over block_tile_memory) reduces each warp, then the tile's warp results in order
// through block-shared scratch; its sync and reduce wait for the whole block here, so a kernel whose
// tiles reach them apart faults as a divergent barrier instead of passing.
#pragma once
#include "cuda_emu.hpp"

namespace cooperative_groups {
struct thread_block {
  static void sync() { emu::group_barrier(); }
  static unsigned thread_rank() { return threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z); }
  static unsigned size() { return blockDim.x * blockDim.y * blockDim.z; }
  static unsigned long long num_threads() { return size(); }
  static dim3 group_index() { return dim3(blockIdx.x, blockIdx.y, blockIdx.z); }
  static dim3 thread_index() { return dim3(threadIdx.x, threadIdx.y, threadIdx.z); }
  static dim3 group_dim() { return blockDim; }
  static dim3 dim_threads() { return blockDim; }
};
inline thread_block this_thread_block() { return {}; }
// scratch for tiles larger than a warp (CUDA 11+): the emulator's wide tiles keep theirs in wide_scratch()
template <unsigned TileCount, unsigned MaxBlockSize = 1024>
struct block_tile_memory {};
template <unsigned TileCount, unsigned MaxBlockSize>
thread_block this_thread_block(block_tile_memory<TileCount, MaxBlockSize>&) { return {}; }
inline void sync(const thread_block&) { emu::group_barrier(); }

struct grid_group {
  static unsigned long long block_rank() { return blockIdx.x + (unsigned long long)gridDim.x * (blockIdx.y + (unsigned long long)gridDim.y * blockIdx.z); }
  static unsigned long long thread_rank() { return block_rank() * thread_block::size() + thread_block::thread_rank(); }
  static unsigned long long num_blocks() { return (unsigned long long)gridDim.x * gridDim.y * gridDim.z; }
  static unsigned long long size() { return num_blocks() * thread_block::size(); }
  static unsigned long long num_threads() { return size(); }
  static dim3 group_index() { return dim3(blockIdx.x, blockIdx.y, blockIdx.z); }
  static dim3 thread_index() { return dim3(threadIdx.x, threadIdx.y, threadIdx.z); }
  static dim3 group_dim() { return blockDim; }
  static dim3 dim_blocks() { return gridDim; }
  static bool is_valid() { return true; }
  // groups run one after another here, so a grid-wide barrier cannot be emulated
  static void sync() { emu::fail("{\"kind\":\"bad-launch\",\"message\":\"grid_group::sync needs a cooperative launch, which the emulator does not run\"}"); }
};
inline grid_group this_grid() { return {}; }
inline void sync(const grid_group& g) { g.sync(); }

template <unsigned N, class Parent = void>
struct thread_block_tile {
  static_assert(N >= 1 && N <= 1024 && (N & (N - 1)) == 0, "tiles are a power of two of at most 1024 threads");
  static unsigned rank() { return thread_block::thread_rank(); }
  static unsigned thread_rank() { return rank() % N; }
  static unsigned size() { return N; }
  static unsigned long long num_threads() { return N; }
  static unsigned meta_group_rank() { return rank() / N; }
  static unsigned meta_group_size() { return (thread_block::size() + N - 1) / N; }
  // the tile's lanes in its warp
  static unsigned mask() { return N >= 32 ? 0xFFFFFFFFu : ((1u << N) - 1u) << ((rank() % 32) & ~(N - 1)); }
  static void sync() {
    if (N > 32) emu::group_barrier();
    else __syncwarp(mask());
  }
  template <class T> T shfl(T v, int src) const { return __shfl_sync(mask(), v, src, N < 32 ? N : 32); }
  template <class T> T shfl_down(T v, unsigned d) const { return __shfl_down_sync(mask(), v, d, N < 32 ? N : 32); }
  template <class T> T shfl_up(T v, unsigned d) const { return __shfl_up_sync(mask(), v, d, N < 32 ? N : 32); }
  template <class T> T shfl_xor(T v, unsigned m) const { return __shfl_xor_sync(mask(), v, m, N < 32 ? N : 32); }
  unsigned ballot(int p) const { return __ballot_sync(mask(), p) >> ((rank() % 32) & ~(N - 1)); }
  bool any(int p) const { return ballot(p) != 0; }
  bool all(int p) const { return ballot(p) == (N == 32 ? 0xFFFFFFFFu : ((1u << N) - 1u)); }
};
// tiles of the block only (c2m refuses tiles of tiles)
template <unsigned N>
thread_block_tile<N> tiled_partition(const thread_block&) { return {}; }
template <unsigned N, class P>
void sync(const thread_block_tile<N, P>& t) { t.sync(); }

template <class T> struct plus { T operator()(T a, T b) const { return a + b; } };
template <class T> struct less { T operator()(T a, T b) const { return a < b ? a : b; } };
template <class T> struct greater { T operator()(T a, T b) const { return a < b ? b : a; } };
template <class T> struct bit_and { T operator()(T a, T b) const { return a & b; } };
template <class T> struct bit_or { T operator()(T a, T b) const { return a | b; } };
template <class T> struct bit_xor { T operator()(T a, T b) const { return a ^ b; } };
// block-shared scratch of a wide tile's reduce: fibers of one block share it, and blocks run one after another
template <class T>
T* wide_scratch() {
  static T slots[32];
  return slots;
}
template <unsigned N, class P, class T, class Op>
T reduce(const thread_block_tile<N, P>& g, T v, Op op) {
  for (unsigned o = (N < 32 ? N : 32) / 2; o > 0; o /= 2) v = op(v, g.shfl_xor(v, o));
  if (N <= 32) return v;
  T* slots = wide_scratch<T>();
  const unsigned rank = thread_block::thread_rank();
  if (rank % 32 == 0) slots[rank / 32] = v;
  emu::group_barrier();
  const unsigned first = rank / N * (N / 32);
  v = slots[first];
  for (unsigned k = 1; k < N / 32 && (first + k) * 32 < thread_block::size(); ++k) v = op(v, slots[first + k]);
  emu::group_barrier();
  return v;
}
}  // namespace cooperative_groups
