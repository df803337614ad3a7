// c2m's CUB for the CUDA emulator: the block and warp reductions device code reaches, with CUB's meaning
// (https://github.com/NVIDIA/cccl, cub/block/block_reduce.cuh, cub/warp/warp_reduce.cuh): every thread of
// the block (warp) calls Reduce/Sum, the first `num_valid` threads' inputs are combined, and the result is
// defined in thread (lane) 0 only. CUB's algorithms differ only in the order they combine; a commutative,
// associative operator (ArgMax, Max, integer Sum) gives the same value in any order, a float Sum agrees
// up to rounding. KeyValuePair, ArgMax/ArgMin (ties to the lower key), Max, Min, Sum are CUB's. BlockLoad
// and BlockStore: below.
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

/**
 * BlockLoad / BlockStore (cub/block/block_load.cuh, block_store.cuh): what they compute is an arrangement.
 * Blocked (DIRECT, VECTORIZE, TRANSPOSE, WARP_TRANSPOSE*): thread t holds items [t*N, t*N + N) of the tile;
 * striped (STRIPED): thread t holds items t, t + BLOCK_THREADS, ... A guarded load (valid_items) leaves an
 * item past the end as it was, or sets it to oob_default; a guarded store writes only items before the end.
 * CUB's algorithms differ in how they reach the arrangement (shared-memory exchanges), not in the result.
 */
enum BlockLoadAlgorithm { BLOCK_LOAD_DIRECT, BLOCK_LOAD_STRIPED, BLOCK_LOAD_VECTORIZE, BLOCK_LOAD_TRANSPOSE, BLOCK_LOAD_WARP_TRANSPOSE, BLOCK_LOAD_WARP_TRANSPOSE_TIMESLICED };
enum BlockStoreAlgorithm { BLOCK_STORE_DIRECT, BLOCK_STORE_STRIPED, BLOCK_STORE_VECTORIZE, BLOCK_STORE_TRANSPOSE, BLOCK_STORE_WARP_TRANSPOSE, BLOCK_STORE_WARP_TRANSPOSE_TIMESLICED };

template <typename T, int BLOCK_DIM_X, int ITEMS_PER_THREAD, BlockLoadAlgorithm ALGORITHM = BLOCK_LOAD_DIRECT, int BLOCK_DIM_Y = 1, int BLOCK_DIM_Z = 1, int PTX_ARCH = 0>
class BlockLoad {
 public:
  static constexpr int BLOCK_THREADS = BLOCK_DIM_X * BLOCK_DIM_Y * BLOCK_DIM_Z;
  struct TempStorage {
    T items[BLOCK_THREADS * ITEMS_PER_THREAD];
  };
  __device__ BlockLoad() : tid_(threadIdx.x + BLOCK_DIM_X * (threadIdx.y + BLOCK_DIM_Y * threadIdx.z)) {}
  __device__ BlockLoad(TempStorage&) : BlockLoad() {}
  template <typename It>
  __device__ void Load(It block_itr, T (&items)[ITEMS_PER_THREAD], int valid_items) {
    for (int i = 0; i < ITEMS_PER_THREAD; ++i) {
      const int k = ALGORITHM == BLOCK_LOAD_STRIPED ? i * BLOCK_THREADS + tid_ : tid_ * ITEMS_PER_THREAD + i;
      if (k < valid_items) items[i] = block_itr[k];
    }
  }
  template <typename It>
  __device__ void Load(It block_itr, T (&items)[ITEMS_PER_THREAD]) { Load(block_itr, items, BLOCK_THREADS * ITEMS_PER_THREAD); }
  template <typename It, typename D>
  __device__ void Load(It block_itr, T (&items)[ITEMS_PER_THREAD], int valid_items, D oob_default) {
    for (int i = 0; i < ITEMS_PER_THREAD; ++i) items[i] = T(oob_default);
    Load(block_itr, items, valid_items);
  }

 private:
  int tid_;
};

template <typename T, int BLOCK_DIM_X, int ITEMS_PER_THREAD, BlockStoreAlgorithm ALGORITHM = BLOCK_STORE_DIRECT, int BLOCK_DIM_Y = 1, int BLOCK_DIM_Z = 1, int PTX_ARCH = 0>
class BlockStore {
 public:
  static constexpr int BLOCK_THREADS = BLOCK_DIM_X * BLOCK_DIM_Y * BLOCK_DIM_Z;
  struct TempStorage {
    T items[BLOCK_THREADS * ITEMS_PER_THREAD];
  };
  __device__ BlockStore() : tid_(threadIdx.x + BLOCK_DIM_X * (threadIdx.y + BLOCK_DIM_Y * threadIdx.z)) {}
  __device__ BlockStore(TempStorage&) : BlockStore() {}
  template <typename It>
  __device__ void Store(It block_itr, T (&items)[ITEMS_PER_THREAD], int valid_items) {
    for (int i = 0; i < ITEMS_PER_THREAD; ++i) {
      const int k = ALGORITHM == BLOCK_STORE_STRIPED ? i * BLOCK_THREADS + tid_ : tid_ * ITEMS_PER_THREAD + i;
      if (k < valid_items) block_itr[k] = items[i];
    }
  }
  template <typename It>
  __device__ void Store(It block_itr, T (&items)[ITEMS_PER_THREAD]) { Store(block_itr, items, BLOCK_THREADS * ITEMS_PER_THREAD); }

 private:
  int tid_;
};

}  // namespace cub
