// Row softmax: one block per row, a shared-memory tree reduction for the max and then for the sum.
// cols may be anything (smaller or larger than the block, not a multiple of it).
#include <cuda_runtime.h>
#include <math.h>

#define SOFTMAX_THREADS 256

__global__ void softmax_shared(const float* __restrict__ x, float* __restrict__ y, int rows, int cols) {
  __shared__ float red[SOFTMAX_THREADS];
  int row = blockIdx.x;
  if (row >= rows) return;
  const float* xr = x + (size_t)row * cols;
  float* yr = y + (size_t)row * cols;
  int tid = threadIdx.x;

  float m = -INFINITY;
  for (int c = tid; c < cols; c += blockDim.x) m = fmaxf(m, xr[c]);
  red[tid] = m;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (tid < s) red[tid] = fmaxf(red[tid], red[tid + s]);
    __syncthreads();
  }
  float row_max = red[0];
  __syncthreads();  // everyone has read red[0] before it is reused for the sum

  float sum = 0.0f;
  for (int c = tid; c < cols; c += blockDim.x) sum += expf(xr[c] - row_max);
  red[tid] = sum;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (tid < s) red[tid] += red[tid + s];
    __syncthreads();
  }
  float inv = 1.0f / red[0];
  for (int c = tid; c < cols; c += blockDim.x) yr[c] = expf(xr[c] - row_max) * inv;
}

void launch_softmax_shared(const float* x, float* y, int rows, int cols) {
  softmax_shared<<<rows, SOFTMAX_THREADS>>>(x, y, rows, cols);
}
