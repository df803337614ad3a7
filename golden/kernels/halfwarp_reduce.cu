// Sums rows of 16 floats with half-warp shuffles: each warp reduces two rows at once, lanes 0-15 one
// row and lanes 16-31 the next. __shfl_xor_sync with width 16 keeps the two halves apart, so a
// translation that sums across the whole SIMD-group (32 lanes) is wrong.
#include <cuda_runtime.h>

#define SEG 16

__global__ void halfwarp_reduce(const float* __restrict__ x, float* __restrict__ sums, int rows) {
  int t = blockIdx.x * blockDim.x + threadIdx.x;
  int row = t / SEG;
  int lane = t % SEG;
  float v = (row < rows) ? x[(size_t)row * SEG + lane] : 0.0f;
  for (int offset = SEG / 2; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffff, v, offset, SEG);
  if (row < rows && lane == 0) sums[row] = v;
}

void launch_halfwarp_reduce(const float* x, float* sums, int rows) {
  const int threads = 128;
  halfwarp_reduce<<<(rows * SEG + threads - 1) / threads, threads>>>(x, sums, rows);
}
