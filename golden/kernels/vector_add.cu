// Elementwise a + b. One thread per element; the guard makes ragged n (not a multiple of the block) safe.
#include <cuda_runtime.h>

__global__ void vector_add(const float* __restrict__ a, const float* __restrict__ b,
                           float* __restrict__ out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    out[i] = a[i] + b[i];
  }
}

void launch_vector_add(const float* a, const float* b, float* out, int n) {
  const int threads = 256;
  vector_add<<<(n + threads - 1) / threads, threads>>>(a, b, out, n);
}
