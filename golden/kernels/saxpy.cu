// y = alpha * x + y, in place. A grid-stride loop, so any grid size covers any n.
#include <cuda_runtime.h>

__global__ void saxpy(int n, float alpha, const float* x, float* y) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
    y[i] = alpha * x[i] + y[i];
  }
}

void launch_saxpy(int n, float alpha, const float* x, float* y) {
  const int threads = 128;
  int blocks = (n + threads - 1) / threads;
  if (blocks > 4) blocks = 4;  // deliberately fewer blocks than elements: exercises the stride loop
  saxpy<<<blocks, threads>>>(n, alpha, x, y);
}
