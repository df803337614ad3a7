// Inclusive scan within each block of 256 elements (Hillis-Steele, double-buffered in shared memory),
// plus each block's total. out[i] = x[block_start] + ... + x[i]; block_sums[b] = the block's total.
#include <cuda_runtime.h>

#define SCAN_THREADS 256

__global__ void block_scan(const float* __restrict__ x, float* __restrict__ out, float* __restrict__ block_sums, int n) {
  __shared__ float buf[2][SCAN_THREADS];
  int tid = threadIdx.x;
  int i = blockIdx.x * SCAN_THREADS + tid;
  int cur = 0;
  buf[cur][tid] = (i < n) ? x[i] : 0.0f;
  __syncthreads();
  for (int offset = 1; offset < SCAN_THREADS; offset <<= 1) {
    float v = buf[cur][tid];
    if (tid >= offset) v += buf[cur][tid - offset];
    buf[1 - cur][tid] = v;
    cur = 1 - cur;
    __syncthreads();
  }
  if (i < n) out[i] = buf[cur][tid];
  if (tid == SCAN_THREADS - 1) block_sums[blockIdx.x] = buf[cur][tid];
}

void launch_block_scan(const float* x, float* out, float* block_sums, int n) {
  block_scan<<<(n + SCAN_THREADS - 1) / SCAN_THREADS, SCAN_THREADS>>>(x, out, block_sums, n);
}
