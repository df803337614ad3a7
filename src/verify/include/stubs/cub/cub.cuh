// c2m's CUB for the CUDA emulator: the block and warp reductions device code reaches, with CUB's meaning
// (https://github.com/NVIDIA/cccl, cub/block/block_reduce.cuh, cub/warp/warp_reduce.cuh): every thread of
// the block (warp) calls Reduce/Sum, the first `num_valid` threads' inputs are combined, and the result is
// defined in thread (lane) 0 only. CUB's algorithms differ only in the order they combine; a commutative,
// associative operator (ArgMax, Max, integer Sum) gives the same value in any order, a float Sum agrees
// up to rounding. KeyValuePair, ArgMax/ArgMin (ties to the lower key), Max, Min, Sum are CUB's.
#pragma once

namespace cub {

enum BlockReduceAlgorithm { BLOCK_REDUCE_RAKING_COMMUTATIVE_ONLY, BLOCK_REDUCE_RAKING, BLOCK_REDUCE_WARP_REDUCTIONS };

template <typename K, typename V>
struct KeyValuePair {
  typedef K Key;
  typedef V Value;
  K key;
  V value;
  __host__ __device__ KeyValuePair() {}
  __host__ __device__ KeyValuePair(const K& k, const V& v) : key(k), value(v) {}
};

struct Sum {
  template <typename T>
  __host__ __device__ T operator()(const T& a, const T& b) const { return a + b; }
};
struct Max {
  template <typename T>
  __host__ __device__ T operator()(const T& a, const T& b) const { return (b > a) ? b : a; }
};
struct Min {
  template <typename T>
  __host__ __device__ T operator()(const T& a, const T& b) const { return (b < a) ? b : a; }
};
struct ArgMax {
  template <typename T>
  __host__ __device__ T operator()(const T& a, const T& b) const { return ((b.value > a.value) || ((a.value == b.value) && (b.key < a.key))) ? b : a; }
};
struct ArgMin {
  template <typename T>
  __host__ __device__ T operator()(const T& a, const T& b) const { return ((b.value < a.value) || ((a.value == b.value) && (b.key < a.key))) ? b : a; }
};

/** A tree over shared memory: the thread's input at its linear index, then halves combined, barriers between. */
template <typename T, int BLOCK_DIM_X, BlockReduceAlgorithm ALGORITHM = BLOCK_REDUCE_WARP_REDUCTIONS, int BLOCK_DIM_Y = 1, int BLOCK_DIM_Z = 1, int PTX_ARCH = 0>
class BlockReduce {
 public:
  static constexpr int BLOCK_THREADS = BLOCK_DIM_X * BLOCK_DIM_Y * BLOCK_DIM_Z;
  struct TempStorage {
    T items[BLOCK_THREADS];
  };
  __device__ BlockReduce(TempStorage& storage) : storage_(storage), tid_(threadIdx.x + BLOCK_DIM_X * (threadIdx.y + BLOCK_DIM_Y * threadIdx.z)) {}
  template <typename Op>
  __device__ T Reduce(T input, Op op, int num_valid) {
    if (tid_ < num_valid) storage_.items[tid_] = input;
    __syncthreads();
    int half = 1;
    while (half * 2 < BLOCK_THREADS) half *= 2;
    for (; half > 0; half /= 2) {
      if (tid_ < half && tid_ + half < num_valid) storage_.items[tid_] = op(storage_.items[tid_], storage_.items[tid_ + half]);
      __syncthreads();
    }
    return tid_ == 0 ? storage_.items[0] : input;
  }
  template <typename Op>
  __device__ T Reduce(T input, Op op) { return Reduce(input, op, BLOCK_THREADS); }
  __device__ T Sum(T input, int num_valid) { return Reduce(input, cub::Sum(), num_valid); }
  __device__ T Sum(T input) { return Reduce(input, cub::Sum(), BLOCK_THREADS); }

 private:
  TempStorage& storage_;
  int tid_;
};

/** A warp (or a LOGICAL_WARP_THREADS segment of it): the same tree over its TempStorage, __syncwarp between levels. */
template <typename T, int LOGICAL_WARP_THREADS = 32, int PTX_ARCH = 0>
class WarpReduce {
 public:
  struct TempStorage {
    T items[LOGICAL_WARP_THREADS];
  };
  __device__ WarpReduce(TempStorage& storage) : storage_(storage), lane_(int(threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z)) % 32 % LOGICAL_WARP_THREADS) {}
  template <typename Op>
  __device__ T Reduce(T input, Op op, int num_valid) {
    if (lane_ < num_valid) storage_.items[lane_] = input;
    __syncwarp();
    int half = 1;
    while (half * 2 < LOGICAL_WARP_THREADS) half *= 2;
    for (; half > 0; half /= 2) {
      const bool active = lane_ < half && lane_ + half < num_valid;
      T combined = input;
      if (active) combined = op(storage_.items[lane_], storage_.items[lane_ + half]);
      __syncwarp();
      if (active) storage_.items[lane_] = combined;
      __syncwarp();
    }
    return lane_ == 0 ? storage_.items[0] : input;
  }
  template <typename Op>
  __device__ T Reduce(T input, Op op) { return Reduce(input, op, LOGICAL_WARP_THREADS); }
  __device__ T Sum(T input, int num_valid) { return Reduce(input, cub::Sum(), num_valid); }
  __device__ T Sum(T input) { return Reduce(input, cub::Sum(), LOGICAL_WARP_THREADS); }

 private:
  TempStorage& storage_;
  int lane_;
};

}  // namespace cub
