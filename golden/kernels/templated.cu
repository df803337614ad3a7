// A block reduction templated on the element type and the block size; the launchers instantiate it
// for <float, 256> and <int, 128>. partial[b] = sum of block b's slice of x.
#include <cuda_runtime.h>

template <typename T, int BLOCK>
__global__ void block_sum(const T* __restrict__ x, T* __restrict__ partial, int n) {
  __shared__ T sdata[BLOCK];
  int tid = threadIdx.x;
  int i = blockIdx.x * BLOCK + tid;
  sdata[tid] = (i < n) ? x[i] : T(0);
  __syncthreads();
#pragma unroll
  for (int s = BLOCK / 2; s > 0; s >>= 1) {
    if (tid < s) sdata[tid] += sdata[tid + s];
    __syncthreads();
  }
  if (tid == 0) partial[blockIdx.x] = sdata[0];
}

void launch_block_sum_f32(const float* x, float* partial, int n) {
  block_sum<float, 256><<<(n + 255) / 256, 256>>>(x, partial, n);
}

void launch_block_sum_i32(const int* x, int* partial, int n) {
  block_sum<int, 128><<<(n + 127) / 128, 128>>>(x, partial, n);
}
