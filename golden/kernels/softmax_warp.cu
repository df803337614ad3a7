// Row softmax: one warp per row, 4 rows per block (blockDim = (32, 4)); reductions with __shfl_xor_sync.
#include <cuda_runtime.h>
#include <math.h>

#define ROWS_PER_BLOCK 4

__device__ __forceinline__ float warp_max(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffff, v, offset));
  return v;
}

__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffff, v, offset);
  return v;
}

__global__ void softmax_warp(const float* __restrict__ x, float* __restrict__ y, int rows, int cols) {
  int row = blockIdx.x * ROWS_PER_BLOCK + threadIdx.y;
  if (row >= rows) return;  // the whole warp leaves together: the shuffles below stay convergent
  int lane = threadIdx.x;
  const float* xr = x + (size_t)row * cols;
  float* yr = y + (size_t)row * cols;

  float m = -INFINITY;
  for (int c = lane; c < cols; c += 32) m = fmaxf(m, xr[c]);
  m = warp_max(m);
  float s = 0.0f;
  for (int c = lane; c < cols; c += 32) s += expf(xr[c] - m);
  s = warp_sum(s);
  float inv = 1.0f / s;
  for (int c = lane; c < cols; c += 32) yr[c] = expf(xr[c] - m) * inv;
}

void launch_softmax_warp(const float* x, float* y, int rows, int cols) {
  dim3 block(32, ROWS_PER_BLOCK);
  dim3 grid((rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK);
  softmax_warp<<<grid, block>>>(x, y, rows, cols);
}
